"""A source's keyword rules: which items it keeps, by whole words in the title or text.

Pure: the words come in as the editor typed them ("ferry, town council"), any case.
"""

from __future__ import annotations

import re
from functools import lru_cache

import lxml.html


def keyword_list(typed: str) -> tuple[str, ...]:
    """The words and phrases an editor typed, split on commas and new lines, blanks dropped."""
    return tuple(" ".join(part.split()) for part in re.split(r"[,\n]", typed or "") if part.strip())


@lru_cache(maxsize=256)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    # Whole words: no letter or digit may touch either end; inner spaces match any white space.
    alternatives = "|".join(r"\s+".join(map(re.escape, word.split())) for word in words)
    return re.compile(rf"(?<![\w])(?:{alternatives})(?![\w])", re.IGNORECASE)


def text_wanted(text: str, *, include: str = "", exclude: str = "") -> bool:
    """True when the text has an include word (or there are none) and no exclude word."""
    excluded = _pattern(keyword_list(exclude))
    if excluded is not None and excluded.search(text):
        return False
    included = _pattern(keyword_list(include))
    return included is None or included.search(text) is not None


def article_wanted(title: str, body_html: str, *, include: str = "", exclude: str = "") -> bool:
    """The keyword rules applied to an article's title and the text of its body."""
    if not (include.strip() or exclude.strip()):
        return True
    text = title
    if body_html.strip():
        text += "\n" + lxml.html.fragment_fromstring(body_html, create_parent="div").text_content()
    return text_wanted(text, include=include, exclude=exclude)
