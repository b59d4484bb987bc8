"""Polling sources from a real server on 127.0.0.1: what an editor sees on each after a run."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from pytest_django.fixtures import Settings
from tests.factories import (
    HTML_TYPE,
    LOCAL_ONLY,
    RSS_TYPE,
    Item,
    article_page,
    loopback_only,  # noqa: F401
    rss,
    source_create,
    story,
)
from tests.support.httpserver import (
    LocalHTTPServer,
    RequestHandler,
    gzip_bomb,
    http_server_fixture,  # noqa: F401
    sleep_then,
)

from newsdesk.articles.models import Article
from newsdesk.articles.selectors import articles_published
from newsdesk.sources.models import ContentPolicy, Source
from newsdesk.sources.services import SourceAddError, source_add, sources_ingest_due

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("loopback_only")]

KB = 1024


@pytest.fixture(autouse=True)
def local_fetch(settings: Settings) -> None:
    settings.NEWSDESK_FETCH_ALLOW_PRIVATE = LOCAL_ONLY


def serve_story(server: LocalHTTPServer, path: str, seed: int, title: str) -> str:
    server.routes[path] = (200, HTML_TYPE, article_page(title=title, paragraphs=story(seed)))
    return server.url(path)


def poll(source: Source) -> None:
    sources_ingest_due(source_ids=[source.id])


def reloaded(source: Source) -> Source:
    return Source.objects.get(id=source.id)


def test_one_run_records_each_broken_source_in_words_and_still_stores_the_good_one(
    http_server: LocalHTTPServer, settings: Settings
) -> None:
    settings.NEWSDESK_FETCH_TIMEOUT = 1
    settings.NEWSDESK_FETCH_MAX_BYTES = 64 * KB
    items = [
        Item(title=f"Ferry timetable change {n}", guid=f"hg-{n}",
             link=serve_story(http_server, f"/news/{n}", n, f"Ferry timetable change {n}"))
        for n in range(3)
    ]
    http_server.routes.update({
        "/good.xml": (200, RSS_TYPE, rss(items)),
        "/broken.xml": (200, RSS_TYPE, b'<?xml version="1.0"?>\n<rss version="2.0"><channel>'
                                       b"<title>Quarry Hill</title><description>News & views"
                                       b"</description></channel></rss>"),
        "/homepage.xml": (200, HTML_TYPE, b"<!DOCTYPE html><html><head><title>Welcome</title>"
                                          b"</head><body><p>Our news</p></body></html>"),
        "/slow.xml": sleep_then(5, (200, RSS_TYPE, rss(items))),
        "/huge.xml": (200, RSS_TYPE, rss([Item(title="x" * 200 * KB, link="https://a.example/")])),
        "/bomb.xml": gzip_bomb(16 * 1024 * KB),
    })
    expected_words = {
        "/broken.xml": ["not a feed", "XML is broken"],
        "/homepage.xml": ["not a feed", "HTML page"],
        "/gone-missing.xml": ["404", "Not Found"],
        "/slow.xml": ["did not answer within 1 s"],
        "/huge.xml": ["larger than", "64 KB limit"],
        "/bomb.xml": ["larger than", "64 KB limit"],
    }
    good = source_create(feed_url=http_server.url("/good.xml"), content=ContentPolicy.FULL)
    broken = {path: source_create(feed_url=http_server.url(path), name=path)
              for path in expected_words}

    started = timezone.now()
    reports = sources_ingest_due()

    assert len(reports) == 1 + len(broken)
    for path, source in broken.items():
        source = reloaded(source)
        for words in expected_words[path]:
            assert words in source.last_error, (path, source.last_error)
        assert source.consecutive_failures == 1, path
        assert source.next_check_at > started + timedelta(minutes=29), path
        assert source.active, path
    good = reloaded(good)
    assert (good.last_error, good.consecutive_failures) == ("", 0)
    stored = Article.objects.filter(source=good).order_by("guid")
    assert [a.guid for a in stored] == ["hg-0", "hg-1", "hg-2"]
    assert "Report 1.0: the" in stored[1].body_html  # the full text from the page, not the feed
    assert not Article.objects.exclude(source=good).exists()


def test_a_feed_cut_off_inside_an_item_publishes_no_blank_article(
    http_server: LocalHTTPServer,
) -> None:
    whole = Item(title="Tide tables for March", guid="qh-1", description=" ".join(story(7)),
                 link="https://quarryhill.example/tides")
    cut = rss([whole]).replace(b"</channel></rss>", b"<item><title>Lifeboat crew hon")
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, cut)
    source = source_create(feed_url=http_server.url("/feed.xml"))

    poll(source)

    assert [a.title for a in Article.objects.all()] == ["Tide tables for March"]


def test_control_characters_and_malformed_links_cost_no_item_and_fail_no_source(
    http_server: LocalHTTPServer,
) -> None:
    """JSON escapes can carry characters no page may hold, and a link may be no URL at all:
    each item is still stored, without them, and the source stays healthy."""
    feed = {
        "version": "https://jsonfeed.org/version/1.1", "title": "Quarry Hill \u0007 News",
        "items": [
            {"id": "qh-1", "url": "https://quarryhill.example/fish",
             "title": "Fish &amp; chips \u0001 van returns",
             "content_html": "<p>The van is back \u0002 on Fridays &amp; Saturdays.\ud800</p>"},
            {"id": "qh-2", "url": "http://[quarryhill/ferry", "title": "Ferry timetable",
             "content_html": '<p>New times. <a href="http://[x/">Details</a></p>'},
        ],
    }
    http_server.routes["/feed.json"] = (200, {"Content-Type": "application/feed+json"},
                                        json.dumps(feed).encode())
    source = source_create(feed_url=http_server.url("/feed.json"))

    poll(source)

    assert reloaded(source).last_error == ""
    stored = {a.guid: a for a in Article.objects.all()}
    assert stored["qh-1"].title == "Fish & chips van returns"
    assert stored["qh-1"].body_html == "<p>The van is back  on Fridays &amp; Saturdays.</p>"
    assert stored["qh-2"].original_url == ""
    assert stored["qh-2"].body_html == (
        '<p>New times. <a rel="noopener noreferrer nofollow">Details</a></p>')


def test_items_with_fields_longer_than_their_columns_are_stored_and_updated_in_place(
    http_server: LocalHTTPServer,
) -> None:
    """A 1,500-character guid, a 2,500-character link and picture: PostgreSQL refuses values
    longer than their column, which once failed the whole source."""
    long_guid = "urn:qh:" + "g" * 1500
    long_link = "https://quarryhill.example/long?" + "q=1&" * 620
    picture = f'<img src="https://cdn.quarryhill.example/{"p" * 2500}.jpg">'
    items = [Item(title="A long story", link=long_link, guid=long_guid,
                  description=picture + " ".join(story(3))),
             Item(title="A short story", link="https://quarryhill.example/short", guid="qh-2",
                  description=" ".join(story(4)))]
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss(items))
    source = source_create(feed_url=http_server.url("/feed.xml"),
                           content=ContentPolicy.EXCERPT, image_policy="source")

    poll(source)

    assert reloaded(source).last_error == ""
    assert sorted(Article.objects.values_list("title", flat=True)) == [
        "A long story", "A short story"]
    long_one = Article.objects.get(title="A long story")
    assert len(long_one.guid) <= 1000
    assert long_one.original_url == "" and long_one.image_url == ""

    items[0] = Item(title="A long story, corrected", link=long_link, guid=long_guid,
                    description=" ".join(story(3)))
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss(items))
    poll(Source.objects.filter(id=source.id).update(next_check_at=timezone.now()) and source)

    assert sorted(Article.objects.values_list("title", flat=True)) == [
        "A long story, corrected", "A short story"]  # the same guid: updated in place


def test_an_item_that_meets_a_bug_is_left_out_in_words_and_the_rest_is_stored(
    http_server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from newsdesk.sources import services

    def process_item(item: Any, *args: Any, **kwargs: Any) -> Any:
        if item.guid == "qh-1":
            raise RuntimeError("a bug in the pipeline")
        return real_process_item(item, *args, **kwargs)

    real_process_item = services.process_item
    monkeypatch.setattr(services, "process_item", process_item)
    items = [Item(title=f"Quarry news {n}", guid=f"qh-{n}", link=f"https://a.example/{n}",
                  description=" ".join(story(n))) for n in range(3)]

    def with_etag(request: RequestHandler) -> None:
        request.send_plain(200, {**RSS_TYPE, "ETag": '"v1"'}, rss(items))

    http_server.routes["/feed.xml"] = with_etag
    source = source_create(feed_url=http_server.url("/feed.xml"))

    poll(source)

    assert sorted(Article.objects.values_list("guid", flat=True)) == ["qh-0", "qh-2"]
    source = reloaded(source)
    assert source.last_status == 200 and source.consecutive_failures == 0
    assert source.last_error.startswith("1 of its items could not be read and were left out "
                                        "(the first: Quarry news 1: a bug in the pipeline)")
    assert source.etag == ""  # so the next poll reads the whole feed, and the item, again

    monkeypatch.setattr(services, "process_item", real_process_item)  # the bug is fixed
    Source.objects.filter(id=source.id).update(next_check_at=timezone.now())
    poll(source)

    assert sorted(Article.objects.values_list("guid", flat=True)) == ["qh-0", "qh-1", "qh-2"]
    assert (reloaded(source).last_error, reloaded(source).etag) == ("", '"v1"')


def test_too_many_requests_waits_as_long_as_the_publisher_asks(
    http_server: LocalHTTPServer,
) -> None:
    http_server.routes["/feed.xml"] = (429, {"Retry-After": "3600", "Content-Type": "text/plain"},
                                       b"slow down")
    source = source_create(feed_url=http_server.url("/feed.xml"))

    before = timezone.now()
    poll(source)
    sources_ingest_due()  # a run right after must leave it alone

    source = reloaded(source)
    assert source.next_check_at >= before + timedelta(hours=1)
    assert "429" in source.last_error and "3600 s" in source.last_error
    assert len(http_server.requests_to("/feed.xml")) == 1


def test_failures_back_off_ever_longer_and_one_success_clears_them(
    http_server: LocalHTTPServer,
) -> None:
    http_server.routes["/feed.xml"] = (500, {"Content-Type": "text/plain"}, b"oops")
    source = source_create(feed_url=http_server.url("/feed.xml"), poll_minutes=30)

    waits = []
    for _ in range(3):
        poll(source)
        failed = reloaded(source)
        waits.append(failed.next_check_at - failed.last_attempt_at)
    assert failed.consecutive_failures == 3
    assert "500" in failed.last_error
    assert waits[0] < waits[1] < waits[2]
    assert waits[0] >= timedelta(minutes=29)

    link = serve_story(http_server, "/news/quay", 1, "Quay reopens")
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss([Item(title="Quay reopens", link=link)]))
    poll(source)

    healthy = reloaded(source)
    assert (healthy.consecutive_failures, healthy.last_error) == (0, "")
    assert healthy.next_check_at - healthy.last_success_at == timedelta(minutes=30)
    assert healthy.articles.count() == 1


def test_a_source_failing_for_weeks_waits_a_day_and_stops_no_other(
    http_server: LocalHTTPServer,
) -> None:
    http_server.routes["/dead.xml"] = (500, {"Content-Type": "text/plain"}, b"oops")
    http_server.routes["/slow.xml"] = (429, {"Retry-After": "99999999999",
                                             "Content-Type": "text/plain"}, b"go away")
    link = serve_story(http_server, "/news/quay", 1, "Quay reopens")
    http_server.routes["/good.xml"] = (200, RSS_TYPE, rss([Item(title="Quay reopens", link=link)]))
    dead = source_create(feed_url=http_server.url("/dead.xml"), name="Dead")
    Source.objects.filter(id=dead.id).update(consecutive_failures=40)  # five weeks of failing
    slow = source_create(feed_url=http_server.url("/slow.xml"), name="Slow")
    good = source_create(feed_url=http_server.url("/good.xml"), name="Good")

    sources_ingest_due()

    dead, slow = reloaded(dead), reloaded(slow)
    assert dead.consecutive_failures == 41
    day, week = timedelta(hours=24), timedelta(days=7)
    poll_time = timedelta(seconds=1)  # between the attempt and its record
    assert day <= dead.next_check_at - dead.last_attempt_at < day + poll_time
    # Retry-After is honoured, up to a week
    assert week <= slow.next_check_at - slow.last_attempt_at < week + poll_time
    assert reloaded(good).articles.count() == 1


def test_after_the_ingest_command_failures_are_logged_again(
    http_server: LocalHTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    """`newsdesk run` calls the command once, then polls on its schedule in the same process:
    the command's quieting of the failure log must end with it."""
    http_server.routes["/feed.xml"] = (500, {"Content-Type": "text/plain"}, b"oops")
    source = source_create(feed_url=http_server.url("/feed.xml"))
    previous = signal.getsignal(signal.SIGTERM)
    call_command("ingest", stdout=io.StringIO(), stderr=io.StringIO())
    assert signal.getsignal(signal.SIGTERM) == previous

    caplog.clear()
    sources_ingest_due(source_ids=[source.id])

    assert any("failed" in r.getMessage() for r in caplog.records if r.name == "newsdesk.ingest")


