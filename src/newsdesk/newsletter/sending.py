"""The digest job: plan who gets which edition, then deliver, recording each recipient's state.

Planning is one transaction: a Digest, an Edition per distinct (regions, countries, period)
with articles, a Delivery row per recipient, and each recipient's `last_digest_at` moved on.
Delivering hands built messages to a few sending threads, one pooled SMTP connection each.
Only this (the calling) thread touches the database. A thread that got a 250 waits until that
delivery is committed as sent before it takes its next message, so a crash or kill at any
point resends nothing the database calls sent and skips nothing it does not; the only window
left is the one every SMTP client has, between the server's 250 and the commit.
A lease on the Digest keeps two runners (two cron runs, two Celery workers) off the same send.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from newsdesk.newsletter.digest import RenderedDigest, digest_render, digest_sections
from newsdesk.newsletter.mime import DigestMessage, mail_domain
from newsdesk.newsletter.models import (
    BounceKind,
    Delivery,
    DeliveryStatus,
    Digest,
    DigestStatus,
    Edition,
    Frequency,
    Subscriber,
    SubscriberStatus,
)
from newsdesk.newsletter.selectors import (
    PERIODS,
    deliveries_due,
    edition_article_ids,
    edition_articles,
    next_retry_at,
    subscribers_due,
)
from newsdesk.newsletter.services import bounce_record
from newsdesk.newsletter.tokens import digest_message_id, manage_token
from newsdesk.newsletter.transport import RateLimiter, SendResult, Transport, transport_factory

log = logging.getLogger("newsdesk.newsletter")

MAX_ATTEMPTS = 5  # a recipient whose server says "try later" this many times is given up on
LEASE = timedelta(seconds=60)
BATCH = 2000


@dataclass
class SendStats:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    skipped: int = 0
    busy: bool = False  # another runner holds the digest
    halted: str = ""  # the mail server's answer that stopped the send (its deliveries wait)
    render_seconds: float = 0.0  # editions, tokens and message bytes (this thread)
    smtp_seconds: float = 0.0  # inside the transports, summed over the sending threads
    db_seconds: float = 0.0  # loading and recording deliveries
    editions: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class _Job:
    delivery_id: int
    subscriber_id: int
    email: str
    attempts: int
    raw: bytes
    envelope_from: str


_Result = tuple["_Sender", _Job, SendResult, float]  # sender, job, answer, seconds in transport


# Planning ---------------------------------------------------------------------------------

def digest_plan(*, frequency: str, now: datetime | None = None) -> Digest | None:
    """Plan a digest for every due subscriber of frequency; None when nobody has anything new."""
    now = now or timezone.now()
    period = PERIODS[Frequency(frequency)]
    with transaction.atomic():
        due = subscribers_due(frequency=frequency, now=now).select_for_update()
        groups: dict[tuple[tuple[str, ...], tuple[str, ...], datetime], list[int]] = {}
        for sid, regions, countries, last in due.values_list("id", "regions", "countries",
                                                             "last_digest_at").iterator(BATCH):
            since = last or now - period
            key = (tuple(sorted(regions or ())), tuple(sorted(countries or ())), since)
            groups.setdefault(key, []).append(sid)
        digest: Digest | None = None
        planned: list[int] = []
        for (regions, countries, since), ids in groups.items():
            article_ids = edition_article_ids(regions=regions, countries=countries, since=since,
                                              until=now)
            if not article_ids:
                continue  # nothing new: no mail, and the period stays open
            digest = digest or Digest.objects.create(frequency=frequency, until=now)
            edition = Edition.objects.create(digest=digest, regions=list(regions),
                                             countries=list(countries), since=since, until=now,
                                             article_ids=article_ids)
            Delivery.objects.bulk_create(
                (Delivery(digest=digest, edition=edition, subscriber_id=sid) for sid in ids),
                batch_size=BATCH)
            planned.extend(ids)
        for start in range(0, len(planned), BATCH):
            chunk = planned[start:start + BATCH]
            Subscriber.objects.filter(id__in=chunk).update(last_digest_at=now)
    return digest


# Leasing ----------------------------------------------------------------------------------

def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _owner_gone(owner: str) -> bool:
    """True when owner was a process on this machine that no longer runs."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _lease_take(digest: Digest, owner: str) -> bool:
    now = timezone.now()
    current = Digest.objects.filter(id=digest.id).values_list("lease_owner", "lease_until").first()
    if current is None:
        return False
    held_by, until = current
    if held_by and held_by != owner and until and until > now and not _owner_gone(held_by):
        return False
    return Digest.objects.filter(id=digest.id, lease_owner=held_by).update(
        lease_owner=owner, lease_until=now + LEASE) == 1


