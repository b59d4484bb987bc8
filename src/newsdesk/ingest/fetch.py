"""Fetch one URL politely and safely: bounded in time and size, never into a private network.

The private-address guard lives in the connection layer (an httpcore network backend), so it
judges the address actually dialled by every connection, redirects included, and a DNS answer
that changes between a check and the connect (rebinding) cannot slip past it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import ssl
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import unquote, urlsplit

import httpcore
import httpx

from newsdesk.ingest.errors import (
    BlockedAddressError,
    FetchError,
    FetchTimeoutError,
    GoneError,
    HTTPStatusError,
    TooLargeError,
)
from newsdesk.ingest.types import FetchOptions, FetchResult

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

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

_PRIVATE = "private network address"
_DOCUMENTATION = "documentation address"
_LOOPBACK = "loopback address"
_LINK_LOCAL = "link-local address"
_MULTICAST = "multicast address"
_BENCHMARKING = "benchmarking address"
# First match wins, so narrower ranges come before the ranges that contain them.
_BLOCKED: tuple[tuple[IPNetwork, str], ...] = tuple(
    (ipaddress.ip_network(cidr), reason)
    for cidr, reason in (
        ("0.0.0.0/32", "unspecified address"),
        ("0.0.0.0/8", "'this network' address"),
        ("10.0.0.0/8", _PRIVATE),
        ("100.64.0.0/10", "carrier-grade NAT address"),
        ("127.0.0.0/8", _LOOPBACK),
        ("169.254.0.0/16", _LINK_LOCAL),
        ("172.16.0.0/12", _PRIVATE),
        ("192.0.0.0/24", "IETF protocol address"),
        ("192.0.2.0/24", _DOCUMENTATION),
        ("192.88.99.0/24", "6to4 relay address"),
        ("192.168.0.0/16", _PRIVATE),
        ("198.18.0.0/15", _BENCHMARKING),
        ("198.51.100.0/24", _DOCUMENTATION),
        ("203.0.113.0/24", _DOCUMENTATION),
        ("224.0.0.0/4", _MULTICAST),
        ("255.255.255.255/32", "broadcast address"),
        ("240.0.0.0/4", "reserved address"),
        ("::/128", "unspecified address"),
        ("::1/128", _LOOPBACK),
        ("::/96", "IPv4-compatible address"),
        ("64:ff9b:1::/48", "local-use NAT64 address"),
        ("100::/64", "discard-only address"),
        ("2001:2::/48", _BENCHMARKING),
        ("2001:10::/28", "ORCHID address"),
        ("2001:db8::/32", _DOCUMENTATION),
        ("3fff::/20", _DOCUMENTATION),
        ("fc00::/7", "unique-local (private network) address"),
        ("fe80::/10", _LINK_LOCAL),
        ("fec0::/10", "site-local address"),
        ("ff00::/8", _MULTICAST),
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")
# inet_aton's legacy spellings: 2130706433, 0177.0.0.1, 0x7f.1, 127.1 all mean 127.0.0.1.
_LEGACY_IPV4 = re.compile(r"(?:(?:0x[0-9a-f]*|[0-9]+)\.){0,3}(?:0x[0-9a-f]*|[0-9]+)\.?", re.I)

# The deadline of the fetch running in this thread; every socket operation is held to it.
_DEADLINE: ContextVar[float | None] = ContextVar("newsdesk_fetch_deadline", default=None)
# getaddrinfo cannot time out, so lookups run here and the caller waits only as long as allowed.
_DNS_LOOKUPS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="newsdesk-dns")


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
    token = _DEADLINE.set(deadline)
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
        _DEADLINE.reset(token)
        if client is None:
            http.close()


def make_client(options: FetchOptions, *, resolver: Resolver | None = None) -> httpx.Client:
    """A pooled httpx client whose every connection passes the private-address guard."""
    backend = _GuardedBackend(_Allowance.parse(options.allow_private), resolver or _getaddrinfo)
    pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=100,
        max_keepalive_connections=20,
        keepalive_expiry=5.0,
        network_backend=backend,
    )
    return httpx.Client(
        transport=_GuardedTransport(pool),
        headers={
            "User-Agent": options.user_agent,
            "Accept": _ACCEPT,
            "Accept-Encoding": _ACCEPT_ENCODING,
        },
        timeout=options.timeout,
        follow_redirects=False,
        trust_env=False,  # a proxy from the environment would dial on our behalf, unguarded
    )


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
    address = _literal_address(host)
    if address is not None:
        _refuse_if_blocked(host, address, _Allowance.parse(options.allow_private))
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
    except zlib.error as exc:
        raise FetchError(f"{url.host} sent a damaged compressed body") from exc


# --- the private-address guard ---------------------------------------------------------------


@dataclass(frozen=True)
class _Allowance:
    """options.allow_private, split into host names and networks."""

    hosts: frozenset[str]
    networks: tuple[IPNetwork, ...]

    @classmethod
    def parse(cls, entries: Iterable[str]) -> _Allowance:
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry.strip("[] "), strict=False))
            except ValueError:
                hosts.add(_normal_host(entry))
        return cls(frozenset(hosts), tuple(networks))

    def allows(self, host: str, address: IPAddress) -> bool:
        if _normal_host(host) in self.hosts:
            return True
        candidates = [address, *(inner for inner, _form in _embedded_ipv4(address))]
        return any(ip in network for ip in candidates for network in self.networks)


def _normal_host(host: str) -> str:
    return unquote(host).strip("[] ").rstrip(".").lower()


def _literal_address(host: str) -> IPAddress | None:
    """The address a host name spells directly, in any spelling a resolver would accept."""
    host = _normal_host(host)
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host)
    if _LEGACY_IPV4.fullmatch(host):
        with contextlib.suppress(OSError):
            return ipaddress.IPv4Address(socket.inet_aton(host))
    return None


def _embedded_ipv4(address: IPAddress) -> list[tuple[ipaddress.IPv4Address, str]]:
    """The IPv4 addresses an IPv6 address carries and would deliver to, with the form's name."""
    if isinstance(address, ipaddress.IPv4Address):
        return []
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.ipv4_mapped is not None:
        return [(address.ipv4_mapped, "an IPv4-mapped")]
    if address in _NAT64:
        return [(low32, "a NAT64")]
    if address in _IPV4_TRANSLATED:
        return [(low32, "an IPv4-translated")]
    if address.sixtofour is not None:
        return [(address.sixtofour, "a 6to4")]
    if address.teredo is not None:
        server, client = address.teredo
        return [(server, "a Teredo"), (client, "a Teredo")]
    return []


