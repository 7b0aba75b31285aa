"""`--database URL` (SQLite or PostgreSQL) beside the older `--db PATH` (SQLite), for seed and serve."""
from __future__ import annotations

from pathlib import Path

import click

from exporter.storage.url import DatabaseURL, parse

DATABASE_HELP = ("Database: sqlite:///PATH or a file path (SQLite, created when missing), or "
                 "postgresql://USER@HOST:PORT/NAME (PostgreSQL 15; its schema is migrated at start).")


def database_options(command):
    command = click.option("--database", "database", default=None, metavar="URL", help=DATABASE_HELP)(command)
    return click.option("--db", "db_path", default=None, type=click.Path(dir_okay=False, path_type=Path),
                        help="SQLite file (the same as --database PATH).")(command)


def resolve(db_path: Path | None, database: str | None) -> DatabaseURL:
    """The database the options name; exactly one of --db and --database is required (exit 2)."""
    if db_path is not None and database is not None:
        raise click.UsageError("give either --db or --database, not both")
    if db_path is None and database is None:
        raise click.UsageError("missing the database: --database URL (or --db PATH for SQLite)")
    if db_path is not None:
        return parse(str(db_path)) if str(db_path).strip() else _bad("--db", "the path is empty")
    try:
        return parse(database)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--database") from None


def _bad(hint: str, message: str):
    raise click.BadParameter(message, param_hint=hint)
