"""Article page -> ExtractedArticle: text and structure, pull quotes, image, credit, metadata.

trafilatura finds the main text; before it runs, the page's own markup tells us what is not
text (the lead figure, pull quotes, captions, sign-up and donation boxes, teaser lines), and
those parts are taken out and kept as fields or dropped. After it runs, a body that a script
would fill in is recovered from JSON-LD. The HTML that comes out is not yet sanitised: the
clean stage does that, last. Every decision leaves a note naming the rule that made it.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Collection, Iterable, Iterator
from functools import cache
from itertools import islice
from urllib.parse import urlsplit

import lxml.html
import trafilatura
from lxml import etree
from lxml.cssselect import CSSSelector

from newsdesk.ingest.clean import (
    NOT_TEXT,
    fragment_text,
    joined_url,
    plain_text,
    srcset_candidates,
    text_html,
)
from newsdesk.ingest.errors import ExtractError
from newsdesk.ingest.extract_meta import BYLINE, BYLINE_MAX_CHARS, BYLINE_PREFIX, page_meta
from newsdesk.ingest.site_rules import SiteRule, generic_rules, rule_for
from newsdesk.ingest.types import ExtractedArticle, FeedItem, PullQuote

BLOCK_TAGS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "table",
                        "figure", "pre", "dl"})
KEEP_ATTRIBUTES = {"a": ("href", "title"), "img": ("src", "srcset", "alt", "width", "height",
                                                   "data-src", "data-srcset"),
                   "td": ("colspan", "rowspan"), "th": ("colspan", "rowspan", "scope"),
                   "ol": ("start",)}
CREDIT_WORDS = (r"photo(?:graph)?s?|image|picture|pictures|foto|cr[eé]dits?(?:\s+photos?)?"
                r"|تصوير|صورة|צילום|фото")
CREDIT_PREFIX = re.compile(
    rf"^\s*(?:(?:{CREDIT_WORDS})(?:\s+credit)?\s*[:：]|(?:photo(?:graph)?s?|picture)\s+by\b"
    r"|source\s*[:：]|©)\s*", re.IGNORECASE)
# The credit ends the caption and opens it, a sentence or a bracket: "The winning photo: a
# heron" names no photographer.
CAPTION_CREDIT = re.compile(rf"(?:^|[.!?;|/—–-]|\(|\s(?=©))\s*((?:{CREDIT_WORDS})\s*(?:credit)?"
                            r"\s*[:：]|©|(?:photo(?:graph)?s?|picture)\s+by\b)\s*([^()]+?)\)?\s*$",
                            re.IGNORECASE)
# "Scaffolding goes up on Monday. (AP Photo/Jane Roe)": a news agency's credit.
AGENCY_CREDIT = re.compile(r"\(\s*((?:[A-Z][\w.&'-]*\s+){1,3}Photos?\s*/\s*[^()/]+?)\s*\)\s*$")
# "The turbine above the village | Dale Whitby": a bare name after a bar is a credit.
PIPE_CREDIT = re.compile(r"\s+\|\s+((?:[A-ZÀ-Ý][\w'’.-]*\s?){1,4}(?:/[\w .'-]+)?)\s*$")
CAPTION_SEPARATORS = " (|/—–-"  # what stood between the caption and its credit
LAZY_IMAGE_SOURCES = ("data-src", "data-lazy-src", "data-original")
IMAGE_BOX_CLASS = re.compile(r"image|media|hero|photo|picture|figure|thumbnail|featured|gallery"
                             r"|slide|carousel", re.IGNORECASE)
# A face beside a byline or in an author box is no lead picture.
PORTRAIT_CLASS = re.compile(r"avatar|author|profile|headshot|byline|mugshot", re.IGNORECASE)
PORTRAIT_MAX_PIXELS = 150
LAZY_SRCSETS = ("data-srcset", "data-lazy-srcset", "srcset")
PLACEHOLDER = re.compile(r"placeholder|blank|spacer|lazy|loading|1x1|pixel\.", re.IGNORECASE)
WP_SIZE_SUFFIX = re.compile(r"-\d{2,4}x\d{2,4}(?=\.\w+$)")
LAYOUT_CELL_CHARS = 500  # a data table's cells are short; a layout table's hold the article
FIGURE_MAX_CHARS = 400  # a picture's box holds a caption and a credit, not paragraphs
BYLINE_BLOCKS = ("p", "div", "li", "header", "section", "aside")
KICKER_MAX_CHARS = 80
MIN_BODY_CHARS = 200
STRUCTURAL_TAGS = frozenset({"html", "body", "main", "article"})
PROTECTED_SHARE = 0.4  # never drop a box that holds this share of the page's paragraph text
BOX_MAX_CHARS = 500  # a call-to-action box is short; the article is not
BOX_PARAGRAPH_MAX_CHARS = 200
CTA_HREF = re.compile(r"newsletter|subscri|sign-?up|donat|/give\b|membership|/join\b|"
                      r"portal/signup|/support-us", re.IGNORECASE)
CTA_WORDS = re.compile(r"sign (?:me )?up|subscribe|newsletter|donate|\bgive\b|support us|"
                       r"inscri|abonne|suscr|boletín|اشترك|النشرة|הירשמו|ניוזלטר|подпис|рассылк",
                       re.IGNORECASE)
TEASER_MAX_CHARS = 200
TEASER_LINK_SHARE = 0.5  # a short line that is mostly a link points elsewhere
FOOTNOTE_MARK = re.compile(r"\[?(?:\d{1,3}|[a-z]|[*†‡§¶])\]?")
PAGE_ONE_OF = re.compile(r"\bpage 1 (?:of|/) [2-9]\d?\b", re.IGNORECASE)
RELATED_LABEL = re.compile(
    r"(?:related(?: stories| articles| coverage| links| reading)?|read more|more on this"
    r"(?: story)?|see also|also read|read also|lire aussi|à lire aussi|lea también|leer más|"
    r"mehr zum thema|weiterlesen|اقرأ أيضا|читайте также)\s*[:.]?", re.IGNORECASE)
QUOTE_MAX_CHARS = 320
QUOTE_MIN_KEY = 24  # shorter repeats are coincidence, not a pull quote
QUOTE_MARKS = re.compile(r"[\"'“”‘’«»„‟‹›\s.,;:!?…—–-]+")
# The line an ad slot leaves in the text when its ad is not there.
AD_LABEL = re.compile(
    r"(?:advertisement|advertising|advert|sponsored|(?:the )?(?:story|article) continues "
    r"(?:below|after)(?: (?:this|the))? (?:advertisement|advert|ad)|anzeige|werbung|publicité|"
    r"publicidad|pubblicità|reklama|реклама|إعلان|פרסומת)[.:]?", re.IGNORECASE)
# What a publishing system adds under every item of its feed: WordPress's "The post … appeared
# first on …", a "Continue reading" link. No part of the article: a block of the body, or the
# end of the summary's text.
_FEED_FOOTER = r"The post .+ appeared first on .+|Continue reading\b"
FEED_FOOTER = re.compile(rf"(?:{_FEED_FOOTER}).{{0,120}}", re.IGNORECASE | re.DOTALL)
FEED_FOOTER_AT_END = re.compile(rf"\s*(?:{_FEED_FOOTER})[^.!?]{{0,120}}$", re.IGNORECASE)
PROBE_MIN_CHARS = 12  # a shorter block could match by chance
RECOVERY_RATIO = 1.3  # JSON-LD articleBody wins when it is this much longer than the page's text


def fold(text: str) -> str:
    """Collapse runs of white space, as a reader sees the text."""
    return " ".join(text.split())


def text_of(element: lxml.html.HtmlElement) -> str:
    return fold(element.text_content())


@cache
def _selector(css: str) -> CSSSelector:
    return CSSSelector(css, translator="html")


def select(root: lxml.html.HtmlElement, css: str) -> list[lxml.html.HtmlElement]:
    return list(_selector(css)(root))


def extract_article(content: bytes | str, *, url: str, encoding: str | None = None,
                    rule: SiteRule | None = None) -> ExtractedArticle:
    """Extract one article page. Raises ExtractError when the page yields no usable text."""
    doc = _parse_document(content, encoding)
    meta = page_meta(doc, url)
    notes = list(meta.notes)
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    site_rule = rule_for(host, rule)
    if site_rule != SiteRule():
        notes.append(f"site rule: {'the source' if rule and site_rule is rule else host}")

    if PAGE_ONE_OF.search(doc.text_content()[:200_000]):
        notes.append("the article goes on over further pages: only this one is taken")
    _drop_boxes(doc, notes)
    _drop_all(doc, generic_rules().remove + site_rule.remove)
    _unwrap_layout_tables(doc)
    _paragraphs_from_breaks(doc)
    image = _take_lead_image(doc, url, meta.image, notes)
    if image and not image.get("credit") and meta.image_credit and (
            not meta.image_credit_url
            or _image_key(image.get("url", "")) == _image_key(meta.image_credit_url)):
        image["credit"] = meta.image_credit
        notes.append("credit: json-ld image creditText")
    standfirst = _take_standfirst(doc, meta.title, meta.description)
    if standfirst and not meta.description:
        notes.append("summary: the standfirst under the title")
    quotes = _take_pull_quotes(doc, site_rule, notes)
    _drop_title(doc, meta.title)
    _drop_byline(doc, meta.author)
    _drop_pictures(doc, notes)
    footnotes = _footnote_markers_as_text(doc)
    _drop_teasers(doc, notes, keep=footnotes)
    _drop_boilerplate(doc)

    _paragraphs_from_text_boxes(doc, notes)
    blocks = _body_blocks(doc, url, site_rule, meta.article_body, notes)
    kept = [b for b in blocks if not AD_LABEL.fullmatch(text_of(b))]
    if len(kept) < len(blocks):
        notes.append(f"dropped {len(blocks) - len(kept)} advertisement labels")
        blocks = kept
    if sum(len(text_of(b)) for b in blocks) < MIN_BODY_CHARS:
        raise ExtractError("The article page has too little text to republish.")
    pull_quotes = _place_pull_quotes(quotes, blocks)
    body_html = "\n".join(_serialise(b) for b in blocks)
    return ExtractedArticle(
        url=meta.canonical,
        title=meta.title,
        body_html=body_html,
        author=meta.author,
        published=meta.published,
        language=meta.language,
        image_url=image.get("url", ""),
        image_alt=image.get("alt", ""),
        image_caption=image.get("caption", ""),
        image_credit=image.get("credit", ""),
        summary=meta.description or standfirst,
        pull_quotes=tuple(pull_quotes),
        notes=tuple(notes),
    )


def article_from_feed_item(item: FeedItem, *, reason: str = "",
                           summary: str | None = None) -> ExtractedArticle:
    """An excerpt built from the feed alone, when the page is not used or could not be read.

    summary: the feed summary's text, when the caller has read it already."""
    source_html = item.content_html or item.summary_html
    if source_html and "<" not in source_html:
        source_html = text_html(source_html)
    blocks: list[lxml.html.HtmlElement] = []
    image_alt = ""
    notes = ["body: feed content" if item.content_html else "body: feed summary"]
    if source_html.strip():
        fragment = lxml.html.fragment_fromstring(source_html, create_parent="div")
        if summary is None and source_html is item.summary_html:
            summary = fragment_text(fragment)  # the body is the summary: one parse for both
        blocks = list(_blocks_from_container(fragment))
        while blocks and FEED_FOOTER.fullmatch(text_of(blocks[-1])):
            notes.append(f"dropped the feed's footer: {text_of(blocks.pop())[:80]}")
        if item.image_url:
            blocks, image_alt = _without_lead_picture(blocks, item.image_url, item.link, notes)
    if reason:
        notes.append(f"page not used: {reason}")
    summary = plain_text(item.summary_html) if summary is None else summary
    return ExtractedArticle(
        url=item.link,
        title=item.title,
        body_html="\n".join(_serialise(b) for b in blocks),
        author=item.author,
        published=item.published,
        image_url=item.image_url,
        image_alt=image_alt,
        summary=FEED_FOOTER_AT_END.sub("", summary),
        is_excerpt=True,
        notes=tuple(notes),
    )


