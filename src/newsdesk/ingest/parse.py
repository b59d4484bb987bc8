"""bytes -> ParsedFeed: RSS and Atom through feedparser-rs, JSON Feed through json.

feedparser-rs (feedparser's data model, parsed in Rust, some twenty times faster) reads RSS
and Atom. feedparser reads the rest: a damaged document (what its loose parser salvages of an
item cut off mid-way is known), an RSS feed with xml:base (feedparser-rs heeds it in Atom
only), a document in an encoding nobody names that is not UTF-8 (feedparser guesses it), and
one whose item links feedparser-rs emptied (it drops links to private addresses; here the fetch
stage decides, and the operator may allow such hosts).

Both run without their sanitiser and URI rewriting: clean.py sanitises every HTML value with
nh3 later, and this module makes absolute the only URLs the pipeline follows (home page, item
links, image URLs), each against the xml:base in force. Text and HTML values pass through as
the publisher wrote them. Both are handed bytes, never a str: feedparser-rs fetches a str that
looks like a URL.
"""

from __future__ import annotations

import codecs
import dataclasses
import html
import io
import json
import mimetypes
import re
import time
import xml.sax
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_tz
from typing import Any

import charset_normalizer
import feedparser
import feedparser_rs
import lxml.etree
import lxml.html

from newsdesk.ingest.clean import NOT_TEXT, joined_url, strip_tracking, text_html, web_url
from newsdesk.ingest.dedupe import digest
from newsdesk.ingest.errors import ParseError
from newsdesk.ingest.extract_meta import BYLINE_PREFIX
from newsdesk.ingest.types import FeedItem, ParsedFeed

JSON_FEED_VERSION = "https://jsonfeed.org/version/"
JSON_CONTENT_TYPES = ("application/feed+json", "application/json")
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
HTML_PAGE = re.compile(rb"<!doctype\s+html|<html[\s>]", re.IGNORECASE)
LEADING_NOISE = codecs.BOM_UTF8 + b" \t\r\n"
GUID_MAX_CHARS = 1000  # what the store keeps of an id (Article.guid)


def parse_feed(
    content: bytes, *, url: str, content_type: str = "", encoding: str | None = None
) -> ParsedFeed:
    """Read one feed document; `url` is where it was fetched from, the base for relative links."""
    if not content or content.isspace():
        raise ParseError("The feed was empty")
    if is_json_document(content, content_type):
        feed = _parse_json_feed(content, url=url)
    else:
        feed = _parse_xml_feed(content, url=url, content_type=content_type, encoding=encoding)
    return _distinct_guids(_text_only(feed))


def _distinct_guids(feed: ParsedFeed) -> ParsedFeed:
    """Every item with an id of its own. Some feeds give every item the same guid (the site's
    home page, say): the first keeps it, a later one is known by its link, or else by a digest
    of the id with its title and date. An item with the id and the link (or, without a link,
    the title) of an earlier one is that item twice, and goes."""
    ids: set[str] = set()
    items: set[tuple[str, str]] = set()
    distinct = []
    for item in feed.items:
        if (item.guid, item.link or item.title) in items:
            continue
        items.add((item.guid, item.link or item.title))
        guid = item.guid
        if guid in ids:
            link = strip_tracking(item.link) if item.link else ""
            guid = (link if link and link not in ids and len(link) <= GUID_MAX_CHARS
                    else _digest(item.guid, item.title, _stamp(item.published)))
            if guid in ids:
                continue
            item = dataclasses.replace(item, guid=guid)
        ids.add(guid)
        distinct.append(item)
    return dataclasses.replace(feed, items=tuple(distinct))


_ITEM_TEXTS = ("guid", "link", "title", "summary_html", "content_html", "author", "image_url")


