from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from tests.newsletter.smtpsink import SmtpServer

from newsdesk.articles.models import Article, ArticlePlace, ImageSource, PlaceKind, Status
from newsdesk.newsletter.models import Subscriber, SubscriberStatus
from newsdesk.sources.models import Source

_serial = itertools.count(1)


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpServer]:
    """A real SMTP server on loopback, and the site configured to send through it."""
    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def make_source() -> Source:
    return Source.objects.get_or_create(
        feed_url="https://harbourgazette.example/feed.xml",
        defaults={"name": "The Harbour Gazette", "home_url": "https://harbourgazette.example/",
                  "domain": "harbourgazette.example"})[0]


def make_article(*, title: str, regions: list[str] = (), countries: list[str] = (),  # type: ignore[assignment]
                 published: datetime | None = None, summary: str = "",
                 image: str = ImageSource.PUBLISHER) -> Article:
    n = next(_serial)
    article = Article.objects.create(
        source=make_source(), guid=f"guid-{n}", original_url=f"https://harbourgazette.example/{n}",
        slug=f"story-{n}", title=title, body_html=f"<p>{title}.</p>",
        summary=summary or f"What happened in {title.lower()}.",
        status=Status.PUBLISHED, site_published_at=published or timezone.now() - timedelta(hours=1),
        primary_region=regions[0] if regions else "",
        primary_country=countries[0] if countries else "",
        image_source=image, fingerprint=f"fp-{n}", content_hash=f"h-{n}",
        image_url=(f"https://harbourgazette.example/img/{n}.jpg"
                   if image == ImageSource.PUBLISHER else ""),
        image_credit="Harbour Gazette" if image == ImageSource.PUBLISHER else "",
    )
    ArticlePlace.objects.bulk_create(
        [ArticlePlace(article=article, kind=PlaceKind.REGION, code=c, rank=i)
         for i, c in enumerate(regions)]
        + [ArticlePlace(article=article, kind=PlaceKind.COUNTRY, code=c, rank=i)
           for i, c in enumerate(countries)])
    return article


def make_subscriber(email: str, *, regions: list[str] = (), countries: list[str] = (),  # type: ignore[assignment]
                    frequency: str = "daily", **fields: Any) -> Subscriber:
    return Subscriber.objects.create(
        email=email, regions=list(regions), countries=list(countries), frequency=frequency,
        status=fields.pop("status", SubscriberStatus.ACTIVE),
        confirmed_at=fields.pop("confirmed_at", timezone.now() - timedelta(days=30)), **fields)
