"""A source is one publisher's feed that the site follows, with the rights it was given."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

POLL_MINUTES_MIN, POLL_MINUTES_MAX = 5, 7 * 24 * 60  # politeness, and at least once a week


class ImagePolicy(models.TextChoices):
    SOURCE = "source", "Reuse the publisher's lead image with its credit"
    SITE = "site", "Show the site's own image and credit the site"


class PublishPolicy(models.TextChoices):
    AUTO = "auto", "Publish without review"
    REVIEW = "review", "Wait for an editor"


class ContentPolicy(models.TextChoices):
    FULL = "full", "Full text from the article page"
    EXCERPT = "excerpt", "The feed's excerpt only"


class Source(models.Model):
    feed_url = models.URLField(max_length=2000, unique=True)
    name = models.CharField(max_length=200)
    home_url = models.URLField(max_length=2000, blank=True, help_text="The publisher's home page.")
    domain = models.CharField(max_length=253, blank=True, help_text="Shown in the credit line.")
    credit = models.CharField(
        max_length=200,
        default="RSS",
        help_text="How the source is named in “Source of original article: CREDIT (domain)”.",
    )
    image_policy = models.CharField(max_length=10, choices=ImagePolicy, default=ImagePolicy.SOURCE)
    publish = models.CharField(max_length=10, choices=PublishPolicy, default=PublishPolicy.REVIEW)
    content = models.CharField(max_length=10, choices=ContentPolicy, default=ContentPolicy.FULL)
    default_regions = models.JSONField(default=list, blank=True)
    default_countries = models.JSONField(default=list, blank=True)
    extraction_rule = models.JSONField(
        default=dict,
        blank=True,
        help_text="CSS selectors that override the generic extractor: "
        '{"body": "...", "remove": [...]}.',
    )
    include_keywords = models.TextField(
        blank=True,
        help_text="Keep only items whose title or text has one of these words or "
        "phrases (comma-separated; whole words, any case). Empty keeps everything.",
    )
    exclude_keywords = models.TextField(
        blank=True, help_text="Drop items whose title or text has any of these words or phrases."
    )
    poll_minutes = models.PositiveIntegerField(default=30)
    active = models.BooleanField(default=True)

    # Conditional GET state: advanced only after the items it announced are stored.
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)

    # Health.
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_check_at = models.DateTimeField(default=timezone.now, db_index=True)
    moved_from = models.URLField(max_length=2000, blank=True)

    # The lease that lets several runners share the queue without fetching a feed twice.
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["active", "next_check_at"])]

    def __str__(self) -> str:
        return self.name or self.feed_url

    @property
    def is_failing(self) -> bool:
        return self.consecutive_failures > 0
