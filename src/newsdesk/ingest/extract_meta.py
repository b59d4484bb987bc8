"""An article page's metadata: canonical URL, title, author, date, language, image, JSON-LD.

Each value comes with a note naming the rule that produced it (`title: json-ld headline`), so
that an editor can see why a page came out as it did.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import lxml.html

from newsdesk.ingest.clean import joined_url, web_url

BYLINE = "[rel=author], .author, .byline__name, [itemprop=author]"
BYLINE_MAX_CHARS = 160  # a longer block that names the author is text, not a byline
BYLINE_PREFIX = re.compile(r"^\s*(?:by|par|por|von|door|di|بقلم|מאת|автор|автора)\s*:?\s+",
                           re.IGNORECASE)
NAME_SEPARATORS = re.compile(r"\s*(?:,|;|&|\band\b|\bet\b|\by\b|\bund\b)\s*", re.IGNORECASE)
ROLE_WORDS = frozenset({"correspondent", "correspondents", "reporter", "reporters", "editor",
                        "editors", "writer", "writers", "staff", "columnist", "columnists"})
# Who is no person: the desk, the newsroom, the publisher's staff.
NO_PERSON = re.compile(r"(?:the\s+)?(?:\w+\s+)*?(?:staff|newsroom|news desk|desk|editors|"
                       r"editorial board|team|reporters|admin|administrator)", re.IGNORECASE)
TITLE_SEPARATORS = (" | ", " – ", " — ", " - ", " :: ", " · ")
UPDATED_WORDS = re.compile(r"updat|modif|actualiz|mis à jour|aktualisiert|edited", re.IGNORECASE)
MONTH_NAMES = {
    name: number
    for names in (
        ("january", "february", "march", "april", "may", "june", "july", "august", "september",
         "october", "november", "december"),
        ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
         "octobre", "novembre", "décembre"),
        ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
         "octubre", "noviembre", "diciembre"),
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september",
         "oktober", "november", "dezember"),
        ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
         "settembre", "ottobre", "novembre", "dicembre"),
        ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro",
         "outubro", "novembro", "dezembro"),
        ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
         "октября", "ноября", "декабря"),
        ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
         "أكتوبر", "نوفمبر", "ديسمبر"),
    )
    for number, name in enumerate(names, start=1)
} | {"sept": 9}
ZONES = {"utc": 0, "gmt": 0, "bst": 1, "cet": 1, "cest": 2, "eet": 2, "eest": 3, "ist": 1}
_MONTH = "|".join(sorted(MONTH_NAMES, key=len, reverse=True))
TEXT_DATE = re.compile(
    rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th|er)?\.?\s+(?:de\s+)?(?P<month>{_MONTH})\.?,?\s+"
    rf"(?:de\s+)?(?P<year>\d{{4}})"
    rf"|\b(?P<month2>{_MONTH})\.?\s+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year2>\d{{4}})"
    r"|\b(?P<d3>\d{1,2})[/.](?P<m3>\d{1,2})[/.](?P<y3>\d{4})",
    re.IGNORECASE)
TEXT_TIME_ZONE = re.compile(r"\b(\d{1,2})[:h](\d{2})\s*(utc|gmt|bst|cest|cet|eest|eet)\b",
                            re.IGNORECASE)
DATE_TEXT_MAX_CHARS = 120
# Locales that write a date as month/day/year (the United States, the Philippines ...).
MONTH_FIRST = frozenset({"en-us", "en-ph", "en-fm", "en-mh", "en-pw", "en-as", "en-gu",
                         "en-mp", "en-pr", "en-vi", "en-um"})


def fold(text: str) -> str:
    return " ".join(text.split())


def text_of(element: lxml.html.HtmlElement) -> str:
    return fold(element.text_content())


@dataclass
class PageMeta:
    canonical: str = ""
    title: str = ""
    author: str = ""
    published: datetime | None = None
    description: str = ""
    language: str = ""
    image: str = ""
    image_credit: str = ""  # from JSON-LD, when the page says it nowhere else
    image_credit_url: str = ""  # the picture that credit is for, when JSON-LD names it
    article_body: str = ""
    site_name: str = ""
    notes: list[str] = field(default_factory=list)


def page_meta(doc: lxml.html.HtmlElement, url: str) -> PageMeta:
    meta = PageMeta()
    props: dict[str, str] = {}
    for el in doc.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        if key and el.get("content") and key not in props:
            props[key] = el.get("content", "").strip()
    ld = json_ld_article(doc)
    publisher = ld.get("publisher")
    meta.site_name = fold(props.get("og:site_name")
                          or (str(publisher.get("name") or "") if isinstance(publisher, dict)
                              else ""))

    canonical = next((el.get("href") for el in doc.iter("link")
                      if "canonical" in (el.get("rel") or "").lower().split() and el.get("href")),
                     None)
    meta.canonical = web_url(joined_url(url, canonical or props.get("og:url") or url)) or url
    meta.notes.append("url: link rel=canonical" if canonical else
                      "url: og:url" if props.get("og:url") else "url: the fetched address")

    meta.title, how = _title(doc, props, ld, meta.site_name)
    meta.notes.append(f"title: {how}")
    meta.author, how = _author(doc, props, ld, meta.site_name)
    if meta.author:
        meta.notes.append(f"author: {how}")
    locale = (doc.get("lang") or props.get("og:locale") or "").replace("_", "-").lower()
    meta.published, how = _published(doc, props, ld, month_first=locale in MONTH_FIRST)
    if meta.published:
        meta.notes.append(f"published: {how}")

    meta.description = fold(html.unescape(props.get("og:description") or props.get("description")
                                          or str(ld.get("description") or "")))
    if meta.description:
        meta.notes.append("summary: the page's description (og:description or meta)")
    meta.language = (doc.get("lang") or props.get("og:locale") or "").split("-")[0].split("_")[0]
    if meta.language:
        meta.notes.append("language: <html lang>" if doc.get("lang") else "language: og:locale")
    credited = _ld_image(ld)
    image = props.get("og:image") or props.get("twitter:image") or credited
    meta.image = joined_url(url, image) if image else ""
    meta.image_credit = _ld_image_credit(ld)
    meta.image_credit_url = joined_url(url, credited) if credited else ""
    body = ld.get("articleBody")
    meta.article_body = body if isinstance(body, str) else ""
    return meta


# -- JSON-LD ------------------------------------------------------------------------------------


def json_ld_article(doc: lxml.html.HtmlElement) -> dict[str, object]:
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
            if any(isinstance(k, str) and (k.endswith("Article") or k == "BlogPosting")
                   for k in kinds):
                return node
    return {}


def _ld_nodes(data: object) -> Iterator[dict[str, object]]:
    if isinstance(data, list):
        for entry in data:
            yield from _ld_nodes(entry)
    elif isinstance(data, dict):
        yield data
        yield from _ld_nodes(data.get("@graph", []))


def _ld_names(value: object) -> list[str]:
    entries = value if isinstance(value, list) else [value]
    names = [a.get("name") if isinstance(a, dict) else a for a in entries]
    return [fold(n) for n in names if isinstance(n, str) and n.strip()]


def _ld_image(ld: dict[str, object]) -> str:
    image = ld.get("image")
    if isinstance(image, list):
        image = image[0] if image else None
    if isinstance(image, dict):
        image = image.get("url")
    return image if isinstance(image, str) else ""


def _ld_image_credit(ld: dict[str, object]) -> str:
    image = ld.get("image")
    if isinstance(image, list):
        image = image[0] if image else None
    if not isinstance(image, dict):
        return ""
    for key in ("creditText", "copyrightHolder", "author"):
        names = _ld_names(image.get(key))
        if names:
            return ", ".join(names)
    return ""


# -- title --------------------------------------------------------------------------------------


def _title(doc: lxml.html.HtmlElement, props: dict[str, str], ld: dict[str, object],
           site_name: str) -> tuple[str, str]:
    h1s = [text_of(h) for h in doc.iter("h1") if text_of(h)]
    headline = ld.get("headline")
    headline = fold(html.unescape(headline)) if isinstance(headline, str) else ""
    # A social title may be rewritten for sharing; the headline the page shows is the article's.
    if headline and headline in h1s:
        return headline, "json-ld headline, as the page's h1"
    title_tag = next((text_of(t) for t in doc.iter("title")), "")
    og_title = fold(html.unescape(props.get("og:title", "")))
    for label, value in (("og:title", og_title), ("json-ld headline", headline),
                         ("h1", h1s[0] if h1s else ""), ("title", title_tag)):
        if value:
            trimmed = _without_site_name(value, site_name)
            # no site name given: "Headline | Fenwick Post" where the h1 says "Headline"
            trimmed = next((h1 for h1 in h1s for separator in TITLE_SEPARATORS
                            if trimmed.startswith(h1 + separator)), trimmed)
            return trimmed, label + (" without the site's name" if trimmed != value else "")
    return "", "none found"


def _without_site_name(title: str, site_name: str) -> str:
    if not site_name:
        return title
    for separator in TITLE_SEPARATORS:
        if title.endswith(separator + site_name):
            return title[: -len(separator + site_name)].strip()
    return title


# -- author -------------------------------------------------------------------------------------


def _author(doc: lxml.html.HtmlElement, props: dict[str, str], ld: dict[str, object],
            site_name: str) -> tuple[str, str]:
    """People, not the publisher: a CMS often fills meta author with the site's name."""
    names = [n for n in _ld_names(ld.get("author")) if _a_person(n, site_name)]
    if names:
        return normalise_author(", ".join(names)), "json-ld author"
    for key in ("author", "article:author", "dc.creator"):
        value = fold(props.get(key, ""))
        if value and "://" not in value and _a_person(value, site_name):
            return normalise_author(value), f"meta {key}"
    byline = _byline(doc)
    if byline:
        return normalise_author(byline), "byline on the page"
    return "", "none found"


