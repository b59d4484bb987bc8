"""Writes: counting impressions, clicks and page views, and the booking queue."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from newsdesk.ads.models import BookingRequest, Campaign, DailyStat, PageViewDay, Slot

log = logging.getLogger(__name__)


def _raise_counts(model: type[models.Model], key: dict[str, Any], **increments: int) -> None:
    """UPDATE ... SET n = n + k, creating the row first time; never read-modify-write.

    Two first requests racing to create the same row: the loser's INSERT fails on the unique
    constraint (inside a savepoint) and it falls back to the same atomic UPDATE.
    """
    changes = {field: F(field) + amount for field, amount in increments.items()}
    rows = model._default_manager.filter(**key)
    if rows.update(**changes):
        return
    try:
        with transaction.atomic():
            model._default_manager.create(**key, **increments)
    except IntegrityError:
        rows.update(**changes)


def impression_record(*, campaign_id: int, creative_id: int, slot_id: int,
                      day: datetime.date | None = None) -> None:
    day = day or timezone.localdate()
    with transaction.atomic():
        _raise_counts(DailyStat, {"day": day, "campaign_id": campaign_id,
                                  "creative_id": creative_id, "slot_id": slot_id}, impressions=1)
        Campaign.objects.filter(pk=campaign_id).update(impressions=F("impressions") + 1)


def click_record(*, campaign_id: int, creative_id: int, slot_id: int,
                 day: datetime.date | None = None) -> None:
    day = day or timezone.localdate()
    _raise_counts(DailyStat, {"day": day, "campaign_id": campaign_id,
                              "creative_id": creative_id, "slot_id": slot_id}, clicks=1)


def page_view_record(*, day: datetime.date | None = None) -> None:
    _raise_counts(PageViewDay, {"day": day or timezone.localdate()}, page_views=1)


def _mail(*, booking: BookingRequest, template: str, subject: str) -> None:
    body = render_to_string(template, {"booking": booking, "site_name": settings.SITE_NAME,
                                       "base_url": settings.BASE_URL})
    try:
        send_mail(subject, body, None, [booking.contact_email])
    except OSError:
        # The request is safe in the queue; the desk can write by hand.
        log.exception("could not mail booking request %s", booking.pk)


def booking_request_create(*, advertiser: str, contact_name: str, contact_email: str, slot: Slot,
                           starts_on: datetime.date, ends_on: datetime.date,
                           regions: list[str] | None = None,
                           creative_image: ContentFile | None = None, creative_link: str = "",
                           target_url: str = "", message: str = "") -> BookingRequest:
    """Queue a request for the desk and confirm receipt to the advertiser."""
    booking = BookingRequest(advertiser=advertiser, contact_name=contact_name,
                             contact_email=contact_email, slot=slot, starts_on=starts_on,
                             ends_on=ends_on, regions=list(regions or []),
                             creative_link=creative_link, target_url=target_url, message=message)
    if creative_image is not None:
        booking.creative_image.save(creative_image.name or "creative", creative_image, save=False)
    booking.save()
    _mail(booking=booking, template="ads/email/booking_received.txt",
          subject=f"We have your advertising request for {booking.slot.name}")
    return booking


def booking_request_decide(*, booking: BookingRequest, accept: bool,
                           note: str = "") -> BookingRequest:
    """Accept or decline a pending request and tell the advertiser; a decided one stays as is."""
    if booking.state != BookingRequest.State.PENDING:
        return booking
    booking.state = BookingRequest.State.ACCEPTED if accept else BookingRequest.State.DECLINED
    booking.decision_note = note
    booking.decided_at = timezone.now()
    booking.save(update_fields=["state", "decision_note", "decided_at"])
    verdict = "accepted" if accept else "declined"
    _mail(booking=booking, template="ads/email/booking_decided.txt",
          subject=f"Your advertising request has been {verdict}")
    return booking
