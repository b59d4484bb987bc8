from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from newsdesk.pressroom.services import releases_publish_due


class Command(BaseCommand):
    help = "Press releases: `publish-due` publishes every approved release whose time has come."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["publish-due"])

    def handle(self, *args: Any, **options: Any) -> None:
        count = releases_publish_due()
        self.stdout.write(f"published {count} press release(s)")
