"""Serve the generated feeds on 127.0.0.1 with ETag, Last-Modified, gzip and 304s.

Run as a subprocess, so that serving never competes with the measured client for its GIL:
`feedserver.py [COUNT]` prints one line, `READY <port> <feeds> <entries>`, then serves until its stdin closes.
GET /_stats answers the status counts since the last /_stats?reset=1, as JSON.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
import threading
import urllib.request
from collections import Counter
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from feedgen import FEED_COUNT, Feed, generate


class _Entry:
    def __init__(self, feed: Feed) -> None:
        self.feed = feed
        self.gzipped = gzip.compress(feed.body, compresslevel=6, mtime=0)
        self.etag = '"' + hashlib.sha1(feed.body, usedforsecurity=False).hexdigest()[:20] + '"'
        self.last_modified = format_datetime(feed.last_modified, usegmt=True)


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, feeds: list[Feed]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.entries = {feed.path: _Entry(feed) for feed in feeds}
        self.counts: Counter[int] = Counter()
        self.lock = threading.Lock()

    def count(self, status: int) -> None:
        with self.lock:
            self.counts[status] += 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers
    server: FeedServer

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
    with urllib.request.urlopen(f"{base_url}/_stats?reset=1", timeout=10) as response:
        return dict(json.load(response))


def main() -> None:
    feeds = generate(int(sys.argv[1]) if len(sys.argv) > 1 else FEED_COUNT)
    server = FeedServer(feeds)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    entries = sum(feed.item_count for feed in feeds)
    print(f"READY {server.server_address[1]} {len(feeds)} {entries}", flush=True)
    sys.stdin.read()  # the parent closes our stdin to stop us
    server.shutdown()


if __name__ == "__main__":
    main()
