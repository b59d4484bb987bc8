"""What the scale tests need: real Redis (NEWSDESK_TEST_REDIS, by default database 15 on
127.0.0.1), and for some a PostgreSQL test database (the PostgreSQL suite of `make test`).

Without them a test is skipped with the reason; in CI (CI=true) a missing Redis fails it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import redis
from django.db import connection

REDIS_URL = os.environ.get("NEWSDESK_TEST_REDIS", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "redis: needs a Redis server (NEWSDESK_TEST_REDIS)")


def missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason}; CI must provide it")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        missing(f"Redis at {REDIS_URL} did not answer ({exc})")
    return REDIS_URL


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def postgres() -> None:
    """Skip unless this suite runs on PostgreSQL (the PostgreSQL suite of `make test` does)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: runs in the PostgreSQL suite (DATABASE_URL=postgres://…)")
