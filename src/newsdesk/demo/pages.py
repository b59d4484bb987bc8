"""Article pages as each publisher's site would serve them, and the demo's home page."""

from __future__ import annotations

import json
from functools import cache
from html import escape
from importlib import resources
from string import Template
from urllib.parse import quote

from newsdesk.demo.content import Block, DemoArticle, DemoPublisherSite

FEED_TYPES = {
    "rss20": "application/rss+xml",
    "atom10": "application/atom+xml",
    "json11": "application/feed+json",
}
PROMO_AFTER_BLOCKS = 3  # the newsletter box sits inside the body, after this many blocks
RELATED_COUNT = 3


@cache
def _template(name: str) -> Template:
    source = resources.files("newsdesk.demo") / "templates" / name
    return Template(source.read_text(encoding="utf-8"))


def _text(value: str) -> str:
    """Escaped for text and double-quoted attributes; apostrophes stay as typed."""
    return escape(value, quote=False).replace('"', "&quot;")


def _block_html(block: Block) -> str:
    if block.kind == "h2":
        return f"<h2>{_text(block.text)}</h2>"
    if block.kind == "ul":
        return "<ul>" + "".join(f"<li>{_text(item)}</li>" for item in block.items) + "</ul>"
    return f"<p>{_text(block.text)}</p>"


def _promo_position(body: tuple[Block, ...]) -> int:
    """Where the newsletter box goes: after a paragraph, never between a list and its intro."""
    for index in range(PROMO_AFTER_BLOCKS, len(body)):
        if body[index - 1].kind == "p" and body[index].kind != "ul":
            return index
    return len(body)


def _body_html(article: DemoArticle) -> tuple[str, str]:
    """The body before and after the newsletter box; the pull quote precedes its paragraph."""
    blocks: list[str] = []
    quote = article.pull_quote
    for block in article.body:
        html = _block_html(block)
        if quote and block.kind == "p" and quote in block.text:
            html = f'<blockquote class="pull-quote"><p>{_text(quote)}</p></blockquote>\n{html}'
            quote = ""  # shown once, before the first paragraph that says it
        blocks.append(html)
    split = _promo_position(article.body)
    return "\n".join(blocks[:split]), "\n".join(blocks[split:])


def _json_ld(site: DemoPublisherSite, article: DemoArticle, image_url: str) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.excerpt,
        "image": [image_url],
        "datePublished": article.published.isoformat(),
        "dateModified": article.updated.isoformat(),
        "author": [{"@type": "Person", "name": article.author}],
        "publisher": {"@type": "Organization", "name": site.name, "url": site.home},
        "mainEntityOfPage": {"@type": "WebPage", "@id": site.canonical_url(article)},
        "articleSection": article.section,
        "keywords": list(article.tags),
        "inLanguage": site.language,
    }
    # "</" inside a script element would end it early.
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def _human_date(article: DemoArticle, *, updated: bool = False) -> str:
    moment = article.updated if updated else article.published
    return f"{moment.day} {moment:%B %Y, %H:%M} GMT"


def render_article_page(site: DemoPublisherSite, article: DemoArticle, base_url: str) -> str:
    """The full page: head metadata, site chrome and the article in the publisher's layout."""
    image_url = base_url + site.image_path(article)
    canonical = site.canonical_url(article)
    body_lead, body_rest = _body_html(article)
    related = [other for other in site.articles if other is not article][:RELATED_COUNT]
    fields = {
        "language": site.language,
        "site_name": _text(site.name),
        "tagline": _text(site.tagline),
        "title": _text(article.title),
        "canonical": _text(canonical),
        "shortlink": _text(f"{site.home}node/{article.number}"),
        "description": _text(article.excerpt),
        "author": _text(article.author),
        "number": str(article.number),
        "section": _text(article.section),
        "tags": ", ".join(f'<a href="/" rel="tag">{_text(tag)}</a>' for tag in article.tags),
        "keywords": _text(", ".join(article.tags)),
        "image_url": _text(image_url),
        "image_path": _text(site.image_path(article)),
        "image_alt": _text(article.image.alt),
        "caption": _text(article.image.caption),
        "credit": _text(article.image.credit),
        "published_iso": article.published.isoformat(),
        "modified_iso": article.updated.isoformat(),
        "published_human": _human_date(article),
        "modified_human": _human_date(article, updated=True),
        "feed_url": _text(base_url + site.feed_local_path()),
        "share_url": quote(canonical, safe=""),
        "share_title": quote(article.title, safe=""),
        "jsonld": _json_ld(site, article, image_url),
        "body_lead": body_lead,
        "body_rest": body_rest,
        "related": "".join(
            f'<li><a href="{_text(site.local_path(other))}">{_text(other.title)}</a></li>'
            for other in related
        ),
    }
    return _template(site.layout).substitute(fields)


def render_home_page(sites: tuple[DemoPublisherSite, ...], base_url: str) -> str:
    """A page that announces every feed with <link rel="alternate">, for autodiscovery."""
    alternates = "\n".join(
        f'  <link rel="alternate" type="{FEED_TYPES[site.feed_format]}" '
        f'title="{_text(site.feed_title)}" href="{_text(base_url + site.feed_local_path())}">'
        for site in sites
    )
    sections = "\n".join(
        f'  <section>\n    <h2>{_text(site.name)}</h2>\n    <p>{_text(site.tagline)}. '
        f'<a href="{_text(base_url + site.feed_local_path())}">Feed</a></p>\n    <ul>'
        + "".join(
            f'<li><a href="{_text(site.local_path(article))}">{_text(article.title)}</a></li>'
            for article in site.articles
        )
        + "</ul>\n  </section>"
        for site in sites
    )
    return _template("home.html").substitute(alternates=alternates, sections=sections)
