"""Keyword rules: whole words, any case, on the title and the text."""

from __future__ import annotations

import pytest

from newsdesk.ingest.rules import article_wanted, keyword_list, text_wanted


def test_typed_words_are_split_on_commas_and_lines() -> None:
    assert keyword_list(" ferry,  town   council\nharbour ,, ") == ("ferry", "town council",
                                                                    "harbour")


@pytest.mark.parametrize(("text", "include", "exclude", "kept"), [
    ("The Ferry runs again", "ferry", "", True),  # any case
    ("Ferryman retires", "ferry", "", False),  # whole words only
    ("Town  Council votes", "town council", "", True),  # a phrase, white space folded
    ("Budget vote", "ferry, budget", "", True),  # any one include word
    ("Budget vote on sport", "budget", "sport", False),  # exclude wins
    ("Sportsmanship award", "", "sport", True),
    ("Anything at all", "", "", True),
    ("C++ meetup", "c++", "", True),  # punctuation in a word is taken literally
])
def test_text_wanted(text: str, include: str, exclude: str, kept: bool) -> None:
    assert text_wanted(text, include=include, exclude=exclude) is kept


def test_the_body_text_counts_not_its_markup() -> None:
    body = '<p>The <a href="https://example.org/ferry">quay</a> reopens.</p>'
    assert not article_wanted("Harbour news", body, include="ferry")
    assert article_wanted("Harbour news", body, include="quay")
