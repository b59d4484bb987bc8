"""Writes about sources: adding one, claiming due ones, ingesting, recording health."""

from __future__ import annotations

import codecs
import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import re
import signal
import time
import uuid
from collections import deque
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import (
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    as_completed,
    wait,
)
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Q
from django.utils import timezone

from newsdesk.articles.models import Article
from newsdesk.articles.services import StoreOutcome, articles_store
from newsdesk.articles.tasks import process_lead_images
from newsdesk.ingest.clean import web_url
from newsdesk.ingest.dedupe import feed_hash
from newsdesk.ingest.discover import discover_feeds, looks_like_feed
from newsdesk.ingest.errors import GoneError, HTTPStatusError, IngestError
from newsdesk.ingest.fetch import fetch, make_client, ssl_context
from newsdesk.ingest.parse import parse_feed
from newsdesk.ingest.pipeline import (
    FeedPoll,
    ProcessedItem,
    SourceConfig,
    process_item,
    read_feed,
)
from newsdesk.ingest.rules import article_wanted
from newsdesk.ingest.site_rules import SiteRule
from newsdesk.ingest.types import FeedItem, FetchOptions, FetchResult, ParsedFeed
from newsdesk.sources.models import ContentPolicy, ImagePolicy, PublishPolicy, Source
from newsdesk.sources.politeness import host_key, host_turn, politeness_reset
from newsdesk.sources.writeturn import write_turn, write_turns_join

log = logging.getLogger("newsdesk.ingest")
SOURCE_FAILURE = "newsdesk_source_failure"  # marks the log record of a source's failed poll

PR_SET_PDEATHSIG = 1  # prctl(2)
MAX_BACKOFF = timedelta(hours=24)
BACKOFF_DOUBLINGS_MAX = 16
MAX_RETRY_AFTER = timedelta(days=7)


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
    feed: ParsedFeed | None = None  # already read, when the URL was the feed itself


def source_find_feeds(*, url: str, client: httpx.Client | None = None) -> list[FeedChoice]:
    """The feeds behind a URL: the URL itself if it is a feed, else those its page advertises."""
    try:
        fetched = fetch(url, options=fetch_options(), client=client)
    except IngestError as exc:
        raise SourceAddError(str(exc)) from exc
    if looks_like_feed(fetched.content, fetched.content_type):
        feed = _parse_or_explain(fetched)
        return [FeedChoice(url=fetched.url, title=feed.title, feed=feed)]
    links = discover_feeds(fetched.content, base_url=fetched.url)
    if not links:
        raise SourceAddError(f"{url} is a web page that advertises no feed.")
    return [FeedChoice(url=link.url, title=link.title) for link in links]


