"""`make bench-extract`: Newsdesk's extractor against plain trafilatura on the extraction set.

The pages under tests/data/extraction/ each sit beside their expected result. For every page
both extractors run on the same bytes: Newsdesk's `extract_article` (with the site rules it
ships) and `trafilatura.extract` with its default options (its metadata from
`trafilatura.extract_metadata`). Body text is scored per page as bag-of-tokens precision,
recall and F1, then averaged over pages; metadata fields are exact matches.

    bench/extract.py [--repeat 3] [--pages] [--only NAME]

--pages prints one line per page; the last line is always the summary:
    extract: F1 N.NNN vs trafilatura N.NNN, N pages/s
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import trafilatura

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "data" / "extraction"))

from scoring import (  # noqa: E402
    META_FIELDS,
    Case,
    Score,
    expected_text,
    extracted_fields,
    load_set,
    lost_and_extra,
    score_text,
    unmarked,
)

from newsdesk.ingest.errors import ExtractError  # noqa: E402
from newsdesk.ingest.extract import extract_article  # noqa: E402


def newsdesk(case: Case) -> dict[str, Any]:
    try:
        article = extract_article(case.html, url=case.served_url)
    except ExtractError:
        return {"body": [], **{name: "" for name in META_FIELDS}, "pull_quotes": []}
    return extracted_fields(article)


def trafilatura_text(case: Case) -> str:
    return trafilatura.extract(case.html.decode("utf-8")) or ""


def trafilatura_meta(case: Case) -> dict[str, str]:
    doc = trafilatura.extract_metadata(case.html.decode("utf-8"), default_url=case.served_url)
    if doc is None:
        return {}
    return {"title": doc.title or "", "url": doc.url or "",
            "author": (doc.author or "").replace("; ", ", "), "published": doc.date or "",
            "image_url": doc.image or ""}


def same_day(expected: str | None, got: str | None) -> bool:
    return bool(expected) and bool(got) and str(expected)[:10] == str(got)[:10]


def timed(function: Any, cases: list[Case],
          repeat: int) -> tuple[list[Any], tuple[float, float]]:
    """Results, and pages per second over `repeat` timed rounds.

    An untimed round first: imports and one-time caches (trafilatura's fallback loads its
    stop lists on first use) are paid once by a long-running process, not per page.
    """
    results = [function(case) for case in cases]
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(repeat):
        for case in cases:
            function(case)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    # Wall-clock is the figure; CPU time shows how much of it other load on the machine took.
    return results, (len(cases) * repeat / elapsed, len(cases) * repeat / cpu)


def rate(hits: list[bool]) -> str:
    return f"{sum(hits)}/{len(hits)} ({sum(hits) / len(hits):.0%})" if hits else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds to time (default 3)")
    parser.add_argument("--pages", action="store_true", help="one line per page")
    parser.add_argument("--only", default="", help="only pages whose name contains this")
    args = parser.parse_args()

    cases = [c for c in load_set() if args.only in c.name]
    if not cases:
        raise SystemExit("no pages matched")
    ours, our_speed = timed(newsdesk, cases, args.repeat)
    theirs, their_speed = timed(trafilatura_text, cases, args.repeat)
    their_meta = [trafilatura_meta(case) for case in cases]

    our_scores: list[Score] = []
    their_scores: list[Score] = []
    if args.pages:
        print(f"{'page':42} {'newsdesk':>8} {'trafil.':>8}  lost/extra blocks")
    for case, got, text in zip(cases, ours, theirs, strict=True):
        want = expected_text(case)
        mine = score_text(want, "\n".join(unmarked(b) for b in got["body"]))
        other = score_text(want, text)
        our_scores.append(mine)
        their_scores.append(other)
        if args.pages:
            lost, extra = lost_and_extra(case.expected["body"], got["body"])
            print(f"{case.name:42} {mine.f1:8.3f} {other.f1:8.3f}  {len(lost)}/{len(extra)}")

    print(f"\n{len(cases)} pages; body text, mean over pages")
    print(f"{'':14} {'precision':>9} {'recall':>7} {'F1':>6} {'min F1':>7} {'pages/s':>8} "
          f"{'per CPU s':>9}")
    for label, scores, speed in (("newsdesk", our_scores, our_speed),
                                 ("trafilatura", their_scores, their_speed)):
        print(f"{label:14} {statistics.mean(s.precision for s in scores):9.3f} "
              f"{statistics.mean(s.recall for s in scores):7.3f} "
              f"{statistics.mean(s.f1 for s in scores):6.3f} "
              f"{min(s.f1 for s in scores):7.3f} {speed[0]:8.1f} {speed[1]:9.1f}")

    print("\nmetadata, exact match (dates: the same day, as trafilatura gives only the day)")
    print(f"{'field':28} {'newsdesk':>16} {'trafilatura':>16}")
    for name in META_FIELDS:
        mine_hits = [got[name] == case.expected[name]
                     for case, got in zip(cases, ours, strict=True)]
        if name == "published":
            mine_hits = [same_day(case.expected[name], got[name])
                         for case, got in zip(cases, ours, strict=True)]
            theirs_hits = [same_day(case.expected[name], meta.get(name))
                           for case, meta in zip(cases, their_meta, strict=True)]
        elif name in ("title", "url", "author", "image_url"):
            theirs_hits = [meta.get(name, "") == case.expected[name]
                           for case, meta in zip(cases, their_meta, strict=True)]
        else:
            theirs_hits = []
        print(f"{name:28} {rate(mine_hits):>16} {rate(theirs_hits):>16}")
    exact_dates = [got["published"] == case.expected["published"]
                   for case, got in zip(cases, ours, strict=True)]
    print(f"{'published (to the second)':28} {rate(exact_dates):>16} {'n/a':>16}")
    for name in ("pull_quotes", "image_credit"):
        having = [(case, got) for case, got in zip(cases, ours, strict=True) if case.expected[name]]
        hits = [got[name] == case.expected[name] for case, got in having]
        print(f"{name + ' (pages that have them)':28} {rate(hits):>16} {'n/a':>16}")

    f1 = statistics.mean(s.f1 for s in our_scores)
    their_f1 = statistics.mean(s.f1 for s in their_scores)
    print(f"\nextract: F1 {f1:.3f} vs trafilatura {their_f1:.3f}, {our_speed[0]:.0f} pages/s")


if __name__ == "__main__":
    main()
