"""100 readers at once: every impression is counted, none twice (needs PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from tests.ads.conftest import BROWSER_UA, campaign_create

from newsdesk.ads.models import Campaign, DailyStat

READERS = 100


ON_POSTGRES = "postgresql" in settings.DATABASES["default"]["ENGINE"]


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (set DATABASE_URL): SQLite "
                    "serialises every writer, so it cannot show a lost update")
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("default_slots")
def test_100_concurrent_impressions_raise_the_count_by_exactly_100() -> None:
    campaign = campaign_create()
    start = threading.Barrier(READERS)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def read(n: int) -> None:
        try:
            client = Client(REMOTE_ADDR=f"10.0.{n // 250}.{n % 250 + 1}",
                            HTTP_USER_AGENT=BROWSER_UA)
            start.wait(timeout=30)
            statuses.append(client.get("/ads/slot/leaderboard").status_code)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=read, args=(n,)) for n in range(READERS)]
    # Each reader holds a connection of its own: with this thread's too, 100 readers would ask
    # a default server (max_connections = 100) for 101 at once.
    connections.close_all()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    assert statuses == [200] * READERS
    assert DailyStat.objects.get().impressions == READERS
    assert Campaign.objects.get(pk=campaign.pk).impressions == READERS
