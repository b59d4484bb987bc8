"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it accepts.

``replies`` scripts answers per recipient: a list of SMTP replies ("451 4.7.1 Try later") used
one per attempt before the address is accepted. ``mail_from_reply``, when set, refuses every
sender (as a relay does when its login is missing). ``on_data`` runs before a message is accepted
and may return a reply to refuse it. Run as a script, it is a counting sink for other processes:
it prints "READY <port>", then the count when its standard input closes.
"""

from __future__ import annotations

import email
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=default)  # type: ignore[return-value]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Sink:
    """The aiosmtpd handler."""

    def __init__(self, keep: bool = True) -> None:
        self.keep = keep
        self.received: list[Received] = []
        self.count = 0
        self.replies: dict[str, list[str]] = {}
        self.on_data: Callable[[Any], str | None] | None = None
        self.mail_from_reply: str | None = None
        self.lock = threading.Lock()

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          mail_options: list[str]) -> str:
        if self.mail_from_reply:
            return self.mail_from_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        with self.lock:
            planned = self.replies.get(address)
            reply = planned.pop(0) if planned else None
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.on_data is not None:
            refusal = self.on_data(envelope)
            if refusal:
                return refusal
        with self.lock:
            self.count += 1
            if self.keep:
                self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                              bytes(envelope.content)))
        return "250 Message accepted"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.received if address in m.rcpt_tos]


class SmtpServer:
    def __init__(self, keep: bool = True) -> None:
        self.sink = Sink(keep)
        self.port = free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port,
                                     data_size_limit=10 * 1024 * 1024)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


if __name__ == "__main__":
    server = SmtpServer(keep=False).start()
    print(f"READY {server.port}", flush=True)
    sys.stdin.read()
    server.stop()
    print(server.sink.count, flush=True)
