"""`make bench-newsletter`: one digest to 100,000 generated subscribers through real SMTP.

The subscribers are spread over 8 region combinations (so 8 renderings), the articles over
every region. An aiosmtpd sink on 127.0.0.1, in its own process, counts the messages it
accepts. Set-up (migrate, generate) and the send run in separate processes, so the peak memory
reported is the sender's alone. Prints messages/s, peak memory, and how the sender's time
divides between rendering (editions, tokens, message bytes), SMTP and the database.

    bench/newsletter.py [--subscribers 100000] [--connections 8]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
COMBINATIONS = [["asia"], ["africa"], ["europe"], ["americas"], ["middle-east"], ["oceania"],
                ["africa", "middle-east"], []]
ARTICLES_PER_REGION = 4


def sink() -> None:
    """The counting SMTP server: prints READY <port>, then the count when stdin closes.

    aiosmtpd reads DATA line by line, a few microseconds a line: at a thousand messages a
    second of a hundred lines that alone fills a core, and the bench would time the sink.
    This sink reads DATA up to its terminating dot in one call and keeps nothing.
    """
    import socket

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    class CountingSMTP(SMTP):
        line_length_limit = 64 * 1024 * 1024  # the stream limit: one whole message
        count = 0

        async def smtp_DATA(self, arg: str) -> None:
            if not self.envelope.rcpt_tos:
                await self.push("503 Error: need RCPT command")
                return
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            await self._reader.readuntil(b"\r\n.\r\n")
            CountingSMTP.count += 1
            self._set_post_data_state()
            await self.push("250 OK")

    class CountingController(Controller):
        def factory(self) -> SMTP:
            return CountingSMTP(self.handler, **self.SMTP_kwargs)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = CountingController(object(), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"READY {port}", flush=True)
    sys.stdin.read()
    controller.stop()
    print(CountingSMTP.count, flush=True)


def _django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
    django.setup()


def setup(count: int) -> None:
    """Migrate a fresh database; generate articles and subscribers."""
    _django()
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from newsdesk.articles.models import Article, ArticlePlace, ImageSource, PlaceKind, Status
    from newsdesk.ingest.places import region_names
    from newsdesk.newsletter.models import Subscriber, SubscriberStatus

    call_command("migrate", verbosity=0)
    now = timezone.now()
    n = 0
    for region in region_names():
        for _ in range(ARTICLES_PER_REGION):
            n += 1
            article = Article.objects.create(
                guid=f"bench-{n}", slug=f"bench-story-{n}", original_url=f"https://pub.example/{n}",
                title=f"Regional council in {region} approves harbour plan number {n}",
                summary=("The council voted to rebuild the quay, extend the ferry timetable and "
                         "open the market on Sundays, after a year of consultation. ") * 2,
                body_html="<p>Text.</p>", status=Status.PUBLISHED, fingerprint=f"fp{n}",
                content_hash="h", primary_region=region, image_source=ImageSource.PUBLISHER,
                image_url=f"https://pub.example/img/{n}.jpg", image_credit="Pub Example",
                site_published_at=now - timedelta(hours=1 + n % 12))
            ArticlePlace.objects.create(article=article, kind=PlaceKind.REGION, code=region)
    batch = []
    for i in range(count):
        batch.append(Subscriber(email=f"reader{i}@example.net", frequency="daily",
                                status=SubscriberStatus.ACTIVE,
                                regions=COMBINATIONS[i % len(COMBINATIONS)]))
        if len(batch) == 5000:
            Subscriber.objects.bulk_create(batch)
            batch = []
    Subscriber.objects.bulk_create(batch)


def send(connections: int) -> None:
    """Plan and deliver the digest; print the stats as JSON."""
    _django()
    from newsdesk.newsletter.models import Edition
    from newsdesk.newsletter.sending import digest_deliver, digest_plan

    started = time.perf_counter()
    digest = digest_plan(frequency="daily")
    planned = time.perf_counter()
    assert digest is not None, "nothing planned"
    stats = digest_deliver(digest=digest, connections=connections)
    finished = time.perf_counter()
    print(json.dumps({
        "sent": stats.sent, "failed": stats.failed, "deferred": stats.deferred,
        "editions": Edition.objects.filter(digest=digest).count(),
        "plan_seconds": planned - started, "deliver_seconds": finished - planned,
        "render_seconds": stats.render_seconds, "smtp_seconds": stats.smtp_seconds,
        "db_seconds": stats.db_seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cpu_seconds": sum(os.times()[:2]),
    }))


def _step(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, __file__, *args], env=env,  # noqa: S603
                          capture_output=True,
                          text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"bench step {args[0]} failed")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--step", choices=["sink", "setup", "send"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step == "sink":
        return sink()
    if args.step == "setup":
        return setup(args.subscribers)
    if args.step == "send":
        return send(args.connections)

    server = subprocess.Popen([sys.executable, __file__, "--step", "sink"],  # noqa: S603
                              stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdin is not None
    ready = server.stdout.readline().split()
    if not ready or ready[0] != "READY":
        raise SystemExit("the SMTP sink did not start")
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as home:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(NEWSDESK_HOME=home, NEWSDESK_SMTP_URL=f"smtp://127.0.0.1:{ready[1]}",
                   NEWSDESK_DEBUG="false", NEWSDESK_LOG_LEVEL="WARNING",
                   DJANGO_SETTINGS_MODULE="newsdesk.settings")
        print(f"generating {args.subscribers:,} subscribers over {len(COMBINATIONS)} region "
              "combinations ...", flush=True)
        _step(["--step", "setup", "--subscribers", str(args.subscribers)], env)
        print(f"sending through {args.connections} SMTP connections to 127.0.0.1:{ready[1]} ...",
              flush=True)
        result = json.loads(_step(["--step", "send", "--connections", str(args.connections)],
                                  env).strip().splitlines()[-1])
    server.stdin.close()
    counted = int(server.stdout.read().split()[-1])
    server.wait(timeout=30)

    total = result["plan_seconds"] + result["deliver_seconds"]
    rate = result["sent"] / total
    render, smtp, db = result["render_seconds"], result["smtp_seconds"], result["db_seconds"]
    wall = result["deliver_seconds"]
    print(f"planned {result['sent']:,} deliveries in {result['editions']} editions "
          f"in {result['plan_seconds']:.1f} s; delivered in {wall:.1f} s")
    print(f"the sink counted {counted:,} messages; failed {result['failed']}, "
          f"deferred {result['deferred']}")
    print(f"time: rendering {render:.1f} s ({render / (render + smtp):.0%}) vs SMTP {smtp:.1f} s "
          f"({smtp / (render + smtp):.0%}, summed over {args.connections} connections, "
          f"{smtp / wall:.1f} busy on average); database {db:.1f} s; "
          f"rendering and database take {(render + db) / wall:.0%} of the sender's wall time")
    print(f"sender CPU {result['cpu_seconds']:.1f} s for {result['sent']:,} messages "
          f"({1000 * result['cpu_seconds'] / max(1, result['sent']):.2f} ms each); "
          f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if counted != result["sent"]:
        raise SystemExit(f"the sink counted {counted} but the sender recorded {result['sent']}")
    print(f"newsletter: {rate:.0f} messages/s, peak {result['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
