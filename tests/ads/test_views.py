"""The ad fragment and click endpoints as a reader's browser (or a bot) meets them."""

from __future__ import annotations

import re

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from tests.ads.conftest import BROWSER_UA, campaign_create, slot

from newsdesk.ads.clicks import SALT, click_token
from newsdesk.ads.models import Campaign, Creative, DailyStat, PageViewDay

pytestmark = pytest.mark.django_db

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
PINTERESTBOT = "Mozilla/5.0 (compatible; Pinterestbot/1.0; +http://www.pinterest.com/bot.html)"


def reader(address: str = "203.0.113.7", ua: str = BROWSER_UA) -> Client:
    return Client(REMOTE_ADDR=address, HTTP_USER_AGENT=ua)


def impressions() -> int:
    return sum(DailyStat.objects.values_list("impressions", flat=True))


def clicks() -> int:
    return sum(DailyStat.objects.values_list("clicks", flat=True))


def click_href(html: str) -> str:
    match = re.search(r'href="(/ads/click/[^"]+)"', html)
    assert match, html
    return match.group(1)


def test_the_fragment_is_a_labelled_sponsored_image_link_counted_once() -> None:
    campaign = campaign_create()
    response = reader().get("/ads/slot/leaderboard?region=asia&page=1")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Advertisement" in html
    assert 'rel="sponsored noopener"' in html
    assert 'alt="Harbour Books spring fair, 3 to 5 May"' in html
    assert 'width="728" height="90"' in html
    assert "books.example" not in html  # the target only ever comes from the click redirect
    assert "no-store" in response["Cache-Control"]
    campaign.refresh_from_db()
    assert impressions() == 1 and campaign.impressions == 1
    assert PageViewDay.objects.get().page_views == 1


def test_a_reader_reloading_a_page_counts_one_page_view_and_each_other_page_one_more() -> None:
    """A script asking for the slot again and again from one address added a page view each
    time, to the audience figure /ads shows advertisers."""
    campaign_create()
    for _ in range(5):
        reader().get("/ads/slot/leaderboard?page=1&path=/news/ferry-strike/")
    reader().get("/ads/slot/leaderboard?page=1&path=/news/harbour-budget/")
    reader(address="198.51.100.4").get("/ads/slot/leaderboard?page=1&path=/news/ferry-strike/")

    assert PageViewDay.objects.get().page_views == 3


