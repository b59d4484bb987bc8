"""A release's Markdown as the site shows it: rendered without raw HTML, then sanitised.

Pure functions, no database: the form counts words and links with them, the publishing
service renders the body with them.
"""

from __future__ import annotations

import re
from functools import cache

import lxml.html
from markdown_it import MarkdownIt

from newsdesk.ingest.clean import sanitize_html

SPONSORED_REL = "sponsored nofollow noopener noreferrer"
BARE_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+")


@cache
def _markdown() -> MarkdownIt:
    # html=False: "<script>" in a release is shown as text. Images are off: a release's pictures
    # are the ones it uploads (checked and re-encoded), never hot-linked from elsewhere.
    return MarkdownIt("commonmark", {"html": False}).disable("image")


def render_body(markdown: str) -> str:
    """Sanitised HTML; every link in it is marked rel="sponsored nofollow"."""
    html = sanitize_html(_markdown().render(markdown))
    if "<a" not in html:
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for link in root.iter("a"):
        link.set("rel", SPONSORED_REL)
    inner = lxml.html.tostring(root, encoding="unicode")
    return inner[len("<div>"):-len("</div>")]


def body_text(markdown: str) -> str:
    """The words a reader sees, markup gone."""
    html = _markdown().render(markdown)
    if not html.strip():
        return ""
    return lxml.html.fragment_fromstring(html, create_parent="div").text_content()


def word_count(markdown: str) -> int:
    return len(body_text(markdown).split())


def link_count(markdown: str) -> int:
    """Links a reader could follow: Markdown links, autolinks, and bare addresses in the text."""
    html = _markdown().render(markdown)
    if not html.strip():
        return 0
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    anchors = list(root.iter("a"))
    for anchor in anchors:
        anchor.drop_tree()  # a link's own text ("https://…") must not count twice
    return len(anchors) + len(BARE_URL.findall(root.text_content()))
