"""What machines read: the outgoing feeds, sitemap.xml and robots.txt."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_safe

from newsdesk.site import feeds, sitemaps

# Pages that are per visitor, or for the desk: no use to a search engine.
ROBOTS_DISALLOW = ("/desk/", "/search", "/ads/", "/pr/")


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", *(f"Disallow: {prefix}" for prefix in ROBOTS_DISALLOW), "",
             f"Sitemap: {settings.BASE_URL}/sitemap.xml", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("feeds/rss/", feeds.LatestArticlesRss(), name="feed-rss"),
    path("feeds/atom/", feeds.LatestArticlesAtom(), name="feed-atom"),
    path("feeds/region/<slug:slug>/rss/", feeds.RegionRss(), name="feed-region-rss"),
    path("feeds/region/<slug:slug>/atom/", feeds.RegionAtom(), name="feed-region-atom"),
    path("feeds/country/<str:iso2>/rss/", feeds.CountryRss(), name="feed-country-rss"),
    path("feeds/country/<str:iso2>/atom/", feeds.CountryAtom(), name="feed-country-atom"),
    path("sitemap.xml", sitemaps.index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.section, name="sitemap-section"),
    path("robots.txt", robots_txt, name="robots"),
]
