"""The demo publishers and their articles, loaded from the JSON files in `content/`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any, Literal

CONTENT_FILES = ("harbour-light.json", "meridian-wire.json", "civic-ledger.json")
EXCERPT_CHARS = 220


@dataclass(frozen=True)
class Block:
    """One block of an article body: a paragraph, a subheading or a bulleted list."""

    kind: Literal["p", "h2", "ul"]
    text: str = ""
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class LeadImage:
    alt: str
    caption: str
    credit: str  # who took it, without the "Photo:" label


@dataclass(frozen=True)
class DemoArticle:
    number: int  # the publisher's own id, from which its feed guid is made
    slug: str
    title: str
    author: str
    published: datetime
    updated: datetime
    section: str
    tags: tuple[str, ...]
    image: LeadImage
    body: tuple[Block, ...]
    pull_quote: str = ""  # a sentence repeated from the body, or "" for none

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return tuple(block.text for block in self.body if block.kind == "p")

    @property
    def excerpt(self) -> str:
        """The first paragraph cut at a sentence end: what a feed's summary carries."""
        first = self.paragraphs[0]
        sentences = re.split(r"(?<=[.!?])\s+", first)
        excerpt = sentences[0]
        for sentence in sentences[1:]:
            if len(excerpt) + len(sentence) + 1 > EXCERPT_CHARS:
                break
            excerpt = f"{excerpt} {sentence}"
        return excerpt


@dataclass(frozen=True)
class DemoPublisherSite:
    """One invented publisher: its public address, its feed and its articles, newest first."""

    key: str  # the path prefix its pages are served under on the local server
    name: str
    tagline: str
    home: str  # public home page, https://www.<name>.example/
    language: str
    feed_format: Literal["rss20", "atom10", "json11"]
    feed_path: str
    feed_title: str
    link_query: str  # tracking parameters the publisher adds to its feed links
    guid_format: str
    path_format: str
    layout: str  # the page template in `templates/`
    articles: tuple[DemoArticle, ...]

    def public_path(self, article: DemoArticle) -> str:
        date = article.published
        return self.path_format.format(
            slug=article.slug, year=f"{date:%Y}", month=f"{date:%m}", day=f"{date:%d}"
        )

    def canonical_url(self, article: DemoArticle) -> str:
        return self.home.rstrip("/") + self.public_path(article)

    def local_path(self, article: DemoArticle) -> str:
        return f"/{self.key}{self.public_path(article)}"

    def image_path(self, article: DemoArticle) -> str:
        return f"/{self.key}/media/{article.slug}.jpg"

    def feed_local_path(self) -> str:
        return f"/{self.key}{self.feed_path}"

    def guid(self, article: DemoArticle) -> str:
        return self.guid_format.format(number=article.number)


def _block(raw: str | dict[str, Any]) -> Block:
    if isinstance(raw, str):
        return Block(kind="p", text=raw)
    if "h2" in raw:
        return Block(kind="h2", text=raw["h2"])
    return Block(kind="ul", items=tuple(raw["ul"]))


def _article(raw: dict[str, Any]) -> DemoArticle:
    published = datetime.fromisoformat(raw["published"])
    article = DemoArticle(
        number=raw["number"],
        slug=raw["slug"],
        title=raw["title"],
        author=raw["author"],
        published=published,
        updated=datetime.fromisoformat(raw.get("updated", raw["published"])),
        section=raw["section"],
        tags=tuple(raw["tags"]),
        image=LeadImage(**raw["image"]),
        body=tuple(_block(block) for block in raw["body"]),
        pull_quote=raw.get("pull_quote", ""),
    )
    # A pull quote must repeat the body, or the page would have nowhere to place it.
    if article.pull_quote and not any(article.pull_quote in p for p in article.paragraphs):
        raise ValueError(f"{article.slug}: pull quote is not a sentence of the body")
    return article


def _publisher(raw: dict[str, Any]) -> DemoPublisherSite:
    articles = sorted((_article(a) for a in raw.pop("articles")), key=lambda a: a.published)
    return DemoPublisherSite(**raw, articles=tuple(reversed(articles)))


@cache
def load_publishers() -> tuple[DemoPublisherSite, ...]:
    """The three demo publishers: RSS 2.0, Atom 1.0 and JSON Feed 1.1, in that order."""
    folder = resources.files("newsdesk.demo") / "content"
    return tuple(
        _publisher(json.loads((folder / name).read_text(encoding="utf-8")))
        for name in CONTENT_FILES
    )
