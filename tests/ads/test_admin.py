"""The desk: reports with CSV export, the booking queue, creatives uploaded by the desk."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group, Permission, User
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image, PngImagePlugin
from tests.ads.conftest import campaign_create, slot

from newsdesk.ads.models import BookingRequest, Campaign, Creative, DailyStat
from newsdesk.ads.services import booking_request_create
from newsdesk.desk.roles import ADMIN, EDITOR

pytestmark = pytest.mark.django_db


def stats(campaign: Campaign, day: datetime.date, impressions: int, clicks: int) -> None:
    DailyStat.objects.create(day=day, campaign=campaign, creative=campaign.creatives.get(),
                             slot=slot(), impressions=impressions, clicks=clicks)


def test_the_report_shows_impressions_clicks_and_ctr_by_day(admin_client: Client) -> None:
    today = timezone.localdate()
    fair = campaign_create(name="Spring fair")
    other = campaign_create(name="Tea week", advertiser="Quay Tea")
    stats(fair, today, 400, 10)
    stats(fair, today - datetime.timedelta(days=1), 200, 1)
    stats(other, today, 50, 0)
    url = reverse("admin:ads_report")
    html = admin_client.get(url, {"advertiser": fair.advertiser_id}).content.decode()
    assert "Spring fair" in html and "Tea week" not in html.split("<table")[1]
    assert "<td>400</td><td>10</td><td>2.50%</td>" in html
    assert "<td>200</td><td>1</td><td>0.50%</td>" in html
    assert "600 impressions, 11 clicks, CTR 1.83%" in html

    exported = admin_client.get(url, {"format": "csv"})
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[0] == ["day", "advertiser", "campaign", "impressions", "clicks", "ctr_percent"]
    assert [today.isoformat(), "Harbour Books", "Spring fair", "400", "10", "2.50"] in rows
    assert [today.isoformat(), "Quay Tea", "Tea week", "50", "0", "0.00"] in rows
    assert len(rows) == 4


@pytest.mark.parametrize("query", [{"advertiser": "²"}, {"campaign": "99999999999999999999"},
                                   {"advertiser": "-1"}, {"campaign": "x"}])
def test_a_report_filter_that_is_no_id_is_ignored(admin_client: Client,
                                                 query: dict[str, str]) -> None:
    stats(campaign_create(name="Spring fair"), timezone.localdate(), 400, 10)
    admin_client.raise_request_exception = False
    response = admin_client.get(reverse("admin:ads_report"), query)
    assert response.status_code == 200 and "Spring fair" in response.content.decode()


def test_csv_cells_cannot_become_spreadsheet_formulas(admin_client: Client) -> None:
    campaign = campaign_create(name="=HYPERLINK(\"https://evil.example\")")
    stats(campaign, timezone.localdate(), 1, 0)
    body = admin_client.get(reverse("admin:ads_report"), {"format": "csv"}).content.decode()
    assert "'=HYPERLINK" in body


def test_the_report_is_for_the_desk_only(client: Client) -> None:
    response = client.get(reverse("admin:ads_report"), {"format": "csv"})
    assert response.status_code == 302 and "/desk/login/" in response["Location"]


def test_the_report_and_booking_images_are_for_those_who_may_see_ads() -> None:
    """Editors work on sources and articles; the ads (their figures, the advertisers' uploads)
    are the admins'."""
    today = timezone.localdate()
    stats(campaign_create(name="Spring fair"), today, 400, 10)
    booking = booking_request_create(
        advertiser="Harbour Books", contact_name="Ada", contact_email="ada@books.example",
        slot=slot(), starts_on=today, ends_on=today + datetime.timedelta(days=7))
    picture = io.BytesIO()
    Image.new("RGB", (300, 250), "#225522").save(picture, format="PNG")
    booking.creative_image.save("books.png", ContentFile(picture.getvalue()))
    editor = User.objects.create_user("ayo", "ayo@newsroom.example", "x", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITOR))
    client = Client()
    client.force_login(editor)

    report = reverse("admin:ads_report")
    creative = reverse("admin:ads_booking_creative", args=[booking.pk])
    for url, query in ((report, {}), (report, {"format": "csv"}), (creative, {})):
        response = client.get(url, query)
        assert response.status_code == 403, url
        assert b"Spring fair" not in response.content
    admin = User.objects.create_user("mirela", "mirela@newsroom.example", "x", is_staff=True)
    admin.groups.add(Group.objects.get(name=ADMIN))
    client.force_login(admin)
    assert client.get(creative).status_code == 200
    assert b"Spring fair" in client.get(report, {"format": "csv"}).content


