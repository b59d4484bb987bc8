"""Article page -> ExtractedArticle: the text with its structure, pull quotes, image, credit, metadata.

trafilatura finds the main text; before it runs, the page's own markup tells us what is not
text (the lead figure, pull quotes, boilerplate boxes), and those parts are taken out and kept
as fields. The HTML that comes out is not yet sanitised: the clean stage does that, last.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from itertools import islice
from urllib.parse import urljoin, urlsplit

import lxml.html
import trafilatura
from lxml import etree

from newsdesk.ingest.errors import ExtractError
from newsdesk.ingest.site_rules import SiteRule, generic_rules, rule_for
from newsdesk.ingest.types import ExtractedArticle, FeedItem, PullQuote

BLOCK_TAGS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "table",
                        "figure", "pre", "dl"})
KEEP_ATTRIBUTES = {"a": ("href", "title"), "img": ("src", "srcset", "alt", "width", "height",
                                                   "data-src", "data-srcset"),
                   "td": ("colspan", "rowspan"), "th": ("colspan", "rowspan", "scope")}
CREDIT_WORDS = r"photo(?:graph)?|image|picture|foto|cr[eé]dits?(?:\s+photos?)?|تصوير|صورة"
CREDIT_PREFIX = re.compile(rf"^\s*(?:(?:{CREDIT_WORDS})(?:\s+credit)?|source)\s*[:：]\s*|^\s*©\s*",
                           re.IGNORECASE)
# The credit ends the caption and opens it, a sentence or a bracket: "The winning photo: a
# heron" names no photographer.
CAPTION_CREDIT = re.compile(rf"(?:^|[.!?;|/—–-]|\(|\s(?=©))\s*((?:{CREDIT_WORDS})\s*(?:credit)?"
                            r"\s*[:：]|©)\s*([^()]+?)\)?\s*$", re.IGNORECASE)
CAPTION_SEPARATORS = " (|/—–-"  # what stood between the caption and its credit
LAZY_IMAGE_SOURCES = ("data-src", "data-lazy-src", "data-original")
BYLINE = "[rel=author], .author, .byline__name, [itemprop=author]"
BYLINE_MAX_CHARS = 160  # a longer block that names the author is text, not a byline
BYLINE_BLOCKS = ("p", "div", "li", "header", "section", "aside")
KICKER_MAX_CHARS = 80
MIN_BODY_CHARS = 200
STRUCTURAL_TAGS = frozenset({"html", "body", "main", "article"})
PROTECTED_SHARE = 0.4  # never drop a box that holds this share of the page's paragraph text


def fold(text: str) -> str:
    """Collapse runs of white space, as a reader sees the text."""
    return " ".join(text.split())


def text_of(element: lxml.html.HtmlElement) -> str:
    return fold(element.text_content())


def extract_article(content: bytes | str, *, url: str, encoding: str | None = None,
                    rule: SiteRule | None = None) -> ExtractedArticle:
    """Extract one article page. Raises ExtractError when the page yields no usable text."""
    doc = _parse_document(content, encoding)
    notes: list[str] = []
    meta = _metadata(doc, url, notes)
    site_rule = rule_for(urlsplit(url).hostname or "", rule)

    _drop_all(doc, generic_rules().remove + site_rule.remove)
    image = _take_lead_image(doc, url, meta.get("image", ""), notes)
    standfirst = _take_standfirst(doc, meta["title"], meta["description"])
    quotes = _take_pull_quotes(doc, site_rule)
    _drop_title(doc, meta["title"])
    _drop_byline(doc)
    _drop_boilerplate(doc)

    blocks = _body_blocks(doc, url, site_rule, meta.get("article_body", ""), notes)
    if sum(len(text_of(b)) for b in blocks) < MIN_BODY_CHARS:
        raise ExtractError("The article page has too little text to republish.")
    pull_quotes = _place_pull_quotes(quotes, blocks, notes)
    body_html = "\n".join(_serialise(b) for b in blocks)
    return ExtractedArticle(
        url=meta["canonical"],
        title=meta["title"],
        body_html=body_html,
        author=meta.get("author", ""),
        published=_parse_date(meta.get("published", "")),
        language=meta.get("language", ""),
        image_url=image.get("url", ""),
        image_alt=image.get("alt", ""),
        image_caption=image.get("caption", ""),
        image_credit=image.get("credit", ""),
        summary=meta.get("description", "") or standfirst,
        pull_quotes=tuple(pull_quotes),
        notes=tuple(notes),
    )


def article_from_feed_item(item: FeedItem, *, reason: str = "") -> ExtractedArticle:
    """An excerpt built from the feed alone, when the page is not used or could not be read."""
    source_html = item.content_html or item.summary_html
    if source_html and "<" not in source_html:
        source_html = "".join(f"<p>{html.escape(part)}</p>"
                              for part in re.split(r"\n\s*\n", source_html) if part.strip())
    blocks: list[lxml.html.HtmlElement] = []
    if source_html.strip():
        fragment = lxml.html.fragment_fromstring(source_html, create_parent="div")
        blocks = list(_blocks_from_container(fragment))
    notes = ("body: feed content" if item.content_html else "body: feed summary",)
    if reason:
        notes += (f"page not used: {reason}",)
    return ExtractedArticle(
        url=item.link,
        title=item.title,
        body_html="\n".join(_serialise(b) for b in blocks),
        author=item.author,
        published=item.published,
        image_url=item.image_url,
        summary=fold(lxml.html.fromstring(item.summary_html).text_content())
        if item.summary_html.strip() else "",
        is_excerpt=True,
        notes=notes,
    )


# -- the document -----------------------------------------------------------------------------


def _parse_document(content: bytes | str, encoding: str | None) -> lxml.html.HtmlElement:
    if isinstance(content, bytes):
        parser = lxml.html.HTMLParser(encoding=encoding) if encoding else None
        try:
            return lxml.html.document_fromstring(content, parser=parser)
        except (etree.ParserError, LookupError):
            content = content.decode("utf-8", "replace")
    try:
        return lxml.html.document_fromstring(content)
    except etree.ParserError as exc:
        raise ExtractError("The article page is empty or not HTML.") from exc


def _metadata(doc: lxml.html.HtmlElement, url: str, notes: list[str]) -> dict[str, str]:
    meta: dict[str, str] = {}
    props = {}
    for el in doc.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        if key and el.get("content") and key not in props:
            props[key] = el.get("content", "").strip()
    ld = _json_ld_article(doc)

    canonical = next((el.get("href") for el in doc.iter("link")
                      if "canonical" in (el.get("rel") or "").lower().split() and el.get("href")),
                     None)
    meta["canonical"] = urljoin(url, canonical or props.get("og:url") or url)
    notes.append("url: link rel=canonical" if canonical else "url: the fetched address")

    h1 = next((text_of(h) for h in doc.iter("h1") if text_of(h)), "")
    title_tag = next((text_of(t) for t in doc.iter("title")), "")
    for label, value in (("og:title", props.get("og:title")), ("json-ld headline", ld.get("headline")),
                         ("h1", h1), ("title", title_tag)):
        if isinstance(value, str) and value.strip():
            meta["title"] = fold(html.unescape(value))
            notes.append(f"title: {label}")
            break
    else:
        meta["title"] = ""

    # article:author is often a profile URL, which is no name to credit.
    author = next((a for a in (props.get("author"), props.get("article:author"), _ld_author(ld))
                   if a and "://" not in a), "")
    if not author:
        byline = doc.cssselect(BYLINE)
        author = text_of(byline[0]) if byline else ""
    meta["author"] = fold(author)

    meta["published"] = (props.get("article:published_time") or str(ld.get("datePublished") or "")
                         or props.get("date") or props.get("dc.date") or "")
    if not meta["published"]:
        times = [t.get("datetime") for t in doc.iter("time") if t.get("datetime")]
        meta["published"] = times[0] if times else ""

    meta["description"] = fold(html.unescape(props.get("og:description") or props.get("description")
                                             or str(ld.get("description") or "")))
    meta["language"] = (doc.get("lang") or props.get("og:locale") or "").split("-")[0].split("_")[0]
    image = props.get("og:image") or props.get("twitter:image") or _ld_image(ld)
    meta["image"] = urljoin(url, image) if image else ""
    body = ld.get("articleBody")
    meta["article_body"] = body if isinstance(body, str) else ""
    return meta


def _json_ld_article(doc: lxml.html.HtmlElement) -> dict[str, object]:
    for script in doc.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        for node in _ld_nodes(data):
            kind = node.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and k.endswith("Article") or k == "BlogPosting" for k in kinds):
                return node
    return {}


def _ld_nodes(data: object) -> Iterator[dict[str, object]]:
    if isinstance(data, list):
        for entry in data:
            yield from _ld_nodes(entry)
    elif isinstance(data, dict):
        yield data
        yield from _ld_nodes(data.get("@graph", []))


def _ld_author(ld: dict[str, object]) -> str:
    authors = ld.get("author")
    entries = authors if isinstance(authors, list) else [authors]
    names = [a.get("name") if isinstance(a, dict) else a for a in entries]
    return ", ".join(n for n in names if isinstance(n, str) and n.strip())


def _ld_image(ld: dict[str, object]) -> str:
    image = ld.get("image")
    if isinstance(image, list):
        image = image[0] if image else None
    if isinstance(image, dict):
        image = image.get("url")
    return image if isinstance(image, str) else ""


def _parse_date(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


# -- taking parts out before the text is extracted --------------------------------------------


def _drop_all(doc: lxml.html.HtmlElement, selectors: Iterable[str]) -> None:
    for selector in selectors:
        for el in doc.cssselect(selector):
            if el.getparent() is not None and el.tag not in STRUCTURAL_TAGS:
                el.drop_tree()


def _take_lead_image(doc: lxml.html.HtmlElement, url: str, og_image: str,
                     notes: list[str]) -> dict[str, str]:
    """The lead figure's image, caption and credit; the figure leaves the body."""
    # WordPress's classic caption is a div.wp-caption; AMP pages use amp-img.
    figures = [f for f in doc.cssselect("figure, .wp-caption") if _figure_image(f) is not None]
    chosen = None
    for figure in figures:
        if og_image and _image_source(_figure_image(figure), url) == og_image:
            chosen = figure
            break
    if chosen is None and figures:
        chosen = figures[0]
    if chosen is None:
        if og_image:
            notes.append("image: og:image")
        return {"url": og_image} if og_image else {}

    img = _figure_image(chosen)
    result = {"url": _image_source(img, url) or og_image, "alt": fold(img.get("alt") or "")}
    notes.append("image: lead <figure>")
    captions = chosen.cssselect("figcaption, .wp-caption-text")
    if captions:
        caption = captions[0]
        credit_els = [el for sel in generic_rules().credit for el in caption.cssselect(sel)]
        if credit_els:
            result["credit"] = CREDIT_PREFIX.sub("", text_of(credit_els[0]))
            notes.append("credit: figcaption credit element")
            for el in credit_els:
                el.drop_tree()
        result["caption"] = text_of(caption)
        if "credit" not in result:
            result["caption"], result["credit"] = _split_credit(result["caption"], notes)
    chosen.drop_tree()
    return result


