from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from tqdm import tqdm

from newsdesk.sources.models import Source
from newsdesk.sources.services import IngestReport, sources_ingest_due


class Command(BaseCommand):
    help = "Poll every due source (or the ones named) and store new articles."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--source", type=int, action="append", dest="source_ids",
                            help="Only this source id (repeatable); polled even if not due.")
        parser.add_argument("--all", action="store_true", help="Every active source, due or not.")
        parser.add_argument("--processes", type=int, default=settings.NEWSDESK_INGEST_PROCESSES,
                            help="Worker processes for a large run, each polling whole hosts "
                                 "(default NEWSDESK_INGEST_PROCESSES, or one a core).")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = options["source_ids"]
        total = len(ids) if ids else Source.objects.filter(active=True).count()
        bar = tqdm(total=total, unit="feed", disable=not sys.stderr.isatty(), file=sys.stderr)

        def done(source: Source, report: IngestReport) -> None:
            bar.update(1)
            if report.error:
                self.stderr.write(f"{source.name}: {report.error}")

        reports = sources_ingest_due(include_not_due=options["all"], source_ids=ids, on_done=done,
                                     processes=max(1, options["processes"]))
        bar.close()
        created = sum(r.created for r in reports)
        updated = sum(r.updated for r in reports)
        failed = sum(1 for r in reports if r.error)
        self.stdout.write(f"{len(reports)} sources polled: {created} new, {updated} updated, "
                          f"{failed} failed.")
