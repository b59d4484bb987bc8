"""Articles in the desk: the review queue, edits with a preview, approve, reject, withdraw."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path

from newsdesk.articles.models import Article, Status
from newsdesk.articles.services import article_approve, article_update, article_withdraw
from newsdesk.desk import views
from newsdesk.desk.forms import ArticleEditForm
from newsdesk.desk.selectors import audit_for
from newsdesk.ingest.places import region_names


class RegionFilter(admin.SimpleListFilter):
    title = "region"
    parameter_name = "region"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(region_names().items())

    def queryset(self, request: HttpRequest, queryset: QuerySet[Article]) -> QuerySet[Article]:
        value = self.value()
        if value:
            return queryset.filter(places__kind="region", places__code=value).distinct()
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    form = ArticleEditForm
    change_form_template = "desk/article_change_form.html"
    list_display = ("title", "source", "status", "primary_country", "is_excerpt", "published_at",
                    "created_at")
    list_filter = ("status", "source", RegionFilter, "kind", "created_at", "published_at")
    list_select_related = ("source",)
    search_fields = ("title", "original_url", "summary")
    date_hierarchy = "created_at"
    actions = ["approve_selected", "reject_selected", "withdraw_selected"]
    fieldsets = (
        (None, {"fields": ("status", "source", "original_url", "title", "summary")}),
        ("Body", {"fields": ("body_html", "quotes")}),
        ("Image and credit", {"fields": ("image_source", "image_url", "image_alt",
                                         "image_caption", "image_credit")}),
        ("Places", {"fields": ("primary_country", "primary_region", "countries", "regions")}),
        ("Provenance", {"classes": ("collapse",),
                        "fields": ("guid", "feed_link", "author", "published_at", "is_excerpt",
                                   "created_at", "updated_at", "site_published_at")}),
    )
    readonly_fields = ("status", "source", "original_url", "guid", "feed_link", "author",
                       "published_at", "is_excerpt", "created_at", "updated_at",
                       "site_published_at")

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view

        def bound(view: Any, **fixed: Any) -> Any:
            return wrap(lambda request, **kw: view(request, self, **fixed, **kw))

        return [
            path("<int:object_id>/reject/", bound(views.article_reject_view),
                 name="articles_article_reject"),
            path("<int:object_id>/approve/", bound(views.article_action, action="approve"),
                 name="articles_article_approve"),
            path("<int:object_id>/withdraw/", bound(views.article_action, action="withdraw"),
                 name="articles_article_withdraw"),
            path("<int:object_id>/preview/", bound(views.article_preview),
                 name="articles_article_preview"),
            *super().get_urls(),
        ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # articles come from feeds and the press room

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        article = self.get_object(request, object_id)
        extra = {**(extra_context or {}), "audit": audit_for(article) if article else []}
        return super().change_view(request, object_id, form_url, extra)

    def save_model(self, request: HttpRequest, obj: Article, form: ModelForm[Article],
                   change: bool) -> None:
        # Only the service writes: it re-sanitises the body and leaves an audit entry.
        assert isinstance(form, ArticleEditForm)
        stored = Article.objects.get(pk=obj.pk)
        data = form.cleaned_data
        article_update(article=stored, actor=request.user, countries=data["countries"],
                       regions=data["regions"], **form.changes())
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: ModelForm[Article], formsets: Any,
                     change: bool) -> None:
        """Places were filed by the service; the article has no other relations to save."""

    @admin.action(description="Approve and publish the selected articles", permissions=["change"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        waiting = queryset.exclude(status=Status.PUBLISHED)
        count = 0
        for article in waiting:
            article_approve(article=article, actor=request.user)
            count += 1
        self.message_user(request, f"Published {count} article(s).", messages.SUCCESS)

    @admin.action(description="Reject the selected articles…", permissions=["change"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Article]) -> HttpResponse:
        return views.article_reject_view(request, self, queryset=queryset)

    @admin.action(description="Withdraw the selected published articles", permissions=["change"])
    def withdraw_selected(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        count = 0
        for article in queryset.filter(status=Status.PUBLISHED):
            article_withdraw(article=article, actor=request.user)
            count += 1
        self.message_user(request, f"Withdrew {count} article(s).", messages.SUCCESS)
