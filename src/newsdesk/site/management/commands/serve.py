from __future__ import annotations

import os
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from newsdesk.cli import bounded, migrations_pending
from newsdesk.site.pagecache import pagecache_clear


class Command(BaseCommand):
    help = "Serve the site under gunicorn (static files by WhiteNoise, pages from the page cache)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=bounded(1, 65535), default=8000)
        parser.add_argument("--workers", type=bounded(1, 64), default=settings.NEWSDESK_WORKERS)

    def handle(self, *args: Any, **options: Any) -> None:
        if migrations_pending():  # else every page would answer 500, and /readyz 200
            raise CommandError("The database is not set up for this version: run "
                               "'newsdesk migrate' first.")
        call_command("collectstatic", interactive=False, verbosity=0)
        pagecache_clear()  # cached pages may carry the previous release's templates
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "newsdesk.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["workers"]),
            "--access-logfile",
            "-",
            "--timeout",
            "60",
            # gunicorn's control socket would otherwise go to the user's home directory.
            "--control-socket",
            str(settings.HOME / f"gunicorn-{options['port']}.ctl"),
        ]
        self.stdout.write(f"Serving on http://{options['host']}:{options['port']}/")
        self.stdout.flush()
        os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with the server