def test_redis_away_is_no_fault_of_the_publishers(http_server: LocalHTTPServer,
                                                  settings: Settings) -> None:
    settings.NEWSDESK_REDIS_URL = "redis://127.0.0.1:1/0"  # the per-host limits' Redis: down
    link = serve_story(http_server, "/news/quay", 1, "Quay reopens")
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss([Item(title="Quay reopens", link=link)]))
    source = source_create(feed_url=http_server.url("/feed.xml"), content=ContentPolicy.FULL)

    poll(source)

    source = reloaded(source)
    assert (source.consecutive_failures, source.last_error) == (0, "")
    assert source.articles.get().is_excerpt is False  # the page was fetched too


def test_a_feed_gone_for_good_pauses_its_source_with_a_reason(
    http_server: LocalHTTPServer,
) -> None:
    http_server.routes["/feed.xml"] = (410, {"Content-Type": "text/plain"}, b"gone")
    source = source_create(feed_url=http_server.url("/feed.xml"))

    poll(source)
    sources_ingest_due(include_not_due=True)

    source = reloaded(source)
    assert not source.active
    assert "410" in source.last_error and "paused" in source.last_error
    assert len(http_server.requests_to("/feed.xml")) == 1  # a paused source is not polled


def test_a_permanent_redirect_moves_the_source_to_the_new_address(
    http_server: LocalHTTPServer,
) -> None:
    link = serve_story(http_server, "/news/bridge", 2, "Bridge repairs")
    http_server.routes["/rss"] = (301, {"Location": "/feeds/all.xml"}, b"")
    http_server.routes["/feeds/all.xml"] = (200, RSS_TYPE,
                                            rss([Item(title="Bridge repairs", link=link)]))
    old = http_server.url("/rss")
    source = source_create(feed_url=old)

    poll(source)
    poll(source)

    source = reloaded(source)
    assert source.feed_url == http_server.url("/feeds/all.xml")
    assert source.moved_from == old
    assert source.articles.count() == 1
    assert len(http_server.requests_to("/rss")) == 1  # the second poll went straight there