def _fetch_or_explain(url: str) -> FetchResult:
    try:
        return fetch(url, options=fetch_options())
    except IngestError as exc:
        raise SourceAddError(str(exc)) from exc


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
    choice = source_find_feeds(url=url)[0]
    feed_url = _followable(choice.url)
    if Source.objects.filter(feed_url=feed_url).exists():
        raise SourceAddError(f"{feed_url} is already a source.")
    feed = choice.feed or _parse_or_explain(_fetch_or_explain(feed_url))
    home = _home(feed_url, feed.home_url)
    return Source.objects.create(
        feed_url=feed_url,
        name=(name or feed.title or urlsplit(home).hostname or feed_url)[:NAME_MAX_CHARS],
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
    On PostgreSQL the candidates are also locked with SELECT ... FOR UPDATE SKIP LOCKED, so
    runners claiming at the same moment take different rows instead of queueing for the same.
    """
    owner = uuid.uuid4().hex
    now = timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    candidates = Source.objects.filter(free, active=True)
    if source_ids:
        candidates = candidates.filter(id__in=source_ids)
    elif not include_not_due:
        candidates = candidates.filter(next_check_at__lte=now)
    until = now + timedelta(seconds=settings.NEWSDESK_LEASE_SECONDS)
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.order_by("next_check_at").values_list("id", flat=True)[:limit])
        Source.objects.filter(free, id__in=ids).update(lease_owner=owner, lease_until=until)
    return owner, list(Source.objects.filter(lease_owner=owner).order_by("next_check_at"))


def sources_lease_renew(*, owner: str) -> int:
    """Hold every source this runner has claimed for another lease; how many it holds."""
    until = timezone.now() + timedelta(seconds=settings.NEWSDESK_LEASE_SECONDS)
    with write_turn():
        return Source.objects.filter(lease_owner=owner).update(lease_until=until)


class _LeaseKeeper:
    """Renews a run's claims as it goes: a long run outlasts its lease, and a second runner
    would claim (and fetch again) the sources this one has not reached yet."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.every = settings.NEWSDESK_LEASE_SECONDS / 3
        self.renewed = time.monotonic()

    def keep(self) -> None:
        """Renew the claims if a third of the lease has gone by since they were last."""
        if time.monotonic() - self.renewed > self.every:
            sources_lease_renew(owner=self.owner)
            self.renewed = time.monotonic()

    def hold_while(self, pending: Future[FeedPoll]) -> None:
        """Wait for pending (a feed being fetched), renewing the claims as often as needed."""
        while True:
            self.keep()
            if pending.done():
                return
            wait([pending], timeout=self.every)


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
    released: bool = False  # the lease was released with the poll's own writes
    skipped: list[str] = field(default_factory=list)  # items a bug kept out, in words


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
    options = fetch_options()
    _sources_record_attempt([source])
    ask = _FeedAsk.of(source)
    return _source_store_poll(
        source, lambda: read_feed(ask.fetch(options=options, client=client)),
        options=options, client=client)


def _sources_record_attempt(sources: list[Source]) -> None:
    with write_turn():
        Source.objects.filter(id__in=[source.id for source in sources]).update(
            last_attempt_at=timezone.now())


@dataclass(frozen=True)
class _FeedAsk:
    """What a poll needs of its source, so that polling threads never touch a model."""

    url: str
    etag: str | None
    last_modified: str | None

    @classmethod
    def of(cls, source: Source) -> _FeedAsk:
        return cls(source.feed_url, source.etag or None, source.last_modified or None)

    def fetch(self, *, options: FetchOptions, client: httpx.Client | None) -> FetchResult:
        with host_turn(self.url):
            return fetch(self.url, options=options, client=client, etag=self.etag,
                         last_modified=self.last_modified)


def _source_store_poll(source: Source, poll_feed: Callable[[], FeedPoll], *,
                       options: FetchOptions, client: httpx.Client | None,
                       owner: str = "", lease: _LeaseKeeper | None = None) -> IngestReport:
    """Take the source's poll (polling now, or waiting for a polling thread) and store it.

    With the owner of its lease, the lease goes in the transaction that records the poll: one
    write transaction a feed, where writers queue for SQLite's one lock. With the run's lease
    keeper, the claims are renewed between the source's pages, however many they are."""
    report = IngestReport(source_id=source.id)
    try:
        poll = poll_feed()
    except IngestError as exc:
        report.error = str(exc)
        source_record_failure(source=source, error=exc)
        return report
    fetched = poll.fetched
    if poll.feed is None:
        report.not_modified = True
        with write_turn():
            source_record_success(source=source, fetched=fetched, feed=None)
        return report

    config = source_config(source)
    known = _known_hashes(source, [item.guid for item in poll.feed.items])

    def fetch_page(url: str) -> FetchResult:
        if lease is not None:
            lease.keep()
        with host_turn(url):
            return fetch(url, options=options, client=client)

    wanted: list[ProcessedItem] = []
    for item in _oldest_first(poll.feed.items):
        if _is_empty(item):
            report.empty += 1
            continue
        if item.guid in known and known[item.guid] == feed_hash(item):
            report.unchanged += 1
            continue
        try:
            processed = process_item(item, config, fetch_page=fetch_page)
        except Exception as exc:  # a bug met by one item must not keep out the feed's others
            log.exception("source %s: item %s could not be processed", source.id, item.guid)
            report.skipped.append(f"{item.title or item.link or item.guid}: {exc}"[:300])
            continue
        if article_wanted(processed.article.title, processed.article.body_html,
                          include=source.include_keywords, exclude=source.exclude_keywords):
            wanted.append(processed)
        if config.full_text:
            # Its page took a fetch: stored at once, so that a crash loses only the item in hand.
            _store_processed(source, wanted, report)
            wanted = []
    # Items from the feed alone are stored together, in the transaction that then moves the
    # conditional-GET state on: that state never runs ahead of the articles it covers.
    with write_turn(), transaction.atomic():
        _store_processed(source, wanted, report, known=known.keys())
        source_record_success(source=source, fetched=fetched, feed=poll.feed,
                              skipped=report.skipped)
        if owner:
            source_release(source=source, owner=owner)
            report.released = True
    return report


def _oldest_first(items: Sequence[FeedItem]) -> list[FeedItem]:
    """A poll's items in the order they were published, so that each is stored, and stamped
    with the site's time, after the ones before it: the newest story ends up on top. Feeds
    list their newest first, so items with the same date (or none) are taken bottom up."""
    return sorted(reversed(items), key=_item_time)


def _known_hashes(source: Source, guids: list[str]) -> dict[str, str]:
    """guid -> content hash of the articles the source already has among these items (asked of
    the feed's guids, not of the source's whole history)."""
    known: dict[str, str] = {}
    for start in range(0, len(guids), 500):
        known.update(source.articles.filter(guid__in=guids[start:start + 500])
                     .values_list("guid", "content_hash"))
    return known


def _store_processed(source: Source, processed: list[ProcessedItem], report: IngestReport,
                     known: Collection[str] | None = None) -> None:
    with write_turn(), transaction.atomic():
        outcomes = articles_store(source=source, processed=processed, known=known)
    report.outcomes += outcomes
    pictured: list[int] = []  # articles whose lead image is the publisher's, to fetch
    for outcome, item in zip(outcomes, processed, strict=True):
        setattr(report, outcome.counter, getattr(report, outcome.counter) + 1)
        if (outcome.counter in {"created", "updated"} and item.article.image_url
                and source.image_policy == ImagePolicy.SOURCE and outcome.article_id):
            pictured.append(outcome.article_id)
    if pictured:
        process_lead_images.enqueue(pictured)


def _is_empty(item: FeedItem) -> bool:
    """What the parser salvages from an item cut off mid-way: nothing a reader could read."""
    return not (item.title or item.link or item.summary_html.strip() or item.content_html.strip())


def source_record_success(*, source: Source, fetched: FetchResult, feed: ParsedFeed | None,
                          skipped: Sequence[str] = ()) -> None:
    """The poll went through. skipped: items a bug kept out; they are named in the source's
    error, and the validators are not kept, so that the next poll reads the whole feed again."""
    now = timezone.now()
    warning = feed.warning if feed is not None else ""
    if skipped:
        warning = " ".join(filter(None, [warning, (
            f"{len(skipped)} of its items could not be read and were left out (the first: "
            f"{skipped[0]}); the whole feed is read again at the next poll.")]))
    changes: dict[str, object] = {
        "last_success_at": now,
        "last_status": fetched.status,
        "consecutive_failures": 0,
        "last_error": warning,
        "next_check_at": now + timedelta(minutes=source.poll_minutes),
    }
    if skipped:
        changes["etag"] = changes["last_modified"] = ""
    elif not fetched.not_modified:
        # A validator longer than its column is not kept: the next poll asks unconditionally.
        changes["etag"] = _fitting("etag", fetched.etag or "")
        changes["last_modified"] = _fitting("last_modified", fetched.last_modified or "")
    moved_to = _fitting("feed_url", fetched.permanent_redirect or "")
    if moved_to and moved_to != source.feed_url:
        if not Source.objects.filter(feed_url=moved_to).exists():
            changes["moved_from"] = source.feed_url
            changes["feed_url"] = moved_to
    home_url = _fitting("home_url", feed.home_url if feed is not None else "")
    if home_url and not source.home_url:
        changes["home_url"] = home_url
        changes["domain"] = _fitting("domain", urlsplit(home_url).hostname or "")
    Source.objects.filter(id=source.id).update(**changes)


NAME_MAX_CHARS = Source._meta.get_field("name").max_length or 200


def _followable(feed_url: str) -> str:
    """feed_url, or SourceAddError when it is longer than the column keeps."""
    if not _fitting("feed_url", feed_url):
        raise SourceAddError("This feed's address is longer than 2,000 characters; Newsdesk "
                             "cannot keep it.")
    return feed_url


def _home(feed_url: str, home_url: str) -> str:
    """The publisher's home page: the feed's channel link when it fits its column (a cut URL
    leads nowhere), else the feed's own site."""
    parts = urlsplit(feed_url)
    return _fitting("home_url", home_url) or f"{parts.scheme}://{parts.netloc}/"


def _fitting(name: str, value: str) -> str:
    """value when it fits the Source column `name`, else "": PostgreSQL refuses a longer one,
    and a cut URL or validator would be wrong."""
    limit = Source._meta.get_field(name).max_length
    return value if limit is None or len(value) <= limit else ""


def source_record_failure(*, source: Source, error: IngestError) -> None:
    """Store the error in words and back off: 30 min, 1 h, 2 h ... at most a day."""
    now = timezone.now()
    failures = source.consecutive_failures + 1
    # the exponent stops growing long before the cap: 2**36 intervals overflow a timedelta
    doublings = min(failures - 1, BACKOFF_DOUBLINGS_MAX)
    delay = min(timedelta(minutes=source.poll_minutes) * 2 ** doublings, MAX_BACKOFF)
    status = error.status if isinstance(error, HTTPStatusError) else None
    if isinstance(error, HTTPStatusError) and error.retry_after:
        # honoured up to a week: "Retry-After: 99999999999" is no reason to stop for good
        delay = max(delay, min(timedelta(seconds=error.retry_after), MAX_RETRY_AFTER))
    changes: dict[str, object] = {
        "consecutive_failures": failures,
        "last_error": str(error),
        "last_status": status,
        "next_check_at": now + delay,
    }
    if isinstance(error, GoneError):
        changes["active"] = False
        changes["last_error"] = f"{error} The source was paused; the publisher removed the feed."
    log.warning("source %s (%s) failed: %s", source.id, source.feed_url, error,
                extra={SOURCE_FAILURE: True})
    with write_turn(), transaction.atomic():
        Source.objects.filter(id=source.id).update(**changes)


FEED_THREADS = 16  # feeds fetched and parsed at once while the calling thread stores
FEEDS_AHEAD = 2 * FEED_THREADS  # polled feeds waiting to be stored, at most


class _FeedPoller:
    """Polls feeds (fetch and parse) on a pool of threads, ahead of the thread that stores them.

    The threads get _FeedAsks and give back FeedPolls: the database is only ever written by the
    thread that stores. Each fetch waits for its turn at the host (politeness.py).
    """

    def __init__(self, *, options: FetchOptions, client: httpx.Client) -> None:
        self._options = options
        self._client = client
        self._pool = ThreadPoolExecutor(FEED_THREADS, thread_name_prefix="newsdesk-poll")

    def __enter__(self) -> _FeedPoller:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        # Interrupted (Ctrl-C): feeds still downloading are not waited for; they only read.
        self._pool.shutdown(wait=exc_type is not KeyboardInterrupt, cancel_futures=True)

    def polls(self, sources: list[Source]) -> Iterator[tuple[Source, Future[FeedPoll]]]:
        """Each source with its poll, in the given order; the attempt is recorded on submitting."""
        waiting, ahead = deque(sources), deque[tuple[Source, Future[FeedPoll]]]()
        while waiting or ahead:
            if waiting and len(ahead) <= FEEDS_AHEAD // 2:  # refilled by halves: one UPDATE each
                room = FEEDS_AHEAD - len(ahead)
                batch = [waiting.popleft() for _ in range(min(room, len(waiting)))]
                ahead.extend(zip(batch, self._submit(batch), strict=True))
            yield ahead.popleft()

    def _submit(self, sources: list[Source]) -> list[Future[FeedPoll]]:
        try:
            _sources_record_attempt(sources)
        except Exception as exc:  # handed to the storing loop, which records it on each source
            failed: Future[FeedPoll] = Future()
            failed.set_exception(exc)
            return [failed] * len(sources)
        return [self._pool.submit(self._poll, _FeedAsk.of(source)) for source in sources]

    def _poll(self, ask: _FeedAsk) -> FeedPoll:
        fetched = ask.fetch(options=self._options, client=self._client)
        return read_feed(fetched)  # parsing needs no turn at the host


def sources_ingest_due(*, include_not_due: bool = False, source_ids: list[int] | None = None,
                       on_done: object = None, limit: int = 10_000,
                       on_claimed: Callable[[list[Source]], None] | None = None,
                       processes: int = 1) -> list[IngestReport]:
    """Claim (at most `limit`) due sources and ingest each; one failing source never stops the
    others. on_claimed sees the claimed sources before any is polled.

    Feeds are fetched and parsed by _FeedPoller's threads, a few sources ahead; everything else
    (pages, the pipeline, every write) runs here, source by source in claim order. With
    processes > 1 and enough sources, forked worker processes each do that for a share of
    them (_ingest_in_processes): the stages run on as many cores.
    """
    owner, sources = source_claim_due(limit=limit, include_not_due=include_not_due,
                                      source_ids=source_ids)
    try:
        if on_claimed is not None:
            on_claimed(sources)
        if processes > 1 and len(sources) >= 2 * SOURCES_PER_CHUNK and _may_fork():
            return _ingest_in_processes(owner, sources, processes=processes, on_done=on_done)
        return _ingest_claimed(owner, sources, on_done=on_done)
    finally:
        # Stopped early (Ctrl-C, an error): what was claimed but not polled is free again at
        # once, not when its lease runs out.
        Source.objects.filter(id__in=[s.id for s in sources], lease_owner=owner).update(
            lease_owner="", lease_until=None)


def _ingest_claimed(owner: str, sources: list[Source], *,
                    on_done: object = None) -> list[IngestReport]:
    """Poll and store sources this runner holds the lease of, in order; see sources_ingest_due."""
    reports: list[IngestReport] = []
    unchanged: list[Source] = []  # answered 304: recorded together, a batch at a time

    def settle_unchanged() -> None:
        sources_record_not_modified(sources=unchanged, owner=owner)
        for source in unchanged:
            reports.append(IngestReport(source_id=source.id, not_modified=True))
            if callable(on_done):
                on_done(source, reports[-1])
        unchanged.clear()

    options = fetch_options()
    lease = _LeaseKeeper(owner)
    with make_client(options) as client, _FeedPoller(options=options, client=client) as poller:
        for source, poll in poller.polls(sources):
            lease.hold_while(poll)
            if _plainly_not_modified(poll):
                unchanged.append(source)
                if len(unchanged) >= NOT_MODIFIED_BATCH:
                    settle_unchanged()
                continue
            report = IngestReport(source_id=source.id)
            try:
                report = _source_store_poll(source, poll.result, options=options, client=client,
                                            owner=owner, lease=lease)
            except Exception as exc:  # an unexpected bug in one source must not stop the rest
                log.exception("source %s crashed", source.id)
                report = IngestReport(source_id=source.id, error=f"Internal error: {exc}")
                try:
                    source_record_failure(source=source, error=IngestError(report.error))
                except Exception:  # nor may recording it: the next run tries the source again
                    log.exception("source %s: its failure could not be recorded", source.id)
            finally:
                if not report.released:
                    source_release(source=source, owner=owner)
            reports.append(report)
            if callable(on_done):
                on_done(source, report)
        settle_unchanged()
    return reports


SOURCES_PER_CHUNK = 16  # sources a worker process takes at a time, at least


def _may_fork() -> bool:
    """Worker processes are forked from this one: not from a daemon (a Celery worker's child),
    not inside a transaction, and not with an in-memory SQLite database, which a child cannot
    see."""
    if multiprocessing.current_process().daemon or connection.in_atomic_block:
        return False  # a transaction open here would be cut, and its rows unseen by children
    return connection.vendor != "sqlite" or not connection.is_in_memory_db()


def _ingest_in_processes(owner: str, sources: list[Source], *, processes: int,
                         on_done: object = None) -> list[IngestReport]:
    """_ingest_claimed on `processes` forked workers, a chunk of sources at a time.

    A chunk holds every claimed source of its hosts, so that no two processes ever fetch from
    one host at once and the per-host limits of politeness.py hold as in one process. SQLite
    takes the workers' writes one transaction at a time (each a poll's articles, or a page's).
    """
    by_id = {source.id: source for source in sources}
    # a few chunks a process, so that one slow host holds up little of the run
    size = max(SOURCES_PER_CHUNK, -(-len(sources) // (4 * processes)))
    chunks = _chunks_by_host(sources, size=size)
    workers = min(processes, len(chunks))
    log.info("ingest: %s sources in %s chunks over %s processes", len(sources), len(chunks),
             workers)
    reports: list[IngestReport] = []
    connections.close_all()  # a forked child must open its own
    ssl_context()  # made once here, inherited by every worker
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context,
                             initializer=_worker_start) as pool:
        futures = {pool.submit(_ingest_chunk, owner, [s.id for s in chunk]): chunk
                   for chunk in chunks}
        try:
            _collect(futures, by_id, reports, on_done)
        except KeyboardInterrupt:  # stop now: the workers with us, not after their chunks
            pool.shutdown(wait=False, cancel_futures=True)
            for child in multiprocessing.active_children():
                child.terminate()
            raise
    return reports


def _collect(futures: dict[Future[list[IngestReport]], list[Source]], by_id: dict[int, Source],
             reports: list[IngestReport], on_done: object) -> None:
    """The workers' reports as their chunks finish, each passed to on_done."""
    for future in as_completed(futures):
        try:
            done = future.result()
        except Exception as exc:  # the worker died: its sources wait for their lease to end
            log.exception("an ingest worker process failed")
            done = [IngestReport(source_id=s.id, error=f"Internal error: {exc}")
                    for s in futures[future]]
        for report in done:
            reports.append(report)
            if callable(on_done):
                on_done(by_id[report.source_id], report)


def _chunks_by_host(sources: list[Source], *, size: int) -> list[list[Source]]:
    by_host: dict[str, list[Source]] = {}
    for source in sources:
        by_host.setdefault(host_key(source.feed_url), []).append(source)
    chunks: list[list[Source]] = [[]]
    for group in by_host.values():
        if len(chunks[-1]) >= size:
            chunks.append([])
        chunks[-1] += group
    return [chunk for chunk in chunks if chunk]


def _worker_start() -> None:
    """A forked worker starts with nothing of its parent's connections or host turns; on SQLite
    it takes turns with the other workers to write (writeturn.py)."""
    connections.close_all()
    politeness_reset()
    if connection.vendor == "sqlite":
        write_turns_join(str(connection.settings_dict["NAME"]))
    # A worker goes with its parent: killed by a supervisor that signals the parent alone, the
    # parent could not wait for it, and it would go on fetching as an orphan.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, if it had one
    _die_with_parent()


def _die_with_parent() -> None:
    """Linux's PR_SET_PDEATHSIG: SIGTERM when the parent dies; elsewhere nothing."""
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it died before we asked
        os._exit(1)


def _ingest_chunk(owner: str, source_ids: list[int]) -> list[IngestReport]:
    sources = list(Source.objects.filter(id__in=source_ids, lease_owner=owner)
                   .order_by("next_check_at"))
    try:
        return _ingest_claimed(owner, sources)
    finally:
        connections.close_all()


NOT_MODIFIED_BATCH = 64


def _plainly_not_modified(poll: Future[FeedPoll]) -> bool:
    """A 304 at the feed's own URL: nothing to store, nothing to move."""
    if poll.exception() is not None:
        return False
    fetched = poll.result().fetched
    return fetched.not_modified and not fetched.permanent_redirect


def sources_record_not_modified(*, sources: list[Source], owner: str) -> None:
    """What source_record_success records of a 304, for many sources at once (one UPDATE a
    polling interval), and their leases released."""
    if not sources:
        return
    now = timezone.now()
    by_interval: dict[int, list[int]] = {}
    for source in sources:
        by_interval.setdefault(source.poll_minutes, []).append(source.id)
    with write_turn(), transaction.atomic():
        for minutes, ids in by_interval.items():
            Source.objects.filter(id__in=ids).update(
                last_success_at=now, last_status=304, consecutive_failures=0, last_error="",
                next_check_at=now + timedelta(minutes=minutes))
        Source.objects.filter(id__in=[source.id for source in sources],
                              lease_owner=owner).update(lease_owner="", lease_until=None)


def article_extract(*, article_id: int, client: httpx.Client | None = None) -> bool | None:
    """Fetch one article's page again and extract it with its source's current rule.

    True when the text or pull quotes changed (and were saved), False when they did not, None
    when the page could not be fetched or read (the article is left alone).
    """
    article = Article.objects.select_related("source").filter(id=article_id).first()
    if article is None or not (article.feed_link or article.original_url):
        return False
    options = fetch_options()

    def fetch_page(url: str) -> FetchResult:
        with host_turn(url):
            return fetch(url, options=options, client=client)

    return _article_reextract(article, source_config(article.source), fetch_page)


def _article_reextract(article: Article, config: SourceConfig,
                       fetch_page: Callable[[str], FetchResult]) -> bool | None:
    if {"body_html", "pull_quotes"} & set(article.edited_fields or ()):
        return False  # an editor's text stands, as against the publisher's edits
    item = FeedItem(guid=article.guid, link=article.feed_link or article.original_url,
                    title=article.title, published=article.published_at)
    processed = process_item(item, config, fetch_page=fetch_page)
    fresh = processed.article
    if fresh.is_excerpt:
        return None
    quotes = [{"text": q.text, "position": q.position} for q in fresh.pull_quotes]
    if fresh.body_html == article.body_html and quotes == article.pull_quotes:
        return False
    article.body_html = fresh.body_html
    article.pull_quotes = quotes
    article.is_excerpt = False
    article.reading_minutes = processed.enrichment.reading_minutes
    article.fingerprint = processed.identity.fingerprint
    article.text_fingerprint = processed.identity.text_fingerprint or None
    article.save(update_fields=["body_html", "pull_quotes", "is_excerpt", "reading_minutes",
                                "fingerprint", "text_fingerprint", "updated_at"])
    return True


# The desk: adding a source with a preview, re-extracting, pausing, OPML, health alerts.


@dataclass(frozen=True)
class SourceDraft:
    """A source as the editor has set it up so far, before it is saved."""

    feed_url: str
    name: str = ""
    home_url: str = ""
    credit: str = "RSS"
    image_policy: str = ImagePolicy.SOURCE
    content: str = ContentPolicy.FULL
    publish: str = PublishPolicy.REVIEW
    default_regions: tuple[str, ...] = ()
    default_countries: tuple[str, ...] = ()
    poll_minutes: int = 30
    include_keywords: str = ""
    exclude_keywords: str = ""
    extraction_rule: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class PreviewItem:
    """One item as it would be republished, and whether the keyword rules keep it."""

    title: str
    url: str
    body_html: str
    summary: str
    image_url: str
    photo_credit: str
    source_credit: str
    countries: tuple[str, ...]
    regions: tuple[str, ...]
    is_excerpt: bool
    kept: bool
    notes: tuple[str, ...]


@dataclass(frozen=True)
class FeedPreview:
    title: str
    home_url: str
    items: tuple[PreviewItem, ...]


def _draft_config(draft: SourceDraft) -> SourceConfig:
    return SourceConfig(
        feed_url=draft.feed_url,
        full_text=draft.content == ContentPolicy.FULL,
        rule=SiteRule.from_dict(draft.extraction_rule or {}),
        default_countries=draft.default_countries,
        default_regions=draft.default_regions,
    )


def source_preview(*, draft: SourceDraft, limit: int = 3,
                   client: httpx.Client | None = None) -> FeedPreview:
    """The newest `limit` items through the whole pipeline, stored nowhere."""
    _followable(draft.feed_url)
    options = fetch_options()
    try:
        feed = _parse_or_explain(fetch(draft.feed_url, options=options, client=client))
    except IngestError as exc:
        raise SourceAddError(str(exc)) from exc
    home = _home(draft.feed_url, draft.home_url or feed.home_url)
    domain = urlsplit(home).hostname or ""
    newest = sorted(feed.items, key=_item_time, reverse=True)[:limit]
    config = _draft_config(draft)

    def fetch_page(url: str) -> FetchResult:
        return fetch(url, options=options, client=client)

    items = []
    for item in newest:
        processed = process_item(item, config, fetch_page=fetch_page)
        a, e = processed.article, processed.enrichment
        if draft.image_policy == ImagePolicy.SITE:
            image, photo = "", f"{settings.SITE_NAME} ({settings.SITE_DOMAIN})"
        else:
            image = a.image_url
            photo = (a.image_credit or draft.name or feed.title) if image else ""
        items.append(PreviewItem(
            title=a.title, url=a.url, body_html=a.body_html, summary=e.summary, image_url=image,
            photo_credit=photo, source_credit=f"{draft.credit} ({domain})",
            countries=e.countries, regions=e.regions, is_excerpt=a.is_excerpt,
            kept=article_wanted(a.title, a.body_html, include=draft.include_keywords,
                                exclude=draft.exclude_keywords),
            notes=a.notes,
        ))
    return FeedPreview(title=feed.title, home_url=home, items=tuple(items))


def _item_time(item: FeedItem) -> float:
    """Newest first; undated items keep the feed's order after the dated ones."""
    when = item.published or item.updated
    return when.timestamp() if when else 0.0


def source_create(*, draft: SourceDraft, actor: object) -> Source:
    """Save a previewed source; it is due for its first poll at once."""
    from newsdesk.desk.services import audit_record

    if Source.objects.filter(feed_url=_followable(draft.feed_url)).exists():
        raise SourceAddError(f"{draft.feed_url} is already a source.")
    home = _home(draft.feed_url, draft.home_url)
    with transaction.atomic():
        source = Source.objects.create(
            feed_url=draft.feed_url,
            name=(draft.name or urlsplit(home).hostname or draft.feed_url)[:NAME_MAX_CHARS],
            home_url=home,
            domain=urlsplit(home).hostname or "",
            credit=draft.credit,
            image_policy=draft.image_policy,
            content=draft.content,
            publish=draft.publish,
            default_regions=list(draft.default_regions),
            default_countries=list(draft.default_countries),
            poll_minutes=draft.poll_minutes,
            include_keywords=draft.include_keywords,
            exclude_keywords=draft.exclude_keywords,
            extraction_rule=draft.extraction_rule,
            next_check_at=timezone.now(),
        )
        audit_record(actor=actor, action="added", target=source, detail=draft.feed_url)
    return source


@dataclass
class ReextractReport:
    checked: int = 0
    changed: int = 0
    failed: int = 0  # pages that could not be fetched or read: those articles were left alone


def source_reextract(*, source: Source, actor: object,
                     client: httpx.Client | None = None) -> ReextractReport:
    """Run the source's current extraction rule over its stored articles; count what changed."""
    from newsdesk.articles.models import Kind
    from newsdesk.desk.services import audit_record

    report = ReextractReport()
    if source.content != ContentPolicy.FULL:
        return report
    options = fetch_options()
    config = source_config(source)

    def fetch_page(url: str) -> FetchResult:
        return fetch(url, options=options, client=client)

    for article in source.articles.filter(kind=Kind.ARTICLE).order_by("id"):
        if not (article.feed_link or article.original_url):
            continue
        report.checked += 1
        changed = _article_reextract(article, config, fetch_page)
        if changed is None:
            report.failed += 1
        elif changed:
            report.changed += 1
    audit_record(actor=actor, action="re-extracted", target=source,
                 detail=f"{report.checked} checked, {report.changed} changed, "
                        f"{report.failed} could not be fetched.")
    return report


def source_pause(*, source: Source, actor: object) -> Source:
    """Stop polling; an editor's pause is no news to the editors, so no alert follows."""
    from newsdesk.desk.models import AlertKind, SourceAlert
    from newsdesk.desk.services import audit_record

    with transaction.atomic():
        Source.objects.filter(id=source.id).update(active=False)
        SourceAlert.objects.update_or_create(
            source=source, kind=AlertKind.DISABLED,
            defaults={"raised": True, "raised_at": timezone.now(), "cleared_at": None})
        audit_record(actor=actor, action="paused", target=source)
    source.active = False
    return source


def source_resume(*, source: Source, actor: object) -> Source:
    """Poll again, at once."""
    from newsdesk.desk.services import audit_record

    now = timezone.now()
    with transaction.atomic():
        Source.objects.filter(id=source.id).update(active=True, next_check_at=now)
        audit_record(actor=actor, action="resumed", target=source)
    source.active, source.next_check_at = True, now
    return source


OPML_MAX_BYTES = 2 * 1024 * 1024
OPML_MAX_FEEDS = 5000


class OpmlError(Exception):
    """The file is no OPML we will read; the message says why."""


@dataclass(frozen=True)
class OpmlProblem:
    line: int
    url: str
    reason: str


@dataclass
class OpmlReport:
    created: list[Source] = field(default_factory=list)
    problems: list[OpmlProblem] = field(default_factory=list)


@dataclass(frozen=True)
class _Outline:
    line: int
    feed_url: str
    title: str
    home_url: str


def _opml_outlines(data: bytes) -> list[_Outline]:
    import xml.sax
    import xml.sax.handler

    import defusedxml
    import defusedxml.sax

    outlines: list[_Outline] = []

    class Handler(xml.sax.handler.ContentHandler):
        def setDocumentLocator(self, locator: xml.sax.xmlreader.Locator) -> None:  # noqa: N802
            self.locator = locator

        def startElement(self, name: str, attrs: xml.sax.xmlreader.AttributesImpl) -> None:  # noqa: N802
            fields = {key.lower(): value.strip() for key, value in attrs.items()}
            if name.lower() != "outline" or "xmlurl" not in fields:
                return
            if len(outlines) >= OPML_MAX_FEEDS:
                raise OpmlError(f"The file lists more than {OPML_MAX_FEEDS} feeds.")
            outlines.append(_Outline(line=self.locator.getLineNumber(), feed_url=fields["xmlurl"],
                                     title=" ".join((fields.get("title")
                                                     or fields.get("text", "")).split()),
                                     home_url=fields.get("htmlurl", "")))

    try:
        defusedxml.sax.parseString(_expat_readable(data), Handler(), forbid_dtd=True,
                                   forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        raise OpmlError("The file declares a DTD or entities, which OPML never needs; "
                        "it was not read.") from exc
    except xml.sax.SAXParseException as exc:
        raise OpmlError(f"The file is not well-formed XML (line {exc.getLineNumber()}: "
                        f"{exc.getMessage()}).") from exc
    except (ValueError, LookupError) as exc:  # an encoding expat cannot read (UTF-32 ...)
        raise OpmlError(f"The file's encoding cannot be read ({exc}); save it as UTF-8.") from exc
    return outlines


_XML_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_EXPAT_ENCODINGS = {"utf8", "utf16", "iso88591", "latin1", "usascii", "ascii"}


def _expat_readable(data: bytes) -> bytes:
    """The file in an encoding the XML parser reads: expat knows only UTF-8, UTF-16, Latin-1
    and ASCII, so a file declared otherwise (Shift_JIS, GB18030, Windows-1251 ...) is decoded
    here and handed on as UTF-8, its declaration changed to match."""
    declared = _XML_ENCODING.match(data)
    if declared is None:
        return data
    name = declared.group(1).decode("ascii", "replace")
    if re.sub(r"[^a-z0-9]", "", name.lower()) in _EXPAT_ENCODINGS:
        return data
    start, end = declared.span(1)
    try:
        if not codecs.lookup(name)._is_text_encoding:  # type: ignore[attr-defined]
            raise LookupError(name)  # "hex", "zlib" ...: codecs, but no text encodings
        rest = data[end:].decode(name)  # the declaration before it is ASCII in any of them
    except LookupError as exc:
        raise OpmlError(f"The file declares the encoding {name!r}, which Newsdesk does not "
                        "know.") from exc
    except UnicodeDecodeError as exc:
        raise OpmlError(f"The file is not written in {name}, the encoding it declares "
                        f"(byte {end + exc.start}).") from exc
    return data[:start].removeprefix(codecs.BOM_UTF8) + b"UTF-8" + rest.encode("utf-8")


def _same_feed(url: str) -> str:
    """url as one feed address is written once: scheme and host in lower case (they are not
    case-sensitive), an empty path as "/", no fragment; the rest as given."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/",
                       parts.query, ""))


def opml_import(*, data: bytes, actor: object) -> OpmlReport:
    """Follow every feed an OPML file lists; duplicates and invalid URLs are reported by line."""
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    from newsdesk.desk.services import audit_record

    if len(data) > OPML_MAX_BYTES:
        raise OpmlError(f"The file is larger than {OPML_MAX_BYTES // (1024 * 1024)} MB.")
    report = OpmlReport()
    valid_url = URLValidator(schemes=["http", "https"])
    known = {_same_feed(url) for url in Source.objects.values_list("feed_url", flat=True)}
    for outline in _opml_outlines(data):
        url = outline.feed_url
        try:
            valid_url(url)
            if not _fitting("feed_url", url):
                raise ValidationError("too long")
        except ValidationError:
            report.problems.append(OpmlProblem(outline.line, url, "not a valid http(s) URL"))
            continue
        url = _same_feed(url)
        if url in known:
            report.problems.append(OpmlProblem(outline.line, url, "already a source"))
            continue
        known.add(url)
        home = _home(url, web_url(outline.home_url))
        with transaction.atomic():
            source = Source.objects.create(
                feed_url=url,
                name=(outline.title or urlsplit(url).hostname or url)[:NAME_MAX_CHARS],
                home_url=home, domain=urlsplit(home).hostname or "",
                poll_minutes=settings.NEWSDESK_POLL_MINUTES, next_check_at=timezone.now())
            audit_record(actor=actor, action="imported", target=source,
                         detail=f"From OPML, line {outline.line}.")
        report.created.append(source)
    return report


def opml_export() -> bytes:
    """Every source as an OPML 2.0 subscription list."""
    from email.utils import format_datetime
    from xml.etree import ElementTree as ET  # noqa: S405 - writing, not parsing

    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = f"{settings.SITE_NAME} sources"
    ET.SubElement(head, "dateCreated").text = format_datetime(timezone.now())
    body = ET.SubElement(opml, "body")
    for source in Source.objects.order_by("name"):
        ET.SubElement(body, "outline", type="rss", text=source.name, title=source.name,
                      xmlUrl=source.feed_url, htmlUrl=source.home_url)
    ET.indent(opml)
    return ET.tostring(opml, encoding="utf-8", xml_declaration=True)


ALERT_AFTER_FAILURES = 3  # one failed poll is often the publisher's hiccup


def sources_alert_editors() -> list[tuple[Source, str]]:
    """Mail the editors once when a source starts failing, goes quiet or is disabled.

    An alert stays raised (and silent) until its condition clears; the (source, kind) pairs
    mailed this time are returned.
    """
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.urls import reverse

    from newsdesk.desk.models import AlertKind, SourceAlert
    from newsdesk.desk.roles import ADMIN, EDITOR
    from newsdesk.desk.selectors import QUIET_DAYS, HealthRow, sources_with_activity

    now = timezone.now()
    raised = {(a.source_id, a.kind): a for a in SourceAlert.objects.filter(raised=True)}
    mailed: list[tuple[Source, str]] = []
    for source in sources_with_activity(now):
        row = HealthRow(source=source, last_item_at=source.last_item_at, items_per_week=0,
                        full_text_rate=None)
        conditions = {
            AlertKind.FAILING: source.active
            and source.consecutive_failures >= ALERT_AFTER_FAILURES,
            AlertKind.QUIET: row.quiet,
            AlertKind.DISABLED: not source.active,
        }
        for kind, holds in conditions.items():
            alert = raised.get((source.id, kind))
            if holds and alert is None:
                SourceAlert.objects.update_or_create(
                    source=source, kind=kind,
                    defaults={"raised": True, "raised_at": now, "cleared_at": None})
                mailed.append((source, kind))
            elif not holds and alert is not None:
                SourceAlert.objects.filter(id=alert.id).update(raised=False, cleared_at=now)
    if not mailed:
        return mailed
    editors = get_user_model().objects.filter(
        Q(groups__name__in=[EDITOR, ADMIN]) | Q(is_superuser=True), is_active=True
    ).exclude(email="").values_list("email", flat=True).distinct()
    recipients = sorted(set(editors))
    if not recipients:
        log.warning("source alerts for %d sources: no editor has an email address", len(mailed))
        return mailed
    health_url = settings.BASE_URL + reverse("admin:sources_source_health")
    for source, kind in mailed:
        label = AlertKind(kind).label
        body = render_to_string("desk/email/source_alert.txt", {
            "source": source, "kind": kind, "label": label, "health_url": health_url,
            "quiet_days": QUIET_DAYS, "failures": source.consecutive_failures})
        subject = " ".join(f"{source.name} {label}".split())  # a header holds one line
        send_mail(subject, body, None, recipients)
    return mailed
