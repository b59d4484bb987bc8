"""The outgoing feeds: they parse cleanly, and every item credits and links its original."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import feedparser
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from tests.site.factories import published_article, publisher

from newsdesk.articles.models import Status

pytestmark = pytest.mark.django_db

FEEDS = [
    ("/feeds/rss/", "rss20"),
    ("/feeds/atom/", "atom10"),
    ("/feeds/region/europe/rss/", "rss20"),
    ("/feeds/region/europe/atom/", "atom10"),
    ("/feeds/country/FR/rss/", "rss20"),
    ("/feeds/country/fr/atom/", "atom10"),
]


@pytest.fixture
def stories(settings: Any) -> dict[str, Any]:
    settings.BASE_URL = "https://news.example.org"
    settings.SITE_NAME = "Harbour Diaspora News"
    gazette = publisher("The Harbour Gazette", domain="harbourgazette.example")
    ledger = publisher("Civic Ledger", domain="civicledger.example")
    return {
        "site_name": "Harbour Diaspora News",
        "france": published_article(
            gazette, title="Lyon opens its night ferry", countries=["FR"], author="Ana Ruiz",
            url="https://harbourgazette.example/2025/lyon-ferry",
            paragraphs=["The ferry across the Rhône now runs until midnight, the council said."],
            published=datetime(2025, 3, 3, 9, tzinfo=UTC)),
        "kenya": published_article(
            ledger, title="Nairobi budget & the <b>clinics</b>", countries=["KE"],
            url="https://civicledger.example/budget",
            paragraphs=["The county's budget adds four clinics and a night school."]),
    }


def _parse(client: Client, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, url
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, (url, parsed.get("bozo_exception"))
    return response, parsed


@pytest.mark.parametrize(("url", "version"), FEEDS)
def test_every_feed_parses_cleanly_with_every_field(client: Client, stories: dict[str, Any],
                                                    url: str, version: str) -> None:
    response, parsed = _parse(client, url)
    assert parsed.version == version
    assert response["Content-Type"].startswith(
        "application/rss+xml" if version == "rss20" else "application/atom+xml")
    assert parsed.feed.title.startswith(stories["site_name"])
    assert parsed.feed.link.startswith("https://news.example.org/")
    france = next(e for e in parsed.entries if e.title == "Lyon opens its night ferry")
    article = stories["france"]
    assert france.link == f"https://news.example.org/news/{article.slug}/"
    assert france.id == france.link
    assert france.published_parsed
    if version == "atom10":
        assert france.updated_parsed and parsed.feed.updated_parsed
    assert france.author == "Ana Ruiz"
    assert "France" in [tag.term for tag in france.tags]
    assert "Europe" in [tag.term for tag in france.tags]
    # The credit: the publisher by name, the original article linked, in the summary and as data.
    assert "Originally published by" in france.summary
    assert 'href="https://harbourgazette.example/2025/lyon-ferry"' in france.summary
    assert "The Harbour Gazette" in france.summary
    assert france.source.title == "The Harbour Gazette"
    via = [link.href for link in france.links if link.rel == "via"]
    assert via == ["https://harbourgazette.example/2025/lyon-ferry"]


def test_the_site_feeds_hold_every_published_article_newest_first(
        client: Client, stories: dict[str, Any]) -> None:
    _, rss = _parse(client, "/feeds/rss/")
    assert [e.title for e in rss.entries] == ["Nairobi budget & the <b>clinics</b>",
                                              "Lyon opens its night ferry"]
    _, atom = _parse(client, "/feeds/atom/")
    assert [e.title for e in atom.entries] == [e.title for e in rss.entries]


def test_region_and_country_feeds_hold_only_their_place(client: Client,
                                                        stories: dict[str, Any]) -> None:
    _, europe = _parse(client, "/feeds/region/europe/rss/")
    assert [e.title for e in europe.entries] == ["Lyon opens its night ferry"]
    assert europe.feed.title.endswith("Europe")
    _, kenya = _parse(client, "/feeds/country/KE/atom/")
    assert [e.title for e in kenya.entries] == ["Nairobi budget & the <b>clinics</b>"]
    assert kenya.feed.title.endswith("Kenya")
    _, empty = _parse(client, "/feeds/country/JP/rss/")
    assert empty.entries == []


def test_markup_in_a_title_stays_text(client: Client, stories: dict[str, Any]) -> None:
    response = client.get("/feeds/rss/")
    assert b"<b>clinics" not in response.content  # escaped in the XML, text to a reader
    assert b"&lt;b&gt;clinics" in response.content


def test_withdrawn_articles_leave_the_feeds(client: Client, stories: dict[str, Any]) -> None:
    stories["kenya"].status = Status.WITHDRAWN
    stories["kenya"].save()
    _, rss = _parse(client, "/feeds/rss/")
    assert [e.title for e in rss.entries] == ["Lyon opens its night ferry"]


@pytest.mark.parametrize("url", ["/feeds/region/atlantis/rss/", "/feeds/country/XX/atom/"])
def test_unknown_places_have_no_feed(client: Client, url: str) -> None:
    assert client.get(url).status_code == 404


def test_feed_queries_do_not_grow_with_items(client: Client, stories: dict[str, Any]) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/feeds/atom/").status_code == 200
        return len(captured)

    before = queries()
    source = publisher("Meridian Wire", domain="meridianwire.example")
    for n in range(5):
        published_article(source, title=f"Harbour report {n}", countries=["PT"],
                          paragraphs=[f"The harbour report number {n} on tides and ferries."])
    assert queries() == before