def _lease_renew(digest: Digest, owner: str) -> bool:
    """Hold the lease another LEASE; False when it is no longer ours (it ran out, and another
    runner took it): then this one must send nothing more."""
    return Digest.objects.filter(id=digest.id, lease_owner=owner).update(
        lease_until=timezone.now() + LEASE) == 1


def _lease_release(digest: Digest, owner: str) -> None:
    Digest.objects.filter(id=digest.id, lease_owner=owner).update(lease_owner="", lease_until=None)


def _sleep_holding(digest: Digest, owner: str, seconds: float) -> bool:
    """Sleep, renewing the lease as it goes; False when it was lost meanwhile."""
    end = time.monotonic() + max(0.0, seconds)
    while (left := end - time.monotonic()) > 0:
        time.sleep(min(left, LEASE.total_seconds() / 3))
        if not _lease_renew(digest, owner):
            return False
    return _lease_renew(digest, owner)


# Delivering -------------------------------------------------------------------------------

class _Sender(threading.Thread):
    """One sending thread with its own transport; takes one job at a time."""

    def __init__(self, make: Callable[[], Transport], limiter: RateLimiter,
                 results: queue.Queue[_Result]) -> None:
        super().__init__(daemon=True)
        self.make, self.limiter, self.results = make, limiter, results
        self.inbox: queue.Queue[_Job | None] = queue.Queue(maxsize=1)

    def run(self) -> None:
        transport = self.make()
        try:
            while (job := self.inbox.get()) is not None:
                self.limiter.wait(job.email)
                started = time.perf_counter()
                try:
                    result = transport.send(envelope_from=job.envelope_from, to=job.email,
                                            raw=job.raw)
                except Exception as error:  # a broken transport must not strand its job
                    log.exception("transport failed")
                    result = SendResult("halt", None, f"{type(error).__name__}: {error}"[:500])
                self.results.put((self, job, result, time.perf_counter() - started))
        finally:
            transport.close()


def _record(results: list[tuple[_Job, SendResult]], now: datetime, stats: SendStats) -> None:
    """Commit a batch of outcomes in one transaction."""
    sent = [job.delivery_id for job, result in results if result.outcome == "sent"]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Still safe if this process dies: the server has the commit; only a server crash
            # in the next fraction of a second could lose it.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        if sent:
            # The hot path of a send: plain SQL spares the ORM's query building per batch.
            table = connection.ops.quote_name(Delivery._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET status = %s, sent_at = %s, smtp_code = 250, error = ''"  # noqa: S608
                    f" WHERE id IN ({', '.join(['%s'] * len(sent))})",
                    [DeliveryStatus.SENT, now, *sent])
        for job, result in results:
            if result.outcome == "sent":
                continue
            if result.outcome == "halt":  # the server's trouble: no attempt, no bounce counted
                Delivery.objects.filter(id=job.delivery_id).update(smtp_code=result.code,
                                                                   error=result.error)
                stats.halted = stats.halted or result.error or "the mail server failed"
                continue
            attempts = job.attempts + 1
            give_up = result.outcome == "failed" or attempts >= MAX_ATTEMPTS
            retry_in = settings.NEWSDESK_SMTP_RETRY_SECONDS * 2 ** (attempts - 1)
            Delivery.objects.filter(id=job.delivery_id).update(
                status=DeliveryStatus.FAILED if give_up else DeliveryStatus.DEFERRED,
                attempts=attempts, smtp_code=result.code, error=result.error,
                next_attempt_at=None if give_up else now + timedelta(seconds=retry_in))
            if result.outcome == "failed":
                bounce_record(email=job.email, kind=BounceKind.HARD, status=str(result.code or ""),
                              diagnostic=result.error)
            elif give_up:
                bounce_record(email=job.email, kind=BounceKind.SOFT, status=str(result.code or ""),
                              diagnostic=result.error)
            if give_up:
                stats.failed += 1
            else:
                stats.deferred += 1
    stats.sent += len(sent)


