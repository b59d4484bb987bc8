"""The desk's side of advertising: slots and rates, advertisers, campaigns, creatives, the
booking queue, and the report (impressions, clicks, CTR by day; CSV export)."""

from __future__ import annotations

import csv
import datetime
import mimetypes
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from newsdesk.ads.forms import CreativeAdminForm, SlotRowForm
from newsdesk.ads.models import Advertiser, BookingRequest, Campaign, Creative, Slot
from newsdesk.ads.selectors import report_rows
from newsdesk.ads.services import booking_request_decide
from newsdesk.ingest.places import all_countries, region_names

MAX_ID = 2**63 - 1  # the largest id a database column holds


def _report_link(label: str, **params: int) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return format_html('<a href="{}?{}">{}</a>', reverse("admin:ads_report"), query, label)


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "width", "height", "rate", "currency", "rate_unit", "is_active",
                    "position"]
    list_editable = ["rate", "currency", "rate_unit", "is_active", "position"]

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> type[forms.ModelForm]:
        return super().get_changelist_form(request, form=SlotRowForm, **kwargs)


@admin.register(Advertiser)
class AdvertiserAdmin(admin.ModelAdmin):
    list_display = ["name", "contact_email", "campaign_count", "report"]
    search_fields = ["name", "contact_email"]

    @admin.display(description="Campaigns")
    def campaign_count(self, obj: Advertiser) -> int:
        return obj.campaigns.count()

    @admin.display(description="Report")
    def report(self, obj: Advertiser) -> str:
        return _report_link("Impressions and clicks", advertiser=obj.pk)


class CreativeInline(admin.StackedInline):
    model = Creative
    form = CreativeAdminForm
    extra = 1
    fields = ["slot", "image", "alt_text", "target_url", "is_active"]


