"""A reader's browser: the booking form, and a page whose ads are filled after it loads."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect
from tests.ads.conftest import BROWSER_UA, campaign_create, png_bytes

from newsdesk.ads.models import BookingRequest, DailyStat, PageViewDay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("default_slots")]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path("var/screenshots")


@pytest.fixture
def page() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian's chromium (apt-get install chromium)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # Headless chromium says "HeadlessChrome", which the bot list rightly refuses to count.
        context = browser.new_context(user_agent=BROWSER_UA,
                                      viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        yield tab
        browser.close()


def test_booking_form_shows_errors_by_field_then_accepts(page: Any, live_server: Any,
                                                         tmp_path: Path) -> None:
    page.goto(f"{live_server.url}/ads")
    assert page.locator("h1").inner_text() == "Advertise with us"
    page.screenshot(path=SHOTS / "ads-page.png", full_page=True)

    page.fill("#id_contact_email", "not an address")
    page.click("form.stacked button[type=submit]")
    assert "This field is required." in page.locator("#id_advertiser ~ .errorlist").inner_text()
    assert "valid email" in page.locator("#id_contact_email ~ .errorlist").inner_text()
    page.locator("#id_contact_email").scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "ads-form-errors.png", full_page=True)

    banner = tmp_path / "banner.png"
    banner.write_bytes(png_bytes(728, 90))
    page.fill("#id_advertiser", "Harbour Books")
    page.fill("#id_contact_name", "Ada Quay")
    page.fill("#id_contact_email", "ada@books.example")
    page.select_option("#id_slot", label="Header leaderboard (728×90)")
    page.fill("#id_starts_on", "2099-05-01")
    page.fill("#id_ends_on", "2099-05-14")
    page.check("input[name=regions][value=asia]")
    page.set_input_files("#id_creative_image", str(banner))
    page.fill("#id_target_url", "https://books.example/fair")
    page.click("form.stacked button[type=submit]")
    page.wait_for_selector("[role=status]")
    page.screenshot(path=SHOTS / "ads-form-thanks.png", full_page=True)
    booking = BookingRequest.objects.get()
    assert booking.regions == ["asia"] and booking.creative_image
    assert mail.outbox[-1].to == ["ada@books.example"]


def test_a_refused_booking_opens_at_the_form_saying_why(page: Any, live_server: Any) -> None:
    """The form is below the audience and the slots: on a phone the answer opened at the page's
    top, with nothing on screen to say the request had not gone."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/ads")
    page.fill("#id_advertiser", "Harbour Books")
    page.click("form.stacked button[type=submit]")

    alert = page.get_by_role("alert")
    expect(alert).to_have_text("Your request was not sent: please correct the fields marked below.")
    expect(alert).to_be_in_viewport()
    page.screenshot(path=SHOTS / "ads-form-errors-390.png")
    assert not BookingRequest.objects.exists()


@pytest.mark.urls("tests.ads.browser_urls")
def test_a_page_shows_labelled_ads_counts_them_and_a_click_goes_to_the_stored_target(
        page: Any, live_server: Any) -> None:
    target = f"{live_server.url}/ads?from=advert"
    campaign_create(name="Asia fair", regions=["asia"], slots=("leaderboard", "in_article"),
                    target_url=target)
    page.goto(f"{live_server.url}/ad-page/")
    page.wait_for_selector(".ad-slot[data-state=filled] img")
    # A locator, not wait_for_function: that evaluates a string in the page, which the site's
    # Content-Security-Policy (no unsafe-eval) refuses.
    expect(page.locator(".ad-slot[data-state=filled]")).to_have_count(2)
    labels = page.locator(".ad-slot .ad-label").all_inner_texts()
    assert [label.strip().lower() for label in labels] == ["advertisement", "advertisement"]
    link = page.locator(".ad-slot a").first
    assert link.get_attribute("rel") == "sponsored noopener"
    expect(page.locator(".ad-slot img").first).to_have_js_property("naturalWidth", 728)
    page.screenshot(path=SHOTS / "ad-page.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=SHOTS / "ad-page-375.png", full_page=True)
    assert sum(DailyStat.objects.values_list("impressions", flat=True)) == 2
    assert PageViewDay.objects.get().page_views == 1

    with page.context.expect_page() as opened:
        link.click()
    advert = opened.value
    advert.wait_for_load_state()
    assert advert.url == target
    assert sum(DailyStat.objects.values_list("clicks", flat=True)) == 1