def _text_only(feed: ParsedFeed) -> ParsedFeed:
    """The feed with clean.NOT_TEXT's characters taken out of every text field."""
    def clean(item: FeedItem) -> FeedItem:
        if not NOT_TEXT.search("".join([*(getattr(item, n) for n in _ITEM_TEXTS),
                                         *item.categories])):
            return item  # as nearly every item is
        changed = {name: NOT_TEXT.sub("", getattr(item, name)) for name in _ITEM_TEXTS
                   if NOT_TEXT.search(getattr(item, name))}
        categories = tuple(NOT_TEXT.sub("", c) for c in item.categories)
        if categories != item.categories:
            changed["categories"] = categories
        return dataclasses.replace(item, **changed) if changed else item

    return dataclasses.replace(feed, title=NOT_TEXT.sub("", feed.title),
                               items=tuple(clean(item) for item in feed.items))


def is_json_document(content: bytes, content_type: str) -> bool:
    """JSON by its first character, or declared JSON that does not open like XML."""
    first = content[:64].lstrip(LEADING_NOISE)[:1]
    declared = content_type.split(";")[0].strip().lower() in JSON_CONTENT_TYPES
    return first == b"{" or (declared and first != b"<")


# -- RSS and Atom ---------------------------------------------------------------------------


def _parse_xml_feed(
    content: bytes, *, url: str, content_type: str, encoding: str | None
) -> ParsedFeed:
    readable = _declared(content, encoding)
    if readable is None:  # nobody names the encoding and it is not UTF-8
        readable = _guessed(content)
    data = None
    if readable is not None:
        try:
            data = feedparser_rs.parse(readable, sanitize_html=False, resolve_relative_uris=False)
        except ValueError:  # a document it gives up on: feedparser salvages what it can
            data = None
    if data is None or data.bozo or _blanked_links(data) or (
            b"xml:base" in content and "rss" in data.version):  # feedparser-rs: Atom's only
        data = _parse_loosely(content, content_type, encoding)
    error = data.get("bozo_exception")
    damaged = isinstance(error, xml.sax.SAXParseException)
    if not data.entries and (not data.version or damaged):
        raise ParseError(_not_a_feed_reason(content, content_type, error))
    kind: str = data.version or ""
    channel = data.feed
    home_url = _joined(url, channel.get("link") or "")
    # Atom resolves against the document (RFC 4287); RSS sites write links relative to the site
    base = url if kind.startswith("atom") else home_url or url
    feed_author = _person(channel) if kind.startswith("atom") else ""
    return ParsedFeed(
        title=_text(channel.get("title_detail")),
        home_url=home_url,
        items=tuple(
            _xml_item(entry, base=base, kind=kind, feed_author=feed_author)
            for entry in data.entries
        ),
        language=(channel.get("language") or "").strip(),
        kind=kind,
        warning=f"The feed is damaged ({error}); the items before the damage were read."
        if damaged and data.entries else "",
    )


_XML_DECLARED_ENCODING = re.compile(rb"\s*<\?xml[^>]*?\sencoding\s*=", re.IGNORECASE)
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _declared(content: bytes, encoding: str | None) -> bytes | None:
    """The document as feedparser-rs should read it: as it is when it names its encoding (a
    byte-order mark or the XML declaration: the document's own word wins) or is UTF-8; in UTF-8
    when only the server names its charset; None when nobody names it and it is not UTF-8,
    which is feedparser's to guess."""
    if content.startswith(_BOMS) or _XML_DECLARED_ENCODING.match(content[:512]):
        return content
    if encoding:
        try:
            return content.decode(encoding).encode("utf-8")
        except (LookupError, UnicodeDecodeError):
            return content
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return content


def _guessed(content: bytes) -> bytes | None:
    """The document in UTF-8 as charset-normalizer reads it (windows-1251, Shift_JIS ...; feedparser
    alone would take any such document for windows-1252), or None when it cannot tell."""
    matches = list(charset_normalizer.from_bytes(content))
    if not matches:
        return None
    best = matches[0]
    # Latin text often reads as well in several code pages: windows-1252 then, as browsers do
    # for a page that names none (WHATWG Encoding), rather than the first of the tie.
    chosen = next((m for m in matches if m.encoding == "cp1252"
                   and (m.chaos, m.coherence) == (best.chaos, best.coherence)), best)
    try:
        return content.decode(chosen.encoding).encode("utf-8")
    except (LookupError, UnicodeDecodeError):
        return None


