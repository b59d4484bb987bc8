"""Per-host politeness: at most N requests in flight and a minimum spacing between two request
starts, per publisher host, for every fetch ingest makes.

With NEWSDESK_REDIS_URL set the limits hold across every worker on every machine (one sorted
set of held turns and one "next start" key per host, changed by one Lua script, so that two
workers never both see a free turn); otherwise they hold within this process. A turn is held
at most `hold` seconds, so the turns of a worker that was killed free themselves.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol
from urllib.parse import urlsplit

import redis
from django.conf import settings

KEY_PREFIX = "newsdesk:host"
BUSY_POLL = (0.005, 0.02)  # seconds between two asks while a host has no free turn (jittered)

log = logging.getLogger("newsdesk.ingest")


@dataclass(frozen=True)
class HostLimits:
    concurrency: int  # requests in flight to one host, at most
    spacing: float  # seconds between two request starts to one host, at least
    hold: float  # seconds a turn may be held before it is taken back


class Gate(Protocol):
    def acquire(self, host: str) -> str: ...

    def release(self, host: str, token: str) -> None: ...


def host_key(url: str) -> str:
    """The host as the Host header names it: name and, when not the default, port."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port else host


def current_limits() -> HostLimits:
    return HostLimits(
        concurrency=max(1, settings.NEWSDESK_HOST_CONCURRENCY),
        spacing=max(0.0, settings.NEWSDESK_HOST_SPACING),
        hold=settings.NEWSDESK_FETCH_TIMEOUT + 5,  # a fetch's deadline is total, so it ends sooner
    )


@contextmanager
def host_turn(url: str) -> Iterator[None]:
    """Wait for a turn at url's host, hold it for the body of the with-block."""
    gate = current_gate()
    host = host_key(url)
    try:
        token = gate.acquire(host)
    except redis.RedisError as exc:
        # Redis away is no publisher's fault: the fetch goes on under this process's own limits
        # (the others fall back alike), and no source is marked failing for it.
        log.warning("per-host limits: Redis does not answer (%s); this process keeps its own", exc)
        gate = local_gate(current_limits())
        token = gate.acquire(host)
    try:
        yield
    finally:
        try:
            gate.release(host, token)
        except redis.RedisError:
            pass  # the turn runs out on its own, after its hold


def current_gate() -> Gate:
    redis_url = settings.NEWSDESK_REDIS_URL
    limits = current_limits()
    return redis_gate(redis_url, limits) if redis_url else local_gate(limits)


def politeness_reset() -> None:
    """Forget this process's gates (a forked child must not share its parent's Redis sockets
    or wait on turns its parent held)."""
    local_gate.cache_clear()
    redis_gate.cache_clear()


@lru_cache(maxsize=8)
def local_gate(limits: HostLimits) -> LocalGate:
    return LocalGate(limits)


@lru_cache(maxsize=8)
def redis_gate(redis_url: str, limits: HostLimits) -> RedisGate:
    return RedisGate(redis.Redis.from_url(redis_url), limits)


class LocalGate:
    """The limits within one process (the embedded default: one runner)."""

    def __init__(self, limits: HostLimits) -> None:
        self.limits = limits
        self._changed = threading.Condition()
        self._in_flight: Counter[str] = Counter()
        self._next_start: dict[str, float] = {}

    def acquire(self, host: str) -> str:
        with self._changed:
            while True:
                now = time.monotonic()
                wait = self._next_start.get(host, 0.0) - now
                if self._in_flight[host] < self.limits.concurrency and wait <= 0:
                    self._in_flight[host] += 1
                    self._next_start[host] = now + self.limits.spacing
                    return ""
                full = self._in_flight[host] >= self.limits.concurrency
                self._changed.wait(None if full else wait)

    def release(self, host: str, token: str) -> None:
        with self._changed:
            self._in_flight[host] -= 1
            if not self._in_flight[host]:
                del self._in_flight[host]
            self._changed.notify_all()


# KEYS: the host's held turns (token -> expiry, ms) and its next allowed start (ms).
# ARGV: token, concurrency, spacing ms, hold ms. Returns 0 (turn taken), -1 (no free turn) or
# the milliseconds until the next start is allowed. Redis's own clock, so machines agree.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local next_start = tonumber(redis.call('GET', KEYS[2]) or '0')
if next_start > now then return next_start - now end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
local hold = tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], now + hold, ARGV[1])
redis.call('PEXPIRE', KEYS[1], hold)
local spacing = tonumber(ARGV[3])
if spacing > 0 then redis.call('SET', KEYS[2], now + spacing, 'PX', spacing) end
return 0
"""


class RedisGate:
    """The limits across every process that shares the Redis server."""

    def __init__(self, client: redis.Redis, limits: HostLimits, prefix: str = KEY_PREFIX) -> None:
        self.limits = limits
        self._client = client
        self._prefix = prefix
        self._acquire = client.register_script(_ACQUIRE)

    def _keys(self, host: str) -> list[str]:
        return [f"{self._prefix}:{host}:turns", f"{self._prefix}:{host}:next"]

    def acquire(self, host: str) -> str:
        token = uuid.uuid4().hex
        args = [token, self.limits.concurrency, int(self.limits.spacing * 1000),
                int(self.limits.hold * 1000)]
        while True:
            answer = int(self._acquire(keys=self._keys(host), args=args))
            if answer == 0:
                return token
            time.sleep(answer / 1000 if answer > 0 else random.uniform(*BUSY_POLL))  # noqa: S311

    def release(self, host: str, token: str) -> None:
        self._client.zrem(self._keys(host)[0], token)
