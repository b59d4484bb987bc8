"""Press releases sent in at /pr: what the organisation sent, and what the desk decided."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from newsdesk.articles.models import Article

UPLOAD_FOLDER = "pressroom"


class State(models.TextChoices):
    UNCONFIRMED = "unconfirmed", "Waiting for the sender to confirm their email"
    PENDING = "pending", "Waiting for an editor"
    SCHEDULED = "scheduled", "Approved, to be published at a set time"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"


class RejectReason(models.TextChoices):
    NOT_NEWS = "not_news", "It is advertising rather than news"
    OFF_TOPIC = "off_topic", "It is outside what this site covers"
    UNVERIFIABLE = "unverifiable", "We could not verify the organisation or its claims"
    QUALITY = "quality", "It needs substantial editing before it could be published"
    RIGHTS = "rights", "The images or text may not be the sender's to publish"
    DUPLICATE = "duplicate", "We have already published this release"
    OTHER = "other", "Another reason (see the editor's note)"


class Package(models.TextChoices):
    """What the sender bought. Paid packages (featured placement, newsletter slot) go here."""

    STANDARD = "standard", "Standard (free)"


class PressRelease(models.Model):
    # What the sender gave.
    organisation = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField()
    contact_phone = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    summary = models.TextField(max_length=500)
    body = models.TextField(help_text="Markdown, as the sender wrote it (HTML shows as text).")
    countries = models.JSONField(default=list, blank=True, help_text="ISO 3166-1 alpha-2 codes.")
    regions = models.JSONField(default=list, blank=True, help_text="Region slugs.")
    pdf = models.FileField(upload_to=UPLOAD_FOLDER, blank=True,
                           help_text="Stored under a name the server made.")
    package = models.CharField(max_length=20, choices=Package, default=Package.STANDARD)
    consented_at = models.DateTimeField()

    # What happened to it.
    state = models.CharField(max_length=12, choices=State, default=State.UNCONFIRMED,
                             db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    publish_at = models.DateTimeField(null=True, blank=True,
                                      help_text="When an approved release goes on the site.")
    include_in_digest = models.BooleanField(default=False,
                                            help_text="Offer it to the newsletter's digests.")
    reject_reason = models.CharField(max_length=20, choices=RejectReason, blank=True)
    reject_note = models.TextField(blank=True, help_text="Sent to the sender with the reason.")
    article = models.OneToOneField(Article, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="press_release")

    class Meta:
        ordering = ["created_at"]  # the queue is read oldest first

    def __str__(self) -> str:
        return f"{self.title} ({self.organisation})"


class ReleaseImage(models.Model):
    release = models.ForeignKey(PressRelease, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to=UPLOAD_FOLDER, help_text="Re-encoded, without metadata.")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    caption = models.CharField(max_length=300, blank=True)
    credit = models.CharField(max_length=200)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.caption or self.file.name
