"""How an extraction is compared with a page's expected result; used by the tests and the bench.

Body text is scored as the article-extraction benchmarks do it: the bag of word tokens of the
extracted text against that of the expected text, precision, recall and F1 per page.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lxml.html

HERE = Path(__file__).resolve().parent
META_FIELDS = ("title", "url", "author", "published", "image_url", "image_credit",
               "image_caption", "pull_quotes")
# Elements whose edges separate words even when the markup has no space between them.
SPACED = frozenset({"td", "th", "tr", "li", "br", "p", "div", "dt", "dd", "h1", "h2", "h3",
                    "h4", "h5", "h6", "blockquote", "figcaption", "caption"})
MARKER = re.compile(r"^\[(?:h[1-6]|ul|ol|table|blockquote|pre|dl|figure)\] ")


@dataclass(frozen=True)
class Case:
    name: str
    html: bytes
    expected: dict[str, Any]

    @property
    def served_url(self) -> str:
        return str(self.expected["served_url"])


def load_set() -> list[Case]:
    return [Case(path.stem, path.read_bytes(),
                 json.loads(path.with_suffix("").with_suffix(".expected.json").read_text("utf-8")))
            for path in sorted(HERE.glob("*.html"))]


def fold(text: str) -> str:
    return " ".join(text.split())


def spaced_text(element: lxml.html.HtmlElement) -> str:
    """The element's text as a reader sees it: cells and items apart, white space folded."""
    pieces: list[str] = []

    def walk(el: lxml.html.HtmlElement) -> None:
        spaced = isinstance(el.tag, str) and el.tag in SPACED
        if spaced:
            pieces.append(" ")
        if el.text and isinstance(el.tag, str):
            pieces.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                pieces.append(child.tail)
        if spaced:
            pieces.append(" ")

    walk(element)
    return fold("".join(pieces))


def body_blocks(body_html: str) -> list[str]:
    """One text per top-level block, marked as in the expected files."""
    if not body_html.strip():
        return []
    container = lxml.html.fragment_fromstring(body_html, create_parent="div")
    blocks = []
    for block in container:
        if not isinstance(block.tag, str):
            continue
        text = spaced_text(block)
        if not text:
            continue
        blocks.append(text if block.tag == "p" else f"[{block.tag}] {text}")
    return blocks


def extracted_fields(article: Any) -> dict[str, Any]:
    """An ExtractedArticle in the shape of the set's expected files."""
    return {
        "title": article.title,
        "url": article.url,
        "author": article.author,
        "published": article.published.isoformat() if article.published else None,
        "image_url": article.image_url,
        "image_credit": article.image_credit,
        "image_caption": article.image_caption,
        "pull_quotes": [[quote.text, quote.position] for quote in article.pull_quotes],
        "body": body_blocks(article.body_html),
    }


def unmarked(block: str) -> str:
    return MARKER.sub("", block)


def tokens(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.lower()))


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def score_text(expected: str, got: str) -> Score:
    want, have = tokens(expected), tokens(got)
    common = sum((want & have).values())
    if not want and not have:
        return Score(1.0, 1.0)
    precision = common / sum(have.values()) if have else 0.0
    recall = common / sum(want.values()) if want else 0.0
    return Score(precision, recall)


def expected_text(case: Case) -> str:
    return "\n".join(unmarked(b) for b in case.expected["body"])


def lost_and_extra(expected_blocks: list[str],
                   got_blocks: list[str]) -> tuple[list[str], list[str]]:
    """Expected blocks the extraction lost, and extracted blocks the article does not have."""
    got_text = " ".join(unmarked(b) for b in got_blocks)
    want_text = " ".join(unmarked(b) for b in expected_blocks)
    lost = [b for b in expected_blocks if b not in got_blocks and unmarked(b) not in got_text]
    extra = [b for b in got_blocks if b not in expected_blocks and unmarked(b) not in want_text]
    return lost, extra
