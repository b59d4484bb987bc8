"""Public pages: thin views over the articles' selectors, editions and the search module."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import get_object_or_404, render
from django.template import loader
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe

from newsdesk.articles.editions import (
    Block,
    body_blocks,
    photo_credit,
    plain_text_edition,
    source_credit,
)
from newsdesk.articles.images import lead_image, region_image
from newsdesk.articles.models import Article, ImageSource, PlaceKind, Status
from newsdesk.articles.selectors import (
    articles_filtered,
    articles_from_source,
    articles_in_place,
    articles_published,
    articles_related,
    articles_top_by_region,
    place_counts,
    sources_published,
)
from newsdesk.ingest.places import all_countries, countries_in_region, country_regions, region_names
from newsdesk.site.pagecache import TRACKING_PARAMETER
from newsdesk.site.search import search_articles, search_hits, search_parse
from newsdesk.sources.models import Source

PAGE_SIZE = 20
HOME_LATEST = 7
TOP_PER_REGION = 4
AD_AFTER_PARAGRAPH = 3  # the in-article ad slot follows this body paragraph
SITE_IMAGE_SIZE = (1200, 675)  # every image under static/newsdesk/regions/
_TRACKING = re.compile(TRACKING_PARAMETER)
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@dataclass(frozen=True)
class Picture:
    url: str
    alt: str
    width: int | None = None  # None when the publisher's image size is unknown
    height: int | None = None
    srcset: str = ""  # resized copies on this site, when there are any


@dataclass(frozen=True)
class Teaser:
    article: Article
    region_name: str
    picture: Picture | None


def _picture(article: Article) -> Picture | None:
    """The lead image: resized copies on this site when they exist, else the original."""
    if article.image_source == ImageSource.SITE:
        region = article.primary_region if article.primary_region in region_names() else "world"
        copies = region_image(region)
        if copies is not None:
            return Picture(copies.src, "", copies.width, copies.height, copies.srcset)
        return Picture(static(f"newsdesk/regions/{region}.png"), "", *SITE_IMAGE_SIZE)
    if article.image_source == ImageSource.PUBLISHER and article.image_url:
        copies = lead_image(article.image_url)
        if copies is not None:
            return Picture(copies.src, article.image_alt, copies.width, copies.height,
                           copies.srcset)
        return Picture(article.image_url, article.image_alt)
    return None


def _teasers(articles: Iterable[Article]) -> list[Teaser]:
    names = region_names()
    return [Teaser(a, names.get(a.primary_region, ""), _picture(a)) for a in articles]


class ListPage(Page):
    previous_url = ""  # "" on the first page; the list's own URL for page 1
    next_url = ""


class _Paginator(Paginator):
    def _get_page(self, *args: Any, **kwargs: Any) -> ListPage:
        return ListPage(*args, **kwargs)


def _page(request: HttpRequest, articles: QuerySet[Article]) -> ListPage:
    """One page of a list; a page number that is not one of the list's pages is a 404, so every
    ?page=N URL keeps meaning the same slice of the list. Page 1 is the list's own URL."""
    try:
        page = _Paginator(articles, PAGE_SIZE).page(request.GET.get("page") or 1)
    except (EmptyPage, PageNotAnInteger) as error:
        raise Http404("No such page") from error
    page.previous_url = _page_url(request, page.number - 1) if page.has_previous() else ""
    page.next_url = _page_url(request, page.number + 1) if page.has_next() else ""
    return page


def _page_url(request: HttpRequest, number: int) -> str:
    """The URL of another page of this list, with the query's other parameters (a search's)
    but not its tracking ones: a page reached with only those is cached for every visitor."""
    params = request.GET.copy()
    for name in [name for name in params if _TRACKING.fullmatch(name) or name == "page"]:
        del params[name]
    if number > 1:
        params["page"] = str(number)
    return f"?{params.urlencode()}" if params else request.path


def _list(request: HttpRequest, articles: QuerySet[Article], *, heading: str,
          empty_is_missing: bool = False, **extra: Any) -> HttpResponse:
    page = _page(request, articles)
    if empty_is_missing and not page.paginator.count:
        raise Http404("Nothing published here")
    return render(request, "site/list.html", {
        "page": page, "teasers": _teasers(page.object_list), "heading": heading,
        "region_kickers": extra.get("kicker") != "Region", **extra})


