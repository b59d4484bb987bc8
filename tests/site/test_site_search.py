"""Search: the same answers from SQLite's FTS5 and PostgreSQL's full-text search, and no query
a reader can type makes it fail. Runs on whichever database DATABASE_URL names."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import lxml.html
import pytest
from django.db import connection
from django.test import Client
from tests.site.factories import processed, published_article, publisher

from newsdesk.articles.models import Article, Status
from newsdesk.articles.services import article_store
from newsdesk.site.search import Term, marked_html, search_engine, search_parse

pytestmark = pytest.mark.django_db

FERRY = ["The harbour authority in Piraeus said ferry crews would return on Monday.",
         "Fishermen on the quay said the lighthouse keeper had warned of storms."]
BUDGET = ["The council approved a museum budget after a long night of debate.",
          "Critics said the orchard subsidy was left out of the budget."]
VOTE = ["Voters in Nairobi queued before dawn at schools turned polling stations.",
        "Observers said the ferry between the islands carried ballot boxes."]


@pytest.fixture
def stories() -> dict[str, Article]:
    gazette = publisher()
    post = publisher(name="Aegean Post", domain="aegeanpost.example")
    return {
        "ferry": published_article(post, title="Ferry crews return to Piraeus", paragraphs=FERRY,
                                   countries=["GR"], published=datetime(2025, 3, 3, tzinfo=UTC)),
        "budget": published_article(gazette, title="Museum budget approved", paragraphs=BUDGET,
                                    countries=["GB"], published=datetime(2025, 4, 9, tzinfo=UTC)),
        "vote": published_article(gazette, title="Kenya votes", paragraphs=VOTE, countries=["KE"],
                                  published=datetime(2025, 5, 20, tzinfo=UTC)),
    }


def results(client: Client, query: str) -> list[str]:
    response = client.get("/search", {"q": query} if isinstance(query, str) else query)
    assert response.status_code == 200
    doc = lxml.html.fromstring(response.content)
    return [" ".join(a.text_content().split()) for a in doc.xpath("//ol[@class='results']//h2/a")]


def test_the_engine_follows_the_database() -> None:
    expected = {"sqlite": "sqlite-fts5", "postgresql": "postgresql-fts"}[connection.vendor]
    assert search_engine() == expected


def test_a_word_from_the_body_finds_its_article_with_the_word_marked(
    client: Client, stories: dict[str, Article],
) -> None:
    response = client.get("/search", {"q": "lighthouse"})

    doc = lxml.html.fromstring(response.content)
    assert [a.text_content() for a in doc.xpath("//ol[@class='results']//h2/a")] == [
        "Ferry crews return to Piraeus"]
    [snippet] = doc.xpath("//p[@class='snippet']")
    assert [m.text for m in snippet.iter("mark")] == ["lighthouse"]
    assert "keeper had warned of storms" in snippet.text_content()
    assert "1 article for “lighthouse”" in response.content.decode()


def test_a_title_match_ranks_above_a_body_match_and_stems_match(
    client: Client, stories: dict[str, Article],
) -> None:
    assert results(client, "ferry") == ["Ferry crews return to Piraeus", "Kenya votes"]
    assert results(client, "votes") == ["Kenya votes"]
    assert results(client, "voting") == ["Kenya votes"]  # one stem, whichever the engine
    response = client.get("/search", {"q": "ferry"})
    title = lxml.html.fromstring(response.content).xpath("//ol[@class='results']//h2/a")[0]
    assert [m.text for m in title.iter("mark")] == ["Ferry"]


@pytest.mark.parametrize(("query", "expected"), [
    ('"ferry crews"', ["Ferry crews return to Piraeus"]),
    ('"crews ferry"', []),
    ("ferry -ballot", ["Ferry crews return to Piraeus"]),
    ("ferry NOT ballot", ["Ferry crews return to Piraeus"]),
    ("museum OR lighthouse", ["Museum budget approved", "Ferry crews return to Piraeus"]),
    ("museum | lighthouse", ["Museum budget approved", "Ferry crews return to Piraeus"]),
    ("budget AND orchard", ["Museum budget approved"]),
    ("lightho*", ["Ferry crews return to Piraeus"]),
    ("FERRY Crews", ["Ferry crews return to Piraeus"]),
    ("nairobi, ballot!", ["Kenya votes"]),
])
def test_query_syntax(client: Client, stories: dict[str, Article], query: str,
                      expected: list[str]) -> None:
    assert sorted(results(client, query)) == sorted(expected)


NASTY = [
    '"', '""', '"""', "'", "''", "\\", "\\\"", "*", "**", "-", "--", "- -", "^", ":", "::",
    "(", ")", "()", "((ferry", "ferry))", "[ferry]", "{ferry}", "AND", "OR", "NOT", "NEAR",
    "ferry AND", "OR ferry", "NOT ferry", "ferry NOT", "ferry OR OR lighthouse",
    "NEAR(ferry lighthouse)", "NEAR(ferry lighthouse, 5)", "ferry NEAR lighthouse",
    "title:ferry", "body:ferry", "{title}: ferry", "ferry:*", "^ferry", "ferry^2", "ferry~",
    "ferry*:", "'ferry' & 'lighthouse'", "ferry & !lighthouse", "ferry <-> crews", "ferry <2> x",
    "!!", "&", "|", "| ferry", "-ferry", "-\"ferry crews\"", "\"unclosed phrase", "a*", "*ferry",
    "%", "%%", "_", "__", "ferry_crews", "ferry%", "%s", "%(q)s", "?", "$1", "\x00", "ferry\x00",
    "\x01\x02\x03", "\t\n\r", "   ", "NULL", "null", "; DROP TABLE articles_article; --",
    "' OR 1=1 --", "<script>alert(1)</script>", "&lt;mark&gt;", "<mark>ferry</mark>",
    "ｆｅｒｒｙ", "Φέρι", "渡轮", "паром", "عبّارة", "café", "Ferry\u0301", "\u200bferry",
    "🚢", "🚢 ferry", "ﬁsherman", "İstanbul", "ß", "\ufeff", "\ud7ff", "ferry" * 200,
    "x" * 1000, ("ferry \" ( ) * ^ : - NEAR OR AND NOT " * 40)[:1000],
    "".join(chr(c) for c in range(33, 127)) * 10, "lighthouse " * 100,
    " ".join(f"w{n}" for n in range(300)),
]


