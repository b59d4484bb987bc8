"""Fetch one URL politely and safely: bounded in time and size, never into a private network.

The guard on addresses is in the connection layer (transport.py), which checks every address
actually dialled; this module follows redirects, reads the body under its caps and turns every
outcome into a FetchResult or one of the errors in errors.py.
"""

from __future__ import annotations

import contextlib
import ssl
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from urllib.parse import urlsplit

import httpcore
import httpx

from newsdesk.ingest.addresses import Allowance, literal_address, refuse_if_blocked
from newsdesk.ingest.errors import (
    BlockedAddressError,
    FetchError,
    FetchTimeoutError,
    GoneError,
    HTTPStatusError,
    TooLargeError,
)
from newsdesk.ingest.transport import (
    DEADLINE,
    GuardedBackend,
    GuardedTransport,
    Resolver,
    system_resolver,
)
from newsdesk.ingest.types import FetchOptions, FetchResult

_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, "
    "text/html;q=0.7, application/xhtml+xml;q=0.7, */*;q=0.5"
)
# Only what _BoundedDecoder can inflate slice by slice; brotli has no output cap, so it stays off.
_ACCEPT_ENCODING = "gzip, deflate"
_SLICE = 64 * 1024  # the most one decompression step may produce
_PERMANENT = (301, 308)
_RETRY_LATER = (429, 503)

def fetch(
    url: str,
    *,
    options: FetchOptions,
    etag: str | None = None,
    last_modified: str | None = None,
    client: httpx.Client | None = None,
    resolver: Resolver | None = None,
) -> FetchResult:
    """GET url within options' limits; every failure is a FetchError an editor can read.

    Pass a client from make_client to reuse connections: its own options set the user agent
    and allow_private, and its own resolver is used; this call's options set the deadline, the
    size cap and the redirect limit. resolver is only for the one-off client made otherwise.
    """
    check_url(url, options=options)
    if client is not None and resolver is not None:
        raise ValueError("give the resolver to make_client when you pass a client")
    headers = {"If-None-Match": etag, "If-Modified-Since": last_modified}
    deadline = time.monotonic() + options.timeout
    token = DEADLINE.set(deadline)
    http = client or make_client(options, resolver=resolver)
    try:
        return _follow(
            http,
            url,
            headers={name: value for name, value in headers.items() if value},
            options=options,
            deadline=deadline,
        )
    finally:
        DEADLINE.reset(token)
        if client is None:
            http.close()


def make_client(options: FetchOptions, *, resolver: Resolver | None = None) -> httpx.Client:
    """A pooled httpx client whose every connection passes the private-address guard."""
    backend = GuardedBackend(Allowance.parse(options.allow_private), resolver or system_resolver)
    pool = httpcore.ConnectionPool(
        ssl_context=ssl_context(),
        max_connections=100,
        max_keepalive_connections=20,
        keepalive_expiry=5.0,
        network_backend=backend,
    )
    return httpx.Client(
        transport=GuardedTransport(pool),
        headers={
            "User-Agent": options.user_agent,
            "Accept": _ACCEPT,
            "Accept-Encoding": _ACCEPT_ENCODING,
        },
        timeout=options.timeout,
        follow_redirects=False,
        trust_env=False,  # a proxy from the environment would dial on our behalf, unguarded
    )


@cache
def ssl_context() -> ssl.SSLContext:
    """Loading the certificate bundle takes tens of milliseconds: once a process (and before
    forking workers, once for all of them)."""
    return httpx.create_ssl_context()


