"""extract_article against golden pages, plus the behaviours an editor would notice first.

Each page under tests/data/pages sits beside `<name>.expected.json`: the ExtractedArticle fields
it must give, the body as one text per block ("[h2] ", "[ul] ", "[table] ", "[blockquote] " mark
blocks that are not paragraphs). NEWSDESK_UPDATE_GOLDEN=1 rewrites the expected files; read the
diff before committing it.
"""

from __future__ import annotations

import json
import os
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from tests.support.damage import damaged

from newsdesk.ingest.errors import ExtractError
from newsdesk.ingest.extract import article_from_feed_item, extract_article
from newsdesk.ingest.site_rules import SiteRule
from newsdesk.ingest.types import ExtractedArticle, FeedItem

PAGES = Path(__file__).parent.parent / "data" / "pages"
UPDATE_GOLDEN = os.environ.get("NEWSDESK_UPDATE_GOLDEN") == "1"
FIELDS = ("title", "url", "author", "published", "language", "summary", "image_url",
          "image_credit", "image_caption", "pull_quotes")

# The address each page was fetched from: the feed's link, tracking parameters and all.
SERVED: dict[str, str] = {
    "wordpress-harbour-gazette.html": "https://www.harbourgazette.example/2025/06/04/"
    "night-ferry-returns-to-saltwick/?utm_source=rss&utm_medium=feed",
    "drupal-think-tank.html": "https://www.meridianpolicy.example/analysis/water/"
    "kessa-basin-dry-season-release-schedule?utm_source=rss",
    "newswire-json-ld.html": "https://lanternwire.example/world/energy/"
    "osland-grid-rolling-cuts-2025-06-03/",
    "lazy-images.html": "https://fenwickstreet.example/culture/2025/06/last-lamp-maker",
    "caption-credit-in-text.html": "https://quarryhill.example/news/hollin-quarry-footpath-reopens",
    "subheads-list-table.html": "https://lindenvalley.example/council/budget-2025-26-explained",
    "cookie-banner-paywall.html": "https://www.ridgelinecourier.example/news/2025/06/02/"
    "ridgeline-pass-reopens-convoy?fbclid=IwAR0xyz",
    "french-regional.html": "https://www.courrierduval.example/actualite/"
    "saint-aubel-boulangerie-cooperative",
    "arabic-rtl.html": "https://alwaha.example/culture/2025/06/mobile-library-wadi-alsidr",
    "amp-article.html": "https://saltmarshreview.example/environment/oyster-beds-recover/amp/",
}

# Text around each article that a reader must never find in the republished body, checked
# apart from the golden files so that a careless NEWSDESK_UPDATE_GOLDEN=1 cannot bless it.
BOILERPLATE: dict[str, tuple[str, ...]] = {
    "wordpress-harbour-gazette.html": (
        "Share this", "Facebook", "Related", "Alder Bridge bus cuts", "About time",
        "Leave a Reply", "Posted on", "News from the estuary", "Registered in England",
        "The Morwenna at Saltwick pier before",
    ),
    "drupal-think-tank.html": (
        "We use cookies", "Main navigation", "Commentary", "Get the Meridian weekly briefing",
        "No spam", "More on water security", "Registered charity", "Dr Halima Osei",
        "The treaty already asks for the schedule",
    ),
    "newswire-json-ld.html": (
        "Advertisement", "Scroll to continue", "By Nadia Ferrant and", "Updated 2 hours ago",
        "Most read", "Our Standards", "All rights reserved", "Sign in",
    ),
    "lazy-images.html": (
        "Summer reading", "By Caleb", "at the bench she has used", "The Fenwick Weekly",
        "reader-funded", "data:image",
    ),
    "caption-credit-in-text.html": (
        "Volunteers clear the last stretch", "Graham Tulley", "Share:", "Upcoming events",
        "produced by volunteers", "By Deb Marsh",
    ),
    "subheads-list-table.html": (
        "Subscribe", "Council tax rises 4.2%, libraries are spared", "By Priya Hollander",
        "Route 22 passengers launch petition", "Comments (14)", "press standards board",
    ),
    "cookie-banner-paywall.html": (
        "143 partners", "Accept all", "free articles", "Keep reading the Courier",
        "subscription options", "Sponsored", "Peak Stays", "Marisol Vega",
    ),
    "french-regional.html": (
        "cookies", "Commerce", "Cent douze habitants ont racheté", "Par Jeanne", "publié le",
        "Recevez chaque matin", "À lire aussi", "Mentions légales", "Partager", "Luc Ferrand",
    ),
    "arabic-rtl.html": (
        "ملفات تعريف الارتباط", "النشرة البريدية", "اقرأ أيضاً", "شارك", "جميع الحقوق محفوظة",
        "تصوير", "ليلى الحسيني",
    ),
    "amp-article.html": (
        "Menu", "Advertisement", "View the full site", "By Ffion Rees", "Dafydd Lloyd",
    ),
}


def block_text(block: lxml.html.HtmlElement) -> str:
    text = " ".join(block.text_content().split())
    return text if block.tag == "p" else f"[{block.tag}] {text}"


def body_texts(article: ExtractedArticle) -> list[str]:
    if not article.body_html:
        return []
    container = lxml.html.fragment_fromstring(article.body_html, create_parent="div")
    return [block_text(block) for block in container]