@pytest.mark.parametrize("query", NASTY, ids=range(len(NASTY)))
def test_no_query_makes_search_fail(client: Client, stories: dict[str, Article],
                                    query: str) -> None:
    response = client.get("/search?q=" + quote(query, safe=""))

    assert response.status_code == 200
    body = response.content.decode()
    assert ('class="results"' in body) or ("No articles match" in body) or (
        "Search every article" in body)


def test_a_nul_character_in_the_query_string_is_harmless(
    client: Client, stories: dict[str, Article],
) -> None:
    response = client.get("/search?q=ferry%00lighthouse%00")
    assert response.status_code == 200


def test_filters_narrow_by_region_country_source_and_date(
    client: Client, stories: dict[str, Article],
) -> None:
    gazette = stories["budget"].source
    assert gazette is not None
    assert results(client, {"q": "ferry", "region": "africa"}) == ["Kenya votes"]
    assert results(client, {"q": "ferry", "country": "GR"}) == ["Ferry crews return to Piraeus"]
    assert results(client, {"q": "ferry", "source": gazette.id}) == ["Kenya votes"]
    assert results(client, {"q": "ferry", "date_from": "2025-05-01"}) == ["Kenya votes"]
    assert results(client, {"q": "ferry", "date_to": "2025-03-03"}) == [
        "Ferry crews return to Piraeus"]
    assert sorted(results(client, {"q": "", "date_from": "2025-04-01"})) == [
        "Kenya votes", "Museum budget approved"]


def test_a_bad_filter_is_reported_next_to_its_field_and_left_out(
    client: Client, stories: dict[str, Article],
) -> None:
    response = client.get("/search", {"q": "lighthouse", "date_from": "last tuesday",
                                      "country": "ZZ"})

    doc = lxml.html.fromstring(response.content)
    assert response.status_code == 200
    for name in ("date_from", "country"):
        [field] = doc.xpath(f"//div[@class='field'][.//*[@name='{name}']]")
        assert field.xpath(".//ul[contains(@class,'errorlist')]"), name
    assert doc.xpath("//details[@class='filters']/@open")
    assert [a.text_content() for a in doc.xpath("//ol[@class='results']//h2/a")] == [
        "Ferry crews return to Piraeus"]


def test_no_result_page_says_so(client: Client, stories: dict[str, Article]) -> None:
    response = client.get("/search", {"q": "zeppelin"})

    assert response.status_code == 200
    doc = lxml.html.fromstring(response.content)
    assert not doc.xpath("//ol[@class='results']")
    assert "No articles match “zeppelin”." in " ".join(doc.text_content().split())


