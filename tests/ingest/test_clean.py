"""The clean stage: tracking parameters, absolute URLs, lazy images, and the sanitiser.

The sanitiser is the last line between a publisher's HTML and our pages, so besides a table of
known attack vectors it gets a seeded loop over random tag soup.
"""

from __future__ import annotations

import html
import random
import re
from datetime import UTC, datetime
from urllib.parse import urljoin

import lxml.html
import pytest
from tests.ingest.test_extract import PAGES, SERVED, body_texts

from newsdesk.ingest.clean import (
    _UNCHANGED_STRIPPED,
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    LAZY_ATTRIBUTE,
    _strip_tracking_parsed,
    absolutise,
    clean_article,
    join_url,
    plain_text,
    sanitised_text,
    sanitize_html,
    srcset_candidates,
    strip_tracking,
)
from newsdesk.ingest.extract import extract_article
from newsdesk.ingest.types import ExtractedArticle, PullQuote

BASE = "https://www.harbourgazette.example/2025/06/04/night-ferry/"


def fold(text: str) -> str:
    return " ".join(text.split())


def text_of(fragment: str) -> str:
    """What a reader sees of an HTML fragment."""
    if not fragment.strip():
        return ""
    return fold(lxml.html.fragment_fromstring(fragment, create_parent="div").text_content())


# -- strip_tracking -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/p?utm_source=rss&utm_medium=feed&utm_campaign=daily",
         "https://a.example/p"),
        ("https://a.example/p?id=7&utm_source=rss&page=2&utm_content=top&lang=fr",
         "https://a.example/p?id=7&page=2&lang=fr"),  # the others keep their order
        ("https://a.example/p?z=1&fbclid=IwAR0abc&a=2", "https://a.example/p?z=1&a=2"),
        ("https://a.example/p?gclid=Cj0KCQ&gclsrc=aw.ds&q=ferry", "https://a.example/p?q=ferry"),
        ("https://a.example/p?mc_cid=5f1e2&mc_eid=9a8b7&issue=12", "https://a.example/p?issue=12"),
        ("https://a.example/p?UTM_Source=rss&Id=3", "https://a.example/p?Id=3"),
        ("https://a.example/p?utm%5Fsource=rss&id=3", "https://a.example/p?id=3"),
        ("https://a.example/p?id=3#comments", "https://a.example/p?id=3"),
        ("https://a.example/p#utm_source=rss", "https://a.example/p"),
        ("https://a.example/p?utm_source=rss#top", "https://a.example/p"),
        # what the publisher wrote stays as written
        ("https://a.example/p?print&id=3", "https://a.example/p?print&id=3"),
        ("https://a.example/s?q=night%20ferry&sort=new",
         "https://a.example/s?q=night%20ferry&sort=new"),
        ("https://a.example/s?q=a+b&q=c", "https://a.example/s?q=a+b&q=c"),
        ("https://a.example/p?next=%2Fhome%3Fx%3D1", "https://a.example/p?next=%2Fhome%3Fx%3D1"),
        ("https://a.example/p?utmost=1&source=rss&ref=home",
         "https://a.example/p?utmost=1&source=rss&ref=home"),  # look-alikes are not tracking
        ("https://WWW.A.Example/Path/To/Story", "https://www.a.example/Path/To/Story"),
        ("https://a.example", "https://a.example/"),
        ("  https://a.example/p?fbclid=x  ", "https://a.example/p"),
        ("http://a.example:8080/p?utm_source=x&id=1", "http://a.example:8080/p?id=1"),
        # not a web page: left alone
        ("mailto:desk@a.example?subject=Ferry", "mailto:desk@a.example?subject=Ferry"),
        ("/relative/path?utm_source=x", "/relative/path?utm_source=x"),
    ],
)
def test_strip_tracking(url: str, expected: str) -> None:
    assert strip_tracking(url) == expected
    assert strip_tracking(expected) == expected  # and again changes nothing


@pytest.mark.parametrize("seed", range(4))
def test_strip_tracking_shortcut_answers_as_the_parser_would(seed: int) -> None:
    """URLs with nothing to strip skip urlsplit; on random URLs both ways agree."""
    shortcut = 0
    for url in random_urls(random.Random(seed), 20_000):  # noqa: S311 - repeatable URLs
        if _UNCHANGED_STRIPPED.fullmatch(url):
            shortcut += 1
            assert _strip_tracking_parsed(url) == url
            assert strip_tracking(url) == url
    assert shortcut > 50  # the shortcut was taken, and checked


