"""Writes about press releases: submit, confirm, approve, publish, reject; each step mails the
sender. A published release is an Article of kind "press_release" that points back here."""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass
from datetime import datetime
from html import escape

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from newsdesk.articles.models import Article, ArticlePlace, ImageSource, Kind, PlaceKind, Status
from newsdesk.articles.services import _unique_slug
from newsdesk.ingest.clean import sanitize_html
from newsdesk.ingest.dedupe import fingerprint
from newsdesk.ingest.places import all_countries, country_regions, region_names
from newsdesk.media_checks import CheckedImage, CheckedPdf
from newsdesk.pressroom import tokens
from newsdesk.pressroom.markup import render_body, word_count
from newsdesk.pressroom.models import Package, PressRelease, RejectReason, ReleaseImage, State
from newsdesk.site.pagecache import pagecache_refresh_on_commit

log = logging.getLogger("newsdesk.pressroom")
WORDS_PER_MINUTE = 230


@dataclass(frozen=True)
class ImageUpload:
    checked: CheckedImage
    caption: str
    credit: str


class WrongState(ValueError):
    """The release is not in a state that allows this step."""


def release_submit(*, organisation: str, contact_name: str, contact_email: str,
                   contact_phone: str, title: str, summary: str, body: str,
                   countries: list[str], regions: list[str], images: list[ImageUpload],
                   pdf: CheckedPdf | None, package: str = Package.STANDARD) -> PressRelease:
    """Store a new release, unconfirmed whatever the form was sent, and mail the confirm link."""
    with transaction.atomic():
        release = PressRelease.objects.create(
            organisation=organisation, contact_name=contact_name, contact_email=contact_email,
            contact_phone=contact_phone, title=title, summary=summary, body=body,
            countries=list(countries), regions=list(regions), package=package,
            consented_at=timezone.now(), state=State.UNCONFIRMED)
        for position, upload in enumerate(images):
            image = ReleaseImage(release=release, position=position, caption=upload.caption,
                                 credit=upload.credit, width=upload.checked.width,
                                 height=upload.checked.height)
            image.file.save(upload.checked.name, ContentFile(upload.checked.content), save=False)
            image.save()
        if pdf is not None:
            release.pdf.save(pdf.name, ContentFile(pdf.content), save=True)
    _mail(release, "confirm", subject="Please confirm your press release",
          link=_absolute(reverse("pressroom:confirm",
                                 args=[tokens.make_token(tokens.CONFIRM, release.pk)])))
    return release


def release_confirm(*, release: PressRelease) -> PressRelease:
    """The sender's address is proven: the release joins the desk's queue. Safe to repeat."""
    if release.state != State.UNCONFIRMED:
        return release
    release.state = State.PENDING
    release.confirmed_at = timezone.now()
    release.save(update_fields=["state", "confirmed_at"])
    _mail(release, "received", subject="Your press release is with our editors")
    return release


def release_approve(*, release: PressRelease, editor: object | None,
                    publish_at: datetime | None = None,
                    include_in_digest: bool = False) -> PressRelease:
    """Publish now, or at publish_at when that is still ahead."""
    now = timezone.now()
    with transaction.atomic():
        # Decided on the stored state: another editor's page may have acted since this was read.
        release = _locked(release, "approved")
        release.decided_at, release.decided_by = now, editor  # type: ignore[assignment]
        release.include_in_digest = include_in_digest
        later = publish_at is not None and publish_at > now
        if later:
            release.state, release.publish_at = State.SCHEDULED, publish_at
        else:
            release.publish_at = now
        release.save(update_fields=["decided_at", "decided_by", "include_in_digest", "state",
                                    "publish_at"])
    if later:
        _mail(release, "scheduled", subject="Your press release has been approved")
        return release
    return release_publish(release=release)


def release_publish(*, release: PressRelease) -> PressRelease:
    """Create the release's article, published now, and mail the sender its link."""
    with transaction.atomic():
        release = PressRelease.objects.select_for_update().get(pk=release.pk)
        if release.state == State.PUBLISHED:
            return release
        if release.state not in {State.PENDING, State.SCHEDULED}:
            raise WrongState("Only an approved release can be published.")
        article = release_article_draft(release=release)
        article.slug = _unique_slug(article.title, article.guid)
        article.status = Status.PUBLISHED
        article.site_published_at = article.published_at = timezone.now()
        article.save()
        ArticlePlace.objects.bulk_create(_places(article, release))
        release.article = article
        release.state = State.PUBLISHED
        release.save(update_fields=["article", "state"])
        pagecache_refresh_on_commit(article=article)  # the home page and its lists show it
    _mail(release, "published", subject="Your press release is published",
          link=_absolute(article.get_absolute_url()))
    log.info("press release %s published as article %s", release.pk, article.pk)
    return release


