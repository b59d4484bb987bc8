"""{% ad_slot %}: the same placeholder for every reader, so cached pages still rotate ads."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from tests.ads.conftest import campaign_create

pytestmark = pytest.mark.django_db


def render(source: str, **context: object) -> str:
    return Template("{% load ads %}" + source).render(Context(context))


def test_the_tag_emits_an_empty_placeholder_and_the_loader_script() -> None:
    campaign_create()  # a running campaign must not leak into the cached HTML
    html = render('{% ad_slot "leaderboard" region=region country="JP" %}', region="asia")
    assert html.startswith('<div class="ad-slot" data-slot="leaderboard" data-region="asia" '
                           'data-country="JP"></div>')
    assert '<script src="/static/ads/ads.js" data-endpoint="/ads/slot/"' in html
    assert "defer" in html
    assert "Harbour Books" not in html and "/ads/click/" not in html


def test_what_the_page_passes_in_is_escaped() -> None:
    html = render('{% ad_slot "sidebar" region=region %}', region='"><script>alert(1)</script>')
    assert "<script>alert" not in html and "&quot;&gt;&lt;script&gt;" in html


def test_the_in_article_paragraph_comes_from_the_desk() -> None:
    assert render('{% ad_slot_paragraph "in_article" as n %}{{ n }}') == "3"
    assert render('{% ad_slot_paragraph "leaderboard" as n %}{{ n }}') == "None"
