"""The links in every email: one-click unsubscribe, preferences, and what a bad link shows."""

from __future__ import annotations

import re
import time

import pytest
from django.core import signing
from django.test import Client
from tests.newsletter.conftest import make_article, make_subscriber
from tests.newsletter.helpers import path_of

from newsdesk.newsletter.models import ConsentAction, SubscriberStatus
from newsdesk.newsletter.sending import newsletter_send
from newsdesk.newsletter.tokens import confirm_token, manage_token

pytestmark = pytest.mark.django_db


def _old_token(monkeypatch: pytest.MonkeyPatch, make, days: float, **kwargs) -> str:  # type: ignore[no-untyped-def]
    real = time.time
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: real() - days * 86400)
        return str(make(**kwargs))


def _unsubscribe_url(mail) -> str:  # type: ignore[no-untyped-def]
    header = " ".join(mail.message["List-Unsubscribe"].split())
    return header.split("<", 1)[1].split(">", 1)[0]


def test_one_click_unsubscribe_removes_only_that_subscriber(smtp_server) -> None:
    make_article(title="Harbour news", regions=["asia"])
    leaving = make_subscriber("leaving@example.org")
    staying = make_subscriber("staying@example.org")
    newsletter_send(frequencies=["daily"])
    url = _unsubscribe_url(smtp_server.sink.to("leaving@example.org")[0])

    mail_client = Client(enforce_csrf_checks=True)  # a mail provider's POST carries no CSRF token
    answer = mail_client.post(path_of(url), "List-Unsubscribe=One-Click",
                              content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200
    leaving.refresh_from_db()
    staying.refresh_from_db()
    assert leaving.status == SubscriberStatus.UNSUBSCRIBED
    assert staying.status == SubscriberStatus.ACTIVE
    withdrawn = leaving.consents.get(action=ConsentAction.WITHDRAWN)
    assert withdrawn.form == "one-click unsubscribe (RFC 8058)"


def test_unsubscribe_page_asks_before_acting(client: Client) -> None:
    subscriber = make_subscriber("careful@example.org")
    token = manage_token(subscriber_id=subscriber.id, email=subscriber.email)
    path = f"/newsletter/unsubscribe/{token}/"
    page = client.get(path)
    assert page.status_code == 200 and "Unsubscribe</button>" in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.ACTIVE
    client.post(path)
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED


@pytest.mark.parametrize("kind", ["unsubscribe", "preferences", "confirm"])
def test_tampered_token_is_refused_with_a_page_that_says_so(client: Client, kind: str) -> None:
    subscriber = make_subscriber("target@example.org", status=SubscriberStatus.PENDING
                                 if kind == "confirm" else SubscriberStatus.ACTIVE)
    make = confirm_token if kind == "confirm" else manage_token
    token = make(subscriber_id=subscriber.id, email=subscriber.email)
    value, stamp, signature = token.rsplit(":", 2)
    other = signing.b64_encode(b'{"s":%d,"e":"x"}' % (subscriber.id + 1)).decode()
    for bad in (f"{value}:{stamp}:{signature[:-2]}xx", f"{other}:{stamp}:{signature}", "garbage"):
        page = client.post(f"/newsletter/{kind}/{bad}/")
        assert page.status_code == 400
        assert "This link is not valid" in page.content.decode()
    subscriber.refresh_from_db()
    unchanged = SubscriberStatus.PENDING if kind == "confirm" else SubscriberStatus.ACTIVE
    assert subscriber.status == unchanged


def test_expired_tokens_are_refused(client: Client, monkeypatch: pytest.MonkeyPatch,
                                    settings) -> None:
    settings.NEWSDESK_NEWSLETTER_LINK_DAYS = 90
    active = make_subscriber("old@example.org")
    pending = make_subscriber("slow@example.org", status=SubscriberStatus.PENDING,
                              confirmed_at=None)
    stale = _old_token(monkeypatch, manage_token, 91, subscriber_id=active.id, email=active.email)
    late = _old_token(monkeypatch, confirm_token, 8, subscriber_id=pending.id, email=pending.email)
    for path in (f"/newsletter/unsubscribe/{stale}/", f"/newsletter/preferences/{stale}/",
                 f"/newsletter/confirm/{late}/"):
        page = client.post(path)
        assert page.status_code == 410 and "This link has expired" in page.content.decode()
    active.refresh_from_db()
    pending.refresh_from_db()
    assert active.status == SubscriberStatus.ACTIVE and pending.status == SubscriberStatus.PENDING
    fresh = _old_token(monkeypatch, confirm_token, 6, subscriber_id=pending.id, email=pending.email)
    assert client.post(f"/newsletter/confirm/{fresh}/").status_code == 200


def test_a_token_for_a_reused_id_does_not_work(client: Client) -> None:
    subscriber = make_subscriber("first@example.org")
    token = manage_token(subscriber_id=subscriber.id, email="someone-else@example.org")
    assert client.get(f"/newsletter/preferences/{token}/").status_code == 400


def test_preferences_change_regions_countries_and_frequency(client: Client) -> None:
    subscriber = make_subscriber("prefs@example.org", regions=["asia"])
    token = manage_token(subscriber_id=subscriber.id, email=subscriber.email)
    path = f"/newsletter/preferences/{token}/"
    page = client.get(path).content.decode()
    assert re.search(r'value="asia"[^>]*checked', page)
    assert not re.search(r'value="europe"[^>]*checked', page)
    saved = client.post(path, {"regions": ["europe", "africa"], "countries": ["JP"],
                               "frequency": "weekly"})
    assert saved.status_code == 200 and "Saved" in saved.content.decode()
    subscriber.refresh_from_db()
    assert sorted(subscriber.regions) == ["africa", "europe"] and subscriber.countries == ["JP"]
    assert subscriber.frequency == "weekly"
    assert subscriber.consents.filter(action=ConsentAction.CHANGED).exists()
    bad = client.post(path, {"regions": ["atlantis"], "frequency": "hourly"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()
