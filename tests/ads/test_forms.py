"""The /ads page and its booking form: what it shows, what it refuses, what it stores."""

from __future__ import annotations

import datetime
import io
from typing import Any

import lxml.html
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from PIL import Image
from tests.ads.conftest import png_bytes, slot

from newsdesk.ads.models import BookingRequest, PageViewDay, Slot

pytestmark = pytest.mark.django_db


def valid(**changes: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data = {"advertiser": "Harbour Books", "contact_name": "Ada Quay",
            "contact_email": "ada@books.example", "slot": str(slot().pk),
            "starts_on": (today + datetime.timedelta(days=7)).isoformat(),
            "ends_on": (today + datetime.timedelta(days=21)).isoformat(),
            "regions": ["asia", "europe"], "creative_link": "",
            "target_url": "https://books.example/fair", "message": "Spring fair.", "website": ""}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def errors_of(response: Any) -> dict[str, list[str]]:
    return {name: list(errs) for name, errs in response.context["form"].errors.items()}


def test_ads_page_shows_the_sites_own_numbers_slots_rates_and_a_form(client: Client) -> None:
    Slot.objects.filter(code="sidebar").update(rate="150.00", currency="EUR")
    PageViewDay.objects.create(day=timezone.localdate(), page_views=1234)
    PageViewDay.objects.create(day=timezone.localdate() - datetime.timedelta(days=45),
                               page_views=99999)  # older than a month: not counted
    response = client.get("/ads")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<form" in html and 'enctype="multipart/form-data"' in html
    assert "csrfmiddlewaretoken" in html
    assert "<dd>1234</dd>" in html and "99999" not in html and "100233" not in html
    assert "Header leaderboard" in html and "728×90" in html
    assert "EUR 150.00 per week" in html and "Rate on request" in html


def test_a_valid_request_lands_in_the_queue_and_the_advertiser_is_mailed(client: Client) -> None:
    response = client.post("/ads", valid())
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    booking = BookingRequest.objects.get()
    assert booking.state == BookingRequest.State.PENDING
    assert booking.regions == ["asia", "europe"]
    assert [m.to for m in mail.outbox] == [["ada@books.example"]]
    assert "Header leaderboard" in mail.outbox[0].body
    assert "asia, europe" in mail.outbox[0].body


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"advertiser": ""}, "advertiser", "required"),
    ({"contact_email": "not-an-address"}, "contact_email", "valid email"),
    ({"slot": "999999"}, "slot", "valid choice"),
    ({"starts_on": "2020-01-01"}, "starts_on", "past"),
    ({"starts_on": "31/02/2030"}, "starts_on", "valid date"),
    ({"ends_on": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()}, "ends_on",
     "on or after"),
    ({"ends_on": (timezone.localdate() + datetime.timedelta(days=500)).isoformat()}, "ends_on",
     "at most a year"),
    ({"regions": ["atlantis"]}, "regions", "valid choice"),
    ({"creative_link": "javascript:alert(1)"}, "creative_link", "valid URL"),
    ({"target_url": "ftp://books.example/x"}, "target_url", "https://"),
    ({"message": "x" * 2001}, "message", "at most 2000"),
    ({"website": "http://spam.example"}, "website", "empty"),
])
def test_the_form_rejects_bad_input_field_by_field(client: Client, changes: dict[str, Any],
                                                    field: str, words: str) -> None:
    response = client.post("/ads", valid(**changes))
    assert response.status_code == 400
    errors = errors_of(response)
    assert list(errors) == [field], errors
    assert words in " ".join(errors[field])
    if field != "website":  # the honeypot is hidden from people; only bots fill it
        html = response.content.decode()
        shown = html.split(f'id="id_{field}', 1)[1].split('class="field', 1)[0]
        assert escape(errors[field][0]) in shown  # next to its own field
    assert not BookingRequest.objects.exists() and not mail.outbox


def test_several_bad_fields_each_get_their_own_message(client: Client) -> None:
    response = client.post("/ads", valid(advertiser="", contact_email="nope", slot=""))
    assert set(errors_of(response)) == {"advertiser", "contact_email", "slot"}