def as_json(article: ExtractedArticle) -> dict[str, Any]:
    return {
        "title": article.title,
        "url": article.url,
        "author": article.author,
        "published": article.published.isoformat() if article.published else None,
        "language": article.language,
        "summary": article.summary,
        "image_url": article.image_url,
        "image_credit": article.image_credit,
        "image_caption": article.image_caption,
        "pull_quotes": [[quote.text, quote.position] for quote in article.pull_quotes],
        "body": body_texts(article),
    }


def extract_page(name: str) -> ExtractedArticle:
    return extract_article((PAGES / name).read_bytes(), url=SERVED[name])


def golden_path(name: str) -> Path:
    return PAGES / (name.removesuffix(".html") + ".expected.json")


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Field by field; for the body, which blocks are missing or extra, by their text."""
    problems = [f"{field}: expected {expected.get(field)!r}, got {actual[field]!r}"
                for field in FIELDS if expected.get(field) != actual[field]]
    want, got = expected.get("body", []), actual["body"]
    problems += [f"body: missing block {text!r}" for text in want if text not in got]
    problems += [f"body: extra block {text!r}" for text in got if text not in want]
    if sorted(want) == sorted(got) and want != got:
        problems.append("body: the same blocks in another order")
    return problems


@pytest.mark.parametrize("name", sorted(SERVED))
def test_page_matches_golden_file(name: str) -> None:
    actual = as_json(extract_page(name))
    if UPDATE_GOLDEN:
        golden_path(name).write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
    problems = differences(json.loads(golden_path(name).read_text()), actual)
    assert not problems, "\n".join(problems)


def test_every_page_is_served_and_has_its_golden_file() -> None:
    pages = {p.name for p in PAGES.glob("*.html")}
    assert pages == set(SERVED) == set(BOILERPLATE)
    assert all(golden_path(name).exists() for name in pages)
    assert len(list(PAGES.glob("*.expected.json"))) == len(pages)


@pytest.mark.parametrize("name", sorted(BOILERPLATE))
def test_text_around_the_article_stays_out_of_the_body(name: str) -> None:
    article = extract_page(name)
    body = " ".join(body_texts(article))
    assert [phrase for phrase in BOILERPLATE[name] if phrase in body] == []
    assert len(body) > 600  # and the article itself is there


@pytest.mark.parametrize("name", sorted(SERVED))
def test_body_keeps_no_presentational_attributes_or_scripts(name: str) -> None:
    html = extract_page(name).body_html
    for marker in (" class=", " style=", " id=", "<script", "<form", "<button", "<iframe"):
        assert marker not in html


# -- the lead image and its credit ------------------------------------------------------------

PARAGRAPHS = "".join(f"<p>{text}</p>" for text in (
    "The harbour master confirmed on Monday that the old lighthouse on Gull Point will be "
    "switched off for good at the end of the month, after 142 years of service.",
    "A modern beacon on the breakwater has guided ships into the estuary since March, and the "
    "lighthouse's lamp has been kept burning only as a courtesy to residents.",
    "The building will pass to the town, which plans to open the lamp room to visitors on "
    "summer weekends once the stairs have been repaired and a handrail fitted.",
    "Residents who want to see the light one last time can gather on the promenade from nine "
    "o'clock on the final evening, when the keeper's grandson will switch it off.",
))
TITLE = "Gull Point lighthouse to go dark after 142 years"


def page(body: str, *, head: str = "", title: str = TITLE) -> bytes:
    """A small article page with navigation and a footer around it."""
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | The Point Packet</title>{head}</head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>
<main><article><h1>{title}</h1>{body}</article></main>
<footer><p>The Point Packet, 2 Quay Street. All rights reserved.</p></footer>
</body></html>""".encode()


def extract(body: str, *, head: str = "", rule: SiteRule | None = None) -> ExtractedArticle:
    return extract_article(page(body, head=head), url="https://pointpacket.example/news/gull-point",
                           rule=rule)


