"""/healthz answers while the process lives; /readyz only when its database, broker and Redis do."""

from __future__ import annotations

import socket

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_healthz_answers_without_touching_anything(client: Client,
                                                    django_assert_num_queries: object) -> None:
    with django_assert_num_queries(0):  # type: ignore[operator]
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_on_the_embedded_default_checks_the_database(client: Client,
                                                             settings: Settings) -> None:
    settings.NEWSDESK_BROKER_URL = ""
    settings.NEWSDESK_REDIS_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_readyz_is_unavailable_while_the_broker_is_down(client: Client,
                                                        settings: Settings) -> None:
    settings.NEWSDESK_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    settings.NEWSDESK_REDIS_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["broker"].startswith("failed")
    assert "127.0.0.1" not in response.content.decode()  # details go to the log, not the world


@pytest.mark.redis
def test_readyz_with_a_live_broker_and_redis_is_ready(client: Client, settings: Settings,
                                                      redis_url: str) -> None:
    settings.NEWSDESK_BROKER_URL = redis_url
    settings.NEWSDESK_REDIS_URL = redis_url
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "redis": "ok"}
