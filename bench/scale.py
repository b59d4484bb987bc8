"""`make bench-scale`: the scale path measured: Celery workers on PostgreSQL and Redis.

2,000 generated feeds (bench/feedgen.py: half RSS 2.0, half Atom, about 35 of its "short" items
each) are served by bench/feedserver.py on 200 loopback hosts. For 1, 2 and 4 worker processes
(`newsdesk worker --concurrency 1` each), the bench makes a fresh PostgreSQL database, follows
every feed (excerpt mode: the feeds carry the text), starts the workers, enqueues the first
ingest batches and times until every source has been polled. Per run it prints feeds/s,
articles/s, database time per article (PostgreSQL's own `active_time`: time its backends
spent executing statements), commits and rows written per article, and Redis commands per feed
(broker and politeness together).

    bench/scale.py [--feeds 2000] [--hosts 200] [--workers 1,2,4]

Needs PostgreSQL at NEWSDESK_BENCH_POSTGRES (default
postgres://postgres@127.0.0.1:5432/newsdesk_bench_scale; the database is dropped and made
again for each run) and Redis at NEWSDESK_BENCH_REDIS (default redis://127.0.0.1:6379/14).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis

from ingest import FeedServer

BENCH = Path(__file__).resolve().parent
NEWSDESK = str(Path(sys.executable).parent / "newsdesk")
POSTGRES_URL = os.environ.get("NEWSDESK_BENCH_POSTGRES",
                              "postgres://postgres@127.0.0.1:5432/newsdesk_bench_scale")
REDIS_URL = os.environ.get("NEWSDESK_BENCH_REDIS", "redis://127.0.0.1:6379/14")
QUEUE = "newsdesk-bench-scale"
STATS = ("active_time", "xact_commit", "tup_inserted", "tup_updated", "tup_deleted")


@dataclass(frozen=True)
class Run:
    workers: int
    feeds: int
    articles: int
    failed: int
    seconds: float
    db_ms: float  # PostgreSQL active time
    commits: int
    rows_written: int
    redis_commands: int
    warm_seconds: float  # the same feeds polled again: every one answers 304

    def line(self) -> str:
        per = max(self.articles, 1)
        return (f"{self.workers:>7} {self.feeds / self.seconds:>9.1f} "
                f"{self.articles / self.seconds:>11.0f} {self.db_ms / per:>13.3f} "
                f"{self.commits / per:>12.2f} {self.rows_written / per:>11.2f} "
                f"{self.redis_commands / self.feeds:>12.1f} {self.seconds:>8.1f} "
                f"{self.feeds / self.warm_seconds:>13.1f}")


HEADER = (f"{'workers':>7} {'feeds/s':>9} {'articles/s':>11} {'db ms/article':>13} "
          f"{'commits/art':>12} {'rows/art':>11} {'redis/feed':>12} {'seconds':>8} "
          f"{'304 feeds/s':>13}")


def admin_url() -> str:
    return POSTGRES_URL.rsplit("/", 1)[0] + "/postgres"


def database_name() -> str:
    return urlsplit(POSTGRES_URL).path.lstrip("/")


def recreate_database() -> None:
    name = database_name()
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_stats() -> dict[str, float]:
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        query = f"SELECT {', '.join(STATS)} FROM pg_stat_database WHERE datname = %s"  # noqa: S608
        row = conn.execute(query, (database_name(),)).fetchone()
    assert row is not None
    return dict(zip(STATS, (float(value or 0) for value in row), strict=True))


def redis_commands(client: redis.Redis) -> int:
    return int(client.info("stats")["total_commands_processed"])


def newsdesk_env(home: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": POSTGRES_URL, "NEWSDESK_HOME": str(home),
            "NEWSDESK_BROKER_URL": REDIS_URL, "NEWSDESK_REDIS_URL": REDIS_URL,
            "NEWSDESK_QUEUE": QUEUE, "NEWSDESK_FETCH_ALLOW_PRIVATE": "127.0.0.0/8",
            "NEWSDESK_DEBUG": "false", "NEWSDESK_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "newsdesk.settings"}


FOLLOW = """
import sys
import django
django.setup()
from django.utils import timezone
from newsdesk.sources.models import ContentPolicy, ImagePolicy, PublishPolicy, Source
from urllib.parse import urlsplit
urls = [line.strip() for line in open(sys.argv[1]) if line.strip()]
now = timezone.now()
# Excerpt and the site's own image, as in bench-ingest: nothing is fetched but the feeds (the
# generated items name pictures on hosts that do not exist).
Source.objects.bulk_create(
    Source(feed_url=url, name=f"Feed {n}", home_url="", domain=urlsplit(url).hostname,
           content=ContentPolicy.EXCERPT, image_policy=ImagePolicy.SITE,
           publish=PublishPolicy.AUTO, next_check_at=now)
    for n, url in enumerate(urls))
"""

PROGRESS = """
SELECT count(*) FILTER (WHERE last_success_at IS NOT NULL OR consecutive_failures > 0),
       count(*) FILTER (WHERE consecutive_failures > 0),
       (SELECT count(*) FROM articles_article)