def _without_lead_picture(blocks: list[lxml.html.HtmlElement], image_url: str, link: str,
                          notes: list[str]) -> tuple[list[lxml.html.HtmlElement], str]:
    """The blocks without the one that only shows the lead image (the page shows it above
    the text), and that picture's alt text."""
    for index, block in enumerate(blocks):
        images = list(block.iter("img"))
        if len(images) == 1 and not text_of(block) and _image_source(images[0], link) == image_url:
            notes.append("dropped the lead image from the body")
            return blocks[:index] + blocks[index + 1:], fold(images[0].get("alt") or "")
    return blocks, ""


# -- the document -----------------------------------------------------------------------------


def _parse_document(content: bytes | str, encoding: str | None) -> lxml.html.HtmlElement:
    doc = None
    if isinstance(content, bytes):
        encoding = _page_encoding(content, encoding)
        try:
            parser = lxml.html.HTMLParser(encoding=encoding) if encoding else None
            doc = lxml.html.document_fromstring(content, parser=parser)
        except (etree.ParserError, LookupError):  # an unknown charset: read as UTF-8
            content = content.decode("utf-8", "replace")
    if doc is None:
        try:
            doc = lxml.html.document_fromstring(content)
        except etree.ParserError as exc:
            raise ExtractError("The article page is empty or not HTML.") from exc
    found = (CONTROL_BYTES if isinstance(content, bytes) else CONTROL_CHARACTERS).search(content)
    if found:
        _drop_control_characters(doc)
    return doc


