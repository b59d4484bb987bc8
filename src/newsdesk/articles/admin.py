from django.contrib import admin

from newsdesk.articles.models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "source", "status", "primary_country", "published_at", "site_published_at")
    list_filter = ("status", "kind", "source", "primary_region")
    search_fields = ("title", "original_url")
    readonly_fields = ("guid", "original_url", "feed_link", "fingerprint", "content_hash",
                       "created_at", "updated_at")
