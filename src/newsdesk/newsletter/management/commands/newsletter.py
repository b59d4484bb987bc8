from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from newsdesk.newsletter.models import Frequency
from newsdesk.newsletter.sending import newsletter_send
from newsdesk.newsletter.services import inbound_process, subscribers_expire_pending
from newsdesk.newsletter.tokens import inbound_key


class Command(BaseCommand):
    help = "Send due digests, forget unconfirmed sign-ups, read bounces and complaints."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        send = sub.add_parser("send", help="Finish unfinished digests, then send every due one. "
                                           "Safe to run again at any time (e.g. hourly from cron).")
        send.add_argument("--frequency", choices=[*Frequency.values, "all"], default="all")
        send.add_argument("--connections", type=int, default=None,
                          help="Parallel SMTP connections (default NEWSDESK_SMTP_CONNECTIONS).")
        send.add_argument("--retry-wait", type=float, default=0.0,
                          help="Seconds to wait in this run for deferred recipients' retries.")
        sub.add_parser("expire", help="Forget sign-ups not confirmed within seven days.")
        inbound = sub.add_parser("inbound", help="Read DSNs, complaints and mailed unsubscribe "
                                                 "requests from .eml files ('-' for stdin).")
        inbound.add_argument("files", nargs="+")
        sub.add_parser("inbound-url", help="The URL a mail server may POST raw bounces to.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "send":
            expired = subscribers_expire_pending()
            chosen = options["frequency"]
            frequencies = Frequency.values if chosen == "all" else [chosen]
            results = newsletter_send(frequencies=frequencies, connections=options["connections"],
                                      retry_wait_max=options["retry_wait"])
            self.stdout.write(f"expired {expired} unconfirmed sign-ups")
            for digest, stats in results:
                state = "busy elsewhere" if stats.busy else (
                    f"sent {stats.sent}, deferred {stats.deferred}, failed {stats.failed}, "
                    f"skipped {stats.skipped}")
                self.stdout.write(f"{digest}: {state}")
            if not results:
                self.stdout.write("nothing to send")
            halted = next((stats.halted for _, stats in results if stats.halted), "")
            if halted:
                raise CommandError(f"Sending stopped: the mail server answered “{halted}”. "
                                   "No subscriber was marked; the rest is sent on the next run. "
                                   "Check NEWSDESK_SMTP_URL and the server.")
        elif action == "expire":
            self.stdout.write(f"expired {subscribers_expire_pending()} unconfirmed sign-ups")
        elif action == "inbound":
            for name in options["files"]:
                try:
                    raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
                except OSError as exc:
                    raise CommandError(f"Cannot read {name}: {exc.strerror or exc}") from exc
                outcomes = inbound_process(raw=raw)
                if not outcomes:
                    self.stdout.write(f"{name}: nothing to act on (no bounce report, complaint "
                                      "or unsubscribe request)")
                for outcome in outcomes:
                    report = outcome.report
                    line = f"{name}: {report.kind} {report.email} {report.status}".rstrip()
                    if not outcome.counted:
                        line += " (not counted: it quotes no digest sent to that address)"
                    self.stdout.write(line)
        else:
            path = reverse("newsletter:inbound", kwargs={"key": inbound_key()})
            self.stdout.write(settings.BASE_URL + path)
