from __future__ import annotations

import os
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from newsdesk.cli import bounded


class Command(BaseCommand):
    help = ("Run a Celery worker with Newsdesk's settings: it takes ingest, image and mail jobs "
            "from the broker (NEWSDESK_BROKER_URL). Run as many as you like, on any machine.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--concurrency", type=bounded(1, 256), default=None,
                            help="Worker processes (default: one per CPU).")
        parser.add_argument("--queues", default=settings.CELERY_TASK_DEFAULT_QUEUE,
                            help="Comma-separated queues to take jobs from.")
        parser.add_argument("--name", default=f"newsdesk-{os.getpid()}@%h",
                            help="Node name, unique per worker (%%h is the host name).")
        parser.add_argument("--loglevel", default=os.environ.get("NEWSDESK_LOG_LEVEL", "INFO"))

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.NEWSDESK_BROKER_URL:
            raise CommandError("NEWSDESK_BROKER_URL is not set: without a broker, jobs run "
                               "in-process (`newsdesk run`, `newsdesk ingest`); "
                               "see docs/scaling.md.")
        argv = [sys.executable, "-m", "celery", "-A", "newsdesk.celery:app", "worker",
                "--hostname", options["name"], "--queues", options["queues"],
                "--loglevel", options["loglevel"],
                # Workers need not know of each other: less chatter on the broker.
                "--without-mingle", "--without-gossip"]
        if options["concurrency"]:
            argv += ["--concurrency", str(options["concurrency"])]
        sys.stdout.flush()
        os.execv(sys.executable, argv)  # noqa: S606 - this process becomes the worker
