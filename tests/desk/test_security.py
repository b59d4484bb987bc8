"""Who reaches what in the desk, and what a forged or padded request can change."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings
from tests.desk.conftest import PASSWORD

from newsdesk.articles.models import Article, Status
from newsdesk.sources.models import Source

pytestmark = pytest.mark.django_db

ADMIN_ONLY = ["admin:auth_user_changelist", "admin:auth_user_add", "admin:auth_group_changelist",
              "admin:newsletter_subscriber_changelist", "admin:ads_bookingrequest_changelist"]


def waiting_article(**fields: object) -> Article:
    source = Source.objects.create(feed_url="https://paper.example/feed", name="Paper")
    defaults = {"guid": "g1", "slug": "quay-reopens", "title": "Quay reopens",
                "body_html": "<p>The quay reopens on Monday.</p>", "fingerprint": "f",
                "content_hash": "h", "status": Status.REVIEW}
    return Article.objects.create(source=source, **{**defaults, **fields})


@pytest.mark.parametrize("name", ADMIN_ONLY)
def test_an_editor_gets_403_on_admin_only_pages(editor_client: Client, name: str) -> None:
    assert editor_client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", ADMIN_ONLY)
def test_an_admin_reaches_them(admin_client_: Client, name: str) -> None:
    assert admin_client_.get(reverse(name)).status_code == 200


def test_an_editor_cannot_open_or_change_a_user(editor_client: Client, editor: User) -> None:
    url = reverse("admin:auth_user_change", args=[editor.id])
    assert editor_client.get(url).status_code == 403
    response = editor_client.post(url, {"username": editor.username, "is_superuser": "on",
                                        "is_staff": "on"})
    assert response.status_code == 403
    editor.refresh_from_db()
    assert not editor.is_superuser


@pytest.mark.parametrize("url", ["/desk/", "/desk/sources/source/health/",
                                 "/desk/sources/source/add/", "/desk/articles/article/"])
def test_anonymous_people_get_the_login_page(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/desk/login/?next=")


def test_people_without_staff_status_get_the_login_page(db: None) -> None:
    User.objects.create_user("reader", "r@example.org", PASSWORD)
    client = Client()
    client.force_login(User.objects.get(username="reader"))
    assert client.get("/desk/sources/source/health/")["Location"].startswith("/desk/login/")


def test_the_editor_sees_the_desk_without_user_management(editor_client: Client) -> None:
    page = editor_client.get("/desk/").content.decode()
    assert "Sources" in page and "Review queue" in page
    assert "/desk/auth/user/" not in page


def test_a_post_without_csrf_token_is_refused(editor: User) -> None:
    article = waiting_article()
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(reverse("admin:articles_article_approve", args=[article.id]))
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.status == Status.REVIEW
    response = client.post(reverse("admin:sources_source_opml_import"), {})
    assert response.status_code == 403


def test_the_same_post_with_its_token_goes_through(editor: User) -> None:
    article = waiting_article()
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    page = client.get(reverse("admin:articles_article_change", args=[article.id]))
    token = page.context["csrf_token"]
    client.post(reverse("admin:articles_article_approve", args=[article.id]),
                {"csrfmiddlewaretoken": token})
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED


def test_extra_fields_in_an_article_edit_change_nothing_they_should_not(
    editor_client: Client, editor: User
) -> None:
    article = waiting_article()
    url = reverse("admin:articles_article_change", args=[article.id])
    response = editor_client.post(url, {
        "title": "Quay reopens on Monday", "summary": "", "body_html": article.body_html,
        "image_source": "none", "image_url": "", "image_alt": "", "image_caption": "",
        "image_credit": "", "primary_country": "", "primary_region": "", "countries": "",
        "quotes": "",
        # Not fields of this form: each must be ignored.
        "status": "published", "is_staff": "1", "is_superuser": "1", "slug": "hijacked",
        "source": "999", "guid": "other", "site_published_at": "2020-01-01 00:00",
        "_save": "Save",
    })
    assert response.status_code == 302
    article.refresh_from_db()
    editor.refresh_from_db()
    assert article.title == "Quay reopens on Monday"
    assert (article.status, article.slug, article.guid) == (Status.REVIEW, "quay-reopens", "g1")
    assert article.site_published_at is None
    assert not (editor.is_superuser or User.objects.filter(is_superuser=True).exists())


def test_extra_fields_in_a_source_edit_change_nothing_they_should_not(
    editor_client: Client
) -> None:
    source = Source.objects.create(feed_url="https://paper.example/feed", name="Paper",
                                   consecutive_failures=2, last_error="Timed out")
    url = reverse("admin:sources_source_change", args=[source.id])
    response = editor_client.post(url, {
        "name": "The Paper", "feed_url": source.feed_url, "home_url": "", "domain": "",
        "credit": "RSS", "image_policy": "source", "content": "full", "publish": "review",
        "poll_minutes": "30", "include_keywords": "", "exclude_keywords": "",
        "countries": "", "body_selector": "", "remove_selectors": "",
        "active": "", "consecutive_failures": "0", "last_error": "", "lease_owner": "me",
        "is_staff": "1", "_save": "Save",
    })
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.name == "The Paper"
    assert (source.active, source.consecutive_failures, source.last_error, source.lease_owner) \
        == (True, 2, "Timed out", "")


def test_a_bad_rule_is_refused_next_to_its_field(editor_client: Client) -> None:
    source = Source.objects.create(feed_url="https://paper.example/feed", name="Paper")
    response = editor_client.post(reverse("admin:sources_source_change", args=[source.id]), {
        "name": "Paper", "feed_url": source.feed_url, "credit": "RSS", "image_policy": "source",
        "content": "full", "publish": "review", "poll_minutes": "30", "countries": "ZZ",
        "body_selector": "div[[", "remove_selectors": ""})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "not a CSS selector" in errors["body_selector"][0]
    assert "Unknown country code: ZZ" in errors["countries"][0]


@pytest.mark.parametrize("minutes, error", [
    ("0", "greater than or equal to 5"), ("4", "greater than or equal to 5"),
    ("10081", "less than or equal to 10080")])
def test_a_poll_interval_outside_five_minutes_to_a_week_is_refused_next_to_it(
        editor_client: Client, minutes: str, error: str) -> None:
    """The same bounds as when the source was added."""
    source = Source.objects.create(feed_url="https://paper.example/feed", name="Paper")
    response = editor_client.post(reverse("admin:sources_source_change", args=[source.id]), {
        "name": "Paper", "feed_url": source.feed_url, "credit": "RSS", "image_policy": "source",
        "content": "full", "publish": "review", "poll_minutes": minutes, "countries": "",
        "body_selector": "", "remove_selectors": ""})
    assert response.status_code == 200
    assert error in response.context["adminform"].form.errors["poll_minutes"][0]
    source.refresh_from_db()
    assert source.poll_minutes == 30


def test_logins_are_throttled_after_five_wrong_passwords(editor: User) -> None:
    client = Client()
    statuses = [client.post("/desk/login/?next=/desk/",
                            {"username": editor.username, "password": "guess"}).status_code
                for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    locked = client.post("/desk/login/?next=/desk/",
                         {"username": editor.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_behind_a_proxy_a_lockout_holds_the_guesser_not_the_owner(
    editor: User, settings: Settings
) -> None:
    """Every request comes from the proxy's address: the lockout must count the visitor's, as
    NEWSDESK_CLIENT_IP_HEADER gives it, or five guesses by anyone lock the owner out."""
    settings.NEWSDESK_CLIENT_IP_HEADER = "X-Real-IP"
    guesser = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.66")
    owner = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="198.51.100.7")
    statuses = [guesser.post("/desk/login/?next=/desk/",
                             {"username": editor.username, "password": "guess"}).status_code
                for _ in range(5)]
    assert statuses[-1] == 429

    response = owner.post("/desk/login/?next=/desk/",
                          {"username": editor.username, "password": PASSWORD})

    assert response.status_code == 302
    assert guesser.post("/desk/login/?next=/desk/", {"username": editor.username,
                                                     "password": PASSWORD}).status_code == 429


def test_the_right_password_logs_in_and_a_password_change_ends_other_sessions(
    editor: User
) -> None:
    client, other = Client(), Client()
    for c in (client, other):
        response = c.post("/desk/login/?next=/desk/",
                          {"username": editor.username, "password": PASSWORD})
        assert response.status_code == 302
    assert editor.password.startswith("argon2")
    client.post("/desk/password_change/", {"old_password": PASSWORD,
                                           "new_password1": "another long passphrase 7",
                                           "new_password2": "another long passphrase 7"})
    assert client.get("/desk/").status_code == 200
    assert other.get("/desk/").status_code == 302


def test_a_posted_feed_address_longer_than_a_source_keeps_is_refused_next_to_it(
    editor_client: Client,
) -> None:
    long_feed = "https://harbourgazette.example/" + "f" * 2100
    response = editor_client.post("/desk/sources/source/add/", {
        "url": "https://harbourgazette.example/", "feed_url": long_feed, "credit": "RSS",
        "image_policy": "source", "content": "full", "publish": "review", "poll_minutes": "30",
        "_save": "Save"})

    assert response.status_code == 200
    assert "longer than 2,000 characters" in response.content.decode()
    assert not Source.objects.exists()


@pytest.mark.parametrize("method, url", [
    ("get", "/desk/articles/article/abc/preview/"),
    ("get", "/desk/articles/article/%C2%B2/reject/"),
    ("post", "/desk/articles/article/abc/approve/"),
    ("post", "/desk/articles/article/abc/withdraw/"),
    ("post", "/desk/sources/source/abc/pause/"),
    ("post", "/desk/sources/source/%C2%B2/ingest/"),
    ("get", "/desk/articles/article/99999999999999999999/reject/"),
    ("post", "/desk/sources/source/99999999999999999999/pause/"),
])
def test_an_id_that_is_no_number_is_not_found(editor_client: Client, method: str,
                                              url: str) -> None:
    """The desk's own pages take only numeric ids; anything else is the admin's unknown
    object (its "doesn't exist" notice), never a server error."""
    editor_client.raise_request_exception = False
    response = getattr(editor_client, method)(url, follow=True)
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert any("doesn’t exist" in str(m) for m in response.context["messages"])
