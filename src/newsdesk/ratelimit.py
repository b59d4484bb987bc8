"""Counting a visitor's attempts in the shared cache: one function for every public form that
sends mail, stores what a stranger wrote or decodes what was uploaded (newsletter sign-ups, ad
booking requests, press-release submissions)."""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def over_limit(*, scope: str, key: str, limit: tuple[int, int]) -> bool:
    """Count one attempt for key within scope; True once the count passes limit[0] within
    limit[1] seconds. The key (an address, a mailbox) is kept only as a hash."""
    name = f"rate:{scope}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"
    count, window = limit
    cache.add(name, 0, window)
    try:
        return cache.incr(name) > count
    except ValueError:  # expired between add and incr
        cache.set(name, 1, window)
        return False
