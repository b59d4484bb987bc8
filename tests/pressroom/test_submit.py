"""The public form at /pr: every limit refused next to its field with nothing stored, spam
guards, fields the form does not have, hostile text, and uploads that must not get in."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path
from typing import Any
from unittest import mock

import lxml.html
import pytest
from django.core import mail, signing
from django.test import Client
from tests.pressroom.conftest import (
    body_words,
    challenge_from,
    image_bytes,
    post_submission,
    upload,
    valid_fields,
)

from newsdesk.pressroom import tokens
from newsdesk.pressroom.models import PressRelease, ReleaseImage, State
from newsdesk.pressroom.services import release_confirm

pytestmark = pytest.mark.django_db
NUMBERS = "zero one two three four five six seven eight nine ten".split()


def error_next_to(response: Any, name: str) -> str:
    """The error text in the same field block as the input called `name`."""
    doc = lxml.html.fromstring(response.content)
    fields = doc.xpath(f"//div[contains(@class, 'field')][.//*[@name='{name}']]")
    assert fields, f"no field {name} on the page"
    return " ".join(" ".join(fields[-1].xpath(".//ul[@class='errorlist']//text()")).split())


def assert_nothing_stored(media_root: Path) -> None:
    assert PressRelease.objects.count() == 0 and ReleaseImage.objects.count() == 0
    assert not media_root.exists() or not any(media_root.rglob("*.*"))
    assert mail.outbox == []


def _png_header(width: int, height: int) -> bytes:
    """Only a PNG's header and a little data: enough for the header check to see its size."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 4096)) + chunk(b"IEND", b""))


TOO_FEW = body_words(120)
TOO_MANY = body_words(1600)
TOO_MANY_LINKS = body_words(200, prefix=" ".join(f"[site {n}](https://example.org/{n})"
                                                 for n in range(6)))
BARE_LINKS = body_words(200, prefix="See https://a.example www.b.example https://c.example "
                                    "https://d.example https://e.example and https://f.example")


@pytest.mark.parametrize("overrides, field, message", [
    ({"body": TOO_FEW}, "body", "150 to 1,500 words; it has 120"),
    ({"body": TOO_MANY}, "body", "150 to 1,500 words; it has 1,600"),
    ({"body": TOO_MANY_LINKS}, "body", "at most 5 links; it has 6"),
    ({"body": BARE_LINKS}, "body", "at most 5 links; it has 6"),
    ({"title": "T" * 201}, "title", "at most 200 characters"),
    ({"summary": "Too short."}, "summary", "at least 30 characters"),
    ({"summary": "S" * 501}, "summary", "at most 500 characters"),
    ({"contact_email": "not-an-address"}, "contact_email", "valid email address"),
    ({"contact_phone": "call me maybe"}, "contact_phone", "Enter a phone number"),
    ({"organisation": ""}, "organisation", "This field is required"),
    ({"consent": None}, "consent", "Please accept the terms"),
    ({"countries": ["XX"]}, "countries", "Select a valid choice"),
    ({"image_1": "svg"}, "image_1", "not a JPEG, PNG or WebP image"),
    ({"image_1": "html-as-png"}, "image_1", "not a JPEG, PNG or WebP image"),
    ({"image_1": "gif"}, "image_1", "not a JPEG, PNG or WebP image"),
    ({"image_1": "huge-file"}, "image_1", "larger than 10 MB"),
    ({"image_1": "bomb"}, "image_1", "pixels"),
    ({"image_2": "too-wide"}, "image_2", "at most 8,000 × 8,000"),
    ({"image_3": "no-credit"}, "credit_3", "Say who took or owns this image"),
    ({"pdf": "not-pdf"}, "pdf", "not a PDF document"),
    ({"pdf": "pdf-with-script"}, "pdf", "scripts, forms or attachments"),
])
def test_each_limit_is_refused_next_to_its_field(client: Client, media_root: Path,
                                                 overrides: dict[str, Any], field: str,
                                                 message: str) -> None:
    files = {
        "svg": lambda: upload("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>'
                                          b'alert(1)</script></svg>', "image/svg+xml"),
        "html-as-png": lambda: upload("photo.png", b"<html><body><script>alert(1)</script>"),
        "gif": lambda: upload("anim.png", b"GIF89a" + bytes(64)),
        "huge-file": lambda: upload("big.png", image_bytes("PNG") + bytes(10 * 1024 * 1024)),
        "bomb": lambda: upload("bomb.png", _png_header(50_000, 50_000)),
        "too-wide": lambda: upload("wide.png", image_bytes("PNG", size=(8200, 300))),
        "not-pdf": lambda: upload("release.pdf", b"<html>hello</html>", "application/pdf"),
        "pdf-with-script": lambda: upload(
            "release.pdf", b"%PDF-1.4\n1 0 obj<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>"
                           b"endobj\n%%EOF\n", "application/pdf"),
    }
    if overrides.get("image_3") == "no-credit":
        overrides = {"image_3": upload("ok.png", image_bytes("PNG")), "caption_3": "A picture"}
    overrides = {key: files[value]() if isinstance(value, str) and value in files else value
                 for key, value in overrides.items()}
    response = post_submission(client, **overrides)
    assert response.status_code == 400
    assert message in error_next_to(response, field)
    assert_nothing_stored(media_root)


