"""Identity of an item: guid within a source; canonical URL and text fingerprint across them."""

from __future__ import annotations

import hashlib
import re
from itertools import islice

from newsdesk.ingest.clean import plain_text, strip_tracking
from newsdesk.ingest.types import ExtractedArticle, FeedItem, Identity

WORD = re.compile(r"\w+", re.UNICODE)
FINGERPRINT_WORDS = 400  # enough to tell stories apart, few enough to ignore trailing boilerplate
# Fewer words of text than this tell no story apart ("Read this week's letters." under the same
# title every week): such an item's fingerprint is its own, and only its URL finds its twins.
FINGERPRINT_MIN_WORDS = 25
# A text this long, word for word the same in another source, is the same story whatever its
# headline (an essay republished under licence, a release run as sent); a shorter one (a
# notice, a standard paragraph) may be two stories, and gets no text fingerprint.
TEXT_FINGERPRINT_MIN_WORDS = 150


def digest(*parts: str) -> str:
    # surrogatepass: the parse stage digests a feed's text before it takes out the characters
    # no text may hold, and a lone surrogate must not cost the whole feed
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def fingerprint(title: str, body_html: str) -> str:
    """Same words in the same order give the same fingerprint, whatever the markup or case."""
    return text_fingerprint(title, plain_text(body_html))


def text_fingerprint(title: str, text: str) -> str:
    """fingerprint() of a body whose text (plain_text) is at hand."""
    return _words_digest(_words(title) + _words(text))


def _words_digest(words: list[str]) -> str:
    return digest(" ".join(words[:FINGERPRINT_WORDS]))


def _words(text: str) -> list[str]:
    """The first FINGERPRINT_WORDS words, case folded: what a fingerprint reads of a text."""
    return [m.group() for m in islice(WORD.finditer(text.casefold()), FINGERPRINT_WORDS)]


def feed_hash(item: FeedItem) -> str:
    """Changes when the publisher edits the item, not when it re-tags its links."""
    return digest(
        item.title,
        strip_tracking(item.link),
        item.summary_html,
        item.content_html,
        item.updated.isoformat() if item.updated else "",
    )


def identify(item: FeedItem, article: ExtractedArticle, *, text: str | None = None) -> Identity:
    """text: the body's plain_text, when the caller has it already."""
    guid = item.guid or strip_tracking(item.link)
    text = plain_text(article.body_html) if text is None else text
    body = _words(text)  # read once for both fingerprints
    fingerprint = _words_digest(_words(article.title) + body)
    words = len(text.split())
    if words < FINGERPRINT_MIN_WORDS:
        fingerprint = digest(fingerprint, guid)
    return Identity(guid=guid, url=article.url, fingerprint=fingerprint,
                    feed_hash=feed_hash(item),
                    text_fingerprint=_words_digest(body)
                    if words >= TEXT_FINGERPRINT_MIN_WORDS else "")
