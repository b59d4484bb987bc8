"""Bounces, complaints and mailed unsubscribe requests, by the endpoint and by the command."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from tests.newsletter.conftest import make_article, make_subscriber
from tests.newsletter.smtpsink import SmtpServer

from newsdesk.newsletter.models import Bounce, SubscriberStatus
from newsdesk.newsletter.sending import newsletter_send
from newsdesk.newsletter.tokens import inbound_key, manage_token

pytestmark = pytest.mark.django_db


def dsn(recipient: str, *, action: str = "failed", status: str = "5.1.1",
        message_id: str = "", quoted_headers: str = "") -> bytes:
    """A delivery status notification as an MTA writes one (RFC 3464), quoting the headers of
    the message it is about."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n"
        "To: newsroom@localhost\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThis is the mail system at host mx.example.net.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.net\r\nArrival-Date: Mon, 3 Mar 2025 09:00:00 +0000\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nOriginal-Recipient: rfc822;{recipient}\r\n"
        f"Action: {action}\r\nStatus: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <x>: Recipient address rejected: User unknown\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: newsroom@localhost\r\nTo: {recipient}\r\nSubject: Digest\r\n"
        f"Message-ID: {message_id}\r\n{quoted_headers}\r\n--B--\r\n"
    ).encode()


def complaint(recipient: str, *, message_id: str = "") -> bytes:
    """An abuse report in the Abuse Reporting Format (RFC 5965), quoting the message."""
    return (
        "From: feedback@isp.example\r\nTo: abuse@localhost\r\nSubject: complaint\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="F"\r\n\r\n'
        "--F\r\nContent-Type: text/plain\r\n\r\nA user marked this as spam.\r\n"
        "--F\r\nContent-Type: message/feedback-report\r\n\r\n"
        "Feedback-Type: abuse\r\nUser-Agent: isp/1.0\r\nVersion: 1\r\n\r\n"
        "--F\r\nContent-Type: message/rfc822\r\n\r\n"
        f"From: newsroom@localhost\r\nTo: {recipient}\r\nSubject: Digest\r\n"
        f"Message-ID: {message_id}\r\n\r\nbody\r\n--F--\r\n"
    ).encode()


def digests_sent(smtp_server: SmtpServer, *addresses: str) -> list[str]:
    """Send today's digests; the Message-ID of the one each address got."""
    newsletter_send(frequencies=["daily"])
    return [smtp_server.sink.to(address)[0].message["Message-ID"] for address in addresses]


def _post(client: Client, raw: bytes, key: str | None = None):  # type: ignore[no-untyped-def]
    return client.post(f"/newsletter/inbound/{key or inbound_key()}/", raw,
                       content_type="message/rfc822")


def test_hard_bounce_dsn_suppresses_the_address(client: Client, smtp_server: SmtpServer) -> None:
    make_article(title="Harbour news", regions=["asia"])
    gone = make_subscriber("gone@example.org")
    kept = make_subscriber("kept@example.org")
    [sent] = digests_sent(smtp_server, "gone@example.org")
    answer = _post(client, dsn("Gone@Example.org", message_id=sent))
    assert answer.status_code == 200
    assert answer.json()["reports"][0] == {"kind": "hard", "email": "gone@example.org",
                                           "status": "5.1.1", "counted": True}
    gone.refresh_from_db()
    kept.refresh_from_db()
    assert gone.status == SubscriberStatus.SUPPRESSED and "5.1.1" in gone.suppressed_reason
    assert kept.status == SubscriberStatus.ACTIVE


def test_a_bounce_through_a_relay_that_replaced_the_message_id_still_counts(
    client: Client, smtp_server: SmtpServer
) -> None:
    """Some mail services give each message a Message-ID of their own; the digest carries its
    own in X-Newsdesk-Message-ID too, which they leave alone."""
    make_article(title="Harbour news", regions=["asia"])
    gone = make_subscriber("gone@example.org")
    [sent] = digests_sent(smtp_server, "gone@example.org")
    assert smtp_server.sink.to("gone@example.org")[0].message["X-Newsdesk-Message-ID"] == sent

    raw = dsn("gone@example.org", message_id="<0100018c.relay-given@email.example>",
              quoted_headers=f"X-Newsdesk-Message-ID: {sent}\r\n")
    assert _post(client, raw).json()["reports"][0]["counted"] is True
    gone.refresh_from_db()
    assert gone.status == SubscriberStatus.SUPPRESSED


def test_three_soft_bounces_suppress(client: Client, smtp_server: SmtpServer) -> None:
    make_article(title="Harbour news", regions=["asia"])
    subscriber = make_subscriber("full@example.org")
    [sent] = digests_sent(smtp_server, "full@example.org")
    for expected in ("active", "active", "suppressed"):
        _post(client, dsn("full@example.org", action="delayed", status="4.2.2", message_id=sent))
        subscriber.refresh_from_db()
        assert subscriber.status == expected
    assert Bounce.objects.filter(email="full@example.org", kind="soft").count() == 3


