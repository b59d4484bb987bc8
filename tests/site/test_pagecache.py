"""The page cache: what is stored where, how it is served, and that it is never stale."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AbstractUser
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone
from tests.site.factories import published_article, publisher

from newsdesk.articles.models import Article, Status
from newsdesk.articles.services import (
    article_publish,
    article_update,
    article_withdraw,
)
from newsdesk.site import pagecache
from newsdesk.sources.models import Source

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]


@pytest.fixture
def cache_dir(settings: Any, tmp_path: Path) -> Path:
    settings.PAGE_CACHE_ENABLED = True
    settings.PAGE_CACHE_DIR = tmp_path / "pagecache"
    return settings.PAGE_CACHE_DIR


@pytest.fixture
def editor(django_user_model: type[AbstractUser]) -> AbstractUser:
    return django_user_model.objects.create_user("editor", password="a long desk password")  # noqa: S106


@pytest.fixture
def gazette() -> Source:
    return publisher("The Harbour Gazette", domain="harbourgazette.example")


def _story(source: Source, title: str, countries: list[str], capture: Capture) -> Article:
    with capture(execute=True):
        return published_article(source, title=title, countries=countries, paragraphs=[
            f"{title}: the harbour council met on Monday to discuss the ferry timetable.",
            "Fishermen and the market traders asked for an earlier crossing in winter."])


def _cached_paths(root: Path) -> dict[str, Path]:
    """URL path -> file, for every page in the cache."""
    paths = {}
    for file in root.rglob("*"):
        if file.is_file():
            relative = file.relative_to(root).as_posix()
            url = "/" + relative.removesuffix("index.html")
            paths[url] = file
    return paths


def _assert_cache_fresh(root: Path) -> None:
    """Every cached page holds exactly what the application renders now."""
    for url, file in _cached_paths(root).items():
        response = pagecache.render(url)
        assert response.status_code == 200, f"{url} is cached but answers {response.status_code}"
        assert isinstance(response, HttpResponse)
        assert file.read_bytes() == response.content, f"the cached {url} is stale"


def _warm(client: Client, *urls: str) -> None:
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["X-Page-Cache"] in {"miss", "hit"}, url


@pytest.fixture
def warm_site(client: Client, cache_dir: Path, gazette: Source,
              django_capture_on_commit_callbacks: Capture) -> dict[str, Any]:
    """Two French stories and a Kenyan one, every page that shows them cached."""
    lyon = _story(gazette, "Lyon opens its night ferry", ["FR"], django_capture_on_commit_callbacks)
    brest = _story(gazette, "Brest harbour gets a new quay", ["FR"],
                   django_capture_on_commit_callbacks)
    nairobi = _story(publisher("Civic Ledger", domain="civicledger.example"),
                     "Nairobi adds four clinics", ["KE"], django_capture_on_commit_callbacks)
    urls = ["/", "/latest/", "/region/europe/", "/region/africa/", "/country/FR/", "/country/KE/",
            f"/source/{gazette.pk}/"]
    for story in (lyon, brest, nairobi):
        urls += [story.get_absolute_url(), story.get_text_url()]
    _warm(client, *urls)
    return {"lyon": lyon, "brest": brest, "nairobi": nairobi, "urls": urls}


def test_a_miss_is_rendered_once_then_served_from_the_file(client: Client, cache_dir: Path,
                                                           gazette: Source) -> None:
    story = published_article(gazette, title="Quay repairs begin", countries=["PT"],
                              paragraphs=["Quay repairs begin in Porto next week, the port said."])
    first = client.get(story.get_absolute_url())
    assert first["X-Page-Cache"] == "miss"
    file = cache_dir / "news" / story.slug / "index.html"
    assert file.read_bytes() == first.content
    Article.objects.filter(pk=story.pk).update(title="Changed behind the cache's back")
    second = client.get(story.get_absolute_url())
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content  # served from the file: no view ran
    assert second["Content-Type"] == "text/html; charset=utf-8"
    assert second["ETag"] == first["ETag"]
    assert second["Last-Modified"] == first["Last-Modified"]


def test_the_layout_is_what_nginx_try_files_expects(client: Client,
                                                    warm_site: dict[str, Any],
                                                    cache_dir: Path) -> None:
    lyon = warm_site["lyon"]
    assert (cache_dir / "index.html").is_file()
    assert (cache_dir / "latest" / "index.html").is_file()
    assert (cache_dir / "region" / "europe" / "index.html").is_file()
    assert (cache_dir / "country" / "FR" / "index.html").is_file()
    assert (cache_dir / "news" / lyon.slug / "index.html").is_file()
    text = cache_dir / "news" / f"{lyon.slug}.txt"
    assert "the harbour council met on Monday" in text.read_text()
    response = client.get(lyon.get_text_url())
    assert response["X-Page-Cache"] == "hit"
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_cached_pages_hold_no_per_visitor_parts(warm_site: dict[str, Any],
                                               cache_dir: Path) -> None:
    pages = {url: file.read_text() for url, file in _cached_paths(cache_dir).items()}
    assert len(pages) == len(warm_site["urls"])
    for url, html in pages.items():
        assert "csrfmiddlewaretoken" not in html, url
        assert 'class="ad ' not in html, url  # an ad itself is fetched per view by ads.js
    assert 'data-slot="leaderboard"' in pages["/"]  # the empty placeholder is in the bytes


def test_conditional_requests_get_304(client: Client, warm_site: dict[str, Any]) -> None:
    url = warm_site["lyon"].get_absolute_url()
    page = client.get(url)
    assert client.get(url, HTTP_IF_NONE_MATCH=page["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=page["Last-Modified"]).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Length"] == str(len(page.content))


def test_query_strings_bypass_the_cache_but_tracking_parameters_do_not(
        client: Client, warm_site: dict[str, Any], cache_dir: Path) -> None:
    url = warm_site["lyon"].get_absolute_url()
    assert client.get(f"{url}?utm_source=newsletter&fbclid=abc")["X-Page-Cache"] == "hit"
    listing = client.get("/latest/?page=1")
    assert listing.status_code == 200 and "X-Page-Cache" not in listing
    lower = client.get("/country/fr/")
    assert lower.status_code == 200 and "X-Page-Cache" not in lower
    assert not (cache_dir / "country" / "fr").exists()
    assert not (cache_dir / "search").exists()


def test_publishing_refreshes_every_cached_page_that_shows_the_article(
        client: Client, warm_site: dict[str, Any], cache_dir: Path, gazette: Source,
        django_capture_on_commit_callbacks: Capture) -> None:
    title = "Marseille ferry crews vote to return"
    story = _story(gazette, title, ["FR"], django_capture_on_commit_callbacks)
    cached = _cached_paths(cache_dir)
    for url in ("/", "/latest/", "/region/europe/", "/country/FR/", f"/source/{gazette.pk}/"):
        assert title in cached[url].read_text(), f"{url} does not show the new article"
    assert title not in cached["/country/KE/"].read_text()
    _assert_cache_fresh(cache_dir)
    # Its own page is rendered by its first reader, then kept.
    assert client.get(story.get_absolute_url())["X-Page-Cache"] == "miss"
    assert client.get(story.get_absolute_url())["X-Page-Cache"] == "hit"


def test_a_new_article_reaches_the_related_lists_of_region_only_articles(
        client: Client, warm_site: dict[str, Any], cache_dir: Path, gazette: Source,
        django_capture_on_commit_callbacks: Capture) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        general = published_article(gazette, title="Europe's ferries in numbers",
                                    regions=["europe"], paragraphs=[
                                        "Across the continent, ferry crossings grew again."])
    _warm(client, general.get_absolute_url())
    _story(gazette, "Nantes adds a river shuttle", ["FR"], django_capture_on_commit_callbacks)
    _assert_cache_fresh(cache_dir)
    assert "Nantes adds a river shuttle" in client.get(general.get_absolute_url()).content.decode()


def test_publishing_an_article_held_for_review(client: Client, warm_site: dict[str, Any],
                                               cache_dir: Path, gazette: Source,
                                               django_capture_on_commit_callbacks: Capture
                                               ) -> None:
    story = _story(gazette, "Toulon market reopens", ["FR"], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        Article.objects.filter(pk=story.pk).update(status=Status.REVIEW)
        story.refresh_from_db()
        pagecache.pagecache_refresh_article(article=story)
    assert "Toulon market reopens" not in (cache_dir / "index.html").read_text()
    with django_capture_on_commit_callbacks(execute=True):
        article_publish(article=story)
    assert "Toulon market reopens" in (cache_dir / "index.html").read_text()
    _assert_cache_fresh(cache_dir)


def test_editing_refreshes_the_article_and_the_lists_it_was_and_is_on(
        client: Client, warm_site: dict[str, Any], cache_dir: Path, editor: AbstractUser,
        django_capture_on_commit_callbacks: Capture) -> None:
    lyon = warm_site["lyon"]
    _warm(client, "/country/DE/")
    with django_capture_on_commit_callbacks(execute=True):
        article_update(article=lyon, actor=editor, title="Lyon's night ferry runs until one",
                       countries=["DE"], regions=["europe"])
    page = (cache_dir / "news" / lyon.slug / "index.html").read_text()
    assert "Lyon&#x27;s night ferry runs until one" in page or "Lyon's night ferry" in page
    assert "Lyon opens its night ferry" not in (cache_dir / "index.html").read_text()
    assert "night ferry runs until one" in (cache_dir / "country" / "DE" / "index.html").read_text()
    assert "night ferry" not in (cache_dir / "country" / "FR" / "index.html").read_text()
    _assert_cache_fresh(cache_dir)


def test_withdrawing_removes_the_article_and_refreshes_its_lists(
        client: Client, warm_site: dict[str, Any], cache_dir: Path, editor: AbstractUser,
        django_capture_on_commit_callbacks: Capture) -> None:
    lyon = warm_site["lyon"]
    with django_capture_on_commit_callbacks(execute=True):
        article_withdraw(article=lyon, actor=editor, reason="The publisher asked us to.")
    assert not (cache_dir / "news" / lyon.slug / "index.html").exists()
    assert not (cache_dir / "news" / f"{lyon.slug}.txt").exists()
    for file in _cached_paths(cache_dir).values():
        assert "Lyon opens its night ferry" not in file.read_text(), file
    gone = client.get(lyon.get_absolute_url())
    assert gone.status_code == 410
    assert not (cache_dir / "news" / lyon.slug / "index.html").exists()  # a 410 is not stored
    _assert_cache_fresh(cache_dir)


def test_edits_through_ingest_refresh_the_cache_too(client: Client, warm_site: dict[str, Any],
                                                     cache_dir: Path, gazette: Source,
                                                     django_capture_on_commit_callbacks: Capture
                                                     ) -> None:
    from dataclasses import replace

    from tests.site.factories import processed

    from newsdesk.articles.services import article_store

    first = processed(title="Sète regatta postponed", countries=["FR"],
                      paragraphs=["The regatta in Sète is postponed by a week because of wind."])
    with django_capture_on_commit_callbacks(execute=True):
        article_store(source=gazette, processed=first)
    assert "Sète regatta postponed" in (cache_dir / "index.html").read_text()
    edited = replace(first, article=replace(first.article, title="Sète regatta moves to June"),
                     identity=replace(first.identity, feed_hash="edited"))
    with django_capture_on_commit_callbacks(execute=True):
        assert article_store(source=gazette, processed=edited).counter == "updated"
    home = (cache_dir / "index.html").read_text()
    assert "Sète regatta moves to June" in home and "Sète regatta postponed" not in home
    _assert_cache_fresh(cache_dir)


def test_a_miss_rendered_while_a_writer_works_is_served_but_not_stored(
        client: Client, cache_dir: Path, gazette: Source) -> None:
    story = published_article(gazette, title="Night market moves", countries=["PT"],
                              paragraphs=["The night market moves to the old railway station."])
    with pagecache._lock(blocking=True):
        response = client.get(story.get_absolute_url())
    assert response.status_code == 200 and "Night market moves" in response.content.decode()
    assert not (cache_dir / "news" / story.slug / "index.html").exists()


def test_per_visitor_responses_are_never_stored() -> None:
    page = HttpResponse(b"<form><input name='csrfmiddlewaretoken' value='x'></form>")
    assert not pagecache.storable(page)
    with_cookie = HttpResponse(b"<p>hello</p>")
    with_cookie.set_cookie("sessionid", "abc")
    assert not pagecache.storable(with_cookie)
    varies = HttpResponse(b"<p>hello</p>", headers={"Vary": "Cookie"})
    assert not pagecache.storable(varies)
    assert pagecache.storable(HttpResponse(b"<p>hello</p>"))


@pytest.mark.parametrize("path", ["/news/../../etc/passwd", "/news/.hidden/", "/a\\b", "news"])
def test_paths_that_cannot_be_pages_map_to_no_file(path: str, cache_dir: Path) -> None:
    assert pagecache.cache_file(path) is None


def test_clear_empties_the_cache(client: Client, warm_site: dict[str, Any],
                                 cache_dir: Path) -> None:
    pagecache.pagecache_clear()
    assert list(cache_dir.iterdir()) == []
    assert client.get("/")["X-Page-Cache"] == "miss"


@pytest.fixture
def no_cache(settings: Any) -> Iterator[None]:
    settings.PAGE_CACHE_ENABLED = False
    yield


def test_with_the_cache_off_nothing_is_stored(client: Client, no_cache: None, settings: Any,
                                              gazette: Source) -> None:
    published_article(gazette, title="Quiet day", countries=["PT"],
                      paragraphs=["A quiet day at the harbour, the harbour master said."])
    response = client.get("/")
    assert response.status_code == 200 and "X-Page-Cache" not in response
    assert not any(Path(settings.PAGE_CACHE_DIR).rglob("*.html"))


def test_renaming_a_source_in_the_desk_renames_it_on_every_cached_page(
        client: Client, warm_site: dict[str, Any], cache_dir: Path, gazette: Source,
        django_user_model: type[AbstractUser],
        django_capture_on_commit_callbacks: Capture) -> None:
    desk = Client()
    desk.force_login(django_user_model.objects.create_superuser("chief", "c@x.example", "pw"))
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(f"/desk/sources/source/{gazette.pk}/change/", {
            "name": "The Harbour Herald", "feed_url": gazette.feed_url,
            "home_url": gazette.home_url, "domain": gazette.domain, "credit": "RSS",
            "image_policy": gazette.image_policy, "content": gazette.content,
            "publish": gazette.publish, "poll_minutes": "30", "include_keywords": "",
            "exclude_keywords": "", "countries": "", "body_selector": "",
            "remove_selectors": "", "active": "on", "_save": "Save"})
    assert response.status_code == 302

    for url in ("/", "/latest/", "/country/FR/", warm_site["lyon"].get_absolute_url()):
        page = client.get(url).content.decode()
        assert "The Harbour Herald" in page and "The Harbour Gazette" not in page, url
    _assert_cache_fresh(cache_dir)


def test_a_published_press_release_reaches_the_cached_lists(
        client: Client, warm_site: dict[str, Any], cache_dir: Path,
        django_capture_on_commit_callbacks: Capture) -> None:
    from newsdesk.pressroom.models import PressRelease, State
    from newsdesk.pressroom.services import release_publish

    release = PressRelease.objects.create(
        organisation="Riverside Water Trust", contact_name="Amina", title="A clinic for Kisumu",
        contact_email="amina@riverside.example", summary="Four villages get a clinic.",
        body="The trust opened a clinic in Kisumu.", countries=["KE"], state=State.PENDING,
        contact_phone="", consented_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        release_publish(release=release)

    for url in ("/", "/latest/", "/region/africa/", "/country/KE/"):
        assert "A clinic for Kisumu" in client.get(url).content.decode(), url
    _assert_cache_fresh(cache_dir)


def test_a_cached_page_answers_only_at_its_own_address(client: Client,
                                                      warm_site: dict[str, Any]) -> None:
    url = warm_site["lyon"].get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "hit"

    bare = client.get(url.rstrip("/"))
    assert bare.status_code == 301 and bare["Location"] == url
    for other in ("/index.html", f"{url}index.html"):
        response = client.get(other)
        assert response.status_code == 404, other
        assert "X-Page-Cache" not in response, other


def test_a_cached_page_answers_only_for_the_site_s_own_host_names(
        client: Client, warm_site: dict[str, Any], settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["news.example"]
    url = warm_site["lyon"].get_absolute_url()
    assert client.get(url, HTTP_HOST="news.example")["X-Page-Cache"] == "hit"

    response = client.get(url, HTTP_HOST="elsewhere.example")

    assert response.status_code == 400  # as every view answers a host it does not serve
    assert "X-Page-Cache" not in response
