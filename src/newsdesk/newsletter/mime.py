"""A digest message as RFC 5322 bytes, built from one rendering per edition.

The headers and MIME frame are fixed per edition; per recipient only To, Message-ID (and its
copy in X-Newsdesk-Message-ID), Date, the List-Unsubscribe links and the token inside both
bodies change. Building the bytes directly costs microseconds where the email package's
generator costs a millisecond.

The HTML part is packed into long 7-bit lines (non-ASCII as character references, line breaks
only where HTML has collapsible white space), which keeps it small (Gmail clips messages over
102 kB) and short in lines, which is what mail servers spend their time on. A part that cannot
be packed so (a word longer than a line, non-ASCII plain text) is sent quoted-printable.
"""

from __future__ import annotations

import binascii
import secrets
import time
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr

from django.conf import settings
from django.core.mail.message import sanitize_address
from django.urls import reverse

from newsdesk.newsletter.digest import RenderedDigest
from newsdesk.newsletter.dsn import COPY_OF_MESSAGE_ID


def _header_text(value: str) -> str:
    """A header value as 7-bit text: RFC 2047 encoded words when it is not ASCII."""
    return value if value.isascii() else Header(value, "utf-8").encode(maxlinelen=76)


LINE_LIMIT = 990  # RFC 5322 allows 998 octets
TOKEN_LIMIT = 160  # the longest token a packed line leaves room for


def _qp(text: str) -> bytes:
    return binascii.b2a_qp(text.replace("\r\n", "\n").encode("utf-8"), istext=True)


def _pack_html(html: str, placeholder: str) -> str | None:
    """The HTML in 7-bit lines that stay under the limit once each placeholder is a token."""
    words = " ".join(line.strip() for line in html.splitlines() if line.strip()).split(" ")
    words = [w.encode("ascii", "xmlcharrefreplace").decode("ascii") for w in words]
    return _wrap(words, placeholder)


def _pack_text(text: str, placeholder: str) -> str | None:
    """The plain text as it is, when it is 7-bit and no line would grow past the limit."""
    if not text.isascii():
        return None
    grow = TOKEN_LIMIT - len(placeholder)
    fits = all(len(line) + line.count(placeholder) * grow <= LINE_LIMIT
               for line in text.splitlines())
    return text.replace("\r\n", "\n") if fits else None


def _wrap(words: list[str], placeholder: str) -> str | None:
    grow = TOKEN_LIMIT - len(placeholder)
    lines: list[list[str]] = [[]]
    width = 0
    for word in words:
        size = len(word) + word.count(placeholder) * grow + 1
        if size > LINE_LIMIT:
            return None
        if width + size > LINE_LIMIT:
            lines.append([])
            width = 0
        lines[-1].append(word)
        width += size
    return "\n".join(" ".join(line) for line in lines) + "\n"


class _Part:
    """One body part, packed once per edition; personalised per recipient."""

    def __init__(self, subtype: str, content: str, packed: str | None, placeholder: str) -> None:
        self.content, self.packed, self.placeholder = content, packed, placeholder
        self.head = (f'Content-Type: text/{subtype}; charset="utf-8"\n'
                     "Content-Transfer-Encoding: {}\n\n")

    def encode(self, token: str) -> bytes:
        if self.packed is not None and len(token) <= TOKEN_LIMIT:
            return (self.head.format("7bit") + self.packed.replace(self.placeholder, token)
                    ).encode("ascii")
        body = _qp(self.content.replace(self.placeholder, token))
        return self.head.format("quoted-printable").encode() + body


def from_header() -> tuple[str, str]:
    """(the From header, the bare address) for the site's mail."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return (formataddr((name, address), charset="utf-8") if name else address), address


def mail_domain() -> str:
    return from_header()[1].rpartition("@")[2] or settings.SITE_DOMAIN


def unsubscribe_headers(token: str) -> list[str]:
    """RFC 2369 and RFC 8058 headers: an https link a mail client may POST to, and a mailto."""
    url = settings.BASE_URL + reverse("newsletter:unsubscribe", kwargs={"token": token})
    mailto = f"mailto:unsubscribe@{mail_domain()}?subject=unsubscribe%20{token}"
    return [f"List-Unsubscribe: <{url}>,\n <{mailto}>",
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click"]


class DigestMessage:
    """Builds one recipient's message from a shared rendering."""

    def __init__(self, rendered: RenderedDigest) -> None:
        self.rendered = rendered
        ph = rendered.placeholder
        self.text = _Part("plain", rendered.text, _pack_text(rendered.text, ph), ph)
        self.html = _Part("html", rendered.html, _pack_html(rendered.html, ph), ph)
        self.boundary = "=_nd_" + secrets.token_hex(12)
        from_value, self.envelope_from = from_header()
        self._fixed = "\n".join([
            f"From: {from_value}",
            f"Subject: {_header_text(rendered.subject)}",
            "MIME-Version: 1.0",
            f"List-Id: {_header_text(settings.SITE_NAME)} newsletter <newsletter.{mail_domain()}>",
            "Auto-Submitted: auto-generated",
            f'Content-Type: multipart/alternative; boundary="{self.boundary}"',
        ])
        self._date_second = 0
        self._date = ""

    def _now(self) -> str:
        second = int(time.time())
        if second != self._date_second:
            self._date_second, self._date = second, formatdate(second, usegmt=True)
        return self._date

    def build(self, *, to: str, token: str, message_id: str) -> bytes:
        """The whole message, CRLF line ends, ready for SMTP DATA or an .eml file."""
        if "\n" in to or "\r" in to:
            raise ValueError("an address cannot hold a line break")
        address = to if to.isascii() else sanitize_address(to, "utf-8")
        # The Message-ID again, in a header relays leave alone (some mail services put their
        # own Message-ID in): a bounce report that quotes either shows the site sent the mail.
        head = "\n".join([f"To: {address}", f"Date: {self._now()}", f"Message-ID: {message_id}",
                          f"{COPY_OF_MESSAGE_ID}: {message_id}", *unsubscribe_headers(token),
                          self._fixed])
        boundary = f"--{self.boundary}\n".encode()
        raw = b"".join([
            head.encode("ascii"), b"\n\n", boundary, self.text.encode(token), b"\n",
            boundary, self.html.encode(token), f"\n--{self.boundary}--\n".encode(),
        ])
        return raw.replace(b"\n", b"\r\n")
