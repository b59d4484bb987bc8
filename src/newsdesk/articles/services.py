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
from newsdesk.site.pagecache import pagecache_paths_showing, pagecache_refresh_on_commit

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
            # Two columns, not the row: most items are new, and the lock is the same.
            known = (Article.objects.select_for_update().filter(source=source, guid=identity.guid)
                     .order_by().values_list("id", "content_hash").first())
            if known is not None:
                known_id, known_hash = known
                if known_hash == identity.feed_hash:
                    return StoreOutcome("unchanged", known_id)
                existing = Article.objects.get(id=known_id)
                shown_on = (pagecache_paths_showing(article=existing)
                            if existing.status == Status.PUBLISHED else set())
                _fill(existing, source=source, processed=processed)
                existing.save()
                existing.places.all().delete()
                _file_places(existing, processed)
                if shown_on:
                    pagecache_refresh_on_commit(article=existing, previous=shown_on)
                return StoreOutcome("updated", existing.id)
            slug = _slug_base(processed.article.title[:500] or "Untitled")
            twin, slug_taken = _twin_and_slug(identity.fingerprint, identity.url, slug)
            if twin is not None:
                log.info("source %s item %s duplicates article %s", source.id, identity.guid, twin)
                return StoreOutcome("duplicates", twin)
            article = Article(source=source, guid=identity.guid)
            _fill(article, source=source, processed=processed)
            article.slug = _suffixed_slug(slug, identity.guid) if slug_taken else slug
            if source.publish == "auto":
                article.status = Status.PUBLISHED
                article.site_published_at = timezone.now()
            article.save(force_insert=True)
            _file_places(article, processed)
            if article.status == Status.PUBLISHED:
                pagecache_refresh_on_commit(article=article)
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
    rows = [ArticlePlace(article=article, kind=PlaceKind.COUNTRY, code=code, rank=rank)
            for rank, code in enumerate(e.countries)]
    rows += [ArticlePlace(article=article, kind=PlaceKind.REGION, code=code, rank=rank)
             for rank, code in enumerate(e.regions)]
    if rows:
        ArticlePlace.objects.bulk_create(rows)


def _twin_and_slug(fingerprint: str, url: str, slug: str) -> tuple[int | None, bool]:
    """The article this story duplicates, if any, and whether `slug` is taken: one query
    instead of two, as a new article asks both."""
    same_story = Q(fingerprint=fingerprint) | (Q(original_url=url) & ~Q(original_url=""))
    rows = list(Article.objects.filter(same_story | Q(slug=slug)).values_list(
        "id", "fingerprint", "original_url", "slug"))
    twin = next((id_ for id_, fp, original, _ in rows
                 if fp == fingerprint or (url and original == url)), None)
    return twin, any(taken == slug for *_, taken in rows)


def _unique_slug(title: str, guid: str) -> str:
    base = _slug_base(title)
    if not Article.objects.filter(slug=base).exists():
        return base
    return _suffixed_slug(base, guid)


def _slug_base(title: str) -> str:
    return slugify(title)[:SLUG_LENGTH].strip("-") or "article"


def _suffixed_slug(base: str, guid: str) -> str:
    suffix = hashlib.sha1(guid.encode("utf-8"), usedforsecurity=False).hexdigest()[:6]
    return f"{base[:SLUG_LENGTH - 7]}-{suffix}"


def article_publish(*, article: Article) -> Article:
    article.status = Status.PUBLISHED
    article.site_published_at = article.site_published_at or timezone.now()
    article.save(update_fields=["status", "site_published_at", "updated_at"])
    pagecache_refresh_on_commit(article=article)
    return article


# The desk's editorial acts; each leaves an entry in the audit trail.


def article_approve(*, article: Article, actor: object) -> Article:
    """Publish an article waiting for review (or rejected before)."""
    from newsdesk.desk.services import audit_record

    with transaction.atomic():
        article_publish(article=article)
        audit_record(actor=actor, action="approved", target=article)
    return article


def article_reject(*, article: Article, actor: object, reason: str) -> Article:
    """Keep an article off the site; the reason is kept in the audit trail."""
    return _article_take_off(article=article, actor=actor, status=Status.REJECTED,
                             action="rejected", reason=reason)


def article_withdraw(*, article: Article, actor: object, reason: str = "") -> Article:
    """Take a published article down: its URL then answers 410 Gone."""
    return _article_take_off(article=article, actor=actor, status=Status.WITHDRAWN,
                             action="withdrew", reason=reason)


def _article_take_off(*, article: Article, actor: object, status: Status, action: str,
                      reason: str) -> Article:
    from newsdesk.desk.services import audit_record

    with transaction.atomic():
        article.status = status
        article.save(update_fields=["status", "updated_at"])
        pagecache_refresh_on_commit(article=article)
        audit_record(actor=actor, action=action, target=article, detail=reason.strip())
    return article


EDITABLE_FIELDS = ("title", "summary", "body_html", "pull_quotes", "image_source", "image_url",
                   "image_alt", "image_caption", "image_credit", "primary_country",
                   "primary_region")


def article_update(*, article: Article, actor: object, countries: list[str] | None = None,
                   regions: list[str] | None = None, **changes: object) -> list[str]:
    """An editor's edit: the body is sanitised again, places refiled; the changed field names."""
    from newsdesk.desk.services import audit_record
    from newsdesk.ingest.clean import plain_text, sanitize_html

    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    if "body_html" in changes:
        changes["body_html"] = sanitize_html(str(changes["body_html"]))
    for name in ("title", "summary", "image_alt", "image_caption", "image_credit"):
        if name in changes:
            changes[name] = plain_text(str(changes[name]))
    changed = [name for name, value in changes.items() if getattr(article, name) != value]
    shown_on = pagecache_paths_showing(article=article)
    for name in changed:
        setattr(article, name, changes[name])
    with transaction.atomic():
        if changed:
            article.save(update_fields=[*changed, "updated_at"])
        for kind, codes in ((PlaceKind.COUNTRY, countries), (PlaceKind.REGION, regions)):
            if codes is None:
                continue
            current = list(article.places.filter(kind=kind).values_list("code", flat=True))
            if current == list(codes):
                continue
            article.places.filter(kind=kind).delete()
            ArticlePlace.objects.bulk_create(
                ArticlePlace(article=article, kind=kind, code=code, rank=rank)
                for rank, code in enumerate(codes))
            changed.append("countries" if kind == PlaceKind.COUNTRY else "regions")
        if changed:
            audit_record(actor=actor, action="edited", target=article,
                         detail="Changed " + ", ".join(changed) + ".")
            pagecache_refresh_on_commit(article=article, previous=shown_on)
    return changed
