"""What stands between a bot and the sign-up form, none of it needing an outside service.

- A signed, time-stamped challenge in the form: refused when forged, older than two hours,
  returned in under MIN_FILL_SECONDS (a person takes longer) or used twice.
- The challenge is answered either by a small proof of work (hashcash: a number n such that
  SHA-256 of "challenge:n" starts with DIFFICULTY zero bits), which the page's script finds in
  about a second, or, without JavaScript, by an arithmetic question.
- Rate limits in the cache, per IP address and per email address.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from django.core import signing
from django.core.cache import cache

SALT = "newsdesk.newsletter.challenge"
MIN_FILL_SECONDS = 3
MAX_AGE_SECONDS = 2 * 60 * 60
DIFFICULTY = 16  # leading zero bits: about 65,000 hashes, a second in a browser
PER_IP = (10, 60 * 60)  # sign-ups per hour from one address
PER_EMAIL = (3, 60 * 60)  # sign-ups per hour for one mailbox


@dataclass(frozen=True)
class Challenge:
    token: str
    question: str
    difficulty: int


def challenge_issue(*, now: float | None = None) -> Challenge:
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    issued = int(now if now is not None else time.time())
    token = signing.dumps({"n": secrets.token_hex(8), "t": issued, "s": a + b, "d": DIFFICULTY},
                          salt=SALT, compress=False)
    return Challenge(token=token, question=f"What is {a} plus {b}?", difficulty=DIFFICULTY)


def work_is_done(token: str, nonce: str, difficulty: int) -> bool:
    if not nonce.isdigit() or len(nonce) > 12:
        return False
    digest = hashlib.sha256(f"{token}:{nonce}".encode()).digest()
    return int.from_bytes(digest, "big") >> (256 - difficulty) == 0


def challenge_problem(*, token: str, work: str, answer: int | None,
                      now: float | None = None) -> str:
    """"" when the challenge was met, else what a person should be told."""
    try:
        value = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        return "The form was open too long. Please try again."
    except signing.BadSignature:
        return "The form could not be checked. Please try again."
    age = (now if now is not None else time.time()) - int(value["t"])
    if age < MIN_FILL_SECONDS:
        return "That was faster than a person types. Please wait a moment and send again."
    if not work_is_done(token, work, int(value["d"])) and answer != int(value["s"]):
        return "Please answer the question."
    if not cache.add(f"newsletter:challenge:{value['n']}", 1, MAX_AGE_SECONDS):
        return "This form was already sent. Please try again."
    return ""
