from typing import Any

import pytest

pytest_plugins = ["tests.support.httpserver"]


@pytest.fixture(autouse=True)
def _page_cache_off(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Pages are cached only where a test asks (tests/site/test_pagecache.py): elsewhere a test
    that changes data between two requests must see the change."""
    settings.PAGE_CACHE_ENABLED = False
    settings.PAGE_CACHE_DIR = tmp_path_factory.mktemp("pagecache")