class CampaignForm(forms.ModelForm):
    regions = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple,
                                        help_text="Empty (with no countries): every page.")
    countries = forms.CharField(required=False, help_text="ISO codes, comma-separated: KE, NG.")

    class Meta:
        model = Campaign
        fields = ["advertiser", "name", "slots", "starts_on", "ends_on", "weight", "regions",
                  "countries", "impression_cap", "is_active"]
        widgets = {"slots": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = self.fields["regions"]
        assert isinstance(regions, forms.MultipleChoiceField)
        regions.choices = list(region_names().items())
        if self.instance.pk:
            self.initial["countries"] = ", ".join(self.instance.countries)

    def clean_countries(self) -> list[str]:
        codes = [c.strip().upper() for c in self.cleaned_data["countries"].split(",") if c.strip()]
        unknown = [c for c in codes if c not in all_countries()]
        if unknown:
            raise forms.ValidationError(f"Unknown country codes: {', '.join(unknown)}.")
        return codes

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "The last day must be on or after the first day.")
        return data


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignForm
    inlines = [CreativeInline]
    list_display = ["name", "advertiser", "starts_on", "ends_on", "weight", "impressions",
                    "impression_cap", "is_active", "report"]
    list_filter = ["is_active", "advertiser", "slots"]
    search_fields = ["name", "advertiser__name"]
    readonly_fields = ["impressions"]

    @admin.display(description="Report")
    def report(self, obj: Campaign) -> str:
        return _report_link("By day", campaign=obj.pk)

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.report_view)
        return [path("report/", view, name="ads_report"), *super().get_urls()]

    def report_view(self, request: HttpRequest) -> HttpResponse:
        """Impressions, clicks and CTR per day, advertiser and campaign; ?format=csv exports."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        def number(name: str) -> int | None:
            # "²" is a digit to str.isdigit but no int; a longer id overflows the database.
            value = request.GET.get(name, "")
            if value.isascii() and value.isdigit() and int(value) <= MAX_ID:
                return int(value)
            return None

        def day(name: str) -> datetime.date | None:
            try:
                return datetime.date.fromisoformat(request.GET.get(name, ""))
            except ValueError:
                return None

        filters = {"advertiser_id": number("advertiser"), "campaign_id": number("campaign"),
                   "start": day("start"), "end": day("end")}
        rows = report_rows(**filters)
        if request.GET.get("format") == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="ads-report.csv"'
            writer = csv.writer(response)
            writer.writerow(["day", "advertiser", "campaign", "impressions", "clicks",
                             "ctr_percent"])
            for row in rows:
                writer.writerow([row.day.isoformat(), _csv_safe(row.advertiser),
                                 _csv_safe(row.campaign), row.impressions, row.clicks, row.ctr])
            return response
        total_impressions = sum(r.impressions for r in rows)
        total_clicks = sum(r.clicks for r in rows)
        context = {
            **self.admin_site.each_context(request),
            "title": "Advertising report",
            "opts": self.model._meta,
            "rows": rows,
            "advertisers": Advertiser.objects.all(),
            "campaigns": Campaign.objects.select_related("advertiser"),
            "selected": {k: v for k, v in request.GET.items() if k != "format"},
            "csv_query": _query_with(request, format="csv"),
            "total_impressions": total_impressions,
            "total_clicks": total_clicks,
            "total_ctr": (round(total_clicks * 100 / total_impressions, 2)
                          if total_impressions else 0),
        }
        return TemplateResponse(request, "ads/admin/report.html", context)


def _query_with(request: HttpRequest, **extra: str) -> str:
    query = request.GET.copy()
    for key, value in extra.items():
        query[key] = value
    return query.urlencode()


def _csv_safe(text: str) -> str:
    """Names starting with =, +, - or @ would run as formulas in a spreadsheet."""
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


@admin.register(BookingRequest)
class BookingRequestAdmin(admin.ModelAdmin):
    """The desk's queue: pending requests first; a decision mails the advertiser."""

    list_display = ["created_at", "advertiser", "contact_email", "slot", "starts_on", "ends_on",
                    "state"]
    list_filter = ["state", "slot"]
    search_fields = ["advertiser", "contact_email", "contact_name"]
    actions = ["accept", "decline"]
    fields = ["advertiser", "contact_name", "contact_email", "slot", "starts_on", "ends_on",
              "regions", "creative_preview", "creative_link", "target_url", "message", "state",
              "decided_at", "created_at", "decision_note"]
    readonly_fields = fields[:-1]
    change_form_template = "ads/admin/booking_change_form.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and obj.state != BookingRequest.State.PENDING:
            return self.fields
        return self.readonly_fields

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.creative_view)
        return [path("<int:pk>/creative/", view, name="ads_booking_creative"), *super().get_urls()]

    def creative_view(self, request: HttpRequest, pk: int) -> FileResponse:
        """The uploaded (re-encoded) image, for the desk only."""
        booking = get_object_or_404(BookingRequest, pk=pk)
        if not self.has_view_permission(request, booking):
            raise PermissionDenied
        if not booking.creative_image:
            raise Http404("No image")
        name = booking.creative_image.name
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return FileResponse(booking.creative_image.open("rb"), content_type=content_type)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[BookingRequest]:
        return super().get_queryset(request).select_related("slot")

    @admin.display(description="Creative image")
    def creative_preview(self, obj: BookingRequest) -> str:
        if not obj.creative_image:
            return "—"
        url = reverse("admin:ads_booking_creative", kwargs={"pk": obj.pk})
        return format_html('<a href="{}"><img src="{}" alt="The uploaded creative" '
                           'style="max-width: 320px; height: auto"></a>', url, url)

    def _decide(self, request: HttpRequest, queryset: QuerySet[BookingRequest],
                accept: bool) -> None:
        pending = list(queryset.filter(state=BookingRequest.State.PENDING))
        for booking in pending:
            booking_request_decide(booking=booking, accept=accept)
        verdict = "accepted" if accept else "declined"
        self.message_user(request, f"{len(pending)} request(s) {verdict}; the advertisers "
                                   "have been emailed.", messages.SUCCESS)

    @admin.action(description="Accept the selected requests (emails the advertiser)",
                  permissions=["change"])
    def accept(self, request: HttpRequest, queryset: QuerySet[BookingRequest]) -> None:
        self._decide(request, queryset, True)

    @admin.action(description="Decline the selected requests (emails the advertiser)",
                  permissions=["change"])
    def decline(self, request: HttpRequest, queryset: QuerySet[BookingRequest]) -> None:
        self._decide(request, queryset, False)

    def response_change(self, request: HttpRequest, obj: BookingRequest) -> HttpResponse:
        for name, accept in (("_accept", True), ("_decline", False)):
            if name in request.POST and obj.state == BookingRequest.State.PENDING:
                booking_request_decide(booking=obj, accept=accept, note=obj.decision_note)
                self.message_user(request, f"Request {obj.get_state_display().lower()}; "
                                           "the advertiser has been emailed.", messages.SUCCESS)
        return super().response_change(request, obj)
