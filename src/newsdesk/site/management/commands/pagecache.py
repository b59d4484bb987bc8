from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from newsdesk.cli import bounded
from newsdesk.site.pagecache import pagecache_clear, pagecache_warm


class Command(BaseCommand):
    help = "The page cache: `clear` empties it, `warm` renders the busiest pages into it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["clear", "warm"])
        parser.add_argument("--articles", type=bounded(0, 1_000_000), default=200,
                            help="warm: how many of the latest articles to render (default 200)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "clear":
            pagecache_clear()
            self.stdout.write("Page cache emptied.")
        else:
            stored = pagecache_warm(articles=options["articles"])
            self.stdout.write(f"{stored} pages stored in the page cache.")
