"""Sign-up, double opt-in and the defences of the form, against a real SMTP server."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import lxml.html
import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from tests.newsletter.helpers import answered, links, path_of, proof_of_work, sign_up

from newsdesk.newsletter.abuse import challenge_issue
from newsdesk.newsletter.models import Consent, ConsentAction, Subscriber, SubscriberStatus
from newsdesk.newsletter.services import subscribers_expire_pending

pytestmark = pytest.mark.django_db
SENT = "a message is on its way"


def test_signup_page_shows_the_form(client: Client) -> None:
    page = client.get("/newsletter/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<form" in html and 'name="csrfmiddlewaretoken"' in html
    assert 'value="asia"' in html and 'value="JP"' in html
    assert re.search(r"What is \d plus \d\?", html)
    assert "I want to receive the" in html


def test_double_opt_in_confirms_only_on_post(client: Client, smtp_server, settings) -> None:
    settings.BASE_URL = "https://news.example.org"
    page = sign_up(client, email="Reader@Example.org", regions=["asia"], countries=["KE"],
                   ip="203.0.113.9")
    assert page.status_code == 200 and SENT in page.content.decode()
    subscriber = Subscriber.objects.get(email="reader@example.org")
    assert subscriber.status == SubscriberStatus.PENDING
    assert subscriber.regions == ["asia"] and subscriber.countries == ["KE"]

    [mail] = smtp_server.sink.to("reader@example.org")
    body = mail.message.get_body(("plain",)).get_content()
    [link] = links(body, "confirm")
    assert link.startswith("https://news.example.org/newsletter/confirm/")

    shown = client.get(path_of(link))
    assert shown.status_code == 200 and "Confirm my subscription" in shown.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.PENDING  # a link scanner's GET confirms nothing

    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post(path_of(link)).status_code == 403  # the button's form needs its token
    done = client.post(path_of(link), REMOTE_ADDR="203.0.113.9")
    assert done.status_code == 200 and "You are subscribed" in done.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.ACTIVE and subscriber.confirmed_at

    given = subscriber.consents.get(action=ConsentAction.GIVEN)
    assert given.ip == "203.0.113.9" and given.form.startswith("newsletter sign-up")
    assert given.text.startswith("I want to receive the")
    assert subscriber.consents.filter(action=ConsentAction.CONFIRMED).count() == 1


def test_repeated_signups_send_one_mail_a_day_and_reveal_nothing(client: Client,
                                                                  smtp_server) -> None:
    first = sign_up(client, email="twice@example.org", regions=["asia"])
    again = sign_up(client, email="twice@example.org", regions=["europe"])
    assert first.content == again.content
    assert len(smtp_server.sink.to("twice@example.org")) == 1

    subscriber = Subscriber.objects.get(email="twice@example.org")
    subscriber.status, subscriber.confirmed_at = SubscriberStatus.ACTIVE, timezone.now()
    subscriber.save()
    known = sign_up(client, email="twice@example.org", regions=["africa"])
    unknown = sign_up(client, email="new@example.org")
    assert known.status_code == unknown.status_code == 200 and known.content == unknown.content
    assert len(smtp_server.sink.to("twice@example.org")) == 1  # still within the day

    Subscriber.objects.filter(id=subscriber.id).update(
        confirmation_sent_at=timezone.now() - timedelta(days=2))
    cache.clear()  # a day later: the hourly limit on the address has long passed
    sign_up(client, email="twice@example.org", regions=["africa"])
    mails = smtp_server.sink.to("twice@example.org")
    assert len(mails) == 2
    reminder = mails[1].message.get_body(("plain",)).get_content()
    assert "You already receive it" in reminder and links(reminder, "preferences")
    subscriber.refresh_from_db()
    assert subscriber.regions == ["europe"]  # knowing an address does not change its choices


def test_honeypot_is_thanked_and_forgotten(client: Client, smtp_server) -> None:
    page = sign_up(client, email="bot@example.org", website="http://spam.example")
    assert page.status_code == 200 and SENT in page.content.decode()
    assert not Subscriber.objects.filter(email="bot@example.org").exists()
    assert smtp_server.sink.received == []


def test_too_fast_wrong_answer_and_replay_are_refused(client: Client) -> None:
    fast = client.post("/newsletter/", answered(age=0))
    assert fast.status_code == 400 and "faster than a person" in fast.content.decode()
    wrong = client.post("/newsletter/", answered(answer="99"))
    assert wrong.status_code == 400 and "Please answer the question" in wrong.content.decode()
    data = answered(email="once@example.org")
    assert client.post("/newsletter/", data).status_code == 200
    replay = client.post("/newsletter/", {**data, "email": "other@example.org"})
    assert replay.status_code == 400 and "already sent" in replay.content.decode()
    assert not Subscriber.objects.filter(email="other@example.org").exists()


def test_proof_of_work_replaces_the_question(client: Client) -> None:
    challenge = challenge_issue(now=time.time() - 10)
    data = answered(email="js@example.org", challenge=challenge.token, answer="",
                    work=proof_of_work(challenge.token, challenge.difficulty))
    assert client.post("/newsletter/", data).status_code == 200
    assert Subscriber.objects.filter(email="js@example.org").exists()
    challenge = challenge_issue(now=time.time() - 10)
    lazy = answered(email="lazy@example.org", challenge=challenge.token, answer="", work="1")
    assert client.post("/newsletter/", lazy).status_code == 400


def test_bad_input_is_shown_next_to_its_field(client: Client) -> None:
    page = client.post("/newsletter/", answered(email="not-an-address", consent=""))
    html = page.content.decode()
    assert page.status_code == 400
    assert 'id="id_email_error"' in html and "Enter a valid email address" in html
    assert "Please tick the box" in html


def test_a_refused_sign_up_says_error_in_the_pages_title(client: Client) -> None:
    """The title is what a screen reader reads first when the page comes back."""
    assert "<title>Newsletter · " in client.get("/newsletter/").content.decode()
    refused = client.post("/newsletter/", answered(consent=""))
    assert "<title>Error: Newsletter · " in refused.content.decode()


def test_each_refused_box_names_its_own_error(client: Client) -> None:
    """The consent box and the question were marked as wrong to the eye only: a screen reader
    on the box heard nothing of 'Please tick the box'."""
    for name, wrong, error in (("consent", "", "Please tick the box"),
                               ("answer", "99", "Please answer")):
        page = client.post("/newsletter/", answered(**{name: wrong}))
        doc = lxml.html.fromstring(page.content)
        [box] = doc.xpath(f"//input[@name='{name}']")
        assert box.get("aria-invalid") == "true"
        described = " ".join(doc.get_element_by_id(ref).text_content()
                             for ref in box.get("aria-describedby").split())
        assert error in described, name


def test_the_region_and_country_choices_are_read_with_their_hints(client: Client) -> None:
    """'Tick none, and no countries either, to receive every region.' was shown beside the
    boxes but belonged to nothing: a screen reader never read it with them."""
    doc = lxml.html.fromstring(client.get("/newsletter/").content)
    for legend, hint in (("Regions", "Tick none"), ("Countries", "Articles about these")):
        [group] = doc.xpath(f"//fieldset[legend='{legend}']")
        described = " ".join(doc.get_element_by_id(ref).text_content()
                             for ref in group.get("aria-describedby", "").split())
        assert hint in described, legend


def test_rate_limits_per_ip_and_per_address(client: Client) -> None:
    for n in range(10):
        assert sign_up(client, email=f"r{n}@example.org", ip="198.51.100.7").status_code == 200
    limited = sign_up(client, email="r10@example.org", ip="198.51.100.7")
    assert limited.status_code == 429 and "Too many sign-ups" in limited.content.decode()
    assert sign_up(client, email="r10@example.org", ip="198.51.100.8").status_code == 200

    for n in range(2):
        assert sign_up(client, email="same@example.org", ip=f"192.0.2.{n}").status_code == 200
    assert sign_up(client, email="same@example.org", ip="192.0.2.50").status_code == 200
    assert sign_up(client, email="same@example.org", ip="192.0.2.51").status_code == 429


def test_ip_is_not_kept_when_logging_is_off(client: Client, settings) -> None:
    settings.NEWSDESK_LOG_IP = False
    sign_up(client, email="private@example.org", ip="203.0.113.1")
    assert Consent.objects.get(subscriber__email="private@example.org").ip is None


def test_unconfirmed_signups_expire_after_seven_days() -> None:
    old = timezone.now() - timedelta(days=8)
    Subscriber.objects.create(email="stale@example.org", signed_up_at=old)
    Subscriber.objects.create(email="fresh@example.org")
    Subscriber.objects.create(email="returning@example.org", signed_up_at=old,
                              confirmed_at=old - timedelta(days=100))
    assert subscribers_expire_pending() == 2
    assert not Subscriber.objects.filter(email="stale@example.org").exists()
    assert Subscriber.objects.get(email="fresh@example.org").status == SubscriberStatus.PENDING
    returning = Subscriber.objects.get(email="returning@example.org")
    assert returning.status == SubscriberStatus.UNSUBSCRIBED