def releases_publish_due(*, now: datetime | None = None) -> int:
    """Publish every scheduled release whose time has come; how many were published."""
    due = PressRelease.objects.filter(state=State.SCHEDULED,
                                      publish_at__lte=now or timezone.now())
    published = 0
    for release in due:
        release_publish(release=release)
        published += 1
    return published


def release_reject(*, release: PressRelease, editor: object | None, reason: str,
                   note: str = "") -> PressRelease:
    with transaction.atomic():
        release = _locked(release, "rejected")
        release.state = State.REJECTED
        release.reject_reason = RejectReason(reason)
        release.reject_note = note.strip()
        release.decided_at, release.decided_by = timezone.now(), editor  # type: ignore[assignment]
        release.publish_at = None
        release.save(update_fields=["state", "reject_reason", "reject_note", "decided_at",
                                    "decided_by", "publish_at"])
    _mail(release, "rejected", subject="Your press release was not accepted",
          reason=release.get_reject_reason_display())
    return release


def _locked(release: PressRelease, step: str) -> PressRelease:
    """The release as stored, locked until the transaction ends, if it is still to decide."""
    stored = PressRelease.objects.select_for_update().get(pk=release.pk)
    if stored.state not in {State.PENDING, State.SCHEDULED}:
        raise WrongState(f"A release that is {stored.get_state_display().lower()} cannot be "
                         f"{step}.")
    return stored


def release_article_draft(*, release: PressRelease) -> Article:
    """The article the release becomes, not saved: what the desk previews and publishing stores."""
    body_html = release_body_html(release)
    regions = _regions(release)
    article = Article(
        kind=Kind.PRESS_RELEASE, source=None, guid=f"press-release:{release.pk}",
        original_url="", feed_link="", title=release.title, summary=release.summary,
        body_html=body_html, language="en", is_excerpt=False,
        reading_minutes=max(1, math.ceil(word_count(release.body) / WORDS_PER_MINUTE)),
        primary_country=release.countries[0] if release.countries else "",
        primary_region=regions[0] if regions else "",
        fingerprint=fingerprint(release.title, body_html),
        content_hash=hashlib.sha256(release.body.encode("utf-8")).hexdigest(),
        published_at=release.publish_at or timezone.now(),
    )
    lead = release.images.first()
    if lead is not None:
        article.image_source = ImageSource.PUBLISHER
        article.image_url = file_url(lead.file.name)
        article.image_alt = lead.caption[:500]
        article.image_caption = lead.caption[:1000]
        article.image_credit = lead.credit[:500]
    return article


def release_body_html(release: PressRelease) -> str:
    """The body (its links sponsored), then the other images as figures, then the PDF link."""
    extra = []
    for image in release.images.all()[1:]:
        caption = " ".join(part for part in (
            escape(image.caption), f"Photo: {escape(image.credit)}." if image.credit else "")
            if part)
        extra.append(f'<figure><img src="{file_url(image.file.name)}" alt="{escape(image.caption)}"'
                     f' width="{image.width}" height="{image.height}">'
                     f"<figcaption>{caption}</figcaption></figure>")
    if release.pdf:
        extra.append(f'<p><a href="{file_url(release.pdf.name)}">The release as a PDF document'
                     "</a></p>")
    return render_body(release.body) + sanitize_html("".join(extra))


def file_url(stored_name: str) -> str:
    return reverse("pressroom:file", args=[stored_name.rsplit("/", 1)[-1]])


def _regions(release: PressRelease) -> list[str]:
    known = region_names()
    chosen = [slug for slug in release.regions if slug in known]
    countries = all_countries()
    for iso2 in release.countries:
        if iso2 in countries:
            chosen += [slug for slug in country_regions(iso2)[:1] if slug in known]
    return list(dict.fromkeys(chosen))


def _places(article: Article, release: PressRelease) -> list[ArticlePlace]:
    countries = [iso2 for iso2 in dict.fromkeys(release.countries) if iso2 in all_countries()]
    rows = [ArticlePlace(article=article, kind=PlaceKind.COUNTRY, code=code, rank=rank)
            for rank, code in enumerate(countries)]
    rows += [ArticlePlace(article=article, kind=PlaceKind.REGION, code=code, rank=rank)
             for rank, code in enumerate(_regions(release))]
    return rows


def _absolute(path: str) -> str:
    return f"{settings.BASE_URL}{path}"


def status_link(release: PressRelease) -> str:
    return _absolute(reverse("pressroom:status",
                             args=[tokens.make_token(tokens.STATUS, release.pk)]))


def _mail(release: PressRelease, template: str, *, subject: str, **context: object) -> None:
    body = render_to_string(f"pressroom/email/{template}.txt", {
        "release": release, "status_link": status_link(release),
        "site_name": settings.SITE_NAME, **context})
    line = " ".join(f"{subject}: {release.title}".split())[:200]  # no header injection
    send_mail(line, body, None, [release.contact_email])