def _a_person(name: str, site_name: str) -> bool:
    """Not the publisher ("The Fenwick Post" for a site named "Fenwick Post") nor its desk
    ("Fenwick Post Staff", "Newsroom")."""
    def bare(value: str) -> str:
        return re.sub(r"^the\s+", "", fold(value).casefold())

    if site_name and bare(name) == bare(site_name):
        return False
    return not NO_PERSON.fullmatch(bare(name).removeprefix(bare(site_name)).strip() or "staff")


def _byline(doc: lxml.html.HtmlElement) -> str:
    marked = doc.cssselect(BYLINE)
    rel_authors = [text_of(el) for el in marked if "author" in (el.get("rel") or "").split()]
    if len(rel_authors) > 1:
        return ", ".join(rel_authors)
    for el in marked:
        name = el.cssselect("[itemprop=name]")
        text = text_of(name[0]) if name else text_of(el)
        if text and len(text) <= BYLINE_MAX_CHARS:
            return _byline_names(el) or text
    candidates = [el for el in doc.iter("p", "span", "div", "li")
                  if len(text_of(el)) <= BYLINE_MAX_CHARS and BYLINE_PREFIX.match(text_of(el))]
    # The innermost: 'By Ann Lowe', not the block around it that adds the date.
    for el in candidates:
        if not any(other is not el and el in other.iterancestors() for other in candidates):
            return _byline_names(el) or text_of(el)
    return ""


