from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from newsdesk.cli import bounded
from newsdesk.demo.publisher import DemoPublisher
from newsdesk.desk.roles import ADMIN
from newsdesk.jobs import run_due_in_process
from newsdesk.sources.models import ImagePolicy, PublishPolicy, Source
from newsdesk.sources.services import SourceAddError, source_add

DEMO_EDITOR = "editor"


class Command(BaseCommand):
    help = "The demo: a bundled publisher on loopback, its feeds as sources, the site, polling."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--port", type=bounded(1, 65535), default=8000,
                            help="The site's port.")
        parser.add_argument("--publisher-port", type=bounded(1, 65535), default=8701,
                            help="The demo publisher's port (kept fixed so sources stay valid).")
        parser.add_argument("--tick-seconds", type=float, default=5.0,
                            help="How often the in-process schedule looks for due jobs.")

    def handle(self, *args: Any, **options: Any) -> None:
        for option, port in (("--port", options["port"]),
                             ("--publisher-port", options["publisher_port"])):
            if not _port_free(port):  # before anything starts, so nothing is left half done
                raise CommandError(f"Port {port} on 127.0.0.1 is in use: choose another with "
                                   f"{option}.")
        site = f"http://127.0.0.1:{options['port']}"
        if "NEWSDESK_BASE_URL" not in os.environ:  # links in feeds, mail and the text edition
            os.environ["NEWSDESK_BASE_URL"] = settings.BASE_URL = site  # here and in `serve`
        call_command("migrate", interactive=False, verbosity=0)
        publisher = DemoPublisher(port=options["publisher_port"]).start()
        # The demo publisher lives on loopback, which the fetcher refuses unless told otherwise.
        allowed = settings.NEWSDESK_FETCH_ALLOW_PRIVATE
        settings.NEWSDESK_FETCH_ALLOW_PRIVATE = (*allowed, "127.0.0.1")
        self._add_sources(publisher.feed_urls)
        password = self._reset_editor()
        call_command("ingest")

        server = subprocess.Popen(  # noqa: S603 - our own command, no shell
            [sys.executable, "-m", "newsdesk.cli", "serve", "--port", str(options["port"])])
        # A service manager stops with SIGTERM: the site server must stop with the demo.
        signal.signal(signal.SIGTERM, _stop)
        self.stdout.write(self.style.SUCCESS(
            f"\nThe demo site:        {site}/\n"
            f"The editorial desk:   {site}/desk/  (user {DEMO_EDITOR!r}, password {password!r})\n"
            f"The demo publishers:  {publisher.home_url}\n"
            f"State is kept in {settings.HOME}. Stop with Ctrl-C.\n"))
        # The same schedule Celery beat keeps on the scale path, run here between naps.
        last_run: dict[str, float] = {}
        try:
            while server.poll() is None:
                time.sleep(options["tick_seconds"])
                run_due_in_process(last_run, now=time.monotonic())
        except KeyboardInterrupt:
            pass
        finally:
            server.terminate()
            publisher.stop()
        if server.returncode:  # the server ended on its own: say so, as the exit code too
            raise CommandError(f"The site server stopped (exit code {server.returncode}).")

    def _add_sources(self, feed_urls: list[str]) -> None:
        for index, url in enumerate(feed_urls):
            if Source.objects.filter(feed_url=url).exists():
                continue
            # One source shows the site's own images, to show both image policies.
            policy = ImagePolicy.SITE if index == len(feed_urls) - 1 else ImagePolicy.SOURCE
            try:
                source = source_add(url=url, image_policy=policy, publish=PublishPolicy.AUTO)
            except SourceAddError as exc:
                self.stderr.write(f"Could not add {url}: {exc}")
                continue
            self.stdout.write(f"Added source: {source.name}")

    def _reset_editor(self) -> str:
        """A fresh password each run, so it can be printed without being stored anywhere."""
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(username=DEMO_EDITOR)
        user.is_staff, user.is_superuser = True, False
        user.set_password(password)
        user.save()
        # The demo shows the whole desk, so its editor holds the Admin role.
        user.groups.set([Group.objects.get(name=ADMIN)])
        return password


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)  # through handle()'s finally, which stops the server and the publisher
