"""The page cache: published pages rendered once into files that the front server serves as is.

Layout, under settings.PAGE_CACHE_DIR: a URL ending in "/" is stored as `<url>index.html`, any
other URL as `<url>` (`/` → `index.html`, `/news/a/` → `news/a/index.html`, `/news/a.txt` →
`news/a.txt`). nginx serves them with `try_files` and falls through to the application on a miss
(deploy/nginx-newsdesk.conf); `newsdesk serve` alone serves the same files through
PageCacheMiddleware. Either way a miss is rendered by the application and stored.

What is cached: the views in CACHED_VIEWS, at their canonical address, for GET without a query
string (tracking parameters aside). A response is stored only if it is a 200 that sets no
cookie, does not vary by cookie and holds no CSRF token: per-visitor parts (ads, forms) must
reach the page from a script, never in its bytes.

Keeping it fresh: the services below run on commit when an article is published, edited or
withdrawn. They re-render every cached page that shows the article (its own pages, the home
page, its regions', countries' and source's pages), delete the cached pages of articles that
may list it as related (they are rendered again on their next request), and remove a page
that is no longer published, so the application answers it (410). Pages not in the cache are
left for their first reader. Writers hold one lock, and a reader's miss stores its page only
while holding it, so a page rendered before a change can never overwrite what the change wrote.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache, partial
from pathlib import Path
from stat import S_ISREG
from urllib.parse import urlsplit

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.test import RequestFactory
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from newsdesk.articles.models import Article, ArticlePlace, PlaceKind, Status

log = logging.getLogger("newsdesk.site.pagecache")

CACHED_VIEWS = frozenset({
    "site:home", "site:latest", "site:article", "site:article-text", "site:region", "site:country",
    "site:source",
})
CACHE_CONTROL = "public, max-age=0, must-revalidate"
# Query strings that do not change a page: links from newsletters and social sites carry them.
# The same expression is in deploy/nginx-newsdesk.conf; keep the two alike.
TRACKING_PARAMETER = r"utm_[a-z_]+|fbclid|gclid|mc_cid|mc_eid|ref"
PLAIN_QUERY = re.compile(rf"^(?:(?:{TRACKING_PARAMETER})=[^&]*&?)*$")
_RENDERING = "newsdesk.pagecache.rendering"
_CONTENT_TYPES = {".txt": "text/plain; charset=utf-8"}
_HTML = "text/html; charset=utf-8"


# ---- where pages live ------------------------------------------------------------------------

def _root() -> Path:
    return Path(settings.PAGE_CACHE_DIR)


def _sibling(suffix: str) -> Path:
    root = _root()
    return root.with_name(root.name + suffix)


def cache_file(path: str) -> Path | None:
    """The file that holds the page at URL path `path`, or None for a path that cannot be one."""
    if not path.startswith("/") or "\x00" in path or "\\" in path:
        return None
    parts = path[1:].split("/")
    if any(part in {".", ".."} or part.startswith(".") for part in parts):
        return None
    if parts[-1] == "index.html":  # a page is addressed by its URL, not by its file
        return None
    if path.endswith("/"):
        return _root().joinpath(*parts[:-1], "index.html")
    return _root().joinpath(*parts)


def is_cacheable(path: str) -> bool:
    """Whether `path` is the canonical address of a page the cache keeps."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    if match.view_name not in CACHED_VIEWS:
        return False
    if match.view_name == "site:country" and match.kwargs.get("iso2", "") != match.kwargs.get(
            "iso2", "").upper():
        return False  # /country/fr/ works, but only /country/FR/ is kept (and refreshed)
    return True


def _url(name: str, **kwargs: object) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def home_paths() -> list[str]:
    """The home page and the list of latest news (when the site has one)."""
    return [p for p in (_url("site:home"), _url("site:latest")) if p]


def region_path(slug: str) -> str | None:
    return _url("site:region", slug=slug)


def country_path(iso2: str) -> str | None:
    return _url("site:country", iso2=iso2.upper())


def source_path(source_id: int) -> str | None:
    return _url("site:source", source_id=source_id)


def _article_prefix() -> str:
    return reverse("site:article", kwargs={"slug": "x"}).removesuffix("x/")


