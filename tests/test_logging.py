"""What the logs hold at the default level."""

from __future__ import annotations

import logging


def test_a_request_to_a_publisher_is_no_line_of_its_own_at_info() -> None:
    # A Celery worker logs the root logger at NEWSDESK_LOG_LEVEL (INFO), and httpx logs every
    # request at INFO: thousands of lines an hour on the scale path.
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.INFO)
    try:
        assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
        assert logging.getLogger("httpx").isEnabledFor(logging.WARNING)
    finally:
        root.setLevel(level)
