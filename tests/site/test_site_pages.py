"""The public pages as a reader and a crawler get them."""

from __future__ import annotations

import json

import lxml.html
import pytest
from django.test import Client
from tests.site.factories import published_article, publisher

from newsdesk.articles.images import region_image
from newsdesk.articles.models import Article, Status
from newsdesk.site import views
from newsdesk.sources.models import ImagePolicy

pytestmark = pytest.mark.django_db

PARAGRAPHS = [
    "The harbour authority in Piraeus said ferry crews would return on Monday.",
    "Fishermen on the quay said the strike had cost them a week of sales.",
    "The ministry promised to publish the new timetable before the weekend.",
    "Unions said talks about pay would continue through the summer.",
    "Tourist numbers on the islands have risen for a third year.",
]


def page(client: Client, url: str, status: int = 200) -> lxml.html.HtmlElement:
    response = client.get(url)
    assert response.status_code == status, url
    return lxml.html.fromstring(response.content)


def texts(doc: lxml.html.HtmlElement, xpath: str) -> list[str]:
    return [" ".join(el.text_content().split()) for el in doc.xpath(xpath)]


def test_home_shows_the_latest_news_the_regions_the_newsletter_and_the_ad_slots(
    client: Client,
) -> None:
    source = publisher()
    for n in range(9):
        published_article(source, title=f"Greek ferry story {n}", paragraphs=PARAGRAPHS[n % 5:],
                          countries=["GR"])
    published_article(source, title="Kenyan election result", paragraphs=PARAGRAPHS,
                      countries=["KE"])
    held = published_article(source, title="Held back for review", paragraphs=PARAGRAPHS)
    Article.objects.filter(id=held.id).update(status=Status.REVIEW)

    doc = page(client, "/")

    headlines = texts(doc, "//main//h3/a")
    assert headlines[0] == "Kenyan election result"  # the newest leads
    assert "Held back for review" not in " ".join(headlines)
    assert texts(doc, "//section[@class='region-block']/h2") == ["Europe"]
    europe = texts(doc, "//section[@class='region-block']//h3/a")
    assert europe == ["Greek ferry story 2", "Greek ferry story 1", "Greek ferry story 0"]
    assert doc.xpath("//a[@href='/newsletter/']")
    assert {el.get("data-slot") for el in doc.xpath("//div[contains(@class,'ad-slot')]")} == {
        "leaderboard", "sidebar"}
    assert texts(doc, "//h1") == ["Newsdesk Demo: latest news"]


def test_the_front_page_shows_a_story_under_one_region_only(client: Client) -> None:
    """A story about Ghana's cocoa and its Dutch buyers was shown under Africa and again under
    Europe, a screen apart."""
    source = publisher()
    published_article(source, title="Ghana's cocoa reaches Rotterdam", paragraphs=PARAGRAPHS,
                      countries=["GH", "NL"])
    for n in range(views.HOME_LATEST):
        published_article(source, title=f"Greek ferry story {n}", paragraphs=PARAGRAPHS[n % 5:],
                          countries=["GR"])

    doc = page(client, "/")

    blocks = {" ".join(block.xpath("h2")[0].text_content().split()):
              texts(block, ".//h3/a") for block in doc.xpath("//section[@class='region-block']")}
    assert blocks == {"Africa": ["Ghana's cocoa reaches Rotterdam"]}


def test_article_page_links_related_stories_about_the_same_countries_newest_first(
    client: Client,
) -> None:
    source = publisher()
    older = published_article(source, title="Athens port reopens", paragraphs=PARAGRAPHS[1:],
                              countries=["GR"])
    published_article(source, title="Nairobi traffic plan", paragraphs=PARAGRAPHS[2:],
                      countries=["KE"])
    newer = published_article(source, title="Cyprus and Greece sign ferry deal",
                              paragraphs=PARAGRAPHS[3:], countries=["CY", "GR"])
    story = published_article(source, title="Ferry crews return", paragraphs=PARAGRAPHS,
                              countries=["GR"])

    doc = page(client, story.get_absolute_url())

    assert texts(doc, "//section[@class='related']//h3/a") == [newer.title, older.title]
    assert texts(doc, "//h1") == ["Ferry crews return"]