def article_paths(slug: str) -> list[str]:
    return [reverse("site:article", kwargs={"slug": slug}),
            reverse("site:article-text", kwargs={"slug": slug})]


# ---- writing ---------------------------------------------------------------------------------

@contextmanager
def _lock(*, blocking: bool) -> Iterator[bool]:
    """The one writers' lock (a file beside the cache); yields whether it is held."""
    lock_file = _sibling(".lock")
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _write(file: Path, content: bytes) -> None:
    """Replace `file` atomically; its modification second always moves on, so nginx's ETag
    (mtime and size) changes with every write."""
    tmp_dir = _sibling(".tmp")
    tmp_dir.mkdir(parents=True, exist_ok=True)
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_dir / uuid.uuid4().hex
    tmp.write_bytes(content)
    os.chmod(tmp, 0o644)
    stamp = int(time.time())
    try:
        stamp = max(stamp, int(file.stat().st_mtime) + 1)
    except FileNotFoundError:
        pass
    os.utime(tmp, (stamp, stamp))
    os.replace(tmp, file)


def _unlink(file: Path) -> bool:
    try:
        file.unlink()
    except FileNotFoundError:
        return False
    return True


def storable(response: HttpResponseBase) -> bool:
    """A response the same for every reader: 200, no cookie, no CSRF token, not private."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if "cookie" in response.get("Vary", "").lower():
        return False
    if any(word in response.get("Cache-Control", "") for word in ("private", "no-store")):
        return False
    assert isinstance(response, HttpResponse)
    return b"csrfmiddlewaretoken" not in response.content


class _Renderer(BaseHandler):
    """The application's own request handling, middleware included, for one internal GET."""

    def __init__(self) -> None:
        super().__init__()
        self.load_middleware()


@cache
def _renderer() -> _Renderer:
    return _Renderer()


def render(path: str) -> HttpResponseBase:
    """The page at `path` as an anonymous reader of BASE_URL would get it."""
    base = urlsplit(settings.BASE_URL)
    request = RequestFactory().get(path, HTTP_HOST=base.netloc, secure=base.scheme == "https")
    request.META[_RENDERING] = True
    response = _renderer().get_response(request)
    # close() would send request_finished, whose handler closes the database connection in
    # the middle of the publish that asked for this render; a rendered page holds nothing else.
    if response.streaming:
        response.close()
    return response


def _store(path: str, *, only_if_cached: bool) -> bool:
    """Render `path` into the cache (the caller holds the lock); a page that is no longer
    storable (gone, failing, per-visitor) is removed instead. Whether a file was written."""
    file = cache_file(path)
    if file is None or (only_if_cached and not file.exists()):
        return False
    try:
        response = render(path)
    except Exception:
        log.exception("page cache: rendering %s failed; removed from the cache", path)
        _unlink(file)
        return False
    if not storable(response):
        if response.status_code == 200:
            log.warning("page cache: %s is not the same for every reader; not cached", path)
        _unlink(file)
        return False
    assert isinstance(response, HttpResponse)
    _write(file, response.content)
    return True


def _guarded(work: Callable[[], None], what: str) -> None:
    """Run a cache job; a failure is logged and never reaches the publish that caused it."""
    try:
        with _lock(blocking=True):
            work()
    except Exception:
        log.exception("page cache: %s failed", what)


# ---- services --------------------------------------------------------------------------------

def pagecache_paths_showing(*, article: Article) -> set[str]:
    """The pages that show an article, from its current places and source: the lists it is on,
    and the pages of articles that may list it as related (none while the cache is empty:
    then there is nothing to refresh)."""
    if _is_empty():
        return set()
    paths = set(home_paths())
    for slug in _related_slugs(article):
        paths.add(reverse("site:article", kwargs={"slug": slug}))
    places = ArticlePlace.objects.filter(article_id=article.pk).values_list("kind", "code")
    for kind, code in places:
        path = region_path(code) if kind == PlaceKind.REGION else country_path(code)
        if path:
            paths.add(path)
    if article.source_id:
        path = source_path(article.source_id)
        if path:
            paths.add(path)
    return paths


