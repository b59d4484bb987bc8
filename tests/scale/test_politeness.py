"""Per-host politeness: never more than N requests in flight at one host, never two starts
closer than the spacing, within a process and across processes sharing Redis."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
import uuid
from typing import Any

import httpx
import pytest
import redis
from pytest_django.fixtures import Settings
from tests.support.httpserver import LocalHTTPServer, RequestHandler

from newsdesk.sources.politeness import HostLimits, LocalGate, RedisGate, host_key, host_turn

SLOW = 0.08  # seconds each answer takes, so that requests overlap when allowed to


def slow_page(starts: list[float]) -> Any:
    def handler(request: RequestHandler) -> None:
        starts.append(time.monotonic())
        if request.pause(SLOW):
            request.send_plain(200, {"Content-Type": "text/plain"}, b"ok")

    return handler


def fetch_many(url: str, *, threads: int, each: int) -> None:
    def run() -> None:
        with httpx.Client(timeout=10) as client:
            for _ in range(each):
                with host_turn(url):
                    assert client.get(url).status_code == 200

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)


def test_host_key_is_the_host_as_the_host_header_names_it() -> None:
    assert host_key("https://News.Example.org/feed") == "news.example.org"
    assert host_key("http://127.0.0.1:8081/a") == "127.0.0.1:8081"


def test_within_a_process_a_host_never_has_more_requests_in_flight_than_the_limit(
        http_server: LocalHTTPServer, settings: Settings) -> None:
    settings.NEWSDESK_REDIS_URL = ""
    settings.NEWSDESK_HOST_CONCURRENCY = 2
    settings.NEWSDESK_HOST_SPACING = 0
    http_server.routes["/slow"] = slow_page([])

    fetch_many(http_server.url("/slow"), threads=8, each=3)

    assert len(http_server.requests) == 24
    assert max(http_server.max_concurrency.values()) == 2  # reached, never passed


def test_within_a_process_turns_at_one_host_start_the_spacing_apart(settings: Settings) -> None:
    settings.NEWSDESK_REDIS_URL = ""
    settings.NEWSDESK_HOST_CONCURRENCY = 4
    settings.NEWSDESK_HOST_SPACING = 0.05
    starts: list[float] = []
    lock = threading.Lock()

    def run() -> None:
        for _ in range(2):
            with host_turn("https://spaced.example/feed"):
                with lock:
                    starts.append(time.monotonic())

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    ordered = sorted(starts)
    assert len(ordered) == 8
    assert min(b - a for a, b in zip(ordered, ordered[1:], strict=False)) >= 0.045


def test_local_gate_lets_another_host_through_while_one_is_full() -> None:
    gate = LocalGate(HostLimits(concurrency=1, spacing=0, hold=5))
    gate.acquire("busy.example")
    started = time.monotonic()
    gate.acquire("other.example")
    assert time.monotonic() - started < 0.05


CHILD = textwrap.dedent("""
    import sys, threading, httpx
    from newsdesk.sources.politeness import HostLimits, RedisGate, host_key
    redis_url, prefix, url = sys.argv[1:4]
    import redis
    gate = RedisGate(redis.Redis.from_url(redis_url), HostLimits(2, 0.0, 10), prefix=prefix)
    def run():
        with httpx.Client(timeout=10) as client:
            for _ in range(3):
                token = gate.acquire(host_key(url))
                try:
                    assert client.get(url).status_code == 200
                finally:
                    gate.release(host_key(url), token)
    threads = [threading.Thread(target=run) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
""")


@pytest.mark.redis
def test_across_processes_sharing_redis_a_host_never_has_more_than_the_limit_in_flight(
        http_server: LocalHTTPServer, redis_url: str) -> None:
    http_server.routes["/slow"] = slow_page([])
    prefix = f"newsdesk-test:{uuid.uuid4().hex}"
    children = [subprocess.Popen([sys.executable, "-c", CHILD, redis_url, prefix,  # noqa: S603
                                  http_server.url("/slow")]) for _ in range(3)]
    assert [child.wait(60) for child in children] == [0, 0, 0]

    assert len(http_server.requests) == 36  # 3 processes x 4 threads x 3 requests
    assert max(http_server.max_concurrency.values()) == 2


@pytest.mark.redis
def test_across_processes_request_starts_are_spaced_by_redis_clock(
        redis_client: redis.Redis) -> None:
    limits = HostLimits(concurrency=5, spacing=0.1, hold=5)
    prefix = f"newsdesk-test:{uuid.uuid4().hex}"
    gates = [RedisGate(redis_client, limits, prefix=prefix) for _ in range(3)]
    starts: list[float] = []
    lock = threading.Lock()

    def run(gate: RedisGate) -> None:
        for _ in range(3):
            token = gate.acquire("spaced.example")
            with lock:
                starts.append(time.monotonic())
            gate.release("spaced.example", token)

    threads = [threading.Thread(target=run, args=(gate,)) for gate in gates]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    ordered = sorted(starts)
    assert len(ordered) == 9
    # Redis's clock spaces the turns; this thread sees each a scheduling delay later, which on
    # a busy machine reached 10 ms: the margin allows for that, and unspaced starts come < 5 ms
    # apart
    assert min(b - a for a, b in zip(ordered, ordered[1:], strict=False)) >= 0.06


@pytest.mark.redis
def test_a_turn_never_given_back_is_taken_back_after_the_hold(redis_client: redis.Redis) -> None:
    """A worker killed mid-fetch never releases its turns; the hold frees them."""
    gate = RedisGate(redis_client, HostLimits(concurrency=2, spacing=0, hold=0.4),
                     prefix=f"newsdesk-test:{uuid.uuid4().hex}")
    gate.acquire("crashed.example")
    gate.acquire("crashed.example")  # both turns held by a "killed" worker
    started = time.monotonic()

    token = gate.acquire("crashed.example")

    waited = time.monotonic() - started
    assert 0.3 <= waited < 2
    gate.release("crashed.example", token)
