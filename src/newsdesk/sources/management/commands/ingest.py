from __future__ import annotations

import logging
import os
import signal
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from newsdesk.cli import bounded
from newsdesk.sources.models import Source
from newsdesk.sources.services import SOURCE_FAILURE, IngestReport, sources_ingest_due


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _not_reported_here(record: logging.LogRecord) -> bool:
    """The command says each failed source in a line of its own: its log record would repeat it."""
    return not getattr(record, SOURCE_FAILURE, False)


class Command(BaseCommand):
    help = "Poll every due source (or the ones named) and store new articles."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--source", type=int, action="append", dest="source_ids",
                            help="Only this source id (repeatable); polled even if not due.")
        parser.add_argument("--all", action="store_true", help="Every active source, due or not.")
        parser.add_argument("--processes", type=bounded(1, 64),
                            default=settings.NEWSDESK_INGEST_PROCESSES,
                            help="Worker processes for a large run, each polling whole hosts "
                                 "(default NEWSDESK_INGEST_PROCESSES, or one a core).")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = options["source_ids"]
        if ids:
            known = dict(Source.objects.filter(id__in=ids).values_list("id", "active"))
            unknown = sorted(set(ids) - set(known))
            if unknown:
                raise CommandError(f"No source has the id {', '.join(map(str, unknown))} "
                                   "(`newsdesk source list` shows them).")
            for source_id in sorted(i for i, active in known.items() if not active):
                self.stderr.write(f"Source {source_id} is paused: resume it in the desk first.")
        total = len(ids) if ids else Source.objects.filter(active=True).count()
        bar = tqdm(total=total, unit="feed", disable=not sys.stderr.isatty(), file=sys.stderr)
        polled: list[IngestReport] = []

        def done(source: Source, report: IngestReport) -> None:
            polled.append(report)
            bar.update(1)
            if report.error:
                self.stderr.write(f"{source.name}: {report.error}")

        # For the run only: `newsdesk run` calls this command, then polls in the same process.
        ingest_log = logging.getLogger("newsdesk.ingest")
        ingest_log.addFilter(_not_reported_here)
        # A supervisor's SIGTERM (systemd, `timeout`, `kill`) stops the run as Ctrl-C does.
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            reports = sources_ingest_due(include_not_due=options["all"], source_ids=ids,
                                         on_done=done, processes=options["processes"])
        except KeyboardInterrupt:
            bar.close()
            self.stderr.write(f"Interrupted after {len(polled)} sources; what was stored is "
                              "kept, and the rest is polled on the next run.")
            sys.stdout.flush()
            sys.stderr.flush()
            # The claims are released (sources_ingest_due's finally) and nothing is being
            # written; only feeds still downloading in the polling threads are left, and an
            # ordinary exit would wait out their deadline for them.
            os._exit(130)
        finally:
            signal.signal(signal.SIGTERM, previous)
            ingest_log.removeFilter(_not_reported_here)
        bar.close()
        if ids:
            busy = sorted(set(known) - {r.source_id for r in reports} - {
                i for i, active in known.items() if not active})
            for source_id in busy:
                self.stderr.write(f"Source {source_id} is being polled by another runner.")
        created = sum(r.created for r in reports)
        updated = sum(r.updated for r in reports)
        failed = sum(1 for r in reports if r.error)
        self.stdout.write(f"{len(reports)} sources polled: {created} new, {updated} updated, "
                          f"{failed} failed.")
