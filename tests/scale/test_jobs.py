"""A job enqueued in a transaction runs only once that transaction commits: in this process on
the embedded default; on the broker, for a worker, when NEWSDESK_BROKER_URL is set."""

from __future__ import annotations

import json
import uuid
from base64 import b64decode
from collections.abc import Iterator

import pytest
import redis
from django.db import transaction
from pytest_django.fixtures import Settings
from tests.factories import source_create

from newsdesk.jobs import job
from newsdesk.sources.models import Source

pytestmark = pytest.mark.django_db(transaction=True)

seen: list[int] = []


@job("newsdesk.tests.remember_source")
def remember_source(source_id: int) -> None:
    seen.append(Source.objects.get(id=source_id).id)


@pytest.fixture(autouse=True)
def forget() -> Iterator[None]:
    seen.clear()
    yield
    seen.clear()


def new_source() -> Source:
    return source_create(feed_url=f"https://{uuid.uuid4().hex[:8]}.harbourgazette.example/rss.xml",
                         name="Harbour desk")


def test_in_process_a_job_waits_for_the_commit_and_sees_the_new_row(settings: Settings) -> None:
    settings.NEWSDESK_BROKER_URL = ""
    with transaction.atomic():
        source = new_source()
        remember_source.enqueue(source.id)
        assert seen == []  # not yet: the row is not committed
    assert seen == [source.id]


def test_in_process_a_job_of_a_rolled_back_transaction_never_runs(settings: Settings) -> None:
    settings.NEWSDESK_BROKER_URL = ""
    with pytest.raises(RuntimeError), transaction.atomic():
        remember_source.enqueue(new_source().id)
        raise RuntimeError("the request failed")
    assert seen == []


@pytest.mark.redis
def test_with_a_broker_the_task_is_queued_after_the_commit_for_a_worker(
        settings: Settings, redis_url: str) -> None:
    queue = f"newsdesk-test-{uuid.uuid4().hex[:12]}"
    settings.NEWSDESK_BROKER_URL = redis_url
    from newsdesk.celery import app

    was = app.conf.broker_url, app.conf.task_default_queue
    app.conf.broker_url = redis_url
    app.conf.task_default_queue = queue
    client = redis.Redis.from_url(redis_url)
    try:
        with transaction.atomic():
            source = new_source()
            remember_source.enqueue(source.id)
            assert client.llen(queue) == 0
        assert client.llen(queue) == 1
        message = json.loads(client.lindex(queue, 0) or b"{}")
        assert message["headers"]["task"] == "newsdesk.tests.remember_source"
        assert json.loads(b64decode(message["body"]))[0] == [source.id]
        assert seen == []  # a worker runs it, not this process
    finally:
        client.delete(queue)
        client.close()
        app.conf.broker_url, app.conf.task_default_queue = was
