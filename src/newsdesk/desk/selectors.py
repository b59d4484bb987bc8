"""Reads for the desk's pages: the audit trail of an object and the feed health table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from newsdesk.articles.models import Article, Status
from newsdesk.desk.models import AuditEntry
from newsdesk.sources.models import ContentPolicy, Source

QUIET_DAYS = 14
RATE_DAYS = 28  # items per week and the full-text rate are measured over four weeks
HEALTH_FILTERS = {
    "": "All sources",
    "failing": "Failing",
    "quiet": f"Quiet for {QUIET_DAYS} days",
    "moved": "Moved",
    "paused": "Paused",
}


def audit_for(target: models.Model, *, limit: int = 50) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=True),
        target_id=target.pk,
    ).select_related("actor")[:limit]


def desk_summary() -> dict[str, int]:
    return {
        "waiting": Article.objects.filter(status=Status.REVIEW).count(),
        "failing": Source.objects.filter(consecutive_failures__gt=0).count(),
        "paused": Source.objects.filter(active=False).count(),
    }


@dataclass(frozen=True)
class HealthRow:
    source: Source
    last_item_at: datetime | None
    items_per_week: float
    full_text_rate: float | None  # None for excerpt sources, or when nothing came in

    @property
    def quiet(self) -> bool:
        newest = self.last_item_at or self.source.created_at
        return self.source.active and newest < timezone.now() - timedelta(days=QUIET_DAYS)


def sources_with_activity(now: datetime | None = None) -> QuerySet[Source]:
    since = (now or timezone.now()) - timedelta(days=RATE_DAYS)
    recent = Q(articles__created_at__gte=since)
    return Source.objects.annotate(
        last_item_at=Max("articles__created_at"),
        recent_items=Count("articles", filter=recent),
        recent_full=Count("articles", filter=recent & Q(articles__is_excerpt=False)),
    )


def source_health(*, show: str = "", now: datetime | None = None) -> list[HealthRow]:
    """One row per source, failing ones first; `show` is one of HEALTH_FILTERS."""
    now = now or timezone.now()
    sources = sources_with_activity(now)
    if show == "failing":
        sources = sources.filter(consecutive_failures__gt=0)
    elif show == "moved":
        sources = sources.exclude(moved_from="")
    elif show == "paused":
        sources = sources.filter(active=False)
    rows = []
    for source in sources.order_by("-consecutive_failures", "name"):
        full_rate = None
        if source.content == ContentPolicy.FULL and source.recent_items:
            full_rate = source.recent_full / source.recent_items
        rows.append(HealthRow(source=source, last_item_at=source.last_item_at,
                              items_per_week=source.recent_items * 7 / RATE_DAYS,
                              full_text_rate=full_rate))
    if show == "quiet":
        rows = [row for row in rows if row.quiet]
    return rows
