"""One Newsdesk measurement, in its own process: cold update of every feed, then warm.

The parent has made NEWSDESK_HOME a fresh folder and run `newsdesk migrate` in it. Adding the
sources is not timed. Prints one JSON line with the timings, counts and the server's answers.
With --profile DIR, each phase also runs under cProfile and its stats go to DIR.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from feedserver import status_counts


def _timed(label: str, run: Callable[[], Any],
           profile_dir: str | None) -> tuple[float, float, Any]:
    profiler = cProfile.Profile() if profile_dir else None
    started, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    result = run()
    if profiler:
        profiler.disable()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profiler and profile_dir:
        profiler.dump_stats(os.path.join(profile_dir, f"newsdesk-{label}.prof"))
    return elapsed, cpu, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("urls", help="file with one feed URL per line")
    parser.add_argument("stats_url", help="where the feed server counts its answers")
    parser.add_argument("--profile", metavar="DIR")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
    import django

    django.setup()
    from django.utils import timezone

    from newsdesk.articles.models import Article
    from newsdesk.sources.models import ContentPolicy, PublishPolicy, Source
    from newsdesk.sources.services import sources_ingest_due

    with open(args.urls) as lines:
        urls = [line.strip() for line in lines if line.strip()]
    now = timezone.now()
    Source.objects.bulk_create(
        Source(feed_url=url, name=f"Feed {number}", home_url="", domain=urlsplit(url).hostname,
               content=ContentPolicy.EXCERPT, publish=PublishPolicy.AUTO, next_check_at=now)
        for number, url in enumerate(urls)
    )
    status_counts(args.stats_url)

    result: dict[str, Any] = {"feeds": len(urls)}
    for phase in ("cold", "warm"):
        seconds, cpu, reports = _timed(phase, lambda: sources_ingest_due(include_not_due=True),
                                  args.profile)
        result[phase] = {
            "seconds": seconds,
            "cpu": cpu,
            "polled": len(reports),
            "errors": sorted({r.error for r in reports if r.error})[:3],
            "created": sum(r.created for r in reports),
            "duplicates": sum(r.duplicates for r in reports),
            "entries": Article.objects.count(),
            "answers": status_counts(args.stats_url),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
