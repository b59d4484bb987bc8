"""Writes about articles: the store step of the ingest pipeline, publishing."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from newsdesk.articles.models import Article, ArticlePlace, ImageSource, PlaceKind, Status
from newsdesk.bulk import insert_many, insert_rows
from newsdesk.site.pagecache import (
    pagecache_paths_showing,
    pagecache_refresh_many_on_commit,
    pagecache_refresh_on_commit,
)

if TYPE_CHECKING:
    from newsdesk.ingest.pipeline import ProcessedItem
    from newsdesk.ingest.types import Identity
    from newsdesk.sources.models import Source

log = logging.getLogger("newsdesk.ingest")
SLUG_LENGTH = 100
URL_MAX_CHARS = Article._meta.get_field("original_url").max_length  # image_url: the same


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
                edited = set(existing.edited_fields or ())
                kept = {name: getattr(existing, name) for name in edited & set(EDITABLE_FIELDS)}
                _fill(existing, source=source, processed=processed)
                for name, value in kept.items():  # the editor's word stands
                    setattr(existing, name, value)
                existing.save()
                kinds = [kind for kind, name in _PLACE_EDITS if name not in edited]
                existing.places.filter(kind__in=kinds).delete()
                ArticlePlace.objects.bulk_create(
                    place for place in _places(existing, processed) if place.kind in kinds)
                if shown_on:
                    pagecache_refresh_on_commit(article=existing, previous=shown_on)
                return StoreOutcome("updated", existing.id)
            slug = _slug_base(processed.article.title[:500] or "Untitled")
            twin, slug_taken = _twin_and_slug(identity, slug, source=source)
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


def articles_store(*, source: Source, processed: Sequence[ProcessedItem],
                   known: Collection[str] | None = None) -> list[StoreOutcome]:
    """Write one poll's items, in the caller's transaction: the new stories in one multi-row
    insert, the rest (edits, repeats, twins within the poll) one by one after it, in order.

    Each item stays all or nothing: when the insert meets a story that another runner stored
    meanwhile, it is rolled back whole and every item goes through article_store alone. The
    outcomes come in the order of `processed`.

    known: the guids among these that the source has, when the caller has asked already; one
    stored since then fails the insert and so takes the one-by-one way, as above.
    """
    if not processed:
        return []
    if known is None:
        known = set(Article.objects.filter(
            source=source, guid__in={p.identity.guid for p in processed},
        ).values_list("guid", flat=True))
    slugs = [_slug_base(p.article.title[:500] or "Untitled") for p in processed]
    twins = _twins([p.identity for p in processed], slugs, source=source)
    outcomes: list[StoreOutcome | None] = [None] * len(processed)
    new: list[tuple[int, Article]] = []
    later: list[int] = []  # stored one by one after the insert
    batch_guids: set[str] = set()
    batch_story: set[str] = set()  # fingerprints and URLs of the stories being inserted
    taken = twins.slugs
    for index, (item, slug) in enumerate(zip(processed, slugs, strict=True)):
        identity = item.identity
        story = {identity.fingerprint, identity.url} - {""}
        if identity.guid in known or identity.guid in batch_guids or story & batch_story:
            later.append(index)
            continue
        twin = twins.of(identity)
        if twin is not None:
            log.info("source %s item %s duplicates article %s", source.id, identity.guid, twin)
            outcomes[index] = StoreOutcome("duplicates", twin)
            continue
        article = _new_article(source, item, _suffixed_slug(slug, identity.guid)
                               if slug in taken else slug)
        taken.add(article.slug)
        batch_guids.add(identity.guid)
        batch_story |= story
        new.append((index, article))
    try:
        with transaction.atomic():
            insert_many([article for _, article in new])
            insert_rows(ArticlePlace, ("article", "kind", "code", "rank"), [
                (article.pk, kind, code, rank) for index, article in new
                for kind, codes in _place_codes(processed[index])
                for rank, code in enumerate(codes)])
    except IntegrityError:
        log.info("source %s: a story was stored meanwhile; storing one by one", source.id)
        return [article_store(source=source, processed=item) for item in processed]
    for index, article in new:
        outcomes[index] = StoreOutcome("created", article.id)
    pagecache_refresh_many_on_commit(
        articles=[article for _, article in new if article.status == Status.PUBLISHED])
    for index in later:
        outcomes[index] = article_store(source=source, processed=processed[index])
    return [outcome for outcome in outcomes if outcome is not None]


@dataclass(frozen=True)
class _Twins:
    # fingerprint, original URL or _TEXT_KEY + text fingerprint -> the article telling the story
    story: dict[str, int]
    slugs: set[str]  # the slugs among those asked for that are taken

    def of(self, identity: Identity) -> int | None:
        """The article already telling this item's story, if any."""
        return (self.story.get(identity.fingerprint) or self.story.get(identity.url)
                or self.story.get(_TEXT_KEY + identity.text_fingerprint))


_TEXT_KEY = "text:"  # text fingerprints count only for another source's articles