def _blocked_reason(address: IPAddress) -> str | None:
    embedded = _embedded_ipv4(address)
    if embedded:
        for inner, form in embedded:
            reason = _blocked_reason(inner)
            if reason is not None:
                return f"{reason} {inner} inside {form} address"
        return None
    for network, reason in _BLOCKED:
        if address in network:
            return reason
    # ipaddress follows IANA's registry, which may list ranges newer than the table above.
    return None if address.is_global else "reserved address"


def _refuse_if_blocked(host: str, address: IPAddress, allowance: _Allowance) -> None:
    reason = _blocked_reason(address)
    if reason is not None and not allowance.allows(host, address):
        raise BlockedAddressError(f"Refused to connect to {address} ({reason}) for host {host}")


def _getaddrinfo(host: str, port: int) -> list[str]:
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(sockaddr[0]) for *_rest, sockaddr in answers))


def _bounded(timeout: float | None, expired: type[Exception]) -> float | None:
    """timeout, cut to what is left of this thread's fetch deadline."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise expired("the fetch deadline has passed")
    return remaining if timeout is None else min(timeout, remaining)


@contextlib.contextmanager
def _readable_connect_errors() -> Iterator[None]:
    """Say in the message why a connection failed: httpcore's pool drops the cause."""
    try:
        yield
    except httpcore.ConnectError as exc:
        cause = exc.__cause__
        if isinstance(cause, ssl.SSLCertVerificationError):
            raise httpcore.ConnectError(
                f"the secure connection failed: {cause.verify_message}"
            ) from cause
        if isinstance(cause, ssl.SSLError):
            reason = (cause.reason or str(cause)).replace("_", " ").lower()
            raise httpcore.ConnectError(f"the secure connection failed: {reason}") from cause
        if isinstance(cause, ConnectionRefusedError):
            raise httpcore.ConnectError("the server refused the connection") from cause
        raise


