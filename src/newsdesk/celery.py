"""The Celery app: configured from Django settings (every CELERY_* setting; the beat schedule
is CELERY_BEAT_SCHEDULE), tasks from each app's tasks.py and from newsdesk/jobs.py.

Started by `newsdesk worker` and `newsdesk beat`; used only when NEWSDESK_BROKER_URL is set.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")

app = Celery("newsdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["newsdesk"], related_name="jobs")
