"""Reads about articles."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import Coalesce, RowNumber

from newsdesk.articles.models import Article, ArticlePlace, PlaceKind, Status
from newsdesk.sources.models import Source


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


def articles_from_source(source_id: int) -> QuerySet[Article]:
    return articles_published().filter(source_id=source_id)


def articles_filtered(*, region: str = "", country: str = "", source_id: int | None = None,
                      date_from: date | None = None, date_to: date | None = None,
                      ) -> QuerySet[Article]:
    """Published articles narrowed by place, source and the day they were published."""
    articles = articles_published()
    if region:
        articles = articles.filter(places__kind=PlaceKind.REGION, places__code=region)
    if country:
        articles = articles.filter(places__kind=PlaceKind.COUNTRY, places__code=country)
    if source_id is not None:
        articles = articles.filter(source_id=source_id)
    if date_from or date_to:
        articles = articles.annotate(day=Coalesce("published_at", "site_published_at"))
        if date_from:
            articles = articles.filter(day__date__gte=date_from)
        if date_to:
            articles = articles.filter(day__date__lte=date_to)
    return articles


def articles_related(article: Article, *, limit: int = 4) -> list[Article]:
    """Published articles about the same countries (its regions when it names no country),
    most recent first."""
    kind = PlaceKind.COUNTRY if article.primary_country else PlaceKind.REGION
    codes = ArticlePlace.objects.filter(article=article, kind=kind).values("code")
    return list(
        articles_published().exclude(id=article.id)
        .filter(Exists(ArticlePlace.objects.filter(article=OuterRef("pk"), kind=kind,
                                                   code__in=codes)))[:limit]
    )


def articles_top_by_region(*, per_region: int = 4, exclude: Iterable[int] = ()
                           ) -> dict[str, list[Article]]:
    """Region slug -> the most recent published articles it is the first region of, in one
    query: a story about Ghana and the Netherlands is shown under Africa, not again under Europe."""
    placements = (
        ArticlePlace.objects.filter(kind=PlaceKind.REGION, article__status=Status.PUBLISHED,
                                    code=F("article__primary_region"))
        .exclude(article_id__in=list(exclude))
        .annotate(position=Window(RowNumber(), partition_by=F("code"),
                                  order_by=[F("article__site_published_at").desc(),
                                            F("article_id").desc()]))
        .filter(position__lte=per_region)
        .select_related("article__source")
        .order_by("code", "position")
    )
    top: dict[str, list[Article]] = {}
    for placement in placements:
        top.setdefault(placement.code, []).append(placement.article)
    return top


def place_counts(kind: PlaceKind, codes: Iterable[str]) -> dict[str, int]:
    """Code -> how many published articles are filed under it, for codes that have any."""
    rows = (ArticlePlace.objects.filter(kind=kind, code__in=list(codes),
                                        article__status=Status.PUBLISHED)
            .values("code").annotate(n=Count("id")).order_by())
    return {row["code"]: row["n"] for row in rows}


def sources_published() -> list[Source]:
    """Sources with at least one published article, by name."""
    return list(Source.objects.filter(
        Exists(Article.objects.published().filter(source=OuterRef("pk")))).order_by("name"))
