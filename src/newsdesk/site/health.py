"""Health endpoints for a proxy, a load balancer or systemd: /healthz says the process answers
(liveness: it touches nothing else), /readyz says it can do its work (the database, and the
broker and Redis when they are configured, answer). Neither is cached."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from kombu import Connection

log = logging.getLogger("newsdesk.health")

TIMEOUT = 2.0  # seconds each check may take


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker() -> None:
    with Connection(settings.NEWSDESK_BROKER_URL, connect_timeout=TIMEOUT,
                    transport_options={"socket_connect_timeout": TIMEOUT}) as broker:
        broker.ensure_connection(max_retries=1, timeout=TIMEOUT)
        broker.default_channel  # noqa: B018 - opening the channel is the check


def _redis() -> None:
    redis.Redis.from_url(settings.NEWSDESK_REDIS_URL, socket_timeout=TIMEOUT,
                         socket_connect_timeout=TIMEOUT).ping()


def checks() -> dict[str, Callable[[], None]]:
    found: dict[str, Callable[[], None]] = {"database": _database}
    if settings.NEWSDESK_BROKER_URL:
        found["broker"] = _broker
    if settings.NEWSDESK_REDIS_URL:
        found["redis"] = _redis
    return found


def _json(status: int, body: dict[str, str]) -> HttpResponse:
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    return _json(200, {"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    results: dict[str, str] = {}
    for name, check in checks().items():
        try:
            check()
        except Exception as exc:  # any failure means not ready; the details go to the log only
            log.warning("readyz: %s check failed: %s", name, exc)
            results[name] = f"failed ({type(exc).__name__})"
        else:
            results[name] = "ok"
    ready = all(result == "ok" for result in results.values())
    return _json(200 if ready else 503, {"status": "ok" if ready else "unavailable", **results})


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]
