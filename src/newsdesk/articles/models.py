"""Articles republished from sources, and the places they concern."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db import models
from django.db.models import Q
from django.urls import reverse

from newsdesk.sources.models import Source


class Status(models.TextChoices):
    REVIEW = "review", "Waiting for review"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Kind(models.TextChoices):
    ARTICLE = "article", "Article"
    PRESS_RELEASE = "press_release", "Press release"


class ImageSource(models.TextChoices):
    NONE = "none", "No image"
    PUBLISHER = "publisher", "The publisher's image, credited to the publisher"
    SITE = "site", "The site's own image, credited to the site"


class ArticleQuerySet(models.QuerySet["Article"]):
    def published(self) -> ArticleQuerySet:
        return self.filter(status=Status.PUBLISHED)


class Article(models.Model):
    # No index of its own: the unique (source, guid) constraint's index leads with the source.
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="articles", null=True, blank=True,
        db_index=False,
    )
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.ARTICLE)
    guid = models.CharField(max_length=1000)
    original_url = models.URLField(
        max_length=2000,
        blank=True,
        help_text="The page's canonical URL, tracking parameters removed.",
    )
    feed_link = models.URLField(
        max_length=2000, blank=True, help_text="The link as the feed gave it."
    )
    slug = models.SlugField(max_length=120, unique=True)

    title = models.CharField(max_length=500)
    author = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="When the publisher published it."
    )
    body_html = models.TextField(help_text="Sanitised HTML.")
    pull_quotes = models.JSONField(
        default=list,
        blank=True,
        help_text='[{"text": ..., "position": index of the block it precedes}]',
    )
    summary = models.TextField(blank=True)
    language = models.CharField(max_length=20, blank=True)
    reading_minutes = models.PositiveSmallIntegerField(default=1)
    is_excerpt = models.BooleanField(default=False)

    image_source = models.CharField(max_length=10, choices=ImageSource, default=ImageSource.NONE)
    image_url = models.URLField(max_length=2000, blank=True)
    image_alt = models.CharField(max_length=500, blank=True)
    image_caption = models.CharField(max_length=1000, blank=True)
    image_credit = models.CharField(max_length=500, blank=True)

    primary_country = models.CharField(max_length=2, blank=True)
    primary_region = models.CharField(max_length=40, blank=True)

    # Indexed by the (status, -site_published_at) index below, which leads with it.
    status = models.CharField(max_length=20, choices=Status, default=Status.REVIEW)
    fingerprint = models.CharField(
        max_length=64,
        db_index=True,
        help_text="Hash of the normalised text, to spot the same story twice.",
    )
    content_hash = models.CharField(
        max_length=64,
        help_text="Hash of what the feed and page gave, to update an edited item in place.",
    )
    # Null, not "": a column with a default would make SQLite rebuild the table (and lose the
    # search triggers); null is also "no text fingerprint", as a short text has none.
    text_fingerprint = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, db_index=True, editable=False,
        help_text="Hash of the normalised text alone, for a long text: the same text in another "
                  "source under another headline is the same story.",
    )
    # Null, not an empty list: a column with a default would make SQLite rebuild the table.
    edited_fields = models.JSONField(
        null=True, blank=True, editable=False,
        help_text="What an editor changed (field names, 'countries', 'regions'): the "
                  "publisher's later edits of the item leave these as the editor made them.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    site_published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-site_published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "guid"], name="article_unique_guid_per_source"
            ),
            models.UniqueConstraint(
                fields=["original_url"],
                condition=~Q(original_url=""),
                name="article_unique_original_url",
            ),
        ]
        indexes = [models.Index(fields=["status", "-site_published_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("site:article", kwargs={"slug": self.slug})

    def get_text_url(self) -> str:
        return reverse("site:article-text", kwargs={"slug": self.slug})

    @property
    def original_domain(self) -> str:
        if self.source and self.source.domain:
            return self.source.domain
        return urlsplit(self.original_url).hostname or ""


class PlaceKind(models.TextChoices):
    COUNTRY = "country", "Country"
    REGION = "region", "Region"


class ArticlePlace(models.Model):
    """One country or region an article is filed under."""

    # Indexed by the unique (article, kind, code) constraint, which leads with it.
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="places",
                                db_index=False)
    kind = models.CharField(max_length=10, choices=PlaceKind)
    code = models.CharField(max_length=40, help_text="ISO 3166-1 alpha-2 or a region slug.")
    rank = models.PositiveSmallIntegerField(default=0, help_text="0 is the primary one.")

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["article", "kind", "code"], name="article_place_once"),
        ]
        indexes = [models.Index(fields=["kind", "code"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.code}"
