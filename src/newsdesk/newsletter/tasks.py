"""Job entry points: plain functions taking ids, so the in-process runner calls them directly and
a Celery task can wrap them unchanged (`app.task(acks_late=True)(digest_deliver_job)`).
"""

from __future__ import annotations

from newsdesk.newsletter.models import Digest
from newsdesk.newsletter.sending import SendStats, digest_deliver, newsletter_send
from newsdesk.newsletter.services import subscribers_expire_pending


def newsletter_send_job(frequencies: list[str]) -> int:
    """The scheduled run; returns how many messages went out."""
    subscribers_expire_pending()
    return sum(stats.sent for _, stats in newsletter_send(frequencies=frequencies))


def digest_deliver_job(digest_id: int) -> SendStats | None:
    """Deliver what is left of one digest; the lease makes a duplicate task a no-op."""
    digest = Digest.objects.filter(id=digest_id).first()
    return None if digest is None else digest_deliver(digest=digest)
