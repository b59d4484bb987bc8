"""Writes about sources: adding one, claiming due ones, ingesting, recording health."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from newsdesk.articles.services import StoreOutcome, article_store
from newsdesk.ingest.dedupe import feed_hash
from newsdesk.ingest.discover import discover_feeds, looks_like_feed
from newsdesk.ingest.errors import GoneError, HTTPStatusError, IngestError
from newsdesk.ingest.fetch import fetch, make_client
from newsdesk.ingest.parse import parse_feed
from newsdesk.ingest.pipeline import SourceConfig, process_item, read_feed
from newsdesk.ingest.site_rules import SiteRule
from newsdesk.ingest.types import FeedItem, FetchOptions, FetchResult, ParsedFeed
from newsdesk.sources.models import ContentPolicy, ImagePolicy, PublishPolicy, Source

log = logging.getLogger("newsdesk.ingest")

MAX_BACKOFF = timedelta(hours=24)


def fetch_options() -> FetchOptions:
    return FetchOptions(
        timeout=settings.NEWSDESK_FETCH_TIMEOUT,
        max_bytes=settings.NEWSDESK_FETCH_MAX_BYTES,
        user_agent=settings.NEWSDESK_FETCH_USER_AGENT,
        allow_private=tuple(settings.NEWSDESK_FETCH_ALLOW_PRIVATE),
    )


class SourceAddError(Exception):
    """The URL gives no feed we can follow; the message says why, for the person adding it."""


@dataclass(frozen=True)
class FeedChoice:
    url: str
    title: str


def source_find_feeds(*, url: str, client: httpx.Client | None = None) -> list[FeedChoice]:
    """The feeds behind a URL: the URL itself when it is a feed, else the page's advertised feeds."""
    options = fetch_options()
    try:
        fetched = fetch(url, options=options, client=client)
    except IngestError as exc:
        raise SourceAddError(str(exc)) from exc
    if looks_like_feed(fetched.content, fetched.content_type):
        feed = _parse_or_explain(fetched)
        return [FeedChoice(url=fetched.url, title=feed.title)]
    links = discover_feeds(fetched.content, base_url=fetched.url)
    if not links:
        raise SourceAddError(f"{url} is a web page that advertises no feed.")
    return [FeedChoice(url=link.url, title=link.title) for link in links]


def _parse_or_explain(fetched: FetchResult) -> ParsedFeed:
    try:
        return parse_feed(fetched.content, url=fetched.url, content_type=fetched.content_type,
                          encoding=fetched.encoding)
    except IngestError as exc:
        raise SourceAddError(str(exc)) from exc


def source_add(
    *,
    url: str,
    name: str = "",
    image_policy: str = ImagePolicy.SOURCE,
    publish: str = PublishPolicy.REVIEW,
    content: str = ContentPolicy.FULL,
    credit: str = "RSS",
    poll_minutes: int | None = None,
) -> Source:
    """Add the feed at `url` (or the first feed a site page advertises)."""
    choices = source_find_feeds(url=url)
    feed_url = choices[0].url
    if Source.objects.filter(feed_url=feed_url).exists():
        raise SourceAddError(f"{feed_url} is already a source.")
    fetched = fetch(feed_url, options=fetch_options())
    feed = _parse_or_explain(fetched)
    home = feed.home_url or f"{urlsplit(feed_url).scheme}://{urlsplit(feed_url).netloc}/"
    return Source.objects.create(
        feed_url=feed_url,
        name=name or feed.title or urlsplit(home).hostname or feed_url,
        home_url=home,
        domain=urlsplit(home).hostname or "",
        credit=credit,
        image_policy=image_policy,
        publish=publish,
        content=content,
        poll_minutes=poll_minutes or settings.NEWSDESK_POLL_MINUTES,
        next_check_at=timezone.now(),
    )


def source_claim_due(*, limit: int = 100, include_not_due: bool = False,
                     source_ids: list[int] | None = None) -> tuple[str, list[Source]]:
    """Lease due sources to this runner, so that parallel runners never take the same feed.

    The lease is an UPDATE guarded by the old lease: only one runner's UPDATE matches a row.
    """
    owner = uuid.uuid4().hex
    now = timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    candidates = Source.objects.filter(free, active=True)
    if source_ids:
        candidates = candidates.filter(id__in=source_ids)
    elif not include_not_due:
        candidates = candidates.filter(next_check_at__lte=now)
    ids = list(candidates.order_by("next_check_at").values_list("id", flat=True)[:limit])
    until = now + timedelta(seconds=settings.NEWSDESK_LEASE_SECONDS)
    Source.objects.filter(free, id__in=ids).update(lease_owner=owner, lease_until=until)
    return owner, list(Source.objects.filter(lease_owner=owner).order_by("next_check_at"))


def source_release(*, source: Source, owner: str) -> None:
    Source.objects.filter(id=source.id, lease_owner=owner).update(lease_owner="", lease_until=None)


@dataclass
class IngestReport:
    source_id: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    empty: int = 0
    not_modified: bool = False
    error: str = ""
    outcomes: list[StoreOutcome] = field(default_factory=list)