def test_the_desk_accepts_a_request_and_the_advertiser_is_mailed(admin_client: Client) -> None:
    today = timezone.localdate()
    booking = booking_request_create(
        advertiser="Harbour Books", contact_name="Ada", contact_email="ada@books.example",
        slot=slot(), starts_on=today, ends_on=today + datetime.timedelta(days=7))
    queue = admin_client.get(reverse("admin:ads_bookingrequest_changelist")).content.decode()
    assert "Harbour Books" in queue and "Waiting for a decision" in queue
    url = reverse("admin:ads_bookingrequest_change", args=[booking.pk])
    assert "Accept and email the advertiser" in admin_client.get(url).content.decode()
    response = admin_client.post(url, {"decision_note": "Welcome aboard.", "_accept": "1"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.state == BookingRequest.State.ACCEPTED
    assert mail.outbox[-1].to == ["ada@books.example"]
    assert "Welcome aboard." in mail.outbox[-1].body


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_a_view_only_user_cannot_decide_a_request_from_the_list(action: str) -> None:
    today = timezone.localdate()
    booking = booking_request_create(
        advertiser="Harbour Books", contact_name="Ada", contact_email="ada@books.example",
        slot=slot(), starts_on=today, ends_on=today + datetime.timedelta(days=7))
    viewer = User.objects.create_user("vera", "vera@newsroom.example", "x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_bookingrequest"))
    client = Client()
    client.force_login(viewer)
    mail.outbox.clear()
    client.post(reverse("admin:ads_bookingrequest_changelist"),
                {"action": action, ACTION_CHECKBOX_NAME: [booking.pk], "index": 0})
    booking.refresh_from_db()
    assert booking.state == BookingRequest.State.PENDING and mail.outbox == []


def test_a_creative_uploaded_in_the_desk_is_re_encoded(admin_client: Client) -> None:
    campaign = campaign_create(creative=False)
    original = io.BytesIO()
    Image.new("RGB", (300, 250), "#225522").save(original, format="PNG",
                                                 pnginfo=_text_chunk("Comment", "secret-note"))
    url = reverse("admin:ads_campaign_change", args=[campaign.pk])
    data = {
        "advertiser": campaign.advertiser_id, "name": campaign.name, "slots": [slot().pk],
        "starts_on": campaign.starts_on.isoformat(), "ends_on": campaign.ends_on.isoformat(),
        "weight": 1, "countries": "", "impression_cap": "", "is_active": "on",
        "creatives-TOTAL_FORMS": "1", "creatives-INITIAL_FORMS": "0",
        "creatives-MIN_NUM_FORMS": "0", "creatives-MAX_NUM_FORMS": "1000",
        "creatives-0-slot": "", "creatives-0-alt_text": "Quay Tea week",
        "creatives-0-target_url": "https://tea.example/", "creatives-0-is_active": "on",
        "creatives-0-image": SimpleUploadedFile("tea.png", original.getvalue(), "image/png"),
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    creative = Creative.objects.get(campaign=campaign)
    stored = creative.image.read()
    assert b"secret-note" not in stored and stored != original.getvalue()
    assert (creative.width, creative.height) == (300, 250)


def test_the_desk_cannot_store_an_html_creative(admin_client: Client) -> None:
    campaign = campaign_create(creative=False)
    url = reverse("admin:ads_campaign_change", args=[campaign.pk])
    data = {
        "advertiser": campaign.advertiser_id, "name": campaign.name, "slots": [slot().pk],
        "starts_on": campaign.starts_on.isoformat(), "ends_on": campaign.ends_on.isoformat(),
        "weight": 1, "countries": "", "impression_cap": "", "is_active": "on",
        "creatives-TOTAL_FORMS": "1", "creatives-INITIAL_FORMS": "0",
        "creatives-MIN_NUM_FORMS": "0", "creatives-MAX_NUM_FORMS": "1000",
        "creatives-0-alt_text": "x", "creatives-0-target_url": "javascript:alert(1)",
        "creatives-0-image": SimpleUploadedFile("ad.png", b"<div onclick=x>", "image/png"),
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert not Creative.objects.exists()
    html = response.content.decode()
    assert "Upload a valid image" in html
    assert "Enter an address that starts with https://" in html


def _text_chunk(key: str, value: str) -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_text(key, value)
    return info
