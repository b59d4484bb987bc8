"""The demo publisher as a feed reader, a crawler and a browser see it over loopback HTTP."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import Message
from urllib.error import HTTPError

import feedparser
import lxml.html
import pytest
from PIL import Image

from newsdesk.demo import render_region_image
from newsdesk.demo.content import DemoArticle, DemoPublisherSite, load_publishers
from newsdesk.demo.publisher import DemoPublisher

SITES = load_publishers()
ARTICLES = [(site, article) for site in SITES for article in site.articles]
REGIONS = ("africa", "americas", "asia", "europe", "middle-east", "oceania", "world")


@pytest.fixture(scope="module")
def publisher() -> Iterator[DemoPublisher]:
    with DemoPublisher() as running:
        yield running


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.headers, response.read()
    except HTTPError as error:
        return error.code, error.headers, error.read()


def page_of(publisher: DemoPublisher, link: str) -> lxml.html.HtmlElement:
    status, headers, body = fetch(link)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    return lxml.html.fromstring(body)


@pytest.mark.parametrize(("index", "version"), [(0, "rss20"), (1, "atom10")])
def test_rss_and_atom_feeds_parse_cleanly_with_every_article(
    publisher: DemoPublisher, index: int, version: str
) -> None:
    site = SITES[index]
    status, headers, body = fetch(publisher.feed_urls[index])
    parsed = feedparser.parse(body)

    assert status == 200
    assert headers["Content-Type"].startswith(f"application/{version[:-2]}+xml")
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == version
    assert parsed.feed.link == site.home
    assert [entry.title for entry in parsed.entries] == [a.title for a in site.articles]
    assert [entry.id for entry in parsed.entries] == [site.guid(a) for a in site.articles]
    assert [entry.author for entry in parsed.entries] == [a.author for a in site.articles]
    for entry, article in zip(parsed.entries, site.articles, strict=True):
        assert entry.link.startswith(publisher.base_url + "/")
        assert article.paragraphs[0].startswith(entry.summary)
        assert 40 < len(entry.summary) <= 300
        assert entry.published_parsed is not None


def test_rss_items_carry_their_lead_image_and_atom_entries_an_enclosure(
    publisher: DemoPublisher,
) -> None:
    rss = feedparser.parse(fetch(publisher.feed_urls[0])[2])
    atom = feedparser.parse(fetch(publisher.feed_urls[1])[2])

    rss_images = [entry.media_content[0]["url"] for entry in rss.entries]
    atom_images = [entry.enclosures[0]["href"] for entry in atom.entries]
    assert all(url.endswith(".jpg") for url in rss_images + atom_images)
    assert len(set(rss_images + atom_images)) == 10


def test_json_feed_follows_version_1_1(publisher: DemoPublisher) -> None:
    # feedparser 6.0 does not read JSON Feed, so the spec's fields are checked directly.
    site = SITES[2]
    status, headers, body = fetch(publisher.feed_urls[2])
    feed = json.loads(body)

    assert status == 200
    assert headers["Content-Type"] == "application/feed+json; charset=utf-8"
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["home_page_url"] == site.home
    assert feed["feed_url"] == publisher.feed_urls[2]
    assert [item["title"] for item in feed["items"]] == [a.title for a in site.articles]
    assert [item["id"] for item in feed["items"]] == [site.guid(a) for a in site.articles]
    for item in feed["items"]:
        assert item["url"].startswith(publisher.base_url + "/")
        assert item["summary"] and item["content_html"].startswith("<p>")
        assert item["image"].endswith(".jpg")
        assert item["authors"][0]["name"]
        assert datetime.fromisoformat(item["date_published"]).tzinfo is not None


@pytest.mark.parametrize("site", SITES, ids=lambda site: site.key)
def test_feed_links_open_pages_that_declare_their_public_address(
    publisher: DemoPublisher, site: DemoPublisherSite
) -> None:
    article = site.articles[0]
    page = page_of(publisher, publisher.base_url + site.local_path(article) + "?utm_source=x")

    canonical = page.xpath('//link[@rel="canonical"]/@href')
    assert canonical == [site.canonical_url(article)]
    assert canonical[0].startswith(site.home)
    assert page.xpath('//meta[@property="og:title"]/@content') == [article.title]
    assert page.xpath('//meta[@name="author"]/@content') == [article.author]
    published = page.xpath('//meta[@property="article:published_time"]/@content')
    assert published == [article.published.isoformat()]
    assert page.xpath("//h1")[0].text_content() == article.title
    ld = json.loads(page.xpath('//script[@type="application/ld+json"]')[0].text)
    assert ld["@type"] == "NewsArticle"
    assert ld["headline"] == article.title
    assert ld["mainEntityOfPage"]["@id"] == site.canonical_url(article)


@pytest.mark.parametrize(
    ("site", "body_class"),
    list(zip(SITES, ["field-body", "entry-content", "article-body"], strict=True)),
    ids=lambda value: getattr(value, "key", value),
)
def test_each_publisher_wraps_the_article_in_its_own_layout(
    publisher: DemoPublisher, site: DemoPublisherSite, body_class: str
) -> None:
    article = site.articles[1]
    page = page_of(publisher, publisher.base_url + site.local_path(article))
    body = page.find_class(body_class)

    assert len(body) == 1
    assert body[0].xpath(".//form"), "the newsletter box sits inside the body"
    texts = [p.text_content() for p in body[0].xpath("./p")]
    assert [text for text in texts if text in article.paragraphs] == list(article.paragraphs)
    caption = page.xpath("//figure/figcaption")[0]
    assert caption.xpath('./span[@class="credit"]')[0].text == f"Photo: {article.image.credit}"
    assert page.xpath("//figure/img/@alt") == [article.image.alt]
    assert page.xpath("//footer") and page.xpath("//script[not(@type)]")


@pytest.mark.parametrize(
    ("site", "article"),
    [(site, article) for site, article in ARTICLES if article.pull_quote],
    ids=lambda value: getattr(value, "slug", ""),
)
def test_pull_quote_stands_just_before_the_paragraph_it_repeats(
    publisher: DemoPublisher, site: DemoPublisherSite, article: DemoArticle
) -> None:
    page = page_of(publisher, publisher.base_url + site.local_path(article))
    quotes = page.xpath('//blockquote[@class="pull-quote"]')

    assert len(quotes) == 1
    assert quotes[0].text_content() == article.pull_quote
    following = quotes[0].getnext()
    assert following.tag == "p"
    assert article.pull_quote in following.text_content()


def test_one_article_has_subheadings_and_a_bulleted_list(publisher: DemoPublisher) -> None:
    site, article = next((s, a) for s, a in ARTICLES if any(b.kind == "ul" for b in a.body))
    page = page_of(publisher, publisher.base_url + site.local_path(article))
    body = page.find_class("field-body")[0]

    assert [h.text for h in body.xpath("./h2")] == [b.text for b in article.body if b.kind == "h2"]
    assert len(body.xpath("./ul/li")) == 4


def test_article_image_is_a_real_picture_and_differs_per_article(
    publisher: DemoPublisher,
) -> None:
    site = SITES[0]
    images = []
    for article in site.articles[:2]:
        page = page_of(publisher, publisher.base_url + site.local_path(article))
        status, headers, body = fetch(page.xpath('//meta[@property="og:image"]/@content')[0])
        picture = Image.open(io.BytesIO(body))
        picture.verify()
        assert status == 200
        assert headers["Content-Type"] == "image/jpeg"
        assert (picture.format, picture.size) == ("JPEG", (1200, 675))
        images.append(body)
    assert images[0] != images[1]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_unchanged_feed_answers_304_to_a_conditional_request(
    publisher: DemoPublisher, index: int
) -> None:
    url = publisher.feed_urls[index]
    _, headers, _ = fetch(url)
    etag, last_modified = headers["ETag"], headers["Last-Modified"]

    assert fetch(url, {"If-None-Match": etag})[::2] == (304, b"")
    assert fetch(url, {"If-None-Match": f'"other", W/{etag}'})[0] == 304
    assert fetch(url, {"If-Modified-Since": last_modified})[::2] == (304, b"")
    assert fetch(url, {"If-None-Match": '"stale"'})[0] == 200
    assert fetch(url, {"If-Modified-Since": "Mon, 02 Nov 2026 00:00:00 GMT"})[0] == 200


def test_home_page_announces_all_three_feeds(publisher: DemoPublisher) -> None:
    page = page_of(publisher, publisher.home_url)
    alternates = page.xpath('//link[@rel="alternate"]')

    assert [link.get("href") for link in alternates] == publisher.feed_urls
    assert [link.get("type") for link in alternates] == [
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
    ]
    assert len(page.xpath("//li/a")) == len(ARTICLES)


def test_unknown_path_is_not_found(publisher: DemoPublisher) -> None:
    assert fetch(publisher.base_url + "/harbour-light/analysis/missing")[0] == 404


def test_addresses_need_a_started_publisher() -> None:
    with pytest.raises(RuntimeError):
        _ = DemoPublisher().feed_urls


def test_content_is_long_varied_and_dated_before_the_demo_day() -> None:
    assert len(ARTICLES) >= 14
    sections = {article.section for _, article in ARTICLES}
    assert {"Africa", "Americas", "Asia", "Europe", "Middle East"} <= sections
    assert 5 <= sum(bool(article.pull_quote) for _, article in ARTICLES) <= 10
    assert len({site.guid(article) for site, article in ARTICLES}) == len(ARTICLES)
    for _, article in ARTICLES:
        words = sum(len(b.text.split()) + len(" ".join(b.items).split()) for b in article.body)
        assert 5 <= len(article.paragraphs) <= 9, article.slug
        assert 300 <= words <= 700, article.slug
        assert datetime(2026, 10, 1, tzinfo=UTC) < article.published < datetime(2026, 11, 28,
                                                                                   tzinfo=UTC)
        assert article.author and article.image.alt and article.image.credit


@pytest.mark.parametrize("slug", REGIONS)
def test_region_image_is_a_png_of_the_asked_size(slug: str) -> None:
    picture = Image.open(io.BytesIO(render_region_image(slug, slug.title())))

    assert (picture.format, picture.size) == ("PNG", (1200, 675))


def test_region_images_differ_and_accept_other_sizes() -> None:
    images = {render_region_image(slug, "Region") for slug in REGIONS}
    small = Image.open(io.BytesIO(render_region_image("asia", "Asia", (600, 400))))

    assert len(images) == len(REGIONS)
    assert small.size == (600, 400)
    assert render_region_image("antarctica", "Antarctica")  # unknown regions still get a picture


def test_running_as_a_module_prints_the_feed_urls() -> None:
    process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "newsdesk.demo.publisher", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(4)]
        status, _, body = fetch(lines[1])
    finally:
        process.terminate()
        process.wait(timeout=5)

    assert lines[0].startswith("Demo publishers at http://127.0.0.1:")
    assert [line.rsplit("/", 2)[-2:] for line in lines[1:]] == [
        ["harbour-light", "feed.xml"],
        ["meridian-wire", "atom.xml"],
        ["civic-ledger", "feed.json"],
    ]
    assert status == 200 and b"<rss" in body