FROM sources_source
"""


def prepare(urls: Path, env: dict[str, str]) -> None:
    recreate_database()
    for command in ([NEWSDESK, "migrate", "--noinput"],
                    [sys.executable, str(urls.parent / "follow.py"), str(urls)]):
        done = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
        if done.returncode != 0:
            sys.stderr.write(done.stdout + done.stderr)
            raise SystemExit(f"failed: {' '.join(command[:2])}")


def start_workers(count: int, env: dict[str, str], logs: Path) -> list[subprocess.Popen[bytes]]:
    workers = []
    for n in range(count):
        log = open(logs / f"worker-{n}.log", "wb")  # noqa: SIM115 - closed with the process
        workers.append(subprocess.Popen(  # noqa: S603
            [NEWSDESK, "worker", "--concurrency", "1", "--name", f"bench{n}@%h",
             "--loglevel", "INFO"], env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True))
    deadline = time.monotonic() + 60
    for n in range(count):
        while b" ready." not in (logs / f"worker-{n}.log").read_bytes():
            if time.monotonic() > deadline or workers[n].poll() is not None:
                raise SystemExit(f"worker {n} did not start: see {logs / f'worker-{n}.log'}")
            time.sleep(0.1)
    return workers


def stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        worker.wait(60)


def kick(count: int) -> None:
    """The first ingest batches, one a worker; each full batch enqueues the next."""
    from celery import Celery

    app = Celery("newsdesk-bench", broker=REDIS_URL)
    for _ in range(count):
        app.send_task("newsdesk.sources.ingest_due_batch", queue=QUEUE)
    app.close()


def measure(workers: int, feeds: int, urls: Path, scratch: Path, client: redis.Redis) -> Run:
    home = scratch / f"home-{workers}"
    home.mkdir()
    env = newsdesk_env(home)
    prepare(urls, env)
    client.delete(QUEUE)
    running = start_workers(workers, env, home)
    before, commands = database_stats(), redis_commands(client)
    started = time.perf_counter()
    kick(workers)
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        while True:
            polled, failed, articles = conn.execute(PROGRESS).fetchone() or (0, 0, 0)
            if polled >= feeds:
                break
            time.sleep(0.1)
    seconds = time.perf_counter() - started
    commands = redis_commands(client) - commands
    stop(running)
    time.sleep(1.0)  # backends report their statistics as they exit
    after = database_stats()
    running = start_workers(workers, env, home)  # fresh workers, outside the figures above
    warm_seconds = poll_again(workers)
    stop(running)
    return Run(workers=workers, feeds=feeds, articles=articles, failed=failed, seconds=seconds,
               db_ms=after["active_time"] - before["active_time"],
               commits=int(after["xact_commit"] - before["xact_commit"]),
               rows_written=int(sum(after[k] - before[k]
                                    for k in ("tup_inserted", "tup_updated", "tup_deleted"))),
               redis_commands=commands, warm_seconds=warm_seconds)


def poll_again(workers: int) -> float:
    """Make every source due again and time a pass in which every feed answers 304."""
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        begun = conn.execute("SELECT now()").fetchone()
        conn.execute("UPDATE sources_source SET next_check_at = now()")
        started = time.perf_counter()
        kick(workers)
        query = "SELECT count(*) FROM sources_source WHERE last_success_at < %s"
        while (conn.execute(query, begun).fetchone() or (0,))[0]:
            time.sleep(0.1)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    try:
        with psycopg.connect(admin_url(), connect_timeout=3) as conn:
            version = conn.execute("SHOW server_version").fetchone()
        client = redis.Redis.from_url(REDIS_URL)
        client.ping()
    except (psycopg.Error, redis.RedisError) as exc:
        raise SystemExit(f"bench-scale needs PostgreSQL ({admin_url()}) and Redis ({REDIS_URL}): "
                         f"{exc}") from exc

    server = FeedServer(args.feeds, args.hosts, items="short")  # as docs/scaling.md's figures
    scratch = Path(tempfile.mkdtemp(prefix="newsdesk-bench-scale-"))
    complete = True
    try:
        urls = scratch / "urls.txt"
        urls.write_text("".join(f"{url}\n" for url in server.feed_urls()))
        (scratch / "follow.py").write_text(FOLLOW)
        print(f"{server.feeds} feeds, {server.entries} entries, {len(server.bases)} loopback "
              f"hosts; PostgreSQL {version[0] if version else '?'}, {os.cpu_count()} CPUs; "
              f"each worker is one process", flush=True)
        print(HEADER, flush=True)
        for workers in (int(n) for n in args.workers.split(",")):
            run = measure(workers, server.feeds, urls, scratch, client)
            print(run.line(), flush=True)
            if run.failed or run.articles != server.entries:
                complete = False
                print(f"WARNING: {run.failed} feeds failed; {run.articles} of {server.entries} "
                      f"entries stored (logs in {scratch})", flush=True)
    finally:
        server.stop()
        client.delete(QUEUE)
        if complete:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
