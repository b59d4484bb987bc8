"""The fetch stage against a real server on 127.0.0.1: what a feed publisher can make it do."""

from __future__ import annotations

import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from tests.support.httpserver import (
    LocalHTTPServer,
    RequestHandler,
    gzip_bomb,
    gzipped,
    http_server_fixture,  # noqa: F401
    trickle,
)

from newsdesk.ingest.errors import (
    BlockedAddressError,
    FetchError,
    FetchTimeoutError,
    GoneError,
    HTTPStatusError,
    TooLargeError,
)
from newsdesk.ingest.fetch import check_url, fetch, make_client
from newsdesk.ingest.types import FetchOptions
from newsdesk.sources.services import FEED_THREADS

LOCAL = FetchOptions(allow_private=("127.0.0.1",))
RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def dialled(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every address a test dials; anything but loopback fails the test before it is dialled."""
    calls: list[tuple[str, int]] = []
    real = socket.create_connection

    def spy(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        calls.append(address)
        assert address[0] in ("127.0.0.1", "::1"), f"a test tried to dial {address[0]}"
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", spy)
    return calls


def names(table: dict[str, list[str]]) -> Callable[[str, int], list[str]]:
    """A resolver that answers from table, like a DNS server the test controls."""
    return lambda host, port: table[host]


def test_200_returns_body_and_what_the_headers_declare(http_server: LocalHTTPServer) -> None:
    http_server.routes["/feed.xml"] = (
        200,
        {
            "Content-Type": "application/rss+xml; charset=ISO-8859-1",
            "ETag": '"v1"',
            "Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT",
        },
        RSS,
    )

    result = fetch(http_server.url("/feed.xml"), options=LOCAL)

    assert (result.status, result.content, result.url) == (200, RSS, http_server.url("/feed.xml"))
    assert result.content_type == "application/rss+xml"
    assert result.encoding == "iso-8859-1"
    assert (result.etag, result.last_modified) == ('"v1"', "Wed, 01 Jan 2025 00:00:00 GMT")
    assert not result.not_modified and result.permanent_redirect is None
    sent = http_server.requests[0].headers
    assert sent["user-agent"] == LOCAL.user_agent
    assert "application/rss+xml" in sent["accept"] and "text/html" in sent["accept"]
    assert "gzip" in sent["accept-encoding"]


def test_gzipped_body_arrives_decoded(http_server: LocalHTTPServer) -> None:
    http_server.routes["/feed.xml"] = gzipped(RSS)

    assert fetch(http_server.url("/feed.xml"), options=LOCAL).content == RSS


@pytest.mark.parametrize(
    ("coding", "wbits"),
    [("gzip", 16 + zlib.MAX_WBITS), ("deflate", zlib.MAX_WBITS), ("deflate", -zlib.MAX_WBITS)],
)
def test_a_long_compressed_page_arrives_whole(
    http_server: LocalHTTPServer, coding: str, wbits: int
) -> None:
    page = b"".join(b"<p>Paragraph %d of the article.</p>\n" % n for n in range(20_000))
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    body = compressor.compress(page) + compressor.flush()
    http_server.routes["/article"] = (200, {"Content-Encoding": coding}, body)

    assert fetch(http_server.url("/article"), options=LOCAL).content == page


def test_an_unreadable_compression_is_explained(http_server: LocalHTTPServer) -> None:
    http_server.routes["/feed.xml"] = (200, {"Content-Encoding": "br"}, b"\x0b\x02\x80")

    with pytest.raises(FetchError, match="compressed its answer as 'br'"):
        fetch(http_server.url("/feed.xml"), options=LOCAL)


def test_conditional_get_round_trip_ends_in_304_without_a_body(
    http_server: LocalHTTPServer,
) -> None:
    validators = {"ETag": '"v1"', "Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT"}

    def conditional(request: RequestHandler) -> None:
        current = (
            request.headers.get("If-None-Match") == validators["ETag"]
            and request.headers.get("If-Modified-Since") == validators["Last-Modified"]
        )
        request.send_plain(304 if current else 200, validators, b"" if current else RSS)

    http_server.routes["/feed.xml"] = conditional
    first = fetch(http_server.url("/feed.xml"), options=LOCAL)

    again = fetch(
        http_server.url("/feed.xml"),
        options=LOCAL,
        etag=first.etag,
        last_modified=first.last_modified,
    )

    assert first.content == RSS
    assert again.not_modified and again.status == 304 and again.content == b""
    assert (again.etag, again.last_modified) == (first.etag, first.last_modified)


def test_429_says_how_long_to_wait_in_seconds(http_server: LocalHTTPServer) -> None:
    http_server.routes["/feed.xml"] = (429, {"Retry-After": "3600"}, b"slow down")

    with pytest.raises(HTTPStatusError) as caught:
        fetch(http_server.url("/feed.xml"), options=LOCAL)

    assert caught.value.status == 429
    assert caught.value.retry_after is not None and caught.value.retry_after >= 3600


def test_503_with_an_http_date_retry_after(http_server: LocalHTTPServer) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
    http_server.routes["/feed.xml"] = (503, {"Retry-After": later}, b"maintenance")

    with pytest.raises(HTTPStatusError) as caught:
        fetch(http_server.url("/feed.xml"), options=LOCAL)

    assert caught.value.status == 503
    assert caught.value.retry_after is not None and 7100 < caught.value.retry_after <= 7200


def test_410_means_gone_for_good(http_server: LocalHTTPServer) -> None:
    http_server.routes["/feed.xml"] = (410, {}, b"")

    with pytest.raises(GoneError) as caught:
        fetch(http_server.url("/feed.xml"), options=LOCAL)

    assert caught.value.status == 410


def test_404_reads_like_a_sentence(http_server: LocalHTTPServer) -> None:
    with pytest.raises(HTTPStatusError) as caught:
        fetch(http_server.url("/missing.xml"), options=LOCAL)

    assert caught.value.status == 404
    assert "The server answered 404 Not Found" in str(caught.value)


@pytest.mark.parametrize(("status", "permanent"), [(301, True), (308, True), (302, False)])
def test_redirect_reports_the_new_address_only_when_permanent(
    http_server: LocalHTTPServer, status: int, permanent: bool
) -> None:
    http_server.routes["/old.xml"] = (status, {"Location": "/new.xml"}, b"")
    http_server.routes["/new.xml"] = (200, {"Content-Type": "application/rss+xml"}, RSS)

    result = fetch(http_server.url("/old.xml"), options=LOCAL)

    assert result.url == http_server.url("/new.xml") and result.content == RSS
    assert result.permanent_redirect == (http_server.url("/new.xml") if permanent else None)


def test_endless_redirects_stop_at_the_limit(http_server: LocalHTTPServer) -> None:
    http_server.routes["/loop"] = (302, {"Location": "/loop"}, b"")

    with pytest.raises(FetchError, match="redirected more than 2 times"):
        fetch(
            http_server.url("/loop"),
            options=FetchOptions(allow_private=("127.0.0.1",), max_redirects=2),
        )

    assert len(http_server.requests_to("/loop")) == 3


def test_a_trickling_body_is_cut_off_at_the_total_deadline(http_server: LocalHTTPServer) -> None:
    http_server.routes["/slow.xml"] = trickle(RSS, interval=0.05)  # about 4 s in all
    options = FetchOptions(allow_private=("127.0.0.1",), timeout=1.0)
    started = time.monotonic()

    with pytest.raises(FetchTimeoutError, match="did not answer within 1 s"):
        fetch(http_server.url("/slow.xml"), options=options)

    assert time.monotonic() - started < 1.5


def test_a_compressed_body_is_read_only_to_its_end(http_server: LocalHTTPServer) -> None:
    """What a server sends after the end of the gzip stream is never read: a server that keeps
    sending after it cannot hold the fetch until its deadline."""

    def gzip_then_junk(request: RequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "application/rss+xml")
        request.send_header("Content-Encoding", "gzip")
        request.send_header("Connection", "close")
        request.end_headers()
        request.wfile.write(zlib.compress(RSS, wbits=16 + zlib.MAX_WBITS))
        request.wfile.flush()
        for _ in range(100):  # about 5 s of junk after the end
            if not request.pause(0.05):
                break
            request.wfile.write(b"junk")
            request.wfile.flush()
        request.close_connection = True

    http_server.routes["/feed.xml"] = gzip_then_junk

    result = fetch(http_server.url("/feed.xml"),
                   options=FetchOptions(allow_private=("127.0.0.1",), timeout=1.0))

    assert result.content == RSS


def test_trickling_headers_are_cut_off_at_the_total_deadline(
    http_server: LocalHTTPServer,
) -> None:
    def slow_headers(request: RequestHandler) -> None:
        for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"x" * 200:
            if not request.pause(0.02):
                return
            request.wfile.write(bytes([byte]))
            request.wfile.flush()

    http_server.routes["/slow.xml"] = slow_headers
    started = time.monotonic()

    with pytest.raises(FetchTimeoutError):
        fetch(
            http_server.url("/slow.xml"),
            options=FetchOptions(allow_private=("127.0.0.1",), timeout=0.5),
        )

    assert time.monotonic() - started < 1.0


def test_a_body_over_the_cap_is_refused(http_server: LocalHTTPServer) -> None:
    def undeclared_length(request: RequestHandler) -> None:
        request.send_response(200)
        request.send_header("Connection", "close")
        request.end_headers()
        for _ in range(3):
            request.wfile.write(bytes(MB))
        request.close_connection = True

    http_server.routes["/declared"] = (200, {}, bytes(2 * MB))
    http_server.routes["/undeclared"] = undeclared_length
    options = FetchOptions(allow_private=("127.0.0.1",), max_bytes=MB)

    with pytest.raises(TooLargeError, match="larger than the 1 MB limit"):
        fetch(http_server.url("/declared"), options=options)
    with pytest.raises(TooLargeError):
        fetch(http_server.url("/undeclared"), options=options)


def test_a_gzip_bomb_is_refused_in_bounded_memory(http_server: LocalHTTPServer) -> None:
    http_server.routes["/bomb"] = gzip_bomb(50 * MB)
    options = FetchOptions(allow_private=("127.0.0.1",), max_bytes=MB)
    tracemalloc.start()
    try:
        with pytest.raises(TooLargeError):
            fetch(http_server.url("/bomb"), options=options)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 8 * MB


def test_a_redirect_to_loopback_is_refused(http_server: LocalHTTPServer) -> None:
    options = FetchOptions(allow_private=("feeds.example",))
    resolver = names({"feeds.example": ["127.0.0.1"], "sneaky.example": ["127.0.0.1"]})
    http_server.routes["/literal"] = (302, {"Location": http_server.url("/secret")}, b"")
    http_server.routes["/named"] = (
        302,
        {"Location": f"http://sneaky.example:{http_server.port}/secret"},
        b"",
    )

    for start in ("/literal", "/named"):
        with pytest.raises(BlockedAddressError, match=r"127\.0\.0\.1 \(loopback address\)"):
            fetch(
                f"http://feeds.example:{http_server.port}{start}",
                options=options,
                resolver=resolver,
            )

    assert http_server.requests_to("/secret") == []
    assert http_server.connections == 2  # one for each start; none for the hop


def test_a_name_resolving_to_a_private_address_is_never_dialled(dialled: list[Any]) -> None:
    resolver = names({"internal.example": ["10.0.0.5"]})

    with pytest.raises(BlockedAddressError) as caught:
        fetch("http://internal.example/feed", options=FetchOptions(), resolver=resolver)

    assert str(caught.value) == (
        "Refused to connect to 10.0.0.5 (private network address) for host internal.example; "
        "NEWSDESK_FETCH_ALLOW_PRIVATE lets a trusted one through"  # what the operator can do
    )
    assert dialled == []


def test_every_resolved_address_must_be_allowed(
    http_server: LocalHTTPServer, dialled: list[Any]
) -> None:
    resolver = names({"mixed.example": ["127.0.0.1", "10.0.0.5"]})

    with pytest.raises(BlockedAddressError, match="10.0.0.5"):
        fetch(f"http://mixed.example:{http_server.port}/", options=LOCAL, resolver=resolver)

    assert dialled == [] and http_server.connections == 0


@pytest.mark.parametrize(
    "host",
    ["[::ffff:127.0.0.1]", "2130706433", "0177.0.0.1", "0x7f.1", "127.1", "localhost"],
)
def test_loopback_in_any_spelling_is_refused(
    http_server: LocalHTTPServer, dialled: list[Any], host: str
) -> None:
    with pytest.raises(BlockedAddressError, match="Refused to connect"):
        fetch(f"http://{host}:{http_server.port}/", options=FetchOptions())

    assert dialled == [] and http_server.connections == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "ftp://example.com/feed.xml",
        "gopher://example.com/",
        "data:text/plain,hello",
    ],
)
def test_metadata_and_non_web_addresses_are_refused(dialled: list[Any], url: str) -> None:
    with pytest.raises(BlockedAddressError, match="Refused to"):
        fetch(url, options=FetchOptions())

    assert dialled == []


def test_a_redirect_to_a_file_url_is_refused(http_server: LocalHTTPServer) -> None:
    http_server.routes["/feed.xml"] = (301, {"Location": "file:///etc/passwd"}, b"")

    with pytest.raises(BlockedAddressError, match="only http and https"):
        fetch(http_server.url("/feed.xml"), options=LOCAL)


@pytest.mark.parametrize(
    "location",
    ["data:,x", "mailto:desk@news.example", "http:feed.xml", "http:\\\\evil.example\\x"],
)
def test_a_redirect_to_no_web_address_is_a_readable_fetch_error(
    http_server: LocalHTTPServer, location: str
) -> None:
    http_server.routes["/feed.xml"] = (302, {"Location": location}, b"")

    with pytest.raises(FetchError, match="redirected to an address that cannot be fetched"):
        fetch(http_server.url("/feed.xml"), options=LOCAL)


@pytest.mark.parametrize(
    "host",
    [
        "0.0.0.0",  # noqa: S104
        "10.1.2.3",
        "100.64.0.1",
        "168.63.129.16",
        "172.16.0.1",
        "192.168.1.1",
        "192.0.2.1",
        "198.18.0.1",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "[::]",
        "[::1]",
        "[fe80::1]",
        "[fc00::1]",
        "[fd12:3456::1]",
        "[fec0::1]",
        "[ff02::1]",
        "[2001:db8::1]",
        "[64:ff9b::10.0.0.5]",
        "[64:ff9b:1::1]",
        "[2002:a00:5::1]",
        "[2001:0:4136:e378:8000:63bf:f5ff:fffa]",  # Teredo, client 10.0.0.5
        "[::ffff:169.254.169.254]",
    ],
)
def test_check_url_refuses_every_non_public_address(host: str) -> None:
    with pytest.raises(BlockedAddressError):
        check_url(f"http://{host}/feed.xml", options=FetchOptions())


@pytest.mark.parametrize(
    "host",
    ["8.8.8.8", "[2606:4700::1111]", "[::ffff:8.8.8.8]", "[64:ff9b::8.8.8.8]", "news.example"],
)
def test_check_url_lets_public_addresses_through(host: str) -> None:
    check_url(f"https://{host}/feed.xml", options=FetchOptions())


@pytest.mark.parametrize("allowed", ["127.0.0.1", "127.0.0.0/8", "feeds.example"])
def test_allow_private_opens_the_guard_by_ip_network_or_host(
    http_server: LocalHTTPServer, allowed: str
) -> None:
    http_server.routes["/feed.xml"] = (200, {}, RSS)
    resolver = names({"feeds.example": ["127.0.0.1"]})

    result = fetch(
        f"http://feeds.example:{http_server.port}/feed.xml",
        options=FetchOptions(allow_private=(allowed,)),
        resolver=resolver,
    )

    assert result.content == RSS


@pytest.mark.parametrize("route", [(200, {}, RSS), gzipped(RSS)], ids=["plain", "gzip"])
def test_a_shared_client_reuses_its_connection(
    http_server: LocalHTTPServer, route: tuple[int, dict[str, str], bytes]
) -> None:
    http_server.routes["/a.xml"] = route
    http_server.routes["/b.xml"] = route

    with make_client(LOCAL) as client:
        fetch(http_server.url("/a.xml"), options=LOCAL, client=client)
        fetch(http_server.url("/b.xml"), options=LOCAL, client=client)

    assert http_server.connections == 1


@pytest.mark.parametrize("url", ["http://ex\x00ample.org/feed", "http://example.org/\x7ffeed"])
def test_an_address_that_is_no_url_is_explained(url: str) -> None:
    with pytest.raises(FetchError, match="is not a valid web address"):
        fetch(url, options=FetchOptions())


def test_a_refused_connection_is_explained() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]

    with pytest.raises(FetchError, match="127.0.0.1: the server refused the connection"):
        fetch(f"http://127.0.0.1:{port}/", options=LOCAL)


def test_a_name_that_does_not_resolve_is_explained() -> None:
    def nxdomain(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(FetchError, match="Could not find the server gone.example"):
        fetch("http://gone.example/", options=FetchOptions(), resolver=nxdomain)


def test_lookups_that_hang_do_not_hold_up_other_fetches(http_server: LocalHTTPServer) -> None:
    """A process polls FEED_THREADS feeds at once; when every one of them meets a name server
    that never answers, the next fetch still gets its lookup."""
    http_server.routes["/feed.xml"] = (200, {}, RSS)
    answer = threading.Event()

    def stuck(host: str, port: int) -> list[str]:
        answer.wait(10)
        return ["192.0.2.1"]

    def dead_dns(number: int) -> None:
        with pytest.raises(FetchTimeoutError):
            fetch(f"http://dead-{number}.example/", options=FetchOptions(timeout=0.3),
                  resolver=stuck)

    try:
        with ThreadPoolExecutor(max_workers=FEED_THREADS) as pool:
            list(pool.map(dead_dns, range(FEED_THREADS)))
        result = fetch(
            f"http://alive.example:{http_server.port}/feed.xml",
            options=FetchOptions(allow_private=("alive.example",), timeout=2.0),
            resolver=lambda host, port: ["127.0.0.1"],
        )
    finally:
        answer.set()

    assert result.content == RSS


def test_a_slow_name_lookup_counts_against_the_deadline() -> None:
    answer = threading.Event()

    def stuck(host: str, port: int) -> list[str]:
        answer.wait(5)
        return ["127.0.0.1"]

    started = time.monotonic()
    try:
        with pytest.raises(FetchTimeoutError):
            fetch("http://slow-dns.example/", options=FetchOptions(timeout=0.3), resolver=stuck)
    finally:
        answer.set()

    assert time.monotonic() - started < 1.0


def test_a_failed_tls_handshake_is_explained(http_server: LocalHTTPServer) -> None:
    with pytest.raises(FetchError, match="the secure connection failed"):
        fetch(f"https://127.0.0.1:{http_server.port}/", options=LOCAL)


def test_an_answer_that_is_not_http_is_explained(http_server: LocalHTTPServer) -> None:
    def garbage(request: RequestHandler) -> None:
        request.wfile.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
        request.close_connection = True

    http_server.routes["/feed.xml"] = garbage

    with pytest.raises(FetchError, match="not valid HTTP"):
        fetch(http_server.url("/feed.xml"), options=LOCAL)
