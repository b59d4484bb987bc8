"""Identity of an item: guid within a source; canonical URL and text fingerprint across them."""

from __future__ import annotations

import hashlib
import re

import lxml.html

from newsdesk.ingest.clean import strip_tracking
from newsdesk.ingest.types import ExtractedArticle, FeedItem, Identity

WORD = re.compile(r"\w+", re.UNICODE)
FINGERPRINT_WORDS = 400  # enough to tell stories apart, few enough to ignore trailing boilerplate


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def fingerprint(title: str, body_html: str) -> str:
    """Same words in the same order give the same fingerprint, whatever the markup or case."""
    text = (
        lxml.html.fragment_fromstring(body_html, create_parent="div").text_content()
        if body_html.strip()
        else ""
    )
    words = WORD.findall(f"{title} {text}".casefold())[:FINGERPRINT_WORDS]
    return _digest(" ".join(words))


def feed_hash(item: FeedItem) -> str:
    """Changes when the publisher edits the item, not when it re-tags its links."""
    return _digest(
        item.title,
        strip_tracking(item.link),
        item.summary_html,
        item.content_html,
        item.updated.isoformat() if item.updated else "",
    )


def identify(item: FeedItem, article: ExtractedArticle) -> Identity:
    return Identity(
        guid=item.guid or strip_tracking(item.link),
        url=article.url,
        fingerprint=fingerprint(article.title, article.body_html),
        feed_hash=feed_hash(item),
    )
