"""The in-process schedule: the beat schedule's jobs, run here when there is no broker."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings

from newsdesk.jobs import JOBS, run_due_in_process

pytestmark = pytest.mark.django_db


def test_every_scheduled_job_exists_and_runs_once_per_interval(settings: Settings) -> None:
    settings.NEWSDESK_BROKER_URL = ""
    last_run: dict[str, float] = {}
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    first = run_due_in_process(last_run, now=10_000.0)
    assert set(first) == scheduled
    assert scheduled <= set(JOBS)
    assert run_due_in_process(last_run, now=10_001.0) == []  # nothing is due a second later
    hourly = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values() if e["schedule"] <= 3600}
    assert set(run_due_in_process(last_run, now=10_000.0 + 3600)) == hourly