META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# What browsers read for these labels (WHATWG Encoding): windows-1252, whose 0x80-0x9F are
# the curly quotes and dashes that Latin-1 would make control characters.
LATIN1_LABELS = frozenset({"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii",
                           "ascii", "iso_8859-1", "cp819", "ibm819", "iso-ir-100"})


def _page_encoding(content: bytes, declared: str | None) -> str | None:
    """The encoding to read a page in: the server's or the page's own word, but windows-1252
    for a Latin-1 label; when nobody names one, UTF-8 if it is that, else windows-1252."""
    if content.startswith(BOMS):
        return declared
    meta = META_CHARSET.search(content[:4096])
    label = (declared or (meta.group(1).decode("ascii", "replace") if meta else "")).lower()
    if label in LATIN1_LABELS:
        return "cp1252"
    if label:
        return declared  # None leaves the page's own <meta> to libxml2
    return "utf-8" if _is_utf8(content) else "cp1252"


def _is_utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# Raw, or written as character references ("&#1;"), which the parser turns into characters:
# lxml then refuses to write back any text that holds one, and no reader wants them.
CONTROL_CHARACTERS = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f]|&#(?:[xX]0*[0-9a-fA-F]{1,2}|0*\d{1,2});")
CONTROL_BYTES = re.compile(CONTROL_CHARACTERS.pattern.encode())


def _drop_control_characters(doc: lxml.html.HtmlElement) -> None:
    for el in doc.iter():
        if el.text and NOT_TEXT.search(el.text):
            el.text = NOT_TEXT.sub("", el.text)
        if el.tail and NOT_TEXT.search(el.tail):
            el.tail = NOT_TEXT.sub("", el.tail)
        if isinstance(el.tag, str):
            for name, value in el.attrib.items():
                if NOT_TEXT.search(value):
                    el.set(name, NOT_TEXT.sub("", value))


def _attached(el: lxml.html.HtmlElement) -> bool:
    """Still in the document: no ancestor was dropped."""
    root = el.getroottree().getroot()
    return el is root or any(a is root for a in el.iterancestors())


