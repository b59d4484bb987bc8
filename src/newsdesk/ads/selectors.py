"""Reads: which ad a slot shows, the audience in numbers, and the desk's reports."""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from newsdesk.ads.models import Campaign, Creative, DailyStat, PageViewDay, Slot
from newsdesk.articles.models import Article
from newsdesk.ingest.places import all_countries, country_regions, region_names
from newsdesk.newsletter.models import Subscriber, SubscriberStatus


@dataclass(frozen=True)
class Placement:
    """The ad one slot shows to one request."""

    slot: Slot
    campaign: Campaign
    creative: Creative


@dataclass(frozen=True)
class PageContext:
    """Where the slot is: the page's region and country, checked against the gazetteer."""

    region: str = ""
    country: str = ""

    @classmethod
    def from_params(cls, *, region: str, country: str) -> PageContext:
        region = region.strip().lower()
        country = country.strip().upper()
        return cls(region=region if region in region_names() else "",
                   country=country if country in all_countries() else "")

    @property
    def regions(self) -> set[str]:
        found = {self.region} if self.region else set()
        if self.country:
            found.update(country_regions(self.country))
        return found


def slots_offered() -> QuerySet[Slot]:
    return Slot.objects.filter(is_active=True)


def slot_active(code: str) -> Slot | None:
    return slots_offered().filter(code=code).first()


def campaign_targets(campaign: Campaign, page: PageContext) -> bool:
    """Untargeted campaigns run everywhere; targeted ones only on pages of their places."""
    if not campaign.regions and not campaign.countries:
        return True
    return bool(set(campaign.regions) & page.regions) or (
        bool(page.country) and page.country in campaign.countries)


def campaigns_eligible(*, slot: Slot, page: PageContext,
                       day: datetime.date | None = None) -> list[Campaign]:
    """Running, uncapped campaigns booked for the slot, targeting the page, with a creative."""
    day = day or timezone.localdate()
    creatives = Creative.objects.filter(is_active=True).filter(Q(slot__isnull=True) | Q(slot=slot))
    candidates = (
        Campaign.objects.filter(is_active=True, slots=slot, starts_on__lte=day, ends_on__gte=day)
        .filter(Q(impression_cap__isnull=True) | Q(impressions__lt=F("impression_cap")))
        .prefetch_related(Prefetch("creatives", queryset=creatives, to_attr="slot_creatives"))
    )
    return [c for c in candidates if c.slot_creatives and campaign_targets(c, page)]


def campaign_pick(campaigns: Sequence[Campaign], rng: random.Random) -> Campaign:
    """One campaign, each with probability weight / total weight."""
    return rng.choices(campaigns, weights=[c.weight for c in campaigns], k=1)[0]


def placement_choose(*, slot: Slot, page: PageContext, rng: random.Random | None = None,
                     day: datetime.date | None = None) -> Placement | None:
    campaigns = campaigns_eligible(slot=slot, page=page, day=day)
    if not campaigns:
        return None
    rng = rng or random.Random()  # noqa: S311 (rotation, not secrecy)
    campaign = campaign_pick(campaigns, rng)
    return Placement(slot=slot, campaign=campaign, creative=rng.choice(campaign.slot_creatives))


@dataclass(frozen=True)
class Audience:
    published_articles: int
    subscribers: int
    monthly_page_views: int


def audience() -> Audience:
    """The site's own counts: nothing estimated, nothing rounded up."""
    since = timezone.localdate() - datetime.timedelta(days=30)
    views = PageViewDay.objects.filter(day__gt=since).aggregate(total=Sum("page_views"))["total"]
    return Audience(
        published_articles=Article.objects.published().count(),
        subscribers=Subscriber.objects.filter(status=SubscriberStatus.ACTIVE).count(),
        monthly_page_views=int(views or 0),
    )


@dataclass(frozen=True)
class ReportRow:
    day: datetime.date
    advertiser: str
    campaign: str
    impressions: int
    clicks: int

    @property
    def ctr(self) -> Decimal:
        """Clicks per impression, in percent, two decimals."""
        if not self.impressions:
            return Decimal("0.00")
        return (Decimal(self.clicks) * 100 / Decimal(self.impressions)).quantize(Decimal("0.01"))


def report_rows(*, advertiser_id: int | None = None, campaign_id: int | None = None,
                start: datetime.date | None = None,
                end: datetime.date | None = None) -> list[ReportRow]:
    """Impressions and clicks per day, advertiser and campaign, newest day first."""
    stats = DailyStat.objects.all()
    if advertiser_id:
        stats = stats.filter(campaign__advertiser_id=advertiser_id)
    if campaign_id:
        stats = stats.filter(campaign_id=campaign_id)
    if start:
        stats = stats.filter(day__gte=start)
    if end:
        stats = stats.filter(day__lte=end)
    grouped = (stats.values("day", "campaign__advertiser__name", "campaign__name", "campaign_id")
               .annotate(impressions_sum=Sum("impressions"), clicks_sum=Sum("clicks"))
               .order_by("-day", "campaign__advertiser__name", "campaign__name", "campaign_id"))
    return [ReportRow(day=row["day"], advertiser=row["campaign__advertiser__name"],
                      campaign=row["campaign__name"], impressions=row["impressions_sum"] or 0,
                      clicks=row["clicks_sum"] or 0) for row in grouped]
