from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "newsdesk.site"
    label = "newsdesk_site"
    verbose_name = "Public site"
