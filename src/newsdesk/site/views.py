"""Public pages: thin views over the articles' selectors and editions."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from newsdesk.articles.editions import body_blocks, photo_credit, plain_text_edition, source_credit
from newsdesk.articles.models import Article, PlaceKind, Status
from newsdesk.articles.selectors import articles_in_place, articles_published
from newsdesk.ingest.places import all_countries, region_names

PAGE_SIZE = 20


def home(request: HttpRequest) -> HttpResponse:
    page = Paginator(articles_published(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "site/list.html", {"page": page, "heading": "Latest news"})


def _published(slug: str) -> Article:
    return get_object_or_404(Article.objects.select_related("source"), slug=slug,
                             status=Status.PUBLISHED)


def article(request: HttpRequest, slug: str) -> HttpResponse:
    item = _published(slug)
    return render(request, "site/article.html", {
        "article": item,
        "blocks": body_blocks(item),
        "photo_credit": photo_credit(item),
        "source_credit": source_credit(item),
        "region_name": region_names().get(item.primary_region, ""),
    })


def article_text(request: HttpRequest, slug: str) -> HttpResponse:
    return HttpResponse(plain_text_edition(_published(slug)), content_type="text/plain; charset=utf-8")


def region(request: HttpRequest, slug: str) -> HttpResponse:
    name = region_names().get(slug)
    if name is None:
        raise Http404("No such region")
    page = Paginator(articles_in_place(PlaceKind.REGION, slug), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "site/list.html", {"page": page, "heading": name})


def country(request: HttpRequest, iso2: str) -> HttpResponse:
    name = all_countries().get(iso2.upper())
    if name is None:
        raise Http404("No such country")
    page = Paginator(articles_in_place(PlaceKind.COUNTRY, iso2.upper()), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "site/list.html", {"page": page, "heading": name})
