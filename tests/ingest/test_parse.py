"""parse_feed against golden files, plus the behaviours an editor would notice first.

Each feed under tests/data/feeds sits beside `<name>.expected.json`: the ParsedFeed it must
give, or {"error": message}. NEWSDESK_UPDATE_GOLDEN=1 rewrites the expected files.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.support.damage import damaged

from newsdesk.ingest.errors import ParseError
from newsdesk.ingest.parse import parse_feed
from newsdesk.ingest.pipeline import SourceConfig, process_item
from newsdesk.ingest.types import ParsedFeed

FEEDS = Path(__file__).parent.parent / "data" / "feeds"
UPDATE_GOLDEN = os.environ.get("NEWSDESK_UPDATE_GOLDEN") == "1"

# How each fixture is served: the arguments the fetch stage would hand over.
SERVED: dict[str, dict[str, Any]] = {
    "rss20-full.xml": {
        "url": "https://feeds.harbourgazette.example/news/rss.xml",
        "content_type": "application/rss+xml; charset=utf-8",
    },
    "rss10.xml": {"url": "https://lindenvalley.example/rss", "content_type": "application/rdf+xml"},
    "rss091.xml": {"url": "http://quarryhill.example/rss.xml", "content_type": "text/xml"},
    "atom10.xml": {
        "url": "https://northwindledger.example/feeds/atom.xml",
        "content_type": "application/atom+xml",
    },
    "atom03.xml": {"url": "https://meridiannotes.example/atom.xml"},
    "jsonfeed11.json": {
        "url": "https://saltmarshreview.example/feed.json",
        "content_type": "application/feed+json",
    },
    "jsonfeed10.json": {"url": "https://fenwickstreet.example/feed.json"},
    "rss20-windows-1252.xml": {
        "url": "https://cafesociety.example/feed/",
        "content_type": "application/rss+xml",
        "encoding": "windows-1252",
    },
    "rss20-iso-8859-1.xml": {"url": "https://gruenwald-anzeiger.example/rss"},
    "rss20-no-guids.xml": {"url": "https://birchwoodparish.example/feed"},
    "rss20-malformed.xml": {"url": "https://ridgelinecourier.example/feed"},
    "html-page.html": {"url": "https://www.harbourgazette.example/", "content_type": "text/html"},
    "empty.xml": {"url": "https://quarryhill.example/rss.xml"},
    "garbage-truncated.xml": {"url": "https://quarryhill.example/rss.xml"},
    "jsonfeed-truncated.json": {"url": "https://fenwickstreet.example/feed.json"},
    "not-a-feed.json": {
        "url": "https://fenwickstreet.example/api/articles",
        "content_type": "application/json",
    },
}


def outcome(name: str) -> dict[str, Any]:
    """What parsing the fixture gives, as JSON-ready data."""
    try:
        feed = parse_feed((FEEDS / name).read_bytes(), **SERVED[name])
    except ParseError as error:
        return {"error": str(error)}
    return as_json(feed)


def as_json(feed: ParsedFeed) -> dict[str, Any]:
    data = dataclasses.asdict(feed)
    items = data.pop("items")  # last, so a diff of the golden file reads channel first
    plain: dict[str, Any] = json.loads(
        json.dumps({**data, "items": items}, default=datetime.isoformat)
    )
    return plain


def golden_path(name: str) -> Path:
    return FEEDS / (name.rsplit(".", 1)[0] + ".expected.json")


@pytest.mark.parametrize("name", sorted(SERVED))
def test_matches_golden_file(name: str) -> None:
    actual = outcome(name)
    expected_file = golden_path(name)
    if UPDATE_GOLDEN:
        expected_file.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
    assert actual == json.loads(expected_file.read_text())


def test_every_fixture_is_served_and_has_its_own_golden_file() -> None:
    fixtures = {p.name for p in FEEDS.iterdir() if not p.name.endswith(".expected.json")}
    assert fixtures == set(SERVED)
    assert len({golden_path(name) for name in fixtures}) == len(fixtures)


def parse_fixture(name: str, **overrides: Any) -> ParsedFeed:
    return parse_feed((FEEDS / name).read_bytes(), **{**SERVED[name], **overrides})


def test_channel_home_is_the_alternate_link_not_the_self_link() -> None:
    assert parse_fixture("rss20-full.xml").home_url == "https://www.harbourgazette.example/"
    assert parse_fixture("atom10.xml").home_url == "https://northwindledger.example/"


def test_relative_links_are_made_absolute_and_tracking_parameters_kept() -> None:
    items = parse_fixture("rss20-full.xml").items
    assert [item.link for item in items] == [
        # RSS resolves against the site's home link, not the feeds host
        "https://www.harbourgazette.example/2025/06/03/dock-strike-third-day/"
        "?utm_source=rss&utm_medium=feed",
        "https://www.harbourgazette.example/2025/06/02/ferry-summer-timetable/"
        "?utm_source=rss&utm_campaign=daily&fbclid=abc123",
        "https://www.harbourgazette.example/sport/2025/06/01/coastal-rowing-final.html",  # xml:base
        "https://www.harbourgazette.example/opinion/letters/2025/05/31/lighthouse/",
    ]


def test_a_link_that_is_no_url_leaves_its_item_without_one_and_the_feed_whole() -> None:
    feed = parse_feed(
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Gazette</title>'
        b"<link>http://[harbour/</link>"
        b"<item><title>Ferry back</title><link>http://[x/ferry</link><guid>ferry-1</guid>"
        b"<description>The night ferry is back.</description></item>"
        b"<item><title>Pier opens</title><link>https://a.example/pier</link>"
        b"<description>The pier opens.</description></item></channel></rss>",
        url="https://a.example/feed.xml", content_type="application/rss+xml",
    )
    assert feed.home_url == "https://a.example/feed.xml"
    assert [(item.title, item.link) for item in feed.items] == [
        ("Ferry back", ""), ("Pier opens", "https://a.example/pier")]


@pytest.mark.parametrize("scheme_url", ["javascript:alert(1)//", " JavaScript:alert(1)",
                                        "data:text/html,<script>alert(1)</script>",
                                        "mailto:desk@a.example"])
def test_a_link_that_is_no_web_address_is_dropped(scheme_url: str) -> None:
    """Item and channel links are printed as links on the site: only http(s) ones are kept."""
    escaped = scheme_url.replace("&", "&amp;").replace("<", "&lt;").encode()
    feed = parse_feed(
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Gazette</title>'
        b"<link>" + escaped + b"</link>"
        b"<item><title>Ferry back</title><link>" + escaped + b"</link><guid>ferry-1</guid>"
        b"<description>The night ferry is back.</description></item></channel></rss>",
        url="https://a.example/feed.xml", content_type="application/rss+xml",
    )
    assert feed.home_url == "https://a.example/feed.xml"
    assert [(item.title, item.link) for item in feed.items] == [("Ferry back", "")]


def test_atom_links_follow_xml_base() -> None:
    items = parse_fixture("atom10.xml").items
    assert items[0].link == "https://northwindledger.example/nieuws/2025/06/windpark-akkoord"
    assert items[1].link == "https://northwindledger.example/cultuur/2025/06/festival-record"


def test_lead_image_prefers_media_then_enclosure_then_first_img() -> None:
    images = [item.image_url for item in parse_fixture("rss20-full.xml").items]
    assert images == [
        "https://cdn.harbourgazette.example/media/2025/06/picket-line-1600.jpg",  # widest
        "https://www.harbourgazette.example/media/2025/06/ferry-quay.jpg",  # image enclosure
        "https://www.harbourgazette.example/sport/images/rowing-final-thumb.jpg",  # thumbnail
        "https://www.harbourgazette.example/media/2025/05/lighthouse.jpg",  # lazy <img>
    ]


def test_an_enclosed_picture_wins_over_a_thumbnail_and_the_widest_thumbnail_over_others() -> None:
    feed = b"""<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
      <title>P</title><link>https://pub.example/</link>
      <item><guid>1</guid><media:thumbnail url="https://pub.example/small.jpg" width="100"/>
        <enclosure url="https://pub.example/big.jpg" type="image/jpeg" length="1"/></item>
      <item><guid>2</guid><media:thumbnail url="https://pub.example/t100.jpg" width="100"/>
        <media:thumbnail url="https://pub.example/t800.jpg" width="800"/></item>
      </channel></rss>"""
    assert [i.image_url for i in parse_feed(feed, url="https://pub.example/rss").items] == [
        "https://pub.example/big.jpg", "https://pub.example/t800.jpg"]


def test_a_json_feed_picture_attachment_is_the_lead_image() -> None:
    feed = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "P", "items": [
        {"id": "1", "content_text": "Text.", "attachments": [
            {"url": "https://pub.example/talk.mp3", "mime_type": "audio/mpeg"},
            {"url": "https://pub.example/pier.jpg", "mime_type": "image/jpeg"}]}]}).encode()
    [item] = parse_feed(feed, url="https://pub.example/feed.json").items
    assert item.image_url == "https://pub.example/pier.jpg"


def test_dates_are_aware_utc() -> None:
    item = parse_fixture("rss20-full.xml").items[0]
    assert item.published == datetime(2025, 6, 3, 7, 39, 21, tzinfo=UTC)
    json_item = parse_fixture("jsonfeed11.json").items[0]
    assert json_item.published == datetime(2025, 6, 2, 8, 30, tzinfo=UTC)
    assert json_item.published.tzinfo is UTC


def test_titles_are_plain_text() -> None:
    assert parse_fixture("rss20-full.xml").items[0].title == (
        "Dock workers\u2019 strike enters third day"
    )
    assert parse_fixture("atom10.xml").items[0].title == (
        "Windpark & haven: akkoord na maanden overleg"
    )


def test_authors_are_names_never_bare_addresses() -> None:
    rss = parse_fixture("rss20-full.xml").items
    assert [item.author for item in rss] == ["Mara Quint", "Jonas Weir", "Ines Calloway", "Readers"]
    atom = parse_fixture("atom10.xml").items
    assert [item.author for item in atom] == ["Sanne de Wit", "Redactie Northwind"]  # inherited
    bylines = b"""<rss version="2.0"><channel><title>Bylines</title><link>/</link>
      <item><guid>1</guid><author>Jane Doe (jane@pub.example)</author></item>
      <item><guid>2</guid><author>Jane Doe &lt;jane@pub.example&gt;</author></item>
      <item><guid>3</guid><author>desk@pub.example</author></item>
      </channel></rss>"""
    feed = parse_feed(bylines, url="https://pub.example/feeds/all.rss")
    assert [item.author for item in feed.items] == ["Jane Doe", "Jane Doe", ""]
    assert feed.home_url == "https://pub.example/"


def test_windows_1252_is_read_with_or_without_the_http_charset() -> None:
    expected = "\u201cThe best cr\u00e8me br\u00fbl\u00e9e in town\u201d \u2014 our verdict"
    assert parse_fixture("rss20-windows-1252.xml").items[0].title == expected
    undeclared = parse_fixture("rss20-windows-1252.xml", encoding=None)
    assert undeclared.items[0].title == expected
    assert "\u20ac85" in undeclared.items[0].summary_html


@pytest.mark.parametrize(("encoding", "title"), [
    ("cp1251", "Правительство объявило о новых мерах поддержки"),
    ("shift_jis", "東京都は新しい防災計画を発表した"),
    ("koi8_r", "Министерство финансов заявило о программе"),
])
def test_a_feed_that_names_no_encoding_is_read_in_the_one_it_is_in(encoding: str,
                                                                   title: str) -> None:
    feed = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title[:12]}</title>'
            f"<link>https://pub.example/</link><item><guid>1</guid><title>{title}</title>"
            f"<description>{title}. {title}.</description></item></channel></rss>")
    [item] = parse_feed(feed.encode(encoding), url="https://pub.example/rss").items
    assert item.title == title


def test_guid_falls_back_to_link_then_a_stable_digest() -> None:
    items = parse_fixture("rss20-no-guids.xml").items
    assert items[0].guid == "https://birchwoodparish.example/notices/hall-july"
    assert items[1].guid.startswith("sha256:")
    assert items[1].guid != items[2].guid  # same title, different day
    assert parse_fixture("rss20-no-guids.xml").items[1].guid == items[1].guid


def test_a_guid_repeated_in_one_feed_leaves_every_story_an_id_of_its_own() -> None:
    shared = b"""<rss version="2.0"><channel><title>Gazette</title><link>https://pub.example/</link>
      <item><guid>https://pub.example/</guid><title>Ferry timetable changes</title>
        <link>https://pub.example/news/ferry</link></item>
      <item><guid>https://pub.example/</guid><title>School reopens after floods</title>
        <link>https://pub.example/news/school</link></item>
      <item><guid>https://pub.example/</guid><title>Ferry timetable changes</title>
        <link>https://pub.example/news/ferry</link></item>
      <item><guid isPermaLink="false">7</guid><title>Harbour wall</title></item>
      <item><guid isPermaLink="false">7</guid><title>Harbour wall, again</title></item>
      </channel></rss>"""
    items = parse_feed(shared, url="https://pub.example/rss").items
    assert [(i.title, i.guid) for i in items][:2] == [
        ("Ferry timetable changes", "https://pub.example/"),
        ("School reopens after floods", "https://pub.example/news/school"),
    ]
    assert [i.title for i in items] == [  # the very same item twice is one item
        "Ferry timetable changes", "School reopens after floods", "Harbour wall",
        "Harbour wall, again"]
    assert items[3].guid.startswith("sha256:")
    assert parse_feed(shared, url="https://pub.example/rss").items == items  # stable


def test_items_with_nothing_but_text_are_told_apart_by_it() -> None:
    notes = b"""<rss version="2.0"><channel><title>Notes</title><link>https://pub.example/</link>
      <item><description>The ferry is running late this morning.</description></item>
      <item><description>Bridge closed on Sunday for repairs.</description></item>
      </channel></rss>"""
    first, second = parse_feed(notes, url="https://pub.example/rss").items
    assert first.guid != second.guid
    assert first.guid == parse_feed(notes, url="https://pub.example/rss").items[0].guid


def test_a_lone_surrogate_in_an_item_costs_no_feed() -> None:
    feed = (b'{"version": "https://jsonfeed.org/version/1.1", "title": "Notes", "items": ['
            b'{"content_text": "Ferry late \\ud800 today."}, {"title": "Quay \\udfff works"}]}')
    items = parse_feed(feed, url="https://pub.example/feed.json").items
    assert [i.title for i in items] == ["", "Quay  works"]
    assert len({i.guid for i in items}) == 2


def test_text_content_stays_text() -> None:
    json_feed = json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "Notes",
        "items": [{"id": "1", "content_text": "Use the <script> tag when x<y & z.\n\nSecond.",
                   "summary": "When x<y."}],
    }).encode()
    [item] = parse_feed(json_feed, url="https://pub.example/feed.json").items
    assert item.content_html == (
        "<p>Use the &lt;script&gt; tag when x&lt;y &amp; z.</p><p>Second.</p>")
    assert item.summary_html == "<p>When x&lt;y.</p>"
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>N</title><id>n</id>
      <entry><id>1</id><title>T</title><updated>2025-06-01T00:00:00Z</updated>
      <summary type="text">A &lt;b&gt; tag</summary>
      <content type="text">Plain &lt;tag&gt; text</content></entry></feed>"""
    [entry] = parse_feed(atom, url="https://pub.example/atom").items
    assert (entry.summary_html, entry.content_html) == (
        "<p>A &lt;b&gt; tag</p>", "<p>Plain &lt;tag&gt; text</p>")