def _twins(identities: Sequence[Identity], slugs: list[str], *, source: Source) -> _Twins:
    """What the database already holds of a poll's stories and slugs: one query."""
    fingerprints = {identity.fingerprint for identity in identities}
    urls = {identity.url for identity in identities} - {""}
    texts = {identity.text_fingerprint for identity in identities} - {""}
    # `<> ''` repeats the condition of the index on original_url, so that SQLite may use it.
    same_url = Q(original_url__in=urls) & ~Q(original_url="")
    same_text = Q(text_fingerprint__in=texts) & ~Q(source=source) if texts else Q(pk__in=[])
    rows = Article.objects.filter(
        Q(fingerprint__in=fingerprints) | same_url | same_text | Q(slug__in=set(slugs))
    ).order_by("id").values_list("id", "fingerprint", "original_url", "slug", "text_fingerprint",
                                 "source_id")
    story: dict[str, int] = {}
    taken: set[str] = set()
    for id_, fingerprint, url, slug, text, source_id in rows:
        if fingerprint in fingerprints:
            story.setdefault(fingerprint, id_)
        if url in urls:
            story.setdefault(url, id_)
        if text in texts and source_id != source.id:
            story.setdefault(_TEXT_KEY + text, id_)
        taken.add(slug)
    return _Twins(story=story, slugs=taken)


def _new_article(source: Source, processed: ProcessedItem, slug: str) -> Article:
    article = Article(source=source, guid=processed.identity.guid, slug=slug)
    _fill(article, source=source, processed=processed)
    if source.publish == "auto":
        article.status = Status.PUBLISHED
        article.site_published_at = timezone.now()
    return article


def _fill(article: Article, *, source: Source, processed: ProcessedItem) -> None:
    """The article's fields from the processed item. A URL longer than its column is left out
    (a cut URL leads nowhere); text is cut to fit, as PostgreSQL refuses what is longer."""
    a, e = processed.article, processed.enrichment
    article.original_url = a.url if len(a.url) <= URL_MAX_CHARS else ""
    article.feed_link = processed.item.link[:2000]
    article.title = a.title[:500] or "Untitled"
    article.author = a.author[:300]
    article.published_at = a.published
    article.body_html = a.body_html
    article.pull_quotes = [{"text": q.text, "position": q.position} for q in a.pull_quotes]
    article.summary = e.summary
    article.language = a.language[:20]
    article.reading_minutes = e.reading_minutes
    article.is_excerpt = a.is_excerpt
    article.primary_country = e.primary_country
    article.primary_region = e.regions[0] if e.regions else ""
    article.fingerprint = processed.identity.fingerprint
    article.text_fingerprint = processed.identity.text_fingerprint or None
    article.content_hash = processed.identity.feed_hash
    article.image_alt = a.image_alt[:500]
    article.image_caption = a.image_caption[:1000]
    if source.image_policy == "site":
        article.image_source, article.image_url, article.image_credit = ImageSource.SITE, "", ""
    elif a.image_url and len(a.image_url) <= URL_MAX_CHARS:
        article.image_source = ImageSource.PUBLISHER
        article.image_url = a.image_url
        article.image_credit = (a.image_credit or source.name)[:500]
    else:
        article.image_source, article.image_url, article.image_credit = ImageSource.NONE, "", ""


def _file_places(article: Article, processed: ProcessedItem) -> None:
    rows = _places(article, processed)
    if rows:
        ArticlePlace.objects.bulk_create(rows)


def _places(article: Article, processed: ProcessedItem) -> list[ArticlePlace]:
    return [ArticlePlace(article=article, kind=kind, code=code, rank=rank)
            for kind, codes in _place_codes(processed) for rank, code in enumerate(codes)]


def _place_codes(processed: ProcessedItem) -> tuple[tuple[PlaceKind, tuple[str, ...]], ...]:
    e = processed.enrichment
    return (PlaceKind.COUNTRY, e.countries), (PlaceKind.REGION, e.regions)


def _twin_and_slug(identity: Identity, slug: str, *,
                   source: Source) -> tuple[int | None, bool]:
    """The article this story duplicates, if any, and whether `slug` is taken: one query
    instead of two, as a new article asks both."""
    twins = _twins([identity], [slug], source=source)
    return twins.of(identity), slug in twins.slugs


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


_PLACE_EDITS = ((PlaceKind.COUNTRY, "countries"), (PlaceKind.REGION, "regions"))


def article_update(*, article: Article, actor: object, countries: list[str] | None = None,
                   regions: list[str] | None = None, **changes: object) -> list[str]:
    """An editor's edit: the body is sanitised again, places refiled; the changed field names.

    What the editor changed is remembered (Article.edited_fields): when the publisher edits
    the item later, the store takes the rest of the edit and leaves those as they are."""
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
            article.edited_fields = sorted({*(article.edited_fields or ()), *changed})
            fields = [name for name in changed if name in EDITABLE_FIELDS]
            article.save(update_fields=[*fields, "edited_fields", "updated_at"])
            audit_record(actor=actor, action="edited", target=article,
                         detail="Changed " + ", ".join(changed) + ".")
            pagecache_refresh_on_commit(article=article, previous=shown_on)
    return changed
