"""A release from the form to the public page: confirm by email, approve in the desk, publish."""

from __future__ import annotations

import re
from datetime import timedelta

import feedparser
import lxml.etree
import lxml.html
import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.test import Client
from django.utils import timezone
from tests.pressroom.conftest import image_bytes, post_submission, upload

from newsdesk.articles.models import Article, Kind, PlaceKind, Status
from newsdesk.pressroom.models import PressRelease, RejectReason, State
from newsdesk.pressroom.services import (
    WrongState,
    release_approve,
    release_reject,
    releases_publish_due,
)

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https://news\.example(/\S+)")


def _link_in(message: mail.EmailMessage) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def editor() -> Client:
    user = User.objects.create_superuser("editor", "editor@news.example", "a long desk password")
    client = Client()
    client.force_login(user)
    return client


def _submit_and_confirm(client: Client, **overrides: object) -> PressRelease:
    assert post_submission(client, **overrides).status_code == 200
    release = PressRelease.objects.latest("pk")
    assert release.state == State.UNCONFIRMED
    confirm = _link_in(mail.outbox[-1])
    assert "confirm" in confirm
    assert "Confirm and send" in client.get(confirm).content.decode()
    release.refresh_from_db()
    assert release.state == State.UNCONFIRMED  # opening the link is not enough
    client.post(confirm)
    release.refresh_from_db()
    assert release.state == State.PENDING
    return release


def test_submit_confirm_approve_publish(editor: Client) -> None:
    public = Client()
    release = _submit_and_confirm(
        public, image_1=upload("lead.jpg", image_bytes("JPEG")), caption_1="The new clinic",
        credit_1="Riverside Water Trust",
        image_2=upload("pump.png", image_bytes("PNG")), caption_2="A water pump",
        credit_2="J. Mwangi")
    assert [m.subject for m in mail.outbox] == [
        "Please confirm your press release: Riverside Water Trust opens a clinic in the valley",
        "Your press release is with our editors: Riverside Water Trust opens a clinic in the "
        "valley"]
    status_link = _link_in(mail.outbox[-1])
    assert "Waiting for an editor" in public.get(status_link).content.decode()

    queue = editor.get("/desk/pressroom/pressrelease/").content.decode()
    assert release.title in queue
    preview = editor.get(f"/desk/pressroom/pressrelease/{release.pk}/preview/").content.decode()
    assert "Preview" in preview and "Source: press release from Riverside Water Trust" in preview
    assert Article.objects.count() == 0  # a preview publishes nothing

    response = editor.post(f"/desk/pressroom/pressrelease/{release.pk}/decide/",
                           {"decision": "publish_now", "include_in_digest": "on"})
    assert response.status_code == 302
    release.refresh_from_db()
    article = release.article
    assert release.state == State.PUBLISHED and release.include_in_digest
    assert article.kind == Kind.PRESS_RELEASE and article.status == Status.PUBLISHED
    assert article.source is None and article.original_url == ""
    assert set(article.places.values_list("kind", "code")) == {(PlaceKind.COUNTRY, "KE"),
                                                               (PlaceKind.REGION, "africa")}
    published_mail = mail.outbox[-1]
    assert published_mail.subject.startswith("Your press release is published")
    assert _link_in(published_mail) == article.get_absolute_url()

    page = public.get(article.get_absolute_url())
    assert page.status_code == 200
    doc = lxml.html.fromstring(page.content)
    text = " ".join(doc.text_content().split())
    assert "Press release" in doc.xpath("string(//*[@class='label-press-release'])")
    assert "Source: press release from Riverside Water Trust." in text
    assert "does not necessarily reflect the views or opinion of" in text
    assert "Source of original article" not in text
    outbound = doc.xpath("//div[@class='body']//a[starts-with(@href, 'https://riverside')]")
    assert outbound and all("sponsored" in a.get("rel").split() and "nofollow" in a.get("rel")
                            for a in outbound)
    lead = doc.xpath("//figure[@class='lead']//img/@src")[0]
    assert re.fullmatch(r"/pr/files/[0-9a-f]{32}\.jpg", lead)
    assert public.get(lead)["Content-Type"] == "image/jpeg"
    assert "Photo: J. Mwangi." in text and "Photo Credit: Riverside Water Trust." in text

    assert "Press release" in public.get("/").content.decode()
    assert release.title in public.get("/country/KE/").content.decode()
    assert release.title in public.get("/region/africa/").content.decode()
    edition = public.get(article.get_text_url()).content.decode()
    assert "Source: press release from Riverside Water Trust." in edition
    assert "Published" in public.get(status_link).content.decode()


