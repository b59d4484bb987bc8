"""insert_many: QuerySet.bulk_create's insert, for the many plain rows a feed poll writes.

bulk_create runs every value of every row through the field's generic hooks (pre_save,
get_db_prep_save, expression checks) one call at a time: about 130 µs an article of 28 fields,
more than SQLite takes to store the row. Ingest writes tens of thousands of rows a run, so the
rows are made here with the same hooks decided once per field: the database's own conversion
(Field.get_db_prep_save) for the fields whose values it changes (dates, JSON, foreign keys:
everything but text, numbers and booleans), the value as it is for the rest. One multi-row
INSERT per chunk; the new primary keys come back (RETURNING: PostgreSQL, SQLite >= 3.35) and
are set on the objects, as bulk_create does. No signals are sent, as with bulk_create.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connections, models, router

M = TypeVar("M", bound=models.Model)

# Fields whose Python value is what the driver takes (text as a plain str: a choice may be an
# enum member).
_TEXT = frozenset({"CharField", "TextField", "SlugField", "URLField", "EmailField"})
_NUMBERS = frozenset({
    "BooleanField", "IntegerField", "SmallIntegerField", "BigIntegerField",
    "PositiveIntegerField", "PositiveSmallIntegerField", "PositiveBigIntegerField",
})
ROWS_PER_STATEMENT = 200  # well under SQLite's 32,766 and PostgreSQL's 65,535 parameters


def insert_many(objs: Sequence[M]) -> Sequence[M]:
    """Insert new, unsaved instances of one model; their primary keys are set afterwards."""
    if not objs:
        return objs
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not (f.primary_key and isinstance(
        f, models.AutoField | models.BigAutoField | models.SmallAutoField))]
    adapters = [_adapter(field, connection) for field in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    pk = quote(meta.pk.column)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(objs), ROWS_PER_STATEMENT):
            chunk = objs[start:start + ROWS_PER_STATEMENT]
            params: list[Any] = []
            for obj in chunk:
                params += [adapt(field.pre_save(obj, True))  # noqa: FBT003 - Django's signature
                           for field, adapt in zip(fields, adapters, strict=True)]
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608 - names quoted
                f"VALUES {', '.join([row] * len(chunk))} RETURNING {pk}",
                params,
            )
            for obj, (key,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = key
                obj._state.adding = False
                obj._state.db = alias
    return objs


def _adapter(field: models.Field[Any, Any], connection: Any) -> Callable[[Any], Any]:
    kind = field.get_internal_type()
    if field.is_relation or kind not in _TEXT | _NUMBERS:
        return lambda value: field.get_db_prep_save(value, connection)
    return _text if kind in _TEXT else _same


def _text(value: Any) -> Any:
    return value if value is None or type(value) is str else str(value)


def _same(value: Any) -> Any:
    return value