@pytest.mark.parametrize(
    ("caption", "expected_caption", "expected_credit"),
    [
        ("The lamp room in 1931. Photo: Ann Lowe", "The lamp room in 1931.", "Ann Lowe"),
        ("The lamp room in 1931 (Photo: Ann Lowe)", "The lamp room in 1931", "Ann Lowe"),
        ("The lamp room in 1931. © Ann Lowe/Packet", "The lamp room in 1931.", "Ann Lowe/Packet"),
        ("The lamp room | Credit: Harbour Archive", "The lamp room", "Harbour Archive"),
        ("The lamp room. Photograph: Ann Lowe", "The lamp room.", "Ann Lowe"),
        ("The lamp room. Image credit: Ann Lowe", "The lamp room.", "Ann Lowe"),
        ('The lamp room. <span class="credit">Photo: Ann Lowe</span>', "The lamp room.",
         "Ann Lowe"),
        ('The lamp room. <span class="photo-credit">© Ann Lowe</span>', "The lamp room.",
         "Ann Lowe"),
        ('The lamp room. <small class="copyright">Ann Lowe</small>', "The lamp room.", "Ann Lowe"),
        ("The lamp room. <small>Ann Lowe/Point Packet</small>", "The lamp room.",
         "Ann Lowe/Point Packet"),  # the last small print of a caption is its credit
        ("Scaffolding goes up on Monday. (AP Photo/Ann Lowe)", "Scaffolding goes up on Monday.",
         "AP Photo/Ann Lowe"),  # an agency's credit, whole
        ("La salle de la lanterne. Crédit photo : Anne Leroux", "La salle de la lanterne.",
         "Anne Leroux"),
        ("La salle de la lanterne. Photo&nbsp;: Anne Leroux", "La salle de la lanterne.",
         "Anne Leroux"),
        ('غرفة المصباح. <span class="credit">تصوير: سامي</span>', "غرفة المصباح.", "سامي"),
        ("غرفة المصباح. تصوير: سامي", "غرفة المصباح.", "سامي"),
        ("Photo: Ann Lowe", "", "Ann Lowe"),
        # no photographer named: the caption stays whole
        ("The lamp room, photographed in 1931.", "The lamp room, photographed in 1931.", ""),
        ("The winning photo: a heron on the gallery rail.",
         "The winning photo: a heron on the gallery rail.", ""),
    ],
)
def test_caption_and_credit_are_told_apart(caption: str, expected_caption: str,
                                           expected_credit: str) -> None:
    article = extract(f'<figure><img src="/img/lamp.jpg" alt="The lamp">'
                      f"<figcaption>{caption}</figcaption></figure>{PARAGRAPHS}")
    assert (article.image_caption, article.image_credit) == (expected_caption, expected_credit)
    assert article.image_url == "https://pointpacket.example/img/lamp.jpg"


LAMP = "https://pointpacket.example/img/lamp.jpg"
PLACEHOLDER = "data:image/gif;base64,R0lGODlhAQABAAAAACw="


@pytest.mark.parametrize(
    ("figure", "head", "expected_url"),
    [
        ('<figure><img src="/img/lamp.jpg"><figcaption>Lamp</figcaption></figure>', "", LAMP),
        (f'<figure><img src="{PLACEHOLDER}" data-src="/img/lamp.jpg"></figure>', "", LAMP),
        ('<figure><img src="/img/blank.gif" data-lazy-src="/img/lamp.jpg"></figure>', "", LAMP),
        ('<figure><img src="/img/blank.gif" data-original="/img/lamp.jpg"></figure>', "", LAMP),
        ('<figure><amp-img src="/img/lamp.jpg" width="4" height="3"></amp-img></figure>', "", LAMP),
        ('<div class="wp-caption"><img src="/img/lamp.jpg"><p class="wp-caption-text">Lamp</p>'
         "</div>", "", LAMP),
        # og:image names which figure is the lead one
        ('<figure><img src="/img/keeper.jpg"></figure><figure><img src="/img/lamp.jpg"></figure>',
         f'<meta property="og:image" content="{LAMP}">', LAMP),
        # no figure: the page's social image
        ("", f'<meta property="og:image" content="{LAMP}">', LAMP),
        ("", "", ""),
        # og:image names a size of the lead picture, or adds a query
        ('<div class="post-thumbnail"><img src="/img/lamp-1200x800.jpg" class="wp-post-image">'
         '</div><figure><img src="/img/keeper.jpg"></figure>',
         f'<meta property="og:image" content="{LAMP}?w=1200">',
         "https://pointpacket.example/img/lamp-1200x800.jpg"),
        # a picture given only by srcsets, or behind a placeholder src
        ('<figure><picture><source srcset="/img/lamp-800.webp 800w"><img srcset="/img/lamp-800.jpg'
         ' 800w, /img/lamp-1600.jpg 1600w"></picture></figure>', "",
         "https://pointpacket.example/img/lamp-1600.jpg"),
        ('<figure><img src="/static/placeholder-16x9.png" data-lazy-srcset="/img/lamp-1600.jpg '
         '1600w"></figure>', "", "https://pointpacket.example/img/lamp-1600.jpg"),
        # an author's face before the lead figure is no lead picture
        ('<figure class="author-avatar"><img src="/staff/ann-96.jpg" width="96"></figure>'
         '<figure><img src="/img/lamp.jpg"></figure>', "", LAMP),
    ],
)
def test_lead_image_is_the_real_picture(figure: str, head: str, expected_url: str) -> None:
    article = extract(figure + PARAGRAPHS, head=head)
    assert article.image_url == expected_url


def test_a_json_ld_credit_is_only_for_its_own_picture() -> None:
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "image": {"url": '
            f'"{LAMP}", "creditText": "Ann Lowe"}}}}</script>')
    plan = extract('<div class="story-media"><img src="/img/floor-plan.png"></div>' + PARAGRAPHS,
                   head=head)
    assert plan.image_url.endswith("floor-plan.png") and plan.image_credit == ""
    lamp = extract('<div class="story-media"><img src="/img/lamp.jpg"></div>' + PARAGRAPHS,
                   head=head)
    assert lamp.image_credit == "Ann Lowe"


def test_lead_figure_leaves_the_body_with_its_caption() -> None:
    article = extract('<div class="wp-caption"><img src="/img/lamp.jpg" alt="The lamp">'
                      '<p class="wp-caption-text">The lamp in 1931. '
                      '<span class="wp-caption-credit">Photo: Ann Lowe</span></p></div>'
                      + PARAGRAPHS)
    assert (article.image_alt, article.image_caption, article.image_credit) == (
        "The lamp", "The lamp in 1931.", "Ann Lowe")
    assert "1931" not in article.body_html
    assert "lamp.jpg" not in article.body_html


