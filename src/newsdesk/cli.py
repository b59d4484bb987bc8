"""The `newsdesk` command: a thin front on Django's management commands."""

from __future__ import annotations

import os
import sys
from argparse import ArgumentTypeError
from collections.abc import Callable


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db import OperationalError, ProgrammingError

    try:
        settings.INSTALLED_APPS  # noqa: B018 - reads the settings, which check the environment
    except ImproperlyConfigured as exc:  # a variable missing or mistyped: say which, in a line
        sys.stderr.write(f"newsdesk: {exc}\n")
        sys.exit(2)
    try:
        execute_from_command_line(["newsdesk", *(sys.argv[1:] if argv is None else argv)])
    except BrokenPipeError:
        # The reader went away (`newsdesk article list | head`): as the standard library's
        # tools do, say nothing more, and keep Python from failing to flush at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
    except (OperationalError, ProgrammingError) as exc:
        if migrations_pending():
            sys.stderr.write(f"newsdesk: the database {_database_named()} is not set up for this "
                             f"version ({str(exc).splitlines()[0]}): run 'newsdesk migrate'\n")
            sys.exit(1)
        if isinstance(exc, ProgrammingError):
            raise
        sys.stderr.write(f"newsdesk: the database cannot be used: {str(exc).splitlines()[0]}\n")
        sys.exit(1)


def _database_named() -> str:
    """The database as an operator would look for it: NEWSDESK_HOME's file is relative to the
    folder a command runs in."""
    from django.db import connection

    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return str(database["NAME"])
    return f"{database['NAME']} on {database['HOST'] or 'localhost'}"


def migrations_pending() -> bool:
    """Whether the database lacks a migration of this version (False if it cannot be asked)."""
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    except DatabaseError:
        return False


def bounded(low: int, high: int) -> Callable[[str], int]:
    """An argparse type for the commands: a whole number from low to high, or a one-line error
    naming them."""
    def number(value: str) -> int:
        try:
            parsed = int(value)
        except ValueError:
            parsed = low - 1
        if not low <= parsed <= high:
            raise ArgumentTypeError(f"{value!r} is not a whole number from {low} to {high}")
        return parsed
    return number


if __name__ == "__main__":
    main()
