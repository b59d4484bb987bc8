"""An editor's main flows in a real browser, against the bundled demo publisher on loopback.

Screenshots of each desk page land in var/screenshots/desk-*.png.
"""

from __future__ import annotations

import importlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from pytest_django.fixtures import Settings
from tests.desk.conftest import PASSWORD
from tests.site.factories import published_article
from tests.support.axe import axe_source, contrast, focus_rings, serious_findings
from tests.support.httpserver import LocalHTTPServer, http_server_fixture  # noqa: F401

from newsdesk.articles.models import Article, Status
from newsdesk.demo.publisher import DemoPublisher
from newsdesk.sources.models import Source

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("chromium") and not Path("/usr/bin/chromium").exists(),
                       reason="Debian's chromium is not installed"),
]
SHOTS = Path("var/screenshots")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(autouse=True)
def local_fetch(settings: Settings) -> None:
    settings.NEWSDESK_FETCH_ALLOW_PRIVATE = ("127.0.0.1",)


@pytest.fixture
def publisher() -> Iterator[DemoPublisher]:
    with DemoPublisher() as running:
        yield running


@pytest.fixture
def page(live_server: object) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        # The desk runs under the site's Content-Security-Policy: nothing may be refused.
        refused: list[str] = []
        tab.on("console", lambda message: refused.append(message.text)
               if "Content Security Policy" in message.text else None)
        yield tab
        browser.close()
        assert refused == []


