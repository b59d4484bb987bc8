"""The site's outgoing feeds (RSS 2.0 and Atom): everything, one region, one country.

Each item links to the article here and credits where it came from: the publisher's name in
the summary, linked to the original URL; an RSS `<source>` naming the publisher's feed, or an
Atom `<source>`; and a `rel="via"` link to the original article, in both formats.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.html import format_html
from django.utils.xmlutils import SimplerXMLGenerator

from newsdesk.articles.models import Article, Kind, PlaceKind
from newsdesk.articles.selectors import articles_in_place, articles_published
from newsdesk.ingest.clean import NOT_TEXT
from newsdesk.ingest.places import all_countries, region_names

ITEMS = 30


class CreditedRssFeed(Rss201rev2Feed):
    def add_item_elements(self, handler: SimplerXMLGenerator, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        if item.get("original_url"):
            handler.addQuickElement("atom:link", "", {"rel": "via", "href": item["original_url"]})
        if item.get("publisher"):
            handler.addQuickElement("source", item["publisher"],
                                    {"url": item.get("publisher_feed") or item["original_url"]})


class CreditedAtomFeed(Atom1Feed):
    def add_item_elements(self, handler: SimplerXMLGenerator, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        if item.get("original_url"):
            handler.addQuickElement("link", "", {"rel": "via", "href": item["original_url"]})
        if item.get("publisher"):
            handler.startElement("source", {})
            handler.addQuickElement("title", item["publisher"])
            if item.get("publisher_home"):
                handler.addQuickElement("link", "", {"rel": "alternate",
                                                     "href": item["publisher_home"]})
            if item.get("publisher_feed"):
                handler.addQuickElement("id", item["publisher_feed"])
                handler.addQuickElement("link", "", {"rel": "self",
                                                     "href": item["publisher_feed"]})
            handler.endElement("source")


def _absolute(path: str) -> str:
    return f"{settings.BASE_URL}{path}"


def _publisher(article: Article) -> str:
    if article.source is not None:
        return _text(article.source.name)
    if article.kind == Kind.PRESS_RELEASE and (
            release := getattr(article, "press_release", None)) is not None:
        return _text(release.organisation)
    return article.original_domain


def _text(value: str) -> str:
    """value without control characters: XML cannot hold them, and one would cost the whole
    feed (the forms and ingest take them out; this keeps an old row from doing harm)."""
    return NOT_TEXT.sub("", value)


class LatestArticlesRss(Feed):
    """Everything published, newest first."""

    feed_type: type[SyndicationFeed] = CreditedRssFeed
    language = settings.LANGUAGE_CODE
    feed_name = "feed-rss"

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        return None

    def scope(self, obj: Any) -> str:
        return ""

    def articles(self, obj: Any) -> QuerySet[Article]:
        return articles_published()

    def page_path(self, obj: Any) -> str:
        return reverse("site:home")

    def feed_path(self, obj: Any) -> str:
        return reverse(self.feed_name)

    def title(self, obj: Any) -> str:
        scope = self.scope(obj)
        return f"{settings.SITE_NAME}: {scope}" if scope else settings.SITE_NAME

    def description(self, obj: Any) -> str:
        scope = self.scope(obj)
        where = f" about {scope}" if scope else ""
        return (f"The latest news{where} republished by {settings.SITE_NAME}, each article "
                "with credit and a link to the original.")

    subtitle = description

    def link(self, obj: Any) -> str:
        return _absolute(self.page_path(obj))

    def feed_url(self, obj: Any) -> str:
        return _absolute(self.feed_path(obj))

    def author_name(self, obj: Any) -> str:
        return settings.SITE_NAME

    def items(self, obj: Any) -> list[Article]:
        return list(self.articles(obj).prefetch_related("places")[:ITEMS])

    def item_title(self, item: Article) -> str:
        return _text(item.title)

    def item_link(self, item: Article) -> str:
        return _absolute(item.get_absolute_url())

    def item_guid(self, item: Article) -> str:
        return _absolute(item.get_absolute_url())

    def item_description(self, item: Article) -> str:
        publisher = _publisher(item)
        credit = (format_html('Originally published by <a href="{}">{}</a>{}.', item.original_url,
                              publisher, f" ({item.original_domain})"
                              if item.original_domain and item.original_domain != publisher
                              else "")
                  if item.original_url else format_html("Published by {}.", publisher))
        summary = format_html("<p>{}</p>", _text(item.summary)) if item.summary else ""
        return format_html("{}<p>{}</p>", summary, credit)

    def item_author_name(self, item: Article) -> str:
        return _text(item.author) or _publisher(item) or settings.SITE_NAME

    def item_pubdate(self, item: Article) -> datetime | None:
        return item.site_published_at or item.published_at or item.created_at

    def item_updateddate(self, item: Article) -> datetime:
        return item.updated_at

    def item_categories(self, item: Article) -> list[str]:
        regions, countries = region_names(), all_countries()
        places = list(item.places.all())  # prefetched
        return ([regions.get(p.code, p.code) for p in places if p.kind == PlaceKind.REGION]
                + [countries.get(p.code, p.code) for p in places if p.kind == PlaceKind.COUNTRY])

    def item_extra_kwargs(self, item: Article) -> dict[str, Any]:
        source = item.source
        return {
            "original_url": item.original_url,
            "publisher": _publisher(item),
            "publisher_feed": source.feed_url if source else "",
            "publisher_home": source.home_url if source else "",
        }


class LatestArticlesAtom(LatestArticlesRss):
    feed_type = CreditedAtomFeed
    feed_name = "feed-atom"


class RegionRss(LatestArticlesRss):
    feed_name = "feed-region-rss"

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        slug = kwargs["slug"]
        if slug not in region_names():
            raise Http404("No such region")
        return slug

    def scope(self, obj: Any) -> str:
        return region_names()[obj]

    def articles(self, obj: Any) -> QuerySet[Article]:
        return articles_in_place(PlaceKind.REGION, obj)

    def page_path(self, obj: Any) -> str:
        return reverse("site:region", kwargs={"slug": obj})

    def feed_path(self, obj: Any) -> str:
        return reverse(self.feed_name, kwargs={"slug": obj})


class RegionAtom(RegionRss):
    feed_type = CreditedAtomFeed
    feed_name = "feed-region-atom"


class CountryRss(LatestArticlesRss):
    feed_name = "feed-country-rss"

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        iso2 = kwargs["iso2"].upper()
        if iso2 not in all_countries():
            raise Http404("No such country")
        return iso2

    def scope(self, obj: Any) -> str:
        return all_countries()[obj]

    def articles(self, obj: Any) -> QuerySet[Article]:
        return articles_in_place(PlaceKind.COUNTRY, obj)

    def page_path(self, obj: Any) -> str:
        return reverse("site:country", kwargs={"iso2": obj})

    def feed_path(self, obj: Any) -> str:
        return reverse(self.feed_name, kwargs={"iso2": obj})


class CountryAtom(CountryRss):
    feed_type = CreditedAtomFeed
    feed_name = "feed-country-atom"
