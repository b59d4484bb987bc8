"""Every page of the extraction set is a test: the body block by block, pull quotes, metadata.

The pages and their expected results live in tests/data/extraction/ (written by generate.py
there from stories.txt). A regression names the page, the paragraphs it lost and the text
around the article that leaked into it. `make bench-extract` scores the same pages.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from newsdesk.ingest.extract import extract_article
from newsdesk.ingest.types import ExtractedArticle

SET = Path(__file__).parent.parent / "data" / "extraction"


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"extraction_{name}", SET / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


scoring = _module("scoring")
CASES = scoring.load_set()


def as_expected(article: ExtractedArticle) -> dict[str, object]:
    return scoring.extracted_fields(article)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_page_extracts_as_expected(case: scoring.Case) -> None:
    got = as_expected(extract_article(case.html, url=case.served_url))
    want = case.expected
    lost, extra = scoring.lost_and_extra(want["body"], got["body"])
    problems = [f"lost paragraph: {text!r}" for text in lost]
    problems += [f"text that is not the article: {text!r}" for text in extra]
    if not lost and not extra and got["body"] != want["body"]:
        problems.append("the body's blocks are split, merged or ordered differently:\n"
                        f"  expected {want['body']!r}\n  got      {got['body']!r}")
    problems += [f"{name}: expected {want[name]!r}, got {got[name]!r}"
                 for name in scoring.META_FIELDS if got[name] != want[name]]
    assert not problems, f"{case.name} ({want['notes']}):\n" + "\n".join(problems)


def test_the_set_is_large_and_varied_enough() -> None:
    assert len(CASES) >= 40
    languages = {case.expected["language"] for case in CASES}
    assert {"en", "fr", "es", "ar", "he", "ru"} <= languages
    assert sum(bool(case.expected["pull_quotes"]) for case in CASES) >= 20
    assert sum(bool(case.expected["image_credit"]) for case in CASES) >= 30
    assert sum(len(case.expected["body"]) >= 20 for case in CASES) >= 4  # long articles


def test_expected_files_are_what_the_generator_writes() -> None:
    """A hand edit of a page or its expected result would make the two disagree."""
    generate = _module("generate")
    pages = generate.catalogue(generate.load_stories())
    assert sorted(page.name for page in pages) == [case.name for case in CASES]
    for page in pages:
        doc, expected = generate.render(page)
        assert (SET / f"{page.name}.html").read_text("utf-8") == doc, page.name
        assert json.loads((SET / f"{page.name}.expected.json").read_text("utf-8")) == expected