def log_in(page: object, base: str, user: User) -> None:
    page.goto(f"{base}/desk/")  # type: ignore[attr-defined]
    page.fill("#id_username", user.username)  # type: ignore[attr-defined]
    page.fill("#id_password", PASSWORD)  # type: ignore[attr-defined]
    page.click("input[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("text=Review queue")  # type: ignore[attr-defined]


def shot(page: object, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"desk-{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_add_a_source_by_site_url_preview_save_ingest_approve_and_read_it_on_the_site(
    page: object, live_server: object, publisher: DemoPublisher, editor: User,
) -> None:
    base = str(live_server)
    p = page
    log_in(p, base, editor)
    shot(p, "home")

    p.click("text=Add a source")
    p.fill("#id_url", publisher.home_url)
    p.click("input[name=_find]")
    # The demo's home page advertises three feeds: the editor picks one.
    p.wait_for_selector("#id_feed_url")
    assert p.locator("#id_feed_url input[type=radio]").count() == 3
    shot(p, "add-choose")
    p.get_by_label("Meridian Wire", exact=False).first.check()
    p.fill("#id_credit", "Meridian Wire")
    p.click("input[name=_preview]")
    p.wait_for_selector(".desk-preview-item")
    assert p.locator(".desk-preview-item").count() == 3
    first_preview = p.locator(".desk-preview-item h3").first.inner_text()
    shot(p, "add-preview")
    assert "Source of original article: Meridian Wire (www.meridianwire.example)" in p.content()
    shot(p, "add-preview")
    assert not Source.objects.exists()  # nothing stored before saving

    p.click("input[name=_save]")
    p.wait_for_selector("text=Ingest now")
    source = Source.objects.get()
    assert source.publish == "review" and source.credit == "Meridian Wire"
    p.click("button:has-text('Ingest now')")
    p.wait_for_selector(".messagelist")
    assert "new" in p.locator(".messagelist").inner_text()
    shot(p, "source-change")

    p.click("text=Review queue")
    p.wait_for_selector("#result_list")
    shot(p, "review-queue")
    article = Article.objects.get(title=first_preview)
    assert article.status == Status.REVIEW
    assert p.evaluate("(url) => fetch(url).then(r => r.status)",
                      f"{base}{article.get_absolute_url()}") == 404
    p.click(f"#result_list a:text-is({article.title!r})")
    p.wait_for_selector("text=Approve and publish")
    shot(p, "article-change")
    p.click("button:has-text('Approve and publish')")
    p.wait_for_selector(".messagelist")
    assert Article.objects.get(id=article.id).status == Status.PUBLISHED

    p.goto(f"{base}{article.get_absolute_url()}")
    assert p.locator("h1").first.inner_text() == article.title
    assert "Meridian Wire" in p.locator(".provenance").inner_text()
    p.goto(f"{base}/desk/articles/article/{article.id}/change/")
    assert "approved" in p.locator(".desk-audit").inner_text()
    p.goto(f"{base}/desk/articles/article/{article.id}/preview/")
    assert p.locator("h1").first.inner_text() == article.title
    shot(p, "article-preview")


def test_change_an_extraction_rule_then_reextract_and_the_page_changes(
    page: object, live_server: object, publisher: DemoPublisher, editor: User,
) -> None:
    from newsdesk.sources.services import source_add, source_ingest

    base = str(live_server)
    p = page
    source = source_add(url=publisher.feed_urls[1], publish="auto")  # Meridian Wire
    source_ingest(source=source)
    article = Article.objects.filter(source=source).order_by("id").first()
    assert article is not None
    p.goto(f"{base}{article.get_absolute_url()}")
    first_paragraph = p.locator(".story .body p").first.inner_text()
    assert len(first_paragraph) > 40

    log_in(p, base, editor)
    p.goto(f"{base}/desk/sources/source/{source.id}/change/")
    p.fill("#id_remove_selectors", ".entry-content > p:first-of-type")
    p.click("input[name=_continue]")
    p.wait_for_selector(".messagelist")
    p.click("button:has-text('Re-extract articles')")
    p.wait_for_selector(".messagelist")
    message = p.locator(".messagelist").inner_text()
    total = Article.objects.filter(source=source).count()
    assert f"Re-extracted {total} articles: {total} changed, 0 could not be fetched" in message
    shot(p, "reextract")

    p.goto(f"{base}{article.get_absolute_url()}")
    assert first_paragraph not in p.locator(".story .body").inner_text()


def test_a_failing_source_shows_its_error_in_the_health_table(
    page: object, live_server: object, http_server: LocalHTTPServer, editor: User,
) -> None:
    base = str(live_server)
    p = page
    http_server.routes["/feed.xml"] = (503, {"Content-Type": "text/plain",
                                             "Retry-After": "120"}, b"down for maintenance")
    failing = Source.objects.create(feed_url=http_server.url("/feed.xml"), name="Quarry Hill News",
                                    domain="127.0.0.1")
    Source.objects.create(feed_url="https://fine.example/feed", name="Fine Paper",
                          domain="fine.example")
    log_in(p, base, editor)
    p.goto(f"{base}/desk/sources/source/{failing.id}/change/")
    p.click("button:has-text('Ingest now')")
    p.wait_for_selector(".messagelist")
    assert "could not be read" in p.locator(".messagelist").inner_text()

    p.click("text=Feed health")
    p.wait_for_selector(".desk-health-table")
    shot(p, "health")
    row = p.locator("tr.is-failing")
    assert row.count() == 1
    text = row.inner_text()
    assert "Quarry Hill News" in text and "503" in text
    assert Source.objects.get(id=failing.id).last_error in text
    p.click("a:text-is('Failing')")
    p.wait_for_selector(".desk-health-table")
    assert "Fine Paper" not in p.locator(".desk-health-table").inner_text()


def test_the_opml_and_reject_pages_render(page: object, live_server: object,
                                          editor: User) -> None:
    base = str(live_server)
    p = page
    log_in(p, base, editor)
    p.goto(f"{base}/desk/sources/source/")
    shot(p, "sources")
    p.click("text=Import OPML")
    p.set_input_files("#id_opml", files=[{
        "name": "list.opml", "mimeType": "text/x-opml",
        "buffer": b'<opml version="2.0"><body>'
                  b'<outline text="Paper" xmlUrl="https://paper.example/feed"/>'
                  b'<outline text="Bad" xmlUrl="ftp://paper.example/feed"/></body></opml>'}])
    p.click("input[value=Import]")
    p.wait_for_selector("#report-title")
    assert p.locator("#report-title").inner_text() == "Imported 1, skipped 1"
    shot(p, "opml-import")


@pytest.mark.parametrize("width", [390, 1280])
def test_the_desks_lists_pass_the_accessibility_audit(
    page: object, live_server: object, desk_admin: User, width: int,
) -> None:
    """Links told from the text around them by colour alone (the breadcrumbs' 'Home ›
    Advertising'), and the slot list's rate, currency and unit boxes with no name to be read."""
    source = axe_source()
    if source is None:
        pytest.skip("axe-core not installed: set NEWSDESK_AXE_JS or run `npm install`")
    importlib.import_module("newsdesk.ads.migrations.0003_default_slots").add_slots(apps, None)
    # One article, so that the review queue's filter says '0 results (1 total)' with a link.
    published_article(title="Ferry crews end strike", paragraphs=["Boats sail at dawn."])
    base = str(live_server)
    page.set_viewport_size({"width": width, "height": 900})  # type: ignore[attr-defined]
    page.goto(f"{base}/desk/login/")  # type: ignore[attr-defined]
    # The login page had no heading at all: a screen reader's list of headings was empty.
    assert page.get_by_role("heading", level=1).inner_text() == "Log in to the desk"  # type: ignore[attr-defined]
    log_in(page, base, desk_admin)
    found = {}
    for path in ("/desk/", "/desk/ads/", "/desk/ads/slot/", "/desk/ads/bookingrequest/",
                 "/desk/articles/article/?status__exact=review"):
        page.goto(base + path)  # type: ignore[attr-defined]
        found[path] = serious_findings(page, source)
    shot(page, f"review-queue-{width}")
    assert found == dict.fromkeys(found, [])


def test_a_folded_section_is_headed_like_the_open_ones(
    page: object, live_server: object, editor: User,
) -> None:
    """'Provenance' was a black bar with a cream patch behind its word, among cream headings."""
    article = published_article(title="Ferry crews end strike", paragraphs=["Boats sail."])
    base = str(live_server)
    log_in(page, base, editor)
    page.goto(f"{base}/desk/articles/article/{article.id}/change/")  # type: ignore[attr-defined]
    background = "el => getComputedStyle(el).backgroundColor"
    opened = page.locator("fieldset:not(.collapse) .fieldset-heading").first  # type: ignore[attr-defined]
    folded = page.locator("fieldset.collapse summary").first  # type: ignore[attr-defined]
    assert folded.inner_text().strip() == "Provenance"
    assert folded.evaluate(background) == opened.evaluate(background)
    assert folded.locator(".fieldset-heading").evaluate(background) == "rgba(0, 0, 0, 0)"
    shot(page, "article-change-folded")


def test_the_keyboard_focus_stands_out_in_the_desk(
    page: object, live_server: object, editor: User,
) -> None:
    """The focus ring was the site's yellow on cream paper, 1.8:1: easy to lose."""
    base = str(live_server)
    log_in(page, base, editor)
    page.goto(f"{base}/desk/sources/source/add/")  # type: ignore[attr-defined]
    paper = page.evaluate("getComputedStyle(document.body).backgroundColor")  # type: ignore[attr-defined]
    for _ in range(12):  # the skip link, the user's links, the desk's menu, the form
        page.keyboard.press("Tab")  # type: ignore[attr-defined]
        rings = focus_rings(page)
        if page.evaluate("!!document.activeElement.closest('#header')"):  # type: ignore[attr-defined]
            continue  # the yellow ring on the black header is plain to see
        assert rings and max(contrast(ring, paper) for ring in rings) >= 3, rings
