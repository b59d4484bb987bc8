"""The desk's services: editorial acts with their audit trail, sources' preview, re-extract,
keyword rules at ingest, and the one email per source problem."""

from __future__ import annotations

from datetime import timedelta

import lxml.html
import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings
from tests.factories import (
    HTML_TYPE,
    LOCAL_ONLY,
    RSS_TYPE,
    Item,
    article_page,
    loopback_only,  # noqa: F401
    rss,
    source_create,
    story,
)
from tests.support.httpserver import LocalHTTPServer, http_server_fixture  # noqa: F401

from newsdesk.articles.models import Article, ArticlePlace, Status
from newsdesk.articles.services import (
    article_approve,
    article_reject,
    article_update,
    article_withdraw,
)
from newsdesk.desk.models import AuditEntry
from newsdesk.desk.selectors import audit_for, source_health
from newsdesk.sources.models import ContentPolicy, PublishPolicy, Source
from newsdesk.sources.services import (
    SourceDraft,
    opml_import,
    source_ingest,
    source_pause,
    source_preview,
    source_reextract,
    source_resume,
    sources_alert_editors,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("loopback_only")]


@pytest.fixture(autouse=True)
def local_fetch(settings: Settings) -> None:
    settings.NEWSDESK_FETCH_ALLOW_PRIVATE = LOCAL_ONLY


def an_article(status: str = Status.REVIEW, **fields: object) -> Article:
    source = Source.objects.get_or_create(feed_url="https://paper.example/feed",
                                          defaults={"name": "Paper"})[0]
    values = {"guid": "g1", "slug": "quay-reopens", "title": "Quay reopens",
              "body_html": "<p>The quay reopens.</p>", "fingerprint": "f", "content_hash": "h",
              "status": status, **fields}
    return Article.objects.create(source=source, **values)


def test_approve_reject_and_withdraw_each_leave_who_and_why(editor: User, client: Client) -> None:
    article = an_article()
    article_reject(article=article, actor=editor, reason="  Duplicate of our own report. ")
    article_approve(article=article, actor=editor)
    assert client.get(article.get_absolute_url()).status_code == 200
    article_withdraw(article=article, actor=editor, reason="Legal request")

    trail = [(e.actor_name, e.action, e.detail) for e in reversed(audit_for(article))]
    assert trail == [("ayo", "rejected", "Duplicate of our own report."),
                     ("ayo", "approved", ""), ("ayo", "withdrew", "Legal request")]
    gone = client.get(article.get_absolute_url())
    assert gone.status_code == 410
    assert "This article was withdrawn" in gone.content.decode()


def test_an_edited_body_is_sanitised_again_and_places_refiled(editor: User) -> None:
    article = an_article()
    changed = article_update(
        article=article, actor=editor, countries=["KE", "TZ"], regions=["africa"],
        title="<b>Quay</b> reopens", summary="Fine",
        body_html='<p onclick="steal()">New <script>alert(1)</script>text</p>'
                  '<a href="javascript:alert(1)">x</a><iframe src="https://evil.example"></iframe>',
    )
    article.refresh_from_db()
    assert article.body_html == '<p>New text</p><a rel="noopener noreferrer nofollow">x</a>'
    assert article.title == "Quay reopens"
    assert sorted(changed) == ["body_html", "countries", "regions", "summary"]
    assert list(ArticlePlace.objects.filter(article=article, kind="country")
                .values_list("code", flat=True)) == ["KE", "TZ"]
    assert AuditEntry.objects.get(action="edited").detail.startswith("Changed ")
    assert article_update(article=article, actor=editor, title="Quay reopens") == []
    with pytest.raises(ValueError, match="not editable: status"):
        article_update(article=article, actor=editor, status="published")