def _blanked_links(data: Any) -> bool:
    """feedparser-rs empties item links to loopback and private addresses, a guard of its own;
    Newsdesk's is in the fetch stage, where the operator may allow such hosts."""
    return any(not link.get("href") for entry in data.entries for link in entry.get("links") or ())


def _parse_loosely(content: bytes, content_type: str, encoding: str | None) -> Any:
    try:
        return feedparser.parse(
            io.BytesIO(content),  # a stream, so feedparser never takes the bytes for a path or URL
            response_headers=_response_headers(content_type, encoding),
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except (UnicodeError, ValueError) as exc:  # bytes that no decoding makes a document of
        raise ParseError(f"This is not a feed: its text cannot be read ({exc})") from exc


def _response_headers(content_type: str, encoding: str | None) -> dict[str, str]:
    if encoding and "charset=" not in content_type.lower():
        content_type = f"{content_type or 'application/xml'}; charset={encoding}"
    # no header at all lets feedparser trust the XML declaration, then detect
    return {"content-type": content_type} if content_type else {}


def _not_a_feed_reason(content: bytes, content_type: str, error: object) -> str:
    if "html" in content_type.lower() or HTML_PAGE.search(content[:2048]):
        return "This is not a feed: the server sent an HTML page"
    if isinstance(error, xml.sax.SAXParseException):
        line = error.getLineNumber() or 0
        if not content.lstrip(codecs.BOM_UTF8).startswith(b"<?xml"):
            line -= 1  # feedparser prepends an XML declaration line when there is none
        where = f" at line {line}" if line > 0 else ""
        return f"This is not a feed: the XML is broken{where}: {error.getMessage()}"
    return "This is not a feed: no RSS, Atom or JSON Feed was found in it"


def _xml_item(entry: Mapping[str, Any], *, base: str, kind: str, feed_author: str) -> FeedItem:
    title = _text(entry.get("title_detail"))
    published = _utc(entry.get("published_parsed")) or _rfc822(entry.get("published"))
    content_html = _content(entry.get("content") or [])
    summary_html = _html(entry.get("summary_detail"))
    if summary_html == content_html:
        summary_html = ""  # the parser repeats the content as the summary when there is none
    item_base = _joined(base, _xml_base(entry))
    link = _absolute(item_base, entry.get("link") or "")
    return FeedItem(
        guid=_guid((entry.get("id") or "").strip(), link, title, published,
                   text=summary_html + content_html),
        link=link,
        title=title,
        summary_html=summary_html,
        content_html=content_html,
        author=(_person(entry) or feed_author) if kind.startswith("atom") else _byline(entry),
        published=published,
        # the parser repeats an RSS pubDate as the updated date: an update that is none
        updated=(_utc(_own(entry, "updated_parsed")) or _rfc822(_own(entry, "updated")))
        if _own(entry, "updated") != entry.get("published") else None,
        image_url=_absolute(item_base, _xml_image(entry) or _first_img(content_html, summary_html)),
        categories=_unique(tag.get("label") or tag.get("term") for tag in entry.get("tags") or ()),
    )


def _own(entry: Mapping[str, Any], key: str) -> Any:
    """entry[key] or None, without feedparser's deprecated fallback from updated to published."""
    return dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)


def _xml_base(entry: Mapping[str, Any]) -> str:
    """The xml:base in force inside the entry, as the parser recorded it on each text value."""
    details = (
        entry.get("title_detail"),
        entry.get("summary_detail"),
        *(entry.get("content") or ()),
    )
    return next((d["base"] for d in details if d and d.get("base")), "")


def _content(contents: list[Mapping[str, Any]]) -> str:
    """The HTML rendition when the entry offers several."""
    chosen = next((c for c in contents if c.get("type") in HTML_TYPES), None)
    return _html(chosen or (contents[0] if contents else None))


def _html(detail: Mapping[str, Any] | None) -> str:
    """A text construct as HTML: an Atom type="text" one is text, whatever it holds."""
    value = str((detail or {}).get("value") or "")
    return text_html(value) if (detail or {}).get("type") == "text/plain" else value



def _person(element: Mapping[str, Any]) -> str:
    return _name((element.get("author_detail") or {}).get("name") or "")