# -- join_url -----------------------------------------------------------------------------------

URL_PIECES = ("a", "B", "x.example", ".", "..", "/", "//", "?", "#", ";", "=", "&", "%", "%2F",
              "[", "]", ":", ":80", "@", " ", "\t", "\n", "\x7f", "\\", "~", "-", "_", "0", "é",
              "utm_source=1")


def random_urls(rng: random.Random, count: int) -> list[str]:
    """URLs with the characters urlsplit treats specially, mostly absolute."""
    return [rng.choice(("http://", "https://", "HTTP://", ""))
            + "".join(rng.choice(URL_PIECES) for _ in range(rng.randint(0, 10)))
            for _ in range(count)]


@pytest.mark.parametrize("seed", range(4))
def test_join_url_is_urljoin(seed: int) -> None:
    for url in random_urls(random.Random(seed), 5000):  # noqa: S311 - repeatable URLs
        for base in ("http://base.example/a/b", "https://base.example/a/"):
            try:
                expected = urljoin(base, url)
            except ValueError:
                continue  # e.g. an unclosed [ in the host: urljoin refuses it
            assert join_url(base, url) == expected, (base, url)


# -- absolutise ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fragment", "expected"),
    ABSOLUTISE_CASES := [
        ('<a href="../../05/20/bus-cuts/">bus</a>',
         '<a href="https://www.harbourgazette.example/2025/06/05/20/bus-cuts/">bus</a>'),
        ('<a href="/about">About</a>',
         '<a href="https://www.harbourgazette.example/about">About</a>'),
        ('<a href="//cdn.harbourgazette.example/x.pdf">pdf</a>',
         '<a href="https://cdn.harbourgazette.example/x.pdf">pdf</a>'),
        ('<a href="timetable.pdf?utm_source=site#page=2">pdf</a>',
         f'<a href="{BASE}timetable.pdf">pdf</a>'),  # links lose tracking and fragment
        ('<a href="https://other.example/x?fbclid=1&id=2">x</a>',
         '<a href="https://other.example/x?id=2">x</a>'),
        ('<a href="mailto:desk@harbourgazette.example">mail</a>',
         '<a href="mailto:desk@harbourgazette.example">mail</a>'),
        ('<img src="/img/ferry.jpg?w=800">',
         '<img src="https://www.harbourgazette.example/img/ferry.jpg?w=800">'),
        ('<img src="pier.jpg" srcset="pier-400.jpg 400w, /img/pier-800.jpg 800w">',
         f'<img src="{BASE}pier.jpg" srcset="{BASE}pier-400.jpg 400w, '
         'https://www.harbourgazette.example/img/pier-800.jpg 800w">'),
        # a URL may hold commas: only the comma after the URL separates candidates
        ('<img srcset="/c/w_400,h_300/pier.jpg 1x, /c/w_800,h_600/pier.jpg 2x">',
         '<img srcset="https://www.harbourgazette.example/c/w_400,h_300/pier.jpg 1x, '
         'https://www.harbourgazette.example/c/w_800,h_600/pier.jpg 2x">'),
        # lazy images: the real address replaces the placeholder
        ('<img src="data:image/gif;base64,R0lGOD" data-src="/img/pier.jpg">',
         '<img src="https://www.harbourgazette.example/img/pier.jpg">'),
        ('<img src="/blank.gif" data-lazy-src="/img/pier.jpg">',
         '<img src="https://www.harbourgazette.example/img/pier.jpg">'),
        ('<img data-original="pier.jpg">', f'<img src="{BASE}pier.jpg">'),
        ('<img data-srcset="/a.jpg 1x, /b.jpg 2x">',
         '<img srcset="https://www.harbourgazette.example/a.jpg 1x, '
         'https://www.harbourgazette.example/b.jpg 2x">'),
        ('<img data-lazy-srcset="/a.jpg 1x">',
         '<img srcset="https://www.harbourgazette.example/a.jpg 1x">'),
        # text around the elements keeps its place and stays text
        ("Before <b>bold</b> after", "Before <b>bold</b> after"),
        ("&lt;b&gt; is how you write bold: <b>x</b>", "&lt;b&gt; is how you write bold: <b>x</b>"),
        ("No tags at all &amp; no links", "No tags at all &amp; no links"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_absolutise(fragment: str, expected: str) -> None:
    assert absolutise(fragment, base_url=BASE) == expected


@pytest.mark.parametrize(("fragment", "expected"), ABSOLUTISE_CASES)
def test_the_sanitiser_given_a_base_makes_urls_absolute_as_absolutise(
        fragment: str, expected: str) -> None:
    """clean_article leaves links to the sanitiser (lazy images aside): same result."""
    if LAZY_ATTRIBUTE.search(fragment):
        fragment = absolutise(fragment, base_url=BASE)
    assert sanitize_html(fragment, base_url=BASE) == sanitize_html(expected)


def test_a_link_that_is_no_url_goes_and_the_rest_stays() -> None:
    fragment = ('<p>Ferry <a href="http://[x/y">news</a> <img src="//[::1/x.jpg"> '
                '<img data-src="http://[bad/a.jpg"> <img srcset="http://[x/a.jpg 1x, /b.jpg 2x">'
                ' <a href="/ok">ok</a></p>')
    for given in (fragment, absolutise(fragment, base_url=BASE)):
        output = sanitize_html(given, base_url=BASE)
        assert "[" not in output
        assert text_of(output) == "Ferry news ok"
        assert 'href="https://www.harbourgazette.example/ok"' in output
        assert 'srcset="https://www.harbourgazette.example/b.jpg 2x"' in output


def test_urls_made_absolute_are_checked_after_joining() -> None:
    base = "https://www.harbourgazette.example/"
    output = sanitize_html('<a href="java\tscript:alert(1)">a</a><img src="javascript:x">'
                           '<img srcset="javascript:x 1x, /a.jpg 2x">', base_url=base)
    assert unsafe(output) == []
    assert 'srcset="https://www.harbourgazette.example/a.jpg 2x"' in output


@pytest.mark.parametrize(
    ("srcset", "expected"),
    [
        ("a.jpg 1x, b.jpg 2x", [("a.jpg", "1x"), ("b.jpg", "2x")]),
        ("a.jpg 400w,b.jpg 800w", [("a.jpg", "400w"), ("b.jpg", "800w")]),
        ("a.jpg, b.jpg", [("a.jpg", ""), ("b.jpg", "")]),
        ("/w_400,h_300/a.jpg 400w", [("/w_400,h_300/a.jpg", "400w")]),
        ("  a.jpg   1.5x  ,,, b.jpg", [("a.jpg", "1.5x"), ("b.jpg", "")]),
        ("", []),
    ],
)
def test_srcset_candidates(srcset: str, expected: list[tuple[str, str]]) -> None:
    assert srcset_candidates(srcset) == expected


# -- sanitize_html: known vectors ---------------------------------------------------------------

TEXT = "Ferry returns"
XSS_VECTORS = [
    f"<script>alert('x')</script><p>{TEXT}</p>",
    f"<SCRIPT SRC=https://evil.example/x.js></SCRIPT><p>{TEXT}</p>",
    f"<script type=module>import('https://evil.example/')</script>{TEXT}",
    f"<<script>script>alert(1)<</script>/script><p>{TEXT}</p>",
    f"<img src=x onerror=alert(1)>{TEXT}",
    f'<img src="https://a.example/i.jpg" onload="alert(1)" alt="x">{TEXT}',
    f"<img src=\"x` onerror=alert(1)>\"><p>{TEXT}</p>",
    f"<svg onload=alert(1)></svg>{TEXT}",
    f"<svg><script>alert(1)</script></svg><p>{TEXT}</p>",
    f"<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph>"
    f"</table></mtext></math><p>{TEXT}</p>",
    f'<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript><p>{TEXT}</p>',
    f'<a href="javascript:alert(1)">{TEXT}</a>',
    f'<a href="JAVASCRIPT:alert(1)">{TEXT}</a>',
    f'<a href="JaVaScRiPt:alert(1)">{TEXT}</a>',
    f'<a href="&#106;avascript:alert(1)">{TEXT}</a>',
    f'<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">'
    f"{TEXT}</a>",
    f'<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105'
    f'&#0000112&#0000116&#0000058alert(1)">{TEXT}</a>',
    f'<a href="jav&#x09;ascript:alert(1)">{TEXT}</a>',
    f'<a href="java\nscript:alert(1)">{TEXT}</a>',
    f'<a href=" &#14; javascript:alert(1)">{TEXT}</a>',
    f'<a href="vbscript:msgbox(1)">{TEXT}</a>',
    f'<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">{TEXT}</a>',
    f'<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">{TEXT}',
    f'<img src="https://a.example/i.jpg" srcset="javascript:alert(1) 1x, data:image/png,x 2x">'
    f"{TEXT}",
    f'<p style="background:url(javascript:alert(1))">{TEXT}</p>',
    f'<div style="width: expression(alert(1))">{TEXT}</div>',
    f'<p style="behavior: url(x.htc)">{TEXT}</p>',
    f"<style>body{{background:url(javascript:alert(1))}}</style><p>{TEXT}</p>",
    f'<link rel="stylesheet" href="javascript:alert(1)"><p>{TEXT}</p>',
    f'<iframe src="https://evil.example/"></iframe><p>{TEXT}</p>',
    f'<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe><p>{TEXT}</p>',
    f'<object data="https://evil.example/x.swf"><param name="movie" value="x"></object>'
    f"<p>{TEXT}</p>",
    f'<embed src="https://evil.example/x.swf"><p>{TEXT}</p>',
    f'<form action="https://evil.example/"><input name="q" onfocus="alert(1)" autofocus>'
    f'<button formaction="javascript:alert(1)">{TEXT}</button></form>',
    f'<meta http-equiv="refresh" content="0;url=javascript:alert(1)"><p>{TEXT}</p>',
    f'<base href="javascript:alert(1)//"><a href="/x">{TEXT}</a>',
    f'<p onmouseover="alert(1)">{TEXT}</p>',
    f'<a href="https://a.example/" onclick="steal()" target="_blank">{TEXT}</a>',
    f'<table background="javascript:alert(1)"><tr><td onclick="x()">{TEXT}</td></tr></table>',
    f'<details open ontoggle="alert(1)"><summary>{TEXT}</summary></details>',
    f'<video><source onerror="alert(1)"></video><p>{TEXT}</p>',
    f'<body onload="alert(1)"><p>{TEXT}</p></body>',
    "<p>Ferry <b>returns<i></p></b></i>",
    f"<div><p>{TEXT}<div></span></table></p>",
    f"<!--<script>alert(1)</script>--><p>{TEXT}</p>",
    f"<![CDATA[<script>alert(1)</script>]]><p>{TEXT}</p>",
    f'<p title="&quot;><script>alert(1)</script>">{TEXT}</p>',
]
FORBIDDEN_TAGS = ("script", "style", "iframe", "object", "embed", "form", "input", "button",
                  "meta", "base", "link", "svg", "math", "body", "video", "source", "details")


TAG = re.compile(r"<(/?)([a-zA-Z0-9]+)([^>]*)>")
ATTRIBUTE = re.compile(r'\s([^\s="/>]+)(?:="([^"]*)")?')
TEXT_ATTRIBUTES = {"title", "alt"}  # shown as text, never loaded or run
WEB_SCHEMES = {"http", "https", "mailto"}


def tags_in(output: str) -> list[tuple[str, dict[str, str]]]:
    """The tags of the output with their attributes. nh3 writes every value in double quotes
    and escapes < and > in text and values, so this reading of its output is exact."""
    tags = []
    for closing, name, rest in TAG.findall(output):
        attributes = {} if closing else {a: html.unescape(v) for a, v in ATTRIBUTE.findall(rest)}
        tags.append((name.lower(), attributes))
    return tags


def url_scheme(url: str) -> str:
    """The scheme a browser would see: it skips leading control characters and spaces, and
    ignores tabs and newlines anywhere. "" for a relative URL."""
    match = re.match(r"([a-z][a-z0-9+.\-]*):", re.sub(r"[\x00-\x20]", "", url).lower())
    return match.group(1) if match else ""


def unsafe(output: str) -> list[str]:
    """What in the output could run script, load a non-web URL or restyle the page."""
    problems = []
    for name, attributes in tags_in(output):
        if name in FORBIDDEN_TAGS:
            problems.append(f"<{name}>")
        for attribute, value in attributes.items():
            if re.fullmatch(r"on\w+", attribute, re.IGNORECASE):
                problems.append(f"event handler {attribute} on <{name}>")
            if attribute == "style":
                problems.append(f"style on <{name}>")
            if attribute in {"href", "src"}:
                urls = [value]
            elif attribute == "srcset":
                urls = re.split(r"[\s,]+", value)
            else:
                urls = []
                if attribute not in TEXT_ATTRIBUTES and re.search(
                        r"(java|vb)script:|data:", re.sub(r"[\x00-\x20]", "", value).lower()):
                    problems.append(f"{attribute}={value!r} on <{name}>")
            if any(url_scheme(url) not in WEB_SCHEMES | {""} for url in urls):
                problems.append(f"{attribute}={value!r} on <{name}>")
    return problems


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_known_vectors_are_neutralised_and_the_text_stays(vector: str) -> None:
    output = sanitize_html(vector)
    assert unsafe(output) == []
    assert "<script" not in output.lower()
    assert TEXT in text_of(output)


def test_safe_markup_survives_with_safe_links() -> None:
    fragment = ('<h2 class="sub">Timetable</h2><p id="x">Leaves at <strong>22:40</strong> and '
                '<em>00:10</em>, see <a href="https://a.example/t" target="_blank" title="T">the '
                "timetable</a>.</p><ul><li>Cards only</li></ul>"
                "<blockquote><p>Quote</p></blockquote>"
                '<figure><img src="https://a.example/i.jpg" alt="Pier" width="800" height="600">'
                "<figcaption>Pier</figcaption></figure>"
                '<table><tr><th scope="col">Day</th></tr><tr><td colspan="2">Mon</td></tr></table>')
    output = sanitize_html(fragment)
    assert output == (
        '<h2>Timetable</h2><p>Leaves at <strong>22:40</strong> and <em>00:10</em>, see '
        '<a href="https://a.example/t" title="T" rel="noopener noreferrer nofollow">the '
        "timetable</a>.</p><ul><li>Cards only</li></ul><blockquote><p>Quote</p></blockquote>"
        '<figure><img src="https://a.example/i.jpg" alt="Pier" width="800" height="600">'
        "<figcaption>Pier</figcaption></figure>"
        '<table><tbody><tr><th scope="col">Day</th></tr><tr><td colspan="2">Mon</td></tr>'
        "</tbody></table>"
    )


def test_mailto_links_stay_and_other_schemes_go() -> None:
    output = sanitize_html('<a href="mailto:desk@a.example">m</a> <a href="ftp://a.example/f">f</a>'
                           ' <a href="tel:+441234">t</a>')
    assert 'href="mailto:desk@a.example"' in output
    assert "ftp:" not in output and "tel:" not in output
    assert text_of(output) == "m f t"


# -- sanitize_html: random tag soup -------------------------------------------------------------

SOUP_TAGS = ("p", "div", "span", "a", "img", "b", "i", "script", "SCRIPT", "svg", "math", "style",
             "iframe", "object", "embed", "form", "button", "input", "meta", "base", "table",
             "tr", "td", "ul", "li", "blockquote", "figure", "noscript", "template", "textarea",
             "title", "select", "option", "details", "video", "source", "body", "head", "xmp")
SOUP_ATTRIBUTES = ("onclick", "onerror", "ONLOAD", "onmouseover", "onfocus", "href", "src",
                   "srcset", "style", "action", "formaction", "data-src", "title", "alt",
                   "xlink:href", "background", "srcdoc", "content", "http-equiv", "class", "id")
SOUP_VALUES = (
    "alert(1)", "javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)",
    "&#106;avascript:alert(1)", "&#x6A;avascript:alert(1)", "jav&#x09;ascript:alert(1)",
    "java\nscript:alert(1)", "vbscript:x", "data:text/html,<script>alert(1)</script>",
    "data:image/svg+xml;base64,PHN2Zz4=", "expression(alert(1))", "https://a.example/ok",
    "/relative", "x.jpg 1x, javascript:alert(1) 2x", "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>", "0;url=javascript:alert(1)", "",
)
QUOTES = ("", '"', "'")
SOUP_TEXT = ("Ferry", "returns", "tonight", "&amp;", "&lt;b&gt;", "<", ">", "\"", "'", "=",
             "&#60;script&#62;", "Saltwick", " ", "\n")


def tag_soup(rng: random.Random, depth: int = 0) -> str:
    """A random fragment: nested, misnested, unclosed and broken tags, hostile attributes."""
    parts = []
    for _ in range(rng.randint(1, 6)):
        roll = rng.random()
        if roll < 0.35:
            parts.append(rng.choice(SOUP_TEXT))
        elif roll < 0.85:
            tag = rng.choice(SOUP_TAGS)
            attributes = "".join(
                f" {rng.choice(SOUP_ATTRIBUTES)}={quote}{rng.choice(SOUP_VALUES)}{quote}"
                for quote in (rng.choice(QUOTES) for _ in range(rng.randint(0, 3)))
            )
            inner = tag_soup(rng, depth + 1) if depth < 4 else rng.choice(SOUP_TEXT)
            closing = rng.choice([f"</{tag}>", "", f"</{rng.choice(SOUP_TAGS)}>", f"</{tag}"])
            parts.append(f"<{tag}{attributes}{rng.choice(['>', ' />', ''])}{inner}{closing}")
        elif roll < 0.92:
            parts.append(rng.choice(["<!--", "-->", "<![CDATA[", "]]>", "<!DOCTYPE html>", "</"]))
        else:
            parts.append(rng.choice(XSS_VECTORS))
    return "".join(parts)


def test_random_tag_soup_never_yields_script_handlers_or_javascript() -> None:
    rng = random.Random(20250604)  # noqa: S311 - a fixed seed, for repeatable tag soup
    for _ in range(600):
        soup = tag_soup(rng)
        output = sanitize_html(soup)
        assert "<script" not in output.lower(), soup
        assert unsafe(output) == [], soup
        assert {name for name, _ in tags_in(output)} <= ALLOWED_TAGS, soup
        assert unsafe(sanitize_html(output)) == [], soup


def test_random_tag_soup_with_a_base_url_yields_nothing_unsafe() -> None:
    rng = random.Random(20251128)  # noqa: S311 - a fixed seed, for repeatable tag soup
    for _ in range(600):
        soup = tag_soup(rng)
        output = sanitize_html(soup, base_url=BASE)
        assert unsafe(output) == [], soup
        assert {name for name, _ in tags_in(output)} <= ALLOWED_TAGS, soup


def test_sanitised_text_reads_the_sanitisers_output_as_plain_text_does() -> None:
    rng = random.Random(5)  # noqa: S311 - a fixed seed, for repeatable tag soup
    for _ in range(600):
        output = sanitize_html(tag_soup(rng))
        assert sanitised_text(output) == plain_text(output), output


def test_random_tag_soup_keeps_the_text_outside_dangerous_elements() -> None:
    rng = random.Random(7)  # noqa: S311 - a fixed seed, for repeatable tag soup
    for _ in range(200):
        words = [rng.choice(("Ferry", "Saltwick", "pier", "night", "crossing")) for _ in range(3)]
        wrappers = [rng.choice(("p", "div", "span", "b", "i", "form", "button", "font", "center",
                                "section", "article", "label", "u", "a href=javascript:x()"))
                    for _ in words]
        soup = "".join(f"<{w}>{word} </{w.split()[0]}>" for w, word in zip(wrappers, words,
                                                                         strict=True))
        assert text_of(sanitize_html(soup)) == " ".join(words), soup


def test_random_tag_soup_keeps_only_allowed_attributes() -> None:
    rng = random.Random(11)  # noqa: S311 - a fixed seed, for repeatable tag soup
    for _ in range(300):
        soup = tag_soup(rng)
        for name, attributes in tags_in(sanitize_html(soup)):
            allowed = ALLOWED_ATTRIBUTES.get(name, set()) | {"lang", "title"}  # nh3's generic ones
            if name == "a":
                allowed |= {"rel"}
            assert set(attributes) <= allowed, (name, attributes, soup)


def test_script_and_style_bodies_do_not_become_text() -> None:
    output = sanitize_html("<p>Ferry</p><script>alert('x')</script><style>p{color:red}</style>"
                           "<template><p>hidden</p></template>")
    assert text_of(output) == "Ferry"


# -- plain_text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Night ferry returns", "Night ferry returns"),
        ("  Night\n\tferry   returns ", "Night ferry returns"),
        ("Fish &amp; chips", "Fish & chips"),
        ("<b>Night</b> ferry <i>returns</i>", "Night ferry returns"),
        ("Ferry &#8211; returns &ldquo;soon&rdquo;", "Ferry \u2013 returns \u201csoon\u201d"),
        ("<p>Ferry</p><script>window.t = 'x';</script><style>p{color:red}</style> returns",
         "Ferry returns"),  # the source of code is no text
        ("x < y &amp; z", "x < y & z"),
        ("", ""),
    ],
)
def test_plain_text(value: str, expected: str) -> None:
    assert plain_text(value) == expected


