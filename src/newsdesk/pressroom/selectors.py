"""Reads about press releases."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from newsdesk.articles.models import Article, Status
from newsdesk.pressroom.models import PressRelease, ReleaseImage, State


def release_get(release_id: int) -> PressRelease | None:
    return PressRelease.objects.select_related("article").filter(pk=release_id).first()


def releases_in_queue() -> QuerySet[PressRelease]:
    """Confirmed releases waiting for an editor, oldest first."""
    return PressRelease.objects.filter(state=State.PENDING).order_by("confirmed_at", "pk")


def releases_for_digest(*, since: datetime) -> QuerySet[Article]:
    """Published press releases an editor offered to the digests, newest first."""
    return (Article.objects.published()
            .filter(press_release__include_in_digest=True, site_published_at__gte=since)
            .select_related("press_release"))


def release_file_visible(*, stored_name: str, is_staff: bool) -> bool:
    """Whether the file may be served: a published release's to anyone, any release's to staff.

    stored_name is the name as the FileField holds it ("pressroom/<hex>.jpg")."""
    images = ReleaseImage.objects.filter(file=stored_name)
    pdfs = PressRelease.objects.filter(pdf=stored_name)
    if not is_staff:
        images = images.filter(release__article__status=Status.PUBLISHED)
        pdfs = pdfs.filter(article__status=Status.PUBLISHED)
    return images.exists() or pdfs.exists()
