"""Ingest jobs (see newsdesk/jobs.py): ids in, one service call.

Beat runs ingest_due_batch every NEWSDESK_INGEST_EVERY seconds. A batch that claims a full
NEWSDESK_INGEST_BATCH of sources first enqueues the next batch, so idle workers join in until
no source is due; the claim's lease keeps any two of them off the same feed.
"""

from __future__ import annotations

from django.conf import settings

from newsdesk.jobs import job
from newsdesk.sources.models import Source
from newsdesk.sources.services import article_extract, sources_alert_editors, sources_ingest_due


@job("newsdesk.sources.ingest_due_batch")
def ingest_due_batch() -> int:
    """Poll one batch of due sources; returns how many were polled."""
    if not settings.NEWSDESK_BROKER_URL:
        return len(sources_ingest_due())  # one runner in this process: everything due, in turn
    batch = settings.NEWSDESK_INGEST_BATCH

    def more_may_be_due(claimed: list[Source]) -> None:
        if len(claimed) == batch:
            ingest_due_batch.send()

    return len(sources_ingest_due(limit=batch, on_claimed=more_may_be_due))


@job("newsdesk.sources.ingest_source")
def ingest_source(source_id: int) -> bool:
    """Poll one source now, due or not; False when another runner holds it."""
    return bool(sources_ingest_due(source_ids=[source_id]))


@job("newsdesk.sources.extract_article")
def extract_article(article_id: int) -> bool | None:
    """Fetch one article's page again and extract it with its source's current rule."""
    return article_extract(article_id=article_id)


@job("newsdesk.sources.alert_editors")
def alert_editors() -> int:
    """Mail the editors about sources that started failing, went quiet or were disabled."""
    return len(sources_alert_editors())
