"""Writes about subscribers: sign-up with double opt-in, confirmation, preferences, leaving,
consent records, and what bounces and complaints do to an address.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from newsdesk.newsletter.dsn import Report, reports_from_message
from newsdesk.newsletter.models import (
    Bounce,
    BounceKind,
    Consent,
    ConsentAction,
    Subscriber,
    SubscriberStatus,
)
from newsdesk.newsletter.selectors import subscriber_from_token
from newsdesk.newsletter.tokens import (
    confirm_token,
    digest_message_vouches,
    manage_token,
    manage_token_check,
)

log = logging.getLogger("newsdesk.newsletter")

CONFIRMATION_EVERY = timedelta(days=1)  # at most one confirmation (or reminder) mail a day
PENDING_LIFETIME = timedelta(days=7)
SOFT_BOUNCE_LIMIT = 3
SIGNUP_FORM = "newsletter sign-up (/newsletter/)"
PREFERENCES_FORM = "newsletter preferences page"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _consent(subscriber: Subscriber, action: str, *, form: str, text: str, ip: str | None) -> None:
    Consent.objects.create(subscriber=subscriber, action=action, form=form, text=text,
                           ip=ip if settings.NEWSDESK_LOG_IP else None)


def _link(name: str, token: str) -> str:
    return settings.BASE_URL + reverse(name, kwargs={"token": token})


def _claim_confirmation_slot(subscriber: Subscriber, now: datetime) -> bool:
    """True once a day per address; the conditional update lets two racing sign-ups mail once."""
    claimed = Subscriber.objects.filter(
        Q(confirmation_sent_at__isnull=True)
        | Q(confirmation_sent_at__lte=now - CONFIRMATION_EVERY),
        id=subscriber.id,
    ).update(confirmation_sent_at=now)
    return claimed == 1


def _mail(subscriber: Subscriber, template: str, subject: str, links: dict[str, str]) -> None:
    context = {"links": links, "subscriber": subscriber,
               "site": {"name": settings.SITE_NAME, "domain": settings.SITE_DOMAIN,
                        "base_url": settings.BASE_URL}}
    message = EmailMultiAlternatives(
        subject=subject, to=[subscriber.email],
        body=render_to_string(f"newsletter/email/{template}.txt", context),
    )
    message.attach_alternative(render_to_string(f"newsletter/email/{template}.html", context),
                               "text/html")
    message.send()


def _send_confirmation(subscriber: Subscriber) -> None:
    token = confirm_token(subscriber_id=subscriber.id, email=subscriber.email)
    _mail(subscriber, "confirm", f"Please confirm your subscription to {settings.SITE_NAME}",
          {"confirm": _link("newsletter:confirm", token)})


def _send_reminder(subscriber: Subscriber) -> None:
    token = manage_token(subscriber_id=subscriber.id, email=subscriber.email)
    _mail(subscriber, "already", f"You already receive the {settings.SITE_NAME} newsletter",
          {"preferences": _link("newsletter:preferences", token),
           "unsubscribe": _link("newsletter:unsubscribe", token)})


def subscriber_signup(*, email: str, regions: list[str], countries: list[str], frequency: str,
                      consent_text: str, ip: str | None, form: str = SIGNUP_FORM,
                      now: datetime | None = None) -> None:
    """Record a sign-up and mail a confirmation link, at most once a day per address.

    Returns nothing on purpose: the caller shows the same answer whether the address was new,
    waiting, subscribed or suppressed. A subscribed address gets a link to its preferences
    instead (its choices are not changed by someone who merely knows the address).
    """
    now = now or timezone.now()
    email = normalise_email(email)
    with transaction.atomic():
        subscriber, created = Subscriber.objects.select_for_update().get_or_create(
            email=email, defaults={"regions": regions, "countries": countries,
                                   "frequency": frequency, "signed_up_at": now})
        if subscriber.status == SubscriberStatus.SUPPRESSED:
            log.info("sign-up for suppressed address %s: nothing sent", subscriber.id)
            return
        if subscriber.status == SubscriberStatus.ACTIVE:
            remind = _claim_confirmation_slot(subscriber, now)
        else:
            if not created:
                subscriber.regions, subscriber.countries = regions, countries
                subscriber.frequency = frequency
                subscriber.status = SubscriberStatus.PENDING
                subscriber.signed_up_at = now
                subscriber.save(update_fields=["regions", "countries", "frequency", "status",
                                               "signed_up_at"])
            _consent(subscriber, ConsentAction.GIVEN, form=form, text=consent_text, ip=ip)
            remind = _claim_confirmation_slot(subscriber, now)
    if not remind:
        return
    send = _send_reminder if subscriber.status == SubscriberStatus.ACTIVE else _send_confirmation
    try:
        send(subscriber)
    except Exception:  # the mail server's trouble must not show, nor lose the sign-up
        log.exception("could not mail subscriber %s", subscriber.id)
        Subscriber.objects.filter(id=subscriber.id).update(confirmation_sent_at=None)


def subscriber_confirm(*, subscriber: Subscriber, ip: str | None, now: datetime | None = None
                       ) -> Subscriber:
    """The second opt-in: only a POST from the page the emailed link opens gets here."""
    if subscriber.status == SubscriberStatus.PENDING:
        subscriber.status = SubscriberStatus.ACTIVE
        subscriber.confirmed_at = now or timezone.now()
        subscriber.left_at = None
        subscriber.save(update_fields=["status", "confirmed_at", "left_at"])
        _consent(subscriber, ConsentAction.CONFIRMED, form="confirmation link in email",
                 text="", ip=ip)
    return subscriber


def subscriber_update(*, subscriber: Subscriber, regions: list[str], countries: list[str],
                      frequency: str, consent_text: str, ip: str | None) -> Subscriber:
    subscriber.regions, subscriber.countries, subscriber.frequency = regions, countries, frequency
    subscriber.save(update_fields=["regions", "countries", "frequency"])
    _consent(subscriber, ConsentAction.CHANGED, form=PREFERENCES_FORM, text=consent_text, ip=ip)
    return subscriber


def subscriber_unsubscribe(*, subscriber: Subscriber, form: str, ip: str | None,
                           now: datetime | None = None) -> Subscriber:
    """Leave: no more mail to this subscriber. Idempotent; a suppressed address stays suppressed."""
    if subscriber.status in {SubscriberStatus.ACTIVE, SubscriberStatus.PENDING}:
        subscriber.status = SubscriberStatus.UNSUBSCRIBED
        subscriber.left_at = now or timezone.now()
        subscriber.save(update_fields=["status", "left_at"])
        _consent(subscriber, ConsentAction.WITHDRAWN, form=form, text="", ip=ip)
    return subscriber


def subscribers_expire_pending(*, now: datetime | None = None) -> int:
    """Forget sign-ups nobody confirmed within seven days, with their consent records.

    An address that had confirmed once and then signed up again goes back to "left" instead,
    so its consent history stays.
    """
    expired = Subscriber.objects.filter(status=SubscriberStatus.PENDING,
                                        signed_up_at__lt=(now or timezone.now()) - PENDING_LIFETIME)
    with transaction.atomic():
        count = expired.filter(confirmed_at__isnull=False).update(
            status=SubscriberStatus.UNSUBSCRIBED)
        _, deleted = expired.filter(confirmed_at__isnull=True).delete()
    return count + deleted.get("newsletter.Subscriber", 0)


def subscriber_lift_suppression(*, subscriber: Subscriber) -> Subscriber:
    if subscriber.status == SubscriberStatus.SUPPRESSED:
        confirmed = subscriber.confirmed_at is not None
        subscriber.status = SubscriberStatus.ACTIVE if confirmed else SubscriberStatus.PENDING
        subscriber.soft_bounces = 0
        subscriber.suppressed_reason = ""
        subscriber.save(update_fields=["status", "soft_bounces", "suppressed_reason"])
    return subscriber


def bounce_record(*, email: str, kind: str, status: str = "", diagnostic: str = "",
                  counted: bool = True) -> Bounce:
    """Log a bounce or complaint; one hard bounce or complaint, or three soft ones, suppress.
    One not counted (a report with no proof the site mailed the address) is only logged."""
    email = normalise_email(email)
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(email=email).first()
        bounce = Bounce.objects.create(email=email, subscriber=subscriber, kind=kind,
                                       status=status[:20], diagnostic=diagnostic[:1000],
                                       counted=counted)
        if subscriber is None or not counted:
            return bounce
        if kind == BounceKind.SOFT:
            Subscriber.objects.filter(id=subscriber.id).update(soft_bounces=F("soft_bounces") + 1)
            subscriber.refresh_from_db(fields=["soft_bounces"])
        if kind != BounceKind.SOFT or subscriber.soft_bounces >= SOFT_BOUNCE_LIMIT:
            reason = {"hard": "hard bounce", "complaint": "complaint"}.get(kind,
                                                                           "three soft bounces")
            subscriber.status = SubscriberStatus.SUPPRESSED
            subscriber.suppressed_reason = f"{reason} {status}".strip()[:200]
            subscriber.save(update_fields=["status", "suppressed_reason"])
    return bounce


@dataclass(frozen=True)
class InboundOutcome:
    report: Report
    counted: bool  # False for a bounce or complaint about mail the site cannot show it sent


def inbound_process(*, raw: bytes) -> list[InboundOutcome]:
    """Act on one inbound message: a DSN, a complaint, or a mailed unsubscribe request.

    A bounce or complaint counts only when it quotes the Message-ID of a digest the site sent
    to that address (tokens.digest_message_vouches): anyone can mail the site a report, and
    one that does not quote it could suppress any reader."""
    outcomes = []
    for report in reports_from_message(raw):
        counted = True
        if report.kind == "unsubscribe":
            subscriber = subscriber_from_token(manage_token_check(report.token))
            if subscriber is not None:
                subscriber_unsubscribe(subscriber=subscriber, form="unsubscribe by email", ip=None)
        else:
            counted = any(digest_message_vouches(message_id, report.email)
                          for message_id in report.message_ids)
            bounce_record(email=report.email, kind=report.kind, status=report.status,
                          diagnostic=report.diagnostic, counted=counted)
        outcomes.append(InboundOutcome(report, counted))
    return outcomes