# -- pull quotes --------------------------------------------------------------------------------


def test_pull_quotes_stand_before_the_paragraph_they_preceded() -> None:
    paragraphs = PARAGRAPHS.split("</p>")
    body = (paragraphs[0] + "</p>"
            + '<blockquote class="pull-quote"><p>Switched off for good.</p></blockquote>'
            + paragraphs[1] + "</p>"
            + '<aside class="pullquote">A handrail fitted.</aside>'
            + '<div class="ad-slot">Advertisement</div>'  # the quote's next sibling is no text
            + paragraphs[2] + "</p>" + paragraphs[3] + "</p>"
            + '<div class="pull-quote">From nine o\'clock.</div>')
    article = extract(body)
    assert [(q.text, q.position) for q in article.pull_quotes] == [
        ("Switched off for good.", 1),
        ("A handrail fitted.", 2),
        ("From nine o'clock.", 4),  # after the last block
    ]
    assert "Switched off for good." not in article.body_html
    assert "Advertisement" not in article.body_html


def test_a_site_rule_marks_its_own_pull_quotes_and_body() -> None:
    body = (f'<div class="story-text">{PARAGRAPHS}'
            '<p class="callout">A beacon on the breakwater.</p></div>'
            '<div class="promo-box"><p>Buy our lighthouse calendar, only twelve pounds.</p></div>')
    rule = SiteRule(body=".story-text", pull_quote="p.callout")
    article = extract(body, rule=rule)
    assert [(q.text, q.position) for q in article.pull_quotes] == [
        ("A beacon on the breakwater.", 4)]
    assert len(body_texts(article)) == 4
    assert "calendar" not in article.body_html
    assert "body: site rule '.story-text'" in article.notes


def test_a_site_rule_that_matches_nothing_falls_back_to_the_generic_extractor() -> None:
    article = extract(PARAGRAPHS, rule=SiteRule(body=".no-such-container"))
    assert len(body_texts(article)) == 4
    assert "body: trafilatura" in article.notes


# -- metadata -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<meta property="og:title" content="Lighthouse to go dark">', "Lighthouse to go dark"),
        ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": '
         '"Lighthouse &amp; lamp"}</script>', "Lighthouse & lamp"),
        ("", TITLE),  # the h1
    ],
)
def test_title_prefers_og_then_json_ld_then_h1(head: str, expected: str) -> None:
    assert extract(PARAGRAPHS, head=head).title == expected


def test_a_title_loses_the_site_name_even_when_the_page_does_not_name_its_site() -> None:
    head = f'<meta property="og:title" content="{TITLE} | The Point Packet">'
    assert extract(PARAGRAPHS, head=head).title == TITLE  # the h1 says where the name starts


def test_title_falls_back_to_the_title_element() -> None:
    html = page(PARAGRAPHS).replace(f"<h1>{TITLE}</h1>".encode(), b"")
    article = extract_article(html, url="https://pointpacket.example/a")
    assert article.title == f"{TITLE} | The Point Packet"


@pytest.mark.parametrize(
    ("head", "body_prefix", "expected"),
    [
        ('<meta name="author" content="Ann Lowe">', "", "Ann Lowe"),
        # a profile address is no name to credit: the byline on the page is
        ('<meta property="article:author" content="https://social.example/annlowe">',
         '<p class="byline">By <a rel="author" href="/staff/ann">Ann Lowe</a></p>', "Ann Lowe"),
        ('<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
         '{"@type": "WebPage"}, {"@type": "BlogPosting", "author": [{"name": "Ann Lowe"}, '
         '{"name": "Bo Tran"}]}]}</script>', "", "Ann Lowe, Bo Tran"),
        ("", '<div class="meta"><span class="author">Ann  Lowe</span></div>', "Ann Lowe"),
        ("", "", ""),
        # the publisher and its desk are no author
        ('<meta property="og:site_name" content="Point Packet">'
         '<meta name="author" content="The Point Packet">', "", ""),
        ('<meta property="og:site_name" content="Point Packet"><script type="application/ld+json">'
         '{"@type": "NewsArticle", "author": {"@type": "Organization", "name": "Point Packet '
         'Staff"}}</script>', "", ""),
        ("", "<p>BY ANN LOWE AND BO TRAN, Harbour Correspondents</p>", "Ann Lowe, Bo Tran"),
    ],
)
def test_author(head: str, body_prefix: str, expected: str) -> None:
    article = extract(body_prefix + PARAGRAPHS, head=head)
    assert article.author == expected
    assert body_texts(article)[0].startswith("The harbour master")  # the byline left the body


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<meta property="article:published_time" content="2025-06-04T06:15:00Z">',
         datetime(2025, 6, 4, 6, 15, tzinfo=UTC)),
        ('<meta property="article:published_time" content="2025-06-04T08:15:00+02:00">',
         datetime(2025, 6, 4, 6, 15, tzinfo=UTC)),
        ('<meta property="article:published_time" content="2025-06-04T08:15:00+0200">',
         datetime(2025, 6, 4, 6, 15, tzinfo=UTC)),
        ('<meta name="date" content="2025-06-04">', datetime(2025, 6, 4, tzinfo=UTC)),
        ('<script type="application/ld+json">{"@type": "Article", '
         '"datePublished": "Wed, 04 Jun 2025 06:15:00 GMT"}</script>',
         datetime(2025, 6, 4, 6, 15, tzinfo=UTC)),
        ('<meta property="article:published_time" content="last Tuesday">', None),
        ("", None),
    ],
)
def test_published_is_aware_utc(head: str, expected: datetime | None) -> None:
    published = extract(PARAGRAPHS, head=head).published
    assert published == expected
    assert published is None or published.tzinfo is UTC


