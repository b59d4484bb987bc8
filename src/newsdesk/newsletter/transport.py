"""How a built message leaves: a pooled SMTP connection, or the configured Django mail backend.

Each transport sends one message to one recipient and says what the server answered of that
recipient: sent, retry later (4xx) or failed for good (5xx). An answer that is not about the
recipient (the server refuses our sender, our login or the message; it cannot be reached, or
drops the connection again at once) is "halt": the send stops, and no subscriber is blamed.
"""

from __future__ import annotations

import smtplib
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.mail import get_connection

from newsdesk.newsletter.outbox import RawEmailMessage

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
MESSAGES_PER_CONNECTION = 1000  # some providers close a connection after this many


@dataclass(frozen=True)
class SendResult:
    outcome: str  # "sent", "retry" or "failed" (this recipient), or "halt" (the server)
    code: int | None = None
    error: str = ""


def _text(message: bytes | str) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)


def _halt(error: Exception) -> SendResult:
    if isinstance(error, smtplib.SMTPResponseException) and error.smtp_code > 0:
        return SendResult("halt", error.smtp_code,
                          f"{error.smtp_code} {_text(error.smtp_error)}"[:500])
    return SendResult("halt", None, f"{type(error).__name__}: {error}"[:500])


def _answer(code: int, message: bytes | str) -> SendResult:
    if 200 <= code < 300:
        return SendResult("sent", code)
    return SendResult("failed" if code >= 500 else "retry", code, _text(message)[:500])


class Transport(Protocol):
    def send(self, *, envelope_from: str, to: str, raw: bytes) -> SendResult: ...

    def close(self) -> None: ...


class SmtpTransport:
    """One SMTP connection, opened on first use, kept open across messages, reopened when lost."""

    def __init__(self, *, host: str, port: int, username: str = "", password: str = "",
                 use_tls: bool = False, use_ssl: bool = False, timeout: float = 30) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.username, self.password = username, password
        self.use_tls, self.use_ssl = use_tls, use_ssl
        self.connection: smtplib.SMTP | None = None
        self.sent_on_connection = 0

    def _open(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.use_ssl:
            connection: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                        context=context)
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.use_tls:
                connection.starttls(context=context)
        if self.username:
            connection.login(self.username, self.password)
        self.sent_on_connection = 0
        return connection

    def send(self, *, envelope_from: str, to: str, raw: bytes) -> SendResult:
        for attempt in (1, 2):  # a connection lost since the last message is opened again once
            try:
                if self.connection is None or self.sent_on_connection >= MESSAGES_PER_CONNECTION:
                    self.close()
                    self.connection = self._open()
                self.connection.sendmail(envelope_from, [to], raw)
                self.sent_on_connection += 1
                return SendResult("sent", 250)
            except smtplib.SMTPRecipientsRefused as refused:  # the answer to RCPT TO: this one
                code, message = next(iter(refused.recipients.values()))
                return _answer(code, message)
            except (smtplib.SMTPServerDisconnected, ConnectionError) as error:
                self.close()
                if attempt == 2 or self.sent_on_connection == 0:
                    return _halt(error)
            except (smtplib.SMTPException, OSError) as error:
                # MAIL FROM, AUTH, HELO or DATA refused, no connection at all: not the recipient
                self.close()
                return _halt(error)
        raise AssertionError("unreachable")

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()


class BackendTransport:
    """Any Django mail backend (the outbox by default, locmem in tests): no SMTP answers to read."""

    def __init__(self) -> None:
        self.connection = get_connection(fail_silently=False)

    def send(self, *, envelope_from: str, to: str, raw: bytes) -> SendResult:
        try:
            self.connection.send_messages([RawEmailMessage(raw, from_email=envelope_from, to=to)])
        except OSError as error:  # the outbox folder, a backend's server: not the recipient
            return SendResult("halt", None, str(error)[:500])
        return SendResult("sent")

    def close(self) -> None:
        self.connection.close()


def transport_factory() -> Callable[[], Transport]:
    """Makes one transport per sending thread, following EMAIL_BACKEND and the EMAIL_* settings."""
    if settings.EMAIL_BACKEND != SMTP_BACKEND:
        return BackendTransport
    options = {
        "host": settings.EMAIL_HOST, "port": int(settings.EMAIL_PORT),
        "username": settings.EMAIL_HOST_USER, "password": settings.EMAIL_HOST_PASSWORD,
        "use_tls": bool(settings.EMAIL_USE_TLS), "use_ssl": bool(settings.EMAIL_USE_SSL),
        "timeout": float(settings.EMAIL_TIMEOUT or 30),
    }
    return lambda: SmtpTransport(**options)  # type: ignore[arg-type]


class RateLimiter:
    """Token buckets: "*" caps all mail, a domain caps mail to that recipient domain (messages/s).

    Parsed from "*=50,gmail.com=10"; an empty spec limits nothing.
    """

    def __init__(self, spec: str) -> None:
        self.rates: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            key, _, rate = part.partition("=")
            if float(rate) > 0:
                self.rates[key.strip().lower()] = float(rate)
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, recipient: str) -> None:
        """Block until a message to recipient may go."""
        domain = recipient.rpartition("@")[2].lower()
        for key in ("*", domain):
            rate = self.rates.get(key)
            if rate is None:
                continue
            with self._lock:
                now = time.monotonic()
                slot = max(now, self._next.get(key, now))
                self._next[key] = slot + 1 / rate
            if slot > now:
                time.sleep(slot - now)