def home(request: HttpRequest) -> HttpResponse:
    latest = _teasers(articles_published()[:HOME_LATEST])
    top = articles_top_by_region(per_region=TOP_PER_REGION,
                                 exclude=[t.article.id for t in latest])
    regions = [(slug, name, _teasers(top[slug])) for slug, name in region_names().items()
               if slug in top]
    lead = latest[0] if latest else None
    return render(request, "site/home.html", {
        "lead": lead, "lead_credit": photo_credit(lead.article) if lead else "",
        "latest": latest[1:], "regions": regions})


def latest(request: HttpRequest) -> HttpResponse:
    return _list(request, articles_published(), heading="Latest news")


def _published(slug: str) -> Article:
    return get_object_or_404(Article.objects.select_related("source"), slug=slug,
                             status=Status.PUBLISHED)


def _withdrawn(request: HttpRequest, slug: str) -> HttpResponse | None:
    """410 Gone, with a short notice, for an article the desk withdrew."""
    if Article.objects.filter(slug=slug, status=Status.WITHDRAWN).exists():
        return render(request, "site/withdrawn.html", status=410)
    return None


def article(request: HttpRequest, slug: str) -> HttpResponse:
    if gone := _withdrawn(request, slug):
        return gone
    item = _published(slug)
    blocks = body_blocks(item)
    region_name = region_names().get(item.primary_region, "")
    picture = _picture(item)
    return render(request, "site/article.html", {
        "article": item,
        "blocks": blocks,
        "ad_after_block": _ad_position(blocks),
        "ad_after_paragraph": AD_AFTER_PARAGRAPH,
        "ad_region": item.primary_region,
        "ad_country": item.primary_country,
        "photo_credit": photo_credit(item),
        "source_credit": source_credit(item),
        "region_name": region_name,
        "picture": picture,
        "page_url": settings.BASE_URL + item.get_absolute_url(),
        "image_url": _absolute(picture.url) if picture else "",
        "json_ld": _json_ld(item, region_name=region_name, picture=picture),
        "related": _teasers(articles_related(item)),
        **_language(item.language),
    })


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
# Languages written right to left (the first subtag of the article's language).
_RIGHT_TO_LEFT = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "ks", "ps", "sd", "ug", "ur",
                            "yi"})


def _language(tag: str) -> dict[str, str]:
    """The article's language for its <article lang dir>, when it is another than the site's:
    screen readers speak it in the right voice, browsers hyphenate and lay it out rightly.
    A feed's value that is no language tag is left out."""
    tag = tag.strip().replace("_", "-")
    if not _LANGUAGE_TAG.fullmatch(tag) or tag.split("-")[0].lower() == \
            settings.LANGUAGE_CODE.split("-")[0].lower():
        return {"article_lang": "", "article_dir": ""}
    primary = tag.split("-")[0].lower()
    return {"article_lang": tag, "article_dir": "rtl" if primary in _RIGHT_TO_LEFT else ""}


def _ad_position(blocks: Sequence[Block]) -> int:
    """The 1-based index of the block the in-article slot follows; 0 for a short article."""
    paragraphs = 0
    for index, block in enumerate(blocks, start=1):
        paragraphs += not block.is_pull_quote
        if paragraphs == AD_AFTER_PARAGRAPH:
            return index if index < len(blocks) else 0
    return 0


def _absolute(url: str) -> str:
    return settings.BASE_URL + url if url.startswith("/") else url


def _json_ld(item: Article, *, region_name: str, picture: Picture | None) -> SafeString:
    """schema.org NewsArticle: this page is based on the publisher's original."""
    page_url = settings.BASE_URL + item.get_absolute_url()
    publisher = {"@type": "Organization", "name": settings.SITE_NAME, "url": settings.BASE_URL}
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": item.title[:110],
        "description": item.summary,
        "url": page_url,
        "mainEntityOfPage": page_url,
        "publisher": publisher,
        "dateModified": item.updated_at.isoformat(),
    }
    if item.original_url or item.feed_link:  # a press release is based on nothing elsewhere
        data["isBasedOn"] = item.original_url or item.feed_link
    published = item.published_at or item.site_published_at
    if published:
        data["datePublished"] = published.isoformat()
    if item.source:
        data["sourceOrganization"] = {"@type": "Organization", "name": item.source.name,
                                      "url": item.source.home_url or item.original_url}
    data["author"] = ({"@type": "Person", "name": item.author} if item.author
                      else data.get("sourceOrganization", publisher))
    if picture:
        data["image"] = [_absolute(picture.url)]
    if item.language:
        data["inLanguage"] = item.language
    if region_name:
        data["articleSection"] = region_name
    text = json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
    return mark_safe(text)  # noqa: S308 - <, > and & are escaped above