def _byline_names(el: lxml.html.HtmlElement) -> str:
    """The names a byline links to, when it links each one."""
    links = [text_of(a) for a in el.iter("a") if text_of(a)]
    text = BYLINE_PREFIX.sub("", text_of(el))
    if links and all(link in text for link in links) and len(" ".join(links)) > len(text) / 2:
        return ", ".join(links)
    return ""


def normalise_author(value: str) -> str:
    """'BY ANN LOWE AND BO TRAN, Transport Correspondent' -> 'Ann Lowe, Bo Tran'."""
    value = BYLINE_PREFIX.sub("", fold(value))
    names = [n.strip() for n in NAME_SEPARATORS.split(value) if n.strip()]
    # A role after the names: 'Ann Lowe, Transport Correspondent'.
    if len(names) >= 2 and names[-1].lower().split()[-1] in ROLE_WORDS:
        names = names[:-1]
    # "ANN LOWE" -> "Ann Lowe"; "BBC" stays
    names = [n.title() if n.isupper() and " " in n else n for n in names]
    return ", ".join(names)


# -- date ---------------------------------------------------------------------------------------


def _published(doc: lxml.html.HtmlElement, props: dict[str, str], ld: dict[str, object], *,
               month_first: bool = False) -> tuple[datetime | None, str]:
    for label, value in (("article:published_time", props.get("article:published_time")),
                         ("json-ld datePublished", ld.get("datePublished")),
                         ("meta date", props.get("date")), ("meta dc.date", props.get("dc.date")),
                         ("itemprop datePublished", props.get("datepublished"))):
        parsed = parse_date(str(value or ""))
        if parsed:
            return parsed, label
    for time in doc.iter("time"):
        if time.get("datetime") and not _marked_updated(time):
            parsed = parse_date(time.get("datetime", ""))
            if parsed:
                return parsed, "<time datetime>"
    # the article's own first: a masthead above it says what day it is today
    story = next(iter(doc.xpath("//article | //main | //*[@itemprop='articleBody']")), None)
    in_story = set(story.iter()) if story is not None else None
    outside: datetime | None = None
    for el in doc.iter("p", "span", "div", "dd", "time", "li"):
        text = text_of(el)
        if len(text) > DATE_TEXT_MAX_CHARS:
            continue
        updated = UPDATED_WORDS.search(text)  # "Published 4 June, updated 5 June": the first
        parsed = parse_text_date(text[:updated.start()] if updated else text,
                                 month_first=month_first)
        if parsed and (in_story is None or el in in_story):
            return parsed, "date written on the page"
        outside = outside or parsed
    return (outside, "date written on the page") if outside else (None, "none found")