def test_the_edit_page_saves_through_the_service(editor_client: Client) -> None:
    article = an_article()
    response = editor_client.post(f"/desk/articles/article/{article.id}/change/", {
        "title": "Quay reopens", "summary": "", "image_source": "none", "image_url": "",
        "image_alt": "", "image_caption": "", "image_credit": "", "primary_country": "ke",
        "primary_region": "africa", "countries": "ke", "regions": ["africa"],
        "quotes": "1 | We waited long enough.",
        "body_html": "<p>One.</p><p>Two.</p><img src=x onerror=alert(1)>", "_save": "Save"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body_html == '<p>One.</p><p>Two.</p><img src="x">'
    assert article.pull_quotes == [{"text": "We waited long enough.", "position": 1}]
    assert article.primary_country == "KE"
    page = editor_client.get(f"/desk/articles/article/{article.id}/change/").content.decode()
    assert "Audit trail" in page and "Changed " in page


@pytest.mark.parametrize("region", ["mars", "../../../../etc/passwd"])
def test_a_primary_region_that_is_none_of_the_regions_is_refused(
    editor_client: Client, region: str
) -> None:
    article = an_article()
    response = editor_client.post(f"/desk/articles/article/{article.id}/change/", {
        "title": "Quay reopens", "summary": "", "image_source": "none", "image_url": "",
        "image_alt": "", "image_caption": "", "image_credit": "", "primary_country": "ke",
        "primary_region": region, "countries": "ke", "regions": ["africa"], "quotes": "",
        "body_html": "<p>One.</p>", "_save": "Save"})

    assert response.status_code == 200
    assert "Choose one of the regions." in response.content.decode()
    article.refresh_from_db()
    assert article.primary_region != region


def test_the_preview_shows_unsaved_edits_without_storing_them(editor_client: Client) -> None:
    article = an_article()
    response = editor_client.post(f"/desk/articles/article/{article.id}/preview/", {
        "title": "A better headline", "summary": "", "image_source": "none",
        "body_html": "<p>Draft text</p><script>x()</script>", "countries": "", "quotes": ""})
    page = response.content.decode()
    assert "A better headline" in page and "Draft text" in page and "x()" not in page
    assert "Preview of unsaved changes" in page
    article.refresh_from_db()
    assert article.title == "Quay reopens"


def test_the_preview_carries_no_ads_so_the_desk_counts_no_impressions(
        editor_client: Client) -> None:
    article = an_article(status=Status.PUBLISHED)
    public = Client().get(article.get_absolute_url()).content.decode()
    assert 'class="ad-slot"' in public and "ads/ads.js" in public  # what a reader's page has
    for response in (editor_client.get(f"/desk/articles/article/{article.id}/preview/"),
                     editor_client.post(f"/desk/articles/article/{article.id}/preview/", {
                         "title": "A better headline", "summary": "", "image_source": "none",
                         "body_html": "<p>Draft</p>", "countries": "", "quotes": ""})):
        page = response.content.decode()
        assert "Preview" in page
        assert 'class="ad-slot"' not in page and "ads/ads.js" not in page


def test_rejecting_from_the_queue_needs_a_reason(editor_client: Client) -> None:
    article = an_article()
    url = f"/desk/articles/article/{article.id}/reject/"
    assert "Say why" in editor_client.post(url, {"reason": " "}).content.decode()
    editor_client.post(url, {"reason": "Off topic"})
    article.refresh_from_db()
    assert article.status == Status.REJECTED


def test_bulk_actions_approve_and_reject_the_picked_articles(editor_client: Client) -> None:
    first, second = an_article(), an_article(guid="g2", slug="second", fingerprint="f2")
    editor_client.post("/desk/articles/article/", {
        "action": "approve_selected", "_selected_action": [first.id]})
    editor_client.post("/desk/articles/article/", {
        "action": "reject_selected", "_selected_action": [second.id], "reason": "Spam"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.PUBLISHED, Status.REJECTED)
    assert AuditEntry.objects.get(action="rejected").detail == "Spam"


@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.WITHDRAWN, Status.REJECTED])
def test_only_an_article_waiting_for_review_can_be_rejected(editor_client: Client,
                                                            status: str) -> None:
    """A published article is withdrawn (its page then says so, 410), never rejected (404)."""
    article = an_article(status=status)
    url = f"/desk/articles/article/{article.id}/reject/"
    assert 'name="reason"' not in editor_client.get(url).content.decode()
    editor_client.post(url, {"reason": "Off topic"})
    article.refresh_from_db()
    assert article.status == status and not AuditEntry.objects.filter(action="rejected")


def test_the_reject_action_skips_articles_not_under_review_and_says_how_many(
        editor_client: Client) -> None:
    waiting = an_article()
    published = an_article(Status.PUBLISHED, guid="g2", slug="live", fingerprint="f2")
    withdrawn = an_article(Status.WITHDRAWN, guid="g3", slug="gone", fingerprint="f3")
    picked = [waiting.id, published.id, withdrawn.id]
    confirm = editor_client.post("/desk/articles/article/", {
        "action": "reject_selected", "_selected_action": picked}).content.decode()
    assert "Reject 1 article:" in confirm and "2 of the picked articles" in confirm
    response = editor_client.post("/desk/articles/article/", {
        "action": "reject_selected", "_selected_action": picked, "reason": "Spam"}, follow=True)
    statuses = dict(Article.objects.values_list("id", "status"))
    assert statuses == {waiting.id: Status.REJECTED, published.id: Status.PUBLISHED,
                        withdrawn.id: Status.WITHDRAWN}
    said = [str(m) for m in response.context["messages"]]
    assert any("Rejected 1 article" in m and "Skipped 2" in m for m in said), said


def test_the_reject_action_rejects_every_article_of_select_all(editor_client: Client) -> None:
    """"Select all 105" then Reject: the ones on later pages of the list are rejected too, and
    only those the list's filter picked."""
    for n in range(105):
        an_article(guid=f"g{n}", slug=f"s-{n}", fingerprint=f"f{n}")
    published = an_article(Status.PUBLISHED, guid="live", slug="live", fingerprint="live")
    url = "/desk/articles/article/?status__exact=review"
    on_page = [a.pk for a in editor_client.get(url).context["cl"].result_list]
    assert len(on_page) < 105
    confirm = editor_client.post(url, {"action": "reject_selected", "select_across": "1",
                                       "_selected_action": on_page, "index": 0})
    html = confirm.content.decode()
    assert "Reject 105 articles" in html
    form = lxml.html.fromstring(html).xpath("//form[.//textarea[@name='reason']]")[0]
    data = {name: form.fields[name] for name in form.fields.keys()}  # noqa: SIM118
    data.update(_selected_action=on_page, reason="Spam run")
    editor_client.post(form.get("action") or url, data)
    assert not Article.objects.filter(status=Status.REVIEW).exists()
    published.refresh_from_db()
    assert published.status == Status.PUBLISHED


def serve(server: LocalHTTPServer, n: int, *, extra: str = "") -> Item:
    title = f"Harbour report {n}"
    server.routes[f"/news/{n}"] = (200, HTML_TYPE, article_page(
        title=title, paragraphs=story(n), body_extra=extra))
    return Item(title=title, guid=f"hg-{n}", link=server.url(f"/news/{n}"))


def test_the_preview_runs_the_pipeline_on_the_newest_three_and_stores_nothing(
    http_server: LocalHTTPServer,
) -> None:
    items = [serve(http_server, n) for n in range(5)]
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss(items))
    preview = source_preview(draft=SourceDraft(
        feed_url=http_server.url("/feed.xml"), credit="Harbour Gazette",
        include_keywords="", exclude_keywords="report 1.0"))
    assert len(preview.items) == 3
    first = preview.items[0]
    assert first.title == "Harbour report 0" and "Report 0.1" in first.body_html
    assert first.source_credit == "Harbour Gazette (harbourgazette.example)"
    assert not first.is_excerpt
    assert [item.kept for item in preview.items] == [True, False, True]
    assert not Source.objects.exists() and not Article.objects.exists()


