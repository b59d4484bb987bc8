"""Sources in the desk: the list with health, settings, and the desk's own source pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path

from newsdesk.desk import views
from newsdesk.desk.forms import SourceAdminForm
from newsdesk.desk.selectors import audit_for
from newsdesk.desk.services import audit_record
from newsdesk.site.pagecache import pagecache_clear
from newsdesk.sources.models import Source
from newsdesk.sources.services import source_pause, source_resume

# What the site prints of a source beside each of its articles.
CREDITED_FIELDS = frozenset({"name", "domain", "credit", "home_url"})


class HealthFilter(admin.SimpleListFilter):
    title = "health"
    parameter_name = "health"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("failing", "Failing"), ("ok", "Working"), ("moved", "Moved"),
                ("paused", "Paused")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Source]) -> QuerySet[Source]:
        value = self.value()
        if value == "failing":
            return queryset.filter(consecutive_failures__gt=0)
        if value == "ok":
            return queryset.filter(consecutive_failures=0, active=True)
        if value == "moved":
            return queryset.exclude(moved_from="")
        if value == "paused":
            return queryset.filter(active=False)
        return queryset


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    form = SourceAdminForm
    change_form_template = "desk/source_change_form.html"
    change_list_template = "desk/source_change_list.html"
    list_display = ("name", "domain", "active", "publish", "content", "last_success_at",
                    "last_status", "consecutive_failures", "next_check_at")
    list_filter = (HealthFilter, "active", "publish", "image_policy", "content")
    search_fields = ("name", "feed_url", "domain")
    actions = ["pause_selected", "resume_selected"]
    fieldsets = (
        (None, {"fields": ("name", "feed_url", "home_url", "domain", "credit")}),
        ("Rights and publishing", {"fields": ("image_policy", "content", "publish")}),
        ("Filing", {"fields": ("regions", "countries")}),
        ("Polling and rules", {"fields": ("poll_minutes", "include_keywords", "exclude_keywords",
                                          "body_selector", "remove_selectors")}),
        ("Health", {"fields": ("active", "last_attempt_at", "last_success_at", "last_status",
                               "consecutive_failures", "last_error", "next_check_at",
                               "moved_from")}),
    )
    readonly_fields = ("active", "last_attempt_at", "last_success_at", "last_status",
                       "consecutive_failures", "last_error", "next_check_at", "moved_from")

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view

        def bound(view: Any, **fixed: Any) -> Any:
            return wrap(lambda request, **kw: view(request, self, **fixed, **kw))

        own = [
            path("health/", bound(views.source_health_view), name="sources_source_health"),
            path("opml/import/", bound(views.opml_import_view), name="sources_source_opml_import"),
            path("opml/export/", bound(views.opml_export_view), name="sources_source_opml_export"),
        ]
        own += [path(f"<int:object_id>/{action}/", bound(views.source_action, action=action),
                     name=f"sources_source_{action}")
                for action in ("pause", "resume", "ingest", "reextract")]
        return own + super().get_urls()

    def add_view(self, request: HttpRequest, form_url: str = "",
                 extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return views.source_add(request, self)

    def has_delete_permission(self, request: HttpRequest, obj: Source | None = None) -> bool:
        # Articles keep their source: a source with articles is paused, never deleted.
        if obj is not None and obj.articles.exists():
            return False
        return super().has_delete_permission(request, obj)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        source = self.get_object(request, object_id)
        extra = {**(extra_context or {}), "audit": audit_for(source) if source else []}
        return super().change_view(request, object_id, form_url, extra)

    def save_model(self, request: HttpRequest, obj: Source, form: ModelForm[Source],
                   change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            audit_record(actor=request.user, action="changed", target=obj,
                         detail="Changed " + ", ".join(form.changed_data) + ".")
        if change and CREDITED_FIELDS & set(form.changed_data) and obj.articles.exists():
            # Every page naming the source (its articles, the lists they are on) must say
            # the new credit; they are many, so the cache starts again and fills as read.
            transaction.on_commit(pagecache_clear)

    @admin.action(description="Pause the selected sources", permissions=["change"])
    def pause_selected(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        for source in queryset.filter(active=True):
            source_pause(source=source, actor=request.user)
        self.message_user(request, "Paused.", messages.SUCCESS)

    @admin.action(description="Resume the selected sources", permissions=["change"])
    def resume_selected(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        for source in queryset.filter(active=False):
            source_resume(source=source, actor=request.user)
        self.message_user(request, "Resumed: they are polled again, starting now.",
                          messages.SUCCESS)
