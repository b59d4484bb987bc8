from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from newsdesk.cli import bounded
from newsdesk.sources.models import (
    POLL_MINUTES_MAX,
    POLL_MINUTES_MIN,
    ContentPolicy,
    ImagePolicy,
    PublishPolicy,
    Source,
)
from newsdesk.sources.services import SourceAddError, source_add


class Command(BaseCommand):
    help = "Add and list sources (publishers' feeds)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Follow a feed, or the feed a site's page advertises.")
        add.add_argument("url")
        add.add_argument("--name", default="")
        add.add_argument("--image-policy", choices=ImagePolicy.values, default=ImagePolicy.SOURCE)
        add.add_argument("--publish", choices=PublishPolicy.values, default=PublishPolicy.REVIEW)
        add.add_argument("--content", choices=ContentPolicy.values, default=ContentPolicy.FULL)
        add.add_argument(
            "--credit",
            default="RSS",
            help='Shown as "Source of original article: CREDIT (domain)".',
        )
        add.add_argument("--poll-minutes", type=bounded(POLL_MINUTES_MIN, POLL_MINUTES_MAX),
                         default=None)
        sub.add_parser("list", help="One line per source with its health.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "add":
            try:
                source = source_add(
                    url=options["url"],
                    name=options["name"],
                    image_policy=options["image_policy"],
                    publish=options["publish"],
                    content=options["content"],
                    credit=options["credit"],
                    poll_minutes=options["poll_minutes"],
                )
            except SourceAddError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"Added source {source.id}: {source.name} <{source.feed_url}>")
            return
        for source in Source.objects.all():
            if source.consecutive_failures:
                health = f"failing x{source.consecutive_failures}: {source.last_error}"
            else:
                health = "ok" if source.last_attempt_at else "not polled yet"
            state = "active" if source.active else "paused"
            self.stdout.write(f"{source.id}\t{state}\t{source.name}\t{source.feed_url}\t{health}")
