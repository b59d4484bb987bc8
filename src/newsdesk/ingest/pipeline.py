"""The stage order, in one place.

A feed is polled (fetch, parse); each of its items goes through
fetch page -> extract -> clean (sanitise last) -> dedupe identity -> enrich,
and comes out as a ProcessedItem for the store step, which is the only one that writes.
Every stage here is pure: I/O comes in as the `fetch` callable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from newsdesk.ingest.clean import clean_article, plain_text, sanitised_text, strip_tracking
from newsdesk.ingest.dedupe import identify
from newsdesk.ingest.enrich import enrich, headline
from newsdesk.ingest.errors import IngestError
from newsdesk.ingest.extract import article_from_feed_item, extract_article
from newsdesk.ingest.parse import parse_feed
from newsdesk.ingest.site_rules import SiteRule
from newsdesk.ingest.types import (
    Enrichment,
    ExtractedArticle,
    FeedItem,
    FetchResult,
    Identity,
    ParsedFeed,
)

PageFetcher = Callable[[str], FetchResult]


@dataclass(frozen=True)
class SourceConfig:
    """What the pipeline needs to know of a source: passed in, never read from settings."""

    feed_url: str
    full_text: bool = True
    rule: SiteRule | None = None
    default_countries: tuple[str, ...] = ()
    default_regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedPoll:
    fetched: FetchResult
    feed: ParsedFeed | None  # None when the server answered 304 Not Modified


@dataclass(frozen=True)
class ProcessedItem:
    item: FeedItem
    article: ExtractedArticle
    identity: Identity
    enrichment: Enrichment


def read_feed(fetched: FetchResult) -> FeedPoll:
    """fetch -> parse: a 304 costs no parsing."""
    if fetched.not_modified:
        return FeedPoll(fetched=fetched, feed=None)
    feed = parse_feed(fetched.content, url=fetched.url, content_type=fetched.content_type,
                      encoding=fetched.encoding)
    return FeedPoll(fetched=fetched, feed=feed)


def process_item(item: FeedItem, config: SourceConfig, *, fetch_page: PageFetcher) -> ProcessedItem:
    """One feed item through every stage after parsing."""
    link = strip_tracking(item.link) if item.link else ""
    extracted, base_url, feed_summary = _extract(item, link, config, fetch_page)
    extracted = _prefer_feed_facts(extracted, item, feed_summary)
    cleaned = clean_article(extracted, base_url=base_url or config.feed_url)
    body_text = sanitised_text(cleaned.body_html)
    if not cleaned.title:  # a post on a social network has none: its first words stand in
        cleaned = dataclasses.replace(cleaned, title=headline(body_text or cleaned.summary))
    identity = identify(item, cleaned, text=body_text)
    enrichment = enrich(
        title=cleaned.title,
        text=body_text,
        summary_hint=cleaned.summary or feed_summary,
        default_countries=config.default_countries,
        default_regions=config.default_regions,
    )
    return ProcessedItem(item=item, article=cleaned, identity=identity, enrichment=enrichment)


def _extract(item: FeedItem, link: str, config: SourceConfig,
             fetch_page: PageFetcher) -> tuple[ExtractedArticle, str, str]:
    """The article, the URL its relative links are relative to, and the feed summary's text."""
    if not config.full_text or not link:
        article = article_from_feed_item(item)  # reads the summary's text as it goes
        return article, link, article.summary
    feed_summary = plain_text(item.summary_html)
    try:
        page = fetch_page(link)
        return extract_article(page.content, url=page.url, encoding=page.encoding,
                               rule=config.rule), page.url, feed_summary
    except IngestError as exc:
        return (article_from_feed_item(item, reason=str(exc), summary=feed_summary), link,
                feed_summary)


def _prefer_feed_facts(article: ExtractedArticle, item: FeedItem,
                       feed_summary: str) -> ExtractedArticle:
    """The feed's title, author and date are the publisher's own words for the item."""
    return dataclasses.replace(
        article,
        url=article.url or item.link,
        title=plain_text(item.title) or article.title,
        author=article.author or item.author,
        published=item.published or article.published or item.updated,
        image_url=article.image_url or item.image_url,
        summary=feed_summary or article.summary,
    )

