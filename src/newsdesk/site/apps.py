from django.apps import AppConfig
from django.db.backends.signals import connection_created


class SiteConfig(AppConfig):
    name = "newsdesk.site"
    label = "newsdesk_site"
    verbose_name = "Public site"

    def ready(self) -> None:
        from newsdesk.site.search import sqlite_functions_register

        # The search index's triggers (articles migration 0002) call a function of ours.
        connection_created.connect(sqlite_functions_register,
                                   dispatch_uid="newsdesk.site.search.functions")
