from django.contrib import admin

from newsdesk.sources.models import Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "feed_url", "active", "publish", "image_policy", "last_success_at",
                    "last_status", "consecutive_failures", "next_check_at")
    list_filter = ("active", "publish", "image_policy", "content")
    search_fields = ("name", "feed_url", "domain")
    readonly_fields = ("etag", "last_modified", "last_attempt_at", "last_success_at", "last_status",
                       "consecutive_failures", "last_error", "moved_from", "lease_owner", "lease_until")
