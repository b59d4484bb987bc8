"""The desk's press-release queue: confirmed releases, oldest first; preview as published; edit;
approve now or at a time, or reject with a reason the sender is emailed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from newsdesk.articles.editions import body_blocks, photo_credit
from newsdesk.ingest.places import region_names
from newsdesk.pressroom.forms import DecisionForm, ReleaseEditForm
from newsdesk.pressroom.models import PressRelease, ReleaseImage, State
from newsdesk.pressroom.services import (
    WrongState,
    file_url,
    release_approve,
    release_article_draft,
    release_reject,
)

QUEUE = State.PENDING
UNDECIDED = {State.PENDING, State.SCHEDULED}


def _undecided(release: PressRelease | None) -> bool:
    return release is None or release.state in UNDECIDED


class QueueFilter(admin.SimpleListFilter):
    """Opens on the queue (confirmed, waiting for an editor); "All" shows every release."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(value), str(label)) for value, label in State.choices] + [("all", "All")]

    def value(self) -> str:
        return super().value() or QUEUE

    def choices(self, changelist: Any) -> Any:
        for lookup, title in self.lookup_choices:
            yield {"selected": self.value() == lookup, "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup})}

    def queryset(self, request: HttpRequest,
                 queryset: QuerySet[PressRelease]) -> QuerySet[PressRelease]:
        return queryset if self.value() == "all" else queryset.filter(state=self.value())


class ReleaseImageInline(admin.TabularInline):
    model = ReleaseImage
    extra = 0
    can_delete = True
    fields = ("thumbnail", "caption", "credit", "position")
    readonly_fields = ("thumbnail",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # images come only through the checked upload

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _undecided(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _undecided(obj) and super().has_delete_permission(request, obj)

    @admin.display(description="Image")
    def thumbnail(self, image: ReleaseImage) -> str:
        return format_html('<img src="{}" alt="" style="max-height:6rem">',
                           file_url(image.file.name))


@admin.register(PressRelease)
class PressReleaseAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "state", "created_at", "confirmed_at", "publish_at",
                    "review_link")
    list_filter = (QueueFilter, "include_in_digest")
    search_fields = ("title", "organisation", "contact_email")
    ordering = ("confirmed_at", "created_at")
    inlines = [ReleaseImageInline]
    change_form_template = "admin/pressroom/pressrelease/change_form.html"
    form = ReleaseEditForm
    fieldsets = (
        ("The release (editable before approval)", {
            "description": "Editable while the release waits for an editor or is scheduled. "
                           "Once it is published, readers see its article: correct it on the "
                           "article's own edit page.",
            "fields": ("title", "summary", "body", "countries", "regions", "include_in_digest")}),
        ("Sender", {"fields": ("organisation", "contact_name", "contact_email", "contact_phone",
                               "package", "consented_at", "pdf")}),
        ("Decision", {"fields": ("state", "created_at", "confirmed_at", "decided_at",
                                 "decided_by", "publish_at", "reject_reason", "reject_note",
                                 "article")}),
    )
    readonly_fields = ("contact_email", "package", "consented_at", "pdf", "state", "created_at",
                       "confirmed_at", "decided_at", "decided_by", "publish_at",
                       "reject_reason", "reject_note", "article")
    actions = ["publish_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # releases arrive through /pr, confirmed by their sender

    def get_readonly_fields(self, request: HttpRequest,
                            obj: PressRelease | None = None) -> Sequence[str]:
        # Editing a decided release would change nothing readers see.
        if not _undecided(obj):
            return [name for _, options in self.fieldsets for name in options["fields"]]
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest,
                              obj: PressRelease | None = None) -> bool:
        # A published release's article credits it and serves its images: it stays.
        if obj is not None and obj.article_id is not None:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description="Review")
    def review_link(self, release: PressRelease) -> str:
        if not _undecided(release):
            return "—"
        return format_html('<a href="{}">Preview</a> · <a href="{}">Decide</a>',
                           reverse("admin:pressroom_pressrelease_preview", args=[release.pk]),
                           reverse("admin:pressroom_pressrelease_decide", args=[release.pk]))

    @admin.action(description="Approve and publish the selected releases now",
                  permissions=["change"])
    def publish_now(self, request: HttpRequest, queryset: QuerySet[PressRelease]) -> None:
        published = 0
        for release in queryset:
            try:
                release_approve(release=release, editor=request.user,
                                include_in_digest=release.include_in_digest)
                published += 1
            except WrongState as exc:
                self.message_user(request, f"{release.title}: {exc}", messages.WARNING)
        if published:
            self.message_user(request, f"Published {published} release(s).", messages.SUCCESS)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path("<int:release_id>/preview/", self.admin_site.admin_view(self.preview_view),
                 name="pressroom_pressrelease_preview"),
            path("<int:release_id>/decide/", self.admin_site.admin_view(self.decide_view),
                 name="pressroom_pressrelease_decide"),
        ]
        return own + super().get_urls()

    def preview_view(self, request: HttpRequest, release_id: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        release = get_object_or_404(PressRelease, pk=release_id)
        article = release_article_draft(release=release)
        article.press_release = release  # the article page names the organisation through it
        article.slug = "preview"  # unsaved: the page needs some slug for its links
        return render(request, "admin/pressroom/preview.html", {
            "article": article, "release": release,
            "blocks": body_blocks(article), "photo_credit": photo_credit(article),
            "source_credit": release.organisation,
            "region_name": region_names().get(article.primary_region, ""),
            "picture": {"url": article.image_url, "alt": article.image_alt}
            if article.image_url else None,
            "decide_url": reverse("admin:pressroom_pressrelease_decide", args=[release.pk]),
            "ads_off": True,  # an editor's look counts no impression nor page view
        })

    def decide_view(self, request: HttpRequest, release_id: int) -> HttpResponse:
        release = get_object_or_404(PressRelease, pk=release_id)
        if not self.has_change_permission(request, release):
            raise PermissionDenied
        form = DecisionForm(request.POST or None,
                            initial={"include_in_digest": release.include_in_digest})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == DecisionForm.REJECT:
                    release_reject(release=release, editor=request.user,
                                   reason=data["reject_reason"], note=data["reject_note"])
                    self.message_user(request, f"Rejected “{release.title}”; the sender has "
                                      "been emailed the reason.", messages.SUCCESS)
                else:
                    when = data["publish_at"] if data["decision"] == DecisionForm.APPROVE_LATER \
                        else None
                    release = release_approve(release=release, editor=request.user,
                                              publish_at=when,
                                              include_in_digest=data["include_in_digest"])
                    self.message_user(request, f"“{release.title}” is "
                                      f"{release.get_state_display().lower()}.", messages.SUCCESS)
            except WrongState as exc:
                self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:pressroom_pressrelease_changelist"))
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
            "release": release, "title": f"Decide: {release.title}",
            "preview_url": reverse("admin:pressroom_pressrelease_preview", args=[release.pk]),
            "can_decide": _undecided(release),
        }
        return render(request, "admin/pressroom/decide.html", context)
