from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from newsdesk.articles.editions import plain_text_edition
from newsdesk.articles.models import Article, Status
from newsdesk.articles.selectors import article_find


class Command(BaseCommand):
    help = "List articles, print one's plain-text edition or its public URL."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="One line per article: id, status, original URL, title.")
        for name, text in (
            ("text", "The plain-text edition."),
            ("url", "The public URL on this site."),
        ):
            one = sub.add_parser(name, help=text)
            one.add_argument("ref", help="The article's id, slug or original URL.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for article in Article.objects.order_by("id").only(
                "id", "status", "original_url", "title"
            ):
                self.stdout.write(
                    f"{article.id}\t{article.status}\t{article.original_url}\t{article.title}"
                )
            return
        article = article_find(options["ref"])
        if article is None:
            raise CommandError(f"No article matches {options['ref']!r}.")
        if options["action"] == "text":
            self.stdout.write(plain_text_edition(article), ending="")
        else:
            self.stdout.write(settings.BASE_URL + article.get_absolute_url())
            if article.status != Status.PUBLISHED:  # the address, and why it answers nobody yet
                self.stderr.write(f"Article {article.id} is {article.get_status_display().lower()}"
                                  ": its page answers only once it is published.")