def _paragraph_text(doc: lxml.html.HtmlElement) -> int:
    return sum(len(text_of(p)) for p in doc.iter("p")) or 1


def _classes(el: lxml.html.HtmlElement) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


# -- taking parts out before the text is extracted --------------------------------------------


def _drop_all(doc: lxml.html.HtmlElement, selectors: Iterable[str]) -> None:
    for selector in selectors:
        for el in select(doc, selector):
            if el.getparent() is not None and el.tag not in STRUCTURAL_TAGS:
                el.drop_tree()


def _drop_boxes(doc: lxml.html.HtmlElement, notes: list[str]) -> None:
    """Sign-up, donation and subscription boxes: the short box around a form or a call to act."""
    total = _paragraph_text(doc)
    anchors = [el for el in doc.iter("form", "input", "button")]
    anchors += [a for a in doc.iter("a") if CTA_HREF.search(a.get("href") or "")]
    dropped = 0
    for el in anchors:
        if not _attached(el):
            continue
        box = el
        for parent in el.iterancestors():
            if (parent.tag in STRUCTURAL_TAGS or len(text_of(parent)) > BOX_MAX_CHARS
                    or next(parent.iter("h1"), None) is not None):
                break
            box = parent
        text = text_of(box)
        if el.tag == "a" and (not CTA_WORDS.search(text) or box is el):
            continue
        if el.tag in ("input", "button") and not (CTA_WORDS.search(text) or _in_form(el)):
            continue  # a picture's zoom button, a table's sort buttons
        if box.tag in ("figure", "table") or box.find(".//table") is not None:
            continue
        if box.tag == "p" and (len(text) > BOX_PARAGRAPH_MAX_CHARS or (
                el.tag == "a" and not CTA_WORDS.search(text_of(el))
                and len(text_of(el)) < TEASER_LINK_SHARE * len(text))):
            continue  # a sentence of the text with a link to a sign-up page ("the council's
            # alert service") is text; one whose link says "Sign up here" is a plug
        if sum(len(text_of(p)) for p in box.iter("p")) / total >= PROTECTED_SHARE:
            continue
        if box.getparent() is not None:
            box.drop_tree()
            dropped += 1
    if dropped:
        notes.append(f"boxes: {dropped} form or call-to-action boxes dropped")


def _in_form(el: lxml.html.HtmlElement) -> bool:
    return any(parent.tag == "form" for parent in el.iterancestors())


def _unwrap_layout_tables(doc: lxml.html.HtmlElement) -> None:
    """A table used for page layout holds whole articles in its cells: its cells become blocks."""
    for table in list(doc.iter("table")):
        cells = [c for c in table.iter("td", "th")]
        if table.getparent() is None or not any(
                len(text_of(c)) > LAYOUT_CELL_CHARS
                and next(c.iter("p", "div", "h1", "h2", "br"), None) is not None for c in cells):
            continue
        if any(t is not table for t in table.iter("table")):
            continue  # the innermost layout table first; its parents follow in a later pass
        wrapper = lxml.html.Element("div")
        for cell in cells:
            cell.tag = "div"
            wrapper.append(cell)
        wrapper.tail = table.tail
        table.getparent().replace(table, wrapper)


def _paragraphs_from_breaks(doc: lxml.html.HtmlElement) -> None:
    """Text written as lines with <br><br> between paragraphs becomes paragraphs."""
    for el in list(doc.iter("div", "td", "font", "section", "article")):
        breaks = [c for c in el if c.tag == "br"]
        if len(breaks) < 2 or len((el.text or "") + "".join(c.tail or "" for c in el)) < 200:
            continue
        _split_at_breaks(el)


INLINE_TAGS = frozenset({"a", "b", "strong", "i", "em", "span", "small", "sup", "sub", "u",
                         "abbr", "cite", "q", "mark", "code", "s", "font"})
TEXT_BOX_MIN_CHARS = 40  # a sentence, not a label ("Advertisement", "Share")


def _paragraphs_from_text_boxes(doc: lxml.html.HtmlElement, notes: list[str]) -> None:
    """A box of text among the paragraphs (Ghost's callout card, a boxed note) holds no <p>,
    and the extractor takes it for layout: it becomes a paragraph, the boxes inside it spans."""
    read = 0
    for parent in list(doc.iter("div", "section", "article", "main")):
        if sum(1 for child in parent if child.tag == "p") < 2:
            continue
        for box in [child for child in parent if child.tag == "div"]:
            inside = [el for el in box.iterdescendants() if isinstance(el.tag, str)]
            if any(el.tag not in INLINE_TAGS and el.tag not in {"div", "br"} for el in inside):
                continue
            if len(text_of(box)) < TEXT_BOX_MIN_CHARS or _mostly_linked(box):
                continue
            for inner in inside:
                if inner.tag == "div":
                    inner.tag = "span"
                    inner.tail = " " + (inner.tail or "")  # each box was a line of its own
            box.tag = "p"
            read += 1
    if read:
        notes.append(f"text boxes: {read} among the paragraphs read as paragraphs")


