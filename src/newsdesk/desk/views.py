"""The desk's pages that the admin does not give for free; each is wrapped by the admin site
(staff only, login page for others) and checks its own permission."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from newsdesk.articles.editions import body_blocks, photo_credit, source_credit
from newsdesk.articles.models import Article, ImageSource, Status
from newsdesk.articles.services import (
    article_approve,
    article_reject,
    article_withdraw,
)
from newsdesk.desk.forms import ArticleEditForm, SourceAddForm
from newsdesk.desk.selectors import HEALTH_FILTERS, QUIET_DAYS, source_health
from newsdesk.ingest.clean import sanitize_html
from newsdesk.ingest.places import region_names
from newsdesk.sources.models import Source
from newsdesk.sources.services import (
    NAME_MAX_CHARS,
    OpmlError,
    SourceAddError,
    opml_export,
    opml_import,
    source_create,
    source_find_feeds,
    source_ingest,
    source_pause,
    source_preview,
    source_reextract,
    source_resume,
)

OPML_UPLOAD_LIMIT = 2 * 1024 * 1024


def _require(request: HttpRequest, *perms: str) -> None:
    if not request.user.has_perms(perms):
        raise PermissionDenied


def _page(request: HttpRequest, model_admin: admin.ModelAdmin, template: str, title: str,
          **context: object) -> TemplateResponse:
    return TemplateResponse(request, template, {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        **context,
    })


def source_add(request: HttpRequest, model_admin: admin.ModelAdmin) -> HttpResponse:
    """Feed or site URL -> (pick a feed) -> settings and a preview of the newest items -> save."""
    _require(request, "sources.add_source")
    if request.method != "POST":
        return _page(request, model_admin, "desk/source_add.html", "Add a source",
                     form=SourceAddForm(), step="find")
    form = SourceAddForm(request.POST)
    step, preview = "find", None
    if form.is_valid():
        if "_find" in request.POST or not form.cleaned_data.get("feed_url"):
            try:
                choices = source_find_feeds(url=form.cleaned_data["url"])
            except SourceAddError as exc:
                form.add_error("url", str(exc))
            else:
                data = request.POST.copy()
                data["feed_url"] = choices[0].url if len(choices) == 1 else ""
                form = SourceAddForm(data, feed_choices=[
                    (c.url, f"{c.title or 'Untitled feed'} — {c.url}") for c in choices])
                form.is_valid()
                step = "choose" if len(choices) > 1 else "preview"
        else:
            step = "preview"
    if step == "preview" and form.is_valid():
        draft = form.draft()
        try:
            preview = source_preview(draft=draft)
        except SourceAddError as exc:
            form.add_error("feed_url" if form.cleaned_data.get("feed_url") else "url", str(exc))
            step = "find"
        else:
            if "_save" in request.POST:
                try:
                    source = source_create(draft=draft, actor=request.user)
                except SourceAddError as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(request, f"Added “{source.name}”. Ingest it now, or it "
                                              "is polled within a minute by the runner.")
                    return HttpResponseRedirect(
                        reverse("admin:sources_source_change", args=[source.id]))
            if not form.cleaned_data.get("name"):
                data = form.data.copy()
                data["name"], data["home_url"] = preview.title[:NAME_MAX_CHARS], preview.home_url
                form = SourceAddForm(data, feed_choices=form.fields["feed_url"].choices)
                form.is_valid()
    return _page(request, model_admin, "desk/source_add.html", "Add a source", form=form,
                 step=step, preview=preview, region_names=region_names())


def source_health_view(request: HttpRequest, model_admin: admin.ModelAdmin) -> HttpResponse:
    _require(request, "sources.view_source")
    show = request.GET.get("show", "")
    if show not in HEALTH_FILTERS:
        show = ""
    return _page(request, model_admin, "desk/source_health.html", "Feed health",
                 rows=source_health(show=show), show=show, filters=HEALTH_FILTERS,
                 quiet_days=QUIET_DAYS, now=timezone.now())


def opml_import_view(request: HttpRequest, model_admin: admin.ModelAdmin) -> HttpResponse:
    _require(request, "sources.add_source")
    report, error = None, ""
    if request.method == "POST":
        upload = request.FILES.get("opml")
        if upload is None:
            error = "Choose an OPML file to import."
        elif upload.size is not None and upload.size > OPML_UPLOAD_LIMIT:
            error = "The file is larger than 2 MB; no subscription list is that long."
        else:
            try:
                report = opml_import(data=upload.read(OPML_UPLOAD_LIMIT + 1), actor=request.user)
            except OpmlError as exc:
                error = str(exc)
    return _page(request, model_admin, "desk/opml_import.html", "Import sources from OPML",
                 report=report, error=error)


def opml_export_view(request: HttpRequest, model_admin: admin.ModelAdmin) -> HttpResponse:
    _require(request, "sources.view_source")
    response = HttpResponse(opml_export(), content_type="text/x-opml; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="sources.opml"'
    return response


@require_POST
def source_action(request: HttpRequest, model_admin: admin.ModelAdmin, object_id: int,
                  action: str) -> HttpResponse:
    """Pause, resume, ingest now or re-extract one source, from its page."""
    _require(request, "sources.change_source")
    source = get_object_or_404(Source, pk=object_id)
    if action == "pause":
        source_pause(source=source, actor=request.user)
        messages.success(request, f"“{source.name}” is paused: it is not polled until resumed.")
    elif action == "resume":
        source_resume(source=source, actor=request.user)
        messages.success(request, f"“{source.name}” is polled again, starting now.")
    elif action == "ingest":
        report = source_ingest(source=source)
        if report.error:
            messages.error(request, f"The feed could not be read: {report.error}")
        else:
            messages.success(request, f"Ingested “{source.name}”: {report.created} new, "
                                      f"{report.updated} updated, {report.duplicates} duplicates.")
    elif action == "reextract":
        result = source_reextract(source=source, actor=request.user)
        level = messages.WARNING if result.failed else messages.SUCCESS
        messages.add_message(request, level, f"Re-extracted {result.checked} articles: "
                                             f"{result.changed} changed, {result.failed} could "
                                             "not be fetched and were left as they were.")
    return HttpResponseRedirect(reverse("admin:sources_source_change", args=[source.id]))


@require_POST
def article_action(request: HttpRequest, model_admin: admin.ModelAdmin, object_id: int,
                   action: str) -> HttpResponse:
    """Approve or withdraw one article, from its page."""
    _require(request, "articles.change_article")
    article = get_object_or_404(Article, pk=object_id)
    if action == "approve" and article.status != Status.PUBLISHED:
        article_approve(article=article, actor=request.user)
        messages.success(request, f"Published “{article.title}”.")
    elif action == "withdraw" and article.status == Status.PUBLISHED:
        article_withdraw(article=article, actor=request.user,
                         reason=request.POST.get("reason", "")[:1000])
        messages.success(request, f"Withdrew “{article.title}”: its page now says it was "
                                  "withdrawn.")
    return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.id]))


def article_reject_view(request: HttpRequest, model_admin: admin.ModelAdmin,
                        object_id: int | None = None,
                        queryset: QuerySet[Article] | None = None) -> HttpResponse:
    """Reject one article, or those the list's action picked (all pages of them with "select
    all"), with a reason. Only articles waiting for review: a published one is withdrawn."""
    _require(request, "articles.change_article")
    if object_id is not None:
        picked = Article.objects.filter(pk=get_object_or_404(Article, pk=object_id).pk)
    else:
        picked = queryset if queryset is not None else Article.objects.none()
    articles = list(picked.filter(status=Status.REVIEW))
    skipped = picked.exclude(status=Status.REVIEW).count()
    error = ""
    if request.method == "POST" and "reason" in request.POST:
        reason = request.POST["reason"].strip()
        if not reason:
            error = "Say why, in a few words: the reason is kept with the article."
        else:
            with transaction.atomic():
                for article in articles:
                    article_reject(article=article, actor=request.user, reason=reason[:1000])
            said = f"Rejected {len(articles)} article(s)."
            if skipped:
                said += (f" Skipped {skipped} not waiting for review: a published article is "
                         "withdrawn, not rejected.")
            messages.add_message(request, messages.SUCCESS if articles else messages.WARNING,
                                 said)
            if object_id is not None:
                return HttpResponseRedirect(
                    reverse("admin:articles_article_change", args=[object_id]))
            return HttpResponseRedirect(request.get_full_path())
    return _page(request, model_admin, "desk/article_reject.html", "Reject", articles=articles,
                 skipped=skipped, error=error, single=object_id is not None,
                 select_across=request.POST.get("select_across", "0"),
                 selected=request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME))


