"""An article as readers get it: body blocks with pull quotes in place, plain text."""

from __future__ import annotations

from dataclasses import dataclass

import lxml.html
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from newsdesk.articles.models import Article, ImageSource


@dataclass(frozen=True)
class Block:
    html: SafeString  # sanitised at ingest (clean stage) or by the editing service
    text: str
    is_pull_quote: bool = False
    table_name: str = ""  # a table's: its caption, or "Table"; the page scrolls it in a box

    @property
    def is_table(self) -> bool:
        return bool(self.table_name)


# Elements that begin a new line of the text; table cells are set apart by spaces.
_LINE_TAGS = frozenset(
    "address article aside blockquote dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table tbody thead tfoot tr ul".split())
_CELL_TAGS = frozenset({"td", "th"})
_LISTS = frozenset({"ul", "ol"})


def _block_text(element: lxml.html.HtmlElement) -> str:
    """The block as plain text: a line for each paragraph or line break in it, lists as
    "- item" lines (ordered ones numbered), a nested list indented under its item."""
    if element.tag in _LISTS:
        return "\n".join(_list_lines(element, depth=0))
    if element.tag == "pre":  # code and verse: its spaces and lines are its layout
        return "\n".join(line.rstrip() for line in element.text_content().strip("\n").split("\n"))
    return _lines_text(element)


def _list_lines(element: lxml.html.HtmlElement, *, depth: int) -> list[str]:
    lines: list[str] = []
    items = [child for child in element if child.tag == "li"]
    start = element.get("start", "").strip()
    first = int(start) if start.isascii() and start.isdigit() and len(start) < 10 else 1
    for number, item in enumerate(items, first):
        marker = f"{number}." if element.tag == "ol" else "-"
        text = _lines_text(item, skip=_LISTS).replace("\n", " ")
        if text:
            lines.append(f"{'  ' * depth}{marker} {text}")
        for nested in item:
            if nested.tag in _LISTS:
                lines += _list_lines(nested, depth=depth + 1)
    return lines


def _lines_text(element: lxml.html.HtmlElement, *, skip: frozenset[str] = frozenset()) -> str:
    chunks: list[str] = []

    def visit(node: lxml.html.HtmlElement, *, top: bool) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""  # a comment: only its tail counts
        if tag in skip and not top:
            return
        inner = tag in _LINE_TAGS and not top
        chunks.append("\n" if inner or tag == "br" else " " if tag in _CELL_TAGS else "")
        if tag and node.text:
            chunks.append(node.text)
        for child in node:
            visit(child, top=False)
            if child.tail:
                chunks.append(child.tail)
        chunks.append("\n" if inner else "")

    visit(element, top=True)
    lines = (" ".join(line.split()) for line in "".join(chunks).split("\n"))
    return "\n".join(line for line in lines if line)


def body_blocks(article: Article) -> list[Block]:
    """The body's top-level blocks, each pull quote placed before the block it precedes."""
    elements = []
    if article.body_html.strip():
        root = lxml.html.fragment_fromstring(article.body_html, create_parent="div")
        elements = [el for el in root if isinstance(el.tag, str)]
    quotes: dict[int, list[str]] = {}
    for quote in article.pull_quotes or []:
        quotes.setdefault(int(quote.get("position", len(elements))), []).append(str(quote["text"]))
    blocks: list[Block] = []
    for index in range(len(elements) + 1):
        for text in quotes.get(index, []):
            blocks.append(Block(html=SafeString(""), text=text, is_pull_quote=True))
        if index < len(elements):
            element = elements[index]
            element.tail = None
            html = mark_safe(lxml.html.tostring(element, encoding="unicode"))  # noqa: S308
            blocks.append(Block(html=html, text=_block_text(element),
                                table_name=_table_name(element)))
    return blocks


def _table_name(element: lxml.html.HtmlElement) -> str:
    if element.tag != "table":
        return ""
    caption = element.find("caption")
    name = " ".join(caption.text_content().split()) if caption is not None else ""
    return name or "Table"


def photo_credit(article: Article) -> str:
    """The words after "Photo Credit:", or "" when the article shows no image."""
    if article.image_source == ImageSource.SITE:
        return f"{settings.SITE_NAME} ({settings.SITE_DOMAIN})"
    if article.image_source == ImageSource.PUBLISHER:
        return article.image_credit.rstrip(".")
    return ""


def source_credit(article: Article) -> str:
    """ "RSS (www.example.org)": how the seed names where an article came from."""
    credit = article.source.credit if article.source else "RSS"
    return f"{credit} ({article.original_domain})"


def site_facts() -> dict[str, str]:
    return {
        "name": settings.SITE_NAME,
        "domain": settings.SITE_DOMAIN,
        "base_url": settings.BASE_URL,
    }


def plain_text_edition(article: Article) -> str:
    """The article as plain text, laid out as the site's pages are (see articles/edition.txt)."""
    text = render_to_string(
        "articles/edition.txt",
        {
            "article": article,
            "blocks": body_blocks(article),
            "photo_credit": photo_credit(article),
            "source_credit": source_credit(article),
            "site": site_facts(),
        },
    )
    lines = [line.rstrip() for line in text.splitlines()]
    return "\n".join(lines).strip() + "\n"
