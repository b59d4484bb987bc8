"""Advertising: slots the site sells, advertisers, their campaigns and creatives, the counts,
and booking requests sent from /ads."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse


def validate_web_url(value: str) -> None:
    """Only absolute http(s) addresses: no javascript:, data: or scheme-relative links."""
    parts = urlsplit(value)
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise ValidationError("Enter an address that starts with https:// or http://.")


class Slot(models.Model):
    """A place on the site's pages (or in the newsletter) where an ad can appear."""

    class RateUnit(models.TextChoices):
        WEEK = "week", "per week"
        CPM = "cpm", "per 1,000 impressions"

    code = models.SlugField(max_length=40, unique=True,
                            help_text='What templates name it: {% ad_slot "leaderboard" %}.')
    name = models.CharField(max_length=100)
    width = models.PositiveSmallIntegerField()
    height = models.PositiveSmallIntegerField()
    placement = models.CharField(max_length=300, help_text="Where readers see it, for /ads.")
    after_paragraph = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="In-article slots: shown after this paragraph.")
    rate = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True,
                               help_text="Leave empty to show 'on request' on /ads.")
    currency = models.CharField(max_length=3, default="EUR")
    rate_unit = models.CharField(max_length=4, choices=RateUnit, default=RateUnit.WEEK)
    is_active = models.BooleanField(default=True, help_text="Offered on /ads and served.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.width}×{self.height})"


class Advertiser(models.Model):
    name = models.CharField(max_length=200, unique=True)
    contact_email = models.EmailField(blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    advertiser = models.ForeignKey(Advertiser, on_delete=models.PROTECT, related_name="campaigns")
    name = models.CharField(max_length=200)
    slots = models.ManyToManyField(Slot, related_name="campaigns")
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="The last day it shows.")
    weight = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1)],
        help_text="Share of rotation against other campaigns in the same slot: weight 3 shows "
                  "3× as often as 1.")
    regions = models.JSONField(default=list, blank=True,
                               help_text="Region slugs; empty with no countries shows everywhere.")
    countries = models.JSONField(default=list, blank=True, help_text="ISO 3166-1 alpha-2 codes.")
    impression_cap = models.PositiveIntegerField(null=True, blank=True,
                                                 help_text="Stops showing after this many.")
    impressions = models.PositiveBigIntegerField(default=0, editable=False,
                                                 help_text="Counted so far, all slots and days.")
    is_active = models.BooleanField(default=True, help_text="Untick to pause.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")),
                                   name="campaign_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.advertiser}: {self.name}"


def creative_upload_to(instance: Creative, filename: str) -> str:
    return f"ads/creatives/{filename}"


class Creative(models.Model):
    """An image ad: re-encoded on upload; HTML creatives are not accepted."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="creatives")
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="creatives",
                             help_text="Only for this slot; empty: any of the campaign's slots.")
    image = models.ImageField(upload_to=creative_upload_to, width_field="width",
                              height_field="height")
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    alt_text = models.CharField(max_length=200,
                                help_text="What the image says, for screen readers.")
    target_url = models.URLField(max_length=2000, validators=[validate_web_url],
                                 help_text="Where a click goes. Only this address is ever used.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign", "id"]

    def __str__(self) -> str:
        return f"{self.campaign.name}: {self.alt_text}"

    def get_image_url(self) -> str:
        return reverse("ads:creative-image",
                       kwargs={"pk": self.pk, "name": self.image.name.rsplit("/", 1)[-1]})


class DailyStat(models.Model):
    """Counts for one campaign, creative and slot on one day; only ever raised atomically."""

    day = models.DateField()
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="daily_stats")
    creative = models.ForeignKey(Creative, on_delete=models.CASCADE, related_name="daily_stats")
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="daily_stats")
    impressions = models.PositiveBigIntegerField(default=0)
    clicks = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["day", "campaign", "creative", "slot"],
                                    name="ads_dailystat_one_row"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.campaign_id}/{self.creative_id}/{self.slot_id}"


class PageViewDay(models.Model):
    """Page views counted by the ad loader (bots and prefetches excluded), for /ads."""

    day = models.DateField(unique=True)
    page_views = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day}: {self.page_views}"


def booking_upload_to(instance: BookingRequest, filename: str) -> str:
    return f"ads/bookings/{filename}"


class BookingRequest(models.Model):
    """A request sent from /ads, waiting in the desk's queue."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for a decision"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    advertiser = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField()
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="booking_requests")
    starts_on = models.DateField()
    ends_on = models.DateField()
    regions = models.JSONField(default=list, blank=True, help_text="Empty: the whole site.")
    creative_image = models.ImageField(upload_to=booking_upload_to, blank=True)
    creative_link = models.URLField(max_length=2000, blank=True, validators=[validate_web_url])
    target_url = models.URLField(max_length=2000, blank=True, validators=[validate_web_url])
    message = models.TextField(blank=True, max_length=2000)
    state = models.CharField(max_length=10, choices=State, default=State.PENDING, db_index=True)
    decision_note = models.TextField(blank=True,
                                     help_text="Sent to the advertiser with the decision.")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.advertiser}: {self.slot.name}"
