"""The visitor's address behind a proxy: quotas and ad counting key on it."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from pytest_django.fixtures import Settings

from newsdesk.site.visitors import client_ip


@pytest.mark.parametrize(("header", "meta", "expected"), [
    ("", {"HTTP_X_FORWARDED_FOR": "6.6.6.6"}, "10.1.1.1"),  # no proxy trusted: the connection
    ("X-Forwarded-For", {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9"}, "203.0.113.9"),
    ("HTTP_X_REAL_IP", {"HTTP_X_REAL_IP": "198.51.100.4"}, "198.51.100.4"),
    ("X-Real-IP", {}, "10.1.1.1"),  # the proxy sent nothing: fall back to the connection
])
def test_the_address_comes_from_the_trusted_proxy_header_only(
    settings: Settings, header: str, meta: dict[str, str], expected: str
) -> None:
    settings.NEWSDESK_CLIENT_IP_HEADER = header
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.1.1", **meta)
    assert client_ip(request) == expected
