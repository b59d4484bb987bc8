"""Seeded damage to a document, for tests that what ingest reads never crashes it."""

from __future__ import annotations

import random
from collections.abc import Sequence


def damaged(rng: random.Random, document: bytes, pieces: Sequence[bytes]) -> bytes:
    """The document with one to four of: a piece inserted, a run of bytes deleted, the rest cut
    off, a byte replaced."""
    data = bytearray(document)
    for _ in range(rng.randint(1, 4)):
        if not data:
            break
        at = rng.randrange(len(data))
        roll = rng.random()
        if roll < 0.5:
            data[at:at] = rng.choice(pieces)
        elif roll < 0.7:
            del data[at:at + rng.randint(1, 50)]
        elif roll < 0.8:
            del data[at:]
        else:
            data[at] = rng.randrange(256)
    return bytes(data)