def test_article_page_carries_open_graph_twitter_and_json_ld_for_machines(
    client: Client, settings: object,
) -> None:
    source = publisher(name="Aegean Post", domain="aegeanpost.example")
    story = published_article(source, title="Ferry crews return </script><b>now</b>",
                              paragraphs=PARAGRAPHS, countries=["GR"],
                              url="https://aegeanpost.example/2025/ferry-crews",
                              image_url="https://aegeanpost.example/img/quay.jpg",
                              image_alt="Ferries moored at the quay", image_credit="Aegean Post")
    page_url = f"http://127.0.0.1:8000{story.get_absolute_url()}"

    doc = page(client, story.get_absolute_url())

    meta = {el.get("property") or el.get("name"): el.get("content") for el in doc.xpath("//meta")}
    assert meta["og:type"] == "article"
    assert meta["og:title"] == story.title
    assert meta["og:url"] == page_url
    assert meta["og:image"] == "https://aegeanpost.example/img/quay.jpg"
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["og:description"].startswith("The harbour authority in Piraeus")
    [ld_script] = doc.xpath("//script[@type='application/ld+json']")
    data = json.loads(ld_script.text)
    assert data["@type"] == "NewsArticle"
    assert data["isBasedOn"] == "https://aegeanpost.example/2025/ferry-crews"
    assert data["headline"] == story.title
    assert data["url"] == page_url
    assert data["sourceOrganization"]["name"] == "Aegean Post"
    assert "</script>" not in ld_script.text
    feeds = {el.get("type"): el.get("href") for el in doc.xpath("//link[@rel='alternate']")}
    assert feeds["application/rss+xml"] == "/feeds/rss/"
    assert feeds["application/atom+xml"] == "/feeds/atom/"
    assert doc.xpath("//link[@rel='canonical']/@href") == [story.original_url]


def test_article_page_sizes_its_lead_image_and_places_the_in_article_ad_slot(
    client: Client,
) -> None:
    source = publisher(image_policy=ImagePolicy.SITE)
    story = published_article(source, title="Ferry crews return", paragraphs=PARAGRAPHS,
                              countries=["GR"], pull_quotes=[("The strike cost a week.", 1)])
    published_article(publisher(name="Aegean Post", domain="aegeanpost.example"),
                      title="Athens port reopens", paragraphs=PARAGRAPHS[1:], countries=["GR"],
                      image_url="https://aegeanpost.example/port.jpg")

    doc = page(client, story.get_absolute_url())

    [lead] = doc.xpath("//figure[@class='lead']/img")
    assert (lead.get("width"), lead.get("height")) == ("1200", "675")
    assert lead.get("loading") is None  # above the fold: fetched at once
    assert texts(doc, "//figcaption") == ["Photo Credit: Newsdesk Demo (localhost)."]
    body = doc.xpath("//div[@class='body']")[0]
    children = [el.tag if "ad-slot" not in (el.get("class") or "") else "AD"
                for el in body if el.tag != "script"]
    # paragraph, pull quote, paragraph, paragraph, the slot, then the rest of the story
    assert children == ["p", "aside", "p", "p", "AD", "p", "p"]
    assert [img.get("loading") for img in doc.xpath("//section[@class='related']//img")] == ["lazy"]


def test_region_country_and_source_pages_list_their_own_articles(client: Client) -> None:
    gazette, post = publisher(), publisher(name="Aegean Post", domain="aegeanpost.example")
    greek = published_article(post, title="Ferry crews return", paragraphs=PARAGRAPHS,
                              countries=["GR"])
    kenyan = published_article(gazette, title="Nairobi traffic plan", paragraphs=PARAGRAPHS[1:],
                               countries=["KE"])

    europe = page(client, "/region/europe/")
    assert texts(europe, "//ol[@class='teasers']//h2/a") == [greek.title]
    assert texts(europe, "//nav[@class='places']//a") == ["Greece"]
    # the canonical address, the one the page cache keeps
    assert europe.xpath("//nav[@class='places']//a/@href") == ["/country/GR/"]
    assert texts(page(client, "/country/ke/"), "//ol[@class='teasers']//h2/a") == [kenyan.title]
    assert texts(page(client, "/country/KE/"), "//h1") == ["Kenya"]
    source_page = page(client, f"/source/{post.id}/")
    assert texts(source_page, "//h1") == ["Aegean Post"]
    assert texts(source_page, "//ol[@class='teasers']//h2/a") == [greek.title]
    assert source_page.xpath("//a[@href='https://aegeanpost.example/']")
    for missing in ("/region/atlantis/", "/country/xx/", "/source/999999/"):
        page(client, missing, status=404)