def test_published_falls_back_to_a_time_element() -> None:
    body = '<p class="meta"><time datetime="2025-06-04T06:15:00Z">4 June</time></p>' + PARAGRAPHS
    assert extract(body).published == datetime(2025, 6, 4, 6, 15, tzinfo=UTC)


def test_published_is_not_the_update_time_whatever_marks_it() -> None:
    body = ('<p><span class="label">Last updated</span> <time datetime="2025-06-05T16:40:00Z">'
            '5 June</time></p><p><span class="label">First published</span> '
            '<time datetime="2025-06-04T08:00:00Z">4 June</time></p>') + PARAGRAPHS
    assert extract(body).published == datetime(2025, 6, 4, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("written", [
    "Publié le 4 juin 2025, mis à jour le 5 juin 2025",  # the first date, not the update's
    "Veröffentlicht am 4. Juni 2025", "Опубликовано 4 июня 2025", "نشر في 4 يونيو 2025",
    "Pubblicato il 4 giugno 2025", "Publicado em 4 de junho de 2025",
])
def test_published_written_in_words_in_other_languages(written: str) -> None:
    assert extract(f'<p class="dateline">{written}</p>' + PARAGRAPHS).published == datetime(
        2025, 6, 4, tzinfo=UTC)


@pytest.mark.parametrize(("lang", "expected"), [("en-US", datetime(2025, 6, 4, tzinfo=UTC)),
                                                ("en-GB", datetime(2025, 4, 6, tzinfo=UTC))])
def test_a_numeric_date_is_read_in_the_page_s_own_order(lang: str, expected: datetime) -> None:
    html = page('<p class="dateline">Published 06/04/2025</p>' + PARAGRAPHS).replace(
        b'<html lang="en">', f'<html lang="{lang}">'.encode())
    assert extract_article(html, url="https://pointpacket.example/a").published == expected


def test_published_is_the_article_s_date_not_the_masthead_s_today() -> None:
    html = page('<p class="dateline">4 June 2025</p>' + PARAGRAPHS).replace(
        b"<header>", b'<header><span class="today">Wednesday, 11 June 2025</span>')
    article = extract_article(html, url="https://pointpacket.example/a")
    assert article.published == datetime(2025, 6, 4, tzinfo=UTC)


def test_published_with_a_dotted_september() -> None:
    assert extract('<p class="dateline">Published Sept. 4, 2025</p>' + PARAGRAPHS
                   ).published == datetime(2025, 9, 4, tzinfo=UTC)


@pytest.mark.parametrize(
    ("head", "url", "expected"),
    [
        ('<link rel="canonical" href="/news/gull-point">', "https://pointpacket.example/amp/x?a=1",
         "https://pointpacket.example/news/gull-point"),
        ('<meta property="og:url" content="https://pointpacket.example/n/1">',
         "https://pointpacket.example/amp/x", "https://pointpacket.example/n/1"),
        ("", "https://pointpacket.example/n/1?utm_source=rss",
         "https://pointpacket.example/n/1?utm_source=rss"),  # the clean stage strips it
    ],
)
def test_url_is_the_canonical_address(head: str, url: str, expected: str) -> None:
    assert extract_article(page(PARAGRAPHS, head=head), url=url).url == expected


def test_a_page_in_a_declared_legacy_encoding() -> None:
    html = page(PARAGRAPHS.replace("summer", "été"), title="Le phare s’éteint")
    content = html.decode().replace("’", "'").encode("windows-1252")
    article = extract_article(content, url="https://pointpacket.example/a", encoding="cp1252")
    assert article.title == "Le phare s'éteint"
    assert "été weekends" in article.body_html


def test_a_page_that_names_no_charset_is_read_as_utf8_when_it_is() -> None:
    html = page(PARAGRAPHS.replace("summer", "été"), title="Αθήνα: το φεστιβάλ επιστρέφει")
    content = html.replace(b'<meta charset="utf-8">', b"")
    article = extract_article(content, url="https://pointpacket.example/a", encoding=None)
    assert article.title == "Αθήνα: το φεστιβάλ επιστρέφει"
    assert "été weekends" in article.body_html
    latin = page(PARAGRAPHS.replace("summer", "été"), title="Le phare").decode().replace(
        '<meta charset="utf-8">', "").encode("latin-1")  # no UTF-8: libxml2's guess stands
    assert "été weekends" in extract_article(latin, url="https://pointpacket.example/a").body_html


@pytest.mark.parametrize("declared", ["iso-8859-1", None])
def test_windows_1252_quotes_labelled_latin1_or_unlabelled_read_as_quotes(declared: str | None
                                                                          ) -> None:
    head = f'<meta http-equiv="Content-Type" content="text/html; charset={declared}">'
    text = page(PARAGRAPHS.replace("harbour master's", "harbour master’s"),
                title="The “last” night").decode().replace('<meta charset="utf-8">',
                                                           head if declared else "")
    article = extract_article(text.encode("cp1252"), url="https://pointpacket.example/a")
    assert article.title == "The “last” night"
    assert "\x92" not in article.body_html and "\x93" not in article.title


# -- pages that cannot be republished -----------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"   ",
        page("<p>Too short to republish.</p>"),
        page("<nav>" + PARAGRAPHS + "</nav><p>Only the menu says anything.</p>"),
    ],
)
def test_a_page_without_enough_text_is_refused(content: bytes) -> None:
    with pytest.raises(ExtractError):
        extract_article(content, url="https://pointpacket.example/a")


