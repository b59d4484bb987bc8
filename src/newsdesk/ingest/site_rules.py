"""Where to find an article's parts on a page: generic rules, per-site overrides, as data.

The generic rules and the per-site table live in site_rules.json; a source may carry its own
rule (editors set CSS selectors in the desk), which wins over the table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class SiteRule:
    """CSS selectors for one site. Empty fields fall back to the generic logic."""

    body: str = ""  # the element that holds the article text
    remove: tuple[str, ...] = ()  # parts inside the page to drop before extracting
    pull_quote: str = ""  # extra selector for pull quotes

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> SiteRule:
        remove = data.get("remove") or ()
        return cls(
            body=str(data.get("body") or ""),
            remove=tuple(str(r) for r in remove) if isinstance(remove, list | tuple) else (),
            pull_quote=str(data.get("pull_quote") or ""),
        )


@dataclass(frozen=True)
class GenericRules:
    pull_quote: tuple[str, ...]
    remove: tuple[str, ...]
    boilerplate_tokens: frozenset[str]
    credit: tuple[str, ...]
    standfirst: tuple[str, ...]


@cache
def _table() -> dict[str, object]:
    text = resources.files("newsdesk.ingest").joinpath("site_rules.json").read_text("utf-8")
    return json.loads(text)


@cache
def generic_rules() -> GenericRules:
    g = _table()["generic"]
    assert isinstance(g, dict)
    return GenericRules(
        pull_quote=tuple(g["pull_quote"]),
        remove=tuple(g["remove"]),
        boilerplate_tokens=frozenset(g["boilerplate_tokens"]),
        credit=tuple(g["credit"]),
        standfirst=tuple(g["standfirst"]),
    )


def rule_for(host: str, override: SiteRule | None = None) -> SiteRule:
    """The source's own rule if it has one, else the table's entry for the host (www. ignored)."""
    if override and (override.body or override.remove or override.pull_quote):
        return override
    sites = _table()["sites"]
    assert isinstance(sites, dict)
    host = host.lower().removeprefix("www.")
    entry = sites.get(host)
    return SiteRule.from_dict(entry) if isinstance(entry, dict) else SiteRule()
