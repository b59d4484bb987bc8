"""Enrich: which countries and regions an article is about, a short summary, a reading time."""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser

from newsdesk.ingest.places import country_regions, mentions
from newsdesk.ingest.types import Enrichment

HEADLINE_CHARS = 90  # a title made from the text: about as long as a headline
TITLE_WEIGHT = 3  # the country in the headline is what the story is about, whatever the body says

_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table td th tr ul".split()
)
_UNSEEN_TAGS = frozenset({"script", "style", "template"})
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s)|[。！？][」』”）]*")  # CJK needs no space
# A full stop after these is an abbreviation, not the end of a sentence.
_ABBREVIATIONS = frozenset(
    "Mr Mrs Ms Dr Prof St Jr Sr Gen Gov Sen Rep Col Lt Capt Sgt No vs".split()
)
_INITIALS = re.compile(r"[A-Z](?:\.[A-Z])*")
_TRAILING_PUNCTUATION = " ,;:-–—(\"'“‘"


def enrich(
    *,
    title: str,
    text: str,
    summary_hint: str = "",
    default_countries: tuple[str, ...] = (),
    default_regions: tuple[str, ...] = (),
    summary_chars: int = 280,
    words_per_minute: int = 230,
) -> Enrichment:
    """Place, summarise and time one article.

    text is the article's plain text; summary_hint (the feed's summary) may be HTML. When the
    article names no country, the source's default countries stand in for the mentioned ones.
    """
    weighted = _countries_by_weight(title, text) or [(iso2, 0) for iso2 in default_countries]
    countries = tuple(iso2 for iso2, _ in weighted)
    return Enrichment(
        primary_country=countries[0] if countries else "",
        countries=countries,
        regions=_regions(weighted, default_regions),
        summary=_summary(summary_hint, text, summary_chars),
        reading_minutes=_reading_minutes(text, words_per_minute),
    )


# Scripts written without spaces between words (Thai, Lao, Khmer, Japanese kana, Chinese
# characters; Korean has spaces): read by the character, about 400 a minute.
_UNSPACED = re.compile("[\u0e00-\u0eff\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf"
                       "\u4e00-\u9fff\uf900-\ufaff]")
UNSPACED_PER_MINUTE = 400
_WORD = re.compile(r"\w+")


def _reading_minutes(text: str, words_per_minute: int) -> int:
    unspaced = len(_UNSPACED.findall(text))
    # between such characters, only runs of letters or digits are words ("、" is none)
    words = len(_WORD.findall(_UNSPACED.sub(" ", text))) if unspaced else len(text.split())
    return max(1, math.ceil(words / words_per_minute + unspaced / UNSPACED_PER_MINUTE))


def _countries_by_weight(title: str, text: str) -> list[tuple[str, int]]:
    found = [(mentions(title), TITLE_WEIGHT), (mentions(text), 1)]
    # a doubtful name ("Jordan", "Paris") counts where the article places or names it otherwise
    sure = {mention.iso2 for parts, _ in found for mention in parts if not mention.doubtful}
    weights: dict[str, int] = {}  # insertion order is order of first appearance
    for parts, weight in found:
        for mention in parts:
            if mention.iso2 in sure:
                weights[mention.iso2] = weights.get(mention.iso2, 0) + weight
    return sorted(weights.items(), key=lambda item: -item[1])  # stable: ties keep first appearance


def _regions(weighted: list[tuple[str, int]], default_regions: tuple[str, ...]) -> tuple[str, ...]:
    totals: dict[str, int] = {}
    for iso2, weight in weighted:
        for slug in country_regions(iso2):
            totals[slug] = totals.get(slug, 0) + weight
    ranked = sorted(totals, key=lambda slug: -totals[slug])
    lead = list(country_regions(weighted[0][0])[:1]) if weighted else []
    return tuple(dict.fromkeys([*lead, *ranked, *default_regions]))


def headline(text: str, limit: int = HEADLINE_CHARS) -> str:
    """A title for an item that came without one (a post on a social network): the first
    sentence of its text, cut to fit after a word."""
    text = " ".join(text.split())
    end = next((m.end() for m in _SENTENCE_END.finditer(text) if _ends_sentence(text, m)),
               len(text))
    return _shorten(text[:end].rstrip("."), limit)


def _summary(hint: str, text: str, limit: int) -> str:
    if "<" in hint or "&" in hint:
        hint = _html_text(hint)
    plain = " ".join(hint.split())
    return _shorten(plain or " ".join(text.split()), limit)


def _shorten(text: str, limit: int) -> str:
    """Cut text to at most limit characters.

    After a sentence when that keeps at least half the room (a whole sentence needs no mark),
    else after a word, with "…" to show the cut.
    """
    if len(text) <= limit:
        return text
    sentence_end = max(
        (m.end() for m in _SENTENCE_END.finditer(text, 0, limit + 1) if _ends_sentence(text, m)),
        default=0,
    )
    if sentence_end >= limit // 2:  # a shorter cut would throw away most of the room
        return text[:sentence_end]
    head = text[: limit - 1]
    if not text[limit - 1].isspace() and " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(_TRAILING_PUNCTUATION) + "…"


def _ends_sentence(text: str, stop: re.Match[str]) -> bool:
    word = (text[: stop.start()].rsplit(None, 1) or [""])[-1].lstrip("(\"'“‘")
    return word not in _ABBREVIATIONS and not _INITIALS.fullmatch(word)


def _html_text(html: str) -> str:
    parser = _TextCollector()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


class _TextCollector(HTMLParser):
    """Keeps the text a reader sees, with a space wherever a block starts or ends."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._unseen_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _UNSEEN_TAGS:
            self._unseen_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _UNSEEN_TAGS:
            self._unseen_depth = max(0, self._unseen_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._unseen_depth:
            self.parts.append(data)
