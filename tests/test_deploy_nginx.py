"""The deployed nginx configuration (deploy/nginx-newsdesk.conf), run on loopback in front of the
application: cached pages come from files, misses and everything else from the application."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bench.nginx_local import LocalNginx, nginx_binary
from tests.site.factories import published_article, publisher

from newsdesk.articles.models import Article
from newsdesk.articles.services import article_withdraw

pytestmark = [
    pytest.mark.skipif(nginx_binary() is None,
                       reason="nginx is not installed (apt-get install nginx-light): this test "
                              "runs deploy/nginx-newsdesk.conf on loopback"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def home(settings: Any, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    settings.PAGE_CACHE_ENABLED = True
    settings.PAGE_CACHE_DIR = home / "pagecache"
    settings.PAGE_CACHE_DIR.mkdir(parents=True)
    return home


@pytest.fixture
def nginx(home: Path, live_server: Any, tmp_path: Path) -> Iterator[httpx.Client]:
    app_port = int(live_server.url.rsplit(":", 1)[1])
    with LocalNginx(workdir=tmp_path / "nginx", home=home, app_port=app_port) as server:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            yield client


@pytest.fixture
def story() -> Article:
    return published_article(publisher(), title="Lisbon ferry timetable changes", countries=["PT"],
                             paragraphs=["The Lisbon ferry timetable changes on Monday, the "
                                         "operator said, with an earlier first crossing."])


def test_a_page_is_rendered_by_the_application_once_then_served_by_nginx(
        nginx: httpx.Client, story: Article, home: Path) -> None:
    url = story.get_absolute_url()
    miss = nginx.get(url)
    assert miss.status_code == 200
    assert miss.headers["X-Page-Cache"] == "miss"  # rendered by the application, then stored
    assert (home / "pagecache" / "news" / story.slug / "index.html").is_file()
    hit = nginx.get(url)
    assert hit.headers["X-Page-Cache"] == "nginx"
    assert hit.content == miss.content
    assert hit.headers["Content-Type"] == "text/html; charset=utf-8"
    # Both servers give the same validators, so a browser's copy stays valid across them.
    assert hit.headers["ETag"] == miss.headers["ETag"]
    assert hit.headers["Last-Modified"] == miss.headers["Last-Modified"]
    assert hit.headers["X-Frame-Options"] == "DENY"
    assert hit.headers["X-Content-Type-Options"] == "nosniff"
    assert _policy(hit.headers["Content-Security-Policy"]) == _policy(
        miss.headers["Content-Security-Policy"])
    assert _policy(hit.headers["Content-Security-Policy"])["script-src"] == {"'self'"}
    assert "Strict-Transport-Security" not in hit.headers  # set only on the https server
    again = nginx.get(url, headers={"If-None-Match": hit.headers["ETag"]})
    assert again.status_code == 304
    text = nginx.get(story.get_text_url())
    assert text.headers["X-Page-Cache"] == "miss"
    text = nginx.get(story.get_text_url())
    assert text.headers["X-Page-Cache"] == "nginx"
    assert text.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "The Lisbon ferry timetable changes on Monday" in text.text


def test_home_page_and_lists_are_cached_too(nginx: httpx.Client, story: Article) -> None:
    for url in ("/", "/country/PT/", "/region/europe/"):
        assert nginx.get(url).headers["X-Page-Cache"] == "miss"
        hit = nginx.get(url)
        assert hit.headers["X-Page-Cache"] == "nginx"
        assert "Lisbon ferry timetable changes" in hit.text


def test_a_withdrawn_article_falls_through_to_the_application(
        nginx: httpx.Client, story: Article, django_user_model: Any) -> None:
    url = story.get_absolute_url()
    nginx.get(url)
    nginx.get("/")
    assert nginx.get(url).headers["X-Page-Cache"] == "nginx"
    editor = django_user_model.objects.create_user("editor", password="a long desk password")  # noqa: S106
    article_withdraw(article=story, actor=editor, reason="Withdrawn by the publisher.")
    gone = nginx.get(url)
    assert gone.status_code == 410
    assert gone.headers.get("X-Page-Cache") != "nginx"
    front = nginx.get("/")
    assert front.headers["X-Page-Cache"] == "nginx"  # refreshed in place, without the story
    assert "Lisbon ferry timetable changes" not in front.text


def test_only_plain_reads_use_the_cache(nginx: httpx.Client, story: Article) -> None:
    nginx.get("/")
    assert nginx.get("/").headers["X-Page-Cache"] == "nginx"
    assert nginx.get("/?utm_source=newsletter&utm_medium=email").headers["X-Page-Cache"] == "nginx"
    listing = nginx.get("/latest/?page=1")
    assert listing.status_code == 200 and listing.headers.get("X-Page-Cache") is None
    posted = nginx.post("/", data={"x": "1"})
    assert posted.status_code in {403, 405}  # the application's answer, not nginx's file
    assert posted.headers.get("X-Page-Cache") is None
    assert posted.headers.get("Server", "").startswith("nginx")


def test_a_cached_page_answers_only_at_its_own_address(nginx: httpx.Client,
                                                      story: Article) -> None:
    url = story.get_absolute_url()
    nginx.get(url)
    nginx.get("/")
    assert nginx.get(url).headers["X-Page-Cache"] == "nginx"

    bare = nginx.get(url.rstrip("/"))
    assert bare.status_code == 301 and bare.headers["Location"].endswith(url)
    for other in ("/index.html", f"{url}index.html"):
        response = nginx.get(other)
        assert response.status_code == 404, other
        assert response.headers.get("X-Page-Cache") is None, other


def test_static_files_with_hashed_names_are_cached_for_a_year(nginx: httpx.Client,
                                                              home: Path) -> None:
    static = home / "static" / "newsdesk"
    static.mkdir(parents=True)
    (static / "site.0123456789ab.css").write_text("body { color: #111; }")
    (static / "site.css").write_text("body { color: #111; }")
    hashed = nginx.get("/static/newsdesk/site.0123456789ab.css")
    assert hashed.status_code == 200
    assert hashed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert hashed.headers["Content-Type"].startswith("text/css")
    plain = nginx.get("/static/newsdesk/site.css")
    assert plain.headers["Cache-Control"] == "public, max-age=3600"


def test_only_resized_lead_images_are_served_from_media(nginx: httpx.Client, home: Path) -> None:
    leads = home / "media" / "leads" / "ab"
    leads.mkdir(parents=True)
    (leads / "ab12-480x270.jpg").write_bytes(b"\xff\xd8\xff not really a jpeg")
    private = home / "media" / "pressroom"
    private.mkdir(parents=True)
    (private / "embargoed.pdf").write_bytes(b"%PDF-1.7 embargoed until Monday")
    lead = nginx.get("/media/leads/ab/ab12-480x270.jpg")
    assert lead.status_code == 200 and lead.headers["Content-Type"] == "image/jpeg"
    hidden = nginx.get("/media/pressroom/embargoed.pdf")
    assert hidden.status_code == 404
    assert b"embargoed" not in hidden.content


def _policy(header: str) -> dict[str, set[str]]:
    """A Content-Security-Policy header as directive -> sources, whatever their order."""
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: set(sources) for name, *sources in directives}