def _split_at_breaks(el: lxml.html.HtmlElement) -> None:
    children = list(el)
    segments: list[list[object]] = [[el.text or ""]]
    out: list[lxml.html.HtmlElement] = []

    def close() -> None:
        parts = segments.pop()
        if any(isinstance(p, str) and p.strip() or not isinstance(p, str) for p in parts):
            p = lxml.html.Element("p")
            for part in parts:
                if isinstance(part, str):
                    if len(p):
                        p[-1].tail = (p[-1].tail or "") + part
                    else:
                        p.text = (p.text or "") + part
                else:
                    p.append(part)
            if fold(p.text_content()):
                out.append(p)
        segments.append([])

    for child in children:
        tail = child.tail or ""
        child.tail = None
        if child.tag == "br":
            prev = segments[-1]
            if prev and isinstance(prev[-1], str) and not prev[-1].strip() and len(prev) > 1 \
                    and getattr(prev[-2], "tag", "") == "br":
                prev.pop()
                prev.pop()
                close()
            else:
                prev.append(child)
        elif isinstance(child.tag, str) and child.tag in INLINE_TAGS:
            segments[-1].append(child)
        else:
            close()
            out.append(child)
        segments[-1].append(tail)
    close()
    el.text = None
    for child in list(el):
        el.remove(child)
    for block in out:
        el.append(block)


def _take_lead_image(doc: lxml.html.HtmlElement, url: str, og_image: str,
                     notes: list[str]) -> dict[str, str]:
    """The lead figure's image, caption and credit; the figure leaves the body."""
    boxes = list(_picture_boxes(doc, url))
    wanted = _image_key(og_image) if og_image else None
    chosen = next(((box, img) for box, img in boxes
                   if wanted and wanted in {_image_key(u) for u in _image_sources(img, url)}),
                  None)
    if chosen is None and boxes:
        chosen = boxes[0]
    if chosen is None:
        if og_image:
            notes.append("image: og:image")
        return {"url": og_image} if og_image else {}

    box, img = chosen
    result = {"url": _image_source(img, url) or og_image, "alt": fold(img.get("alt") or "")}
    notes.append(f"image: lead <{box.tag} class={box.get('class') or ''!r}>")
    parts = [box, *_caption_siblings(box)]
    credit_els = [el for part in parts for sel in generic_rules().credit
                  for el in select(part, sel)]
    credit_els += [el for el in parts[1:] if re.search("credit|copyright", _classes(el), re.I)]
    if credit_els:
        result["credit"] = CREDIT_PREFIX.sub("", text_of(credit_els[0]))
        notes.append("credit: credit element")
        for el in credit_els:
            if el.getparent() is not None:
                el.drop_tree()
    elif box.get("data-credit") or img.get("data-credit"):
        result["credit"] = fold(box.get("data-credit") or img.get("data-credit") or "")
        notes.append("credit: data-credit attribute")
    captions = [el for part in parts for el in select(part, "figcaption, [class*=caption]")]
    captions += [el for el in parts[1:] if "caption" in _classes(el).lower()]
    if captions:
        result["caption"] = text_of(captions[0])
        if "credit" not in result:
            result["caption"], result["credit"] = _split_credit(result["caption"], notes)
    for part in parts:
        if part.getparent() is not None:
            part.drop_tree()
    return result


def _picture_boxes(doc: lxml.html.HtmlElement,
                   url: str) -> Iterator[tuple[lxml.html.HtmlElement, lxml.html.HtmlElement]]:
    """(box, image) for each picture with a real source, in page order."""
    seen: set[int] = set()
    for img in doc.iter("img", "amp-img"):
        if not _image_source(img, url) or _is_portrait(img):
            continue
        box = _picture_box(img)
        if box is not None and id(box) not in seen:
            seen.add(id(box))
            yield box, img


