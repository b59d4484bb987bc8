"""Writes about articles: the store step of the ingest pipeline, publishing."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from newsdesk.articles.models import Article, ArticlePlace, ImageSource, PlaceKind, Status

if TYPE_CHECKING:
    from newsdesk.ingest.pipeline import ProcessedItem
    from newsdesk.sources.models import Source

log = logging.getLogger("newsdesk.ingest")
SLUG_LENGTH = 100


@dataclass(frozen=True)
class StoreOutcome:
    counter: str  # "created", "updated", "unchanged" or "duplicates"
    article_id: int | None = None


def article_store(*, source: Source, processed: ProcessedItem) -> StoreOutcome:
    """Write one processed item in one transaction: create, update in place, or skip a duplicate."""
    identity = processed.identity
    try:
        with transaction.atomic():
            existing = (Article.objects.select_for_update()
                        .filter(source=source, guid=identity.guid).first())
            if existing is not None:
                if existing.content_hash == identity.feed_hash:
                    return StoreOutcome("unchanged", existing.id)
                _fill(existing, source=source, processed=processed)
                existing.save()
                _file_places(existing, processed)
                return StoreOutcome("updated", existing.id)
            twin = Article.objects.filter(
                Q(fingerprint=identity.fingerprint) | (Q(original_url=identity.url) & ~Q(original_url=""))
            ).only("id").first()
            if twin is not None:
                log.info("source %s item %s duplicates article %s", source.id, identity.guid, twin.id)
                return StoreOutcome("duplicates", twin.id)
            article = Article(source=source, guid=identity.guid)
            _fill(article, source=source, processed=processed)
            article.slug = _unique_slug(article.title, identity.guid)
            if source.publish == "auto":
                article.status = Status.PUBLISHED
                article.site_published_at = timezone.now()
            article.save()
            _file_places(article, processed)
            return StoreOutcome("created", article.id)
    except IntegrityError:
        # Another runner stored the same story between our check and our insert.
        return StoreOutcome("duplicates")


def _fill(article: Article, *, source: Source, processed: ProcessedItem) -> None:
    a, e = processed.article, processed.enrichment
    article.original_url = a.url
    article.feed_link = processed.item.link[:2000]
    article.title = a.title[:500] or "Untitled"
    article.author = a.author[:300]
    article.published_at = a.published
    article.body_html = a.body_html
    article.pull_quotes = [{"text": q.text, "position": q.position} for q in a.pull_quotes]
    article.summary = e.summary
    article.language = a.language
    article.reading_minutes = e.reading_minutes
    article.is_excerpt = a.is_excerpt
    article.primary_country = e.primary_country
    article.primary_region = e.regions[0] if e.regions else ""
    article.fingerprint = processed.identity.fingerprint
    article.content_hash = processed.identity.feed_hash
    article.image_alt = a.image_alt[:500]
    article.image_caption = a.image_caption[:1000]
    if source.image_policy == "site":
        article.image_source, article.image_url, article.image_credit = ImageSource.SITE, "", ""
    elif a.image_url:
        article.image_source = ImageSource.PUBLISHER
        article.image_url = a.image_url
        article.image_credit = (a.image_credit or source.name)[:500]
    else:
        article.image_source, article.image_url, article.image_credit = ImageSource.NONE, "", ""


def _file_places(article: Article, processed: ProcessedItem) -> None:
    e = processed.enrichment
    article.places.all().delete()
    rows = [ArticlePlace(article=article, kind=PlaceKind.COUNTRY, code=code, rank=rank)
            for rank, code in enumerate(e.countries)]
    rows += [ArticlePlace(article=article, kind=PlaceKind.REGION, code=code, rank=rank)
             for rank, code in enumerate(e.regions)]
    ArticlePlace.objects.bulk_create(rows)


def _unique_slug(title: str, guid: str) -> str:
    base = slugify(title)[:SLUG_LENGTH].strip("-") or "article"
    if not Article.objects.filter(slug=base).exists():
        return base
    suffix = hashlib.sha1(guid.encode("utf-8"), usedforsecurity=False).hexdigest()[:6]
    return f"{base[:SLUG_LENGTH - 7]}-{suffix}"


def article_publish(*, article: Article) -> Article:
    article.status = Status.PUBLISHED
    article.site_published_at = article.site_published_at or timezone.now()
    article.save(update_fields=["status", "site_published_at", "updated_at"])
    return article
