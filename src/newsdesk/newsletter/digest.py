"""A digest's content, rendered once per edition with a placeholder for each recipient's token.

Rendering is the expensive part; personalising is a string replacement, so every subscriber
who shares regions, countries and period shares one rendering.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse

from newsdesk.articles.editions import photo_credit, source_credit
from newsdesk.articles.models import Article, ImageSource, PlaceKind
from newsdesk.ingest.places import country_name, region_names

FREQUENCY_WORDS = {"daily": ("daily", "today"), "weekly": ("weekly", "this week")}


@dataclass(frozen=True)
class DigestItem:
    title: str
    summary: str
    url: str
    image_url: str
    image_alt: str
    photo_credit: str
    source_credit: str


@dataclass(frozen=True)
class DigestSection:
    slug: str
    name: str
    items: tuple[DigestItem, ...]


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    html: str
    text: str
    placeholder: str  # stands for the recipient's token in html and text
    count: int

    def personalise(self, token: str) -> tuple[str, str]:
        mark = self.placeholder
        return self.html.replace(mark, token), self.text.replace(mark, token)


def _absolute(path: str) -> str:
    return path if "://" in path else settings.BASE_URL + path


def _item(article: Article) -> DigestItem:
    if article.image_source == ImageSource.SITE:
        image = _absolute(static(f"newsdesk/regions/{article.primary_region or 'world'}.png"))
    elif article.image_source == ImageSource.PUBLISHER:
        image = article.image_url
    else:
        image = ""
    return DigestItem(
        title=article.title, summary=article.summary,
        url=_absolute(article.get_absolute_url()),
        image_url=image, image_alt=article.image_alt,
        photo_credit=photo_credit(article), source_credit=source_credit(article),
    )


def digest_sections(articles: Iterable[Article], *, regions: Iterable[str]) -> list[DigestSection]:
    """Articles grouped by region, regions in the site's order; each article appears once.

    An article goes under the first of its regions the subscriber asked for, else its primary
    region; an article filed under no region goes under "World".
    """
    wanted = set(regions)
    names = region_names()
    grouped: dict[str, list[DigestItem]] = {}
    for article in articles:
        own = [p.code for p in article.places.all() if p.kind == PlaceKind.REGION]
        chosen = next((code for code in own if code in wanted), None)
        slug = chosen or article.primary_region or (own[0] if own else "")
        grouped.setdefault(slug if slug in names else "", []).append(_item(article))
    order = [*names, ""]
    return [DigestSection(slug=slug, name=names.get(slug, "World"), items=tuple(grouped[slug]))
            for slug in order if slug in grouped]


def places_label(regions: Iterable[str], countries: Iterable[str]) -> str:
    names = region_names()
    labels = [names.get(r, r) for r in regions] + [_country(c) for c in countries]
    return ", ".join(labels) if labels else "every region"


def _country(iso2: str) -> str:
    try:
        return country_name(iso2)
    except KeyError:
        return iso2


def digest_render(*, sections: list[DigestSection], frequency: str, edition_id: int,
                  regions: Iterable[str], countries: Iterable[str], since: datetime,
                  until: datetime) -> RenderedDigest:
    placeholder = "ndrcpt" + secrets.token_hex(8)
    count = sum(len(section.items) for section in sections)
    adjective, when = FREQUENCY_WORDS.get(frequency, ("", "lately"))
    noun = "article" if count == 1 else "articles"
    subject = " ".join(f"{settings.SITE_NAME} {adjective} digest: {count} new {noun} {when}"
                       .split())
    links = {
        "web": _absolute(reverse("newsletter:web", kwargs={"edition_id": edition_id,
                                                           "token": placeholder})),
        "preferences": _absolute(reverse("newsletter:preferences", kwargs={"token": placeholder})),
        "unsubscribe": _absolute(reverse("newsletter:unsubscribe", kwargs={"token": placeholder})),
        "signup": _absolute(reverse("newsletter:signup")),
    }
    context = {
        "subject": subject, "sections": sections, "count": count, "links": links,
        "places": places_label(regions, countries), "since": since, "until": until,
        "adjective": adjective,
        "site": {"name": settings.SITE_NAME, "domain": settings.SITE_DOMAIN,
                 "base_url": settings.BASE_URL},
    }
    html = render_to_string("newsletter/email/digest.html", context)
    text = render_to_string("newsletter/email/digest.txt", context)
    text = "\n".join(line.rstrip() for line in text.splitlines()).strip() + "\n"
    return RenderedDigest(subject=subject, html=html, text=text, placeholder=placeholder,
                          count=count)
