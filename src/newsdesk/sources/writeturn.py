"""One SQLite writer at a time among the ingest's worker processes, woken the moment it is free.

SQLite lets one connection write at a time. A connection that finds the database locked sleeps
and asks again (SQLite's busy handler sleeps 1, 2, 5, 10, 15, 20, 25 ... ms), so a waiting
worker often sleeps well past the end of the transaction it waited for. The forked workers of
`newsdesk ingest` therefore take an exclusive flock on a file beside the database around each
write transaction: the kernel hands the turn on at once, and frees it if its holder dies.
Other writers (the site, another runner) are not in it and meet SQLite's own lock, as before.
Outside those workers, and on PostgreSQL, write_turn() does nothing.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager


class _Turns:
    """The lock file of this process, when it takes part; writes happen on one thread."""

    def __init__(self) -> None:
        self.fd: int | None = None
        self.depth = 0  # nested turns hold the one lock; the outermost lets it go


_turns = _Turns()


def write_turns_join(database: str) -> None:
    """In a forked worker: take turns with the other workers writing to `database`."""
    write_turns_leave()
    _turns.fd = os.open(f"{database}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)


def write_turns_leave() -> None:
    if _turns.fd is not None:
        os.close(_turns.fd)
    _turns.fd, _turns.depth = None, 0


@contextmanager
def write_turn() -> Iterator[None]:
    """Hold the write turn (when this process takes part) for the block: one transaction."""
    fd = _turns.fd
    if fd is None:
        yield
        return
    if _turns.depth == 0:
        fcntl.flock(fd, fcntl.LOCK_EX)
    _turns.depth += 1
    try:
        yield
    finally:
        _turns.depth -= 1
        if _turns.depth == 0:
            fcntl.flock(fd, fcntl.LOCK_UN)