# -- clean_article ------------------------------------------------------------------------------


def test_clean_article_makes_every_field_safe_and_absolute() -> None:
    article = ExtractedArticle(
        url="/2025/06/04/night-ferry/?utm_source=rss&id=3#comments",
        title="<b>Night ferry</b> &amp; bus",
        body_html=('<p>Leaves at 22:40. <a href="../timetable/?fbclid=1">Timetable</a></p>'
                   '<p><img src="data:image/gif;base64,R0l" data-src="/img/pier.jpg" '
                   'onerror="alert(1)"></p><script>alert(1)</script>'
                   '<p><a href="javascript:alert(1)">Tickets</a></p>'),
        author=" Mara  Quint ",
        published=datetime(2025, 6, 4, 6, 15, tzinfo=UTC),
        image_url="javascript:alert(1)",
        image_caption="The <i>Morwenna</i>",
        image_credit="Photo &copy; Tomas Hale",
        summary="<p>Twice nightly.</p>",
        pull_quotes=(PullQuote("<em>It was the people</em> finishing late", 1),),
    )
    cleaned = clean_article(article, base_url=BASE)
    assert cleaned.url == "https://www.harbourgazette.example/2025/06/04/night-ferry/?id=3"
    assert cleaned.title == "Night ferry & bus"
    assert cleaned.author == "Mara Quint"
    assert cleaned.image_url == ""  # no web address, no image
    assert (cleaned.image_caption, cleaned.image_credit) == (
        "The Morwenna", "Photo \u00a9 Tomas Hale")
    assert cleaned.summary == "Twice nightly."
    assert cleaned.pull_quotes == (PullQuote("It was the people finishing late", 1),)
    assert cleaned.published == article.published
    assert cleaned.body_html == (
        '<p>Leaves at 22:40. <a href="https://www.harbourgazette.example/2025/06/04/timetable/" '
        'rel="noopener noreferrer nofollow">Timetable</a></p>'
        '<p><img src="https://www.harbourgazette.example/img/pier.jpg"></p>'
        '<p><a rel="noopener noreferrer nofollow">Tickets</a></p>'
    )


@pytest.mark.parametrize(
    ("image_url", "expected"),
    [
        ("/img/pier.jpg", "https://www.harbourgazette.example/img/pier.jpg"),
        ("https://cdn.example/pier.jpg?w=1200", "https://cdn.example/pier.jpg?w=1200"),
        ("data:image/gif;base64,R0lGOD", ""),
        ("", ""),
    ],
)
def test_clean_article_image_url(image_url: str, expected: str) -> None:
    article = ExtractedArticle(url="", title="t", body_html="", image_url=image_url)
    cleaned = clean_article(article, base_url=BASE)
    assert cleaned.image_url == expected
    assert cleaned.url == ""


@pytest.mark.parametrize("name", sorted(SERVED))
def test_cleaning_a_real_page_loses_no_text(name: str) -> None:
    extracted = extract_article((PAGES / name).read_bytes(), url=SERVED[name])
    cleaned = clean_article(extracted, base_url=SERVED[name])
    assert body_texts(cleaned) == body_texts(extracted)
    assert "utm_" not in cleaned.url and "fbclid" not in cleaned.url
    assert cleaned.image_url.startswith("https://")
