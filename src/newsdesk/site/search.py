"""Full-text search over articles' titles and bodies: one interface, one engine per database.

A reader's query is parsed here into a small, safe structure (words, "quoted phrases", prefix*,
OR, -excluded or NOT excluded; every other character separates words), then compiled for the
database in use: an FTS5 MATCH expression on SQLite, a to_tsquery expression on PostgreSQL. The
reader's text never reaches either query language as written, so no input can make it fail.
The index itself is kept in sync by triggers (articles/migrations/0002_search_index.py).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Protocol

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from newsdesk.articles.models import Article

MAX_QUERY_CHARS = 500
MAX_TERMS = 16
MAX_PHRASE_WORDS = 8
MAX_WORD_CHARS = 64
MIN_PREFIX_CHARS = 3
MAX_INDEXED_CHARS = 200_000
# Marks around matched words in the engines' snippets: control characters never stored as text.
OPEN, CLOSE = "\x02", "\x03"

_TOKEN = re.compile(
    r'(?P<neg>(?<!\S)-)?(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\W_]+)(?P<star>\*)?)|(?P<bar>\|)')
_WORD = re.compile(r"[^\W_]+")
_TAG = re.compile(r"<[^>]*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or the words of a phrase in order
    prefix: bool = False  # the last word may be the start of a longer one


@dataclass(frozen=True)
class ParsedQuery:
    groups: tuple[tuple[Term, ...], ...] = ()  # every group must match: one of its terms
    excluded: tuple[Term, ...] = ()  # none of these may match
    ignored: tuple[str, ...] = ()  # common words left out ("the"), as the reader typed them

    def __bool__(self) -> bool:
        return bool(self.groups)


@dataclass(frozen=True)
class SearchHit:
    article: Article
    title_html: SafeString  # the headline, matched words in <mark>
    snippet_html: SafeString  # a passage of the body around the matches, matched words in <mark>


def search_parse(text: str) -> ParsedQuery:
    """The reader's query as terms; anything that is no word, phrase or operator is ignored."""
    text = unicodedata.normalize("NFKC", _CONTROL.sub(" ", text or ""))[:MAX_QUERY_CHARS]
    groups: list[tuple[Term, ...]] = []
    excluded: list[Term] = []
    ignored: list[str] = []
    pending_or = negate_next = False
    count = 0
    for match in _TOKEN.finditer(text):
        word = match.group("word")
        if match.group("bar") or word == "OR":
            pending_or = bool(groups)
            continue
        if word == "AND":
            continue
        if word == "NOT":
            negate_next = True
            continue
        term = _term(match)
        if term is None:
            continue
        if len(term.words) == 1 and not term.prefix and term.words[0].lower() in _stop_words():
            ignored.append(term.words[0])  # a phrase keeps them: they stand between its words
            pending_or = negate_next = False
            continue
        if count >= MAX_TERMS:
            break
        count += 1
        if match.group("neg") or negate_next:
            excluded.append(term)
        elif pending_or:
            groups[-1] = (*groups[-1], term)
        else:
            groups.append((term,))
        pending_or = negate_next = False
    return ParsedQuery(tuple(groups), tuple(excluded), tuple(dict.fromkeys(ignored)))


