"""The store step through real polls: each story once, edits in place, nothing hostile shown."""

from __future__ import annotations

import json

import lxml.html
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
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

from newsdesk.articles.models import Article, Status
from newsdesk.articles.services import article_update
from newsdesk.sources.models import ContentPolicy, Source
from newsdesk.sources.services import IngestReport, sources_ingest_due

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("loopback_only")]

PUBLISHER = "https://harbourgazette.example"


@pytest.fixture(autouse=True)
def local_fetch(settings: Settings) -> None:
    settings.NEWSDESK_FETCH_ALLOW_PRIVATE = LOCAL_ONLY


def poll(source: Source) -> IngestReport:
    [report] = sources_ingest_due(source_ids=[source.id])
    assert report.error == ""
    return report


def excerpt_items(*, tracking: str = "", count: int = 3) -> list[Item]:
    """Items without a <guid>, so each one is known by its link; tracking is appended to it."""
    return [Item(title=f"Council budget vote {n}", description=" ".join(story(n)),
                 link=f"{PUBLISHER}/news/budget-{n}{tracking}")
            for n in range(count)]


def test_polling_the_same_feed_again_adds_nothing(http_server: LocalHTTPServer) -> None:
    items = [Item(title=f"Orchard harvest {n}", guid=f"oh-{n}", description=" ".join(story(n)),
                  link=f"{PUBLISHER}/news/orchard-{n}") for n in range(4)]
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss(items))
    source = source_create(feed_url=http_server.url("/feed.xml"))

    first = poll(source)
    again = [poll(source) for _ in range(2)]

    assert first.created == 4
    assert [(r.created, r.updated, r.unchanged) for r in again] == [(0, 0, 4), (0, 0, 4)]
    assert sorted(Article.objects.values_list("guid", flat=True)) == [f"oh-{n}" for n in range(4)]


def test_the_same_items_with_other_tracking_parameters_add_nothing(
    http_server: LocalHTTPServer,
) -> None:
    http_server.routes["/feed.xml"] = (200, RSS_TYPE,
                                       rss(excerpt_items(tracking="?utm_source=rss&utm_medium=feed")))
    source = source_create(feed_url=http_server.url("/feed.xml"))
    poll(source)
    stored = {a.id: (a.original_url, a.title) for a in Article.objects.all()}

    for tracking in ("?utm_source=newsletter&utm_campaign=march", "?utm_content=top&fbclid=x1"):
        http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss(excerpt_items(tracking=tracking)))
        report = poll(source)
        assert report.created == 0

    assert {a.id: (a.original_url, a.title) for a in Article.objects.all()} == stored
    assert sorted(url for url, _ in stored.values()) == [
        f"{PUBLISHER}/news/budget-{n}" for n in range(3)
    ]


def test_an_edited_item_updates_its_article_in_place(http_server: LocalHTTPServer) -> None:
    link = f"{PUBLISHER}/news/lighthouse"
    before = Item(title="Lighthouse to close", guid="lh-1", link=link,
                  description="The lighthouse will close in May. " + " ".join(story(3)))
    after = Item(title="Lighthouse to stay open after appeal", guid="lh-1", link=link,
                 description="An appeal has saved the lighthouse. " + " ".join(story(3)))
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss([before]))
    source = source_create(feed_url=http_server.url("/feed.xml"))
    poll(source)
    original = Article.objects.get()

    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss([after]))
    report = poll(source)

    edited = Article.objects.get()
    assert report.updated == 1
    assert (edited.id, edited.slug, edited.status) == (original.id, original.slug, Status.PUBLISHED)
    assert edited.title == "Lighthouse to stay open after appeal"
    assert edited.summary.startswith("An appeal has saved the lighthouse.")
    assert "An appeal has saved the lighthouse." in edited.body_html
    assert "will close in May" not in edited.body_html


def test_a_publisher_edit_leaves_what_an_editor_changed(http_server: LocalHTTPServer) -> None:
    link = f"{PUBLISHER}/news/lighthouse"
    before = Item(title="Lighthouse to close", guid="lh-1", link=link,
                  description="The lighthouse will close in May. " + " ".join(story(3)))
    after = Item(title="Lighthouse to close for good", guid="lh-1", link=link,
                 description="The lighthouse will close in May, the council said. "
                             + " ".join(story(3)))
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss([before]))
    source = source_create(feed_url=http_server.url("/feed.xml"))
    poll(source)
    editor = get_user_model().objects.create_user("desk-editor")
    article_update(article=Article.objects.get(), actor=editor,
                   title="Harbour lighthouse to close in May", countries=["GB"])

    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss([after]))
    report = poll(source)

    edited = Article.objects.get()
    assert report.updated == 1
    assert edited.title == "Harbour lighthouse to close in May"  # the editor's
    assert list(edited.places.filter(kind="country").values_list("code", flat=True)) == ["GB"]
    assert "the council said" in edited.body_html  # the publisher's


