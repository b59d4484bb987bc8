"""On PostgreSQL a claim skips rows another runner has locked (SELECT ... FOR UPDATE SKIP
LOCKED) instead of waiting for them."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from tests.factories import source_create

from newsdesk.sources.models import Source
from newsdesk.sources.services import source_claim_due

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_claim_skips_sources_a_rival_has_locked_and_does_not_wait_for_them(
        postgres: None) -> None:
    locked, free = (source_create(feed_url=f"https://feeds{n}.harbourgazette.example/rss.xml",
                                  name=f"Desk {n}") for n in range(2))
    rival_has_lock, claim_done = threading.Event(), threading.Event()

    def rival() -> None:
        try:
            with transaction.atomic():
                list(Source.objects.select_for_update().filter(id=locked.id))
                rival_has_lock.set()
                claim_done.wait(10)  # holds the row lock while we claim
        finally:
            connection.close()

    holder = threading.Thread(target=rival)
    holder.start()
    assert rival_has_lock.wait(10)
    started = time.monotonic()
    _, claimed = source_claim_due()
    took = time.monotonic() - started
    claim_done.set()
    holder.join(10)

    assert [s.id for s in claimed] == [free.id]
    assert took < 2  # skipped the locked row rather than queueing behind the rival
    assert Source.objects.get(id=locked.id).lease_owner == ""
