"""The frozen values handed from stage to stage.

fetch -> FetchResult; parse -> ParsedFeed of FeedItem; extract -> ExtractedArticle;
clean -> CleanArticle; enrich -> Enrichment. The store step turns them into rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class FetchOptions:
    """How politely and how far one fetch may go."""

    timeout: float = 20.0  # total deadline in seconds, connect to last byte
    max_bytes: int = 15 * 1024 * 1024  # cap on the decoded body
    user_agent: str = "Newsdesk/0.1 (+https://example.org/newsdesk)"
    allow_private: tuple[str, ...] = ()  # hosts or CIDRs exempt from the private-address guard
    max_redirects: int = 5


@dataclass(frozen=True)
class FetchResult:
    """What one HTTP exchange produced, after redirects."""

    url: str  # the final URL, after redirects
    status: int
    content: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False  # 304: the caller's copy is current
    permanent_redirect: str | None = None  # the new URL when a 301/308 was followed
    encoding: str | None = None  # the charset the server declared, if any


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed, as the publisher wrote it."""

    guid: str
    link: str
    title: str
    summary_html: str = ""
    content_html: str = ""
    author: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    image_url: str = ""
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedFeed:
    """A feed's channel data and its items."""

    title: str
    home_url: str  # the channel's <link>: the publisher's home page
    items: tuple[FeedItem, ...]
    language: str = ""
    kind: str = ""  # rss20, atom10, json1 ...
    warning: str = ""  # the feed was read, but something in it is broken


@dataclass(frozen=True)
class PullQuote:
    text: str
    position: int  # index of the body block it stands before


@dataclass(frozen=True)
class ExtractedArticle:
    """What the extractor made of one article page (or of the feed item when it could not)."""

    url: str  # the page's canonical URL when it declares one
    title: str
    body_html: str  # structured HTML: p, h2-h4, ul/ol, blockquote, figure
    author: str = ""
    published: datetime | None = None
    language: str = ""
    image_url: str = ""
    image_alt: str = ""
    image_caption: str = ""
    image_credit: str = ""
    summary: str = ""
    pull_quotes: tuple[PullQuote, ...] = ()
    is_excerpt: bool = False  # True when built from the feed because the page failed
    notes: tuple[str, ...] = field(default=())  # which rule or heuristic produced what


@dataclass(frozen=True)
class Enrichment:
    """Where an article is about, and how long it takes to read."""

    primary_country: str = ""  # ISO 3166-1 alpha-2, "" when none is found
    countries: tuple[str, ...] = ()  # every country mentioned, most mentioned first
    regions: tuple[str, ...] = ()  # region slugs, primary country's region first
    summary: str = ""
    reading_minutes: int = 1


@dataclass(frozen=True)
class Identity:
    """What makes two items the same story: within a source, and across sources."""

    guid: str  # the publisher's id for the item, stable across polls
    url: str  # the canonical URL, tracking parameters removed
    fingerprint: str  # a hash of the normalised title and text
    feed_hash: str  # a hash of what the feed says of the item: changes when the item is edited
    # a hash of the normalised text alone, for a text long enough that its twin in another
    # source is the same story under another headline; "" for a shorter one
    text_fingerprint: str = ""