def _picture_box(img: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The figure, or the short block marked as an image's, that holds this picture."""
    for ancestor in img.iterancestors():
        classes = ancestor.get("class") or ""
        if ancestor.tag == "figure" or "wp-caption" in classes.split():
            return ancestor
        if ancestor.tag in STRUCTURAL_TAGS or len(text_of(ancestor)) > FIGURE_MAX_CHARS:
            return None
        if ancestor.tag == "div" and IMAGE_BOX_CLASS.search(classes):
            return ancestor
    return None


def _caption_siblings(box: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """Caption and credit written as the next blocks after the picture's box."""
    found = []
    for sibling in islice(box.itersiblings(), 2):
        if not isinstance(sibling.tag, str) or not re.search(
                "caption|credit|copyright", _classes(sibling), re.IGNORECASE):
            break
        found.append(sibling)
    return found


def _image_source(img: lxml.html.HtmlElement, url: str) -> str:
    """The image's real address: a lazy loader's attribute wins over a placeholder src, and
    the widest of a srcset (the img's, a lazy loader's, its <picture>'s) over a placeholder or
    no src at all."""
    for name in (*LAZY_IMAGE_SOURCES, "src"):
        value = (img.get(name) or "").strip()
        if value and not value.startswith("data:") and not (
                name == "src" and PLACEHOLDER.search(value) and _widest(img)):
            return joined_url(url, value)
    widest = _widest(img)
    return joined_url(url, widest) if widest else ""


def _image_sources(img: lxml.html.HtmlElement, url: str) -> list[str]:
    """Every address the picture is given at: its source and each srcset candidate."""
    found = [_image_source(img, url)]
    for srcset in _srcsets(img):
        found += [joined_url(url, candidate) for candidate, _ in srcset_candidates(srcset)]
    return [address for address in found if address]


def _srcsets(img: lxml.html.HtmlElement) -> list[str]:
    sets = [img.get(name) or "" for name in LAZY_SRCSETS]
    parent = img.getparent()
    if parent is not None and parent.tag == "picture":
        sets += [source.get("srcset") or source.get("data-srcset") or ""
                 for source in parent.iter("source")]
    return [srcset for srcset in sets if srcset.strip()]


def _widest(img: lxml.html.HtmlElement) -> str:
    """The widest candidate of the picture's srcsets ("800w"; a density "2x" counts less)."""
    best, best_width = "", -1
    for srcset in _srcsets(img):
        for candidate, descriptor in srcset_candidates(srcset):
            if candidate.startswith("data:"):
                continue
            width = int(descriptor[:-1]) if descriptor[:-1].isdigit() and descriptor.endswith(
                "w") else 0
            if width > best_width:
                best, best_width = candidate, width
    return best


def _image_key(address: str) -> str:
    """An image's address as sizes and query strings aside: ".../a-1200x800.jpg?w=1200" and
    ".../a.jpg" are one picture."""
    parts = urlsplit(address)
    return (parts.netloc.lower().removeprefix("www.") + WP_SIZE_SUFFIX.sub("", parts.path))


def _is_portrait(img: lxml.html.HtmlElement) -> bool:
    """An author's face: marked as one, or drawn small."""
    if any(PORTRAIT_CLASS.search(el.get("class") or "")
           for el in (img, *islice(img.iterancestors(), 3))):
        return True
    if img.tag != "img" or img.get("layout"):  # AMP's width and height give a ratio
        return False
    sizes = [img.get(name) or "" for name in ("width", "height")]
    return any(size.isdigit() and int(size) < PORTRAIT_MAX_PIXELS for size in sizes)


def _split_credit(caption: str, notes: list[str]) -> tuple[str, str]:
    """'A harbour at dawn. Photo: Jane Roe' -> ('A harbour at dawn.', 'Jane Roe')."""
    match = AGENCY_CREDIT.search(caption)
    if match:  # "(AP Photo/Jane Roe)": the agency's form, kept whole
        notes.append("credit: agency photo credit in the caption")
        return caption[: match.start()].strip(), match.group(1).strip()
    match = CAPTION_CREDIT.search(caption)
    if match:
        notes.append("credit: caption text")
        return (caption[: match.start(1)].rstrip(CAPTION_SEPARATORS).strip(),
                match.group(2).strip())
    match = PIPE_CREDIT.search(caption)
    if match:
        notes.append("credit: name after a bar in the caption")
        return caption[: match.start()].strip(), match.group(1).strip()
    return caption, ""


def _take_standfirst(doc: lxml.html.HtmlElement, title: str, description: str) -> str:
    for selector in generic_rules().standfirst:
        for el in select(doc, selector):
            if el.tag in STRUCTURAL_TAGS or el.getparent() is None:
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
                      rule: SiteRule, notes: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    """(quote, texts of the next few blocks) for each pull quote on the page.

    A pull quote is marked as one, or it repeats words the article says elsewhere. Several
    following texts: the block right after a quote may be an ad that does not reach the body.
    """
    selectors = generic_rules().pull_quote + ((rule.pull_quote,) if rule.pull_quote else ())
    marked = [el for selector in selectors for el in select(doc, selector)]
    found: list[tuple[str, tuple[str, ...]]] = []
    for el in marked:
        if el.getparent() is not None and el.tag not in STRUCTURAL_TAGS and _attached(el):
            found.append(_take_quote(el))
    if found:
        notes.append(f"pull quotes: {len(found)} marked as pull quotes by the page's markup")
    repeated = _repeated_quotes(doc)
    for el in repeated:
        if _attached(el):
            found.append(_take_quote(el))
    if repeated:
        notes.append(f"pull quotes: {len(repeated)} found because they repeat the text")
    unique: dict[str, tuple[str, tuple[str, ...]]] = {}
    for quote, following in found:  # the page may print a quote twice (for wide, for narrow)
        if quote:
            unique.setdefault(_quote_key(quote), (quote, following))
    return list(unique.values())


def _take_quote(el: lxml.html.HtmlElement) -> tuple[str, tuple[str, ...]]:
    for cite in list(el.iter("cite", "figcaption")):
        cite.drop_tree()
    quote = text_of(el)
    following = tuple(islice((t for t in map(text_of, _after(el)) if t), 3))
    el.drop_tree()
    return quote, following


def _after(el: lxml.html.HtmlElement) -> Iterator[lxml.html.HtmlElement]:
    """The elements after this one in reading order: its siblings, then its parents' siblings."""
    for level in (el, *el.iterancestors()):
        if level.tag in STRUCTURAL_TAGS:
            return
        for sibling in level.itersiblings():
            if isinstance(sibling.tag, str):
                yield sibling


def _quote_key(text: str) -> str:
    return QUOTE_MARKS.sub(" ", text).strip().lower()


def _repeated_quotes(doc: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """Short blocks whose words another, longer paragraph already says: pull quotes."""
    paragraphs = [(_quote_key(text_of(p)), p) for p in doc.iter("p")]
    found: list[lxml.html.HtmlElement] = []
    for el in doc.iter("blockquote", "aside", "div", "p"):
        text = text_of(el)
        if not text or len(text) > QUOTE_MAX_CHARS or any(el in f.iterdescendants() or el is f
                                                          for f in found):
            continue
        if el.tag == "div" and any(c.tag not in ("p", "span") for c in el if
                                   isinstance(c.tag, str)):
            continue
        key = _quote_key(text)
        if len(key) < QUOTE_MIN_KEY:
            continue
        if any(key in other and len(other) > len(key) + 20 and p is not el
               and el not in p.iterancestors() for other, p in paragraphs):
            found.append(el)
    return found


def _is_title(h1: lxml.html.HtmlElement, title: str) -> bool:
    return not title or text_of(h1) == title or title.startswith(text_of(h1))


def _drop_title(doc: lxml.html.HtmlElement, title: str) -> None:
    """The title leaves the body, and so do the short labels above it (a section kicker)."""
    for h1 in list(doc.iter("h1")):
        if not _is_title(h1, title):
            continue
        for level in (h1, *h1.iterancestors()):
            if level.tag in STRUCTURAL_TAGS:
                break
            for before in list(level.itersiblings(preceding=True)):
                if (isinstance(before.tag, str) and before.tag not in STRUCTURAL_TAGS
                        and len(text_of(before)) <= KICKER_MAX_CHARS
                        and next(before.iter("img", "amp-img", "figure"), None) is None):
                    before.drop_tree()
        h1.drop_tree()


def _drop_byline(doc: lxml.html.HtmlElement, author: str) -> None:
    """The byline's block leaves the body whole, so no 'By — updated' remnant is left."""
    for el in select(doc, BYLINE):
        block = el if el.tag in BYLINE_BLOCKS else next(el.iterancestors(*BYLINE_BLOCKS), None)
        if (block is not None and block.tag not in STRUCTURAL_TAGS
                and block.getparent() is not None and len(text_of(block)) <= BYLINE_MAX_CHARS):
            block.drop_tree()
    first_name = author.split(",")[0].strip().lower()
    for el in list(doc.iter("p", "div", "span")):
        text = text_of(el)
        if (el.getparent() is not None and len(text) <= BYLINE_MAX_CHARS and first_name
                and BYLINE_PREFIX.match(text) and first_name in text.lower()):
            el.drop_tree()


def _drop_pictures(doc: lxml.html.HtmlElement, notes: list[str]) -> None:
    """Pictures in the text leave it with their captions and credits: they are not the text."""
    dropped = 0
    for img in list(doc.iter("img", "amp-img", "picture", "video")):
        if not _attached(img):
            continue
        box = _picture_box(img)
        if box is not None:
            for part in (box, *_caption_siblings(box)):
                part.drop_tree()
            dropped += 1
            continue
        holder = img.getparent()
        if holder is not None and holder.tag == "p" and not text_of(holder):
            caption = holder.getnext()
            if caption is not None and caption.tag == "p" and _looks_like_caption(caption):
                caption.drop_tree()
            holder.drop_tree()
            dropped += 1
    if dropped:
        notes.append(f"pictures: {dropped} in the text dropped with their captions")


def _looks_like_caption(p: lxml.html.HtmlElement) -> bool:
    """The paragraph under a picture: short, and set in italics or ending with a credit."""
    text = text_of(p)
    if not text or len(text) > 300:
        return False
    italic = [c for c in p if c.tag in ("em", "i", "small")]
    whole = len(italic) == 1 and text_of(italic[0]) == text
    return whole or bool(CAPTION_CREDIT.search(text))


def _footnote_markers_as_text(doc: lxml.html.HtmlElement) -> set[str]:
    """Footnote markers link within the page ("#fn1"), which leads nowhere once it is
    republished: <sup><a href="#fn1">1</a></sup> becomes "[1]", a bare marker link its text.
    The ids they pointed at: the notes themselves, which are text, however many links they
    hold."""
    targets: set[str] = set()
    for link in list(doc.iter("a")):
        href = (link.get("href") or "").strip()
        marker = link.getparent()
        if (len(href) < 2 or not href.startswith("#") or marker is None
                or not FOOTNOTE_MARK.fullmatch(text_of(link))):
            continue  # "Skip to content" and the like are left to the teaser rule
        targets.add(href[1:])
        if marker.tag == "sup" and text_of(marker) == text_of(link):
            replacement = lxml.html.Element("span")
            replacement.text = f"[{text_of(link).strip('[]')}]"
            replacement.tail = marker.tail
            marker.getparent().replace(marker, replacement)
            replacement.drop_tag()
        else:
            link.drop_tag()
    return targets


def _drop_teasers(doc: lxml.html.HtmlElement, notes: list[str], *,
                  keep: Collection[str] = ()) -> None:
    """'Read more: <link>' lines and other short lines that are mostly a link elsewhere, and a
    list of links under a 'Related' label, with its label."""
    dropped = 0
    for label in list(doc.iter("p", "h2", "h3", "h4", "h5", "div")):
        following = label.getnext()
        if (label.getparent() is not None and following is not None
                and following.tag in ("ul", "ol") and RELATED_LABEL.fullmatch(text_of(label))
                and all(_mostly_linked(item) for item in following.iter("li"))):
            following.drop_tree()
            label.drop_tree()
            dropped += 2
    for el in list(doc.iter("p", "div")):
        if el.getparent() is None or (el.tag == "div" and any(
                isinstance(c.tag, str) and c.tag in BLOCK_TAGS | {"div"} for c in el)):
            continue
        text = text_of(el)
        if not text or len(text) > TEASER_MAX_CHARS:
            continue
        if keep and any(part.get("id") in keep for part in el.iter()):
            continue  # a footnote the text points to
        if _mostly_linked(el):
            el.drop_tree()
            dropped += 1
    if dropped:
        notes.append(f"teasers: {dropped} lines that are mostly a link dropped")


def _mostly_linked(el: lxml.html.HtmlElement) -> bool:
    text = text_of(el)
    return bool(text) and sum(len(text_of(a)) for a in el.iter("a")) / len(text) >= (
        TEASER_LINK_SHARE)


def _drop_boilerplate(doc: lxml.html.HtmlElement) -> None:
    tokens = generic_rules().boilerplate_tokens
    total = _paragraph_text(doc)
    for el in list(doc.iter()):
        if not isinstance(el.tag, str) or el.tag in STRUCTURAL_TAGS or el.getparent() is None:
            continue
        names = _classes(el).lower()
        if not names.strip() or not tokens.intersection(re.split(r"[\s_-]+", names)):
            continue
        share = sum(len(text_of(p)) for p in el.iter("p")) / total
        if share < PROTECTED_SHARE:
            el.drop_tree()


# -- the body ---------------------------------------------------------------------------------


def _body_blocks(doc: lxml.html.HtmlElement, url: str, rule: SiteRule, article_body: str,
                 notes: list[str]) -> list[lxml.html.HtmlElement]:
    if rule.body:
        containers = select(doc, rule.body)
        if containers:
            notes.append(f"body: site rule {rule.body!r}")
            return list(_blocks_from_container(containers[0]))
        notes.append(f"body: site rule {rule.body!r} matched nothing; generic extractor used")
    # trafilatura writes every list as <ul>: the page's own lists say which were numbered (and
    # from where) and which were term and description
    ordered = {_squeezed(ol): ol.get("start", "") for ol in doc.iter("ol")}
    described = {_squeezed(dl): dl for dl in doc.iter("dl")}
    # nor a table's caption: its <caption>, or the <figcaption> of the figure around it
    captions = {_cells_key(table): caption for table in doc.iter("table")
                if (caption := _table_caption(table))}
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
    for index, block in enumerate(blocks):
        key = _squeezed(block) if block.tag == "ul" else None
        if key in ordered:
            block.tag = "ol"
            if ordered[key].strip().isdigit():
                block.set("start", ordered[key].strip())
        elif key in described:
            blocks[index] = copy.deepcopy(described[key])
        elif block.tag == "table" and captions:
            _restore_caption(block, captions)
    if article_body:
        found = sum(len(text_of(b).split()) for b in blocks)
        if len(article_body.split()) > RECOVERY_RATIO * found:
            notes.append("body: JSON-LD articleBody (the page's HTML holds only part of it)")
            if re.search(r"<[a-zA-Z]", article_body):  # some sites put the HTML there
                fragment = lxml.html.fragment_fromstring(article_body, create_parent="div")
                return list(_blocks_from_container(fragment))
            return [_paragraph(html.unescape(part))
                    for part in re.split(r"\n+", article_body) if part.strip()]
    notes.append("body: trafilatura")
    return blocks


def _squeezed(element: lxml.html.HtmlElement) -> str:
    """The element's text without any white space: what the extractor keeps of it, whatever
    spacing it writes, to find it again among the page's own elements."""
    return "".join(element.text_content().split())


def _cells_key(table: lxml.html.HtmlElement) -> str:
    return "".join(_squeezed(cell) for cell in table.iter("td", "th"))


def _restore_caption(table: lxml.html.HtmlElement, captions: dict[str, str]) -> None:
    """The caption the page gave the table, which the extractor dropped or made a first row of
    (a header cell holding its text)."""
    key = _cells_key(table)
    caption = captions.get(key)
    first = next(table.iter("tr"), None)
    if caption is None and first is not None:
        caption = captions.get(key.removeprefix(_cells_key(first)))
        if caption is None or text_of(first) != caption:
            return
        first.drop_tree()
    if caption and table.find("caption") is None:
        table.insert(0, lxml.html.Element("caption"))
        table[0].text = caption


def _table_caption(table: lxml.html.HtmlElement) -> str:
    caption = table.find("caption")
    figure = table.getparent()
    if caption is None and figure is not None and figure.tag == "figure":
        caption = figure.find("figcaption")
    return text_of(caption) if caption is not None else ""


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
        elif text_of(child) or child.tag == "img" or child.find(".//img") is not None:
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
                       blocks: list[lxml.html.HtmlElement]) -> list[PullQuote]:
    """Each quote stands before the first block that followed it on the page (or at the end)."""
    texts = [text_of(b) for b in blocks]
    placed = []
    for quote, following in quotes:
        positions = (i for probe in following for i, t in enumerate(texts)
                     if _same_start(t, probe))
        placed.append(PullQuote(text=quote, position=next(positions, len(blocks))))
    return sorted(placed, key=lambda q: q.position)


def _same_start(block: str, probe: str) -> bool:
    """The probe begins with the block, or the block with the probe (a section opens with it)."""
    n = min(80, len(block), len(probe))
    return block == probe or (n >= PROBE_MIN_CHARS and block[:n] == probe[:n])


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
