"""Press-release jobs (see newsdesk/jobs.py)."""

from __future__ import annotations

from newsdesk.jobs import job
from newsdesk.pressroom.services import releases_publish_due


@job("newsdesk.pressroom.publish_due")
def publish_due() -> int:
    """Publish the approved releases whose scheduled time has come; how many were published."""
    return releases_publish_due()