def _byline(entry: Mapping[str, Any]) -> str:
    """dc:creator or RSS <author>; feedparser's own split mangles addresses with long TLDs."""
    raw = entry.get("author") or ""
    if "@" not in raw:
        return _name(raw)
    # "jane@pub.example (Jane Doe)", "Jane Doe <jane@...>": the name without the address
    words = (word.strip("()<>,") for word in raw.split() if "@" not in word)
    return _name(" ".join(word for word in words if word))


def _name(byline: str) -> str:
    """An author's name as a byline prints it: without a "By" of its own (the page adds one),
    and none for Blogger's "Unknown"."""
    name = BYLINE_PREFIX.sub("", _fold(byline))
    return "" if name.casefold() == "unknown" else name


def _xml_image(entry: Mapping[str, Any]) -> str:
    images = [m for m in entry.get("media_content") or () if m.get("url") and _is_image(m)]
    if images:
        return str(max(images, key=_width)["url"])  # the largest rendition; ties keep the first
    enclosures = [
        link["href"]
        for link in entry.get("links") or ()
        if link.get("rel") == "enclosure" and link.get("href")
        and (link.get("type") or "").startswith("image/")
    ]
    # A thumbnail is a small rendition: the enclosed picture, when there is one, is the picture.
    thumbnails = [t for t in entry.get("media_thumbnail") or () if t.get("url")]
    widest = [str(max(thumbnails, key=_width)["url"])] if thumbnails else []
    return next(iter(enclosures + widest), "")


def _is_image(media: Mapping[str, Any]) -> bool:
    kind = media.get("type") or ""
    kind = "" if kind == "unknown" else kind  # feedparser-rs's word for no type attribute
    if media.get("medium") or kind:
        return media.get("medium") == "image" or kind.startswith("image/")
    guessed, _ = mimetypes.guess_type(media["url"].split("?")[0])
    return (guessed or "").startswith("image/")


def _width(media: Mapping[str, Any]) -> int:
    width = str(media.get("width") or "")
    return int(width) if width.isdigit() else 0


def _utc(parsed: time.struct_time | None) -> datetime | None:
    """feedparser's *_parsed values are already UTC."""
    if not parsed:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=UTC)
    except ValueError:
        return None


def _rfc822(value: object) -> datetime | None:
    """A date the parser left unread, read as RFC 822 more loosely: without a time zone (taken
    as UTC), with the month or the day of the week written out ("Monday, 06 January 2025")."""
    if not isinstance(value, str) or not value.strip():
        return None
    parsed = parsedate_tz(value)
    if parsed is None:
        return None
    try:
        when = datetime(*parsed[:6], tzinfo=UTC)
    except ValueError:  # "31 Feb"
        return None
    return when - timedelta(seconds=parsed[9] or 0)


# -- JSON Feed ------------------------------------------------------------------------------


def _parse_json_feed(content: bytes, *, url: str) -> ParsedFeed:
    try:
        # JSON is UTF-8 (RFC 8259) whatever charset the server names; json detects UTF-16/32
        document = json.loads(content)
    except ValueError as error:
        raise ParseError(f"The JSON Feed is not valid JSON: {error}") from error
    version = document.get("version") if isinstance(document, dict) else None
    if not isinstance(version, str) or not version.startswith(JSON_FEED_VERSION):
        raise ParseError("This is not a feed: the JSON document has no JSON Feed version")
    items = document.get("items")
    if not isinstance(items, list):
        raise ParseError("The JSON Feed has no list of items")
    home_url = _joined(url, _str(document.get("home_page_url")))
    base = home_url or url
    return ParsedFeed(
        title=_fold(html.unescape(_str(document.get("title")))),
        home_url=home_url,
        items=tuple(_json_item(item, base=base) for item in items if isinstance(item, dict)),
        language=_str(document.get("language")).strip(),
        kind="json10" if version.rstrip("/") == JSON_FEED_VERSION + "1" else "json11",
    )


