"""Sign-up, confirmation and preferences in a real browser, and the digest as a mail client
would show it; screenshots go to var/screenshots/.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from tests.newsletter.conftest import make_article, make_subscriber
from tests.newsletter.helpers import links

from newsdesk.articles.models import ImageSource
from newsdesk.newsletter.models import Subscriber, SubscriberStatus
from newsdesk.newsletter.sending import newsletter_send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def test_signup_confirm_and_preferences(browser, live_server, smtp_server, settings) -> None:  # type: ignore[no-untyped-def]
    settings.BASE_URL = live_server.url
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/newsletter/")
    opened = time.monotonic()
    page.fill("#id_email", "browser@example.org")
    page.check("input[name=regions][value=asia]")
    page.click("text=Choose countries")
    page.check("input[name=countries][value=KE]")
    page.check("input[name=frequency][value=daily]")
    page.check("#id_consent")
    # A locator, not wait_for_function: the site's Content-Security-Policy refuses the string
    # evaluation that one does in the page.
    expect(page.locator("input[name=work]")).not_to_have_value("", timeout=30_000)
    assert not page.is_visible(".nl-question")  # the proof of work answered the check
    page.screenshot(path=str(SHOTS / "newsletter-signup.png"), full_page=True)
    time.sleep(max(0.0, 3.2 - (time.monotonic() - opened)))
    page.click("form.nl-form button[type=submit]")
    assert "Check your inbox" in page.inner_text("h1")

    mobile = browser.new_page(viewport={"width": 375, "height": 800})
    mobile.goto(f"{live_server.url}/newsletter/")
    mobile.screenshot(path=str(SHOTS / "newsletter-signup-375.png"), full_page=True)

    [mail] = smtp_server.sink.to("browser@example.org")
    [confirm] = links(mail.message.get_body(("plain",)).get_content(), "confirm")
    page.goto(confirm)
    page.screenshot(path=str(SHOTS / "newsletter-confirm.png"))
    assert Subscriber.objects.get(email="browser@example.org").status == SubscriberStatus.PENDING
    page.click("text=Confirm my subscription")
    assert "You are subscribed" in page.inner_text("h1")
    assert Subscriber.objects.get(email="browser@example.org").status == SubscriberStatus.ACTIVE

    page.click("text=Change your regions, countries or frequency")
    assert page.is_checked("input[name=regions][value=asia]")
    assert page.is_checked("input[name=countries][value=KE]")
    page.check("input[name=regions][value=europe]")
    page.check("input[name=frequency][value=weekly]")
    page.click("text=Save my choices")
    assert "Saved" in page.inner_text(".nl-saved")
    page.screenshot(path=str(SHOTS / "newsletter-preferences.png"), full_page=True)
    subscriber = Subscriber.objects.get(email="browser@example.org")
    assert sorted(subscriber.regions) == ["asia", "europe"] and subscriber.frequency == "weekly"

    page.click("button.nl-secondary")
    assert "You have left" in page.inner_text("h1")
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED


def test_a_keyboard_reader_reaches_sign_up_without_passing_every_country(  # type: ignore[no-untyped-def]
        browser, live_server) -> None:
    """The 250 country boxes stood between the regions and the button: some 260 presses of Tab."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/newsletter/")
    page.focus("#id_email")
    presses = 0
    while page.evaluate("document.activeElement.type") != "submit" and presses < 300:
        page.keyboard.press("Tab")
        presses += 1
    assert presses < 20
    assert page.evaluate("document.activeElement.textContent") == "Sign up"

    page.focus("summary")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    assert page.is_checked("input[name=countries][value=AF]")


def test_a_refused_sign_up_says_so_at_the_top(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    """Without the consent box ticked, the page came back looking unchanged on a phone: its
    only error was under the box, a screen and a half down."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/newsletter/")
    page.fill("#id_email", "browser@example.org")
    page.click("form.nl-form button[type=submit]")

    alert = page.get_by_role("alert")
    expect(alert).to_have_text("You are not signed up yet: please correct the fields marked below.")
    expect(alert).to_be_in_viewport()
    assert "tick the box" in page.inner_text(".nl-consent .errorlist")
    assert not Subscriber.objects.exists()


def test_digest_html_renders(browser, live_server, smtp_server, settings) -> None:  # type: ignore[no-untyped-def]
    settings.BASE_URL = live_server.url
    make_article(title="Tokyo harbour reopens after the typhoon season", regions=["asia"],
                 image=ImageSource.SITE,
                 summary="Ferries run again from Monday; the fish market follows a week later.")
    make_article(title="Dhaka opens a floating school for river children", regions=["asia"],
                 image=ImageSource.SITE, summary="Forty pupils, two teachers and a boat.")
    make_article(title="Lisbon extends its oldest tram line", regions=["europe"],
                 image=ImageSource.NONE, summary="The 28 now reaches the new bridge.")
    make_subscriber("digest@example.org", regions=["asia", "europe"])
    newsletter_send(frequencies=["daily"])
    [mail] = smtp_server.sink.to("digest@example.org")
    html = mail.message.get_body(("html",)).get_content()
    for width, name in ((800, "newsletter-digest.png"), (375, "newsletter-digest-375.png")):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.set_content(html, wait_until="load")
        page.screenshot(path=str(SHOTS / name), full_page=True)
        assert page.is_visible("text=Tokyo harbour reopens after the typhoon season")
        widest = page.evaluate("document.documentElement.scrollWidth")
        assert widest <= width  # nothing overflows sideways on a phone
    page.goto(links(mail.message.get_body(("plain",)).get_content(), "digest")[0])
    assert page.is_visible("text=Lisbon extends its oldest tram line")