@pytest.mark.parametrize("query", ["🚢", "\"", "*", "-", "'"])
def test_text_without_a_word_finds_nothing_and_the_page_says_so(
    client: Client, stories: dict[str, Article], query: str,
) -> None:
    """It answered with the page shown before a search, as if the reader had typed nothing."""
    response = client.get("/search", {"q": f" {query} "})

    doc = lxml.html.fromstring(response.content)
    assert [p.text_content() for p in doc.xpath("//p[@class='result-count']")] == [
        f"No articles match “{query}”."]
    assert doc.xpath("//title")[0].text_content().startswith(f"“{query}” · Search")


@pytest.mark.parametrize("query", ["the", "a", "The and of", "-the"])
def test_a_query_of_common_words_only_finds_nothing_and_says_why(
    client: Client, stories: dict[str, Article], query: str,
) -> None:
    """On SQLite "a" listed every article ("3 articles for “a”"); PostgreSQL found none."""
    doc = lxml.html.fromstring(client.get("/search", {"q": query}).content)

    assert [p.text_content() for p in doc.xpath("//p[@class='result-count']")] == [
        f"No articles match “{query}”."]
    note = " ".join(doc.xpath("string(//p[@class='search-note'])").split())
    assert note.startswith("Common words such as “") and "are left out of searches" in note


def test_common_words_beside_others_are_left_out(client: Client,
                                                 stories: dict[str, Article]) -> None:
    assert results(client, "the museum") == ["Museum budget approved"]
    assert results(client, '"budget after a long night"') == ["Museum budget approved"]


def test_a_refused_filter_is_not_blamed_for_no_results(
    client: Client, stories: dict[str, Article],
) -> None:
    """'No articles match “zeppelin” with these filters.' when the only filter, 'yesterday' for
    a date, had been refused and left out."""
    response = client.get("/search", {"q": "zeppelin", "date_from": "yesterday"})

    doc = lxml.html.fromstring(response.content)
    assert [p.text_content() for p in doc.xpath("//p[@class='result-count']")] == [
        "No articles match “zeppelin”."]
    filtered = client.get("/search", {"q": "zeppelin", "region": "africa"})
    assert "No articles match “zeppelin” with these filters." in filtered.content.decode()


def test_only_published_articles_are_found(client: Client, stories: dict[str, Article]) -> None:
    Article.objects.filter(id=stories["ferry"].id).update(status=Status.REVIEW)

    assert results(client, "lighthouse") == []


def test_an_edited_article_is_found_by_its_new_words_only(
    client: Client, stories: dict[str, Article],
) -> None:
    story = stories["budget"]
    edited = processed(title="Museum budget approved",
                       paragraphs=["A zeppelin museum will open in the old harbour."],
                       countries=["GB"])
    edited = type(edited)(item=edited.item, article=edited.article, enrichment=edited.enrichment,
                          identity=type(edited.identity)(guid=story.guid, url=story.original_url,
                                                         fingerprint="edited", feed_hash="edited"))
    assert story.source is not None

    assert article_store(source=story.source, processed=edited).counter == "updated"

    assert results(client, "zeppelin") == ["Museum budget approved"]
    assert results(client, "orchard") == []


def test_a_deleted_article_leaves_the_index(stories: dict[str, Article]) -> None:
    table_key = "rowid" if connection.vendor == "sqlite" else "article_id"
    stories["vote"].delete()

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM articles_search WHERE {table_key} = %s",  # noqa: S608
                       [stories["vote"].id or 0])
        assert cursor.fetchone() == (0,)


def test_markup_in_articles_is_escaped_in_snippets(client: Client) -> None:
    published_article(title="<b>Bold</b> claims about the harbour",
                      paragraphs=["The <script>alert('harbour')</script> tag is quoted text here."])

    response = client.get("/search", {"q": "harbour"})

    body = response.content.decode()
    assert "<script>alert" not in body
    assert "<b>Bold</b>" not in body
    assert "&lt;b&gt;Bold&lt;/b&gt;" in body


def test_parse_keeps_words_phrases_and_operators_only() -> None:
    parsed = search_parse('ferry "crews return" OR quay -storm light* x* (title:^)')

    assert parsed.groups == (
        (Term(("ferry",)),),
        (Term(("crews", "return")), Term(("quay",))),
        (Term(("light",), prefix=True),),
        (Term(("x",)),),
        (Term(("title",)),),
    )
    assert parsed.excluded == (Term(("storm",)),)
    assert not search_parse('"" * - ^ : ( ) NOT OR AND')
    assert len([t for g in search_parse("w " * 500).groups for t in g]) == 16


def test_marks_from_the_engine_become_balanced_escaped_html() -> None:
    assert marked_html("a \x02<b>\x03 c") == "a <mark>&lt;b&gt;</mark> c"
    assert marked_html("\x03stray \x02open") == "stray <mark>open</mark>"
