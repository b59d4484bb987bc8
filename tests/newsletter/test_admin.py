"""The newsletter in the desk: find subscribers, export them, mail yourself a test digest."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from tests.newsletter.conftest import make_article, make_subscriber

from newsdesk.newsletter.models import Delivery, Subscriber, SubscriberStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client: Client) -> Client:
    user = User.objects.create_superuser("editor", "editor@example.org", "a-long-desk-password")
    client.force_login(user)
    return client


def test_search_and_filter_subscribers(desk: Client) -> None:
    make_subscriber("amina@example.org", regions=["africa"])
    make_subscriber("bo@example.org", status=SubscriberStatus.SUPPRESSED)
    found = desk.get("/desk/newsletter/subscriber/", {"q": "amina"}).content.decode()
    assert "amina@example.org" in found and "bo@example.org" not in found
    suppressed = desk.get("/desk/newsletter/subscriber/", {"status__exact": "suppressed"})
    assert "bo@example.org" in suppressed.content.decode()
    assert "amina@example.org" not in suppressed.content.decode()


def test_export_csv_neutralises_formulas(desk: Client) -> None:
    one = make_subscriber("one@example.org", regions=["asia", "europe"])
    two = make_subscriber("two@example.org")
    Subscriber.objects.filter(id=two.id).update(suppressed_reason="=HYPERLINK(\"x\")")
    answer = desk.post("/desk/newsletter/subscriber/", {
        "action": "export_csv", "_selected_action": [one.id, two.id]})
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert [r["email"] for r in rows] == ["one@example.org", "two@example.org"]
    assert rows[0]["regions"] == "asia;europe" and rows[0]["status"] == "active"
    assert rows[1]["suppressed_reason"].startswith("'=")


def test_send_test_digest_to_me(desk: Client, smtp_server) -> None:
    make_article(title="Harbour news", regions=["asia"])
    make_article(title="Savanna news", regions=["africa"])
    subscriber = make_subscriber("asia@example.org", regions=["asia"])
    answer = desk.post("/desk/newsletter/subscriber/", {
        "action": "send_test_digest", "_selected_action": [subscriber.id]}, follow=True)
    assert "Sent editor@example.org the digest for asia@example.org" in answer.content.decode()
    [mail] = smtp_server.sink.to("editor@example.org")
    assert mail.message["Subject"].startswith("[Test] ")
    text = mail.message.get_body(("plain",)).get_content()
    assert "Harbour news" in text and "Savanna news" not in text
    assert smtp_server.sink.to("asia@example.org") == [] and not Delivery.objects.exists()
    subscriber.refresh_from_db()
    assert subscriber.last_digest_at is None


def test_digest_pages_in_the_desk(desk: Client) -> None:
    for path in ("/desk/newsletter/digest/", "/desk/newsletter/delivery/",
                 "/desk/newsletter/bounce/", "/desk/newsletter/subscriber/"):
        assert desk.get(path).status_code == 200


def test_a_view_only_account_cannot_lift_a_suppression(client: Client) -> None:
    viewer = User.objects.create_user("viewer", "viewer@example.org", "a-long-desk-password",
                                      is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_subscriber"))
    client.force_login(viewer)
    bounced = make_subscriber("bounced@example.org", status=SubscriberStatus.SUPPRESSED)
    listing = client.get("/desk/newsletter/subscriber/").content.decode()
    assert "bounced@example.org" in listing and "lift_suppression" not in listing
    client.post("/desk/newsletter/subscriber/", {
        "action": "lift_suppression", "_selected_action": [bounced.id]})
    bounced.refresh_from_db()
    assert bounced.status == SubscriberStatus.SUPPRESSED
