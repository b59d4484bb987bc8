"""Signed links for a release's sender: one salt per purpose, each with its own lifetime.

A token names a release and nothing else; its signature (the site's secret key) is what makes
it the sender's: a changed id or a token made for another purpose fails.
"""

from __future__ import annotations

from datetime import timedelta

from django.core import signing

CONFIRM = "newsdesk.pressroom.confirm"
STATUS = "newsdesk.pressroom.status"
MAX_AGE = {CONFIRM: timedelta(days=7), STATUS: timedelta(days=365)}


def make_token(purpose: str, release_id: int) -> str:
    return signing.dumps({"r": release_id}, salt=purpose, compress=False)


def read_token(purpose: str, token: str) -> int | None:
    """The release id the token was made for, or None when it is forged, altered or too old."""
    try:
        value = signing.loads(token, salt=purpose, max_age=MAX_AGE[purpose])
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    release_id = value.get("r") if isinstance(value, dict) else None
    return release_id if isinstance(release_id, int) else None
