"""One way to run a job: in this process on the embedded default, on a Celery worker when
NEWSDESK_BROKER_URL is set.

A job is a plain function that takes ids and calls a service. `@job(name)` makes it a Job:
calling it runs it here and now; `.enqueue(...)` runs it once the current transaction has
committed (so a worker never looks for a row that is not there yet), in this process or as a
Celery task (acks_late: a task whose worker dies is delivered again; retried with exponential
backoff on failure). The same function is registered as that Celery task for the workers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib import import_module
from typing import Any, Generic, ParamSpec, TypeVar

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

log = logging.getLogger("newsdesk.jobs")

P = ParamSpec("P")
R = TypeVar("R")

RETRIES = 5
JOBS: dict[str, Job[Any, Any]] = {}  # every job by its task name, for the in-process schedule
BACKOFF_MAX = 600  # seconds: 1 s, 2 s, 4 s ... at most ten minutes between tries (jittered)


@dataclass(frozen=True)
class Job(Generic[P, R]):
    name: str
    func: Callable[P, R]

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.func(*args, **kwargs)

    def enqueue(self, *args: P.args, **kwargs: P.kwargs) -> None:
        """Run after the current transaction commits: on a worker, or here without a broker."""
        if settings.NEWSDESK_BROKER_URL:
            transaction.on_commit(partial(self.send, *args, **kwargs))
        else:
            transaction.on_commit(partial(self.func, *args, **kwargs), robust=True)

    def send(self, *args: Any, **kwargs: Any) -> None:
        """Put the task on the broker now (enqueue is the one to call inside a transaction)."""
        from newsdesk.celery import app

        app.send_task(self.name, args=args, kwargs=kwargs)


def job(name: str, *, retries: int = RETRIES) -> Callable[[Callable[P, R]], Job[P, R]]:
    """Make func a Job named `name`, and the Celery task of that name."""

    def wrap(func: Callable[P, R]) -> Job[P, R]:
        shared_task(name=name, acks_late=True, reject_on_worker_lost=True, ignore_result=True,
                    autoretry_for=(Exception,), max_retries=retries, retry_backoff=True,
                    retry_backoff_max=BACKOFF_MAX, retry_jitter=True)(func)
        JOBS[name] = Job(name, func)
        return JOBS[name]

    return wrap


def deferred(module: str, attribute: str) -> Callable[..., Any]:
    """A function imported only when called: for jobs whose app module may not be imported
    before Django is set up."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(import_module(module), attribute)(*args, **kwargs)

    call.__name__ = call.__qualname__ = attribute
    return call


# The newsletter's job functions (newsletter/tasks.py), as tasks the workers and beat know.
newsletter_send = job("newsdesk.newsletter.send")(
    deferred("newsdesk.newsletter.tasks", "newsletter_send_job"))
digest_deliver = job("newsdesk.newsletter.digest_deliver")(
    deferred("newsdesk.newsletter.tasks", "digest_deliver_job"))


def run_due_in_process(last_run: dict[str, float], *, now: float) -> list[str]:
    """Without Celery beat: run each entry of CELERY_BEAT_SCHEDULE whose interval has passed
    since `last_run` (updated in place), here and now. The names of the jobs that ran."""
    autodiscover_modules("tasks")
    ran = []
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        name, every = entry["task"], float(entry["schedule"])
        if now - last_run.get(name, 0.0) < every:
            continue
        last_run[name] = now
        try:
            JOBS[name](*entry.get("args", ()))
        except Exception:  # one failing job must not stop the others or the site
            log.exception("scheduled job %s failed", name)
        ran.append(name)
    return ran
