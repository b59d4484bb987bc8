from typing import Any

from django.core.management.base import BaseCommand

from newsdesk.sources.services import sources_alert_editors


class Command(BaseCommand):
    help = ("Mail the editors once about each source that started failing, went quiet or was "
            "disabled since the last run. Safe to run as often as you like.")

    def handle(self, *args: Any, **options: Any) -> None:
        for source, kind in sources_alert_editors():
            self.stdout.write(f"alerted: {source.name} ({kind})")
