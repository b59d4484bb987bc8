from __future__ import annotations

import dataclasses
import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from newsdesk.ingest.clean import clean_article
from newsdesk.ingest.errors import IngestError
from newsdesk.ingest.extract import extract_article
from newsdesk.ingest.fetch import fetch
from newsdesk.sources.services import fetch_options


class Command(BaseCommand):
    help = "Show what the extractor makes of one article page (to check a source)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("url")
        parser.add_argument("--from-file", type=Path, help="Read the page from this file instead.")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        url = options["url"]
        try:
            if options["from_file"]:
                content, encoding = options["from_file"].read_bytes(), None
            else:
                page = fetch(url, options=fetch_options())
                content, encoding, url = page.content, page.encoding, page.url
            article = clean_article(extract_article(content, url=url, encoding=encoding), base_url=url)
        except (IngestError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        if options["format"] == "json":
            data = dataclasses.asdict(article)
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str))
            return
        for name in ("title", "url", "author", "published", "image_url", "image_credit"):
            self.stdout.write(f"{name}: {getattr(article, name)}")
        for quote in article.pull_quotes:
            self.stdout.write(f"pull quote before block {quote.position}: {quote.text}")
        self.stdout.write("how: " + "; ".join(article.notes))
        self.stdout.write("")
        self.stdout.write(article.body_html)
