"""A real HTTP server on 127.0.0.1 for tests that need the network without leaving the machine.

Use the ``http_server`` fixture (defined here as ``http_server_fixture``, so a test module can
import it without its parameters shadowing the import)::

    def test_feed(http_server):
        http_server.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, b"<rss/>")
        local = FetchOptions(allow_private=("127.0.0.1",))
        result = fetch(http_server.url("/feed.xml"), options=local)
        assert http_server.requests[0].headers["user-agent"].startswith("Newsdesk")

``routes`` maps a path (tried with its query string first, then without) to either
``(status, headers, body)`` or a callable that gets the RequestHandler and writes the whole
answer itself; ``trickle``, ``sleep_then``, ``gzipped`` and ``gzip_bomb`` build the usual
awkward ones. An unknown path answers 404. The server speaks HTTP/1.1 with keep-alive, so
``connections`` shows whether a client reused its connections, and ``max_concurrency`` shows
how many requests each Host had in flight at once.
"""

from __future__ import annotations

import gzip
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socket import socket
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import pytest

Handler = Callable[["RequestHandler"], None]
Route = tuple[int, dict[str, str], bytes] | Handler


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # as sent, with the query string
    headers: dict[str, str]  # names lower-cased
    body: bytes


class LocalHTTPServer:
    """A threaded HTTP server on 127.0.0.1 and a free port, serving ``routes``."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[RecordedRequest] = []
        self.connections = 0  # TCP connections accepted
        self.max_concurrency: dict[str, int] = {}  # Host header -> most requests in flight at once
        self.stopping = threading.Event()  # set on stop, so slow handlers give up
        self._in_flight: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> LocalHTTPServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalHTTPServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.requests if urlsplit(request.path).path == path]

    def _accepted(self) -> None:
        with self._lock:
            self.connections += 1

    def _serving(self, request: RecordedRequest) -> None:
        host = request.headers.get("host", "")
        with self._lock:
            self.requests.append(request)
            self._in_flight[host] = self._in_flight.get(host, 0) + 1
            self.max_concurrency[host] = max(
                self.max_concurrency.get(host, 0), self._in_flight[host]
            )

    def _served(self, request: RecordedRequest) -> None:
        with self._lock:
            self._in_flight[request.headers.get("host", "")] -= 1

    def _route_for(self, path: str) -> Route | None:
        return self.routes.get(path, self.routes.get(urlsplit(path).path))


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: LocalHTTPServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), RequestHandler)

    def get_request(self) -> tuple[socket, Any]:
        accepted = super().get_request()
        self.owner._accepted()
        return accepted

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer is what several tests are about, not an error."""


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse can be observed
    timeout = 10  # an idle kept-alive connection frees its thread eventually
    server: _Server

    def do_GET(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def pause(self, seconds: float) -> bool:
        """Wait, unless the server is stopping; False means stop writing."""
        return not self.server.owner.stopping.wait(seconds)

    def send_plain(self, status: int, headers: dict[str, str], body: bytes) -> None:
        """Answer with status, headers and body; Content-Length is added when missing."""
        self.send_response(status)
        names = {name.lower() for name in headers}
        for name, value in headers.items():
            self.send_header(name, value)
        has_body = self.command != "HEAD" and status not in (204, 304)
        if "content-length" not in names and has_body:
            self.send_header("Content-Length", str(len(body)))
        # The request stops counting as in flight before its last bytes go out: a client that
        # has read them may start its next request at once, before this thread runs again.
        self._done()
        self.end_headers()
        if has_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the recorded requests say what happened."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = RecordedRequest(
            method=self.command,
            path=self.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        owner = self.server.owner
        owner._serving(request)
        self._in_flight: RecordedRequest | None = request
        try:
            route = owner._route_for(self.path)
            if route is None:
                self.send_plain(404, {"Content-Type": "text/plain"}, b"not found")
            elif callable(route):
                route(self)
            else:
                self.send_plain(*route)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            self._done()

    def _done(self) -> None:
        """The request no longer counts as in flight (once, however often it is called)."""
        request, self._in_flight = getattr(self, "_in_flight", None), None
        if request is not None:
            self.server.owner._served(request)


def trickle(body: bytes, *, interval: float, headers: dict[str, str] | None = None) -> Handler:
    """Send the headers at once, then the body one byte every interval seconds."""

    def handler(request: RequestHandler) -> None:
        request.send_response(200)
        for name, value in (headers or {"Content-Type": "application/rss+xml"}).items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        for byte in body:
            if not request.pause(interval):
                break
            request.wfile.write(bytes([byte]))
            request.wfile.flush()
        request.close_connection = True

    return handler


def sleep_then(seconds: float, route: Route) -> Handler:
    """Wait before answering as route does."""

    def handler(request: RequestHandler) -> None:
        if not request.pause(seconds):
            return
        if callable(route):
            route(request)
        else:
            request.send_plain(*route)

    return handler


def gzipped(body: bytes, *, headers: dict[str, str] | None = None) -> Route:
    """A 200 whose body is body, sent with Content-Encoding: gzip."""
    encoded = {"Content-Type": "application/rss+xml", **(headers or {}), "Content-Encoding": "gzip"}
    return (200, encoded, gzip.compress(body))


def gzip_bomb(decoded_size: int) -> Route:
    """A 200 of decoded_size zero bytes gzipped to a tiny body, built without holding it whole."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(decoded_size // len(block))]
    parts.append(compressor.compress(bytes(decoded_size % len(block))))
    parts.append(compressor.flush())
    return (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, b"".join(parts))


@pytest.fixture(name="http_server")
def http_server_fixture() -> Iterator[LocalHTTPServer]:
    """A started LocalHTTPServer, stopped after the test."""
    with LocalHTTPServer() as server:
        yield server
