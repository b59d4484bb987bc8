"""The newsletter in the desk: subscribers (search, filters, CSV export, a test digest to
yourself), each digest sent with its recipients and failures, and the bounces received.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse

from newsdesk.newsletter.models import Bounce, Consent, Delivery, Digest, Subscriber
from newsdesk.newsletter.selectors import digests_with_counts
from newsdesk.newsletter.sending import digest_send_test
from newsdesk.newsletter.services import subscriber_lift_suppression

CSV_FIELDS = ("email", "status", "frequency", "regions", "countries", "created_at",
              "confirmed_at", "left_at", "last_digest_at", "soft_bounces", "suppressed_reason")
TEST_DIGEST_MAX = 3


def _cell(value: object) -> str:
    text = "" if value is None else ";".join(value) if isinstance(value, list) else str(value)
    # A cell starting like a formula would run as one in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value: str) -> str:
        return value


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    can_delete = False
    fields = ("at", "action", "form", "text", "ip")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class BounceInline(admin.TabularInline):
    model = Bounce
    extra = 0
    can_delete = False
    fields = ("received_at", "kind", "status", "diagnostic", "counted")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("email", "status", "frequency", "places", "created_at", "confirmed_at",
                    "last_digest_at", "soft_bounces")
    list_filter = ("status", "frequency", "created_at", "confirmed_at")
    search_fields = ("email",)
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "signed_up_at", "confirmation_sent_at", "confirmed_at",
                       "left_at", "last_digest_at", "soft_bounces", "suppressed_reason")
    inlines = [ConsentInline, BounceInline]
    actions = ["export_csv", "send_test_digest", "lift_suppression"]

    @admin.display(description="Regions and countries")
    def places(self, subscriber: Subscriber) -> str:
        return ", ".join([*subscriber.regions, *subscriber.countries]) or "all"

    @admin.action(description="Export the selected subscribers as CSV")
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Subscriber]
                   ) -> StreamingHttpResponse:
        writer = csv.writer(_Echo())

        def rows() -> Iterator[str]:
            yield writer.writerow(CSV_FIELDS)
            for subscriber in queryset.order_by("id").iterator(2000):
                yield writer.writerow([_cell(getattr(subscriber, name)) for name in CSV_FIELDS])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="subscribers.csv"'
        return response

    @admin.action(description="Send me a test of the digest these subscribers would get")
    def send_test_digest(self, request: HttpRequest, queryset: QuerySet[Subscriber]) -> None:
        to = getattr(request.user, "email", "")
        if not to:
            self.message_user(request, "Your desk account has no email address: add one first.",
                              messages.ERROR)
            return
        for subscriber in queryset[:TEST_DIGEST_MAX]:
            try:
                count = digest_send_test(subscriber=subscriber, to_email=to)
            except OSError as error:
                self.message_user(request, f"Could not send: {error}", messages.ERROR)
                return
            if count:
                self.message_user(request, f"Sent {to} the digest for {subscriber.email} "
                                           f"({count} articles).", messages.SUCCESS)
            else:
                self.message_user(request, f"Nothing published lately for {subscriber.email}: "
                                           "no test sent.", messages.WARNING)

    @admin.action(description="Lift the suppression of the selected addresses",
                  permissions=["change"])
    def lift_suppression(self, request: HttpRequest, queryset: QuerySet[Subscriber]) -> None:
        for subscriber in queryset:
            subscriber_lift_suppression(subscriber=subscriber)
        self.message_user(request, "Done.", messages.SUCCESS)


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ("__str__", "frequency", "status", "recipients", "sent", "failed", "waiting",
                    "created_at", "finished_at")
    list_filter = ("frequency", "status")
    readonly_fields = ("frequency", "until", "status", "created_at", "finished_at", "lease_owner",
                       "lease_until")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Digest]:
        return digests_with_counts()

    @admin.display(ordering="recipients")
    def recipients(self, digest: Digest) -> int:
        return digest.recipients  # type: ignore[attr-defined,no-any-return]

    @admin.display(ordering="sent")
    def sent(self, digest: Digest) -> int:
        return digest.sent  # type: ignore[attr-defined,no-any-return]

    @admin.display(ordering="failed")
    def failed(self, digest: Digest) -> int:
        return digest.failed  # type: ignore[attr-defined,no-any-return]

    @admin.display(description="Waiting or deferred")
    def waiting(self, digest: Digest) -> int:
        return digest.waiting  # type: ignore[attr-defined,no-any-return]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("subscriber", "digest", "status", "attempts", "smtp_code", "error", "sent_at")
    list_filter = ("status", "digest")
    search_fields = ("subscriber__email",)
    list_select_related = ("subscriber", "digest")
    readonly_fields = ("digest", "edition", "subscriber", "status", "attempts", "next_attempt_at",
                       "sent_at", "smtp_code", "error")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Bounce)
class BounceAdmin(admin.ModelAdmin):
    list_display = ("email", "kind", "status", "counted", "received_at")
    list_filter = ("kind", "counted", "received_at")
    search_fields = ("email", "diagnostic")
    readonly_fields = ("email", "subscriber", "kind", "status", "diagnostic", "counted",
                       "received_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
