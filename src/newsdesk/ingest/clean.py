"""Clean an extracted article: tracking parameters out, URLs absolute, lazy images fixed,
and the HTML sanitised with nh3 — always the last HTML step."""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache
from html import escape, unescape
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

import lxml.etree
import lxml.html
import nh3

from newsdesk.ingest.types import ExtractedArticle, PullQuote

TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|gclsrc|dclid|msclkid|yclid|mc_cid|mc_eid|_ga|_gl|igshid|"
    r"ocid|cmpid|icid|ncid|ns_\w+|mkt_tok|oly_\w+|vero_\w+|__s|_hsenc|_hsmi|wt\.\w+|ito|"
    r"at_medium|at_campaign|at_custom\d)$",
    re.IGNORECASE,
)
ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "blockquote",
    "figure", "figcaption", "img", "a", "em", "strong", "b", "i", "u", "s", "sub", "sup", "small",
    "code", "pre", "hr", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "cite",
    "q", "abbr", "mark", "span",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "srcset", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "abbr": {"title"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
IMAGE_SCHEMES = {"", "http", "https"}  # "" is a relative URL
SRCSET_URL = re.compile(r"[\s,]*(\S+)")
SRCSET_DESCRIPTOR = re.compile(r"\d+w|\d*\.?\d+x|")
LAZY_SOURCES = (("data-src", "src"), ("data-lazy-src", "src"), ("data-original", "src"),
                ("data-srcset", "srcset"), ("data-lazy-srcset", "srcset"))
LAZY_ATTRIBUTE = re.compile("|".join(lazy for lazy, _ in LAZY_SOURCES), re.IGNORECASE)
# Characters no XML or HTML document may hold: C0 controls but tab, newline and carriage return,
# lone surrogates, U+FFFE and U+FFFF. A JSON Feed can carry them as \u escapes and a page as
# character references ("&#1;"); lxml refuses to write a string with one, and no reader wants
# them. Every stage that meets foreign text takes them out with this.
NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# An absolute http(s) URL that urljoin and urlsplit/urlunsplit give back unchanged: a plain
# ASCII host, no fragment, no empty query, no path parameters (";"), no white space or control
# characters. Feeds and pages are full of them; every other URL takes the standard library.
_UNCHANGED_ABSOLUTE = re.compile(
    r"https?://[A-Za-z0-9._~%!$&'()*+,=:@-]+(?:/[^\x00-\x20#;?]*)?(?:\?[^\x00-\x20#]+)?")
_UNCHANGED_STRIPPED = re.compile(r"https?://[a-z0-9.:-]+/[^\x00-\x20#?]*")


def join_url(base: str, url: str) -> str:
    """urljoin(base, url), with a shortcut for the URL already absolute that it would keep."""
    if _UNCHANGED_ABSOLUTE.fullmatch(url):
        return url
    return urljoin(base, url)


def joined_url(base: str, url: str) -> str:
    """join_url(base, url), or "" when url is no URL at all ("http://[x/" raises in urljoin):
    for URLs from a publisher's markup, where one bad address must not cost the article."""
    try:
        return join_url(base, url)
    except ValueError:
        return ""


def _scheme(url: str) -> str:
    """urlsplit(url).scheme.lower(), without splitting the absolute http(s) URL most are."""
    if _UNCHANGED_ABSOLUTE.fullmatch(url):
        return "https" if url[4] == "s" else "http"
    return urlsplit(url).scheme.lower()


def web_url(url: str) -> str:
    """url when it is an http or https address, else "": a publisher's link to the original
    (javascript:, data:, mailto: ...) is printed as a link on the site and in its feeds."""
    if _UNCHANGED_ABSOLUTE.fullmatch(url):
        return url
    try:
        return url if urlsplit(url.strip()).scheme in {"http", "https"} else ""
    except ValueError:  # no URL at all ("http://[x/")
        return ""


@lru_cache(maxsize=4096)  # an item's link is stripped at several stages
def strip_tracking(url: str) -> str:
    """The URL without tracking parameters or a fragment; other parameters keep their order."""
    if _UNCHANGED_STRIPPED.fullmatch(url):
        return url  # no query, no fragment, a lower-case host: nothing to strip or fold
    return _strip_tracking_parsed(url)


def _strip_tracking_parsed(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"}:
        return url.strip()
    # Kept parameters stay as the publisher wrote them: "?print" must not become "?print=".
    query = [pair for pair in parts.query.split("&")
             if pair and not TRACKING_PARAMS.match(unquote_plus(pair.split("=", 1)[0]))]
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", "&".join(query), ""))


def sanitize_html(html: str, *, base_url: str = "") -> str:
    """The only HTML that reaches a page: nh3 with a small allow-list, links made safe.

    base_url: links and pictures come out absolute, links without tracking parameters (as
    absolutise() makes them, without parsing the HTML once more)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_AbsoluteURLs(base_url) if base_url else _safe_srcset,
    ).strip()


def _safe_srcset(tag: str, attribute: str, value: str) -> str | None:
    """nh3 checks src against the allowed schemes but not srcset: its candidates get the same
    rule here, and one with a malformed descriptor goes, as a browser would drop it."""
    if attribute != "srcset":
        return value
    safe = [f"{url} {descriptor}".strip() for url, descriptor in srcset_candidates(value)
            if _scheme(url) in IMAGE_SCHEMES
            and SRCSET_DESCRIPTOR.fullmatch(descriptor)]
    return ", ".join(safe) or None


class _AbsoluteURLs:
    """nh3's attribute filter that makes links and pictures absolute.

    nh3 calls it once it has checked the scheme of the value as written, so the URL it makes
    is checked here again: a filter's answer is not checked after it."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def __call__(self, tag: str, attribute: str, value: str) -> str | None:
        if attribute == "srcset":
            absolute = ", ".join(_absolute_srcset(value, self.base_url))
            return _safe_srcset(tag, attribute, absolute)
        if (tag, attribute) not in {("a", "href"), ("img", "src")}:
            return value
        url = joined_url(self.base_url, value.strip())  # "" for no URL at all: the attribute goes
        if url and attribute == "href":
            url = strip_tracking(url)
        return url if url and _scheme(url) in URL_SCHEMES else None


def srcset_candidates(srcset: str) -> list[tuple[str, str]]:
    """(url, descriptor) pairs, as the HTML standard splits them: a URL may hold commas
    ("/w_300,h_200/a.jpg"); only a comma after the URL ends a candidate."""
    candidates = []
    position = 0
    while match := SRCSET_URL.match(srcset, position):
        url, position = match.group(1), match.end()
        if url.endswith(","):
            candidates.append((url.rstrip(","), ""))
            continue
        end = srcset.find(",", position)
        end = len(srcset) if end == -1 else end
        candidates.append((url, srcset[position:end].strip()))
        position = end + 1
    return candidates


def plain_text(value: str) -> str:
    """A field that must be text: tags dropped, entities decoded, white space folded; the source
    of scripts and style sheets is no text."""
    if not value:
        return ""
    if "<" in value or "&" in value:
        try:
            return fragment_text(lxml.html.fragment_fromstring(value, create_parent="div"))
        except (lxml.etree.ParserError, ValueError):  # nothing lxml can read, or a control
            value = unescape(_ANY_TAG.sub("", NOT_TEXT.sub("", value)))  # character in it
    return " ".join(NOT_TEXT.sub("", value).split())


def text_html(text: str) -> str:
    """Plain text as HTML: escaped, a paragraph for each run of lines between blank ones."""
    return "".join(f"<p>{escape(' '.join(part.split()), quote=False)}</p>"
                   for part in re.split(r"\n\s*\n", text) if part.strip())


_ANY_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")


_HAS_CODE = lxml.etree.XPath("boolean(.//script | .//style | .//template)")
_TEXT_OUTSIDE_CODE = lxml.etree.XPath(
    ".//text()[not(ancestor::script or ancestor::style or ancestor::template)]")


def fragment_text(root: lxml.html.HtmlElement) -> str:
    """plain_text() of a fragment already parsed (under one parent), the tree left as it is."""
    text = "".join(_TEXT_OUTSIDE_CODE(root)) if _HAS_CODE(root) else root.text_content()
    return " ".join(NOT_TEXT.sub("", text).split())


# A tag as nh3 writes it: attribute values in double quotes, a quote inside one as &quot;.
_SANITISED_TAG = re.compile(r'<[^>"]*(?:"[^"]*"[^>"]*)*>')


def sanitised_text(html: str) -> str:
    """plain_text() of sanitize_html's output, read without parsing it again: nh3 leaves no
    script, style or comment, writes every < and > of the text as an entity, and quotes every
    attribute value, so taking out the tags leaves the text."""
    return " ".join(NOT_TEXT.sub("", unescape(_SANITISED_TAG.sub("", html))).split())


def absolutise(html: str, *, base_url: str) -> str:
    """Lazy images get their real src; every link and image becomes an absolute URL."""
    if not html.strip():
        return ""
    if "href" not in html and "src" not in html and "data-original" not in html:
        return html  # no link, no picture: nothing to change (nh3 tidies the markup next)
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for img in root.iter("img"):
        try:
            for lazy, real in LAZY_SOURCES:
                if img.get(lazy):
                    img.set(real, img.get(lazy, ""))
                    del img.attrib[lazy]
            if img.get("srcset"):
                img.set("srcset", ", ".join(_absolute_srcset(img.get("srcset", ""), base_url)))
        except ValueError:  # a control character lxml will not write back: the sanitiser judges
            continue
    for el, attribute, link, _pos in list(root.iterlinks()):
        if el.tag in {"a", "img"} and attribute in {"href", "src"}:
            try:
                absolute = join_url(base_url, link.strip())
                el.set(attribute, strip_tracking(absolute) if attribute == "href" else absolute)
            except ValueError:  # no URL at all ("http://[x/"): the sanitiser drops it
                continue
    leading = escape(root.text or "", quote=False)
    return leading + "".join(lxml.html.tostring(child, encoding="unicode") for child in root)


def _absolute_srcset(srcset: str, base_url: str) -> list[str]:
    joined = ((joined_url(base_url, url), descriptor)
              for url, descriptor in srcset_candidates(srcset))
    return [f"{url} {descriptor}".strip() for url, descriptor in joined if url]  # no URL: gone


def clean_article(article: ExtractedArticle, *, base_url: str) -> ExtractedArticle:
    """The article with clean URLs, plain-text fields and sanitised body HTML."""
    body = article.body_html  # lazy images need the tree; the sanitiser does the rest
    canonical = web_url(strip_tracking(joined_url(base_url, article.url))) if article.url else ""
    image = join_url(base_url, article.image_url) if article.image_url else ""
    return dataclasses.replace(
        article,
        url=canonical,
        title=plain_text(article.title),
        author=plain_text(article.author),
        body_html=sanitize_html(
            absolutise(body, base_url=base_url) if LAZY_ATTRIBUTE.search(body) else body,
            base_url=base_url),
        image_url=image if urlsplit(image).scheme in {"http", "https"} else "",
        image_alt=plain_text(article.image_alt),
        image_caption=plain_text(article.image_caption),
        image_credit=plain_text(article.image_credit),
        summary=plain_text(article.summary),
        pull_quotes=tuple(PullQuote(plain_text(q.text), q.position) for q in article.pull_quotes),
    )