def test_a_feed_giving_every_item_one_guid_keeps_each_story(http_server: LocalHTTPServer) -> None:
    items = [Item(title="Ferry timetable changes", guid=f"{PUBLISHER}/",
                  link=f"{PUBLISHER}/news/ferry", description=" ".join(story(1))),
             Item(title="School reopens after floods", guid=f"{PUBLISHER}/",
                  link=f"{PUBLISHER}/news/school", description=" ".join(story(2)))]
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss(items))
    source = source_create(feed_url=http_server.url("/feed.xml"))

    reports = [poll(source) for _ in range(3)]

    assert [(r.created, r.updated, r.unchanged) for r in reports] == [
        (2, 0, 0), (0, 0, 2), (0, 0, 2)]  # no story stands in for the other on a later poll
    assert sorted(Article.objects.values_list("title", flat=True)) == [
        "Ferry timetable changes", "School reopens after floods"]


def test_a_short_item_under_a_recurring_title_is_no_duplicate(
    http_server: LocalHTTPServer,
) -> None:
    letters = [Item(title="Letters to the editor", guid=f"letters-{n}",
                    link=f"{PUBLISHER}/opinion/letters-{n}",
                    description="Read this week's letters.") for n in range(2)]
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss(letters[:1]))
    source = source_create(feed_url=http_server.url("/feed.xml"))
    poll(source)
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss(letters))

    report = poll(source)

    assert (report.created, report.duplicates) == (1, 0)
    assert Article.objects.count() == 2


def test_the_same_story_in_two_sources_is_stored_once(http_server: LocalHTTPServer) -> None:
    canonical = http_server.url("/wire/ferry-returns")
    paragraphs = story(42)
    http_server.routes["/wire/ferry-returns"] = (200, HTML_TYPE, article_page(
        title="Ferry returns to the island", paragraphs=paragraphs, canonical=canonical))
    # The partner republishes the wire story under its own address and headline.
    http_server.routes["/partner/island-ferry"] = (200, HTML_TYPE, article_page(
        title="Island ferry back in service", paragraphs=paragraphs, canonical=canonical))
    http_server.routes["/wire.xml"] = (200, RSS_TYPE, rss(
        [Item(title="Ferry returns to the island", guid="wire-881", link=canonical)]))
    http_server.routes["/partner.xml"] = (200, RSS_TYPE, rss(
        [Item(title="Island ferry back in service", guid="partner-17",
              link=http_server.url("/partner/island-ferry?utm_source=syndication"))],
        title="Island Partner News"))
    wire = source_create(feed_url=http_server.url("/wire.xml"), content=ContentPolicy.FULL)
    partner = source_create(feed_url=http_server.url("/partner.xml"), name="Island Partner News",
                            content=ContentPolicy.FULL)

    reports = {r.source_id: r for r in sources_ingest_due()}

    article = Article.objects.get()
    assert (article.source_id, article.original_url) == (wire.id, canonical)
    assert reports[partner.id].duplicates == 1 and reports[partner.id].created == 0
    assert len(http_server.requests_to("/partner/island-ferry")) == 1


def test_a_republished_story_under_its_own_headline_and_address_is_stored_once(
    http_server: LocalHTTPServer,
) -> None:
    """An essay republished word for word by another outlet (as Creative Commons syndication
    works), under a headline and an address of its own and without a canonical link back."""
    essay = story(61, paragraphs=9)  # some 200 words
    http_server.routes["/essays/river.xml"] = (200, RSS_TYPE, rss([Item(
        title="What the river remembers", guid="essay-61",
        link=f"{PUBLISHER}/essays/river", content="".join(f"<p>{p}</p>" for p in essay))]))
    http_server.routes["/partner.xml"] = (200, RSS_TYPE, rss([Item(
        title="A river's long memory, in its floods", guid="partner-903",
        link="https://partnerdigest.example/2026/river-memory",
        content="".join(f"<p>{p}</p>" for p in essay))], title="Partner Digest"))
    first = source_create(feed_url=http_server.url("/essays/river.xml"))
    poll(first)
    partner = source_create(feed_url=http_server.url("/partner.xml"), name="Partner Digest")

    report = poll(partner)

    assert (report.created, report.duplicates) == (0, 1)
    assert list(Article.objects.values_list("source_id", flat=True)) == [first.id]


def test_one_source_may_run_the_same_text_under_two_headlines(
    http_server: LocalHTTPServer,
) -> None:
    """Within a source its guids tell items apart: a text run twice is the publisher's choice."""
    essay = story(62, paragraphs=9)
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss([Item(
        title=title, guid=f"essay-{n}", link=f"{PUBLISHER}/essays/{n}",
        content="".join(f"<p>{p}</p>" for p in essay))
        for n, title in enumerate(["Notes from the estuary", "Notes from the estuary, again"])]))
    source = source_create(feed_url=http_server.url("/feed.xml"))

    assert poll(source).created == 2


