"""Three indexes fewer to write with every article: each duplicated the first column of another.

article.source_id leads the unique (source, guid) index, article.status the (status,
-site_published_at) index, and articleplace.article_id the unique (article, kind, code) index.

Only the indexes are dropped. Django would rebuild both tables on SQLite for these AlterFields,
which would copy every article and drop the search index's triggers (0002); the state changes
alone, and the database loses just the indexes.
"""

import django.db.models.deletion
from django.db import migrations, models

REDUNDANT = (("Article", "source"), ("Article", "status"), ("ArticlePlace", "article"))


def _single_column_indexes(schema_editor, model, column):
    """Names of the plain indexes on exactly this column (on PostgreSQL also its _like index)."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return [name for name, info in constraints.items()
            if info["index"] and not info["unique"] and not info["primary_key"]
            and info["columns"] == [column]]


def drop_indexes(apps, schema_editor):
    for model_name, field_name in REDUNDANT:
        model = apps.get_model("articles", model_name)
        column = model._meta.get_field(field_name).column
        for name in _single_column_indexes(schema_editor, model, column):
            schema_editor.execute(schema_editor._delete_index_sql(model, name))


def create_indexes(apps, schema_editor):
    for model_name, field_name in REDUNDANT:
        model = apps.get_model("articles", model_name)
        field = model._meta.get_field(field_name)
        if not _single_column_indexes(schema_editor, model, field.column):
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0002_search_index"),
        ("sources", "0002_keyword_rules"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="article",
                    name="source",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True,
                        on_delete=django.db.models.deletion.PROTECT, related_name="articles",
                        to="sources.source"),
                ),
                migrations.AlterField(
                    model_name="article",
                    name="status",
                    field=models.CharField(
                        choices=[("review", "Waiting for review"), ("published", "Published"),
                                 ("rejected", "Rejected"), ("withdrawn", "Withdrawn")],
                        default="review", max_length=20),
                ),
                migrations.AlterField(
                    model_name="articleplace",
                    name="article",
                    field=models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.CASCADE,
                        related_name="places", to="articles.article"),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
    ]