@pytest.mark.parametrize("written", [
    "Mon, 06 Jan 2025 10:00:00",  # no time zone: UTC
    "Mon, 06 January 2025 10:00:00 +0000",
    "Monday, 06 Jan 2025 10:00:00 GMT",
    "Mon, 06 Jan 2025 05:00:00 EST",
])
def test_dates_written_loosely_are_read(written: str) -> None:
    feed = f"""<rss version="2.0"><channel><title>D</title><link>https://pub.example/</link>
      <item><guid>1</guid><title>T</title><pubDate>{written}</pubDate></item>
      </channel></rss>""".encode()
    [item] = parse_feed(feed, url="https://pub.example/rss").items
    assert item.published == datetime(2025, 1, 6, 10, 0, tzinfo=UTC)


def test_an_item_without_a_title_is_named_by_its_first_sentence() -> None:
    notes = b"""<rss version="2.0"><channel><title>Notes</title><link>https://pub.example/</link>
      <item><guid>https://pub.example/@desk/1</guid><description>&lt;p&gt;The ferry is running
      late this morning because of fog. Check before you travel.&lt;/p&gt;</description></item>
      </channel></rss>"""
    [item] = parse_feed(notes, url="https://pub.example/rss").items
    config = SourceConfig(feed_url="https://pub.example/rss", full_text=False)
    processed = process_item(item, config, fetch_page=_no_page)
    assert processed.article.title == "The ferry is running late this morning because of fog"


