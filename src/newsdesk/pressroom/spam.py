"""What keeps /pr from being a spam gateway, with no outside service: a signed arithmetic
challenge used once, and daily quotas per sender address and per client IP in the cache.

The honeypot is in the view: a filled-in "website" field gets the ordinary "received" page.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils import timezone

CHALLENGE_SALT = "newsdesk.pressroom.challenge"
CHALLENGE_MAX_AGE = 2 * 60 * 60  # seconds a form may stay open
DAY = 24 * 60 * 60
_NUMBERS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen twenty").split()


@dataclass(frozen=True)
class Challenge:
    token: str
    question: str


def challenge_new() -> Challenge:
    """A sum in words ("What is seven plus four?"), its answer signed into the token."""
    a, b = secrets.randbelow(10) + 1, secrets.randbelow(10) + 1
    token = signing.dumps({"a": a + b, "n": secrets.token_hex(8)}, salt=CHALLENGE_SALT)
    return Challenge(token=token, question=f"What is {_NUMBERS[a]} plus {_NUMBERS[b]}?")


def challenge_answer_ok(token: str, answer: int | None) -> bool:
    """True when the token is ours, fresh, unused and the answer is right; does not use it up."""
    try:
        value = signing.loads(token, salt=CHALLENGE_SALT, max_age=CHALLENGE_MAX_AGE)
    except signing.BadSignature:
        return False
    return (isinstance(value, dict) and value.get("a") == answer
            and cache.get(_used_key(value)) is None)


def challenge_use(token: str) -> bool:
    """Mark the challenge used; False when it already was (a replayed form)."""
    value = signing.loads(token, salt=CHALLENGE_SALT, max_age=CHALLENGE_MAX_AGE)
    return bool(cache.add(_used_key(value), 1, CHALLENGE_MAX_AGE))


def _used_key(value: dict[str, object]) -> str:
    return f"pressroom:challenge:{value.get('n')}"


def daily_limit() -> int:
    return int(getattr(settings, "NEWSDESK_PR_DAILY_LIMIT", 3))


def quota_left(*, kind: str, key: str) -> bool:
    """Whether this address or IP ("address" / "ip") may send another release today."""
    return int(cache.get(_quota_key(kind, key), 0)) < daily_limit()


def quota_count(*, kind: str, key: str) -> None:
    cache_key = _quota_key(kind, key)
    if not cache.add(cache_key, 1, DAY):
        try:
            cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, DAY)


def _quota_key(kind: str, key: str) -> str:
    day = timezone.now().date().isoformat()
    return f"pressroom:quota:{kind}:{day}:{signing.salted_hmac(kind, key.lower()).hexdigest()}"
