"""Signed, expiring tokens for the links in newsletter mail, so no page needs a login.

A token names one subscriber and one purpose (its salt); it cannot be turned into another
subscriber's or another purpose's token without the site's secret key.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

CONFIRM_SALT = "newsdesk.newsletter.confirm"
MANAGE_SALT = "newsdesk.newsletter.manage"
MESSAGE_ID_SALT = "newsdesk.newsletter.message-id"
CONFIRM_MAX_AGE = timedelta(days=7)


@dataclass(frozen=True)
class TokenCheck:
    subscriber_id: int | None  # None when refused
    email_tag: str = ""  # which address the token was made for
    problem: str = ""  # "expired" or "invalid" when refused

    def matches(self, email: str) -> bool:
        return self.subscriber_id is not None and self.email_tag == _email_tag(email)


def _email_tag(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:10]


def _make(salt: str, subscriber_id: int, email: str) -> str:
    return signing.TimestampSigner(salt=salt).sign_object(
        {"s": subscriber_id, "e": _email_tag(email)}, compress=False)


def _check(salt: str, token: str, max_age: timedelta) -> TokenCheck:
    try:
        value = signing.TimestampSigner(salt=salt).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        return TokenCheck(None, problem="expired")
    except (signing.BadSignature, ValueError, TypeError):
        return TokenCheck(None, problem="invalid")
    if not isinstance(value, dict) or not isinstance(value.get("s"), int):
        return TokenCheck(None, problem="invalid")
    return TokenCheck(value["s"], email_tag=str(value.get("e", "")))


def confirm_token(*, subscriber_id: int, email: str) -> str:
    return _make(CONFIRM_SALT, subscriber_id, email)


def manage_token(*, subscriber_id: int, email: str) -> str:
    """For preferences, one-click unsubscribe and the web view of a digest."""
    return _make(MANAGE_SALT, subscriber_id, email)


def confirm_token_check(token: str) -> TokenCheck:
    return _check(CONFIRM_SALT, token, CONFIRM_MAX_AGE)


def manage_token_check(token: str) -> TokenCheck:
    return _check(MANAGE_SALT, token, timedelta(days=settings.NEWSDESK_NEWSLETTER_LINK_DAYS))


def inbound_key() -> str:
    """The secret part of the inbound (bounce) endpoint's URL, derived from the secret key."""
    mac = salted_hmac("newsdesk.newsletter.inbound", "endpoint", algorithm="sha256")
    return mac.hexdigest()[:32]


_DIGEST_MESSAGE_ID = re.compile(r"<?digest\.\d+\.(\d+)\.([0-9a-f]{20})@[^<>\s]+>?")


def digest_message_id(*, digest_id: int, delivery_id: int, email: str, domain: str) -> str:
    """The Message-ID of one digest delivery, keyed to its address: a bounce or complaint that
    quotes it shows that the site sent that address mail (see digest_message_vouches)."""
    return f"<digest.{digest_id}.{delivery_id}.{_message_tag(delivery_id, email)}@{domain}>"


def digest_message_vouches(message_id: str, email: str) -> bool:
    """Whether message_id names a digest this site sent to email. Anyone can mail a report
    saying that an address bounced; one that quotes no such message suppresses nobody."""
    match = _DIGEST_MESSAGE_ID.fullmatch(message_id.strip())
    return match is not None and constant_time_compare(
        match.group(2), _message_tag(int(match.group(1)), email))


def _message_tag(delivery_id: int, email: str) -> str:
    mac = salted_hmac(MESSAGE_ID_SALT, f"{delivery_id}:{email.strip().lower()}",
                      algorithm="sha256")
    return mac.hexdigest()[:20]