def _json_item(item: Mapping[str, Any], *, base: str) -> FeedItem:
    title = _fold(html.unescape(_str(item.get("title"))))
    published = _iso_utc(item.get("date_published"))
    content_html = _str(item.get("content_html")) or text_html(_str(item.get("content_text")))
    summary = text_html(_str(item.get("summary")))  # "a plain text sentence or two"
    link = _absolute(base, _str(item.get("url")) or _str(item.get("external_url")))
    raw_id = item.get("id")
    image = (_str(item.get("image")) or _str(item.get("banner_image"))
             or next((_str(a.get("url")) for a in _list(item.get("attachments"))
                      if isinstance(a, dict) and _str(a.get("mime_type")).startswith("image/")),
                     ""))
    return FeedItem(
        # JSON Feed 1.0 allowed numeric ids
        guid=_guid(str(raw_id).strip() if isinstance(raw_id, str | int) else "", link, title,
                   published, text=summary + content_html),
        link=link,
        title=title,
        summary_html=summary,
        content_html=content_html,
        author=_name(_str(_json_author(item).get("name"))),
        published=published,
        updated=_iso_utc(item.get("date_modified")),
        image_url=_absolute(base, image or _first_img(content_html, summary)),
        categories=_unique(tag for tag in _list(item.get("tags")) if isinstance(tag, str)),
    )


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _json_author(item: Mapping[str, Any]) -> Mapping[str, Any]:
    """JSON Feed 1.1 has an `authors` list; 1.0 had a single `author`."""
    authors = item.get("authors")
    first = authors[0] if isinstance(authors, list) and authors else item.get("author")
    return first if isinstance(first, dict) else {}


def _iso_utc(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=parsed.tzinfo or UTC).astimezone(UTC)


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


# -- shared -------------------------------------------------------------------------------


def _guid(given: str, link: str, title: str, published: datetime | None, text: str) -> str:
    """The publisher's id, else the link, else a digest stable across fetches: of the title and
    date, or of the text when the item has neither (a post on a social network); an id longer
    than GUID_MAX_CHARS is kept as its digest, also stable."""
    if given or link:
        # the same item re-tagged by the publisher keeps its id
        guid = given or strip_tracking(link)
        return guid if len(guid) <= GUID_MAX_CHARS else _digest(guid)
    if title or published:
        return _digest(f"{title}{_stamp(published)}")
    return _digest(text)


def _digest(*parts: str) -> str:
    return "sha256:" + digest(*parts)


def _stamp(when: datetime | None) -> str:
    return when.isoformat() if when else ""


def _text(detail: Mapping[str, Any] | None) -> str:
    """A title as plain text: markup stripped, entities decoded, whitespace folded."""
    value = (detail or {}).get("value") or ""
    if ("<" in value or "&" in value) and (detail or {}).get("type") in HTML_TYPES:
        try:
            value = lxml.html.fragment_fromstring(value, create_parent="div").text_content()
        except (ValueError, lxml.etree.ParserError):
            value = html.unescape(value)
    return _fold(value)


def _fold(text: str) -> str:
    return " ".join(text.split())


def _first_img(*fragments: str) -> str:
    """The first real <img> in the item's HTML: the last resort for a lead image."""
    for fragment in fragments:
        if "<img" not in fragment.lower():
            continue  # spares lxml the many items without pictures
        try:
            root = lxml.html.fragment_fromstring(fragment, create_parent="div")
        except (ValueError, lxml.etree.ParserError):
            continue
        for img in root.iter("img"):
            for src in (str(img.get("src") or "").strip(), str(img.get("data-src") or "").strip()):
                # a data: URI is a lazy-load placeholder; data-src holds the real picture
                if src and not src.startswith("data:"):
                    return src
    return ""


def _absolute(base: str, url: str) -> str:
    """The URL made absolute; "" for none, for one that is no URL at all ("http://[x/") and
    for one that is no web address (javascript:, data:): an item with such a link is read as an
    item with none, and the rest of the feed with it."""
    url = url.strip()
    return web_url(joined_url(base, url)) if url else ""


def _joined(base: str, url: str) -> str:
    """urljoin(base, url), or base when url is no URL at all or no web address."""
    return (web_url(joined_url(base, url)) or base) if url else base


def _unique(values: Iterable[str | None]) -> tuple[str, ...]:
    folded = (_fold(value) for value in values if value)
    return tuple(dict.fromkeys(value for value in folded if value))
