"""The demo publisher: three invented news sites served from one loopback HTTP server.

`make run` follows its feeds so the site has articles without touching the internet.
Run it alone with `python -m newsdesk.demo.publisher --port 8765`.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.utils import formatdate, parsedate_to_datetime
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from newsdesk.demo.content import DemoPublisherSite, load_publishers
from newsdesk.demo.feeds import feed_updated, render_feed
from newsdesk.demo.images import render_article_image
from newsdesk.demo.pages import FEED_TYPES, render_article_page, render_home_page

logger = logging.getLogger(__name__)
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Resource:
    """One response body with the validators a conditional request is checked against."""

    body: bytes
    content_type: str
    last_modified: datetime
    etag: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "etag", f'"{hashlib.sha256(self.body).hexdigest()[:24]}"')


def _site_routes(site: DemoPublisherSite, base_url: str) -> dict[str, Resource]:
    routes = {
        site.feed_local_path(): Resource(
            render_feed(site, base_url),
            f"{FEED_TYPES[site.feed_format]}; charset=utf-8",
            feed_updated(site),
        )
    }
    for article in site.articles:
        page = render_article_page(site, article, base_url).encode()
        routes[site.local_path(article)] = Resource(page, HTML, article.updated)
        image = render_article_image(article.slug)
        routes[site.image_path(article)] = Resource(image, "image/jpeg", article.published)
    return routes


def build_routes(base_url: str) -> dict[str, Resource]:
    """Every path the demo serves, rendered once: pages, feeds, images and the home page."""
    sites = load_publishers()
    routes: dict[str, Resource] = {}
    for site in sites:
        routes.update(_site_routes(site, base_url))
    newest = max(feed_updated(site) for site in sites)
    routes["/"] = Resource(render_home_page(sites, base_url).encode(), HTML, newest)
    return routes


def _is_fresh(headers: Message, resource: Resource) -> bool:
    """True when the client's copy is current (If-None-Match wins over If-Modified-Since)."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or resource.etag in tags
    if_modified_since = headers.get("If-Modified-Since")
    if not if_modified_since:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return resource.last_modified.replace(microsecond=0) <= since


class _Handler(BaseHTTPRequestHandler):
    server_version = "DemoPublisher/1.0"

    def __init__(self, *args: Any, routes: dict[str, Resource], **kwargs: Any) -> None:
        self.routes = routes  # set before the base class handles the request
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self._answer(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(with_body=False)

    def _answer(self, *, with_body: bool) -> None:
        resource = self.routes.get(urlsplit(self.path).path)
        if resource is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        fresh = _is_fresh(self.headers, resource)
        self.send_response(HTTPStatus.NOT_MODIFIED if fresh else HTTPStatus.OK)
        self.send_header("ETag", resource.etag)
        self.send_header("Last-Modified", formatdate(resource.last_modified.timestamp(),
                                                     usegmt=True))
        if fresh:
            self.end_headers()
            return
        self.send_header("Content-Type", resource.content_type)
        self.send_header("Content-Length", str(len(resource.body)))
        self.end_headers()
        if with_body:
            self.wfile.write(resource.body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        logger.debug("%s %s", self.address_string(), format % args)


class DemoPublisher:
    """Serves the three demo publishers on a loopback port from a daemon thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port  # 0 asks the OS for a free port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> DemoPublisher:
        if self._server is not None:
            return self
        routes: dict[str, Resource] = {}
        server = ThreadingHTTPServer((self.host, self.port), partial(_Handler, routes=routes))
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        # Pages and feeds embed the base URL, which is known only once the port is bound.
        routes.update(build_routes(self.base_url))
        # A short poll interval lets stop() return quickly.
        serve = partial(server.serve_forever, poll_interval=0.05)
        self._thread = threading.Thread(target=serve, name="demo-publisher", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> DemoPublisher:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("DemoPublisher.start() has not been called")
        return f"http://{self.host}:{self.port}"

    @property
    def home_url(self) -> str:
        return self.base_url + "/"

    @property
    def feed_urls(self) -> list[str]:
        """RSS 2.0, Atom 1.0 and JSON Feed 1.1, in that order."""
        return [self.base_url + site.feed_local_path() for site in load_publishers()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the three demo publishers and feeds.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    args = parser.parse_args(argv)
    publisher = DemoPublisher(args.host, args.port).start()
    print(f"Demo publishers at {publisher.home_url}", flush=True)
    for url in publisher.feed_urls:
        print(url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        publisher.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
