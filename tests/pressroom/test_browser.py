"""Submitting a release in a real browser, as a new organisation would, then its public page."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from tests.pressroom.conftest import body_words, image_bytes

from newsdesk.pressroom.models import PressRelease, State
from newsdesk.pressroom.services import release_approve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("var/screenshots")
NUMBERS = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten "
                                      "eleven twelve thirteen fourteen fifteen sixteen seventeen "
                                      "eighteen nineteen twenty".split())}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def page() -> Iterator[Any]:
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("chromium is not installed")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser.new_page(viewport={"width": 1280, "height": 900})
        browser.close()


def _answer(question: str) -> str:
    a, b = re.match(r"What is (\w+) plus (\w+)\?", question).groups()  # type: ignore[union-attr]
    return str(NUMBERS[a] + NUMBERS[b])


def _fill(page: Any, body: str, tmp_path: Path) -> None:
    page.fill("#id_organisation", "Riverside Water Trust")
    page.fill("#id_contact_name", "Amina Okafor")
    page.fill("#id_contact_email", "amina@riverside-trust.example")
    page.fill("#id_contact_phone", "+254 20 123 4567")
    page.fill("#id_title", "Riverside Water Trust opens a clinic in the valley")
    page.fill("#id_summary", "The trust opened a clinic and two water pumps serving four villages.")
    page.fill("#id_body", body)
    page.select_option("#id_countries", ["KE"])
    photo = tmp_path / "clinic.jpg"
    photo.write_bytes(image_bytes("JPEG", size=(1200, 800)))
    page.set_input_files("#id_image_1", str(photo))
    page.fill("#id_caption_1", "The new clinic on opening day")
    page.fill("#id_credit_1", "Riverside Water Trust")
    page.check("#id_consent")
    page.fill("#id_challenge_answer", _answer(page.text_content("label[for=id_challenge_answer]")))


def test_a_new_organisation_submits_a_release(page: Any, live_server: Any, settings: Any,
                                              tmp_path: Path) -> None:
    settings.BASE_URL = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/pr")
    page.screenshot(path=SHOTS / "pr-1-form.png", full_page=True)

    _fill(page, "Too short to be a release.", tmp_path)
    page.click("text=Send the press release")
    error = page.locator(".field:has(#id_body) .errorlist")
    assert "150 to 1,500 words; it has 6" in error.text_content()
    page.screenshot(path=SHOTS / "pr-2-errors.png", full_page=True)
    assert PressRelease.objects.count() == 0

    _fill(page, body_words(180, prefix="Read [our report](https://riverside-trust.example/r)."),
          tmp_path)
    page.click("text=Send the press release")
    assert page.text_content("h1") == "Press release received"
    page.screenshot(path=SHOTS / "pr-3-received.png")

    confirm = re.search(r"https?://\S+/pr/confirm/\S+", mail.outbox[0].body).group(0)  # type: ignore[union-attr]
    page.goto(confirm)
    page.click("text=Confirm and send to the editors")
    assert "is with our editors" in page.text_content("h1")
    page.click("text=See its status")
    assert "Waiting for an editor" in page.text_content(".pr-status")
    page.screenshot(path=SHOTS / "pr-4-status.png")

    release = PressRelease.objects.get()
    assert release.state == State.PENDING
    article = release_approve(release=release, editor=None).article
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    assert page.text_content(".label-press-release") == "Press release"
    assert "Source: press release from Riverside Water Trust." in page.text_content(".provenance")
    assert page.evaluate("document.querySelector('figure.lead img').naturalWidth") == 1200
    page.screenshot(path=SHOTS / "pr-5-published.png", full_page=True)

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/pr")
    page.screenshot(path=SHOTS / "pr-6-form-mobile.png", full_page=True)
