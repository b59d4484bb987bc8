"""The gazetteer: countries, the regions they belong to, and every name the news calls them by.

The knowledge lives in places.json (its "notes" explain each judgement call); this module loads
it once, answers lookups, and finds country mentions in text with one compiled regex.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

_TERM_FIELDS = ("names", "demonyms", "capitals", "aliases")
_SEPARATORS = re.compile(r"[\s\-\u2010\u2011]+")
_APOSTROPHES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'"})
# How a normalised term's space and apostrophe may be written in running text.
_SPELLINGS = {" ": r"[\s\-\u2010\u2011]+", "'": r"['\u2018\u2019\u02bc]"}

_Trie = dict[str, "_Trie"]


@dataclass(frozen=True)
class Country:
    iso2: str
    name: str
    regions: tuple[str, ...]  # region slugs, primary first


@dataclass(frozen=True)
class Mention:
    iso2: str
    doubtful: bool  # a name that is often something else, in no place of its own here


@dataclass(frozen=True)
class _Gazetteer:
    regions: dict[str, str]  # slug -> display name, in display order
    countries: dict[str, Country]  # iso2 -> country, in the file's order (by English name)
    owners: dict[str, str]  # normalised term -> iso2, or "" for a phrase matched only to be dropped
    doubtful: frozenset[str]  # normalised terms that count only where placed or confirmed
    pattern: re.Pattern[str]


def region_names() -> dict[str, str]:
    """Region slug -> display name, in display order."""
    return dict(_gazetteer().regions)


def all_countries() -> dict[str, str]:
    """ISO code -> English name, ordered by name."""
    return {iso2: country.name for iso2, country in _gazetteer().countries.items()}


def country_name(iso2: str) -> str:
    """The English name for an ISO code; KeyError for a code the gazetteer does not know."""
    return _gazetteer().countries[iso2].name


def country_regions(iso2: str) -> tuple[str, ...]:
    """The country's region slugs, primary first; KeyError for an unknown code."""
    return _gazetteer().countries[iso2].regions


def countries_in_region(slug: str) -> tuple[str, ...]:
    """ISO codes of every country in the region (primary or not), ordered by name."""
    gazetteer = _gazetteer()
    if slug not in gazetteer.regions:
        raise KeyError(slug)
    return tuple(c.iso2 for c in gazetteer.countries.values() if slug in c.regions)


def country_mentions(text: str) -> list[str]:
    """The ISO code of each country mention in text, in reading order, repeats included."""
    return [mention.iso2 for mention in mentions(text)]


def mentions(text: str) -> list[Mention]:
    """Each country mention in text, in reading order, repeats included; a doubtful one (a
    name in places.json's "doubtful" list, in no place of its own) counts only if the article
    names the same country otherwise too: the caller decides, having read every part of it."""
    gazetteer = _gazetteer()
    found = []
    for match in gazetteer.pattern.finditer(text):
        term = _normalise(match.group())
        iso2 = gazetteer.owners[term]
        if iso2 and not _shouted(text, match):
            doubtful = term in gazetteer.doubtful and not _placed(text, match)
            found.append(Mention(iso2, doubtful))
    return found


# A word before a name that makes it a place ("in Jordan", "To Chad"), and the words after it
# that do not make it part of a longer name ("Paris Hilton") when a headline capitalises them.
_PLACE_WORDS = frozenset("in into inside to from across throughout within near towards toward "
                         "via".split())
_FUNCTION_WORDS = frozenset("a an and as at after amid by for from in into of on or over the "
                            "to with".split())
_POSSESSIVE = re.compile(r"['\u2019]s\b")


def _placed(text: str, match: re.Match[str]) -> bool:
    """Whether the mention stands as a place: a place word right before it, no name after."""
    before = text[max(0, match.start() - 20):match.start()]
    words = before.split()
    if not (before[-1:].isspace() and words
            and words[-1].lower().lstrip(_PUNCTUATION) in _PLACE_WORDS):
        return False
    end = match.end()
    if possessive := _POSSESSIVE.match(text, end):
        end = possessive.end()
    after = text[end:end + 30]
    if not after[:1].isspace():
        return True  # "in Jordan." "to Chad,"
    following = after.split()[:1]
    return not (following and following[0][:1].isupper()
                and following[0].lower().strip(_PUNCTUATION) not in _FUNCTION_WORDS)


