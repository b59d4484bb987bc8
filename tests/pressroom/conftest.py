"""Helpers for the pressroom's tests: a valid submission, test images, a clean cache and media."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import signing
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from pytest_django.fixtures import Settings

from newsdesk.pressroom import spam

_WORDS = ("river clinic opens doors families valley volunteers water pumps school garden market "
          "cooperative harvest teachers library bridge solar lamps").split()


def body_words(count: int, *, prefix: str = "") -> str:
    """Markdown with `count` ordinary words after `prefix`, in paragraphs of 40."""
    words = [_WORDS[i % len(_WORDS)] for i in range(count)]
    paragraphs = [" ".join(words[i:i + 40]) + "." for i in range(0, count, 40)]
    return (prefix + "\n\n" if prefix else "") + "\n\n".join(paragraphs)


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (640, 480), **save: Any) -> bytes:
    out = io.BytesIO()
    mode = "RGB"
    Image.new(mode, size, (40, 120, 200)).save(out, format=fmt, **save)
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def challenge_from(html: str) -> dict[str, Any]:
    """The hidden token and its right answer, read as a person would by solving the sum."""
    token = re.search(r'name="challenge_token" value="([^"]+)"', html)
    assert token, "the form has no challenge"
    answer = signing.loads(token.group(1), salt=spam.CHALLENGE_SALT)["a"]
    return {"challenge_token": token.group(1), "challenge_answer": str(answer)}


def valid_fields(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "organisation": "Riverside Water Trust",
        "contact_name": "Amina Okafor",
        "contact_email": "amina@riverside-trust.example",
        "contact_phone": "+44 20 7946 0000",
        "title": "Riverside Water Trust opens a clinic in the valley",
        "summary": "The trust opened a clinic and two water pumps serving four villages.",
        "body": body_words(200, prefix="Read [our report](https://riverside-trust.example/report)."),
        "countries": ["KE"],
        "consent": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post_submission(client: Client, **overrides: Any) -> Any:
    """GET the form, then POST it filled in (files may be among the overrides)."""
    page = client.get("/pr")
    data = {**challenge_from(page.content.decode()), **valid_fields(**overrides)}
    return client.post("/pr", data)


@pytest.fixture(autouse=True)
def _clean_cache_and_media(settings: Settings, tmp_path: Path) -> None:
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.BASE_URL = "https://news.example"


@pytest.fixture
def media_root(settings: Settings) -> Path:
    return Path(settings.MEDIA_ROOT)
