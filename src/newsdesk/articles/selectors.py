"""Reads about articles."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from newsdesk.articles.models import Article, PlaceKind


def article_find(ref: str) -> Article | None:
    """An article by id, slug, original URL or the link the feed gave."""
    ref = ref.strip()
    query = Q(original_url=ref) | Q(feed_link=ref) | Q(slug=ref)
    if ref.isdigit():
        query |= Q(id=int(ref))
    return Article.objects.select_related("source").filter(query).first()


def articles_published() -> QuerySet[Article]:
    return Article.objects.published().select_related("source")


def articles_in_place(kind: PlaceKind, code: str) -> QuerySet[Article]:
    return articles_published().filter(places__kind=kind, places__code=code)
