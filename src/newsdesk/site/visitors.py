"""Who is asking: the visitor's address, as the connection or a trusted proxy tells it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The visitor's IP: REMOTE_ADDR, or NEWSDESK_CLIENT_IP_HEADER when a proxy sets it.

    The header may be named as sent ("X-Forwarded-For") or as Django stores it
    ("HTTP_X_FORWARDED_FOR"). Of a list, the last entry counts: it is the one the trusted
    proxy appended, while earlier ones are whatever the client claimed.
    """
    header = settings.NEWSDESK_CLIENT_IP_HEADER
    if header:
        key = header.upper().replace("-", "_")
        key = key if key.startswith("HTTP_") or key == "REMOTE_ADDR" else f"HTTP_{key}"
        forwarded = [part.strip() for part in request.META.get(key, "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return str(request.META.get("REMOTE_ADDR", ""))