def test_a_byline_prefix_or_placeholder_is_no_name() -> None:
    feed = b"""<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
      <title>B</title><link>https://pub.example/</link>
      <item><guid>1</guid><dc:creator>By Jane Doe</dc:creator></item>
      <item><guid>2</guid><author>noreply@blogger.com (Unknown)</author></item>
      </channel></rss>"""
    assert [i.author for i in parse_feed(feed, url="https://pub.example/rss").items] == [
        "Jane Doe", ""]


def test_malformed_feed_keeps_its_entries() -> None:
    feed = parse_fixture("rss20-malformed.xml")
    assert len(feed.items) == 2
    assert feed.items[0].title == "Pass reopens after rockfall \u2014 with a convoy system"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.xml", "The feed was empty"),
        ("html-page.html", "This is not a feed: the server sent an HTML page"),
        ("garbage-truncated.xml", "This is not a feed: the XML is broken at line 4"),
        ("jsonfeed-truncated.json", "The JSON Feed is not valid JSON"),
        ("not-a-feed.json", "This is not a feed: the JSON document has no JSON Feed version"),
    ],
)
def test_what_is_not_a_feed_says_why(name: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_fixture(name)


def test_html_page_is_recognised_without_a_content_type() -> None:
    with pytest.raises(ParseError, match="the server sent an HTML page"):
        parse_fixture("html-page.html", content_type="")


def test_whitespace_only_is_empty() -> None:
    with pytest.raises(ParseError, match="The feed was empty"):
        parse_feed(b" \r\n\t ", url="https://quarryhill.example/rss.xml")


def test_valid_feed_without_items_is_an_empty_feed() -> None:
    feed = parse_feed(
        b'<rss version="2.0"><channel><title>Quiet week</title></channel></rss>',
        url="https://quarryhill.example/rss.xml",
    )
    assert (feed.title, feed.items, feed.kind) == ("Quiet week", (), "rss20")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Records every attempt to open a connection instead of making it."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network access in a parse test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def test_a_path_in_the_bytes_is_never_opened(tmp_path: Path, no_network: list[object]) -> None:
    feed_on_disk = tmp_path / "feed.xml"
    feed_on_disk.write_bytes((FEEDS / "rss20-full.xml").read_bytes())
    for content in (str(feed_on_disk).encode(), b"/etc/passwd"):
        with pytest.raises(ParseError):
            parse_feed(content, url="https://quarryhill.example/rss.xml")
    assert no_network == []


@pytest.mark.parametrize(
    "content", [b"http://127.0.0.1:9/feed", b"https://feeds.harbourgazette.example/news/rss.xml"]
)
def test_a_url_in_the_bytes_is_never_fetched(content: bytes, no_network: list[object]) -> None:
    with pytest.raises(ParseError):
        parse_feed(content, url="https://quarryhill.example/rss.xml")
    assert no_network == []


# -- damaged feeds --------------------------------------------------------------------------------

DAMAGE = (b"\x00", b"\x01", b"&#1;", b"&#xD800;", b"&bogus;", b"<![CDATA[", b"]]>", b"<", b">",
          b"&", b"\xff\xfe", b"\xc3", b"<link>http://[x/</link>", b"<img src='http://[y/'>",
          b"<guid>" + b"g" * 1200 + b"</guid>", b"<pubDate>Mon, 99 Foo 2025</pubDate>",
          b'xml:base="http://[z/"', b"<media:content url='http://[m/' medium='image'/>",
          b"<enclosure url='' type='image/jpeg'/>", b"<?xml version='1.0' encoding='bogus'?>",
          b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>", b"&a;")


def test_a_damaged_feed_is_read_or_refused_in_words_never_an_internal_error() -> None:
    """Damage in one spot never fails a whole source with a crash: the parser salvages what
    it can, or says in words why it cannot, and every item it gives goes through the stages."""
    documents = [(FEEDS / name).read_bytes() for name in SERVED
                 if name.endswith(".xml") and (FEEDS / name).read_bytes().strip()]
    config = SourceConfig(feed_url="https://a.example/feed", full_text=False)
    rng = random.Random(20251128)  # noqa: S311 - a fixed seed, for repeatable damage
    read = 0
    for _ in range(600):
        try:
            feed = parse_feed(damaged(rng, rng.choice(documents), DAMAGE),
                              url="https://a.example/feed", content_type="application/rss+xml")
        except ParseError as error:
            assert str(error)
            continue
        for item in feed.items:
            process_item(item, config, fetch_page=_no_page)
        read += 1
    assert read > 300  # most damage leaves a feed to read


def test_a_json_feed_of_the_wrong_types_is_read_or_refused_in_words() -> None:
    values = (None, 1, 1.5, True, "", "x", "http://[x/", "<p>a</p>", [], ["a"], [None], {},
              {"url": 5}, "2025-13-45T99:99:99Z", "\u0000", "a" * 3000, [{"name": 5}], -1e308)
    keys = ("id", "url", "external_url", "title", "content_html", "content_text", "summary",
            "image", "date_published", "date_modified", "authors", "author", "tags")
    config = SourceConfig(feed_url="https://a.example/feed.json", full_text=False)
    rng = random.Random(7)  # noqa: S311 - a fixed seed, for repeatable feeds
    for _ in range(600):
        item = {key: rng.choice(values) for key in rng.sample(keys, rng.randint(0, len(keys)))}
        document = {"version": "https://jsonfeed.org/version/1.1", "title": rng.choice(values),
                    "home_page_url": rng.choice(values), "items": [item]}
        try:
            feed = parse_feed(json.dumps(document).encode(), url="https://a.example/feed.json",
                              content_type="application/feed+json")
        except ParseError as error:
            assert str(error)
            continue
        for parsed in feed.items:
            process_item(parsed, config, fetch_page=_no_page)


def _no_page(url: str) -> Any:
    raise AssertionError(f"excerpt sources fetch no page ({url})")
