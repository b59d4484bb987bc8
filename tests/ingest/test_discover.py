"""Feed autodiscovery from a publisher's page, and the feed-or-page sniff."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.ingest.discover import FeedLink, discover_feeds, looks_like_feed

FEEDS = Path(__file__).parent.parent / "data" / "feeds"
PAGE = "https://www.harbourgazette.example/news/"

ANNOUNCED = b"""<!DOCTYPE html>
<html lang="en"><head>
  <meta charset="utf-8">
  <title>News | The Harbour Gazette</title>
  <link rel="stylesheet" href="/static/site.css">
  <link rel="alternate" type="application/rss+xml" title="The Harbour Gazette &raquo; News"
        href="https://feeds.harbourgazette.example/news/rss.xml">
  <link rel="alternate" type="application/json+oembed" href="/oembed?url=%2Fnews%2F">
  <link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/12">
  <link rel="Alternate" type="application/atom+xml" title="  Comments
        feed " href="/comments/atom">
  <link rel="alternate" type="application/feed+json" href="feed.json">
  <link rel="alternate" hreflang="fr" href="https://www.harbourgazette.example/fr/">
  <link rel="alternate" type="application/rss+xml" href="https://feeds.harbourgazette.example/news/rss.xml">
  <link rel="alternate" type="application/rss+xml" href="javascript:void(0)">
</head><body>
  <a href="/rss">RSS</a>
</body></html>"""


def test_announced_feeds_in_page_order_absolute_and_deduplicated() -> None:
    assert discover_feeds(ANNOUNCED, base_url=PAGE) == [
        FeedLink(
            url="https://feeds.harbourgazette.example/news/rss.xml",
            title="The Harbour Gazette \u00bb News",
            type="application/rss+xml",
        ),
        FeedLink(
            url="https://www.harbourgazette.example/comments/atom",
            title="Comments feed",
            type="application/atom+xml",
        ),
        FeedLink(
            url="https://www.harbourgazette.example/news/feed.json",
            title="",
            type="application/feed+json",
        ),
    ]


def test_base_element_sets_where_relative_feed_links_point() -> None:
    page = b"""<html><head><base href="https://static.harbourgazette.example/site/">
      <link rel="alternate" type="application/rss+xml" href="rss.xml"></head><body></body></html>"""
    [feed] = discover_feeds(page, base_url=PAGE)
    assert feed.url == "https://static.harbourgazette.example/site/rss.xml"


def test_addresses_that_are_no_urls_are_passed_over() -> None:
    page = (b'<html><head><base href="http://[x/">'
            b'<link rel="alternate" type="application/rss+xml" href="http://[y/feed">'
            b'<link rel="alternate" type="application/rss+xml" href="/feed.xml"></head>'
            b'<body><a href="http://[z/rss">RSS</a></body></html>')
    assert discover_feeds(page, base_url="https://quarryhill.example/") == [
        FeedLink(url="https://quarryhill.example/feed.xml", title="", type="application/rss+xml")]


def test_falls_back_to_feed_like_links_on_the_same_host() -> None:
    page = b"""<!DOCTYPE html><html><head><title>Quarry Hill Weekly</title></head><body>
      <nav><a href="/about">About</a> <a href="/feed/">Subscribe</a></nav>
      <footer>
        <a href="https://quarryhill.example/stories/rss.xml?edition=weekly"
           title="Stories"><img src="/rss.png" alt=""></a>
        <a href="/sitemap.xml">Sitemap</a>
        <a href="https://feeds.elsewhere.example/quarryhill/rss">Mirror</a>
        <a href="/feed/">Subscribe again</a>
        <a href="/news/atom">Atom</a>
        <a href="mailto:desk@quarryhill.example?subject=/rss">Write to us</a>
      </footer></body></html>"""
    assert discover_feeds(page, base_url="https://quarryhill.example/") == [
        FeedLink(url="https://quarryhill.example/feed/", title="Subscribe", type=""),
        FeedLink(
            url="https://quarryhill.example/stories/rss.xml?edition=weekly",
            title="Stories",
            type="",
        ),
        FeedLink(url="https://quarryhill.example/news/atom", title="Atom", type=""),
    ]


def test_announced_feeds_win_over_guessed_links() -> None:
    urls = [feed.url for feed in discover_feeds(ANNOUNCED, base_url=PAGE)]
    assert "https://www.harbourgazette.example/rss" not in urls


@pytest.mark.parametrize("page", [b"", b"  \n", b"<html><body><p>No feeds here.</p></body></html>"])
def test_a_page_without_feeds_gives_none(page: bytes) -> None:
    assert discover_feeds(page, base_url=PAGE) == []


@pytest.mark.parametrize(
    "name",
    [
        "rss20-full.xml",
        "rss10.xml",
        "rss091.xml",
        "atom10.xml",
        "atom03.xml",
        "jsonfeed11.json",
        "rss20-windows-1252.xml",
        "rss20-malformed.xml",
    ],
)
def test_feeds_look_like_feeds_whatever_the_server_calls_them(name: str) -> None:
    assert looks_like_feed((FEEDS / name).read_bytes(), "text/html")


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        ((FEEDS / "html-page.html").read_bytes(), "application/rss+xml"),
        ((FEEDS / "not-a-feed.json").read_bytes(), "application/json"),
        (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"/>', "text/xml"),
        (b"", "application/rss+xml"),
        (b"Service temporarily unavailable", "text/plain"),
    ],
)
def test_pages_and_other_documents_do_not(content: bytes, content_type: str) -> None:
    assert not looks_like_feed(content, content_type)
