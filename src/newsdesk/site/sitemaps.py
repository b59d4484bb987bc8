"""sitemap.xml: an index of three sitemaps (the site's list pages, every published article, and a
Google News sitemap of the last two days), all with addresses under BASE_URL."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.db.models import Max, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from newsdesk.articles.models import Article, ArticlePlace, PlaceKind
from newsdesk.ingest.places import region_names
from newsdesk.site.pagecache import country_path, region_path, source_path

NEWS_DAYS = 2
NEWS_LIMIT = 1000  # Google reads at most 1,000 news entries per sitemap


class _BaseUrlSitemap(Sitemap):
    """Addresses under BASE_URL, whatever host the request came in on."""

    def get_urls(self, page: int | str = 1, site: Any = None,
                 protocol: str | None = None) -> list[dict[str, Any]]:
        base = urlsplit(settings.BASE_URL)
        return super().get_urls(page=page, site=SimpleNamespace(domain=base.netloc),
                                protocol=base.scheme)


class PagesSitemap(_BaseUrlSitemap):
    """Home, every region, and the countries and sources that have published articles."""

    changefreq = "hourly"

    def items(self) -> list[str]:
        published = Article.objects.published()
        countries = ArticlePlace.objects.filter(article__in=published, kind=PlaceKind.COUNTRY
                                                ).values_list("code", flat=True).distinct()
        sources = published.exclude(source=None).values_list("source_id", flat=True).distinct()
        paths = [reverse("site:home")]
        paths += [p for p in (region_path(slug) for slug in region_names()) if p]
        paths += [p for p in (country_path(code) for code in sorted(set(countries))) if p]
        paths += [p for p in (source_path(pk) for pk in sorted(set(sources))) if p]
        return paths

    def location(self, item: str) -> str:
        return item


class ArticlesSitemap(_BaseUrlSitemap):
    changefreq = "weekly"
    limit = 10_000

    def items(self) -> QuerySet[Article]:
        return Article.objects.published().order_by("-site_published_at", "-id").only(
            "slug", "updated_at")

    def lastmod(self, item: Article) -> datetime:
        return item.updated_at

    def get_latest_lastmod(self) -> datetime | None:
        return self.items().aggregate(latest=Max("updated_at"))["latest"]


class NewsSitemap(_BaseUrlSitemap):
    """Articles published on the site in the last two days, with Google News' own tags."""

    limit = NEWS_LIMIT

    def items(self) -> QuerySet[Article]:
        since = timezone.now() - timedelta(days=NEWS_DAYS)
        return Article.objects.published().filter(site_published_at__gte=since).order_by(
            "-site_published_at", "-id").only("slug", "title", "language", "site_published_at",
                                              "updated_at")

    def lastmod(self, item: Article) -> datetime:
        return item.updated_at

    def get_latest_lastmod(self) -> datetime | None:
        return self.items().aggregate(latest=Max("updated_at"))["latest"]

    def get_urls(self, page: int | str = 1, site: Any = None,
                 protocol: str | None = None) -> list[dict[str, Any]]:
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        for url in urls:
            url["language"] = news_language(url["item"].language)
        return urls


def news_language(tag: str) -> str:
    """<news:language> for an article's language tag: its ISO 639 code ("fil" stays "fil"),
    but Chinese as zh-cn or zh-tw, as Google News asks; the site's language for none."""
    parts = tag.strip().lower().replace("_", "-").split("-")
    if not re.fullmatch(r"[a-z]{2,3}", parts[0]):
        parts = settings.LANGUAGE_CODE.lower().split("-")
    if parts[0] == "zh":
        return "zh-tw" if {"tw", "hk", "mo", "hant"} & set(parts[1:]) else "zh-cn"
    return parts[0]


SITEMAPS: dict[str, type[Sitemap]] = {
    "pages": PagesSitemap, "articles": ArticlesSitemap, "news": NewsSitemap,
}
_TEMPLATES = {"news": "sitemaps/news.xml"}


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The sitemap index; its own addresses are under BASE_URL, like the sitemaps'."""
    items = []
    for section, sitemap_class in SITEMAPS.items():
        sitemap = sitemap_class()
        location = settings.BASE_URL + reverse("sitemap-section", kwargs={"section": section})
        lastmod = sitemap.get_latest_lastmod()
        items.append(SitemapIndexItem(location, lastmod))
        items += [SitemapIndexItem(f"{location}?p={page}", lastmod)
                  for page in range(2, sitemap.paginator.num_pages + 1)]
    response = TemplateResponse(request, "sitemap_index.xml", {"sitemaps": items},
                                content_type="application/xml")
    response["X-Robots-Tag"] = "noindex, noodp, noarchive"
    return response


@require_safe
def section(request: HttpRequest, section: str) -> HttpResponse:
    template = _TEMPLATES.get(section, "sitemap.xml")
    response: HttpResponse = sitemap_view(request, sitemaps=SITEMAPS, section=section,
                                          template_name=template)
    if isinstance(response, TemplateResponse):
        response.context_data = {**(response.context_data or {}),
                                 "publication": settings.SITE_NAME}
    return response
