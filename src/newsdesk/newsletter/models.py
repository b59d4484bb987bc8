"""Newsletter subscribers, their consent, the digests sent to them and the bounces that return."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


class SubscriberStatus(models.TextChoices):
    PENDING = "pending", "Waiting for confirmation"
    ACTIVE = "active", "Subscribed"
    UNSUBSCRIBED = "unsubscribed", "Left"
    SUPPRESSED = "suppressed", "Suppressed (bounces or complaint)"


class Subscriber(models.Model):
    email = models.EmailField(unique=True)
    regions = models.JSONField(default=list, blank=True, help_text="Region slugs.")
    countries = models.JSONField(default=list, blank=True,
                                 help_text="ISO codes; with no regions either, every article.")
    frequency = models.CharField(max_length=10, choices=Frequency, default=Frequency.WEEKLY)
    status = models.CharField(max_length=15, choices=SubscriberStatus,
                              default=SubscriberStatus.PENDING, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    signed_up_at = models.DateTimeField(default=timezone.now,
                                        help_text="The latest sign-up; unconfirmed ones expire.")
    confirmation_sent_at = models.DateTimeField(null=True, blank=True,
                                                help_text="The last confirmation or reminder mail.")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    last_digest_at = models.DateTimeField(
        null=True, blank=True, help_text="End of the period the last planned digest covered.")
    soft_bounces = models.PositiveSmallIntegerField(default=0)
    suppressed_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "frequency", "last_digest_at"])]

    def __str__(self) -> str:
        return self.email


class ConsentAction(models.TextChoices):
    GIVEN = "given", "Signed up (not yet confirmed)"
    CONFIRMED = "confirmed", "Confirmed by email"
    CHANGED = "changed", "Changed preferences"
    WITHDRAWN = "withdrawn", "Left"


class Consent(models.Model):
    """One consent event: when, from which form, with which words, from which address."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="consents")
    action = models.CharField(max_length=10, choices=ConsentAction)
    at = models.DateTimeField(auto_now_add=True)
    form = models.CharField(max_length=60, help_text="Which form or channel.")
    text = models.TextField(blank=True, help_text="The consent text shown, verbatim.")
    ip = models.GenericIPAddressField(null=True, blank=True,
                                      help_text="Empty when the site does not log addresses.")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"


class DigestStatus(models.TextChoices):
    SENDING = "sending", "Sending"
    DONE = "done", "Done"


class Digest(models.Model):
    """One send: every due subscriber of a frequency at one moment."""

    frequency = models.CharField(max_length=10, choices=Frequency)
    until = models.DateTimeField(help_text="Articles published up to this moment.")
    status = models.CharField(max_length=10, choices=DigestStatus, default=DigestStatus.SENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=200, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_frequency_display()} digest of {self.until:%Y-%m-%d %H:%M}"


class Edition(models.Model):
    """What a group of subscribers with the same regions, countries and period receive."""

    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="editions")
    regions = models.JSONField(default=list)
    countries = models.JSONField(default=list)
    since = models.DateTimeField()
    until = models.DateTimeField()
    article_ids = models.JSONField(default=list)

    def __str__(self) -> str:
        places = ", ".join([*self.regions, *self.countries]) or "everywhere"
        return f"{places}: {len(self.article_ids)} articles"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    DEFERRED = "deferred", "Deferred (temporary failure)"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (left before sending)"


class Delivery(models.Model):
    """One recipient of one digest, and how far their message got."""

    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="deliveries")
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=DeliveryStatus, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    smtp_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [models.UniqueConstraint(fields=["digest", "subscriber"],
                                               name="delivery_once_per_digest")]
        indexes = [models.Index(fields=["digest", "status", "id"])]

    def __str__(self) -> str:
        return f"{self.subscriber_id} in digest {self.digest_id}: {self.status}"


class BounceKind(models.TextChoices):
    HARD = "hard", "Hard bounce"
    SOFT = "soft", "Soft bounce"
    COMPLAINT = "complaint", "Complaint"


class Bounce(models.Model):
    """A delivery status notification, complaint or 5xx answer about one address."""

    email = models.EmailField(db_index=True)
    subscriber = models.ForeignKey(Subscriber, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="bounces")
    kind = models.CharField(max_length=10, choices=BounceKind)
    status = models.CharField(max_length=20, blank=True, help_text="e.g. 5.1.1 or an SMTP code.")
    diagnostic = models.CharField(max_length=1000, blank=True)
    counted = models.BooleanField(
        default=True, help_text="Not counted: a mailed report that quoted no digest the site "
        "sent to this address. Anyone can mail such a report, so it suppresses nobody.")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.email}"
