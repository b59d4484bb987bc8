"""Write turns: forked ingest workers on SQLite write one at a time, and a dead holder frees
its turn."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsdesk.sources.writeturn import write_turn, write_turns_join, write_turns_leave

FORK = multiprocessing.get_context("fork")


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    yield str(tmp_path / "db.sqlite3")
    write_turns_leave()


def _take_turn(database: str, hold: float, took: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    write_turns_join(database)
    with write_turn():
        took.put(time.monotonic())
        time.sleep(hold)


def test_a_worker_waits_for_the_turn_and_gets_it_as_soon_as_it_is_free(database: str) -> None:
    took: multiprocessing.Queue[float] = FORK.Queue()
    write_turns_join(database)
    with write_turn():
        other = FORK.Process(target=_take_turn, args=(database, 0, took))
        other.start()
        time.sleep(0.5)
        assert took.empty()  # it waits while this process writes
        released = time.monotonic()
    got = took.get(timeout=5)
    other.join(5)
    assert got >= released
    assert got - released < 0.2  # handed on at once, not after a sleep


def test_nested_turns_hold_the_lock_until_the_outermost_ends(database: str) -> None:
    took: multiprocessing.Queue[float] = FORK.Queue()
    write_turns_join(database)
    with write_turn():
        with write_turn():
            pass
        other = FORK.Process(target=_take_turn, args=(database, 0, took))
        other.start()
        time.sleep(0.3)
        assert took.empty()  # the inner turn's end did not let it go
    took.get(timeout=5)
    other.join(5)


def test_a_killed_holder_frees_the_turn(database: str) -> None:
    took: multiprocessing.Queue[float] = FORK.Queue()
    holder = FORK.Process(target=_take_turn, args=(database, 60, took))
    holder.start()
    took.get(timeout=5)  # it holds the turn, for a minute
    os.kill(holder.pid, signal.SIGKILL)  # type: ignore[arg-type]
    holder.join(5)
    write_turns_join(database)
    started = time.monotonic()
    with write_turn():
        assert time.monotonic() - started < 1


def test_outside_the_workers_a_turn_waits_for_nothing(database: str) -> None:
    took: multiprocessing.Queue[float] = FORK.Queue()
    holder = FORK.Process(target=_take_turn, args=(database, 2, took))
    holder.start()
    took.get(timeout=5)
    started = time.monotonic()
    with write_turn():  # this process never joined: SQLite's own lock is all there is
        assert time.monotonic() - started < 0.5
    holder.join(5)