class _Builder:
    """Builds each recipient's message, rendering each edition once."""

    def __init__(self, digest: Digest) -> None:
        self.digest = digest
        self.messages: dict[int, DigestMessage] = {}
        self.domain = mail_domain()

    def rendered(self, edition: Edition) -> RenderedDigest:
        articles = edition_articles(list(edition.article_ids))
        return digest_render(
            sections=digest_sections(articles, regions=edition.regions),
            frequency=self.digest.frequency, edition_id=edition.id, regions=edition.regions,
            countries=edition.countries, since=edition.since, until=edition.until)

    def job(self, *, delivery_id: int, edition_id: int, subscriber_id: int, email: str,
            attempts: int) -> _Job:
        message = self.messages.get(edition_id)
        if message is None:
            message = DigestMessage(self.rendered(Edition.objects.get(id=edition_id)))
            self.messages[edition_id] = message
        token = manage_token(subscriber_id=subscriber_id, email=email)
        raw = message.build(to=email, token=token, message_id=digest_message_id(
            digest_id=self.digest.id, delivery_id=delivery_id, email=email, domain=self.domain))
        return _Job(delivery_id, subscriber_id, email, attempts, raw, message.envelope_from)


def _drain(results: queue.Queue[_Result]) -> list[_Result]:
    done = []
    while True:
        try:
            done.append(results.get_nowait())
        except queue.Empty:
            return done


def _deliver_pass(digest: Digest, senders: list[_Sender], results: queue.Queue[_Result],
                  builder: _Builder, stats: SendStats, owner: str) -> None:
    """Send every delivery due now, once each: keep each sender busy, build between answers."""
    idle = list(senders)
    waiting: deque[_Job] = deque()
    rows: deque[tuple[int, int, int, str, str, int]] = deque()
    after_id, exhausted, in_flight = 0, False, 0
    renewed = time.monotonic()
    while True:
        while idle and waiting and not stats.halted and not stats.busy:
            idle.pop().inbox.put(waiting.popleft())
            in_flight += 1
        done = _drain(results)
        if not done:
            if (not stats.halted and not stats.busy and not exhausted
                    and len(waiting) < 2 * len(senders)):
                if not rows:
                    started = time.perf_counter()
                    rows.extend(deliveries_due(digest=digest, now=timezone.now(),
                                               after_id=after_id, limit=BATCH))
                    stats.db_seconds += time.perf_counter() - started
                    exhausted = not rows
                    after_id = rows[-1][0] if rows else after_id
                    continue
                delivery_id, edition_id, subscriber_id, email, status, attempts = rows.popleft()
                if status != SubscriberStatus.ACTIVE:
                    Delivery.objects.filter(id=delivery_id).update(status=DeliveryStatus.SKIPPED)
                    stats.skipped += 1
                    continue
                started = time.perf_counter()
                waiting.append(builder.job(delivery_id=delivery_id, edition_id=edition_id,
                                           subscriber_id=subscriber_id, email=email,
                                           attempts=attempts))
                stats.editions.add(edition_id)
                stats.render_seconds += time.perf_counter() - started
                continue
            if in_flight == 0:
                # nothing sending, nothing left to load; after a halt, what was built waits
                # untouched for the next run
                return
            done = [results.get(), *_drain(results)]
        started = time.perf_counter()
        _record([(job, result) for _, job, result, _ in done], timezone.now(), stats)
        stats.db_seconds += time.perf_counter() - started
        for sender, _, _, seconds in done:
            idle.append(sender)
            stats.smtp_seconds += seconds
        in_flight -= len(done)
        if time.monotonic() - renewed > LEASE.total_seconds() / 3:
            if not _lease_renew(digest, owner):
                log.warning("digest %s: the lease was lost; another runner sends the rest",
                            digest.id)
                stats.busy = True  # what was handed out finishes; nothing more goes out
            renewed = time.monotonic()


