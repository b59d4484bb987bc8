"""`make bench-serve`: what a published page costs, served the way docs/deploy.md deploys it.

In one run, on 127.0.0.1 only, with a fresh NEWSDESK_HOME holding the demo publishers' articles
and production settings:

  (a) nginx with the project's configuration (deploy/nginx-newsdesk.conf) in front of
      `newsdesk serve`: a published article and the home page, from the page cache;
  (b) the same nginx serving the same article's HTML as a plain file;
  (c) `newsdesk serve` alone: the same pages from its page-cache middleware, and cache misses
      (the page's file removed before each request, so every request renders and stores it).

wrk drives (a), (b) and (c)'s hits with 64 connections for 10 s; misses are timed one request
at a time. nginx and wrk are installed from Debian's packages when missing (apt-get).

    bench/serve.py [--duration 10] [--connections 64] [--rounds 3] [--misses 40]

The last line reads `serve vs nginx: article N.NN, home N.NN, p99 N ms`: requests/s of (a)
over (b) for each page, and the worse p99 latency of the two.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from nginx_local import LocalNginx, free_port, nginx_binary, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
NEWSDESK = str(Path(sys.executable).with_name("newsdesk"))
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class Result:
    label: str
    rps: float
    p50: float  # milliseconds
    p90: float
    p99: float
    errors: int


def ensure_tools() -> None:
    missing = [pkg for pkg, tool in (("nginx-light", nginx_binary()), ("wrk", shutil.which("wrk")))
               if tool is None]
    if not missing:
        return
    print(f"installing {' '.join(missing)} from Debian's packages (apt-get)", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    apt = [*sudo, "apt-get", "install", "-y", "--no-install-recommends", *missing]
    if subprocess.run(apt, check=False).returncode != 0:  # noqa: S603
        subprocess.run([*sudo, "apt-get", "update"], check=True)  # noqa: S603
        subprocess.run(apt, check=True)  # noqa: S603
    if nginx_binary() is None or shutil.which("wrk") is None:
        sys.exit("nginx and wrk are needed: apt-get install nginx-light wrk")


def seed(env: dict[str, str]) -> dict[str, str]:
    """Migrate a fresh database and store the demo publishers' articles, published."""
    subprocess.run([NEWSDESK, "migrate", "--noinput", "-v", "0"], env=env, check=True)  # noqa: S603
    out = subprocess.run([sys.executable, __file__, "--seed-only"], env=env, check=True,  # noqa: S603
                         stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def seed_here() -> None:
    """(in a child process with the bench's environment) store the demo content."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
    django.setup()
    from datetime import datetime
    from importlib import resources

    from newsdesk.articles.models import Article
    from newsdesk.articles.services import article_store
    from newsdesk.ingest.pipeline import ProcessedItem
    from newsdesk.ingest.places import all_countries, country_regions
    from newsdesk.ingest.types import Enrichment, ExtractedArticle, FeedItem, Identity, PullQuote
    from newsdesk.sources.models import Source

    names = {name.lower(): iso2 for iso2, name in all_countries().items()}
    folder = resources.files("newsdesk.demo") / "content"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        data = json.loads(entry.read_text(encoding="utf-8"))
        source = Source.objects.create(
            feed_url=f"{data['home']}feed-bench", name=data["name"], home_url=data["home"],
            domain=data["home"].split("/")[2], publish="auto", content="full")
        for item in data["articles"]:
            paragraphs = [str(p) for p in item["body"]]
            body = "".join(f"<p>{p}</p>" for p in paragraphs)
            countries = tuple(dict.fromkeys(names[t.lower()] for t in item["tags"]
                                            if t.lower() in names)) or ("PT",)
            regions = tuple(dict.fromkeys(r for c in countries for r in country_regions(c)))
            url = f"{data['home'].rstrip('/')}/{item['slug']}"
            digest = str(abs(hash((url, body))))
            image = item.get("image") or {}
            article = ExtractedArticle(
                url=url, title=item["title"], body_html=body, author=item.get("author", ""),
                published=datetime.fromisoformat(item["published"]), language="en",
                image_url="", image_alt=image.get("alt", ""), image_credit="",
                pull_quotes=(PullQuote(item["pull_quote"], 2),) if item.get("pull_quote") else ())
            article_store(source=source, processed=ProcessedItem(
                item=FeedItem(guid=url, link=url, title=item["title"]), article=article,
                identity=Identity(guid=url, url=url, fingerprint=digest, feed_hash=digest),
                enrichment=Enrichment(primary_country=countries[0], countries=countries,
                                      regions=regions, summary=paragraphs[0][:280],
                                      reading_minutes=3)))
    longest = max(Article.objects.published(), key=lambda a: len(a.body_html))
    print(json.dumps({"article": longest.get_absolute_url(), "count":
                      str(Article.objects.published().count())}))


def wrk(url: str, label: str, *, duration: int, connections: int) -> Result:
    threads = str(os.cpu_count() or 2)
    out = subprocess.run(  # noqa: S603
        [shutil.which("wrk") or "wrk", "-t", threads, "-c", str(connections),
         "-d", f"{duration}s", "--latency", url],
        check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    dist = {pct: float(v) * _UNITS[unit]
            for pct, v, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                        out)
    errors += sum(int(n) for n in sockets.groups()) if sockets else 0
    return Result(label, rps, dist.get("50", 0.0), dist.get("90", 0.0), dist.get("99", 0.0),
                  errors)


def median_result(results: list[Result]) -> Result:
    """The median of each figure over the rounds."""
    def mid(values: list[float]) -> float:
        return float(statistics.median(values))
    return Result(results[0].label, mid([r.rps for r in results]), mid([r.p50 for r in results]),
                  mid([r.p90 for r in results]), mid([r.p99 for r in results]),
                  sum(r.errors for r in results))


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback only
        return response.status, dict(response.headers), response.read()


def time_misses(app: str, path: str, cache_file: Path, count: int) -> list[float]:
    """Milliseconds for `count` requests that each find no cached page (render and store)."""
    times = []
    for _ in range(count):
        cache_file.unlink(missing_ok=True)
        start = time.perf_counter()
        status, headers, _ = get(app + path)
        times.append((time.perf_counter() - start) * 1000)
        assert status == 200 and headers.get("X-Page-Cache") == "miss", (status, headers)
    return times


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--misses", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3,
                        help="wrk runs of (a) and (b), interleaved; medians are shown (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_only:
        seed_here()
        return
    ensure_tools()
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="newsdesk-bench-serve-"))
    home = work / "home"
    app_port = free_port()
    nginx_port = free_port()
    env = {**os.environ, "NEWSDESK_HOME": str(home), "NEWSDESK_ENV": "production",
           "NEWSDESK_SECRET_KEY": "bench-serve-" + os.urandom(16).hex(),
           "NEWSDESK_BASE_URL": f"http://127.0.0.1:{nginx_port}",
           "NEWSDESK_ALLOWED_HOSTS": "127.0.0.1", "NEWSDESK_SSL_REDIRECT": "false",
           "NEWSDESK_LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "newsdesk.settings"}
    env.pop("DATABASE_URL", None)
    server = None
    try:
        seeded = seed(env)
        article = seeded["article"]
        print(f"{seeded['count']} published articles in {home}", flush=True)
        server = subprocess.Popen(  # noqa: S603
            [NEWSDESK, "serve", "--host", "127.0.0.1", "--port", str(app_port),
             "--workers", str(args.workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(app_port, timeout=60)
        app = f"http://127.0.0.1:{app_port}"
        plain_root = work / "plain"
        plain_root.mkdir()
        with LocalNginx(workdir=work / "nginx", home=home, app_port=app_port,
                        plain_root=plain_root, port=nginx_port,
                        workers=os.cpu_count() or 2) as nginx:
            for path in (article, "/"):  # the first reader renders and stores each page
                assert get(nginx.url + path)[0] == 200
                status, headers, _ = get(nginx.url + path)
                assert headers.get("X-Page-Cache") == "nginx", (path, headers)
            page = home / "pagecache" / article.strip("/") / "index.html"
            shutil.copyfile(page, plain_root / "article.html")
            size = page.stat().st_size
            print(f"article {article}: {size / 1024:.1f} KB; home: "
                  f"{(home / 'pagecache' / 'index.html').stat().st_size / 1024:.1f} KB", flush=True)
            run = {"duration": args.duration, "connections": args.connections}
            rounds: dict[str, list[Result]] = {"plain": [], "article": [], "home": []}
            for _ in range(args.rounds):  # interleaved, so a busy moment hits all three alike
                rounds["plain"].append(wrk(f"{nginx.plain_url}/article.html",
                                           "nginx, plain file (article)", **run))
                rounds["article"].append(wrk(nginx.url + article,
                                             "nginx + newsdesk serve: article", **run))
                rounds["home"].append(wrk(nginx.url + "/", "nginx + newsdesk serve: home", **run))
            plain, art, front = (median_result(rounds[k]) for k in ("plain", "article", "home"))
            alone_art = wrk(app + article, "newsdesk serve alone: article (hit)", **run)
            alone_home = wrk(app + "/", "newsdesk serve alone: home (hit)", **run)
        time_misses(app, article, page, 2 * args.workers)  # every worker has rendered once
        time_misses(app, "/", home / "pagecache" / "index.html", 2 * args.workers)
        miss_art = time_misses(app, article, page, args.misses)
        miss_home = time_misses(app, "/", home / "pagecache" / "index.html", args.misses)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    print()
    cpus = os.cpu_count() or 2
    print(f"wrk, {args.connections} connections, {args.duration} s, {cpus} CPUs: wrk {cpus} "
          f"threads, nginx {cpus} workers, newsdesk serve {args.workers} gunicorn workers; "
          f"load average before the run {load_before:.1f}")
    print(f"(a) and (b): medians of {args.rounds} interleaved rounds")
    print(f"{'':40} {'req/s':>10} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for r in (plain, art, front, alone_art, alone_home):
        print(f"{r.label:40} {r.rps:>10.0f} {r.p50:>8.2f} {r.p90:>8.2f} {r.p99:>8.2f} "
              f"{r.errors:>8}")
    print()
    print(f"cache misses, newsdesk serve alone, {args.misses} requests each, one at a time "
          "(page file removed before each: render + store), after each worker's first render")
    print(f"{'':40} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for label, times in (("article (miss)", miss_art), ("home (miss)", miss_home)):
        print(f"{label:40} {statistics.median(times):>8.2f} {percentile(times, 90):>8.2f} "
              f"{percentile(times, 99):>8.2f} {max(times):>8.2f}")
    print()
    worst_p99 = max(art.p99, front.p99)
    print(f"serve vs nginx: article {art.rps / plain.rps:.2f}, home {front.rps / plain.rps:.2f}, "
          f"p99 {worst_p99:.0f} ms")


if __name__ == "__main__":
    main()