def _figure_image(figure: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    return next(figure.iter("img", "amp-img"), None)


def _image_source(img: lxml.html.HtmlElement, url: str) -> str:
    """The image's real address: a lazy loader's attribute wins over a placeholder src."""
    for name in (*LAZY_IMAGE_SOURCES, "src"):
        value = (img.get(name) or "").strip()
        if value and not value.startswith("data:"):
            return urljoin(url, value)
    return ""


def _split_credit(caption: str, notes: list[str]) -> tuple[str, str]:
    """'A harbour at dawn. Photo: Jane Roe' -> ('A harbour at dawn.', 'Jane Roe')."""
    match = CAPTION_CREDIT.search(caption)
    if not match:
        return caption, ""
    notes.append("credit: caption text")
    return caption[: match.start(1)].rstrip(CAPTION_SEPARATORS).strip(), match.group(2).strip()


def _take_standfirst(doc: lxml.html.HtmlElement, title: str, description: str) -> str:
    for selector in generic_rules().standfirst:
        for el in doc.cssselect(selector):
            if el.tag in STRUCTURAL_TAGS:
                continue
            text = text_of(el)
            el.drop_tree()
            return text
    # Unknown class names (a French "chapo"): the marked block under the title that repeats
    # the page's description.
    for h1 in doc.iter("h1"):
        after = h1.getnext()
        if (_is_title(h1, title) and after is not None and after.get("class")
                and description and text_of(after) == description):
            after.drop_tree()
            return description
    return ""


def _take_pull_quotes(doc: lxml.html.HtmlElement,
                      rule: SiteRule) -> list[tuple[str, tuple[str, ...]]]:
    """(quote, texts of the next few blocks) for each pull quote the page marks as one.

    Several: the block right after a quote may be an ad or a box that does not reach the body.
    """
    selectors = generic_rules().pull_quote + ((rule.pull_quote,) if rule.pull_quote else ())
    found: list[tuple[str, tuple[str, ...]]] = []
    seen: set[int] = set()
    for selector in selectors:
        for el in doc.cssselect(selector):
            if id(el) in seen or el.getparent() is None:
                continue
            seen.add(id(el))
            quote = text_of(el)
            following = tuple(islice((t for t in map(text_of, el.itersiblings()) if t), 3))
            el.drop_tree()
            if quote:
                found.append((quote, following))
    return found


def _is_title(h1: lxml.html.HtmlElement, title: str) -> bool:
    return not title or text_of(h1) == title or title.startswith(text_of(h1))


def _drop_title(doc: lxml.html.HtmlElement, title: str) -> None:
    """The title leaves the body, and so do the short labels above it (a section kicker)."""
    for h1 in list(doc.iter("h1")):
        if not _is_title(h1, title):
            continue
        for before in list(h1.itersiblings(preceding=True)):
            if (isinstance(before.tag, str) and before.tag not in STRUCTURAL_TAGS
                    and len(text_of(before)) <= KICKER_MAX_CHARS
                    and next(before.iter("img", "amp-img", "figure"), None) is None):
                before.drop_tree()
        h1.drop_tree()


def _drop_byline(doc: lxml.html.HtmlElement) -> None:
    """The byline's block leaves the body whole, so no 'By — updated' remnant is left."""
    for el in doc.cssselect(BYLINE):
        block = el if el.tag in BYLINE_BLOCKS else next(el.iterancestors(*BYLINE_BLOCKS), None)
        if (block is not None and block.tag not in STRUCTURAL_TAGS
                and block.getparent() is not None and len(text_of(block)) <= BYLINE_MAX_CHARS):
            block.drop_tree()


def _drop_boilerplate(doc: lxml.html.HtmlElement) -> None:
    tokens = generic_rules().boilerplate_tokens
    total = sum(len(text_of(p)) for p in doc.iter("p")) or 1
    for el in list(doc.iter()):
        if not isinstance(el.tag, str) or el.tag in STRUCTURAL_TAGS or el.getparent() is None:
            continue
        names = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
        if not names.strip() or not tokens.intersection(re.split(r"[\s_-]+", names)):
            continue
        share = sum(len(text_of(p)) for p in el.iter("p")) / total
        if share < PROTECTED_SHARE:
            el.drop_tree()


# -- the body ---------------------------------------------------------------------------------


def _body_blocks(doc: lxml.html.HtmlElement, url: str, rule: SiteRule, article_body: str,
                 notes: list[str]) -> list[lxml.html.HtmlElement]:
    if rule.body:
        containers = doc.cssselect(rule.body)
        if containers:
            notes.append(f"body: site rule {rule.body!r}")
            return list(_blocks_from_container(containers[0]))
        notes.append(f"body: site rule {rule.body!r} matched nothing; generic extractor used")
    extracted = trafilatura.extract(
        lxml.html.tostring(doc, encoding="unicode"), url=url, output_format="html",
        include_comments=False, include_tables=True, include_images=False,
        include_formatting=True, include_links=True, favor_precision=True, deduplicate=False,
    )
    blocks: list[lxml.html.HtmlElement] = []
    if extracted:
        body = lxml.html.document_fromstring(extracted).find("body")
        if body is not None:
            blocks = list(_blocks_from_container(body))
    if sum(len(text_of(b)) for b in blocks) < MIN_BODY_CHARS and article_body:
        notes.append("body: JSON-LD articleBody")
        return [_paragraph(part) for part in re.split(r"\n+", article_body) if part.strip()]
    notes.append("body: trafilatura")
    return blocks


def _blocks_from_container(container: lxml.html.HtmlElement) -> Iterator[lxml.html.HtmlElement]:
    """Top-level blocks: block elements as they are, wrappers opened, loose text in a <p>."""
    if container.text and container.text.strip():
        yield _paragraph(container.text)
    for child in container:
        if not isinstance(child.tag, str):
            continue
        if child.tag in BLOCK_TAGS:
            if text_of(child) or child.find(".//img") is not None:
                yield child
        elif child.tag in {"div", "section", "article", "main", "span", "header"} and any(
            isinstance(c.tag, str) for c in child
        ):
            yield from _blocks_from_container(child)
        elif text_of(child):
            wrapper = lxml.html.Element("p")
            wrapper.append(child)
            yield wrapper
        if child.tail and child.tail.strip():
            yield _paragraph(child.tail)


def _paragraph(text: str) -> lxml.html.HtmlElement:
    p = lxml.html.Element("p")
    p.text = fold(text)
    return p


def _place_pull_quotes(quotes: list[tuple[str, tuple[str, ...]]],
                       blocks: list[lxml.html.HtmlElement], notes: list[str]) -> list[PullQuote]:
    """Each quote stands before the first block that followed it on the page (or at the end)."""
    texts = [text_of(b) for b in blocks]
    placed = []
    for quote, following in quotes:
        positions = (i for probe in following for i, t in enumerate(texts)
                     if t.startswith(probe[:80]))
        placed.append(PullQuote(text=quote, position=next(positions, len(blocks))))
    if placed:
        notes.append(f"pull quotes: {len(placed)} marked by the page")
    return sorted(placed, key=lambda q: q.position)


def _serialise(block: lxml.html.HtmlElement) -> str:
    """The block without presentational attributes (class, style, ids)."""
    for el in block.iter():
        if not isinstance(el.tag, str):
            continue
        keep = KEEP_ATTRIBUTES.get(el.tag, ())
        for name in list(el.attrib):
            if name not in keep:
                del el.attrib[name]
    block.tail = None
    return lxml.html.tostring(block, encoding="unicode").strip()