class _GuardedBackend(httpcore.SyncBackend):
    """Resolves each connection's host itself, refuses if any answer is blocked, and dials an
    allowed IP; TLS still verifies and sends SNI for the host name."""

    def __init__(self, allowance: _Allowance, resolver: Resolver) -> None:
        self._allowance = allowance
        self._resolver = resolver

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        literal = _literal_address(host)
        addresses = [literal] if literal is not None else self._resolve(host, port, timeout)
        for address in addresses:
            _refuse_if_blocked(host, address, self._allowance)
        for address in addresses[:-1]:
            with contextlib.suppress(httpcore.ConnectError, httpcore.ConnectTimeout):
                return self._dial(address, port, timeout, local_address, socket_options)
        return self._dial(addresses[-1], port, timeout, local_address, socket_options)

    def _resolve(self, host: str, port: int, timeout: float | None) -> list[IPAddress]:
        lookup = _DNS_LOOKUPS.submit(self._resolver, host, port)
        try:
            answers = lookup.result(timeout=_bounded(timeout, httpcore.ConnectTimeout))
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"looking up {host} took too long") from exc
        except OSError as exc:
            raise FetchError(
                f"Could not find the server {host}: the name does not resolve"
            ) from exc
        if not answers:
            raise FetchError(f"Could not find the server {host}: the name does not resolve")
        try:
            return [ipaddress.ip_address(answer) for answer in answers]
        except ValueError as exc:
            raise BlockedAddressError(
                f"Refused to connect to host {host}: "
                "its lookup gave something that is not an IP address"
            ) from exc

    def _dial(
        self,
        address: IPAddress,
        port: int,
        timeout: float | None,
        local_address: str | None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None,
    ) -> httpcore.NetworkStream:
        with _readable_connect_errors():
            stream = super().connect_tcp(
                str(address),
                port,
                timeout=_bounded(timeout, httpcore.ConnectTimeout),
                local_address=local_address,
                socket_options=socket_options,
            )
        return _DeadlineStream(stream)


class _DeadlineStream(httpcore.NetworkStream):
    """Holds each read and write to the fetch deadline, so a server that trickles its headers
    one byte at a time is cut off too."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        with _readable_connect_errors():
            return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> object:
        return self._inner.get_extra_info(info)


# --- an httpx transport over the guarded httpcore pool ----------------------------------------

# httpx 0.28's HTTPTransport cannot take a network backend, so this one wraps the pool itself.
_HTTPX_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextlib.contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for core_error, httpx_error in _HTTPX_ERRORS:
            if isinstance(exc, core_error):
                raise httpx_error(str(exc)) from exc
        raise


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, core_stream: Iterable[bytes]) -> None:
        self._core_stream = core_stream

    def __iter__(self) -> Iterator[bytes]:
        with _as_httpx_errors():
            yield from self._core_stream

    def close(self) -> None:
        close = getattr(self._core_stream, "close", None)
        if close is not None:
            close()


class _GuardedTransport(httpx.BaseTransport):
    def __init__(self, pool: httpcore.ConnectionPool) -> None:
        self._pool = pool

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            core_response = self._pool.handle_request(core_request)
        assert isinstance(core_response.stream, Iterable)
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_ResponseStream(core_response.stream),
            extensions=core_response.extensions,
        )

    def close(self) -> None:
        self._pool.close()