def _related_slugs(article: Article) -> list[str]:
    """Published articles whose "related" list may hold `article` (articles_related): those
    sharing a country with it, and those naming no country that share a region with it."""
    places = ArticlePlace.objects.filter(article_id=article.pk)
    countries = places.filter(kind=PlaceKind.COUNTRY).values("code")
    regions = places.filter(kind=PlaceKind.REGION).values("code")
    return list(Article.objects.published()
                .filter(Q(places__kind=PlaceKind.COUNTRY, places__code__in=countries)
                        | Q(primary_country="", places__kind=PlaceKind.REGION,
                            places__code__in=regions))
                .exclude(pk=article.pk).values_list("slug", flat=True).distinct())


def _is_empty() -> bool:
    if not settings.PAGE_CACHE_ENABLED:
        return True
    try:
        with os.scandir(_root()) as entries:
            return next(entries, None) is None
    except FileNotFoundError:
        return True


def pagecache_refresh_article(*, article: Article, previous: Iterable[str] = ()) -> None:
    """After a publish, edit or withdrawal is committed: the article's own cached pages are
    rendered again (or removed when it is no longer published), the cached lists that show it,
    or showed it before (`previous`, from pagecache_paths_showing before an edit), rendered
    again, and cached pages that may list it as related are dropped."""
    if _is_empty():
        return  # nothing cached yet: every page is rendered by its first reader
    current = Article.objects.filter(pk=article.pk).first()
    if current is None or current.status != Status.PUBLISHED:
        pagecache_remove_article(article=current or article, previous=previous)
        return
    showing = pagecache_paths_showing(article=current) | set(previous)

    def work() -> None:
        for path in article_paths(current.slug):
            _store(path, only_if_cached=True)
        _refresh(showing)

    _guarded(work, f"refreshing article {current.pk}")


def pagecache_refresh_on_commit(*, article: Article, previous: Iterable[str] = ()) -> None:
    """pagecache_refresh_article once the current transaction commits (at once outside one)."""
    transaction.on_commit(
        partial(pagecache_refresh_article, article=article, previous=tuple(previous)), robust=True)


def pagecache_refresh_many_on_commit(*, articles: Sequence[Article]) -> None:
    """Newly published articles, once committed: their pages are cached by their first reader,
    so only the cached pages that list them are rendered again, each once for all of them."""
    if not articles or _is_empty():
        return

    def refresh() -> None:
        showing = set().union(*(pagecache_paths_showing(article=a) for a in articles))
        _guarded(lambda: _refresh(showing), f"refreshing the lists of {len(articles)} articles")

    transaction.on_commit(refresh, robust=True)


def pagecache_remove_article(*, article: Article, previous: Iterable[str] = ()) -> None:
    """The article is gone from the site: its files are removed (the application answers), the
    cached lists that showed it are rendered again without it, related pages dropped."""
    showing = set(previous)
    if article.pk is not None:
        showing |= pagecache_paths_showing(article=article)

    def work() -> None:
        _drop_articles([article.slug])
        _refresh(showing - set(article_paths(article.slug)))

    _guarded(work, f"removing article {article.pk}")


def pagecache_refresh_lists(*, regions: Iterable[str] = (), countries: Iterable[str] = (),
                            source_ids: Iterable[int] = (), home: bool = True) -> None:
    """Render again the cached list pages named (a list changed without one article changing:
    a source renamed, a region's top stories rearranged)."""
    paths = home_paths() if home else []
    paths += [p for p in (region_path(slug) for slug in regions) if p]
    paths += [p for p in (country_path(code) for code in countries) if p]
    paths += [p for p in (source_path(pk) for pk in source_ids) if p]

    def work() -> None:
        for path in paths:
            _store(path, only_if_cached=True)

    _guarded(work, "refreshing lists")


def pagecache_store(*, path: str) -> bool:
    """Render one page into the cache now, cached or not (warming after a deploy)."""
    if not settings.PAGE_CACHE_ENABLED or not is_cacheable(path):
        return False
    with _lock(blocking=True):
        return _store(path, only_if_cached=False)