def test_a_second_poll_asks_with_the_etag_and_a_304_stores_nothing(
    http_server: LocalHTTPServer,
) -> None:
    items = [Item(title=f"Market day {n}", guid=f"md-{n}",
                  link=serve_story(http_server, f"/news/md{n}", n, f"Market day {n}"))
             for n in range(2)]
    body = rss(items)

    def conditional(request: RequestHandler) -> None:
        if request.headers.get("If-None-Match") == '"v1"':
            request.send_plain(304, {"ETag": '"v1"'}, b"")
        else:
            request.send_plain(200, {**RSS_TYPE, "ETag": '"v1"'}, body)

    http_server.routes["/feed.xml"] = conditional
    source = source_create(feed_url=http_server.url("/feed.xml"))

    poll(source)
    first = {a.id: a.updated_at for a in Article.objects.all()}
    [report] = sources_ingest_due(source_ids=[source.id])

    assert report.not_modified and report.created == report.updated == 0
    assert {a.id: a.updated_at for a in Article.objects.all()} == first
    assert len(first) == 2
    first_ask, second_ask = http_server.requests_to("/feed.xml")
    assert "if-none-match" not in first_ask.headers
    assert second_ask.headers["if-none-match"] == '"v1"'
    source = reloaded(source)
    assert (source.etag, source.last_status, source.last_error) == ('"v1"', 304, "")


