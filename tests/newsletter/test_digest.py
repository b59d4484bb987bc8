"""Digests: the right articles for each subscriber, one rendering per edition, the headers and
both parts, the web view; sent through a real SMTP server.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from tests.newsletter.conftest import make_article, make_subscriber
from tests.newsletter.helpers import links, path_of

from newsdesk.articles.models import Article
from newsdesk.newsletter.models import Delivery, Digest, Edition, Subscriber
from newsdesk.newsletter.sending import newsletter_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def news() -> dict[str, str]:
    titles = {
        "tokyo": "Tokyo harbour reopens after typhoon",
        "dhaka": "Dhaka opens a floating school",
        "nairobi": "Nairobi council approves a new market",
        "accra": "Accra ferry timetable changes",
        "lisbon": "Lisbon tram line extended",
    }
    make_article(title=titles["tokyo"], regions=["asia"], countries=["JP"])
    make_article(title=titles["dhaka"], regions=["asia"], countries=["BD"])
    make_article(title=titles["nairobi"], regions=["africa"], countries=["KE"])
    make_article(title=titles["accra"], regions=["africa"], countries=["GH"])
    make_article(title=titles["lisbon"], regions=["europe"], countries=["PT"])
    make_article(title="Old news from Osaka", regions=["asia"], countries=["JP"],
                 published=timezone.now() - timedelta(days=3))
    return titles


def _parts(mail) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    message = mail.message
    return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())


def test_asia_subscriber_gets_asia_and_no_africa(news, smtp_server, settings) -> None:
    settings.BASE_URL = "https://news.example.org"
    make_subscriber("asia@example.org", regions=["asia"])
    newsletter_send(frequencies=["daily"])

    [mail] = smtp_server.sink.to("asia@example.org")
    text, html = _parts(mail)
    for part in (text, html):
        assert news["tokyo"] in part and news["dhaka"] in part
        assert news["nairobi"] not in part and news["accra"] not in part
        assert news["lisbon"] not in part and "Osaka" not in part  # other region; before the period
    assert "== Asia ==" in text
    assert "Source of original article: RSS (harbourgazette.example)." in text
    assert "Photo Credit: Harbour Gazette." in text
    assert "https://news.example.org/news/story-" in text
    assert 'src="https://harbourgazette.example/img/' in html
    assert mail.message["Subject"] == "Newsdesk Demo daily digest: 2 new articles today"


def test_headers_offer_one_click_unsubscribe(news, smtp_server, settings) -> None:
    settings.BASE_URL = "https://news.example.org"
    subscriber = make_subscriber("headers@example.org")
    newsletter_send(frequencies=["daily"])
    [mail] = smtp_server.sink.to("headers@example.org")
    header = " ".join(mail.message["List-Unsubscribe"].split())
    assert header.startswith("<https://news.example.org/newsletter/unsubscribe/")
    assert "<mailto:unsubscribe@localhost?subject=unsubscribe%20" in header
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    delivery = Delivery.objects.get(subscriber=subscriber)
    assert re.fullmatch(rf"<digest\.{delivery.digest_id}\.{delivery.id}\.[0-9a-f]{{20}}@localhost>",
                        mail.message["Message-ID"])


def test_country_subscriber_and_everything_subscriber(news, smtp_server) -> None:
    make_subscriber("kenya@example.org", countries=["KE"])
    make_subscriber("all@example.org")
    newsletter_send(frequencies=["daily"])
    kenya, _ = _parts(smtp_server.sink.to("kenya@example.org")[0])
    assert news["nairobi"] in kenya and news["accra"] not in kenya and news["tokyo"] not in kenya
    everything, _ = _parts(smtp_server.sink.to("all@example.org")[0])
    assert all(title in everything for title in news.values())
    assert everything.index("== Africa ==") < everything.index("== Asia ==") < everything.index(
        "== Europe ==")


def test_one_rendering_per_distinct_content(news, smtp_server) -> None:
    for n in range(5):
        make_subscriber(f"asia{n}@example.org", regions=["asia"])
        make_subscriber(f"africa{n}@example.org", regions=["africa"])
    [(digest, stats)] = newsletter_send(frequencies=["daily"])
    assert stats.sent == 10 and len(stats.editions) == 2
    assert Edition.objects.filter(digest=digest).count() == 2
    tokens = {links(_parts(m)[0], "preferences")[0] for m in smtp_server.sink.received}
    assert len(tokens) == 10  # shared rendering, personal links


def test_nothing_new_means_no_email(news, smtp_server) -> None:
    make_subscriber("oceania@example.org", regions=["oceania"])
    asia = make_subscriber("asia@example.org", regions=["asia"])
    newsletter_send(frequencies=["daily"])
    assert smtp_server.sink.to("oceania@example.org") == []
    assert len(smtp_server.sink.to("asia@example.org")) == 1

    assert newsletter_send(frequencies=["daily"]) == []  # a second run the same day: nobody due
    Article.objects.update(site_published_at=timezone.now() - timedelta(days=2))
    Subscriber.objects.filter(id=asia.id).update(last_digest_at=timezone.now() - timedelta(days=1))
    assert newsletter_send(frequencies=["daily"]) == []  # due again, but nothing new since
    assert len(smtp_server.sink.received) == 1


def test_weekly_subscribers_wait_for_their_week(news, smtp_server) -> None:
    make_subscriber("weekly@example.org", frequency="weekly",
                    last_digest_at=timezone.now() - timedelta(days=2))
    assert newsletter_send(frequencies=["weekly"]) == []
    Subscriber.objects.filter(email="weekly@example.org").update(
        last_digest_at=timezone.now() - timedelta(days=7))
    newsletter_send(frequencies=["weekly"])
    [mail] = smtp_server.sink.to("weekly@example.org")
    assert "Osaka" in _parts(mail)[0]  # three days old: inside the week
    assert mail.message["Subject"].endswith("this week")


def test_web_view_shows_the_digest_with_its_links(news, smtp_server, client: Client) -> None:
    make_subscriber("web@example.org", regions=["africa"])
    newsletter_send(frequencies=["daily"])
    text, _ = _parts(smtp_server.sink.to("web@example.org")[0])
    [web] = links(text, "digest")
    page = client.get(path_of(web))
    html = page.content.decode()
    assert page.status_code == 200 and news["nairobi"] in html and news["tokyo"] not in html
    assert links(html, "unsubscribe") == links(text, "unsubscribe")
    other = make_subscriber("other@example.org")
    other_token = links(text, "preferences")[0].rstrip("/").rsplit("/", 1)[1]
    assert other.id != Subscriber.objects.get(email="web@example.org").id
    assert client.get(path_of(web).replace(other_token, "x" + other_token)).status_code == 400


def test_digest_admin_counts_recipients_and_failures(news, smtp_server, admin_client) -> None:
    make_subscriber("ok@example.org")
    make_subscriber("gone@example.org")
    smtp_server.sink.replies["gone@example.org"] = ["550 5.1.1 No such user"]
    newsletter_send(frequencies=["daily"])
    digest = Digest.objects.get()
    page = admin_client.get("/desk/newsletter/digest/").content.decode()
    assert str(digest) in page
    assert '<td class="field-recipients">2</td>' in page
    assert '<td class="field-failed">1</td>' in page