def test_the_creative_image_is_served_from_its_own_url() -> None:
    campaign_create()
    html = reader().get("/ads/slot/leaderboard").content.decode()
    src = re.search(r'src="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    image = reader().get(src)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content).startswith(b"\x89PNG")
    assert reader().get(src.replace(".png", ".jpg")).status_code == 404


def test_an_empty_slot_answers_204_and_an_unknown_slot_404() -> None:
    assert reader().get("/ads/slot/leaderboard").status_code == 204
    assert reader().get("/ads/slot/no-such-slot").status_code == 404


@pytest.mark.parametrize("ua", [GOOGLEBOT, "curl/8.5.0", "", "python-requests/2.32",
                                "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/131.0 Safari",
                                PINTERESTBOT, "Pinterest/0.2 (+http://www.pinterest.com/bot.html)"])
def test_a_bot_sees_the_ad_but_adds_nothing(ua: str) -> None:
    campaign_create()
    response = reader(ua=ua).get("/ads/slot/leaderboard?page=1")
    assert response.status_code == 200
    assert impressions() == 0 and not PageViewDay.objects.exists()


@pytest.mark.parametrize("ua", [
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.39 Mobile Safari/537.36 [Pinterest/Android]",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 [Pinterest/iOS]"])
def test_a_reader_in_pinterests_app_browser_counts(ua: str) -> None:
    campaign_create()
    reader(ua=ua).get("/ads/slot/leaderboard?page=1")
    assert impressions() == 1 and PageViewDay.objects.get().page_views == 1


@pytest.mark.parametrize("header", ["HTTP_SEC_PURPOSE", "HTTP_PURPOSE"])
def test_a_prefetch_adds_nothing(header: str) -> None:
    campaign_create()
    reader().get("/ads/slot/leaderboard?page=1", **{header: "prefetch"})
    assert impressions() == 0 and not PageViewDay.objects.exists()


AS_ANOTHER_SITES_IMAGE = {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_SEC_FETCH_MODE": "no-cors",
                         "HTTP_SEC_FETCH_DEST": "image"}
AS_AN_IMAGE_IN_A_STORY = {**AS_ANOTHER_SITES_IMAGE, "HTTP_SEC_FETCH_SITE": "same-origin"}


@pytest.mark.parametrize("headers", [AS_ANOTHER_SITES_IMAGE, AS_AN_IMAGE_IN_A_STORY])
def test_an_ad_loaded_by_a_page_that_is_not_the_ad_loader_adds_nothing(
        headers: dict[str, str]) -> None:
    campaign_create()
    response = reader().get("/ads/slot/leaderboard?page=1", **headers)
    assert response.status_code == 200
    assert impressions() == 0 and not PageViewDay.objects.exists()
    reader(address="198.51.100.20").get(
        "/ads/slot/leaderboard?page=1", HTTP_SEC_FETCH_SITE="same-origin",
        HTTP_SEC_FETCH_MODE="cors", HTTP_SEC_FETCH_DEST="empty")
    assert impressions() == 1 and PageViewDay.objects.get().page_views == 1


def test_a_click_link_loaded_by_another_site_redirects_but_adds_nothing() -> None:
    campaign_create()
    href = click_href(reader().get("/ads/slot/leaderboard").content.decode())
    assert reader().get(href, **AS_ANOTHER_SITES_IMAGE).status_code == 302
    assert clicks() == 0
    reader().get(href, HTTP_SEC_FETCH_SITE="same-origin", HTTP_SEC_FETCH_MODE="navigate",
                 HTTP_SEC_FETCH_DEST="document")
    assert clicks() == 1


def test_a_repeat_within_the_window_adds_nothing_but_another_visitor_counts() -> None:
    campaign_create()
    for _ in range(3):
        reader().get("/ads/slot/leaderboard")
    assert impressions() == 1
    reader(address="198.51.100.20").get("/ads/slot/leaderboard")
    assert impressions() == 2


def test_once_the_window_has_passed_the_same_visitor_counts_again(settings: object) -> None:
    settings.NEWSDESK_ADS_DEDUP_SECONDS = 0  # type: ignore[attr-defined]
    campaign_create()
    reader().get("/ads/slot/leaderboard")
    reader().get("/ads/slot/leaderboard")
    assert impressions() == 2


def test_no_raw_ip_is_stored() -> None:
    from django.core.cache import cache

    campaign_create()
    reader(address="192.0.2.55").get("/ads/slot/leaderboard")
    reader(address="192.0.2.55").get(click_href(reader(address="192.0.2.55").get(
        "/ads/slot/leaderboard").content.decode()))
    stored = repr(list(DailyStat.objects.values())) + repr(cache._cache)  # type: ignore[attr-defined]
    assert "192.0.2.55" not in stored


def test_a_click_goes_to_the_stored_target_and_counts_once() -> None:
    campaign_create(target_url="https://books.example/fair?utm=site")
    href = click_href(reader().get("/ads/slot/leaderboard").content.decode())
    for _ in range(2):
        response = reader().get(href)
        assert response.status_code == 302
        assert response["Location"] == "https://books.example/fair?utm=site"
    assert clicks() == 1


def test_a_bot_following_the_click_is_redirected_but_not_counted() -> None:
    campaign_create()
    href = click_href(reader().get("/ads/slot/leaderboard").content.decode())
    assert reader(ua=GOOGLEBOT).get(href).status_code == 302
    assert clicks() == 0


def test_the_target_changed_in_the_desk_is_the_one_used() -> None:
    campaign_create()
    href = click_href(reader().get("/ads/slot/leaderboard").content.decode())
    Creative.objects.update(target_url="https://books.example/summer")
    assert reader().get(href)["Location"] == "https://books.example/summer"


@pytest.mark.parametrize("paused", ["campaign", "creative"])
def test_a_click_on_a_paused_ad_neither_redirects_nor_counts(paused: str) -> None:
    """Pausing is how the desk stops an ad at once (a target gone bad, a complaint): links on
    pages already read stop with it."""
    campaign = campaign_create()
    href = click_href(reader().get("/ads/slot/leaderboard").content.decode())
    if paused == "campaign":
        Campaign.objects.filter(pk=campaign.pk).update(is_active=False)
    else:
        Creative.objects.filter(campaign=campaign).update(is_active=False)

    response = reader().get(href)

    assert response.status_code == 404
    assert not response.has_header("Location")
    assert "no longer running" in response.content.decode()
    assert clicks() == 0


@pytest.mark.parametrize("path", [
    "tampered",
    "//evil.example",
    "javascript:alert(1)",
    "https://evil.example",
    "%2F%2Fevil.example",
])
def test_a_bad_click_token_never_redirects(path: str) -> None:
    campaign_create()
    response = reader().get(f"/ads/click/{path}")
    assert response.status_code in {400, 404}
    assert not response.has_header("Location")


def test_a_tampered_or_foreign_token_gets_an_error_page() -> None:
    creative = campaign_create().creatives.get()
    good = click_token(creative_id=creative.pk, slot_id=slot().pk)
    forged = good[:-3] + ("aaa" if not good.endswith("aaa") else "bbb")
    unsalted = signing.dumps({"c": creative.pk, "s": slot().pk})
    for token in (forged, unsalted):
        response = reader().get(reverse("ads:click", kwargs={"token": token}))
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
        assert not response.has_header("Location")


def test_an_expired_token_gets_an_error_page(settings: object) -> None:
    settings.NEWSDESK_ADS_CLICK_MAX_AGE = -1  # type: ignore[attr-defined]
    creative = campaign_create().creatives.get()
    token = signing.dumps({"c": creative.pk, "s": slot().pk}, salt=SALT, compress=True)
    response = reader().get(reverse("ads:click", kwargs={"token": token}))
    assert response.status_code == 410 and not response.has_header("Location")


@pytest.mark.parametrize("stored", ["javascript:alert(1)", "//evil.example/x", "/local/path"])
def test_a_stored_target_that_is_not_a_web_address_is_never_followed(stored: str) -> None:
    creative = campaign_create().creatives.get()
    Creative.objects.filter(pk=creative.pk).update(target_url=stored)
    token = click_token(creative_id=creative.pk, slot_id=slot().pk)
    response = reader().get(reverse("ads:click", kwargs={"token": token}) + "?next=//evil.example")
    assert response.status_code == 400 and not response.has_header("Location")
    assert clicks() == 0


def test_query_parameters_cannot_choose_the_target() -> None:
    campaign_create()
    href = click_href(reader().get("/ads/slot/leaderboard").content.decode())
    for query in ("?next=//evil.example", "?url=javascript:alert(1)", "?target=https://evil.example"):
        assert reader().get(href + query)["Location"] == "https://books.example/fair"