def test_validators_and_a_home_link_too_long_to_keep_are_let_go_and_the_items_kept(
    http_server: LocalHTTPServer,
) -> None:
    """An ETag of 600 characters, a Last-Modified of 150, a channel link of 2,500: none fits its
    column (PostgreSQL refused them, and with them the poll's articles); the next poll simply
    asks without them."""
    body = rss([Item(title="Harbour wall repaired", guid="hw-1", link="https://a.example/hw",
                     description=" ".join(story(5)))],
               home="https://a.example/" + "h" * 2500)
    http_server.routes["/feed.xml"] = (
        200, {**RSS_TYPE, "ETag": '"' + "e" * 600 + '"', "Last-Modified": "x" * 150}, body)
    source = source_create(feed_url=http_server.url("/feed.xml"), content=ContentPolicy.EXCERPT)
    Source.objects.filter(id=source.id).update(home_url="", domain="")  # taken from the feed

    poll(source)

    source = reloaded(source)
    assert (source.last_error, source.last_status) == ("", 200)
    assert (source.etag, source.last_modified, source.home_url) == ("", "", "")
    assert [a.title for a in Article.objects.all()] == ["Harbour wall repaired"]


class NewsdeskCommand:
    """The newsdesk command in a process of its own, on the state under `home`, with settings."""

    def __init__(self, home: Path, **settings: str) -> None:
        self.env = {name: value for name, value in os.environ.items()
                    if not name.startswith("NEWSDESK_") and name != "DATABASE_URL"}
        self.env.update(NEWSDESK_HOME=str(home), NEWSDESK_FETCH_ALLOW_PRIVATE="127.0.0.1",
                        **settings)
        script = Path(sys.executable).with_name("newsdesk")
        self.command = [str(script)] if script.exists() else [sys.executable, "-m",
                                                               "newsdesk.cli"]

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([*self.command, *args], env=self.env,  # noqa: S603
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return done


CRASH_FEED_SIZE = 20
STALL_AFTER = 5  # pages after this many wait until the first process has been killed


def test_a_process_killed_mid_ingest_and_restarted_stores_every_item_once(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    killed = threading.Event()
    guids = [f"harbour-{n:02d}" for n in range(CRASH_FEED_SIZE)]

    def slow_page(index: int) -> object:
        page = article_page(title=f"Harbour notice {index}", paragraphs=story(100 + index))

        def handler(request: RequestHandler) -> None:
            # items are taken oldest first: bottom up, as they share a date
            if index < CRASH_FEED_SIZE - STALL_AFTER:
                killed.wait(20)
            if request.pause(0.05):
                request.send_plain(200, HTML_TYPE, page)

        return handler

    items = []
    for n, guid in enumerate(guids):
        http_server.routes[f"/notices/{n}"] = slow_page(n)
        items.append(Item(title=f"Harbour notice {n}", guid=guid,
                          link=http_server.url(f"/notices/{n}")))
    body = rss(items)

    def feed(request: RequestHandler) -> None:
        if request.headers.get("If-None-Match") == '"full-20"':
            request.send_plain(304, {"ETag": '"full-20"'}, b"")
        else:
            request.send_plain(200, {**RSS_TYPE, "ETag": '"full-20"'}, body)

    http_server.routes["/feed.xml"] = feed
    home = tmp_path / "home"
    newsdesk = NewsdeskCommand(home, NEWSDESK_LEASE_SECONDS="1", NEWSDESK_LOG_LEVEL="ERROR")

    def run(*args: str) -> str:
        return newsdesk(*args).stdout

    run("migrate", "-v0")
    run("source", "add", http_server.url("/feed.xml"), "--content", "full", "--publish", "auto")
    db = sqlite3.connect(home / "db.sqlite3", timeout=10)

    def stored() -> list[str]:
        return [row[0] for row in db.execute("SELECT guid FROM articles_article ORDER BY guid")]

    first = subprocess.Popen([*newsdesk.command, "ingest"], env=newsdesk.env,  # noqa: S603
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while len(stored()) < 3 and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.05)
        os.kill(first.pid, signal.SIGKILL)
    finally:
        first.wait(10)
        killed.set()
    assert first.returncode == -signal.SIGKILL
    before_restart = stored()
    assert 3 <= len(before_restart) < CRASH_FEED_SIZE
    [(etag, lease_until)] = db.execute("SELECT etag, lease_until FROM sources_source").fetchall()
    assert etag == ""  # the ETag must not claim items that were never stored

    # The dead process's lease blocks other runners until it expires; then a restart takes over.
    expiry = datetime.fromisoformat(lease_until).replace(tzinfo=UTC)
    time.sleep(max(0.0, (expiry - datetime.now(UTC)).total_seconds() + 0.2))
    out = run("ingest")

    assert "1 sources polled" in out and "0 failed" in out
    assert stored() == guids
    [(etag, failures)] = db.execute(
        "SELECT etag, consecutive_failures FROM sources_source").fetchall()
    assert (etag, failures) == ('"full-20"', 0)
    db.close()


def test_adding_a_site_address_follows_the_feed_its_page_advertises(
    http_server: LocalHTTPServer,
) -> None:
    http_server.routes["/"] = (200, HTML_TYPE, (
        b"<!DOCTYPE html><html><head><title>The Harbour Gazette</title>"
        b'<link rel="alternate" type="application/rss+xml" title="Latest news" '
        b'href="/feeds/latest.rss"></head><body><h1>Harbour Gazette</h1></body></html>'))
    http_server.routes["/feeds/latest.rss"] = (200, RSS_TYPE, rss(
        [Item(title="Lighthouse repainted", link="https://harbourgazette.example/n/1")]))

    source = source_add(url=http_server.url("/"))

    assert source.feed_url == http_server.url("/feeds/latest.rss")
    assert source.name == "The Harbour Gazette"
    assert source.domain == "harbourgazette.example"
    assert source.active and source.next_check_at <= timezone.now()


def test_adding_a_page_that_advertises_no_feed_says_so(http_server: LocalHTTPServer) -> None:
    http_server.routes["/about"] = (200, HTML_TYPE,
                                    b"<!DOCTYPE html><html><body><p>About us</p></body></html>")

    with pytest.raises(SourceAddError, match="advertises no feed"):
        source_add(url=http_server.url("/about"))
    assert not Source.objects.exists()


def test_a_feed_with_an_overlong_title_and_home_link_is_added_with_what_fits(
    http_server: LocalHTTPServer,
) -> None:
    """A cut URL leads nowhere, so an overlong home link gives way to the feed's own site; a
    name is cut to fit. (PostgreSQL refuses what is longer than the column.)"""
    home = "https://harbourgazette.example/" + "a" * 2100
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss(
        [Item(title="Lighthouse repainted", link="https://harbourgazette.example/n/1")],
        title="Harbour " * 60, home=home))

    source = source_add(url=http_server.url("/feed.xml"))

    assert source.home_url == f"http://127.0.0.1:{http_server.port}/"
    assert source.name == ("Harbour " * 60)[:200]


def test_a_feed_address_longer_than_a_source_keeps_is_refused_in_words(
    http_server: LocalHTTPServer,
) -> None:
    feed = "/feeds/" + "b" * 2100 + ".rss"
    http_server.routes["/"] = (200, HTML_TYPE, (
        '<!DOCTYPE html><html><head><link rel="alternate" type="application/rss+xml" '
        f'href="{feed}"></head><body></body></html>').encode())

    with pytest.raises(SourceAddError, match="longer than 2,000 characters"):
        source_add(url=http_server.url("/"))
    assert not Source.objects.exists()


def test_a_publishers_lead_image_is_fetched_and_resized_after_its_article_is_stored(
    http_server: LocalHTTPServer, settings: Settings, tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    import io

    from PIL import Image

    from newsdesk.articles.images import lead_image

    settings.MEDIA_ROOT = tmp_path
    picture = io.BytesIO()
    Image.new("RGB", (1400, 800), (200, 120, 40)).save(picture, "JPEG")
    http_server.routes["/harbour.jpg"] = (200, {"Content-Type": "image/jpeg"}, picture.getvalue())
    figure = (f'<figure><img src="{http_server.url("/harbour.jpg")}" alt="The harbour">'
              '<figcaption>The harbour. <span class="credit">Photo: Jo Quay</span></figcaption>'
              "</figure>")
    http_server.routes["/story"] = (200, HTML_TYPE, article_page(
        title="Harbour wall repaired", paragraphs=story(7), body_extra=figure))
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss([Item(
        title="Harbour wall repaired", link=http_server.url("/story"), guid="hw-1")]))
    source = source_create(feed_url=http_server.url("/feed.xml"), content=ContentPolicy.FULL)

    with django_capture_on_commit_callbacks(execute=True):  # the image job runs after commit
        poll(source)

    article = Article.objects.get(source=source)
    assert article.image_credit == "Jo Quay"
    copies = lead_image(article.image_url)
    assert copies is not None and [r.width for r in copies.renditions] == [480, 800, 1200]
    assert http_server.requests_to("/harbour.jpg")


def test_the_lead_images_of_a_poll_are_fetched_by_one_job(
    http_server: LocalHTTPServer, settings: Settings, tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A poll of an excerpt source stores dozens of articles at once: their pictures make one
    job, not one each (a broker hands a worker its tasks one at a time, and not at once)."""
    import io

    from PIL import Image

    from newsdesk.articles.images import lead_image

    settings.MEDIA_ROOT = tmp_path
    for n in range(3):
        picture = io.BytesIO()
        Image.new("RGB", (900, 600), (40 * n, 120, 40)).save(picture, "JPEG")
        http_server.routes[f"/p{n}.jpg"] = (200, {"Content-Type": "image/jpeg"},
                                            picture.getvalue())
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss([Item(
        title=f"Harbour story {n}", link=f"https://a.example/{n}", guid=f"hs-{n}",
        description=f'<img src="{http_server.url(f"/p{n}.jpg")}"> ' + " ".join(story(n)))
        for n in range(3)]))
    source = source_create(feed_url=http_server.url("/feed.xml"), content=ContentPolicy.EXCERPT,
                           image_policy="source")

    with django_capture_on_commit_callbacks(execute=True) as jobs:
        poll(source)

    assert [getattr(job, "func", None) and job.func.__name__ for job in jobs].count(
        "process_lead_images") == 1
    for article in Article.objects.filter(source=source):
        copies = lead_image(article.image_url)
        assert copies is not None and copies.renditions


def test_a_large_run_is_shared_over_processes_by_host_and_stores_every_item_once(
    tmp_path: Path,
) -> None:
    feeds_per_host, items_per_feed = 20, 3
    servers = [LocalHTTPServer().start(), LocalHTTPServer().start()]
    try:
        for host, server in enumerate(servers):
            for n in range(feeds_per_host):
                items = [Item(title=f"Host {host} feed {n} notice {i}", guid=f"h{host}-f{n}-{i}",
                              link=f"https://harbourgazette.example/{host}/{n}/{i}",
                              description=" ".join(story(host * 1000 + n * 10 + i)))
                         for i in range(items_per_feed)]
                server.routes[f"/feed-{n}.xml"] = (200, RSS_TYPE, rss(items))
        home = tmp_path / "home"
        run = NewsdeskCommand(home, NEWSDESK_LOG_LEVEL="INFO", NEWSDESK_HOST_CONCURRENCY="1")
        run("migrate", "-v0")
        urls = [server.url(f"/feed-{n}.xml") for server in servers for n in range(feeds_per_host)]
        run("shell", "-c", "from django.utils import timezone\n"
            "from newsdesk.sources.models import Source\n"
            f"Source.objects.bulk_create(Source(feed_url=url, name=url, content='excerpt', "
            f"publish='auto', next_check_at=timezone.now()) for url in {urls!r})")
        done = run("ingest", "--processes", "2")

        assert "40 sources polled: 120 new, 0 updated, 0 failed." in done.stdout
        assert "over 2 processes" in done.stderr
        db = sqlite3.connect(home / "db.sqlite3")
        guids = [row[0] for row in db.execute("SELECT guid FROM articles_article")]
        still_leased = db.execute(
            "SELECT count(*) FROM sources_source WHERE lease_owner != ''").fetchone()[0]
        db.close()
        assert sorted(guids) == sorted(f"h{h}-f{n}-{i}" for h in range(2)
                                       for n in range(feeds_per_host)
                                       for i in range(items_per_feed))
        assert still_leased == 0  # every lease released
        for server in servers:  # each host polled by one process: its limit of 1 held
            assert max(server.max_concurrency.values()) == 1
    finally:
        for server in servers:
            server.stop()


def test_a_long_run_keeps_its_claims_so_a_second_runner_fetches_nothing_twice(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    def slow(request: RequestHandler) -> None:
        if request.pause(0.5):
            request.send_plain(200, RSS_TYPE, rss([]))

    for n in range(12):
        http_server.routes[f"/feed{n}.xml"] = slow
    feeds = [http_server.url(f"/feed{n}.xml") for n in range(12)]
    # a 2-second lease, one request at a time to the host: the run takes about 6 s
    newsdesk = NewsdeskCommand(tmp_path / "home", NEWSDESK_LEASE_SECONDS="2",
                               NEWSDESK_HOST_CONCURRENCY="1", NEWSDESK_LOG_LEVEL="ERROR")
    newsdesk("migrate", "-v0")
    newsdesk("shell", "-c", "from newsdesk.sources.models import Source; "
             f"Source.objects.bulk_create(Source(feed_url=u, name=u) for u in {feeds!r})")
    first = subprocess.Popen([*newsdesk.command, "ingest"], env=newsdesk.env,  # noqa: S603
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3.5)  # the first run's lease would have run out by now

    second = newsdesk("ingest").stdout
    first.communicate(timeout=60)

    assert second.startswith("0 sources polled"), second
    for n in range(12):  # each feed asked for once
        assert len(http_server.requests_to(f"/feed{n}.xml")) == 1, n


def test_a_source_whose_pages_take_longer_than_the_lease_is_not_claimed_by_a_second_runner(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    def slow_page(request: RequestHandler) -> None:
        if request.pause(0.6):
            request.send_plain(200, HTML_TYPE, article_page(
                title=f"Harbour works, part {request.path[-1]}", paragraphs=story(7)))

    items = []
    for n in range(7):
        http_server.routes[f"/news/{n}"] = slow_page
        items.append(Item(title=f"Harbour works, part {n}", guid=f"hw-{n}",
                          link=http_server.url(f"/news/{n}")))
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss(items))
    # a 2-second lease; seven pages of 0.6 s each, one at a time: the one feed takes over 4 s
    newsdesk = NewsdeskCommand(tmp_path / "home", NEWSDESK_LEASE_SECONDS="2",
                               NEWSDESK_HOST_CONCURRENCY="1", NEWSDESK_LOG_LEVEL="ERROR")
    newsdesk("migrate", "-v0")
    newsdesk("source", "add", http_server.url("/feed.xml"), "--name", "Harbour Gazette")
    asked_when_added = len(http_server.requests_to("/feed.xml"))
    first = subprocess.Popen([*newsdesk.command, "ingest"], env=newsdesk.env,  # noqa: S603
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)  # the first run's lease would have run out by now, mid-way through the pages

    second = newsdesk("ingest").stdout
    first.communicate(timeout=60)

    assert second.startswith("0 sources polled"), second
    assert len(http_server.requests_to("/feed.xml")) == asked_when_added + 1
    for n in range(7):  # each page asked for once
        assert len(http_server.requests_to(f"/news/{n}")) == 1, n


@pytest.mark.parametrize("content", [ContentPolicy.EXCERPT, ContentPolicy.FULL])
def test_a_new_sources_stories_go_on_the_site_newest_first(
    http_server: LocalHTTPServer, content: str
) -> None:
    """All stamped with the time of the one poll, the feed's oldest story was stamped last
    and led the front page."""
    days = {"Quay lights fixed": 20, "Ferry fares frozen": 19, "Harbour wall inspected": 18}
    items = [Item(title=title, guid=title, published=f"{['Fri', 'Thu', 'Wed'][20 - day]}, "
                  f"{day} Nov 2026 09:00:00 GMT", description=f"<p>{story(day)[0]}</p>",
                  link=serve_story(http_server, f"/news/{day}", day, title))
             for title, day in days.items()]
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss([items[1], items[0], items[2]]))
    source = source_create(feed_url=http_server.url("/feed.xml"), content=content)

    poll(source)

    assert [a.title for a in articles_published()] == list(days)
