"""The embedded default mail backend: one RFC 5322 `.eml` file per message in OUTBOX_DIR.

Nothing leaves the machine, and a person can open each file in a mail client. Files are
written under a temporary name and renamed, so a reader never sees half a message.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import SMTP
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend


class RawEmailMessage(EmailMessage):
    """A message already rendered to bytes (CRLF line ends), for backends that take EmailMessage."""

    def __init__(self, raw: bytes, *, from_email: str, to: str) -> None:
        super().__init__(from_email=from_email, to=[to])
        self.raw = raw

    def message(self) -> Any:
        return message_from_bytes(self.raw, policy=SMTP)


def message_bytes(message: EmailMessage) -> bytes:
    raw = getattr(message, "raw", None)
    if isinstance(raw, bytes):
        return raw
    return message.message().as_bytes(linesep="\r\n")


class EmailBackend(BaseEmailBackend):
    def __init__(self, *, file_path: str | Path | None = None, fail_silently: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.directory = Path(file_path or settings.OUTBOX_DIR)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            try:
                self.write(message_bytes(message))
            except OSError:
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        return sent

    def write(self, raw: bytes) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        final = self.directory / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
        partial = final.with_suffix(".eml.part")
        partial.write_bytes(raw)
        os.replace(partial, final)
        return final