def test_lists_page_with_stable_urls(client: Client) -> None:
    source = publisher()
    titles = [published_article(source, title=f"Harbour note {n:02d}", paragraphs=PARAGRAPHS,
                                countries=["GR"]).title for n in range(23)]
    newest_first = titles[::-1]

    for url in ("/latest/", "/region/europe/", "/country/gr/", f"/source/{source.id}/"):
        first = page(client, url)
        assert texts(first, "//ol[@class='teasers']//h2/a") == newest_first[:20], url
        [older] = first.xpath("//nav[@class='pager']/a[@rel='next']/@href")
        assert older == "?page=2"
        second = page(client, url + older)
        assert texts(second, "//ol[@class='teasers']//h2/a") == newest_first[20:], url
        assert second.xpath("//nav[@class='pager']/a[@rel='prev']/@href") == [url]
        assert texts(second, "//nav[@class='pager']/span") == ["Page 2 of 2"]
        for bad in ("?page=3", "?page=0", "?page=two"):
            page(client, url + bad, status=404)


def test_a_link_with_tracking_parameters_leaves_them_out_of_the_pager(client: Client) -> None:
    """Such a page is cached for everyone (the parameters do not change it), so nothing of the
    first visitor's query string may be written into it."""
    source = publisher()
    for n in range(23):
        published_article(source, title=f"Harbour note {n:02d}", paragraphs=PARAGRAPHS,
                          countries=["GR"])

    for url in ("/latest/", "/region/europe/", "/country/gr/", f"/source/{source.id}/"):
        first = page(client, url + "?utm_source=newsletter&ref=evil.example&fbclid=x1")
        assert first.xpath("//nav[@class='pager']/a[@rel='next']/@href") == ["?page=2"], url
        second = page(client, url + "?page=2&utm_campaign=spring")
        assert second.xpath("//nav[@class='pager']/a[@rel='prev']/@href") == [url], url


def test_a_source_has_a_page_once_it_has_published(client: Client) -> None:
    """A source the desk is still trying out (its items waiting for review) is nobody's
    business yet: its name and number stay off the site."""
    trial = publisher(name="Trial Gazette", domain="trial.example")
    waiting = published_article(trial, title="Quay works begin", paragraphs=PARAGRAPHS)
    Article.objects.filter(id=waiting.id).update(status=Status.REVIEW)

    assert b"Trial Gazette" not in client.get(f"/source/{trial.id}/").content
    page(client, f"/source/{trial.id}/", status=404)
    Article.objects.filter(id=waiting.id).update(status=Status.PUBLISHED)
    assert texts(page(client, f"/source/{trial.id}/"), "//h1") == ["Trial Gazette"]


def test_a_stored_region_that_is_no_region_shows_the_world_image(client: Client) -> None:
    """Whatever an old row or a hand-edited database holds, the site's image is looked up only
    among its own regions' files."""
    story = published_article(publisher(image_policy=ImagePolicy.SITE), title="Quay lights",
                              paragraphs=PARAGRAPHS, countries=["GR"])
    Article.objects.filter(id=story.id).update(primary_region="../../../../etc/passwd")

    world = region_image("world")
    assert world is not None
    for url in ("/", story.get_absolute_url()):
        assert world.src in page(client, url).xpath("//img/@src"), url


