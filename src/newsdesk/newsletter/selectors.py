"""Reads for the newsletter: who is due a digest, which articles it holds, who a token names."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet

from newsdesk.articles.models import Article, PlaceKind
from newsdesk.articles.selectors import articles_published
from newsdesk.newsletter.models import (
    Delivery,
    DeliveryStatus,
    Digest,
    Frequency,
    Subscriber,
    SubscriberStatus,
)
from newsdesk.newsletter.tokens import TokenCheck

PERIODS = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(days=7)}
# A subscriber is due a little before a full period has passed, so a job that runs at the same
# hour every day (or week) never skips one because it started a few minutes early. Less than
# the hour between the schedule's runs: with two hours, an hourly run sent "daily" digests every
# 22 hours, two hours earlier each day.
DUE_SLACK = timedelta(minutes=15)
MAX_ARTICLES = 30


def subscriber_from_token(check: TokenCheck) -> Subscriber | None:
    """The subscriber a valid token names, if the address it was made for is still theirs."""
    if check.subscriber_id is None:
        return None
    subscriber = Subscriber.objects.filter(id=check.subscriber_id).first()
    if subscriber is None or not check.matches(subscriber.email):
        return None
    return subscriber


def subscribers_due(*, frequency: str, now: datetime) -> QuerySet[Subscriber]:
    cutoff = now - PERIODS[Frequency(frequency)] + DUE_SLACK
    return Subscriber.objects.filter(
        Q(last_digest_at__isnull=True) | Q(last_digest_at__lte=cutoff),
        status=SubscriberStatus.ACTIVE, frequency=frequency,
    )


def edition_article_ids(*, regions: Iterable[str], countries: Iterable[str], since: datetime,
                        until: datetime, limit: int = MAX_ARTICLES) -> list[int]:
    """Newest first: articles published on the site in (since, until] in these places.

    No regions and no countries means every article.
    """
    regions, countries = list(regions), list(countries)
    articles = articles_published().filter(site_published_at__gt=since,
                                           site_published_at__lte=until)
    if regions or countries:
        articles = articles.filter(
            Q(places__kind=PlaceKind.REGION, places__code__in=regions)
            | Q(places__kind=PlaceKind.COUNTRY, places__code__in=countries))
    ids = articles.order_by("-site_published_at", "-id").values_list("id", flat=True).distinct()
    return list(ids[:limit])


def edition_articles(article_ids: list[int]) -> list[Article]:
    """The articles, in the order given, with what a digest shows of them; gone ones left out."""
    found = {a.id: a for a in articles_published().filter(id__in=article_ids)
             .prefetch_related("places")}
    return [found[i] for i in article_ids if i in found]


def digests_with_counts() -> QuerySet[Digest]:
    return Digest.objects.annotate(
        recipients=Count("deliveries"),
        sent=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.SENT)),
        failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
        waiting=Count("deliveries", filter=Q(
            deliveries__status__in=[DeliveryStatus.PENDING, DeliveryStatus.DEFERRED])),
    )


def deliveries_due(*, digest: Digest, now: datetime, after_id: int = 0,
                   limit: int = 2000) -> list[tuple[int, int, int, str, str, int]]:
    """(delivery, edition, subscriber, email, subscriber status, attempts), by id after after_id."""
    rows = (Delivery.objects
            .filter(Q(status=DeliveryStatus.PENDING)
                    | Q(status=DeliveryStatus.DEFERRED, next_attempt_at__lte=now),
                    digest=digest, id__gt=after_id)
            .order_by("id")
            .values_list("id", "edition_id", "subscriber_id", "subscriber__email",
                         "subscriber__status", "attempts")[:limit])
    return list(rows)


def next_retry_at(*, digest: Digest) -> datetime | None:
    return (Delivery.objects.filter(digest=digest, status=DeliveryStatus.DEFERRED)
            .order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first())
