"""`--database URL`: which backend each form names, and what is refused."""
from __future__ import annotations

from pathlib import Path

import pytest

from exporter.storage.url import POSTGRESQL, SQLITE, parse


@pytest.mark.parametrize("text, path", [
    ("ampel.db", Path("ampel.db")),
    ("/tmp/x/ampel.db", Path("/tmp/x/ampel.db")),
    ("sqlite:///ampel.db", Path("ampel.db")),
    ("sqlite:////tmp/x/ampel.db", Path("/tmp/x/ampel.db")),
])
def test_sqlite_forms(text, path):
    url = parse(text)
    assert (url.kind, url.path) == (SQLITE, path)


@pytest.mark.parametrize("text", ["postgresql://u@127.0.0.1:5432/ampel", "postgres://u@127.0.0.1:5432/ampel",
                                  "POSTGRESQL://u@127.0.0.1:5432/ampel"])
def test_postgresql_forms(text):
    url = parse(text)
    assert url.kind == POSTGRESQL and url.dsn == "postgresql://u@127.0.0.1:5432/ampel"


def test_the_password_is_masked_for_display():
    url = parse("postgresql://ampel:s3cret@db.example:5433/ampel?sslmode=require")
    assert "s3cret" not in url.display
    assert url.display == "postgresql://ampel:***@db.example:5433/ampel?sslmode=require"
    assert "s3cret" in url.dsn  # the connection itself keeps it


@pytest.mark.parametrize("text, words", [
    ("", "empty"),
    ("mysql://u@h/db", "unknown scheme 'mysql'"),
    ("sqlite://ampel.db", "sqlite:///relative/path"),
    ("sqlite:///", "sqlite:///relative/path"),
])
def test_refused_forms_say_what_is_accepted(text, words):
    with pytest.raises(ValueError) as info:
        parse(text)
    assert words in str(info.value)
