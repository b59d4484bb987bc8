"""No N+1: each list page costs the same few queries whether it shows 2 articles or 20."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries
from tests.site.factories import published_article, publisher

from newsdesk.sources.models import ImagePolicy, Source

pytestmark = pytest.mark.django_db

COUNTRIES = [["GR"], ["KE"], ["BR"], ["JP"], ["AU"], ["FR", "DE"]]
PARAGRAPHS = ["The harbour reopened after a week of storms and the ferries sailed again.",
              "Fishermen said the lighthouse would be repaired by the summer."]


def fill(count: int) -> list[Source]:
    sources = [publisher(), publisher(name="Aegean Post", domain="aegeanpost.example",
                                      image_policy=ImagePolicy.SITE)]
    for n in range(count):
        published_article(sources[n % 2], title=f"Harbour story {n}", paragraphs=PARAGRAPHS,
                          countries=COUNTRIES[n % len(COUNTRIES)],
                          image_url=f"https://harbourgazette.example/img/{n}.jpg")
    return sources


# Queries per page: the list (and its count where it pages), plus one per extra block.
PAGES: list[tuple[str, Callable[[list[Source]], str], int]] = [
    ("home", lambda s: "/", 2),  # latest, top stories of every region
    ("latest", lambda s: "/latest/", 2),  # count, page
    ("region", lambda s: "/region/europe/", 3),  # country counts, count, page
    ("country", lambda s: "/country/gr/", 2),
    ("source", lambda s: f"/source/{s[0].id}/", 3),  # the source, count, page
    ("search", lambda s: "/search?q=harbour", 4),  # sources filter, count, page, snippets
    ("search filtered", lambda s: f"/search?q=lighthouse&region=europe&source={s[0].id}", 4),
    ("article", lambda s: "/news/harbour-story-0/", 3),  # withdrawn check, article, related
]


@pytest.mark.parametrize(("name", "url", "queries"), PAGES, ids=[p[0] for p in PAGES])
@pytest.mark.parametrize("articles", [3, 30])
def test_page_query_count_does_not_grow_with_its_articles(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries,
    name: str, url: Callable[[list[Source]], str], queries: int, articles: int,
) -> None:
    address = url(fill(articles))

    with django_assert_num_queries(queries):
        response = client.get(address)

    assert response.status_code == 200
    assert b"story 0" in response.content or b"story 1" in response.content