def test_keyword_rules_keep_only_the_wanted_items_at_ingest(http_server: LocalHTTPServer) -> None:
    items = [serve(http_server, n) for n in range(3)]
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss(items))
    source = source_create(feed_url=http_server.url("/feed.xml"), content=ContentPolicy.FULL,
                           exclude_keywords="Harbour report 1")
    source_ingest(source=source)
    assert sorted(Article.objects.values_list("title", flat=True)) == [
        "Harbour report 0", "Harbour report 2"]


def test_reextract_applies_the_changed_rule_and_counts_what_changed(
    http_server: LocalHTTPServer, editor: User,
) -> None:
    box = "<p class='editor-note'>Editor's note: this report was updated at noon with the " \
          "harbour master's reply to the council's questions.</p>"
    items = [serve(http_server, n, extra=box if n < 2 else "") for n in range(3)]
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss(items))
    source = source_create(feed_url=http_server.url("/feed.xml"), content=ContentPolicy.FULL,
                           publish=PublishPolicy.AUTO)
    source_ingest(source=source)
    assert Article.objects.filter(body_html__contains="Editor's note").count() == 2

    rewritten = Article.objects.get(body_html__contains="Editor's note",
                                    original_url__endswith="/news/1")
    article_update(article=rewritten, actor=editor,
                   body_html=rewritten.body_html.replace("at noon", "at midday"))
    source.extraction_rule = {"remove": [".editor-note"]}
    source.save()
    report = source_reextract(source=source, actor=editor)

    assert (report.checked, report.changed, report.failed) == (3, 1, 0)
    # the body an editor rewrote stays as the editor left it
    assert list(Article.objects.filter(body_html__contains="Editor's note")) == [rewritten]
    del http_server.routes["/news/0"]  # a page that is gone leaves its article alone
    report = source_reextract(source=source, actor=editor)
    assert (report.checked, report.changed, report.failed) == (3, 0, 1)
    assert AuditEntry.objects.filter(action="re-extracted").count() == 2


