"""Hostile text in a release publishes as inert text: no element, attribute or URL from the
sender runs in a reader's browser."""

from __future__ import annotations

import lxml.html
import pytest
from django.test import Client
from tests.pressroom.conftest import body_words

from newsdesk.pressroom.markup import render_body
from newsdesk.pressroom.services import release_approve, release_submit

pytestmark = pytest.mark.django_db

# From the OWASP XSS filter evasion cheat sheet, plus Markdown's own ways to make a link.
VECTORS = [
    "<script>alert('XSS')</script>",
    '<IMG SRC="javascript:alert(\'XSS\');">',
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert('XSS')>",
    '<a href="javascript:alert(1)">click</a>',
    "<iframe src=\"javascript:alert('XSS');\"></iframe>",
    "<BODY ONLOAD=alert('XSS')>",
    '<div style="background-image: url(javascript:alert(\'XSS\'))">',
    "\"><script>alert(String.fromCharCode(88,83,83))</script>",
    "<<SCRIPT>alert(\"XSS\");//\\<</SCRIPT>",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert('XSS')>",
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "background", "poster"}
MARKDOWN_VECTORS = [
    "[click me](javascript:alert(1))",
    "[click me](JaVaScRiPt:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<javascript:alert(1)>",
    "![x](javascript:alert(1))",
    '[x](https://ok.example "title" onmouseover="alert(1)")',
]


def _assert_inert(doc: lxml.html.HtmlElement) -> None:
    # Only the site's own scripts: structured data and the ad loader from /static/.
    assert not doc.xpath(
        "//script[not(@type='application/ld+json') and not(starts-with(@src, '/static/'))]")
    assert not doc.xpath("//iframe | //object | //embed | //svg | //math | //meta[@http-equiv]")
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            if name in URL_ATTRIBUTES:
                url = "".join(value.split()).lower()
                assert not url.startswith(("javascript:", "data:", "vbscript:")), (name, value)
        if element.tag == "div" and element.get("style"):
            raise AssertionError("a style attribute got through")


def test_xss_vectors_in_title_summary_and_body_publish_as_text() -> None:
    hostile = " ".join(VECTORS)
    release = release_submit(
        organisation="<b onmouseover=alert(1)>Org</b>", contact_name="A",
        contact_phone="+1 555 0100",
        contact_email="a@org.example", title=VECTORS[0] + " " + VECTORS[2],
        summary=VECTORS[3] + " " + VECTORS[4], countries=[], regions=[], images=[], pdf=None,
        body=body_words(150, prefix=hostile + "\n\n" + "\n\n".join(MARKDOWN_VECTORS)))
    release.state = "pending"
    release.save()
    article = release_approve(release=release, editor=None).article

    page = Client().get(article.get_absolute_url())
    assert page.status_code == 200
    doc = lxml.html.fromstring(page.content)
    _assert_inert(doc)
    text = doc.text_content()
    assert "<script>alert('XSS')</script>" in text  # shown to the reader, as typed
    assert "<img src=x onerror=alert(1)>" in doc.xpath("string(//h1)")
    assert "Source: press release from <b onmouseover=alert(1)>Org</b>." in " ".join(text.split())

    for listing in ("/", "/search?q=XSS"):
        response = Client().get(listing)
        if response.status_code == 200:
            _assert_inert(lxml.html.fromstring(response.content))


@pytest.mark.parametrize("vector", VECTORS + MARKDOWN_VECTORS)
def test_each_vector_renders_inert(vector: str) -> None:
    html = render_body(vector)
    _assert_inert(lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div"))


def test_links_in_a_release_are_sponsored() -> None:
    html = render_body("See [our site](https://org.example/) and <https://org.example/news>.")
    doc = lxml.html.fragment_fromstring(html, create_parent="div")
    rels = [a.get("rel") for a in doc.iter("a")]
    assert len(rels) == 2 and all(set(r.split()) >= {"sponsored", "nofollow"} for r in rels)
