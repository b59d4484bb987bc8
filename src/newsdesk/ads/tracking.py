"""Who is asking: known bots, prefetches, and a visitor key that never holds a raw IP.

The visitor key is a hash of the address and user agent with a salt that changes every day and
lives only in the cache, so yesterday's keys cannot be linked to today's or reversed.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
from functools import cache
from importlib import resources

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.http import HttpRequest
from django.utils import timezone

from newsdesk.site.visitors import client_ip

PREFETCH_HEADERS = ("HTTP_SEC_PURPOSE", "HTTP_PURPOSE", "HTTP_X_PURPOSE", "HTTP_X_MOZ")


@cache
def _bot_pattern() -> re.Pattern[str]:
    text = resources.files("newsdesk.ads").joinpath("data/bots.txt").read_text(encoding="utf-8")
    fragments = [line.strip().lower() for line in text.splitlines()
                 if line.strip() and not line.lstrip().startswith("#")]
    return re.compile("|".join(re.escape(fragment) for fragment in fragments))


def is_bot(user_agent: str) -> bool:
    """True for an empty user agent or one on the maintained list (data/bots.txt)."""
    return not user_agent.strip() or bool(_bot_pattern().search(user_agent.lower()))


def is_prefetch(request: HttpRequest) -> bool:
    """Speculative loads (link prefetch, prerender) say so in one of these headers."""
    return any("prefetch" in request.META.get(header, "").lower()
               or "prerender" in request.META.get(header, "").lower()
               for header in PREFETCH_HEADERS)


def is_foreign(request: HttpRequest) -> bool:
    """A request another site's page made its readers' browsers send (an <img> or a script
    pointing at /ads/slot/ or a click link), as Fetch Metadata says: ads.js fetches from this
    site, and a reader's click on an ad is a navigation from it. Browsers without Fetch
    Metadata send neither header and are counted as before."""
    site = request.META.get("HTTP_SEC_FETCH_SITE", "").lower()
    mode = request.META.get("HTTP_SEC_FETCH_MODE", "").lower()
    return site not in {"", "same-origin"} or mode not in {"", "navigate", "cors", "same-origin"}


def should_count(request: HttpRequest) -> bool:
    return (not is_prefetch(request) and not is_foreign(request)
            and not is_bot(request.META.get("HTTP_USER_AGENT", "")))


def _daily_salt(day: datetime.date) -> str:
    key = f"ads:salt:{day.isoformat()}"
    shared_cache.add(key, secrets.token_hex(16), timeout=2 * 24 * 3600)
    return str(shared_cache.get(key))


def visitor_key(request: HttpRequest) -> str:
    day = timezone.localdate()
    material = "|".join([_daily_salt(day), client_ip(request),
                         request.META.get("HTTP_USER_AGENT", "")])
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def page_key(path: str) -> str:
    """A short key for the page the ad loader says it is on (its path, as the reader's
    browser gives it): any text, so only its digest goes into a cache key."""
    return hashlib.sha256(path[:2000].encode("utf-8", "replace")).hexdigest()[:16]


def first_time_in_window(*, visitor: str, event: str) -> bool:
    """True once per visitor and event within the de-duplication window (atomic cache add)."""
    window = int(getattr(settings, "NEWSDESK_ADS_DEDUP_SECONDS", 1800))
    return bool(shared_cache.add(f"ads:seen:{event}:{visitor}", 1, timeout=window))