def test_the_health_table_shows_a_failing_source_and_its_error(
    http_server: LocalHTTPServer, editor_client: Client,
) -> None:
    http_server.routes["/feed.xml"] = (500, {"Content-Type": "text/plain"}, b"oops")
    failing = source_create(feed_url=http_server.url("/feed.xml"), name="Quarry Hill News")
    source_create(feed_url="https://fine.example/feed", name="Fine Paper",
                  last_success_at=timezone.now())
    source_ingest(source=failing)

    rows = source_health(show="failing")
    assert [row.source.name for row in rows] == ["Quarry Hill News"]
    page = editor_client.get("/desk/sources/source/health/?show=failing").content.decode()
    assert "Quarry Hill News" in page and "Fine Paper" not in page
    assert "500" in page and Source.objects.get(id=failing.id).last_error in page


def test_editors_get_one_email_per_problem_not_one_per_attempt(
    editor: User, desk_admin: User, http_server: LocalHTTPServer,
) -> None:
    http_server.routes["/feed.xml"] = (503, {"Content-Type": "text/plain"}, b"down")
    source = source_create(feed_url=http_server.url("/feed.xml"), name="Quarry Hill News")
    for _ in range(5):
        source_ingest(source=Source.objects.get(id=source.id))
        sources_alert_editors()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject.endswith("Quarry Hill News started failing")
    assert sorted(message.to) == ["ayo@newsroom.example", "mirela@newsroom.example"]
    assert "503" in message.body

    # Recovery clears the alert; failing again is news again.
    Source.objects.filter(id=source.id).update(consecutive_failures=0)
    sources_alert_editors()
    Source.objects.filter(id=source.id).update(consecutive_failures=3)
    sources_alert_editors()
    assert len(mail.outbox) == 2


def test_the_alert_command_names_what_it_mailed(editor: User) -> None:
    from io import StringIO

    from django.core.management import call_command

    Source.objects.create(feed_url="https://gone.example/feed", name="Gone Paper", active=False)
    out = StringIO()
    call_command("alert_editors", stdout=out)
    call_command("alert_editors", stdout=out)
    assert out.getvalue() == "alerted: Gone Paper (disabled)\n"
    assert len(mail.outbox) == 1


def test_quiet_and_disabled_sources_are_mailed_once_but_an_editors_pause_is_not(
    editor: User,
) -> None:
    old = timezone.now() - timedelta(days=20)
    quiet = Source.objects.create(feed_url="https://quiet.example/feed", name="Quiet Paper")
    Source.objects.filter(id=quiet.id).update(created_at=old)
    gone = Source.objects.create(feed_url="https://gone.example/feed", name="Gone Paper",
                                 active=False, consecutive_failures=1)
    paused = Source.objects.create(feed_url="https://paused.example/feed", name="Paused Paper")
    source_pause(source=paused, actor=editor)

    sources_alert_editors()
    sources_alert_editors()
    assert sorted(m.subject for m in mail.outbox) == [
        "Gone Paper was disabled", "Quiet Paper has gone quiet"]
    source_resume(source=paused, actor=editor)
    assert Source.objects.get(id=paused.id).active
    assert [e.action for e in reversed(audit_for(paused))] == ["paused", "resumed"]
    assert gone.alerts.count() == 1


def test_a_source_name_with_a_line_break_costs_no_alert(editor: User) -> None:
    # An OPML title may carry one as a character reference; a mail header may not.
    opml_import(data=(
        b'<opml version="2.0"><body>'
        b'<outline text="Harbour&#10;Bcc: everyone@example.org" xmlUrl="https://a.example/f"/>'
        b'<outline text="Zebra Gazette" xmlUrl="https://z.example/f"/></body></opml>'),
        actor=editor)
    Source.objects.update(active=False)
    sources_alert_editors()
    assert sorted(m.subject for m in mail.outbox) == [
        "Harbour Bcc: everyone@example.org was disabled", "Zebra Gazette was disabled"]
    assert all(m.bcc == [] for m in mail.outbox)