def pagecache_clear() -> None:
    """Empty the cache: after a deploy, cached pages may carry old templates or static names."""
    root = _root()
    with _lock(blocking=True):
        if root.exists():
            doomed = _sibling(f".old-{uuid.uuid4().hex}")
            os.replace(root, doomed)  # nginx sees an empty cache at once; deleting takes longer
            shutil.rmtree(doomed, ignore_errors=True)
        root.mkdir(parents=True, exist_ok=True)


def _refresh(paths: Iterable[str]) -> None:
    """Render the cached lists again; drop cached article pages (there may be many that list
    one article as related: each is rendered again by its next reader)."""
    for path in sorted(paths):
        if path.startswith(_article_prefix()):
            file = cache_file(path)
            if file is not None:
                _unlink(file)
        else:
            _store(path, only_if_cached=True)


def _drop_articles(slugs: Iterable[str]) -> None:
    for slug in slugs:
        for path in article_paths(slug):
            file = cache_file(path)
            if file is not None:
                _unlink(file)


# ---- serving ---------------------------------------------------------------------------------

def _validators(stat: os.stat_result) -> tuple[str, int]:
    """nginx's own ETag for a file (mtime and size in hex), so both servers agree."""
    mtime = int(stat.st_mtime)
    return f'"{mtime:x}-{stat.st_size:x}"', mtime


def _cached_response(request: HttpRequest, file: Path) -> HttpResponseBase | None:
    try:
        fd = os.open(file, os.O_RDONLY)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    stat = os.fstat(fd)
    if not S_ISREG(stat.st_mode):  # "/news/x" names the folder of "/news/x/": no page
        os.close(fd)
        return None
    with os.fdopen(fd, "rb") as handle:
        etag, mtime = _validators(stat)
        response = get_conditional_response(request, etag=etag, last_modified=mtime)
        if response is None:
            body = b"" if request.method == "HEAD" else handle.read()
            response = HttpResponse(body, content_type=_CONTENT_TYPES.get(file.suffix, _HTML))
            response["Content-Length"] = str(stat.st_size)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(mtime)
    response["Cache-Control"] = CACHE_CONTROL
    response["X-Frame-Options"] = "DENY"
    response["X-Page-Cache"] = "hit"
    return response


class PageCacheMiddleware:
    """Serve a cached page before any view runs; on a miss, let the view render it and store it.

    Sits right after WhiteNoise. A hit costs one open and read, as nginx's does."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if (not settings.PAGE_CACHE_ENABLED or request.META.get(_RENDERING)
                or request.method not in ("GET", "HEAD")
                or not PLAIN_QUERY.match(request.META.get("QUERY_STRING", ""))):
            return self.get_response(request)
        file = cache_file(request.path)
        if file is None:
            return self.get_response(request)
        request.get_host()  # a host not in ALLOWED_HOSTS: 400 (DisallowedHost), as from a view
        hit = _cached_response(request, file)
        if hit is not None:
            return hit
        if request.method != "GET" or not is_cacheable(request.path):
            return self.get_response(request)
        with _lock(blocking=False) as held:
            response = self.get_response(request)
            if held and storable(response):
                assert isinstance(response, HttpResponse)
                _write(file, response.content)
                etag, mtime = _validators(file.stat())
                response["ETag"] = etag
                response["Last-Modified"] = http_date(mtime)
                response["Cache-Control"] = CACHE_CONTROL
                response["X-Page-Cache"] = "miss"
        return response


def pagecache_warm(*, articles: int = 200) -> int:
    """Render the home page, every region's, country's and source's page that has news, and the
    latest `articles` articles into the cache; how many pages were stored."""
    published = Article.objects.published()
    codes = ArticlePlace.objects.filter(article__in=published).values_list(
        "kind", "code").distinct()
    paths = home_paths()
    paths += [p for p in (region_path(c) if k == PlaceKind.REGION else country_path(c)
                          for k, c in codes) if p]
    paths += [p for p in (source_path(pk) for pk in published.exclude(source=None).values_list(
        "source_id", flat=True).distinct()) if p]
    for slug in published.values_list("slug", flat=True)[:articles]:
        paths += article_paths(slug)
    return sum(pagecache_store(path=path) for path in dict.fromkeys(paths))
