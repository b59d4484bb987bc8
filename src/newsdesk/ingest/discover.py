"""Finding a site's feeds from one of its pages, and telling a feed from a page."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

from newsdesk.ingest.clean import joined_url, web_url
from newsdesk.ingest.parse import JSON_FEED_VERSION, is_json_document

FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json", "application/json"}
)
FEED_PATH_ENDINGS = ("/feed", "/rss", ".rss", ".xml", "/atom", "feed.json")
FEED_ROOTS = frozenset({"rss", "feed", "RDF"})  # RSS 0.9x/2.0, Atom, RSS 0.90/1.0 (rdf:RDF)


@dataclass(frozen=True)
class FeedLink:
    """One feed a page points to: a candidate to fetch and check with looks_like_feed."""

    url: str
    title: str
    type: str  # the declared media type; "" for a link guessed from its address


def discover_feeds(html: bytes, *, base_url: str) -> list[FeedLink]:
    """The feeds a page announces, in page order; else the feed-like links it shows."""
    if not html or html.isspace():
        return []
    try:
        root = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    base = joined_url(base_url, root.xpath("string(//base/@href)").strip()) or base_url
    found = _unique(_announced(root, base)) or _unique(_linked(root, base, base_url))
    return list(found.values())


def _announced(root: lxml.html.HtmlElement, base: str) -> Iterator[FeedLink]:
    # every <link>, not only the head's: libxml2 moves head tags it meets late into the body
    for link in root.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        media_type = (link.get("type") or "").split(";")[0].strip().lower()
        url = _http_url(base, link.get("href"))
        if "alternate" not in rels or media_type not in FEED_TYPES or not url:
            continue
        if media_type == "application/json" and "/wp-json/" in url:
            continue  # WordPress announces its REST API as alternate JSON on every page
        yield FeedLink(url=url, title=_fold(link.get("title") or ""), type=media_type)


def _linked(root: lxml.html.HtmlElement, base: str, page_url: str) -> Iterator[FeedLink]:
    host = urlsplit(page_url).hostname
    for anchor in root.iter("a"):
        url = _http_url(base, anchor.get("href"))
        if not url or urlsplit(url).hostname != host:
            continue
        path = urlsplit(url).path.rstrip("/").lower()
        if path.endswith(FEED_PATH_ENDINGS) and "sitemap" not in path.rsplit("/", 1)[-1]:
            title = _fold(anchor.text_content()) or _fold(anchor.get("title") or "")
            yield FeedLink(url=url, title=title, type="")


def _http_url(base: str, href: str | None) -> str:
    """href made absolute, or "" when it is missing or not http(s) (javascript:, mailto:)."""
    if not href or not href.strip():
        return ""
    return web_url(joined_url(base, href.strip()))


def _unique(links: Iterator[FeedLink]) -> dict[str, FeedLink]:
    found: dict[str, FeedLink] = {}
    for link in links:
        found.setdefault(link.url, link)
    return found


def _fold(text: str) -> str:
    return " ".join(text.split())


def looks_like_feed(content: bytes, content_type: str) -> bool:
    """A cheap sniff of the document's start: an RSS/Atom root element, or a JSON Feed."""
    if is_json_document(content, content_type):
        return _is_json_feed(content)
    return _root_name(content) in FEED_ROOTS


def _is_json_feed(content: bytes) -> bool:
    try:
        document = json.loads(content)
    except ValueError:
        return False
    version = document.get("version") if isinstance(document, dict) else None
    return isinstance(version, str) and version.startswith(JSON_FEED_VERSION)


def _root_name(content: bytes) -> str:
    """The local name of the first element; only the document's start is read."""
    events = lxml.etree.iterparse(
        io.BytesIO(content), events=("start",), resolve_entities=False, no_network=True
    )
    try:
        for _, element in events:
            return str(lxml.etree.QName(element).localname)
    except lxml.etree.XMLSyntaxError:
        return ""
    return ""