def _shouted(text: str, match: re.Match[str]) -> bool:
    """An abbreviation ("US", "UK") beside a longer word in capitals is a word shouted:
    "FOLLOW US ON INSTAGRAM", "JOIN US"."""
    term = match.group()
    if not (term.isupper() and len(term) <= 3):
        return False
    before = text[max(0, match.start() - 40):match.start()].split()[-1:]
    after = text[match.end():match.end() + 40].split()[:1]
    return any(len(word) > 3 and word.isupper() for word in (  # "US, UK and EU" are three
        w.strip(_PUNCTUATION) for w in before + after))


_PUNCTUATION = ".,;:!?\"'()[]“”‘’«»-–—"


def _normalise(term: str) -> str:
    return _SEPARATORS.sub(" ", term.translate(_APOSTROPHES))


@cache
def _gazetteer() -> _Gazetteer:
    raw = json.loads(resources.files(__package__).joinpath("places.json").read_text("utf-8"))
    regions = {r["slug"]: r["name"] for r in raw["regions"]}
    countries: dict[str, Country] = {}
    owners: dict[str, str] = {}
    ignored = {_normalise(term) for term in raw["ignore"]}
    for entry in raw["countries"]:
        country = _country(entry, regions, countries)
        countries[country.iso2] = country
        for term in (entry["name"], *(t for f in _TERM_FIELDS for t in entry[f])):
            key = _normalise(term)
            if owners.setdefault(key, country.iso2) != country.iso2 and key not in ignored:
                raise ValueError(
                    f"places.json: {term!r} names both {owners[key]} and {country.iso2}"
                )
    owners.update(dict.fromkeys(ignored, ""))
    doubtful = frozenset(_normalise(term) for term in raw["doubtful"])
    if unknown := doubtful - owners.keys():
        raise ValueError(f"places.json: doubtful terms name no country: {sorted(unknown)}")
    for term, iso2 in list(owners.items()):  # "Gulf Of Mexico" in a headline, "Indian ocean"
        first, _, rest = term.partition(" ")
        if rest:
            for variant in (f"{first} {rest.lower()}", f"{first} {_capitalised(rest)}"):
                owners.setdefault(variant, iso2)
    return _Gazetteer(regions, countries, owners, doubtful, _compile(owners))


def _capitalised(words: str) -> str:
    """Every word with a capital, as a headline writes it: "of mexico" -> "Of Mexico"."""
    return " ".join(word[:1].upper() + word[1:] for word in words.split(" "))


def _country(entry: dict[str, Any], regions: dict[str, str], seen: dict[str, Country]) -> Country:
    iso2 = entry["iso2"]
    if iso2 in seen:
        raise ValueError(f"places.json: {iso2} is listed twice")
    if not entry["regions"] or not set(entry["regions"]) <= regions.keys():
        raise ValueError(f"places.json: {iso2} needs regions from {sorted(regions)}")
    return Country(iso2=iso2, name=entry["name"], regions=tuple(entry["regions"]))


def _compile(terms: dict[str, str]) -> re.Pattern[str]:
    # A trie keeps the alternation fast: each position tries one branch per first letter.
    trie: _Trie = {}
    for term in terms:
        node = trie
        for char in term:
            node = node.setdefault(char, {})
        node[""] = {}
    # Each term must start a word: the look-behind sits after the first letter so that the
    # regex engine can still skip ahead to positions holding a possible first letter.
    branches = [
        re.escape(char) + r"(?<!\w.)" + _branches(child, char) for char, child in trie.items()
    ]
    return re.compile("|".join(branches))


def _branches(node: _Trie, last: str) -> str:
    # Longer continuations come first, so the longest term wins and "Guinea" never splits
    # "Guinea-Bissau"; the end of a term that ends in a letter must also end a word.
    options = [_SPELLINGS.get(c, re.escape(c)) + _branches(n, c) for c, n in node.items() if c]
    if "" in node:
        options.append(r"(?!\w)" if last.isalnum() else "")
    if len(options) == 1:
        return options[0]
    return "(?:" + "|".join(options) + ")"