def test_buttons_and_sign_up_links_inside_the_text_cost_no_text() -> None:
    figure = ('<figure class="lead"><img src="/img/lamp-1200.jpg"><button class="expand">Enlarge'
              "</button><figcaption>The lamp room in 1931. Photo: Ann Lowe</figcaption></figure>")
    table = ("<table><thead><tr><th><button type='button'>Year</button></th><th><button>Ships"
             "</button></th></tr></thead><tbody><tr><td>1931</td><td>412</td></tr>"
             "<tr><td>2024</td><td>37</td></tr></tbody></table>")
    alerts = ("<p>Boat owners who want to hear when the beacon changes can sign up for text "
              'alerts through the <a href="https://harbour.example/alerts/signup">harbour '
              "office's alert service</a>.</p>")
    plug = ('<div class="plug"><p>The Packet newsletter brings you the week\'s news.</p>'
            '<form action="/subscribe"><input type="email"><button>Sign up</button></form></div>')
    article = extract(figure + PARAGRAPHS + table + alerts + plug)
    assert article.image_url.endswith("/img/lamp-1200.jpg")
    assert (article.image_caption, article.image_credit) == ("The lamp room in 1931.", "Ann Lowe")
    assert "<table>" in article.body_html and "2024" in article.body_html
    assert "alert service" in article.body_html
    assert "newsletter brings" not in article.body_html  # a box set apart, with a form


def test_what_the_page_shows_around_the_text_stays_out_and_the_text_stays_in() -> None:
    lede = ('<p class="lede">The harbour master said on Monday that the lighthouse goes dark at '
            "the end of the month.</p>")
    quote = "The light kept us all safe for a century."
    aside = '<aside class="pull-quote pull-quote--{}"><p>' + quote + "</p></aside>"
    tweet = ('<amp-twitter data-tweetid="1"><blockquote placeholder><p>Last night at the lamp!'
             "</p></blockquote></amp-twitter>")
    ad = ('<div class="mid-article-slot"><p class="slot-label">Advertisement</p></div>'
          '<p class="continue-label">Story continues below advertisement</p>')
    article = extract(lede + PARAGRAPHS[:400] + aside.format("desktop") + tweet + ad
                      + PARAGRAPHS[400:] + aside.format("mobile"))
    assert body_texts(article)[0].startswith("The harbour master said on Monday")  # the text
    assert "Last night at the lamp" not in article.body_html
    assert "dvertisement" not in article.body_html
    assert [q.text for q in article.pull_quotes] == [quote]  # printed twice, quoted once


def test_footnotes_keep_their_markers_and_their_notes() -> None:
    first, rest = PARAGRAPHS.split("</p>", 1)
    marked = first.replace("years of service.", 'years of service.<sup id="r1"><a href="#fn1">'
                           "1</a></sup>")
    notes = ('<h2>Notes</h2><p id="fn1">1. <a href="https://www.heritage.example/awards/114">'
             "Heritage Fund, grant notice 114</a>, March 2025.</p>")
    article = extract(marked + "</p>" + rest + notes)
    assert "142 years of service.[1]</p>" in article.body_html  # not a link to the home page
    assert "Heritage Fund, grant notice 114" in article.body_html  # the note is no teaser


def test_lists_keep_their_numbers_and_terms_through_the_extractor() -> None:
    lists = ('<ol start="4"><li>Fourth, the lamp room, where the great lens turned every night '
             "for a century.</li><li>Fifth, the gallery that circles the lantern, open to "
             "visitors on summer weekends.</li></ol><dl><dt>Height of the tower</dt><dd>Thirty-one"
             " metres from the rock to the weather vane.</dd><dt>First lit</dt><dd>On the first "
             "night of October 1883, by keeper Tomas Hale.</dd></dl>")
    first, rest = PARAGRAPHS.split("</p>", 1)
    body = "".join(extract(first + "</p>" + lists + rest).body_html.split())
    assert '<olstart="4"><li>Fourth,thelamproom,' in body
    assert "<dl><dt>Heightofthetower</dt><dd>Thirty-one" in body


def test_an_article_in_several_pages_says_only_the_first_is_taken() -> None:
    pager = '<div class="pagination"><span>Page 1 of 2</span> <a href="?page=2">Next</a></div>'
    assert any("further pages" in note for note in extract(PARAGRAPHS + pager).notes)
    assert not any("further pages" in note for note in extract(PARAGRAPHS).notes)


