"""The scale path end to end: real PostgreSQL, real Redis, two `newsdesk worker` processes and
one `newsdesk beat` ingest 200 local feeds (two articles each, full text) from four hosts.

Period 1: every feed is asked for exactly once, every article page once, every item stored
once, and no host ever has more than 2 requests in flight. Period 2 (two new items a feed):
one worker is SIGKILLed mid-run; the sources it held are taken over only after their lease,
and still every item is stored exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from tests.factories import HTML_TYPE, RSS_TYPE, Item, article_page, rss, story
from tests.support.httpserver import LocalHTTPServer, RequestHandler

from newsdesk.articles.models import Article
from newsdesk.sources.models import ContentPolicy, PublishPolicy, Source

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

FEEDS = 200
HOSTS = 4
ITEMS_PER_PERIOD = 2
LIMIT = 2  # requests in flight per host
LEASE = 6  # seconds
FEED_DELAY = 0.03  # seconds each answer takes, so that requests to a host pile up
PAGE_DELAY = 0.01
NEWSDESK = str(Path(sys.executable).parent / "newsdesk")


@dataclass
class Publishers:
    """Four local servers (four Hosts) serving 200 feeds and their article pages; it records
    when each path was asked for."""

    servers: list[LocalHTTPServer]
    period: int = 1
    asked: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def feed_url(self, n: int) -> str:
        return self.servers[n % HOSTS].url(f"/feeds/{n}.xml")

    def items(self, n: int) -> list[Item]:
        server = self.servers[n % HOSTS]
        return [Item(title=f"Harbour report {n}-{k}", guid=f"feed{n}-item{k}",
                     link=server.url(f"/news/{n}-{k}"))
                for k in range(ITEMS_PER_PERIOD * self.period)]

    def record(self, path: str) -> None:
        with self.lock:
            self.asked[path].append(time.time())

    def feed_route(self, n: int) -> Callable[[RequestHandler], None]:
        def answer(request: RequestHandler) -> None:
            self.record(f"/feeds/{n}.xml#{self.period}")
            if request.pause(FEED_DELAY):
                request.send_plain(200, RSS_TYPE, rss(self.items(n)))
        return answer

    def page_route(self, n: int, k: int) -> Callable[[RequestHandler], None]:
        body = article_page(title=f"Harbour report {n}-{k}", paragraphs=story(n * 10 + k))

        def answer(request: RequestHandler) -> None:
            self.record(f"/news/{n}-{k}")
            if request.pause(PAGE_DELAY):
                request.send_plain(200, HTML_TYPE, body)
        return answer

    def feed_requests(self, period: int) -> Counter[int]:
        with self.lock:
            return Counter({n: len(self.asked.get(f"/feeds/{n}.xml#{period}", []))
                            for n in range(FEEDS)})

    def feed_times(self, n: int, period: int) -> list[float]:
        with self.lock:
            return list(self.asked.get(f"/feeds/{n}.xml#{period}", []))


@pytest.fixture
def publishers() -> Iterator[Publishers]:
    servers = [LocalHTTPServer().start() for _ in range(HOSTS)]
    found = Publishers(servers)
    for n in range(FEEDS):
        servers[n % HOSTS].routes[f"/feeds/{n}.xml"] = found.feed_route(n)
        for k in range(2 * ITEMS_PER_PERIOD):
            servers[n % HOSTS].routes[f"/news/{n}-{k}"] = found.page_route(n, k)
    yield found
    for server in servers:
        server.stop()


def database_url() -> str:
    """The test database pytest-django made, as the workers will reach it."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Processes:
    """`newsdesk worker` and `newsdesk beat` processes, each in its own process group."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *args: str) -> None:
        with open(self.logs / f"{name}.log", "wb") as log:
            self.running[name] = subprocess.Popen(  # noqa: S603
                [NEWSDESK, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)

    def kill(self, name: str) -> None:
        os.killpg(self.running[name].pid, signal.SIGKILL)
        self.running[name].wait(10)

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.running.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


@pytest.fixture
def processes(postgres: None, redis_url: str, tmp_path: Path) -> Iterator[Processes]:
    queue = f"newsdesk-test-{uuid.uuid4().hex[:12]}"
    env = {**os.environ,
           "DATABASE_URL": database_url(), "NEWSDESK_HOME": str(tmp_path),
           "NEWSDESK_BROKER_URL": redis_url, "NEWSDESK_REDIS_URL": redis_url,
           "NEWSDESK_QUEUE": queue, "NEWSDESK_FETCH_ALLOW_PRIVATE": "127.0.0.1",
           "NEWSDESK_FETCH_TIMEOUT": "5", "NEWSDESK_LEASE_SECONDS": str(LEASE),
           "NEWSDESK_INGEST_EVERY": "1", "NEWSDESK_INGEST_BATCH": "10",
           "NEWSDESK_HOST_CONCURRENCY": str(LIMIT), "NEWSDESK_HOST_SPACING": "0",
           "NEWSDESK_LOG_LEVEL": "INFO"}
    found = Processes(env, tmp_path)
    yield found
    found.stop_all()
    client = redis.Redis.from_url(redis_url)
    client.delete(queue)
    client.close()


def follow(publishers: Publishers) -> None:
    now = timezone.now()
    Source.objects.bulk_create(
        Source(feed_url=publishers.feed_url(n), name=f"Harbour desk {n}", home_url="",
               domain="127.0.0.1", content=ContentPolicy.FULL, publish=PublishPolicy.AUTO,
               poll_minutes=60, next_check_at=now)
        for n in range(FEEDS))


def wait_until(done: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def polled_since(moment: datetime) -> int:
    return Source.objects.filter(last_success_at__gte=moment).count()


def assert_each_item_stored_once(expected_per_feed: int) -> None:
    per_source = Counter(dict(Article.objects.values_list("source_id")
                              .annotate(n=Count("id")).values_list("source_id", "n")))
    assert len(per_source) == FEEDS
    assert set(per_source.values()) == {expected_per_feed}
    guids = Article.objects.values_list("source_id", "guid")
    assert len(set(guids)) == len(guids) == FEEDS * expected_per_feed


def test_two_workers_share_200_feeds_politely_and_survive_one_being_killed(
        publishers: Publishers, processes: Processes) -> None:
    follow(publishers)
    first_period = timezone.now()
    processes.start("worker-a", "worker", "--concurrency", "2", "--name", "a@%h")
    processes.start("worker-b", "worker", "--concurrency", "2", "--name", "b@%h")
    processes.start("beat", "beat")

    wait_until(lambda: polled_since(first_period) == FEEDS, seconds=40, what="period 1")

    asked = publishers.feed_requests(1)
    assert set(asked.values()) == {1}, "a feed was asked for twice, or never, in one period"
    pages = [times for path, times in publishers.asked.items() if path.startswith("/news/")]
    assert len(pages) == FEEDS * ITEMS_PER_PERIOD and all(len(t) == 1 for t in pages)
    assert_each_item_stored_once(ITEMS_PER_PERIOD)
    for name in ("worker-a", "worker-b"):  # both took part
        assert "newsdesk.sources.ingest_due_batch" in processes.log(name), processes.log(name)

    # Period 2: two new items a feed; worker A dies mid-run.
    publishers.period = 2
    second_period = timezone.now()
    Source.objects.update(next_check_at=second_period)
    wait_until(lambda: sum(1 for c in publishers.feed_requests(2).values() if c) >= FEEDS // 4,
               seconds=30, what="period 2 to get going")
    killed_at = time.time()
    processes.kill("worker-a")
    leases = {source_id: until.timestamp() for source_id, until in Source.objects.filter(
        lease_until__gt=timezone.now()).values_list("id", "lease_until")}
    feed_of = {source.id: int(source.feed_url.rsplit("/", 1)[1].split(".")[0])
               for source in Source.objects.all()}

    wait_until(lambda: polled_since(second_period) == FEEDS, seconds=LEASE + 30,
               what="the killed worker's sources to be taken over")

    assert_each_item_stored_once(2 * ITEMS_PER_PERIOD)
    taken_over = 0
    for source_id, n in feed_of.items():
        times = publishers.feed_times(n, 2)
        assert 1 <= len(times) <= 2, f"feed {n} asked for {len(times)} times in period 2"
        if len(times) == 2:  # the killed worker had asked, and never stored: asked again...
            assert source_id in leases, f"feed {n} asked twice but was not leased at the kill"
        late = [t for t in times if t > killed_at]
        if source_id in leases and late and min(late) >= leases[source_id] - 0.05:
            taken_over += 1
        if source_id in leases and len(times) == 2:  # ...and only once its lease had run out
            assert times[1] >= leases[source_id] - 0.05
    assert taken_over >= 1, "no source of the killed worker was taken over"
    for server in publishers.servers:
        host = f"127.0.0.1:{server.port}"
        assert server.max_concurrency[host] <= LIMIT, server.max_concurrency
    assert max(server.max_concurrency[f"127.0.0.1:{server.port}"]
               for server in publishers.servers) == LIMIT  # the limit was reached: it held
