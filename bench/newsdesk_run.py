"""One Newsdesk measurement, in its own process: cold update of every feed, then warm.

The parent has made NEWSDESK_HOME a fresh folder and run `newsdesk migrate` in it. Adding the
sources is not timed. The update runs as `newsdesk ingest --all` does: on
NEWSDESK_INGEST_PROCESSES worker processes (one a core by default). Prints one JSON line with
the timings, counts and the server's answers. With --profile DIR, the update runs in this
process alone, each phase under cProfile (CPU time), and the stats go to DIR: the main
thread's, and the ingest's polling threads' merged.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from feedserver import status_counts


class _PoolProfiles:
    """cProfile sees only the thread that enables it: while installed, every task given to a
    ThreadPoolExecutor runs under its thread's own profiler too."""

    def __init__(self) -> None:
        self.profilers: dict[int, cProfile.Profile] = {}
        self._submit = ThreadPoolExecutor.submit

    def __enter__(self) -> _PoolProfiles:
        profilers, original = self.profilers, self._submit

        def profiled(function: Callable[..., Any]) -> Callable[..., Any]:
            def run(*args: Any, **kwargs: Any) -> Any:
                profiler = profilers.setdefault(threading.get_ident(),
                                                cProfile.Profile(time.thread_time))
                profiler.enable()
                try:
                    return function(*args, **kwargs)
                finally:
                    profiler.disable()

            return run

        def submit(pool: ThreadPoolExecutor, function: Callable[..., Any], /, *args: Any,
                   **kwargs: Any) -> Any:
            return original(pool, profiled(function), *args, **kwargs)

        ThreadPoolExecutor.submit = submit  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc_info: object) -> None:
        ThreadPoolExecutor.submit = self._submit  # type: ignore[method-assign]

    def dump(self, path: str) -> None:
        if self.profilers:
            stats = pstats.Stats(*self.profilers.values())
            stats.dump_stats(path)


def _cpu() -> float:
    """CPU seconds of this process and of its worker processes that have ended."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _timed(label: str, run: Callable[[], Any],
           profile_dir: str | None) -> tuple[float, float, Any]:
    """Wall and CPU seconds of run(); with profile_dir, the main thread's profile and the pool
    threads' (merged) go to newsdesk-LABEL.prof and newsdesk-LABEL-pool.prof there, in CPU
    time: in wall time, every C call that lets go of the GIL would carry the wait to get it
    back."""
    profiler = cProfile.Profile(time.thread_time) if profile_dir else None
    pool = _PoolProfiles()
    started, cpu = time.perf_counter(), _cpu()
    if profiler:
        pool.__enter__()
        profiler.enable()
    result = run()
    if profiler:
        profiler.disable()
        pool.__exit__()
    elapsed, cpu = time.perf_counter() - started, _cpu() - cpu
    if profiler and profile_dir:
        profiler.dump_stats(os.path.join(profile_dir, f"newsdesk-{label}.prof"))
        pool.dump(os.path.join(profile_dir, f"newsdesk-{label}-pool.prof"))
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
    from django.conf import settings
    from django.utils import timezone

    from newsdesk.articles.models import Article
    from newsdesk.sources.models import ContentPolicy, ImagePolicy, PublishPolicy, Source
    from newsdesk.sources.services import sources_ingest_due

    with open(args.urls) as lines:
        urls = [line.strip() for line in lines if line.strip()]
    now = timezone.now()
    # Excerpt and the site's own image: nothing is fetched but the feeds, as with reader.
    Source.objects.bulk_create(
        Source(feed_url=url, name=f"Feed {number}", home_url="", domain=urlsplit(url).hostname,
               content=ContentPolicy.EXCERPT, image_policy=ImagePolicy.SITE,
               publish=PublishPolicy.AUTO, next_check_at=now)
        for number, url in enumerate(urls)
    )
    status_counts(args.stats_url)

    # As `newsdesk ingest` runs by default; profiled, in this process only.
    processes = 1 if args.profile else settings.NEWSDESK_INGEST_PROCESSES
    result: dict[str, Any] = {"feeds": len(urls), "processes": processes}
    for phase in ("cold", "warm"):
        seconds, cpu, reports = _timed(phase, lambda: sources_ingest_due(
            include_not_due=True, processes=processes), args.profile)
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