def test_a_related_label_goes_with_its_list_of_links() -> None:
    related = ('<p><strong>Related</strong></p><ul><li><a href="/n/2">Ferry fares rise</a></li>'
               '<li><a href="/n/3">New pier opens</a></li></ul>')
    facts = "<h3>Related</h3><ul><li>The lamp was lit in 1883.</li><li>It is 31 m tall.</li></ul>"
    article = extract(PARAGRAPHS[:400] + related + PARAGRAPHS[400:] + facts)
    texts = body_texts(article)
    assert "Related" not in texts and "Ferry fares rise" not in article.body_html
    assert "The lamp was lit in 1883." in article.body_html  # a list of text stays, label too


def test_a_body_recovered_from_json_ld_reads_as_text_not_markup() -> None:
    body = "".join(f"<p>Paragraph {n}: the lamp room&#8217;s lens was cleaned by hand every "
                   "morning for a century, the keepers\u2019 log says.</p>" for n in range(12))
    head = ('<script type="application/ld+json">'
            + json.dumps({"@type": "NewsArticle", "headline": TITLE, "articleBody": body})
            + "</script>")
    article = extract("<p>Loading…</p><div id='app'></div>", head=head)  # a script fills it
    texts = body_texts(article)
    assert len(texts) == 12 and "&lt;p&gt;" not in article.body_html
    assert texts[0].startswith("Paragraph 0: the lamp room’s lens")


# -- the feed fallback --------------------------------------------------------------------------


def test_feed_excerpt_from_plain_text_summary() -> None:
    item = FeedItem(
        guid="1", link="https://pointpacket.example/n/1", title="Lighthouse to go dark",
        summary_html="The lamp goes out on Friday.\n\nCrowds are expected & welcome.",
        author="Ann Lowe", published=datetime(2025, 6, 4, tzinfo=UTC),
        image_url="https://pointpacket.example/img/lamp.jpg",
    )
    article = article_from_feed_item(item, reason="page timed out")
    assert body_texts(article) == ["The lamp goes out on Friday.",
                                   "Crowds are expected & welcome."]
    assert "&amp;" in article.body_html  # still HTML
    assert article.is_excerpt
    assert (article.url, article.title, article.author, article.image_url) == (
        item.link, item.title, item.author, item.image_url)
    assert article.notes == ("body: feed summary", "page not used: page timed out")


def test_feed_excerpt_prefers_content_and_keeps_its_structure() -> None:
    item = FeedItem(
        guid="1", link="https://pointpacket.example/n/1", title="Lighthouse to go dark",
        summary_html="<p>The lamp goes out.</p>",
        content_html="Intro text<h2>When</h2><ul><li>Friday</li></ul><div><p>Nine o'clock.</p>"
                     "</div><span>Loose</span>",
    )
    article = article_from_feed_item(item)
    assert body_texts(article) == ["Intro text", "[h2] When", "[ul] Friday", "Nine o'clock.",
                                   "Loose"]
    assert article.summary == "The lamp goes out."
    assert article.notes == ("body: feed content",)


def test_feed_excerpt_summary_is_text_without_script_source() -> None:
    item = FeedItem(guid="1", link="https://pointpacket.example/n/1", title="Lamp",
                    summary_html="<script>window.t = 'beacon';</script><style>p{color:red}</style>"
                                 "<p>The lamp goes <b>out</b> on Friday.</p>")
    assert article_from_feed_item(item).summary == "The lamp goes out on Friday."


def test_a_list_that_goes_on_from_another_keeps_its_first_number() -> None:
    item = FeedItem(guid="1", link="https://pointpacket.example/n/1", title="Top ten",
                    content_html='<ol start="4" class="x"><li>Fourth</li><li>Fifth</li></ol>')
    expected = '<ol start="4"><li>Fourth</li><li>Fifth</li></ol>'
    assert article_from_feed_item(item).body_html == expected


def test_feed_excerpt_leaves_out_the_footer_a_publishing_system_adds() -> None:
    footer = ('<p>The post <a href="https://pointpacket.example/n/1">Lamp to go dark</a> '
              'appeared first on <a href="https://pointpacket.example">Point Packet</a>.</p>')
    item = FeedItem(guid="1", link="https://pointpacket.example/n/1", title="Lamp to go dark",
                    summary_html="<p>The lamp goes out on Friday.</p>" + footer,
                    content_html="<p>The lamp goes out on Friday.</p><p>Crowds are expected.</p>"
                                 '<p><a href="https://pointpacket.example/n/1">Continue reading '
                                 "Lamp to go dark</a></p>" + footer)
    article = article_from_feed_item(item)
    assert body_texts(article) == ["The lamp goes out on Friday.", "Crowds are expected."]
    assert article.summary == "The lamp goes out on Friday."


def test_feed_excerpt_shows_its_lead_picture_once_and_keeps_the_others() -> None:
    lead = "https://pointpacket.example/img/lamp.jpg"
    item = FeedItem(
        guid="1", link="https://pointpacket.example/n/1", title="Lamp",
        content_html=('<p><img src="/img/lamp.jpg" class="wp-post-image" alt="The lamp room"></p>'
                      "<p>The lamp goes out on Friday.</p>"
                      '<img src="/img/crowd.jpg" alt="Crowd"><p>Crowds are expected.</p>'
                      '<div class="separator"><a href="/img/pier-big.jpg">'
                      '<img src="/img/pier.jpg"></a></div>'),
        image_url=lead)
    article = article_from_feed_item(item)
    assert "lamp.jpg" not in article.body_html  # the page shows it above the text
    assert article.image_alt == "The lamp room"
    assert "crowd.jpg" in article.body_html and "pier.jpg" in article.body_html
    assert body_texts(article)[0] == "The lamp goes out on Friday."