def check_url(url: str, *, options: FetchOptions) -> None:
    """Refuse, before any network traffic, a URL that could never be fetched safely."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError as exc:
        raise FetchError(f"{url} is not a valid web address") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise BlockedAddressError(
            f"Refused to fetch {url}: only http and https addresses can be fetched"
        )
    if not host:
        raise FetchError(f"{url} has no host name")
    address = literal_address(host)
    if address is not None:
        refuse_if_blocked(host, address, Allowance.parse(options.allow_private))
    try:
        httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(f"{url} is not a valid web address: {exc}") from exc


def _follow(
    client: httpx.Client,
    url: str,
    *,
    headers: dict[str, str],
    options: FetchOptions,
    deadline: float,
) -> FetchResult:
    request = client.build_request("GET", url, headers=headers)
    permanent = False
    for _hop in range(options.max_redirects + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _timed_out(request.url, options)
        # httpx's timeouts are per operation; none may outlast what is left of the deadline.
        request.extensions["timeout"] = httpx.Timeout(remaining).as_dict()
        with _fetch_errors(request.url, options):
            response = client.send(request, stream=True)
            try:
                if response.next_request is None:
                    return _result(
                        response, permanent=permanent, options=options, deadline=deadline
                    )
                permanent = permanent or response.status_code in _PERMANENT
                request = response.next_request
                check_url(str(request.url), options=options)
            finally:
                response.close()
    raise FetchError(f"{url} redirected more than {options.max_redirects} times")


def _result(
    response: httpx.Response, *, permanent: bool, options: FetchOptions, deadline: float
) -> FetchResult:
    url = str(response.url)
    status = response.status_code
    etag = response.headers.get("ETag")
    last_modified = response.headers.get("Last-Modified")
    if status == 304:
        request_headers = response.request.headers
        return FetchResult(
            url=url,
            status=status,
            not_modified=True,
            etag=etag or request_headers.get("If-None-Match"),
            last_modified=last_modified or request_headers.get("If-Modified-Since"),
            permanent_redirect=url if permanent else None,
        )
    if not 200 <= status < 300:
        raise _status_error(response)
    return FetchResult(
        url=url,
        status=status,
        content=_read_body(response, options=options, deadline=deadline),
        content_type=response.headers.get("Content-Type", "").split(";")[0].strip().lower(),
        etag=etag,
        last_modified=last_modified,
        permanent_redirect=url if permanent else None,
        encoding=response.charset_encoding,
    )


def _status_error(response: httpx.Response) -> HTTPStatusError:
    status = response.status_code
    answer = f"The server answered {status} {httpx.codes.get_reason_phrase(status)}".rstrip()
    if status == 410:
        return GoneError(f"{answer} for {response.url}: it was removed for good", status=status)
    if status in _RETRY_LATER:
        retry_after = _retry_after(response.headers.get("Retry-After", ""))
        wait = "" if retry_after is None else f"; it asks us to wait {retry_after:.0f} s"
        return HTTPStatusError(
            f"{answer} for {response.url}{wait}", status=status, retry_after=retry_after
        )
    return HTTPStatusError(f"{answer} for {response.url}", status=status)


def _retry_after(value: str) -> float | None:
    """Retry-After is either a number of seconds or an HTTP-date."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _read_body(response: httpx.Response, *, options: FetchOptions, deadline: float) -> bytes:
    content_encoding = response.headers.get("Content-Encoding", "")
    declared = response.headers.get("Content-Length", "")
    if not content_encoding and declared.isdigit() and int(declared) > options.max_bytes:
        raise _too_large(response.url, options)
    decoder = _BoundedDecoder(content_encoding, response.url)
    body = bytearray()
    for raw in response.iter_raw():
        if decoder.ended:  # bytes after the compressed stream's end: no part of the body
            break  # (a whole answer reads to its end, so that its connection can be reused)
        for piece in decoder.feed(raw):
            body += piece
            if len(body) > options.max_bytes:
                raise _too_large(response.url, options)
        if time.monotonic() > deadline:
            raise _timed_out(response.url, options)
    return bytes(body)


class _BoundedDecoder:
    """Undoes Content-Encoding in slices of at most _SLICE bytes, so a gzip bomb never expands
    in one step: the size cap is checked between slices."""

    def __init__(self, content_encoding: str, url: httpx.URL) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",")]
        codings = [c for c in codings if c not in ("", "identity")]
        self._raw_deflate_possible = codings == ["deflate"]
        self._inflater: zlib._Decompress | None = None
        if codings in (["gzip"], ["x-gzip"]):
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif codings == ["deflate"]:
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS)
        elif codings:
            raise FetchError(
                f"{url.host} compressed its answer as {content_encoding!r}, "
                "which Newsdesk cannot read"
            )

    @property
    def ended(self) -> bool:
        """The compressed stream is complete: no byte after it belongs to the body."""
        return self._inflater is not None and self._inflater.eof

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._inflater is None:
            yield data
            return
        while data and not self._inflater.eof:
            yield self._inflate(data)
            data = self._inflater.unconsumed_tail

    def _inflate(self, data: bytes) -> bytes:
        assert self._inflater is not None
        try:
            return self._inflater.decompress(data, _SLICE)
        except zlib.error:
            if not self._raw_deflate_possible:
                raise
            # Some servers send "deflate" without the zlib wrapper RFC 9110 asks for.
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._inflater.decompress(data, _SLICE)
        finally:
            self._raw_deflate_possible = False


def _too_large(url: httpx.URL, options: FetchOptions) -> TooLargeError:
    return TooLargeError(f"{url} is larger than the {_size(options.max_bytes)} limit")


def _timed_out(url: httpx.URL, options: FetchOptions) -> FetchTimeoutError:
    return FetchTimeoutError(f"{url} did not answer within {options.timeout:g} s")


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.3g} MB"
    return f"{count / 1024:.3g} KB"


@contextlib.contextmanager
def _fetch_errors(url: httpx.URL, options: FetchOptions) -> Iterator[None]:
    """Turn transport failures into FetchErrors that name the host and say what went wrong."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise _timed_out(url, options) from exc
    except httpx.ConnectError as exc:
        raise FetchError(f"Could not connect to {url.host}: {exc}") from exc
    except httpx.NetworkError as exc:
        raise FetchError(f"The connection to {url.host} broke off: {exc}") from exc
    except httpx.ProtocolError as exc:
        raise FetchError(f"{url.host} sent an answer that is not valid HTTP: {exc}") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"Could not fetch {url}: {exc}") from exc
    except httpx.InvalidURL as exc:  # httpx reading a redirect's Location ("data:,x")
        raise FetchError(f"{url} redirected to an address that cannot be fetched") from exc
    except zlib.error as exc:
        raise FetchError(f"{url.host} sent a damaged compressed body") from exc
