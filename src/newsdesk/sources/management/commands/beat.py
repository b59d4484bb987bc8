from __future__ import annotations

import os
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Run Celery beat: it enqueues the scheduled jobs in settings.CELERY_BEAT_SCHEDULE "
            "(claim due sources, alert editors, send newsletters). Run exactly one per site.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--loglevel", default=os.environ.get("NEWSDESK_LOG_LEVEL", "INFO"))

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.NEWSDESK_BROKER_URL:
            raise CommandError("NEWSDESK_BROKER_URL is not set: without a broker, `newsdesk run` "
                               "polls in-process; see docs/scaling.md.")
        # Only when each job last ran is kept on disk; the schedule itself is in settings.
        argv = [sys.executable, "-m", "celery", "-A", "newsdesk.celery:app", "beat",
                "--schedule", str(settings.HOME / "celerybeat-schedule"),
                "--loglevel", options["loglevel"]]
        sys.stdout.flush()
        os.execv(sys.executable, argv)  # noqa: S606 - this process becomes the scheduler
