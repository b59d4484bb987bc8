"""The embedded default: mail lands in the outbox as .eml files a person can open."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from django.core.mail import send_mail
from django.test import Client
from tests.newsletter.conftest import make_article, make_subscriber
from tests.newsletter.helpers import links, sign_up

from newsdesk.newsletter.sending import newsletter_send


@pytest.fixture
def outbox(settings, tmp_path: Path) -> Path:
    settings.EMAIL_BACKEND = "newsdesk.newsletter.outbox.EmailBackend"
    settings.OUTBOX_DIR = tmp_path / "outbox"
    return settings.OUTBOX_DIR


def _read(path: Path):  # type: ignore[no-untyped-def]
    return message_from_bytes(path.read_bytes(), policy=default)


@pytest.mark.django_db
def test_confirmation_and_digest_are_eml_files(outbox: Path, client: Client) -> None:
    sign_up(client, email="offline@example.org")
    [confirmation] = sorted(outbox.glob("*.eml"))
    message = _read(confirmation)
    assert message["To"] == "offline@example.org"
    assert links(message.get_body(("plain",)).get_content(), "confirm")

    make_article(title="Harbour news", regions=["asia"])
    make_subscriber("reader@example.org")
    newsletter_send(frequencies=["daily"])
    files = sorted(outbox.glob("*.eml"))
    assert len(files) == 2 and not list(outbox.glob("*.part"))
    digest = _read(files[1])
    assert digest["To"] == "reader@example.org" and digest["List-Unsubscribe-Post"]
    assert "Harbour news" in digest.get_body(("html",)).get_content()
    assert files[1].read_bytes().count(b"\r\n") > 10  # RFC 5322 line ends


def test_any_django_mail_uses_it(outbox: Path) -> None:
    send_mail("Hello", "Body text", "newsroom@localhost", ["someone@example.org"])
    [only] = outbox.glob("*.eml")
    assert _read(only)["Subject"] == "Hello"
