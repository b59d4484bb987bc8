"""What one feed entry costs in each ingest stage, in this process, on the bench's own feeds.

`bench/ingest_stages.py [--feeds 100] [--rounds 3] [--items KIND]` generates the feeds that `make
bench-ingest` serves (no network here), then times, per entry, Newsdesk's parse, the stages
after it (extract from the feed, clean, dedupe, enrich: sources in excerpt mode) and its store
(a fresh SQLite database, one transaction a feed; with DATABASE_URL, that database, which must
be empty), and feedparser's parse with its sanitiser on, which is most of what the `reader`
library spends on an entry. Medians of --rounds.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from feedgen import ITEM_KINDS, generate


def _per_entry(run: Callable[[], object], entries: int, rounds: int,
               before: Callable[[], object] | None = None) -> float:
    times = []
    for _ in range(rounds):
        if before is not None:
            before()
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) / entries * 1e6)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--items", choices=ITEM_KINDS, default=ITEM_KINDS[0],
                        help="the kind of item (see bench/feedgen.py)")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="newsdesk-stages-"))
    os.environ.update(NEWSDESK_HOME=str(home), DJANGO_SETTINGS_MODULE="newsdesk.settings",
                      NEWSDESK_DEBUG="false", NEWSDESK_LOG_LEVEL="WARNING")
    import django

    django.setup()
    import feedparser
    from django.core.management import call_command
    from django.db import connection, transaction

    from newsdesk.articles.models import Article
    from newsdesk.articles.services import articles_store
    from newsdesk.ingest.parse import parse_feed
    from newsdesk.ingest.pipeline import SourceConfig, process_item
    from newsdesk.sources.models import ContentPolicy, ImagePolicy, PublishPolicy, Source

    call_command("migrate", verbosity=0)
    feeds = generate(args.feeds, items=args.items)
    urls = [f"https://feeds-{n}.example/feed" for n in range(len(feeds))]
    entries = sum(feed.item_count for feed in feeds)

    def parse_all() -> list:
        return [parse_feed(feed.body, url=url, content_type=feed.content_type)
                for feed, url in zip(feeds, urls, strict=True)]

    parsed = parse_all()
    configs = [SourceConfig(feed_url=url, full_text=False) for url in urls]

    def process_all() -> list:
        return [[process_item(item, config, fetch_page=_no_page) for item in feed.items]
                for feed, config in zip(parsed, configs, strict=True)]

    processed = process_all()
    sources = Source.objects.bulk_create(
        Source(feed_url=url, name=url, content=ContentPolicy.EXCERPT,
               image_policy=ImagePolicy.SITE, publish=PublishPolicy.AUTO) for url in urls)

    def store_all() -> None:
        for source, items in zip(sources, processed, strict=True):
            with transaction.atomic():
                articles_store(source=source, processed=items)

    rows = {
        "Newsdesk parse (feedparser-rs)": _per_entry(parse_all, entries, args.rounds),
        "Newsdesk extract+clean+dedupe+enrich": _per_entry(process_all, entries, args.rounds),
        f"Newsdesk store ({connection.display_name}, full-text index)": _per_entry(
            store_all, entries, args.rounds, before=lambda: Article.objects.all().delete()),
        "feedparser, sanitising (as reader)": _per_entry(
            lambda: [feedparser.parse(io.BytesIO(feed.body)) for feed in feeds],
            entries, args.rounds),
    }
    print(f"{len(feeds)} feeds, {entries} {args.items} entries; microseconds an entry, median of "
          f"{args.rounds} rounds")
    for name, micros in rows.items():
        print(f"{name:<44}{micros:>8.0f}")
    sys.stdout.flush()


def _no_page(url: str) -> object:
    raise AssertionError(f"excerpt sources fetch no page ({url})")


if __name__ == "__main__":
    main()
