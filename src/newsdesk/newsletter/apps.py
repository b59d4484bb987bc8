from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "newsdesk.newsletter"
    verbose_name = "Newsletter"
