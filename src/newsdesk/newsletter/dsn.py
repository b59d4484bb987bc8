"""What an inbound message says about an address: a DSN (RFC 3464), a complaint (ARF, RFC 5965)
or a mailed unsubscribe request (the mailto in List-Unsubscribe). Pure: bytes in, reports out.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses

from newsdesk.ingest.clean import NOT_TEXT

# The header digests repeat their Message-ID in (mime.py writes it): relays leave it alone.
COPY_OF_MESSAGE_ID = "X-Newsdesk-Message-ID"
TOKEN_IN_SUBJECT = re.compile(r"unsubscribe\s+(\S+)", re.IGNORECASE)


@dataclass(frozen=True)
class Report:
    kind: str  # "hard", "soft", "complaint" or "unsubscribe"
    email: str = ""
    status: str = ""
    diagnostic: str = ""
    token: str = ""  # for "unsubscribe"
    # of the message reported on, when the report quotes its headers: its Message-ID and the
    # copy digests carry in X-Newsdesk-Message-ID (a relay may have replaced the first)
    message_ids: tuple[str, ...] = ()


def _address(field: str | None) -> str:
    """The address in a DSN field such as "rfc822; someone@example.org"."""
    if not field:
        return ""
    value = str(field).partition(";")[2] or str(field)
    return value.strip().strip("<>").lower()


def _blocks(part: Message) -> list[Message]:
    """The field blocks of a message/delivery-status or message/feedback-report part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    text = payload if isinstance(payload, str) else ""
    return [message_from_bytes(chunk.strip().encode() + b"\n", policy=policy.compat32)
            for chunk in re.split(r"\r?\n\r?\n", text) if chunk.strip()]


def _delivery_status(part: Message) -> list[Report]:
    reports = []
    for block in _blocks(part)[1:]:  # the first block is about the message, the rest per recipient
        email = _address(block.get("Final-Recipient")) or _address(block.get("Original-Recipient"))
        action = str(block.get("Action", "")).strip().lower()
        status = str(block.get("Status", "")).strip()
        if not email or action not in {"failed", "delayed"}:
            continue
        hard = action == "failed" and status.startswith("5")
        reports.append(Report("hard" if hard else "soft", email, status,
                              " ".join(str(block.get("Diagnostic-Code", "")).split())[:1000]))
    return reports


def _original_headers(message: Message) -> Message | None:
    """The headers of the message a report is about, as its text/rfc822-headers or
    message/rfc822 part quotes them."""
    for inner in message.walk():
        if inner.get_content_type() in {"message/rfc822", "text/rfc822-headers"}:
            payload = inner.get_payload()
            if isinstance(payload, list):
                return payload[0] if payload and isinstance(payload[0], Message) else None
            return message_from_bytes(str(payload).encode(), policy=policy.compat32)
    return None


def _reported_message_ids(message: Message) -> tuple[str, ...]:
    original = _original_headers(message)
    if original is None:
        return ()
    found = (" ".join(str(original.get(name, "")).split())
             for name in ("Message-ID", COPY_OF_MESSAGE_ID))
    return tuple(value for value in found if value)


def _feedback(message: Message, part: Message) -> list[Report]:
    fields = _blocks(part)[0] if _blocks(part) else Message()
    email = _address(fields.get("Original-Rcpt-To"))
    if not email and (original := _original_headers(message)) is not None:
        found = getaddresses([str(original.get("To", ""))])
        email = found[0][1].lower() if found else ""
    kind = str(fields.get("Feedback-Type", "abuse")).strip().lower()
    return [Report("complaint", email, kind)] if email else []


def reports_from_message(raw: bytes) -> list[Report]:
    """What the message reports, every field text: a report is foreign input, and a NUL in it
    (which PostgreSQL refuses in text) must not cost the bounce."""
    def text(value: str) -> str:
        return " ".join(NOT_TEXT.sub("", value).split())

    def cleaned(value: str | tuple[str, ...]) -> str | tuple[str, ...]:
        return text(value) if isinstance(value, str) else tuple(text(v) for v in value)

    return [dataclasses.replace(report, **{
        field.name: cleaned(getattr(report, field.name)) for field in dataclasses.fields(report)})
        for report in _reports(raw)]


def _reports(raw: bytes) -> list[Report]:
    message = message_from_bytes(raw, policy=policy.compat32)
    if message.get_content_type() == "multipart/report":
        report_type = str(message.get_param("report-type", "")).lower()
        for part in message.walk():
            kind = part.get_content_type()
            if report_type == "delivery-status" and kind == "message/delivery-status":
                reports = _delivery_status(part)
            elif report_type == "feedback-report" and kind == "message/feedback-report":
                reports = _feedback(message, part)
            else:
                continue
            message_ids = _reported_message_ids(message)
            return [dataclasses.replace(report, message_ids=message_ids) for report in reports]
        return []
    subject = str(make_header(decode_header(str(message.get("Subject", "")))))
    match = TOKEN_IN_SUBJECT.search(subject)
    return [Report("unsubscribe", token=match.group(1))] if match else []
