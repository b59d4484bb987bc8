"""insert_many: QuerySet.bulk_create's insert, for the many plain rows a feed poll writes.

bulk_create runs every value of every row through the field's generic hooks (pre_save,
get_db_prep_save, expression checks) one call at a time: about 130 µs an article of 28 fields,
more than SQLite takes to store the row. Ingest writes tens of thousands of rows a run, so the
rows are made here with the hooks decided once per field: the value as it is for text, numbers
and booleans; the backend's conversion of an aware datetime; Field.get_db_prep_save for the
rest (JSON, foreign keys, a naive datetime). One multi-row INSERT per chunk; the new primary
keys come back (RETURNING: PostgreSQL, SQLite >= 3.35) and are set on the objects, as
bulk_create does. No signals are sent, as with bulk_create.
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
    fields = [f for f in model._meta.concrete_fields if f is not model._meta.auto_field]
    adapters = [_adapter(field, connections[alias]) for field in fields]
    rows = [[adapt(field.pre_save(obj, True))  # noqa: FBT003 - Django's signature
             for field, adapt in zip(fields, adapters, strict=True)] for obj in objs]
    keys = _insert(model, alias, fields, rows, returning=True)
    for obj, key in zip(objs, keys, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = alias
    return objs


def insert_rows(model: type[models.Model], names: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> None:
    """Insert rows given as values of the named fields (a foreign key by its id), in order,
    without making an instance of each: for the many small rows that hang off another."""
    if not rows:
        return
    alias = router.db_for_write(model)
    fields = [model._meta.get_field(name) for name in names]
    adapters = [_adapter(field, connections[alias]) for field in fields]  # type: ignore[arg-type]
    adapted = [[adapt(value) for adapt, value in zip(adapters, row, strict=True)] for row in rows]
    _insert(model, alias, fields, adapted, returning=False)  # type: ignore[arg-type]


def _insert(model: type[models.Model], alias: str, fields: Sequence[models.Field[Any, Any]],
            rows: list[list[Any]], *, returning: bool) -> list[Any]:
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    tail = f" RETURNING {quote(model._meta.pk.column)}" if returning else ""
    keys: list[Any] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start:start + ROWS_PER_STATEMENT]
            cursor.execute(
                f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608 - quoted
                f"VALUES {', '.join([placeholders] * len(chunk))}{tail}",
                [value for row in chunk for value in row],
            )
            if returning:
                keys += [key for (key,) in cursor.fetchall()]
    return keys


def _adapter(field: models.Field[Any, Any], connection: Any) -> Callable[[Any], Any]:
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        adapt = connection.ops.adapt_datetimefield_value
        # an aware datetime needs only the database's conversion; a naive one Django's checks
        return lambda value: (adapt(value) if value is None or value.tzinfo is not None
                              else field.get_db_prep_save(value, connection))
    if kind in _TEXT:
        return _text
    if kind in _NUMBERS:
        return _same
    return lambda value: field.get_db_prep_save(value, connection)  # JSON, foreign keys ...


def _text(value: Any) -> Any:
    return value if value is None or type(value) is str else str(value)


def _same(value: Any) -> Any:
    return value