def article_text(request: HttpRequest, slug: str) -> HttpResponse:
    if gone := _withdrawn(request, slug):
        return gone
    return HttpResponse(plain_text_edition(_published(slug)),
                        content_type="text/plain; charset=utf-8")


def region(request: HttpRequest, slug: str) -> HttpResponse:
    name = region_names().get(slug)
    if name is None:
        raise Http404("No such region")
    countries = all_countries()
    counts = place_counts(PlaceKind.COUNTRY, countries_in_region(slug))
    places = [(iso2, countries[iso2]) for iso2 in countries_in_region(slug) if iso2 in counts]
    return _list(request, articles_in_place(PlaceKind.REGION, slug), heading=name,
                 kicker="Region", places=places, places_label=f"Countries in {name}",
                 ad_region=slug)


def country(request: HttpRequest, iso2: str) -> HttpResponse:
    code = iso2.upper()
    name = all_countries().get(code)
    if name is None:
        raise Http404("No such country")
    names = region_names()
    regions = [(slug, names[slug]) for slug in country_regions(code)]
    return _list(request, articles_in_place(PlaceKind.COUNTRY, code), heading=name,
                 kicker="Country", regions=regions, ad_country=code,
                 ad_region=regions[0][0] if regions else "")


def source(request: HttpRequest, source_id: int) -> HttpResponse:
    publisher = get_object_or_404(Source, id=source_id)
    # A source still on trial in the desk (nothing published yet) is not public.
    return _list(request, articles_from_source(publisher.id), heading=publisher.name,
                 kicker="Source", publisher=publisher, empty_is_missing=True)


class SearchForm(forms.Form):
    q = forms.CharField(label="Search for", required=False, strip=True)
    region = forms.ChoiceField(label="Region", required=False)
    country = forms.ChoiceField(label="Country", required=False)
    source = forms.TypedChoiceField(label="Source", required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(label="From", required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, sources: Sequence[Source], **kwargs: Any) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["region"].choices = [("", "Any region"), *region_names().items()]
        self.fields["country"].choices = [("", "Any country"), *all_countries().items()]
        self.fields["source"].choices = [("", "Any source"), *((s.id, s.name) for s in sources)]

    def filters(self) -> dict[str, Any]:
        """The valid filters only: a bad one is reported next to its field and left out."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        date_from: date | None = data.get("date_from")
        date_to: date | None = data.get("date_to")
        return {"region": data.get("region") or "", "country": data.get("country") or "",
                "source_id": data.get("source"), "date_from": date_from, "date_to": date_to}


def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None, sources=sources_published())
    filters = form.filters() if form.is_bound else {}
    filtered = any(value for value in filters.values())
    q = request.GET.get("q", "").strip()
    query = search_parse(q)
    page = hits = None
    if query or filtered:
        page = _page(request, search_articles(query=query, articles=articles_filtered(**filters)))
        hits = list(zip(search_hits(query=query, articles=page.object_list),
                        _teasers(page.object_list), strict=True))
    # Typed text with no word in it ("🚢", a lone quote) finds nothing, and the page says so.
    return render(request, "site/search.html", {
        "form": form, "q": q, "searched": page is not None or bool(q), "page": page,
        "hits": hits, "filtered": filtered,
        "ignored": query.ignored[:5]})


def server_error(request: HttpRequest) -> HttpResponse:
    """500 in the site's design, from settings alone: the database may be what failed."""
    context = {"site": {"name": settings.SITE_NAME, "domain": settings.SITE_DOMAIN,
                        "base_url": settings.BASE_URL},
               "nav_regions": list(region_names().items())}
    try:
        body = loader.get_template("500.html").render(context)
    except Exception:  # noqa: BLE001 - the error page must never fail in turn
        body = "<!DOCTYPE html><title>Server error</title><h1>Server error</h1>"
    return HttpResponseServerError(body)
