"""The connection layer under the fetcher: every dial resolves, checks and is held to a deadline.

The private-address guard lives here (an httpcore network backend), so it judges the address
actually dialled by every connection, redirects included, and a DNS answer that changes between
a check and the connect (rebinding) cannot slip past it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar

import httpcore
import httpx

from newsdesk.ingest.addresses import Allowance, IPAddress, literal_address, refuse_if_blocked
from newsdesk.ingest.errors import BlockedAddressError, FetchError

Resolver = Callable[[str, int], list[str]]

# The deadline of the fetch running in this thread; every socket operation is held to it.
DEADLINE: ContextVar[float | None] = ContextVar("newsdesk_fetch_deadline", default=None)
# getaddrinfo cannot time out, so lookups run here and the caller waits only as long as allowed.
# A lookup its caller gave up on keeps its thread until the system resolver gives up (timeout
# times attempts, often 10 s or more): the pool has room for a process's concurrent fetches
# several times over, so that publishers whose name servers are dead never hold up the lookups
# of the rest. Threads are started only as lookups need them.
DNS_THREADS = 64
_DNS_LOOKUPS = ThreadPoolExecutor(max_workers=DNS_THREADS, thread_name_prefix="newsdesk-dns")


def system_resolver(host: str, port: int) -> list[str]:
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(sockaddr[0]) for *_rest, sockaddr in answers))


def _bounded(timeout: float | None, expired: type[Exception]) -> float | None:
    """timeout, cut to what is left of this thread's fetch deadline."""
    deadline = DEADLINE.get()
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


class GuardedBackend(httpcore.SyncBackend):
    """Resolves each connection's host itself, refuses if any answer is blocked, and dials an
    allowed IP; TLS still verifies and sends SNI for the host name."""

    def __init__(self, allowance: Allowance, resolver: Resolver) -> None:
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
        literal = literal_address(host)
        addresses = [literal] if literal is not None else self._resolve(host, port, timeout)
        for address in addresses:
            refuse_if_blocked(host, address, self._allowance)
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


class GuardedTransport(httpx.BaseTransport):
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