@cache
def _stop_words() -> frozenset[str]:
    """Words PostgreSQL's 'english' configuration ignores: left out on every engine alike."""
    text = resources.files(__package__).joinpath("search_stopwords.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def _term(match: re.Match[str]) -> Term | None:
    if match.group("phrase") is not None:
        words = tuple(w[:MAX_WORD_CHARS] for w in _WORD.findall(match.group("phrase")))
        return Term(words[:MAX_PHRASE_WORDS]) if words else None
    word = match.group("word")[:MAX_WORD_CHARS]
    return Term((word,), prefix=bool(match.group("star")) and len(word) >= MIN_PREFIX_CHARS)


def search_articles(*, query: ParsedQuery, articles: QuerySet[Article]) -> QuerySet[Article]:
    """The articles that match, best first (annotated `search_rank`); all of them, newest first,
    when the query has no terms."""
    if not query:
        return articles
    return _backend().rank(query, articles)


def search_hits(*, query: ParsedQuery, articles: Sequence[Article]) -> list[SearchHit]:
    """Each article with its headline and a passage of its body, the query's words marked."""
    marked = _backend().highlight(query, [a.id for a in articles]) if query and articles else {}
    hits = []
    for article in articles:
        title, snippet = marked.get(article.id, ("", ""))
        hits.append(SearchHit(article=article,
                              title_html=marked_html(title) if title else escape(article.title),
                              snippet_html=marked_html(snippet) if snippet
                              else escape(article.summary)))
    return hits


def search_engine() -> str:
    """Which engine answers searches on the default database."""
    return _backend().name


def marked_html(text: str) -> SafeString:
    """Engine output with OPEN/CLOSE marks as escaped HTML with balanced <mark> elements."""
    out: list[str] = []
    inside = False
    for piece in re.split(f"([{OPEN}{CLOSE}])", text):
        if piece == OPEN and not inside:
            out.append("<mark>")
            inside = True
        elif piece == CLOSE and inside:
            out.append("</mark>")
            inside = False
        elif piece not in (OPEN, CLOSE):
            out.append(escape(piece))
    if inside:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped


def html_text(body_html: str | None) -> str:
    """The plain text the index holds for a body: tags out, entities decoded, spaces folded."""
    text = html.unescape(_TAG.sub(" ", body_html or ""))
    return " ".join(_CONTROL.sub(" ", text).split())[:MAX_INDEXED_CHARS]


def sqlite_functions_register(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """connection_created receiver: the index triggers call newsdesk_html_text() on SQLite."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("newsdesk_html_text", 1, html_text,
                                              deterministic=True)


class _Backend(Protocol):
    name: str

    def rank(self, query: ParsedQuery, articles: QuerySet[Article]) -> QuerySet[Article]: ...

    def highlight(self, query: ParsedQuery, ids: list[int]) -> dict[int, tuple[str, str]]: ...


class _SQLiteFTS5:
    name = "sqlite-fts5"

    def rank(self, query: ParsedQuery, articles: QuerySet[Article]) -> QuerySet[Article]:
        return articles.extra(  # noqa: S610 - fixed SQL; the query is a parameter
            tables=["articles_search"],
            where=["articles_search.rowid = articles_article.id", "articles_search MATCH %s"],
            params=[self.compile(query)],
            select={"search_rank": "-bm25(articles_search, 8.0, 1.0)"},
        ).order_by("-search_rank", "-site_published_at", "-id")

    def highlight(self, query: ParsedQuery, ids: list[int]) -> dict[int, tuple[str, str]]:
        marks = ", ".join(["%s"] * len(ids))
        sql = ("SELECT rowid, highlight(articles_search, 0, %s, %s), "  # noqa: S608 - placeholders only
               "snippet(articles_search, 1, %s, %s, '…', 32) FROM articles_search "
               f"WHERE articles_search MATCH %s AND rowid IN ({marks})")
        with connection.cursor() as cursor:
            cursor.execute(sql, [OPEN, CLOSE, OPEN, CLOSE, self.compile(query), *ids])
            return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}

    @staticmethod
    def compile(query: ParsedQuery) -> str:
        def term(t: Term) -> str:
            return '"' + " ".join(t.words) + '"' + ("*" if t.prefix else "")

        def group(g: tuple[Term, ...]) -> str:
            return term(g[0]) if len(g) == 1 else "(" + " OR ".join(map(term, g)) + ")"

        text = "(" + " AND ".join(map(group, query.groups)) + ")"
        return text + "".join(f" NOT {term(t)}" for t in query.excluded)


class _PostgresFTS:
    name = "postgresql-fts"
    TSQUERY = "to_tsquery('english', %s)"
    TITLE_OPTIONS = f"HighlightAll=true, StartSel={OPEN}, StopSel={CLOSE}"
    BODY_OPTIONS = (f"StartSel={OPEN}, StopSel={CLOSE}, MaxWords=35, MinWords=15, "
                    'MaxFragments=2, FragmentDelimiter=" … "')

    def rank(self, query: ParsedQuery, articles: QuerySet[Article]) -> QuerySet[Article]:
        tsquery = self.compile(query)
        return articles.extra(  # noqa: S610 - fixed SQL; the query is a parameter
            tables=["articles_search"],
            where=["articles_search.article_id = articles_article.id",
                   f"articles_search.document @@ {self.TSQUERY}"],
            params=[tsquery],
            select={"search_rank": f"ts_rank_cd(articles_search.document, {self.TSQUERY}, 1)"},
            select_params=[tsquery],
        ).order_by("-search_rank", "-site_published_at", "-id")

    def highlight(self, query: ParsedQuery, ids: list[int]) -> dict[int, tuple[str, str]]:
        sql = ("SELECT article_id, ts_headline('english', title, q, %s), "  # noqa: S608 - constant
               "ts_headline('english', body, q, %s) "
               f"FROM articles_search, {self.TSQUERY} AS q WHERE article_id = ANY(%s)")
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.TITLE_OPTIONS, self.BODY_OPTIONS, self.compile(query), ids])
            return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}

    @staticmethod
    def compile(query: ParsedQuery) -> str:
        def term(t: Term) -> str:
            words = [f"'{w}'" for w in t.words]  # letters and digits only: nothing to escape
            if t.prefix:
                words[-1] += ":*"
            return "(" + " <-> ".join(words) + ")"

        def group(g: tuple[Term, ...]) -> str:
            return "(" + " | ".join(map(term, g)) + ")"

        return " & ".join([*map(group, query.groups), *(f"!{term(t)}" for t in query.excluded)])


class _Substring:
    """Any other database: every word must appear in the title or the body, unranked."""

    name = "substring"

    def rank(self, query: ParsedQuery, articles: QuerySet[Article]) -> QuerySet[Article]:
        for group in query.groups:
            either = Q()
            for t in group:
                words = " ".join(t.words)
                either |= Q(title__icontains=words) | Q(body_html__icontains=words)
            articles = articles.filter(either)
        for t in query.excluded:
            words = " ".join(t.words)
            articles = articles.exclude(Q(title__icontains=words) | Q(body_html__icontains=words))
        return articles

    def highlight(self, query: ParsedQuery, ids: list[int]) -> dict[int, tuple[str, str]]:
        return {}


def _backend() -> _Backend:
    vendor = connection.vendor
    if vendor == "sqlite":
        return _SQLiteFTS5()
    if vendor == "postgresql":
        return _PostgresFTS()
    return _Substring()