def source_config(source: Source) -> SourceConfig:
    return SourceConfig(
        feed_url=source.feed_url,
        full_text=source.content == ContentPolicy.FULL,
        rule=SiteRule.from_dict(source.extraction_rule or {}),
        default_countries=tuple(source.default_countries or ()),
        default_regions=tuple(source.default_regions or ()),
    )


def source_ingest(*, source: Source, client: httpx.Client | None = None) -> IngestReport:
    """Poll one source and store what is new. Its errors are recorded on it, never raised."""
    report = IngestReport(source_id=source.id)
    options = fetch_options()
    Source.objects.filter(id=source.id).update(last_attempt_at=timezone.now())
    try:
        fetched = fetch(source.feed_url, options=options, client=client,
                        etag=source.etag or None, last_modified=source.last_modified or None)
        poll = read_feed(fetched)
    except IngestError as exc:
        report.error = str(exc)
        source_record_failure(source=source, error=exc)
        return report
    if poll.feed is None:
        report.not_modified = True
        source_record_success(source=source, fetched=fetched, feed=None)
        return report

    config = source_config(source)
    known = dict(source.articles.values_list("guid", "content_hash"))

    def fetch_page(url: str) -> FetchResult:
        return fetch(url, options=options, client=client)

    for item in poll.feed.items:
        if _is_empty(item):
            report.empty += 1
            continue
        if item.guid in known and known[item.guid] == feed_hash(item):
            report.unchanged += 1
            continue
        processed = process_item(item, config, fetch_page=fetch_page)
        outcome = article_store(source=source, processed=processed)
        report.outcomes.append(outcome)
        setattr(report, outcome.counter, getattr(report, outcome.counter) + 1)
    # Only now, with every item committed, may the conditional-GET state move on.
    source_record_success(source=source, fetched=fetched, feed=poll.feed)
    return report


def _is_empty(item: FeedItem) -> bool:
    """What the parser salvages from an item cut off mid-way: nothing a reader could read."""
    return not (item.title or item.link or item.summary_html.strip() or item.content_html.strip())


def source_record_success(*, source: Source, fetched: FetchResult, feed: ParsedFeed | None) -> None:
    now = timezone.now()
    changes: dict[str, object] = {
        "last_success_at": now,
        "last_status": fetched.status,
        "consecutive_failures": 0,
        "last_error": feed.warning if feed is not None else "",
        "next_check_at": now + timedelta(minutes=source.poll_minutes),
    }
    if not fetched.not_modified:
        changes["etag"] = fetched.etag or ""
        changes["last_modified"] = fetched.last_modified or ""
    if fetched.permanent_redirect and fetched.permanent_redirect != source.feed_url:
        if not Source.objects.filter(feed_url=fetched.permanent_redirect).exists():
            changes["moved_from"] = source.feed_url
            changes["feed_url"] = fetched.permanent_redirect
    if feed is not None and feed.home_url and not source.home_url:
        changes["home_url"] = feed.home_url
        changes["domain"] = urlsplit(feed.home_url).hostname or ""
    Source.objects.filter(id=source.id).update(**changes)


def source_record_failure(*, source: Source, error: IngestError) -> None:
    """Store the error in words and back off: 30 min, 1 h, 2 h ... at most a day."""
    now = timezone.now()
    failures = source.consecutive_failures + 1
    delay = min(timedelta(minutes=source.poll_minutes) * (2 ** (failures - 1)), MAX_BACKOFF)
    status = error.status if isinstance(error, HTTPStatusError) else None
    if isinstance(error, HTTPStatusError) and error.retry_after:
        delay = max(delay, timedelta(seconds=error.retry_after))
    changes: dict[str, object] = {
        "consecutive_failures": failures,
        "last_error": str(error),
        "last_status": status,
        "next_check_at": now + delay,
    }
    if isinstance(error, GoneError):
        changes["active"] = False
        changes["last_error"] = f"{error} The source was paused; the publisher removed the feed."
    log.warning("source %s (%s) failed: %s", source.id, source.feed_url, error)
    with transaction.atomic():
        Source.objects.filter(id=source.id).update(**changes)


def sources_ingest_due(*, include_not_due: bool = False, source_ids: list[int] | None = None,
                       on_done: object = None) -> list[IngestReport]:
    """Claim due sources and ingest each; one failing source never stops the others."""
    owner, sources = source_claim_due(limit=10_000, include_not_due=include_not_due,
                                      source_ids=source_ids)
    reports = []
    with make_client(fetch_options()) as client:
        for source in sources:
            try:
                report = source_ingest(source=source, client=client)
            except Exception as exc:  # an unexpected bug in one source must not stop the rest
                log.exception("source %s crashed", source.id)
                report = IngestReport(source_id=source.id, error=f"Internal error: {exc}")
                source_record_failure(source=source, error=IngestError(report.error))
            finally:
                source_release(source=source, owner=owner)
            reports.append(report)
            if callable(on_done):
                on_done(source, report)
    return reports
