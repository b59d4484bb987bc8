"""`make bench-ingest`: Newsdesk's feed update against the `reader` library's, same feeds.

500 generated feeds (half RSS 2.0, half Atom, about 35 items each) are served by a subprocess
with ETag, Last-Modified, gzip and 304s, each feed on its own loopback address (127.0.x.y), as
500 publishers would be. Each run gives each engine a fresh SQLite database, times a cold
update of every feed, then a warm one in which every feed answers 304; each engine runs in its
own process, one after the other; the table gives medians of --runs. Newsdesk's sources take
the excerpt and the site's own image, so that, as with reader, nothing but the feeds is fetched.

    bench/ingest.py [--runs 3] [--feeds 500] [--hosts 500] [--latency MS] [--items KIND]
                    [--only newsdesk|reader] [--profile DIR]

--latency delays every feed answer, as a distant publisher does; loopback has none, so the
default measures processing alone. --items picks the kind of item the feeds carry (see
bench/feedgen.py): "publisher" (the default), the whole article marked up as a publishing system
writes it into its feed, beside an excerpt; "short", a news site's one to three paragraphs of
text; "long", three to eight such paragraphs. --profile runs Newsdesk once under cProfile (slower:
read it for shares, not speed) and prints the top functions by cumulative time for each phase.
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

from feedgen import FEED_COUNT, ITEM_KINDS, feed_path

BENCH = Path(__file__).resolve().parent
PYTHON = sys.executable


class FeedServer:
    """The feed server subprocess; it stops when its stdin closes."""

    def __init__(self, count: int, hosts: int, latency_ms: float = 0.0, *,
                 items: str = ITEM_KINDS[0]) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [PYTHON, str(BENCH / "feedserver.py"), str(count), str(hosts), str(latency_ms),
             items],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=BENCH,
        )
        assert self.process.stdout is not None
        ready = self.process.stdout.readline().split()
        if not ready or ready[0] != "READY":
            self.stop()
            raise SystemExit("the feed server did not start")
        self.feeds, self.entries = int(ready[1]), int(ready[2])
        self.bases = [self.process.stdout.readline().strip() for _ in range(hosts)]
        self.stats_url = self.bases[0]

    def feed_urls(self) -> list[str]:
        """Feed n on host n mod hosts: neighbours in the list come from different hosts."""
        return [self.bases[n % len(self.bases)] + feed_path(n) for n in range(self.feeds)]

    def stop(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=10)


def _newsdesk_cli() -> list[str]:
    script = Path(PYTHON).parent / "newsdesk"
    return [str(script)] if script.exists() else [PYTHON, "-m", "newsdesk.cli"]


def _run_json(command: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    done = subprocess.run(command, env=env, cwd=BENCH, capture_output=True,  # noqa: S603
                          text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"failed: {' '.join(command[:3])}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run_newsdesk(server: FeedServer, urls: Path, home: Path,
                 profile_dir: Path | None = None) -> dict[str, Any]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("NEWSDESK_") and key != "DATABASE_URL"}
    env.update(
        NEWSDESK_HOME=str(home),
        NEWSDESK_FETCH_ALLOW_PRIVATE="127.0.0.0/8",
        NEWSDESK_DEBUG="false",  # as deployed: DEBUG would also keep every SQL query in memory
        NEWSDESK_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="newsdesk.settings",
    )
    migrated = subprocess.run([*_newsdesk_cli(), "migrate"], env=env,  # noqa: S603
                              capture_output=True, text=True, check=False)
    if migrated.returncode != 0:
        sys.stderr.write(migrated.stdout + migrated.stderr)
        raise SystemExit("newsdesk migrate failed")
    command = [PYTHON, str(BENCH / "newsdesk_run.py"), str(urls), server.stats_url]
    if profile_dir:
        command += ["--profile", str(profile_dir)]
    return _run_json(command, env)


def run_reader(server: FeedServer, urls: Path, home: Path) -> dict[str, Any]:
    command = [PYTHON, str(BENCH / "reader_run.py"), str(urls), server.stats_url, str(home)]
    return _run_json(command)


def check(engine: str, result: dict[str, Any], server: FeedServer) -> list[str]:
    """What went wrong in one run, in words; empty when the run measured what it should."""
    problems = []
    cold, warm = result["cold"], result["warm"]
    for phase in (cold, warm):
        if phase["errors"]:
            problems.append(f"{engine}: feeds failed: {phase['errors']}")
    if cold["answers"] != {"200": server.feeds}:
        problems.append(f"{engine}: cold answers {cold['answers']}, not {server.feeds} x 200")
    if warm["answers"] != {"304": server.feeds}:
        problems.append(f"{engine}: warm answers {warm['answers']}, not {server.feeds} x 304")
    if cold["entries"] != server.entries:
        problems.append(f"{engine}: stored {cold['entries']} entries of {server.entries}")
    return problems


def print_profile(profile_dir: Path, top: int = 15) -> None:
    for phase in ("cold", "warm"):
        for part, suffix in (("main thread", ""), ("polling threads together", "-pool")):
            path = profile_dir / f"newsdesk-{phase}{suffix}.prof"
            if not path.exists():
                continue
            print(f"\n--- Newsdesk {phase} update, {part}: top {top} by cumulative CPU time ---")
            stats = pstats.Stats(str(path), stream=sys.stdout)
            stats.strip_dirs().sort_stats("cumulative").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--feeds", type=int, default=FEED_COUNT)
    parser.add_argument("--hosts", type=int, help="loopback addresses the feeds are spread over "
                        "(default: one a feed; Newsdesk spaces two requests to a host 0.1 s apart)")
    parser.add_argument("--latency", type=float, default=0.0, metavar="MS",
                        help="delay every feed answer, as a distant publisher would (default 0)")
    parser.add_argument("--items", choices=ITEM_KINDS, default=ITEM_KINDS[0],
                        help="the kind of item the feeds carry (see bench/feedgen.py)")
    parser.add_argument("--only", choices=("newsdesk", "reader"))
    parser.add_argument("--profile", type=Path, metavar="DIR")
    args = parser.parse_args()

    server = FeedServer(args.feeds, args.hosts or args.feeds, args.latency, items=args.items)
    scratch = Path(tempfile.mkdtemp(prefix="newsdesk-bench-"))
    try:
        urls = scratch / "urls.txt"
        urls.write_text("".join(f"{url}\n" for url in server.feed_urls()))
        print(f"{server.feeds} feeds, {server.entries} entries ({args.items} items), served by "
              f"{len(server.bases)} loopback hosts ({server.bases[0]} ...), "
              f"{args.latency:g} ms added latency")
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
            result = run_newsdesk(server, urls, scratch / "profile", args.profile)
            for problem in check("newsdesk", result, server):
                print("WARNING:", problem)
            print_profile(args.profile)
            return
        engines = ("newsdesk", "reader") if args.only is None else (args.only,)
        results: dict[str, list[dict[str, Any]]] = {engine: [] for engine in engines}
        problems: list[str] = []
        for run in range(1, args.runs + 1):
            for engine in engines:
                home = scratch / f"{engine}-{run}"
                home.mkdir()
                runner = run_newsdesk if engine == "newsdesk" else run_reader
                result = runner(server, urls, home)
                shutil.rmtree(home)
                results[engine].append(result)
                problems += check(engine, result, server)
                cold, warm = result["cold"], result["warm"]
                print(f"run {run} {engine:8}: cold {cold['seconds']:6.2f} s "
                      f"(cpu {cold['cpu']:6.2f} s), warm {warm['seconds']:5.3f} s "
                      f"(cpu {warm['cpu']:5.3f} s), entries {cold['entries']} "
                      f"(after warm {warm['entries']})", flush=True)
        report(results, server, problems)
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def report(results: dict[str, list[dict[str, Any]]], server: FeedServer,
           problems: list[str]) -> None:
    names = {"newsdesk": f"Newsdesk {version('newsdesk')}", "reader": f"reader {version('reader')}"}
    medians: dict[str, dict[str, float]] = {}
    for engine, runs in results.items():
        medians[engine] = {
            phase: server.feeds / statistics.median(r[phase]["seconds"] for r in runs)
            for phase in ("cold", "warm")
        }
        medians[engine]["entries"] = statistics.median(r["warm"]["entries"] for r in runs)
    runs = len(next(iter(results.values())))
    print(f"\nmedians of {runs} runs, {server.feeds} feeds, {server.entries} entries served")
    print(f"{'engine':<16}{'cold feeds/s':>14}{'warm feeds/s':>14}{'entries stored':>16}")
    for engine, median in medians.items():
        print(f"{names[engine]:<16}{median['cold']:>14.1f}{median['warm']:>14.1f}"
              f"{median['entries']:>16.0f}")
    for problem in problems:
        print("WARNING:", problem)
    if set(medians) == {"newsdesk", "reader"}:
        ours, theirs = medians["newsdesk"], medians["reader"]
        if ours["entries"] != theirs["entries"]:
            print(f"WARNING: entries differ: Newsdesk {ours['entries']:.0f}, "
                  f"reader {theirs['entries']:.0f}")
        print(f"ingest vs reader: cold {ours['cold'] / theirs['cold']:.1f}x, "
              f"warm {ours['warm'] / theirs['warm']:.1f}x")


if __name__ == "__main__":
    main()
