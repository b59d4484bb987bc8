"""Counting and the booking queue's decisions."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from tests.ads.conftest import campaign_create, slot

from newsdesk.ads.models import BookingRequest, DailyStat, PageViewDay
from newsdesk.ads.services import (
    booking_request_create,
    booking_request_decide,
    click_record,
    impression_record,
    page_view_record,
)

pytestmark = pytest.mark.django_db


def test_counts_are_kept_per_campaign_creative_slot_and_day() -> None:
    campaign = campaign_create(slots=("leaderboard", "sidebar"))
    creative = campaign.creatives.get()
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    for day, where in ((today, "leaderboard"), (today, "leaderboard"), (today, "sidebar"),
                       (yesterday, "leaderboard")):
        impression_record(campaign_id=campaign.pk, creative_id=creative.pk,
                          slot_id=slot(where).pk, day=day)
    click_record(campaign_id=campaign.pk, creative_id=creative.pk, slot_id=slot().pk, day=today)
    rows = {(r.day, r.slot.code): (r.impressions, r.clicks)
            for r in DailyStat.objects.select_related("slot")}
    assert rows == {(today, "leaderboard"): (2, 1), (today, "sidebar"): (1, 0),
                    (yesterday, "leaderboard"): (1, 0)}
    campaign.refresh_from_db()
    assert campaign.impressions == 4


def test_page_views_add_up_per_day() -> None:
    for _ in range(3):
        page_view_record()
    assert PageViewDay.objects.get().page_views == 3


def booking() -> BookingRequest:
    today = timezone.localdate()
    return booking_request_create(
        advertiser="Harbour Books", contact_name="Ada Quay", contact_email="ada@books.example",
        slot=slot(), starts_on=today + datetime.timedelta(days=3),
        ends_on=today + datetime.timedelta(days=10))


def test_a_decision_is_mailed_once_with_the_desks_note() -> None:
    request = booking()
    mail.outbox.clear()
    booking_request_decide(booking=request, accept=True, note="Invoice follows this week.")
    booking_request_decide(booking=request, accept=False)  # already decided: nothing changes
    request.refresh_from_db()
    assert request.state == BookingRequest.State.ACCEPTED and request.decided_at
    assert len(mail.outbox) == 1
    assert "accepted" in mail.outbox[0].subject
    assert "Invoice follows this week." in mail.outbox[0].body


def test_a_declined_request_says_so() -> None:
    request = booking()
    booking_request_decide(booking=request, accept=False, note="The dates are taken.")
    assert "declined" in mail.outbox[-1].subject
    body = mail.outbox[-1].body
    assert "cannot accept" in body and "The dates are taken." in body