def test_short_texts_alike_in_two_sources_are_two_stories(http_server: LocalHTTPServer) -> None:
    """Below some 150 words a text alike is no proof: a notice, a standard paragraph."""
    notice = story(63, paragraphs=2)
    feeds = {"/a.xml": "Harbour notice: quay closed", "/b.xml": "Quay closed on Monday"}
    sources = []
    for n, (path, title) in enumerate(feeds.items()):
        http_server.routes[path] = (200, RSS_TYPE, rss([Item(
            title=title, guid=f"notice-{n}", link=f"https://outlet{n}.example/notice",
            content="".join(f"<p>{p}</p>" for p in notice))]))
        sources.append(source_create(feed_url=http_server.url(path), name=f"Outlet {n}"))

    assert [poll(source).created for source in sources] == [1, 1]


HOSTILE = "feed-payload-7731"
HOSTILE_HTML = (
    f"<script>document.title='{HOSTILE}'</script>"
    f"<p><img src='{PUBLISHER}/img/quay.jpg' alt='The quay' onerror=\"alert('{HOSTILE}')\"></p>"
    f"<p>Read <a href=\"javascript:alert('{HOSTILE}')\">the council minutes</a> online.</p>"
    f"<p onmouseover=\"alert('{HOSTILE}')\">Residents may comment until Friday.</p>"
)


@pytest.mark.parametrize("content", [ContentPolicy.EXCERPT, ContentPolicy.FULL])
def test_script_and_handlers_in_an_item_never_reach_the_published_page(
    http_server: LocalHTTPServer, client: Client, content: str
) -> None:
    paragraphs = story(9)
    item_html = "".join(f"<p>{p}</p>" for p in paragraphs) + HOSTILE_HTML
    http_server.routes["/news/harbour-wall"] = (200, HTML_TYPE, article_page(
        title="Harbour wall repairs", paragraphs=paragraphs, body_extra=HOSTILE_HTML))
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss([Item(
        title="Harbour wall repairs", guid="hw-1", link=http_server.url("/news/harbour-wall"),
        description=item_html, content=item_html)]))
    source = source_create(feed_url=http_server.url("/feed.xml"), content=content)

    poll(source)

    article = Article.objects.get()
    assert article.status == Status.PUBLISHED
    assert article.is_excerpt == (content == ContentPolicy.EXCERPT)
    assert paragraphs[0] in article.body_html
    for bad in ("<script", "onerror", "onmouseover", "javascript:", HOSTILE):
        assert bad not in article.body_html.lower(), bad
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    page = lxml.html.fromstring(response.content)
    assert paragraphs[0] in page.text_content()
    for script in page.iter("script"):
        assert HOSTILE not in (script.text or "") + (script.get("src") or "")
    for element in page.iter():
        assert not any(name.startswith("on") for name in element.attrib), element.tag
        assert not (element.get("href") or "").strip().lower().startswith("javascript:")


@pytest.mark.parametrize("where", ["item link", "json feed url", "page canonical"])
def test_a_script_url_for_the_original_never_reaches_a_page_or_feed(
    http_server: LocalHTTPServer, client: Client, where: str
) -> None:
    """The original article's address is printed as a link on the page, in the plain-text
    edition and in the site's feeds: one that is no web address is dropped, not linked."""
    script_url = f"javascript:alert('{HOSTILE}')//"
    paragraphs = story(11)
    http_server.routes["/news/quay"] = (200, HTML_TYPE, article_page(
        title="Quay lights", paragraphs=paragraphs, canonical=script_url))
    link = script_url if where == "item link" else http_server.url("/news/quay")
    if where == "json feed url":
        feed = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Quay",
                           "items": [{"id": "q-1", "url": script_url, "title": "Quay lights",
                                      "content_html": f"<p>{paragraphs[0]}</p>"}]})
        http_server.routes["/feed"] = (200, {"Content-Type": "application/feed+json"},
                                       feed.encode())
    else:
        http_server.routes["/feed"] = (200, RSS_TYPE, rss([Item(
            title="Quay lights", guid="q-1", link=link, description=f"<p>{paragraphs[0]}</p>")]))
    content = ContentPolicy.FULL if where == "page canonical" else ContentPolicy.EXCERPT
    source = source_create(feed_url=http_server.url("/feed"), content=content)

    poll(source)

    article = Article.objects.get()
    assert article.status == Status.PUBLISHED
    assert not article.original_url.startswith("javascript:")
    assert not article.feed_link.startswith("javascript:")
    for url in (article.get_absolute_url(), article.get_text_url(), "/feeds/rss/",
                "/feeds/atom/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert HOSTILE not in response.content.decode(), url


def test_the_summary_carries_no_script_source_from_the_item(http_server: LocalHTTPServer) -> None:
    description = (f"<script>window.tracker = '{HOSTILE}';</script>"
                   "<p>The harbour wall will be repaired this spring.</p>")
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss([Item(
        title="Harbour wall repairs", guid="hw-2", link=f"{PUBLISHER}/news/harbour-wall",
        description=description)]))
    source = source_create(feed_url=http_server.url("/feed.xml"))

    poll(source)

    summary = Article.objects.get().summary
    assert summary.startswith("The harbour wall will be repaired")
    assert HOSTILE not in summary
