"""Serve the generated feeds on loopback with ETag, Last-Modified, gzip and 304s.

Run as a subprocess, so that serving never competes with the measured client for its GIL:
`feedserver.py [COUNT [HOSTS [LATENCY_MS [ITEMS]]]]` listens on HOSTS loopback addresses 127.0.1.1,
127.0.1.2 ... (by default one a feed: real feeds come from many publishers, and Newsdesk spaces
its requests to any one host), each serving every feed; it prints `READY <feeds> <entries>` and
one base URL a host, then serves until its stdin closes. LATENCY_MS delays every feed answer,
as the distance to a real publisher does (loopback answers in well under a millisecond);
ITEMS is a kind of item in feedgen.ITEM_KINDS (default: its first, "publisher").
GET /_stats answers the status counts, all hosts together, since the last call.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import selectors
import socket
import socketserver
import sys
import threading
import time
import urllib.request
from collections import Counter
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from feedgen import FEED_COUNT, ITEM_KINDS, Feed, generate


class _Entry:
    def __init__(self, feed: Feed) -> None:
        self.feed = feed
        self.gzipped = gzip.compress(feed.body, compresslevel=6, mtime=0)
        self.etag = '"' + hashlib.sha1(feed.body, usedforsecurity=False).hexdigest()[:20] + '"'
        self.last_modified = format_datetime(feed.last_modified, usegmt=True)


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address: str, entries: dict[str, _Entry], counts: Counter[int],
                 lock: threading.Lock, latency: float = 0.0) -> None:
        super().__init__((address, 0), _Handler)
        self.entries, self.counts, self.lock = entries, counts, lock
        self.latency = latency  # seconds each feed answer waits, as a distant server would

    def server_bind(self) -> None:
        """HTTPServer's, without asking the resolver for the address's name (socket.getfqdn),
        which for some loopback addresses waits out the resolver's 5 s timeout: 45 s of the
        start of 500 servers. The name is never used."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def count(self, status: int) -> None:
        with self.lock:
            self.counts[status] += 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers
    server: FeedServer

    def setup(self) -> None:
        super().setup()
        # As nginx's tcp_nodelay: else the body waits for the client's delayed ACK of the
        # headers, 40 ms a response on a kept-alive connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith("/_stats"):
            with self.server.lock:
                body = json.dumps({str(k): v for k, v in self.server.counts.items()}).encode()
                if "reset=1" in self.path:
                    self.server.counts.clear()
            self._send(200, {"Content-Type": "application/json"}, body)
            return
        if self.server.latency:
            time.sleep(self.server.latency)
        entry = self.server.entries.get(self.path.split("?")[0])
        if entry is None:
            self.server.count(404)
            self._send(404, {"Content-Type": "text/plain"}, b"not found\n")
            return
        validators = {"ETag": entry.etag, "Last-Modified": entry.last_modified}
        if self._not_modified(entry):
            self.server.count(304)
            self._send(304, validators, b"")
            return
        headers = {"Content-Type": entry.feed.content_type, "Vary": "Accept-Encoding",
                   "Cache-Control": "max-age=300", **validators}
        body = entry.feed.body
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            headers["Content-Encoding"] = "gzip"
            body = entry.gzipped
        self.server.count(200)
        self._send(200, headers, body)

    def _not_modified(self, entry: _Entry) -> bool:
        tags = self.headers.get("If-None-Match")
        if tags is not None:
            return tags.strip() == "*" or entry.etag in (t.strip().removeprefix("W/")
                                                         for t in tags.split(","))
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            return entry.feed.last_modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


def status_counts(base_url: str) -> dict[str, int]:
    """The server's answers by status since the last call, which resets them."""
    stats = f"{base_url}/_stats?reset=1"
    with urllib.request.urlopen(stats, timeout=10) as response:  # noqa: S310 - loopback only
        return dict(json.load(response))


def loopback_address(number: int) -> str:
    """127.0.1.1, 127.0.1.2 ... 127.0.1.250, 127.0.2.1 ...: all loopback on Linux."""
    return f"127.0.{1 + number // 250}.{1 + number % 250}"


def _accept_forever(servers: list[FeedServer]) -> None:
    """One thread watches every listening socket; each connection then gets its own thread."""
    with selectors.DefaultSelector() as selector:
        for server in servers:
            selector.register(server, selectors.EVENT_READ, server)
        while True:
            for key, _ in selector.select():
                key.data.handle_request()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else FEED_COUNT
    hosts = int(sys.argv[2]) if len(sys.argv) > 2 else count
    latency = float(sys.argv[3]) / 1000 if len(sys.argv) > 3 else 0.0
    feeds = generate(count, items=sys.argv[4] if len(sys.argv) > 4 else ITEM_KINDS[0])
    entries = {feed.path: _Entry(feed) for feed in feeds}
    counts: Counter[int] = Counter()
    lock = threading.Lock()
    servers = [FeedServer(loopback_address(n), entries, counts, lock, latency)
               for n in range(hosts)]
    threading.Thread(target=_accept_forever, args=(servers,), daemon=True).start()
    print(f"READY {len(feeds)} {sum(feed.item_count for feed in feeds)}", flush=True)
    for server in servers:
        address, port = server.server_address[:2]
        print(f"http://{address}:{port}", flush=True)
    sys.stdin.read()  # the parent closes our stdin to stop us; the threads are daemons


if __name__ == "__main__":
    main()