def article_preview(request: HttpRequest, model_admin: admin.ModelAdmin,
                    object_id: int) -> HttpResponse:
    """The article as readers would get it: as stored (GET) or with the unsaved edit (POST)."""
    _require(request, "articles.view_article")
    article = get_object_or_404(Article.objects.select_related("source"), pk=object_id)
    form = None
    if request.method == "POST":
        _require(request, "articles.change_article")
        form = ArticleEditForm(request.POST, instance=Article.objects.get(pk=article.pk))
        if form.is_valid():
            for name, value in form.changes().items():
                setattr(article, name, value)
            article.body_html = sanitize_html(article.body_html)
    return TemplateResponse(request, "desk/article_preview.html", {
        **model_admin.admin_site.each_context(request),
        "article": article,
        "form": form,
        "blocks": body_blocks(article),
        "photo_credit": photo_credit(article),
        "source_credit": source_credit(article),
        "region_name": region_names().get(article.primary_region, ""),
        "picture": _lead_picture(article),
        "ads_off": True,  # an editor's look counts no impression nor page view
    })


def _lead_picture(article: Article) -> dict[str, object] | None:
    """The lead image as the article page shows it."""
    if article.image_source == ImageSource.SITE:
        region = article.primary_region or "world"
        return {"url": static(f"newsdesk/regions/{region}.png"), "alt": "", "width": 1200,
                "height": 675}
    if article.image_source == ImageSource.PUBLISHER and article.image_url:
        return {"url": article.image_url, "alt": article.image_alt}
    return None