# -- damaged pages --------------------------------------------------------------------------------

PAGE_DAMAGE = (
    b"\x00", b"\x01", b"&#1;", b"&#xD800;", b"<", b">", b"&", b"\xff\xfe", b"\xc3",
    b"<a href='http://[x/'>x</a>", b"<img src='http://[y/' data-src='http://[z/'>",
    b'<link rel="canonical" href="http://[c/">', b'<meta property="og:image" content="http://[i/">',
    b'<meta property="og:url" content="' + b"u" * 3000 + b'">', b'<html lang="' + b"l" * 50 + b'">',
    b'<script type="application/ld+json">{"@type":"NewsArticle","author":5,"datePublished":[1],'
    b'"image":{"url":null},"articleBody":7}</script>',
    b'<script type="application/ld+json">[[[{]]</script>', b'<meta name="author" content="\x01">',
    b"<blockquote class='pullquote'></blockquote>",
    b"<figure><img src='a.jpg'><figcaption>&#2;</figcaption></figure>",
    b"<time datetime='9999-99-99'>", b'<meta property="article:published_time" content="-1">',
)


def test_a_damaged_page_gives_an_article_or_the_feeds_excerpt_never_a_crash() -> None:
    """Whatever a page holds, the item goes through: from the page when it can be read, else
    from the feed (an ExtractError says why)."""
    from newsdesk.ingest.pipeline import SourceConfig, process_item
    from newsdesk.ingest.types import FetchResult

    pages = [path.read_bytes() for path in sorted(PAGES.glob("*.html"))]
    config = SourceConfig(feed_url="https://a.example/feed", full_text=True)
    item = FeedItem(guid="g", link="https://a.example/story", title="A story",
                    summary_html="<p>What the feed says.</p>")
    rng = random.Random(20251128)  # noqa: S311 - a fixed seed, for repeatable damage
    from_page = 0
    for _ in range(300):
        page = FetchResult(url="https://a.example/story", status=200,
                           content=damaged(rng, rng.choice(pages), PAGE_DAMAGE),
                           content_type="text/html",
                           encoding=rng.choice([None, "utf-8", "no-such-charset"]))
        processed = process_item(item, config, fetch_page=lambda url, page=page: page)
        assert processed.article.title
        from_page += not processed.article.is_excerpt
    assert from_page > 200  # most damage leaves a page to read


def test_a_tables_caption_stays_with_it() -> None:
    paragraphs = PARAGRAPHS.split("</p>")
    table = ('<figure class="wp-block-table"><table><thead><tr><th>Year</th><th>Ships</th></tr>'
             "</thead><tbody><tr><td>1931</td><td>412</td></tr><tr><td>2024</td><td>37</td></tr>"
             "</tbody></table><figcaption class=\"wp-element-caption\">Ships guided past the "
             "point each winter.</figcaption></figure>")
    captioned = ("<table><caption>Keepers of the light since 1882</caption><tr><th>Keeper</th>"
                 "<th>Years</th></tr><tr><td>Tom Hale</td><td>31</td></tr></table>")
    article = extract("</p>".join(paragraphs[:2]) + "</p>" + table + captioned
                      + "</p>".join(paragraphs[2:]))
    body = lxml.html.fragment_fromstring(article.body_html, create_parent="div")
    captions = [" ".join(t.find("caption").text_content().split()) for t in body.iter("table")
                if t.find("caption") is not None]
    assert captions == ["Ships guided past the point each winter.",
                        "Keepers of the light since 1882"]


def test_a_boxed_note_among_the_paragraphs_is_kept() -> None:
    paragraphs = PARAGRAPHS.split("</p>")
    callout = ('<div class="kg-card kg-callout-card kg-callout-card-blue">'
               '<div class="kg-callout-emoji">💡</div><div class="kg-callout-text">Visitors can '
               "book a last tour of the lamp room at the harbour office until Friday.</div></div>")
    article = extract("</p>".join(paragraphs[:2]) + "</p>" + callout
                      + "</p>".join(paragraphs[2:]))
    texts = body_texts(article)
    note = "💡 Visitors can book a last tour of the lamp room at the harbour office until Friday."
    assert note in texts
    assert texts.index(note) == 2  # where it stood, after the first two paragraphs
    assert "text boxes: 1 among the paragraphs read as paragraphs" in article.notes


def test_a_box_about_the_article_among_its_paragraphs_stays_out() -> None:
    paragraphs = PARAGRAPHS.split("</p>")
    meta = ('<div class="entry-meta"><span>Published 20 November 2026</span> <span>Updated 21 '
            "November 2026 at 10:45</span></div>")
    bio = ('<div class="author-bio">Ann Lowe is the Packet\'s harbour reporter and has covered '
           "the coast for twelve years.</div>")
    texts = body_texts(extract("</p>".join(paragraphs[:2]) + "</p>" + meta
                               + "</p>".join(paragraphs[2:]) + bio))
    assert not any("Published" in text or "harbour reporter" in text for text in texts), texts