def test_a_release_with_control_characters_publishes_into_feeds_that_parse(
        editor: Client) -> None:
    """Invisible characters pasted into the form (a word processor's vertical tab) are no
    text: one in a title used to make every feed and the news sitemap fail."""
    release = _submit_and_confirm(Client(), title="Riverside \x01opens a clinic\x0b today",
                                  summary="Four villages in the valley\x08 get a new clinic.")
    response = editor.post(f"/desk/pressroom/pressrelease/{release.pk}/decide/",
                           {"decision": "publish_now"})
    assert response.status_code == 302
    release.refresh_from_db()
    assert release.article.title == "Riverside opens a clinic today"

    for url in ("/feeds/rss/", "/feeds/atom/", "/feeds/region/africa/rss/"):
        feed = Client().get(url)
        assert feed.status_code == 200, url
        parsed = feedparser.parse(feed.content)
        assert not parsed.bozo, (url, parsed.get("bozo_exception"))
        [entry] = parsed.entries
        assert entry.title == "Riverside opens a clinic today"
        assert "Published by Riverside Water Trust." in entry.summary, url
    sitemap = Client().get("/sitemap-news.xml")
    assert sitemap.status_code == 200
    lxml.etree.fromstring(sitemap.content)  # well-formed


def test_rejection_emails_the_reason_and_publishes_nothing(editor: Client) -> None:
    release = _submit_and_confirm(Client())
    response = editor.post(f"/desk/pressroom/pressrelease/{release.pk}/decide/", {
        "decision": "reject", "reject_reason": RejectReason.NOT_NEWS,
        "reject_note": "Please send news about the clinic, not a list of products."})
    assert response.status_code == 302
    release.refresh_from_db()
    assert release.state == State.REJECTED and Article.objects.count() == 0
    rejection = mail.outbox[-1]
    assert rejection.to == ["amina@riverside-trust.example"]
    assert "It is advertising rather than news" in rejection.body
    assert "not a list of products" in rejection.body
    status = Client().get(_link_in(rejection)).content.decode()
    assert "Rejected" in status and "advertising rather than news" in status


def test_a_rejection_needs_a_reason(editor: Client) -> None:
    release = _submit_and_confirm(Client())
    page = editor.post(f"/desk/pressroom/pressrelease/{release.pk}/decide/", {"decision": "reject"})
    assert "Choose a reason." in page.content.decode()
    assert PressRelease.objects.get().state == State.PENDING


def test_approval_at_a_time_publishes_when_due(editor: Client) -> None:
    release = _submit_and_confirm(Client())
    when = timezone.localtime() + timedelta(hours=3)
    editor.post(f"/desk/pressroom/pressrelease/{release.pk}/decide/",
                {"decision": "publish_at", "publish_at": when.strftime("%Y-%m-%dT%H:%M")})
    release.refresh_from_db()
    assert release.state == State.SCHEDULED and Article.objects.count() == 0
    assert "approved" in mail.outbox[-1].subject
    assert releases_publish_due() == 0
    assert releases_publish_due(now=timezone.now() + timedelta(hours=4)) == 1
    release.refresh_from_db()
    assert release.state == State.PUBLISHED and release.article.status == Status.PUBLISHED


def test_an_approval_from_a_page_opened_before_publishing_publishes_nothing_twice() -> None:
    release = _submit_and_confirm(Client())
    stale = PressRelease.objects.get(pk=release.pk)  # a second editor's copy, still pending
    release_approve(release=release, editor=None)
    sent = len(mail.outbox)
    with pytest.raises(WrongState):
        release_approve(release=stale, editor=None)
    release.refresh_from_db()
    assert Article.objects.count() == 1 and release.article == Article.objects.get()
    assert release.state == State.PUBLISHED and len(mail.outbox) == sent


def test_a_rejection_from_a_page_opened_before_publishing_leaves_the_release_published() -> None:
    release = _submit_and_confirm(Client())
    stale = PressRelease.objects.get(pk=release.pk)
    release_approve(release=release, editor=None)
    sent = len(mail.outbox)
    with pytest.raises(WrongState):
        release_reject(release=stale, editor=None, reason=RejectReason.OFF_TOPIC)
    release.refresh_from_db()
    assert release.state == State.PUBLISHED and release.article is not None
    assert release.reject_reason == "" and len(mail.outbox) == sent


def test_the_release_preview_carries_no_ads(editor: Client) -> None:
    release = _submit_and_confirm(Client())
    page = editor.get(f"/desk/pressroom/pressrelease/{release.pk}/preview/").content.decode()
    assert "Source: press release from Riverside Water Trust" in page
    assert 'class="ad-slot"' not in page and "ads/ads.js" not in page


def test_the_queue_shows_only_confirmed_releases(editor: Client) -> None:
    post_submission(Client(), title="Unconfirmed release about the harvest festival")
    confirmed = _submit_and_confirm(Client(), contact_email="other@trust.example")
    queue = editor.get("/desk/pressroom/pressrelease/").content.decode()
    assert confirmed.title in queue
    assert "Unconfirmed release about the harvest festival" not in queue
    everything = editor.get("/desk/pressroom/pressrelease/?state=all").content.decode()
    assert "Unconfirmed release about the harvest festival" in everything


def test_the_editor_can_edit_before_approving(editor: Client) -> None:
    release = _submit_and_confirm(Client())
    form = editor.get(f"/desk/pressroom/pressrelease/{release.pk}/change/")
    assert form.status_code == 200
    release.title = "Clinic opens in the valley"
    release.save()
    editor.post(f"/desk/pressroom/pressrelease/{release.pk}/decide/", {"decision": "publish_now"})
    assert Article.objects.get().title == "Clinic opens in the valley"