def test_the_region_boxes_are_a_named_group(client: Client) -> None:
    """'Regions' was a bare word above the boxes: a screen reader heard 'Africa, check box'
    with nothing to say what was being chosen."""
    doc = lxml.html.fromstring(client.get("/pr").content)
    [group] = doc.xpath("//fieldset[legend='Regions']")
    assert len(group.xpath(".//input[@type='checkbox'][@name='regions']")) == 6


def test_a_refused_release_says_error_in_the_pages_title(client: Client) -> None:
    """The title is what a screen reader reads first when the page comes back."""
    assert "<title>Submit a press release · " in client.get("/pr").content.decode()
    refused = post_submission(client, title="")
    assert "<title>Error: Submit a press release · " in refused.content.decode()


def test_a_screen_reader_hears_each_fields_hint(client: Client) -> None:
    """Every id a field names in aria-describedby is on the page: the hints ('At most 200
    characters.') had other ids and were never read out with their fields."""
    for response in (client.get("/pr"), post_submission(client, title="")):
        doc = lxml.html.fromstring(response.content)
        described = [(field.get("name"), ref) for field in doc.xpath("//*[@aria-describedby]")
                     for ref in field.get("aria-describedby").split()]
        assert ("title", "id_title_helptext") in described
        assert [(name, ref) for name, ref in described if not doc.xpath(f"//*[@id='{ref}']")] == []


def test_a_valid_submission_is_stored_unconfirmed_with_server_named_files(
        client: Client, media_root: Path) -> None:
    response = post_submission(client, image_1=upload("My Photo.png", image_bytes("PNG")),
                               credit_1="Trust staff",
                               pdf=upload("Release Final.pdf", b"%PDF-1.4\n%%EOF\n",
                                          "application/pdf"))
    assert "Press release received" in response.content.decode()
    release = PressRelease.objects.get()
    assert release.state == State.UNCONFIRMED and release.article is None
    stored = sorted(p.name for p in media_root.rglob("*.*"))
    assert len(stored) == 2 and not any("Photo" in n or "Final" in n for n in stored)
    assert mail.outbox[0].to == ["amina@riverside-trust.example"]


