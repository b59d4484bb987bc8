"""Leasing due sources: runners never poll the same feed at once; a dead runner's feeds recover."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.utils import timezone
from tests.factories import source_create

from newsdesk.sources.models import Source
from newsdesk.sources.services import source_claim_due, source_release

RUNNERS = 4
ROUNDS = 20


def due_sources(count: int) -> list[Source]:
    return [source_create(feed_url=f"https://feeds{n}.harbourgazette.example/rss.xml",
                          name=f"Desk {n}") for n in range(count)]


@pytest.mark.django_db
def test_two_claims_in_a_row_never_share_a_source() -> None:
    sources = due_sources(5)

    first_owner, first = source_claim_due()
    second_owner, second = source_claim_due()

    assert {s.id for s in first} == {s.id for s in sources}
    assert second == []
    assert first_owner != second_owner
    assert all(s.lease_owner == first_owner for s in first)


@pytest.mark.django_db
def test_a_released_source_is_claimed_by_the_next_runner_only_when_due() -> None:
    [due, later] = due_sources(2)
    Source.objects.filter(id=later.id).update(next_check_at=timezone.now() + timedelta(hours=1))

    owner, [claimed] = source_claim_due()
    source_release(source=claimed, owner=owner)
    _, again = source_claim_due()

    assert claimed.id == due.id
    assert [s.id for s in again] == [due.id]


@pytest.mark.django_db
def test_an_expired_lease_is_taken_over_and_a_live_one_is_not() -> None:
    abandoned, busy = due_sources(2)
    now = timezone.now()
    Source.objects.filter(id=abandoned.id).update(lease_owner="crashed-runner",
                                                  lease_until=now - timedelta(seconds=1))
    Source.objects.filter(id=busy.id).update(lease_owner="live-runner",
                                             lease_until=now + timedelta(minutes=4))

    owner, claimed = source_claim_due()

    assert [s.id for s in claimed] == [abandoned.id]
    assert claimed[0].lease_owner == owner != "crashed-runner"
    assert claimed[0].lease_until > now
    assert Source.objects.get(id=busy.id).lease_owner == "live-runner"


@pytest.mark.django_db
def test_sources_another_runner_leased_after_our_look_stay_with_that_runner() -> None:
    sources = due_sources(3)
    taken_meanwhile = sources[0].id
    rival_until = timezone.now() + timedelta(minutes=5)
    rival_done = False

    def rival_leases_first(execute: Callable[..., Any], sql: str, params: Any, many: bool,
                           context: dict[str, Any]) -> Any:
        """Just before our runner's lease UPDATE, a rival runner leases one of its candidates."""
        nonlocal rival_done
        if not rival_done and sql.lstrip().upper().startswith("UPDATE") and "lease_owner" in sql:
            rival_done = True
            Source.objects.filter(id=taken_meanwhile).update(lease_owner="rival",
                                                             lease_until=rival_until)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(rival_leases_first):
        _, claimed = source_claim_due()

    assert rival_done
    assert sorted(s.id for s in claimed) == sorted(s.id for s in sources[1:])
    assert Source.objects.get(id=taken_meanwhile).lease_owner == "rival"


def claim_retrying_locks() -> tuple[str, list[int]]:
    """Claim as a runner does; the test database's shared-cache SQLite refuses a statement
    while another connection writes ("table is locked") instead of waiting, so try again."""
    for _ in range(200):
        try:
            owner, claimed = source_claim_due()
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.005)
        else:
            return owner, [s.id for s in claimed]
    raise AssertionError("the test database stayed locked")


def claim_at_once(runners: int) -> dict[str, list[int]]:
    """Each runner's claim (owner -> source ids), all started at the same moment in threads."""
    start = threading.Barrier(runners)
    claims: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def runner() -> None:
        try:
            start.wait(5)
            owner, ids = claim_retrying_locks()
            claims[owner] = ids
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner) for _ in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    return claims


@pytest.mark.django_db(transaction=True)
def test_runners_claiming_at_the_same_moment_never_share_a_source() -> None:
    for round_ in range(ROUNDS):
        Source.objects.all().delete()
        due_sources(12)

        claims = claim_at_once(RUNNERS)

        taken = [source_id for ids in claims.values() for source_id in ids]
        assert len(taken) == len(set(taken)), f"round {round_}: a source was claimed twice"
        for owner, ids in claims.items():
            leased = Source.objects.filter(lease_owner=owner).values_list("id", flat=True)
            assert sorted(leased) == sorted(ids), round_
        assert not Source.objects.filter(lease_owner="").exists(), round_
