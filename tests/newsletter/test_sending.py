"""The send job against a real SMTP server: retries, refusals, and a kill halfway through."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from tests.newsletter.conftest import make_article, make_subscriber
from tests.newsletter.smtpsink import SmtpServer, free_port

from newsdesk.newsletter.models import (
    Bounce,
    Delivery,
    DeliveryStatus,
    Digest,
    DigestStatus,
    Subscriber,
    SubscriberStatus,
)
from newsdesk.newsletter.sending import digest_deliver, digest_plan, newsletter_send
from newsdesk.newsletter.transport import RateLimiter

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = 40
KILL_AFTER = 15

SEED = f"""
import django
django.setup()
from datetime import timedelta
from django.utils import timezone
from newsdesk.articles.models import Article, ArticlePlace, Status
from newsdesk.newsletter.models import Subscriber
for n, region in enumerate(["asia", "africa"]):
    article = Article.objects.create(guid=f"g{{n}}", slug=f"s{{n}}", title=f"Story {{n}}",
        body_html="<p>x</p>", status=Status.PUBLISHED, fingerprint=f"f{{n}}", content_hash="h",
        site_published_at=timezone.now() - timedelta(hours=1), primary_region=region)
    ArticlePlace.objects.create(article=article, kind="region", code=region)
Subscriber.objects.bulk_create(
    Subscriber(email=f"r{{n}}@example.org", status="active", frequency="daily",
               regions=[["asia"], ["africa"], []][n % 3]) for n in range({RECIPIENTS}))
