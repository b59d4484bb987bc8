"""Small builders for the feeds, article pages and sources that ingest tests serve and follow."""

from __future__ import annotations

import socket
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import Any

import pytest

from newsdesk.sources.models import ContentPolicy, PublishPolicy, Source

RSS_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}
HTML_TYPE = {"Content-Type": "text/html; charset=utf-8"}
LOCAL_ONLY = ("127.0.0.1",)

_WORDS = (
    "harbour council ferry timetable quay lighthouse fishermen tide market bridge school "
    "library festival rainfall budget museum railway orchard vineyard clinic theatre"
).split()


@dataclass(frozen=True)
class Item:
    """One RSS item; guid None leaves the <guid> out, so the link is the item's identity."""

    title: str
    link: str
    guid: str | None = None
    description: str = ""
    content: str = ""
    published: str = "Mon, 03 Mar 2025 09:00:00 GMT"


def story(seed: int, *, paragraphs: int = 3) -> list[str]:
    """Paragraphs of plain text that differ from every other seed's, long enough to republish."""
    out = []
    for n in range(paragraphs):
        words = [_WORDS[(seed * 7 + n * 3 + i) % len(_WORDS)] for i in range(18)]
        out.append(f"Report {seed}.{n}: the {' '.join(words)} were discussed at length on day "
                   f"{seed * 10 + n}.")
    return out


def rss(items: Iterable[Item], *, title: str = "The Harbour Gazette",
        home: str = "https://harbourgazette.example/") -> bytes:
    """An RSS 2.0 document; description and content are written as CDATA, as publishers do."""
    entries = []
    for item in items:
        parts = [f"<title>{escape(item.title)}</title>", f"<link>{escape(item.link)}</link>"]
        if item.guid is not None:
            parts.append(f'<guid isPermaLink="false">{escape(item.guid)}</guid>')
        if item.description:
            parts.append(f"<description><![CDATA[{item.description}]]></description>")
        if item.content:
            parts.append(f"<content:encoded><![CDATA[{item.content}]]></content:encoded>")
        parts.append(f"<pubDate>{item.published}</pubDate>")
        entries.append("<item>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{escape(title)}</title><link>{escape(home)}</link>"
        "<description>Local news</description>" + "".join(entries) + "</channel></rss>"
    ).encode()


def article_page(*, title: str, paragraphs: Iterable[str], canonical: str | None = None,
                 body_extra: str = "") -> bytes:
    """A publisher's article page: head metadata, site chrome, and the story in <article>."""
    head = f"<title>{escape(title)} | The Harbour Gazette</title>"
    if canonical:
        head += f'<link rel="canonical" href="{escape(canonical)}">'
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>{head}</head><body>"
        "<nav><a href='/'>Home</a> <a href='/sport/'>Sport</a></nav>"
        f"<article><h1>{escape(title)}</h1>{body}{body_extra}</article>"
        "<footer>© The Harbour Gazette</footer></body></html>"
    ).encode()


def source_create(*, feed_url: str, name: str = "The Harbour Gazette",
                  content: str = ContentPolicy.EXCERPT, publish: str = PublishPolicy.AUTO,
                  **fields: Any) -> Source:
    """A followed source, due now, without the fetch that source_add makes."""
    return Source.objects.create(feed_url=feed_url, name=name, content=content, publish=publish,
                                 home_url="https://harbourgazette.example/",
                                 domain="harbourgazette.example", **fields)


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every address the test dials; anything but loopback fails the test before it is dialled."""
    dialled: list[tuple[str, int]] = []
    real = socket.create_connection

    def guarded(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        dialled.append(address)
        assert address[0] in ("127.0.0.1", "::1"), f"a test tried to dial {address[0]}"
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)
    return dialled