def test_the_region_boxes_are_read_with_their_hint(client: Client) -> None:
    """'Leave all unticked for the whole site.' belonged to no box."""
    doc = lxml.html.fromstring(client.get("/ads").content)
    [group] = doc.xpath("//fieldset[legend='Regions']")
    assert group.xpath(".//input[@name='regions']")
    [hint] = group.get("aria-describedby").split()
    assert doc.get_element_by_id(hint).text_content() == "Leave all unticked for the whole site."


def test_a_refused_request_says_error_in_the_pages_title(client: Client) -> None:
    """The title is what a screen reader reads first when the page comes back: it was the same
    whether the request had gone or not."""
    assert "<title>Advertise with us · " in client.get("/ads").content.decode()
    refused = client.post("/ads", valid(advertiser=""))
    assert "<title>Error: Advertise with us · " in refused.content.decode()


def test_a_screen_reader_hears_each_fields_hint_and_error(client: Client) -> None:
    """Every id a field names in aria-describedby is on the page: the hint under 'Your email'
    was given another id and was never read out with the field."""
    for response in (client.get("/ads"), client.post("/ads", valid(contact_email="nope"))):
        doc = lxml.html.fromstring(response.content)
        described = [(field.get("name"), ref) for field in doc.xpath("//*[@aria-describedby]")
                     for ref in field.get("aria-describedby").split()]
        assert ("contact_email", "id_contact_email_helptext") in described
        assert [(name, ref) for name, ref in described if not doc.xpath(f"//*[@id='{ref}']")] == []


def photo_with_metadata() -> bytes:
    image = Image.new("RGB", (600, 200), "#336699")
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0131] = "Editor 9000"  # Software
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), quality=95)
    return out.getvalue()


def test_an_uploaded_creative_is_re_encoded_without_metadata(client: Client) -> None:
    original = photo_with_metadata()
    upload = SimpleUploadedFile("my banner.jpg", original, content_type="image/jpeg")
    response = client.post("/ads", {**valid(), "creative_image": upload})
    assert response.status_code == 200
    stored = BookingRequest.objects.get().creative_image
    data = stored.read()
    assert data != original and b"SecretCam" not in data and b"Editor 9000" not in data
    assert "my banner" not in stored.name  # stored under a name the site made
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (600, 200) and image.format == "JPEG"
        assert not image.getexif()


@pytest.mark.parametrize(("name", "content", "words"), [
    ("banner.png", b"<html><script>alert(1)</script></html>", "image"),
    ("banner.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image"),
    ("tiny.png", png_bytes(40, 20), "at least"),
])
def test_a_creative_that_is_not_a_usable_image_is_refused(client: Client, name: str,
                                                          content: bytes, words: str) -> None:
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    response = client.post("/ads", {**valid(), "creative_image": upload})
    assert response.status_code == 400
    errors = errors_of(response)
    assert list(errors) == ["creative_image"]
    assert words in " ".join(errors["creative_image"])
    assert not BookingRequest.objects.exists()


def test_a_post_without_csrf_token_is_refused() -> None:
    response = Client(enforce_csrf_checks=True).post("/ads", valid())
    assert response.status_code == 403
    assert not BookingRequest.objects.exists()


def test_one_address_gets_three_booking_requests_a_day_not_a_flood(client: Client) -> None:
    """Each request is mailed to its contact address: a stranger's address typed in a loop
    must not become a mail bomb."""
    statuses = [client.post("/ads", valid(contact_email="Victim@Mail.example")).status_code
                for _ in range(5)]

    assert statuses == [200, 200, 200, 429, 429]
    assert BookingRequest.objects.count() == 3
    assert sum("victim@mail.example" in (m.to[0].lower()) for m in mail.outbox) == 3
    refused = client.post("/ads", valid(contact_email="victim@mail.example"))
    assert "Please try again tomorrow" in refused.content.decode()


def test_a_loop_of_failing_requests_stops_before_its_images_are_decoded(client: Client) -> None:
    """Checking a creative decodes it: a script that never gets a request through must not
    keep the server decoding its images."""
    def attempt() -> Any:
        upload = SimpleUploadedFile("banner.png", png_bytes(600, 200), content_type="image/png")
        return client.post("/ads", {**valid(ends_on="2000-01-01"), "creative_image": upload})

    statuses = [attempt().status_code for _ in range(20)]
    assert statuses == [400] * 20
    refused = attempt()
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert "creative_image" not in refused.context["form"].files
    assert refused.context["form"]["advertiser"].value() == "Harbour Books"