def digest_deliver(*, digest: Digest, connections: int | None = None,
                   retry_wait_max: float = 0.0) -> SendStats:
    """Deliver what is left of a digest; safe to call again after a crash, or concurrently.

    Deferred recipients are retried in this call when their time comes within retry_wait_max
    seconds; otherwise a later call (the next scheduled run) picks them up.
    """
    stats = SendStats()
    owner = _owner()
    if not _lease_take(digest, owner):
        stats.busy = True
        return stats
    results: queue.Queue[_Result] = queue.Queue()
    limiter = RateLimiter(settings.NEWSDESK_SMTP_RATE_LIMITS)
    make = transport_factory()
    senders = [_Sender(make, limiter, results)
               for _ in range(max(1, connections or settings.NEWSDESK_SMTP_CONNECTIONS))]
    for sender in senders:
        sender.start()
    builder = _Builder(digest)
    # The sending threads wait on sockets and need the GIL back at once when an answer comes;
    # with the default 5 ms switch interval each SMTP round trip would queue behind rendering.
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    try:
        while True:
            _deliver_pass(digest, senders, results, builder, stats, owner)
            if stats.busy:
                break
            if stats.halted:
                log.error("digest %s stopped: the mail server answered %s", digest.id,
                          stats.halted)
                break
            retry_at = next_retry_at(digest=digest)
            if retry_at is None:
                Digest.objects.filter(id=digest.id).update(status=DigestStatus.DONE,
                                                           finished_at=timezone.now())
                break
            wait = (retry_at - timezone.now()).total_seconds()
            if wait > retry_wait_max:
                break
            if not _sleep_holding(digest, owner, wait):
                stats.busy = True
                break
    finally:
        sys.setswitchinterval(switch_interval)
        for sender in senders:
            sender.inbox.put(None)
        for sender in senders:
            sender.join(timeout=30)
        _lease_release(digest, owner)
    return stats


def digests_unfinished(frequencies: Iterable[str]) -> list[Digest]:
    return list(Digest.objects.filter(status=DigestStatus.SENDING, frequency__in=list(frequencies))
                .order_by("created_at"))


def newsletter_send(*, frequencies: Iterable[str], now: datetime | None = None,
                    connections: int | None = None, retry_wait_max: float = 0.0
                    ) -> list[tuple[Digest, SendStats]]:
    """The scheduled job: finish unfinished digests, then plan and deliver new ones."""
    frequencies = list(frequencies)
    done = []
    for digest in digests_unfinished(frequencies):
        done.append((digest, digest_deliver(digest=digest, connections=connections,
                                            retry_wait_max=retry_wait_max)))
    for frequency in frequencies:
        if Digest.objects.filter(Q(status=DigestStatus.SENDING), frequency=frequency).exists():
            continue  # still deferred recipients: the next run finishes it first
        digest = digest_plan(frequency=frequency, now=now)
        if digest is not None:
            done.append((digest, digest_deliver(digest=digest, connections=connections,
                                                retry_wait_max=retry_wait_max)))
    return done


def digest_send_test(*, subscriber: Subscriber, to_email: str, now: datetime | None = None) -> int:
    """Mail to_email the digest subscriber would get for the last period (or week), marked as a
    test, with links that name nobody; nothing is recorded. Returns how many articles it held.
    """
    now = now or timezone.now()
    since = now - PERIODS[Frequency(subscriber.frequency)]
    article_ids = edition_article_ids(regions=subscriber.regions, countries=subscriber.countries,
                                      since=since, until=now)
    if not article_ids and subscriber.frequency == Frequency.DAILY:
        since = now - PERIODS[Frequency.WEEKLY]
        article_ids = edition_article_ids(regions=subscriber.regions,
                                          countries=subscriber.countries, since=since, until=now)
    if not article_ids:
        return 0
    rendered = digest_render(
        sections=digest_sections(edition_articles(article_ids), regions=subscriber.regions),
        frequency=subscriber.frequency, edition_id=0, regions=subscriber.regions,
        countries=subscriber.countries, since=since, until=now)
    message = DigestMessage(replace(rendered, subject=f"[Test] {rendered.subject}"))
    raw = message.build(to=to_email, token="test",  # noqa: S106 (a token that names nobody)
                        message_id=f"<test.{uuid.uuid4().hex}@{mail_domain()}>")
    transport = transport_factory()()
    try:
        result = transport.send(envelope_from=message.envelope_from, to=to_email, raw=raw)
    finally:
        transport.close()
    if result.outcome != "sent":
        raise OSError(f"the mail server answered {result.code}: {result.error}")
    return rendered.count
