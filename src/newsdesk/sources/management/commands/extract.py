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
from newsdesk.ingest.types import ExtractedArticle
from newsdesk.sources.services import fetch_options

# Which notes explain which field: a note reads "<topic>: <the rule that decided>".
NOTE_TOPICS = {
    "url": ("url",),
    "title": ("title",),
    "author": ("author",),
    "published": ("published",),
    "language": ("language",),
    "summary": ("summary",),
    "image_url": ("image",),
    "image_alt": ("image",),
    "image_caption": ("image", "credit"),
    "image_credit": ("credit",),
    "pull_quotes": ("pull quotes",),
    "body_html": ("body", "site rule", "boxes", "text boxes", "pictures", "teasers"),
    "is_excerpt": ("page not used",),
}


def explain(article: ExtractedArticle) -> dict[str, Any]:
    """Every field with its value and the rules that produced it, for `--format json`."""
    fields: dict[str, Any] = {}
    for field in dataclasses.fields(article):
        if field.name == "notes":
            continue
        value = getattr(article, field.name)
        if field.name == "pull_quotes":
            value = [{"text": q.text, "before_block": q.position} for q in value]
        topics = NOTE_TOPICS.get(field.name, ())
        how = [note.split(": ", 1)[1] for note in article.notes
               if note.split(": ", 1)[0] in topics and ": " in note]
        if field.name == "is_excerpt" and not value:
            how = ["the page itself was extracted"]
        fields[field.name] = {"value": value, "how": how or ["not found on the page"]}
    return {"fields": fields, "notes": list(article.notes)}


class Command(BaseCommand):
    help = "Show what the extractor makes of one article page, and which rule produced each part."

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
            extracted = extract_article(content, url=url, encoding=encoding)
            article = clean_article(extracted, base_url=url)
        except (IngestError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        if options["format"] == "json":
            self.stdout.write(json.dumps(explain(article), indent=2, ensure_ascii=False,
                                         default=str))
            return
        for name in ("title", "url", "author", "published", "image_url", "image_credit"):
            self.stdout.write(f"{name}: {getattr(article, name)}")
        for quote in article.pull_quotes:
            self.stdout.write(f"pull quote before block {quote.position}: {quote.text}")
        self.stdout.write("how: " + "; ".join(article.notes))
        self.stdout.write("")
        self.stdout.write(article.body_html)