def test_complaint_suppresses(client: Client, smtp_server: SmtpServer) -> None:
    make_article(title="Harbour news", regions=["asia"])
    subscriber = make_subscriber("angry@example.org")
    [sent] = digests_sent(smtp_server, "angry@example.org")
    answer = _post(client, complaint("angry@example.org", message_id=sent))
    assert answer.json()["reports"][0]["kind"] == "complaint"
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.SUPPRESSED


@pytest.mark.parametrize("quoted", ["none", "made up", "another reader's"])
def test_a_report_that_quotes_no_digest_sent_to_the_address_suppresses_nobody(
    client: Client, smtp_server: SmtpServer, quoted: str
) -> None:
    """Anyone can mail the site a bounce report or a complaint about any address."""
    make_article(title="Harbour news", regions=["asia"])
    reader = make_subscriber("reader@example.org")
    make_subscriber("other@example.org")
    [others] = digests_sent(smtp_server, "other@example.org")
    message_id = {"none": "", "made up": "<digest.1.1@localhost>",
                  "another reader's": others}[quoted]

    for raw in (dsn("reader@example.org", message_id=message_id),
                complaint("reader@example.org", message_id=message_id)):
        answer = _post(client, raw)
        assert answer.status_code == 200 and answer.json()["reports"][0]["counted"] is False

    reader.refresh_from_db()
    assert reader.status == SubscriberStatus.ACTIVE
    assert [(b.kind, b.counted) for b in Bounce.objects.filter(email="reader@example.org")
            .order_by("id")] == [("hard", False), ("complaint", False)]


def test_a_report_with_control_characters_is_recorded_without_them(
    client: Client, smtp_server: SmtpServer
) -> None:
    """PostgreSQL refuses a NUL in text: a bounce report with one must still count."""
    make_article(title="Harbour news", regions=["asia"])
    subscriber = make_subscriber("gone@example.org")
    [sent] = digests_sent(smtp_server, "gone@example.org")
    raw = dsn("gone@example.org", message_id=sent).replace(
        b"User unknown", b"User unknown\x00\x00\x07 junk")
    answer = _post(client, raw)
    assert answer.status_code == 200
    bounce = Bounce.objects.get(email="gone@example.org")
    assert "\x00" not in bounce.diagnostic and "User unknown junk" in bounce.diagnostic
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.SUPPRESSED


def test_endpoint_needs_its_key(client: Client) -> None:
    subscriber = make_subscriber("safe@example.org")
    assert _post(client, dsn("safe@example.org"), key="0" * 32).status_code == 404
    assert client.get(f"/newsletter/inbound/{inbound_key()}/").status_code == 405
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.ACTIVE


def test_command_reads_bounces_and_mailed_unsubscribes(tmp_path: Path, capsys,
                                                       smtp_server: SmtpServer) -> None:
    make_article(title="Harbour news", regions=["asia"])
    bounced = make_subscriber("bounced@example.org")
    leaving = make_subscriber("leaving@example.org")
    [sent] = digests_sent(smtp_server, "bounced@example.org")
    (tmp_path / "bounce.eml").write_bytes(dsn("bounced@example.org", message_id=sent))
    (tmp_path / "forged.eml").write_bytes(dsn("leaving@example.org"))
    (tmp_path / "letter.eml").write_bytes(b"From: reader@example.org\r\nSubject: Hello\r\n\r\n"
                                          b"Thanks for the digest.\r\n")
    request = EmailMessage()
    request["From"], request["To"] = "leaving@example.org", "unsubscribe@localhost"
    token = manage_token(subscriber_id=leaving.id, email=leaving.email)
    request["Subject"] = f"unsubscribe {token}"
    (tmp_path / "leave.eml").write_bytes(request.as_bytes())
    call_command("newsletter", "inbound", *(str(tmp_path / name) for name in (
        "bounce.eml", "forged.eml", "letter.eml", "leave.eml")))
    out = capsys.readouterr().out
    assert "bounce.eml: hard bounced@example.org 5.1.1\n" in out
    assert ("forged.eml: hard leaving@example.org 5.1.1 (not counted: it quotes no digest sent "
            "to that address)") in out
    assert ("letter.eml: nothing to act on (no bounce report, complaint or unsubscribe "
            "request)") in out
    bounced.refresh_from_db()
    leaving.refresh_from_db()
    assert bounced.status == SubscriberStatus.SUPPRESSED
    assert leaving.status == SubscriberStatus.UNSUBSCRIBED


def test_suppressed_address_gets_no_confirmation(client: Client, smtp_server) -> None:
    from tests.newsletter.helpers import sign_up

    make_subscriber("blocked@example.org", status=SubscriberStatus.SUPPRESSED)
    page = sign_up(client, email="blocked@example.org")
    assert page.status_code == 200 and "a message is on its way" in page.content.decode()
    assert smtp_server.sink.received == []