def test_a_path_in_the_file_name_never_reaches_the_disk(client: Client, media_root: Path,
                                                        tmp_path: Path) -> None:
    """Django reduces the sent name "../../x.png" to "x.png" before any form sees it; the file
    is then stored under a name the server made, inside the media folder."""
    page = client.get("/pr")
    fields = {**challenge_from(page.content.decode()), **valid_fields(), "credit_1": "Staff"}
    boundary = "----newsdeskboundary"
    parts = []
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                         f"{item}\r\n".encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="image_1"; '
                 f'filename="../../x.png"\r\nContent-Type: image/png\r\n\r\n'.encode()
                 + image_bytes("PNG") + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    response = client.generic("POST", "/pr", b"".join(parts),
                              content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 200
    stored = ReleaseImage.objects.get().file.name
    assert re.fullmatch(r"pressroom/[0-9a-f]{32}\.png", stored)
    assert not (tmp_path / "x.png").exists() and not (media_root.parent / "x.png").exists()
    assert [p.parent for p in media_root.rglob("*.png")] == [media_root / "pressroom"]


def test_a_wrong_answer_to_the_question_is_refused(client: Client, media_root: Path) -> None:
    page = client.get("/pr")
    data = {**challenge_from(page.content.decode()), **valid_fields()}
    data["challenge_answer"] = str(int(data["challenge_answer"]) + 1)
    response = client.post("/pr", data)
    assert "That is not the answer" in error_next_to(response, "challenge_answer")
    assert_nothing_stored(media_root)
    fresh = challenge_from(response.content.decode())
    assert fresh["challenge_token"] != data["challenge_token"]
    question = lxml.html.fromstring(response.content).xpath(
        "string(//label[@for='id_challenge_answer'])")
    a, b = re.match(r"What is (\w+) plus (\w+)\?", question).groups()  # type: ignore[union-attr]
    assert NUMBERS.index(a) + NUMBERS.index(b) == int(fresh["challenge_answer"])


def test_no_image_is_read_before_the_question_is_answered(client: Client, media_root: Path) -> None:
    """Decoding images is the costly part of a submission: a form whose question is not
    answered (a robot's) never gets that far, so only the question is marked."""
    page = client.get("/pr")
    data = {**challenge_from(page.content.decode()),
            **valid_fields(image_1=upload("quay.png", b"not an image at all"), credit_1="Ada")}
    data["challenge_answer"] = str(int(data["challenge_answer"]) + 1)

    response = client.post("/pr", data)

    assert "That is not the answer" in error_next_to(response, "challenge_answer")
    assert "image_1" not in response.context["form"].errors
    assert_nothing_stored(media_root)


@pytest.mark.parametrize("answer", ["eleven", "", "-1", "100"])
def test_no_image_is_read_when_the_answer_is_not_a_number_in_range(
        client: Client, media_root: Path, answer: str) -> None:
    page = client.get("/pr")
    data = {**challenge_from(page.content.decode()),
            **valid_fields(image_1=upload("quay.png", image_bytes("PNG")), credit_1="Ada")}
    data["challenge_answer"] = answer
    with mock.patch("newsdesk.pressroom.forms.check_image") as check_image:
        response = client.post("/pr", data)
    assert response.status_code == 400 and check_image.call_count == 0
    assert error_next_to(response, "challenge_answer")
    assert_nothing_stored(media_root)


def test_a_visitor_has_twenty_tries_an_hour(client: Client) -> None:
    wrong = {**valid_fields(), "challenge_token": "x", "challenge_answer": "1"}
    statuses = [client.post("/pr", wrong).status_code for _ in range(21)]

    assert statuses == [400] * 20 + [429]
    refused = client.post("/pr", wrong)
    assert "Too many attempts from your network" in refused.content.decode()
    assert refused.context["form"]["title"].value() == wrong["title"]  # nothing typed is lost


def test_a_forged_question_token_is_refused(client: Client, media_root: Path) -> None:
    forged = signing.dumps({"a": 2, "n": "x"}, salt="some other purpose")
    response = client.post("/pr", {**valid_fields(), "challenge_token": forged,
                                   "challenge_answer": "2"})
    assert "That is not the answer" in error_next_to(response, "challenge_answer")
    assert_nothing_stored(media_root)


def test_a_replayed_form_is_refused(client: Client) -> None:
    page = client.get("/pr")
    data = {**challenge_from(page.content.decode()), **valid_fields()}
    assert client.post("/pr", data).status_code == 200
    again = client.post("/pr", {**data, "contact_email": "someone@else.example"})
    assert again.status_code == 400
    assert PressRelease.objects.count() == 1


def test_the_honeypot_gets_the_same_page_and_nothing_is_stored(client: Client,
                                                                media_root: Path) -> None:
    real = post_submission(Client(), contact_email="real@trust.example")
    PressRelease.objects.all().delete()
    mail.outbox.clear()
    robot = post_submission(client, website="https://cheap-pills.example")
    assert robot.status_code == real.status_code == 200
    assert robot.content == real.content
    assert_nothing_stored(media_root)


def test_three_a_day_per_address(client: Client) -> None:
    for n in range(3):
        assert post_submission(Client(REMOTE_ADDR=f"198.51.100.{n}")).status_code == 200
    fourth = post_submission(Client(REMOTE_ADDR="198.51.100.9"))
    assert "has sent 3 releases today" in error_next_to(fourth, "contact_email")
    assert PressRelease.objects.count() == 3


def test_three_a_day_per_ip() -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(3):
        assert post_submission(client, contact_email=f"press{n}@trust.example").status_code == 200
    fourth = post_submission(client, contact_email="press9@trust.example")
    assert fourth.status_code == 400
    assert "Too many releases have been sent from your network" in fourth.content.decode()
    assert PressRelease.objects.count() == 3


def test_fields_the_form_does_not_have_change_nothing(client: Client) -> None:
    response = post_submission(client, status="published", state="published", is_staff="1",
                               is_superuser="1", include_in_digest="on", article="1",
                               decided_by="1", package="premium")
    assert response.status_code == 200
    release = PressRelease.objects.get()
    assert release.state == State.UNCONFIRMED and release.article is None
    assert not release.include_in_digest and release.package == "standard"
    release_confirm(release=release)
    release.refresh_from_db()
    assert release.state == State.PENDING  # waits for an editor, never published by the sender


def test_a_forged_status_link_is_refused(client: Client) -> None:
    post_submission(client, title="Our private release about the valley clinic")
    post_submission(Client(REMOTE_ADDR="192.0.2.8"), contact_email="rival@else.example",
                    title="The rival's release about the harbour")
    mine, theirs = PressRelease.objects.order_by("pk")
    good = tokens.make_token(tokens.STATUS, mine.pk)
    assert "Our private release" in client.get(f"/pr/status/{good}/").content.decode()

    payload, rest = good.split(":", 1)
    other_payload = signing.b64_encode(f'{{"r":{theirs.pk}}}'.encode()).decode()
    forged = [
        f"{other_payload}:{rest}",  # their id with my signature
        signing.dumps({"r": theirs.pk}, salt="not the status salt"),
        signing.dumps({"r": theirs.pk}, salt=tokens.STATUS, key="a guessed secret key"),
        tokens.make_token(tokens.CONFIRM, theirs.pk),  # a token made for another purpose
        "eyJyIjoyfQ",  # unsigned
    ]
    for token in forged:
        response = client.get(f"/pr/status/{token}/")
        assert response.status_code == 404
        assert "rival" not in response.content.decode()
        assert "This link is not valid" in response.content.decode()


def test_a_forged_confirm_link_confirms_nothing(client: Client) -> None:
    post_submission(client)
    release = PressRelease.objects.get()
    forged = tokens.make_token(tokens.STATUS, release.pk)
    assert client.post(f"/pr/confirm/{forged}/").status_code == 404
    release.refresh_from_db()
    assert release.state == State.UNCONFIRMED


def test_files_of_unpublished_releases_are_not_public(client: Client) -> None:
    post_submission(client, image_1=upload("a.png", image_bytes("PNG")), credit_1="Staff")
    name = ReleaseImage.objects.get().file.name.split("/")[1]
    assert client.get(f"/pr/files/{name}").status_code == 404
    assert client.get("/pr/files/..%2F..%2Fsettings.py").status_code == 404
