"""Builders for advertising tests: slots come from the migration; campaigns and creatives here."""

from __future__ import annotations

import datetime
import importlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from newsdesk.ads.models import Advertiser, Campaign, Creative, Slot

BROWSER_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/131.0.0.0 Safari/537.36")


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


@pytest.fixture
def default_slots() -> None:
    """The slots migration 0003 adds; a transactional test's flush removes them, so re-add."""
    module = importlib.import_module("newsdesk.ads.migrations.0003_default_slots")
    module.add_slots(apps, None)


def png_bytes(width: int = 728, height: int = 90, colour: str = "#1d4e6b", **save: Any) -> bytes:
    """A banner that reads like one in screenshots: a headline on a plain ground."""
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    draw.text((width // 20, height // 3), "Harbour Books spring fair, 3 to 5 May",
              fill="#ffffff", font=ImageFont.load_default(size=max(10, height // 4)))
    out = io.BytesIO()
    image.save(out, format="PNG", **save)
    return out.getvalue()


def slot(code: str = "leaderboard") -> Slot:
    return Slot.objects.get(code=code)


def campaign_create(*, name: str = "Spring fair", advertiser: str = "Harbour Books",
                    slots: tuple[str, ...] = ("leaderboard",), weight: int = 1,
                    days: tuple[int, int] = (-1, 10), target_url: str = "https://books.example/fair",
                    creative: bool = True, **fields: Any) -> Campaign:
    """A running campaign (yesterday to ten days on) with one creative in its slots."""
    today = timezone.localdate()
    owner, _ = Advertiser.objects.get_or_create(name=advertiser)
    campaign = Campaign.objects.create(
        advertiser=owner, name=name, weight=weight,
        starts_on=today + datetime.timedelta(days=days[0]),
        ends_on=today + datetime.timedelta(days=days[1]), **fields)
    campaign.slots.set(Slot.objects.filter(code__in=slots))
    if creative:
        creative_create(campaign=campaign, target_url=target_url)
    return campaign


def creative_create(*, campaign: Campaign, target_url: str = "https://books.example/fair",
                    alt_text: str = "Harbour Books spring fair, 3 to 5 May") -> Creative:
    item = Creative(campaign=campaign, alt_text=alt_text, target_url=target_url)
    item.image.save("banner.png", ContentFile(png_bytes()), save=False)
    item.save()
    return item
