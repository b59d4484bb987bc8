"""insert_many and insert_rows write what bulk_create would: the same values read back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from newsdesk.articles.models import Article, ArticlePlace, ImageSource, PlaceKind, Status
from newsdesk.bulk import insert_many, insert_rows
from newsdesk.sources.models import Source

pytestmark = pytest.mark.django_db

FIELDS = ("guid", "slug", "title", "status", "published_at", "pull_quotes", "is_excerpt",
          "reading_minutes", "image_source", "source_id", "site_published_at")


def an_article(source: Source, n: int) -> Article:
    return Article(
        source=source, guid=f"g-{n}", slug=f"story-{n}", title=f"Story {n} — “quoted”",
        body_html="<p>Text</p>", status=Status.PUBLISHED, is_excerpt=n % 2 == 0,
        published_at=datetime(2025, 6, 1, 12, n, tzinfo=UTC), reading_minutes=n + 1,
        pull_quotes=[{"text": f"Quote {n}", "position": n}], image_source=ImageSource.SITE,
        site_published_at=datetime(2025, 6, 2, 8, 0, 30, 123456, tzinfo=UTC),
    )


def test_inserted_articles_read_back_as_bulk_create_writes_them() -> None:
    source = Source.objects.create(feed_url="https://gazette.example/feed", name="Gazette")
    fast = insert_many([an_article(source, n) for n in range(3)])
    slow = Article.objects.bulk_create([an_article(source, n + 10) for n in range(3)])

    assert all(article.pk for article in fast) and len({a.pk for a in fast}) == len(fast)
    for mine, reference in zip(fast, slow, strict=True):
        stored = Article.objects.get(pk=mine.pk)
        expected = Article.objects.get(pk=reference.pk)
        got = {name: getattr(stored, name) for name in FIELDS}
        want = {name: getattr(expected, name) for name in FIELDS}
        offset = {"guid", "slug", "title", "published_at", "pull_quotes", "is_excerpt",
                  "reading_minutes"}  # these differ by design: n and n + 10
        assert {k: v for k, v in got.items() if k not in offset} == {
            k: v for k, v in want.items() if k not in offset}
        assert got["published_at"] == mine.published_at
        assert got["pull_quotes"] == mine.pull_quotes
        assert stored.created_at is not None and stored.updated_at is not None
    key = "rowid" if connection.vendor == "sqlite" else "article_id"
    with connection.cursor() as cursor:  # the search index's trigger saw the rows
        cursor.execute(f"SELECT count(*) FROM articles_search WHERE {key} IN "  # noqa: S608
                       f"({', '.join(['%s'] * len(fast))})", [a.pk for a in fast])
        assert cursor.fetchone() == (len(fast),)


def test_place_rows_need_no_instance_each() -> None:
    source = Source.objects.create(feed_url="https://gazette.example/feed", name="Gazette")
    [article] = insert_many([an_article(source, 1)])
    insert_rows(ArticlePlace, ("article", "kind", "code", "rank"),
                [(article.pk, PlaceKind.COUNTRY, "KP", 0), (article.pk, PlaceKind.REGION,
                                                            "east-asia", 0)])

    assert list(article.places.order_by("kind").values_list("kind", "code", "rank")) == [
        ("country", "KP", 0), ("region", "east-asia", 0)]