"""


@pytest.mark.django_db
def test_temporary_refusal_is_retried_with_backoff(smtp_server, settings) -> None:
    settings.NEWSDESK_SMTP_RETRY_SECONDS = 1
    make_article(title="Harbour news", regions=["asia"])
    make_subscriber("busy@example.org")
    make_subscriber("fine@example.org")
    smtp_server.sink.replies["busy@example.org"] = ["451 4.7.1 Greylisted, try again later"]
    digest = digest_plan(frequency="daily")
    assert digest is not None
    started = time.monotonic()
    stats = digest_deliver(digest=digest, retry_wait_max=5)
    assert time.monotonic() - started >= 0.9  # waited for the backoff
    assert stats.sent == 2 and stats.deferred == 1
    assert len(smtp_server.sink.to("busy@example.org")) == 1
    delivery = Delivery.objects.get(subscriber__email="busy@example.org")
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    digest.refresh_from_db()
    assert digest.status == DigestStatus.DONE


@pytest.mark.django_db
def test_a_runner_that_lost_its_lease_while_it_waited_sends_nothing_more(
        smtp_server, settings, monkeypatch) -> None:
    settings.NEWSDESK_SMTP_RETRY_SECONDS = 1
    make_article(title="Harbour news", regions=["asia"])
    make_subscriber("busy@example.org")
    smtp_server.sink.replies["busy@example.org"] = ["451 4.7.1 Greylisted, try again later"]
    digest = digest_plan(frequency="daily")
    assert digest is not None
    real_sleep = time.sleep

    def taken_meanwhile(seconds: float) -> None:
        # while this runner waits, its lease runs out and a second runner takes the digest
        Digest.objects.filter(id=digest.id).update(lease_owner="elsewhere:1:x")
        real_sleep(min(seconds, 0.05))

    monkeypatch.setattr("newsdesk.newsletter.sending.time.sleep", taken_meanwhile)
    stats = digest_deliver(digest=digest, retry_wait_max=5)

    assert stats.busy and stats.sent == 0  # the retry is the other runner's to send
    assert len(smtp_server.sink.to("busy@example.org")) == 0
    assert Delivery.objects.get().status == DeliveryStatus.DEFERRED


@pytest.mark.django_db
def test_deferred_recipients_wait_for_the_next_run(smtp_server, settings) -> None:
    settings.NEWSDESK_SMTP_RETRY_SECONDS = 600
    make_article(title="Harbour news", regions=["asia"])
    make_subscriber("later@example.org")
    smtp_server.sink.replies["later@example.org"] = ["421 4.3.2 Busy"]
    [(digest, stats)] = newsletter_send(frequencies=["daily"])
    assert stats.deferred == 1 and smtp_server.sink.received == []
    digest.refresh_from_db()
    assert digest.status == DigestStatus.SENDING
    Delivery.objects.update(next_attempt_at=timezone.now())
    [(again, stats)] = newsletter_send(frequencies=["daily"])
    assert again.id == digest.id and stats.sent == 1
    assert len(smtp_server.sink.to("later@example.org")) == 1


@pytest.mark.django_db
def test_permanent_refusal_marks_the_address(smtp_server) -> None:
    make_article(title="Harbour news", regions=["asia"])
    make_subscriber("nobody@example.org")
    make_subscriber("somebody@example.org")
    smtp_server.sink.replies["nobody@example.org"] = ["550 5.1.1 No such user"]
    [(_, stats)] = newsletter_send(frequencies=["daily"])
    assert stats.sent == 1 and stats.failed == 1
    delivery = Delivery.objects.get(subscriber__email="nobody@example.org")
    assert delivery.status == DeliveryStatus.FAILED and delivery.smtp_code == 550
    assert delivery.subscriber.status == SubscriberStatus.SUPPRESSED
    assert Bounce.objects.get(email="nobody@example.org").kind == "hard"


@pytest.mark.django_db
@pytest.mark.parametrize("trouble", ["sender refused", "no server"])
def test_a_mail_server_in_trouble_stops_the_send_and_marks_no_subscriber(
        smtp_server, settings, trouble: str) -> None:
    """A relay that refuses our sender (a forgotten login) or cannot be reached says nothing
    about the subscribers: none is bounced or suppressed, the command fails loudly, and the
    next run sends the digest whole."""
    make_article(title="Harbour news", regions=["asia"])
    for n in range(5):
        make_subscriber(f"reader{n}@example.org")
    if trouble == "sender refused":
        smtp_server.sink.mail_from_reply = "530 5.7.0 Authentication required"
        expected = "530"
    else:
        settings.EMAIL_PORT = free_port()  # nothing listens there
        expected = "ConnectionRefusedError"

    with pytest.raises(CommandError, match=expected):
        call_command("newsletter", "send", stdout=StringIO())

    assert not Bounce.objects.exists()
    assert set(Subscriber.objects.values_list("status", flat=True)) == {SubscriberStatus.ACTIVE}
    assert not Delivery.objects.filter(status=DeliveryStatus.FAILED).exists()
    smtp_server.sink.mail_from_reply = None
    settings.EMAIL_PORT = smtp_server.port
    [(_, stats)] = newsletter_send(frequencies=["daily"])
    assert stats.sent == 5 and not stats.halted
    assert len(smtp_server.sink.received) == 5


@pytest.mark.django_db
def test_subscriber_who_left_before_the_send_is_skipped(smtp_server) -> None:
    make_article(title="Harbour news", regions=["asia"])
    leaving = make_subscriber("leaving@example.org")
    digest = digest_plan(frequency="daily")
    leaving.status = SubscriberStatus.UNSUBSCRIBED
    leaving.save()
    stats = digest_deliver(digest=digest)  # type: ignore[arg-type]
    assert stats.skipped == 1 and smtp_server.sink.received == []


@pytest.mark.django_db
def test_a_digest_held_by_a_live_runner_is_left_alone(smtp_server) -> None:
    make_article(title="Harbour news", regions=["asia"])
    make_subscriber("once@example.org")
    digest = digest_plan(frequency="daily")
    assert digest is not None
    Digest.objects.filter(id=digest.id).update(
        lease_owner=f"elsewhere:{os.getpid()}:x",
        lease_until=timezone.now() + timezone.timedelta(seconds=60))
    assert digest_deliver(digest=digest).busy
    assert smtp_server.sink.received == []


def test_rate_limit_spaces_messages() -> None:
    limiter = RateLimiter("*=1000,slow.example=20")
    started = time.monotonic()
    for _ in range(5):
        limiter.wait("a@slow.example")
    assert time.monotonic() - started >= 0.19
    started = time.monotonic()
    for _ in range(5):
        limiter.wait("a@fast.example")
    assert time.monotonic() - started < 0.1


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, *args], env=env, cwd=ROOT,  # noqa: S603
                          capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def test_killed_sender_resumes_without_duplicates_or_gaps(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    server = SmtpServer().start()
    env.update(NEWSDESK_HOME=str(tmp_path), DJANGO_SETTINGS_MODULE="newsdesk.settings",
               NEWSDESK_SMTP_URL=f"smtp://127.0.0.1:{server.port}", NEWSDESK_SMTP_CONNECTIONS="1",
               NEWSDESK_LOG_LEVEL="WARNING")
    try:
        _run(["-m", "newsdesk.cli", "migrate", "-v", "0"], env)
        _run(["-c", SEED], env)
        sender = subprocess.Popen([sys.executable, "-m", "newsdesk.cli", "newsletter", "send"],
                                  env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)

        def kill_midway(envelope: object) -> str | None:
            if server.sink.count < KILL_AFTER:
                return None
            os.kill(sender.pid, signal.SIGKILL)  # dies while this message is still in DATA
            return "451 4.3.0 Shutting down"

        server.sink.on_data = kill_midway
        assert sender.wait(timeout=60) == -signal.SIGKILL
        assert server.sink.count == KILL_AFTER

        server.sink.on_data = None
        resumed = _run(["-m", "newsdesk.cli", "newsletter", "send"], env)
        assert f"sent {RECIPIENTS - KILL_AFTER}," in resumed.stdout
    finally:
        server.stop()
    per_recipient = Counter(m.rcpt_tos[0] for m in server.sink.received)
    assert len(per_recipient) == RECIPIENTS
    assert set(per_recipient.values()) == {1}


@pytest.mark.django_db
def test_daily_digests_keep_their_hour_under_an_hourly_schedule() -> None:
    start = datetime(2025, 3, 2, 8, 0, 30, tzinfo=UTC)  # the last digest went at 08:00
    reader = make_subscriber("reader@example.org", last_digest_at=start)
    planned = []
    for hour in range(1, 24 * 6 + 1):  # the beat's hourly run, for six days
        now = start + timedelta(hours=hour, seconds=-20)  # runs come a little early, or late
        make_article(title=f"Story {hour}", published=now - timedelta(minutes=30))
        digest = digest_plan(frequency="daily", now=now)
        if digest is not None and Delivery.objects.filter(digest=digest, subscriber=reader):
            planned.append(now)
    assert len(planned) == 6  # one a day
    assert {when.hour for when in planned} == {8}  # at the hour the reader got used to