def _change_form(release: PressRelease, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": release.title, "summary": release.summary, "body": release.body,
        "countries": release.countries, "regions": release.regions,
        "organisation": release.organisation, "contact_name": release.contact_name,
        "contact_phone": release.contact_phone, "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0", "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000"}
    data.update(overrides)
    return data


def _error_next_to(response: object, name: str) -> str:
    doc = lxml.html.fromstring(response.content)  # type: ignore[attr-defined]
    return " ".join(doc.xpath(f"string(//div[contains(@class, 'field-{name}')]"
                              "//ul[contains(@class, 'errorlist')])").split())


@pytest.mark.parametrize("field, typed", [("countries", "null"), ("countries", '"KE"'),
                                          ("countries", "ZZ"), ("regions", "null"),
                                          ("regions", "mars")])
def test_the_change_form_takes_only_known_places_and_says_so_next_to_the_field(
        editor: Client, field: str, typed: str) -> None:
    release = _submit_and_confirm(Client())
    url = f"/desk/pressroom/pressrelease/{release.pk}/change/"
    response = editor.post(url, _change_form(release, **{field: typed}))
    assert response.status_code == 200
    assert "Select a valid choice" in _error_next_to(response, field)
    release.refresh_from_db()
    assert release.countries == ["KE"] and release.regions == []


def test_places_corrected_in_the_change_form_are_those_published(editor: Client) -> None:
    release = _submit_and_confirm(Client())
    url = f"/desk/pressroom/pressrelease/{release.pk}/change/"
    page = lxml.html.fromstring(editor.get(url).content)
    assert page.xpath("//select[@name='countries']/option[@value='KE'][@selected]")
    response = editor.post(url, _change_form(release, countries=["TZ", "KE"],
                                             regions=["europe"]))
    assert response.status_code == 302
    release.refresh_from_db()
    assert release.countries == ["TZ", "KE"] and release.regions == ["europe"]
    editor.post(f"/desk/pressroom/pressrelease/{release.pk}/decide/", {"decision": "publish_now"})
    article = Article.objects.get()
    assert article.primary_country == "TZ"
    assert {c for k, c in article.places.values_list("kind", "code") if k == "country"} == \
        {"TZ", "KE"}


@pytest.mark.parametrize("decision", ["publish_now", "reject"])
def test_a_decided_release_is_read_only_and_points_to_the_article(
        editor: Client, decision: str) -> None:
    release = _submit_and_confirm(Client(), image_1=upload("lead.png", image_bytes("PNG")),
                                  caption_1="The clinic", credit_1="The trust")
    editor.post(f"/desk/pressroom/pressrelease/{release.pk}/decide/",
                {"decision": decision, "reject_reason": RejectReason.OFF_TOPIC})
    url = f"/desk/pressroom/pressrelease/{release.pk}/change/"
    page = editor.get(url).content.decode()
    assert 'name="title"' not in page and 'name="images-0-caption"' not in page
    assert "article's own edit page" in page
    editor.post(url, _change_form(release, title="Corrected title"))
    release.refresh_from_db()
    assert release.title != "Corrected title"


def test_a_published_release_cannot_be_deleted(editor: Client) -> None:
    release = _submit_and_confirm(Client())
    editor.post(f"/desk/pressroom/pressrelease/{release.pk}/decide/", {"decision": "publish_now"})
    url = f"/desk/pressroom/pressrelease/{release.pk}/delete/"
    assert editor.get(url).status_code == 403
    editor.post(url, {"post": "yes"})
    editor.post("/desk/pressroom/pressrelease/?state=all",
                {"action": "delete_selected", ACTION_CHECKBOX_NAME: [release.pk], "post": "yes"})
    assert PressRelease.objects.filter(pk=release.pk).exists()
    page = Client().get(Article.objects.get().get_absolute_url()).content.decode()
    assert "Source: press release from Riverside Water Trust" in page


def test_a_release_not_yet_published_can_still_be_deleted(editor: Client) -> None:
    release = _submit_and_confirm(Client())
    editor.post(f"/desk/pressroom/pressrelease/{release.pk}/delete/", {"post": "yes"})
    assert not PressRelease.objects.exists()


def test_a_view_only_user_cannot_publish_from_the_list() -> None:
    release = _submit_and_confirm(Client())
    viewer = User.objects.create_user("vera", "vera@news.example", "x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_pressrelease"))
    client = Client()
    client.force_login(viewer)
    assert client.get(f"/desk/pressroom/pressrelease/{release.pk}/decide/").status_code == 403
    client.post("/desk/pressroom/pressrelease/?state=all",
                {"action": "publish_now", ACTION_CHECKBOX_NAME: [release.pk], "index": 0})
    release.refresh_from_db()
    assert release.state == State.PENDING and Article.objects.count() == 0


def test_desk_pages_need_staff() -> None:
    release = _submit_and_confirm(Client())
    for url in (f"/desk/pressroom/pressrelease/{release.pk}/preview/",
                f"/desk/pressroom/pressrelease/{release.pk}/decide/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/desk/login/" in response["Location"]
