"""sitemap.xml, its sections, the Google News sitemap and robots.txt."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from defusedxml import ElementTree
from django.test import Client
from django.utils import timezone
from tests.site.factories import published_article, publisher

from newsdesk.articles.models import Article, Status
from newsdesk.site.sitemaps import news_language

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
      "news": "http://www.google.com/schemas/sitemap-news/0.9"}


@pytest.fixture
def site(settings: Any) -> dict[str, Article]:
    settings.BASE_URL = "https://news.example.org"
    settings.NEWSDESK_SITE_NAME = settings.SITE_NAME = "Harbour Diaspora News"
    gazette = publisher()
    fresh = published_article(gazette, title="Ferry strike ends in Lisbon", countries=["PT"],
                              paragraphs=["The ferry crews return to work on Monday."])
    old = published_article(gazette, title="Orchard harvest in Kenya", countries=["KE"],
                            paragraphs=["The orchard harvest was the largest in a decade."])
    Article.objects.filter(pk=old.pk).update(site_published_at=timezone.now() - timedelta(days=3))
    withdrawn = published_article(gazette, title="A story taken down", countries=["PT"],
                                  paragraphs=["This story was withdrawn by the editors."])
    Article.objects.filter(pk=withdrawn.pk).update(status=Status.WITHDRAWN)
    return {"fresh": fresh, "old": old, "withdrawn": withdrawn}


def _xml(client: Client, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return ElementTree.fromstring(response.content)


def _locs(root: Any) -> list[str]:
    return [loc.text for loc in root.iterfind(".//sm:loc", NS)]


def test_the_index_lists_every_section_under_the_public_address(client: Client,
                                                                site: dict[str, Article]) -> None:
    root = _xml(client, "/sitemap.xml")
    assert root.tag == f"{{{NS['sm']}}}sitemapindex"
    assert _locs(root) == ["https://news.example.org/sitemap-pages.xml",
                           "https://news.example.org/sitemap-articles.xml",
                           "https://news.example.org/sitemap-news.xml"]
    for loc in _locs(root):
        assert client.get(loc.removeprefix("https://news.example.org")).status_code == 200


def test_articles_sitemap_lists_published_articles_only(client: Client,
                                                        site: dict[str, Article]) -> None:
    locs = _locs(_xml(client, "/sitemap-articles.xml"))
    assert sorted(locs) == sorted(f"https://news.example.org{site[k].get_absolute_url()}"
                                  for k in ("fresh", "old"))


def test_pages_sitemap_has_home_regions_and_places_with_news(client: Client,
                                                             site: dict[str, Article]) -> None:
    locs = _locs(_xml(client, "/sitemap-pages.xml"))
    assert "https://news.example.org/" in locs
    assert "https://news.example.org/region/europe/" in locs
    assert "https://news.example.org/country/PT/" in locs
    assert "https://news.example.org/country/KE/" in locs
    assert "https://news.example.org/country/JP/" not in locs  # nothing published there


def test_news_sitemap_holds_the_last_two_days_with_news_tags(client: Client,
                                                             site: dict[str, Article]) -> None:
    root = _xml(client, "/sitemap-news.xml")
    urls = root.findall("sm:url", NS)
    assert [u.findtext("sm:loc", namespaces=NS) for u in urls] == [
        f"https://news.example.org{site['fresh'].get_absolute_url()}"]
    news = urls[0].find("news:news", NS)
    assert news.findtext("news:publication/news:name", namespaces=NS) == "Harbour Diaspora News"
    assert news.findtext("news:publication/news:language", namespaces=NS) == "en"
    assert news.findtext("news:title", namespaces=NS) == "Ferry strike ends in Lisbon"
    published = news.findtext("news:publication_date", namespaces=NS)
    assert published.startswith(str(timezone.now().year))


@pytest.mark.parametrize(("tag", "code"), [
    ("fr", "fr"), ("pt-BR", "pt"), ("fil", "fil"), ("zh-TW", "zh-tw"), ("zh-Hant-HK", "zh-tw"),
    ("zh", "zh-cn"), ("zh_CN", "zh-cn"), ("", "en"), ("??", "en")])
def test_news_sitemap_names_each_language_as_google_news_reads_it(tag: str, code: str) -> None:
    assert news_language(tag) == code


def test_unknown_section_is_not_found(client: Client) -> None:
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_robots_txt_points_at_the_sitemap_and_keeps_crawlers_out_of_the_desk(
        client: Client, settings: Any) -> None:
    settings.BASE_URL = "https://news.example.org"
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /desk/" in lines
    assert "Disallow: /search" in lines
    assert "Disallow: /" not in lines  # the site itself stays open to crawlers
    assert "Sitemap: https://news.example.org/sitemap.xml" in lines