def _marked_updated(time: lxml.html.HtmlElement) -> bool:
    """A <time> that says when the article was updated, not when it was published."""
    for el in (time, *list(time.iterancestors())[:2]):
        names = f"{el.get('class') or ''} {el.get('itemprop') or ''}"
        if UPDATED_WORDS.search(names):
            return True
    parent = time.getparent()
    if parent is None:
        return False
    # what the line says before the time: "Updated", or "<span>Last updated</span>"
    before = [parent.text or "", *(text_of(el) + " " + (el.tail or "")
                                   for el in time.itersiblings(preceding=True))]
    return bool(UPDATED_WORDS.search(" ".join(before)))


def parse_date(value: str) -> datetime | None:
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


def parse_text_date(text: str, *, month_first: bool = False) -> datetime | None:
    """A date as a page writes it: '26 May 2025', '2 de junio de 2025 - 10:00 CEST', '03/06/2025'
    (day first; month first on a page in American English: month_first).

    A time is kept only with its zone; without one, the day at midnight UTC.
    """
    match = TEXT_DATE.search(text)
    if not match:
        return None
    groups = match.groupdict()
    try:
        if groups["day"]:
            day, month, year = int(groups["day"]), MONTH_NAMES[groups["month"].lower()], int(
                groups["year"])
        elif groups["day2"]:
            day, month, year = int(groups["day2"]), MONTH_NAMES[groups["month2"].lower()], int(
                groups["year2"])
        else:
            day, month, year = int(groups["d3"]), int(groups["m3"]), int(groups["y3"])
            if month_first:
                day, month = month, day
        when = datetime(year, month, day, tzinfo=UTC)
    except (KeyError, ValueError):
        return None
    zoned = TEXT_TIME_ZONE.search(text, match.end())
    if zoned:
        zone = timezone(timedelta(hours=ZONES[zoned.group(3).lower()]))
        local = datetime(year, month, day, int(zoned.group(1)), int(zoned.group(2)), tzinfo=zone)
        when = local.astimezone(UTC)
    return when
