"""Signed click tokens: which creative in which slot, and nothing a visitor could change."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

SALT = "newsdesk.ads.click"


@dataclass(frozen=True)
class ClickRef:
    creative_id: int
    slot_id: int


def click_token(*, creative_id: int, slot_id: int) -> str:
    return signing.dumps({"c": creative_id, "s": slot_id}, salt=SALT, compress=True)


def click_ref(token: str) -> ClickRef:
    """The reference the token was signed with; signing.BadSignature (or SignatureExpired)."""
    max_age = int(getattr(settings, "NEWSDESK_ADS_CLICK_MAX_AGE", 7 * 24 * 3600))
    data = signing.loads(token, salt=SALT, max_age=max_age)
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in ("c", "s")):
        raise signing.BadSignature("Malformed click token")
    return ClickRef(creative_id=data["c"], slot_id=data["s"])