def test_the_plain_text_edition_keeps_lines_lists_and_cells_apart(client: Client) -> None:
    story = published_article(publisher(), title="Harbour notices", paragraphs=PARAGRAPHS)
    Article.objects.filter(id=story.id).update(body_html=(
        "<p>Write to the Harbour Office<br>12 Quay Street<br>Brest</p>"
        "<blockquote><p>The quay is ours.</p><p>So is the tide.</p></blockquote>"
        "<ul><li>Ferries<ul><li>Night crossings</li></ul></li><li>Freight</li></ul>"
        "<ol><li>Apply</li><li>Wait</li></ol>"
        '<ol start="4"><li>Fourth place</li><li>Fifth place</li></ol>'
        "<pre><code>def f():\n    return 1</code></pre>"
        "<table><caption>Boats in port</caption><tr><th>Day</th><th>Boats</th></tr>"
        "<tr><td>Monday</td><td>4</td></tr></table>"))

    text = client.get(story.get_text_url()).content.decode()

    for lines in (["Write to the Harbour Office", "12 Quay Street", "Brest"],
                  ["The quay is ours.", "So is the tide."],
                  ["- Ferries", "  - Night crossings", "- Freight"],
                  ["1. Apply", "2. Wait"],
                  ["4. Fourth place", "5. Fifth place"],  # a list that goes on from another
                  ["def f():", "    return 1"],
                  ["Boats in port", "Day Boats", "Monday 4"]):
        assert "\n".join(lines) in text, lines
    assert text.count("Night crossings") == 1


@pytest.mark.parametrize(("language", "lang", "direction"), [
    ("fr", "fr", None), ("ar", "ar", "rtl"), ("zh-TW", "zh-TW", None), ("en", None, None),
    ("en-GB", None, None), ("not a language!", None, None)])
def test_an_article_in_another_language_says_so(
    client: Client, language: str, lang: str | None, direction: str | None
) -> None:
    story = published_article(publisher(), title="Quai", paragraphs=PARAGRAPHS)
    Article.objects.filter(id=story.id).update(language=language)

    html = page(client, story.get_absolute_url())

    assert html.xpath("/html/@lang") == ["en"]
    [article] = html.xpath("//article[contains(@class, 'story')]")
    assert article.get("lang") == lang
    assert article.get("dir") == direction


def test_withdrawn_articles_leave_every_page(client: Client) -> None:
    source = publisher()
    story = published_article(source, title="Ferry crews return", paragraphs=PARAGRAPHS,
                              countries=["GR"])
    Article.objects.filter(id=story.id).update(status=Status.WITHDRAWN)

    assert client.get(story.get_absolute_url()).status_code in (404, 410)
    for url in ("/", "/latest/", "/region/europe/", "/country/gr/", f"/source/{source.id}/",
                "/search?q=ferry"):
        assert "Ferry crews return" not in client.get(url).content.decode(), url


def test_not_found_page_is_in_the_site_design(client: Client) -> None:
    doc = page(client, "/no/such/page/", status=404)

    assert texts(doc, "//h1") == ["We can't find that page"]
    assert texts(doc, "//a[@class='brand']") == ["Newsdesk Demo"]
    assert doc.xpath("//form[@role='search']//input[@name='q']")
    assert doc.xpath("//link[@rel='stylesheet']")


def test_server_error_page_is_in_the_site_design(
    client: Client, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken() -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(views, "articles_published", broken)
    client.raise_request_exception = False

    response = client.get("/")

    assert response.status_code == 500
    doc = lxml.html.fromstring(response.content)
    assert texts(doc, "//h1") == ["Something went wrong on our side"]
    assert texts(doc, "//a[@class='brand']") == ["Newsdesk Demo"]
    assert "the database went away" not in response.content.decode()


def test_a_fetched_publisher_image_is_served_resized_with_a_srcset(
    client: Client, settings: object, tmp_path: object
) -> None:
    import io

    from PIL import Image

    from newsdesk.articles.images import lead_image_store

    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    story = published_article(title="Ferry crews return", paragraphs=PARAGRAPHS,
                              image_url="https://aegeanpost.example/port.jpg")
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 900), (20, 90, 140)).save(buffer, "JPEG")
    lead_image_store(image_url=story.image_url, content=buffer.getvalue())

    doc = page(client, story.get_absolute_url())

    [lead] = doc.xpath("//figure[@class='lead']/img")
    widths = [candidate.split()[1] for candidate in lead.get("srcset").split(", ")]
    assert widths == ["480w", "800w", "1200w"]
    assert lead.get("src").startswith("/media/leads/")
    served = client.get(lead.get("src"))
    assert served.status_code == 200
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size[0] == 800
