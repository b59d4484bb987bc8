"""The full-text index behind /search, kept in sync with articles_article by triggers.

SQLite: an FTS5 table `articles_search` (rowid = article id) holding the title and the body as
plain text; the triggers call `newsdesk_html_text()`, a function every Django connection
registers (newsdesk.site.search.sqlite_functions_register). PostgreSQL: a table `articles_search`
with the same text and a weighted tsvector under a GIN index, filled by a PL/pgSQL trigger.

A later migration that rebuilds articles_article on SQLite (Django does so for most AlterField
operations) drops these triggers: it must run SQLITE_TRIGGERS again. The tests in tests/site
search for articles stored after every migration ran, so a lost trigger fails them.
"""

from django.db import migrations

SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE articles_search USING fts5("
    "title, body, tokenize = 'porter unicode61 remove_diacritics 2')"
)
SQLITE_TRIGGERS = [
    "DROP TRIGGER IF EXISTS articles_search_insert",
    "DROP TRIGGER IF EXISTS articles_search_update",
    "DROP TRIGGER IF EXISTS articles_search_delete",
    """CREATE TRIGGER articles_search_insert AFTER INSERT ON articles_article BEGIN
        INSERT INTO articles_search (rowid, title, body)
        VALUES (new.id, new.title, newsdesk_html_text(new.body_html));
    END""",
    """CREATE TRIGGER articles_search_update AFTER UPDATE OF title, body_html ON articles_article
    WHEN old.title IS NOT new.title OR old.body_html IS NOT new.body_html BEGIN
        DELETE FROM articles_search WHERE rowid = old.id;
        INSERT INTO articles_search (rowid, title, body)
        VALUES (new.id, new.title, newsdesk_html_text(new.body_html));
    END""",
    """CREATE TRIGGER articles_search_delete AFTER DELETE ON articles_article BEGIN
        DELETE FROM articles_search WHERE rowid = old.id;
    END""",
]
SQLITE_FILL = (
    "INSERT INTO articles_search (rowid, title, body) "
    "SELECT id, title, newsdesk_html_text(body_html) FROM articles_article"
)
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS articles_search_insert",
    "DROP TRIGGER IF EXISTS articles_search_update",
    "DROP TRIGGER IF EXISTS articles_search_delete",
    "DROP TABLE IF EXISTS articles_search",
]

POSTGRES_CREATE = [
    """CREATE TABLE articles_search (
        article_id bigint PRIMARY KEY,
        title text NOT NULL,
        body text NOT NULL,
        document tsvector NOT NULL
    )""",
    "CREATE INDEX articles_search_document ON articles_search USING GIN (document)",
    # Tags out, the entities nh3 writes back to characters, white space folded; capped so that
    # a huge page never exceeds the 1 MB a tsvector may hold.
    r"""CREATE FUNCTION newsdesk_html_text(html text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT left(btrim(regexp_replace(
            replace(replace(replace(replace(replace(replace(
                regexp_replace(coalesce(html, ''), '<[^>]*>', ' ', 'g'),
                '&nbsp;', ' '), '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', ''''),
                '&amp;', '&'),
            '\s+', ' ', 'g')), 200000)
    $$""",
    """CREATE FUNCTION articles_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM articles_search WHERE article_id = OLD.id;
            RETURN NULL;
        END IF;
        INSERT INTO articles_search (article_id, title, body, document)
        SELECT NEW.id, NEW.title, plain.body,
               setweight(to_tsvector('english', NEW.title), 'A')
               || setweight(to_tsvector('english', plain.body), 'B')
        FROM (SELECT newsdesk_html_text(NEW.body_html) AS body) AS plain
        ON CONFLICT (article_id) DO UPDATE
            SET title = EXCLUDED.title, body = EXCLUDED.body, document = EXCLUDED.document;
        RETURN NULL;
    END
    $$""",
    """CREATE TRIGGER articles_search_refresh
    AFTER INSERT OR DELETE OR UPDATE OF title, body_html ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_search_refresh()""",
    # Django's test flush truncates articles_article: the index must follow.
    """CREATE FUNCTION articles_search_clear() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE articles_search;
        RETURN NULL;
    END
    $$""",
    """CREATE TRIGGER articles_search_clear AFTER TRUNCATE ON articles_article
    FOR EACH STATEMENT EXECUTE FUNCTION articles_search_clear()""",
    """INSERT INTO articles_search (article_id, title, body, document)
    SELECT id, title, plain.body,
           setweight(to_tsvector('english', title), 'A')
           || setweight(to_tsvector('english', plain.body), 'B')
    FROM articles_article, LATERAL (SELECT newsdesk_html_text(body_html) AS body) AS plain""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS articles_search_clear ON articles_article",
    "DROP TRIGGER IF EXISTS articles_search_refresh ON articles_article",
    "DROP FUNCTION IF EXISTS articles_search_clear()",
    "DROP FUNCTION IF EXISTS articles_search_refresh()",
    "DROP FUNCTION IF EXISTS newsdesk_html_text(text)",
    "DROP TABLE IF EXISTS articles_search",
]


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = [SQLITE_TABLE, *SQLITE_TRIGGERS, SQLITE_FILL]
    elif vendor == "postgresql":
        statements = POSTGRES_CREATE
    else:
        return  # other databases search with a plain substring match (site/search.py)
    for sql in statements:
        schema_editor.execute(sql, params=None)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index),
    ]
