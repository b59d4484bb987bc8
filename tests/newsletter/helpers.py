"""Filling in the sign-up form as a person (or a browser that ran the proof of work) would."""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any

from django.test import Client

from newsdesk.newsletter.abuse import challenge_issue

LINK = re.compile(r"https?://[^\s\"<>]+/newsletter/(confirm|preferences|unsubscribe|digest)/[^\s\"<>]+")


def answered(*, age: float = 10, **fields: Any) -> dict[str, Any]:
    """Form data with a challenge issued `age` seconds ago and its arithmetic answered."""
    challenge = challenge_issue(now=time.time() - age)
    a, b = map(int, re.findall(r"\d+", challenge.question))
    data: dict[str, Any] = {"email": "reader@example.org", "frequency": "daily", "consent": "on",
                            "website": "", "challenge": challenge.token, "work": "",
                            "answer": str(a + b)}
    data.update(fields)
    return data


def proof_of_work(token: str, bits: int) -> str:
    n = 0
    while int.from_bytes(hashlib.sha256(f"{token}:{n}".encode()).digest(), "big") >> (256 - bits):
        n += 1
    return str(n)


def sign_up(client: Client, **fields: Any) -> Any:
    ip = fields.pop("ip", "127.0.0.1")
    return client.post("/newsletter/", answered(**fields), REMOTE_ADDR=ip)


def links(text: str, kind: str) -> list[str]:
    return [m.group(0) for m in LINK.finditer(text) if m.group(1) == kind]


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]
