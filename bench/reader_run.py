"""One measurement of the `reader` library, in its own process: cold update, then warm.

Uses reader's defaults (its vendored feedparser, which needs sgmllib3k; one worker), except
that every feed is updated, scheduled or not (reader would skip feeds inside max-age).
Prints one JSON line with the timings, counts and the server's answers.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

from feedserver import status_counts
from reader import make_reader


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("urls", help="file with one feed URL per line")
    parser.add_argument("stats_url", help="where the feed server counts its answers")
    parser.add_argument("home", help="a fresh folder for the database")
    args = parser.parse_args()

    with open(args.urls) as lines:
        urls = [line.strip() for line in lines if line.strip()]
    reader = make_reader(os.path.join(args.home, "reader.sqlite"))
    for url in urls:
        reader.add_feed(url)
    status_counts(args.stats_url)

    result: dict[str, Any] = {"feeds": len(urls)}
    for phase in ("cold", "warm"):
        started, cpu = time.perf_counter(), time.process_time()
        reader.update_feeds(scheduled=False)  # every feed, as Newsdesk's --all
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        broken = [f.last_exception for f in reader.get_feeds() if f.last_exception]
        result[phase] = {
            "seconds": seconds,
            "cpu": cpu,
            "polled": len(urls),
            "errors": sorted({str(e.value_str) for e in broken})[:3],
            "entries": reader.get_entry_counts().total,
            "answers": status_counts(args.stats_url),
        }
    reader.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
