"""Without any catalog, every command that needs one exits 3 ("the catalog is invalid or missing",
README "Exit codes"), `generate` and `validate` alike, and writes nothing."""
from __future__ import annotations

import sys

import pytest

from generator.cli import cli
from generator.cli.common import run_guarded
from tests.support.paths import REPO

COMMANDS = [("generate",), ("generate", "--check"), ("validate",), ("check-metrics", "x.prom"),
            ("loadtest", "small_dataset"), ("deploy", "grafana", "--dry-run", "--url", "http://127.0.0.1:9")]


def _run(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["obsgen", *args])
    with pytest.raises(SystemExit) as exc:
        run_guarded(cli)
    captured = capsys.readouterr()
    return exc.value.code, captured.out + captured.err


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_no_catalog_exits_3_naming_the_folder(monkeypatch, capsys, tmp_path, args):
    monkeypatch.setenv("GRAFANA_TOKEN", "t")
    code, output = _run(monkeypatch, capsys, *args, "--root", str(tmp_path))
    assert code == 3, output
    assert f"{tmp_path / 'catalog'}: " in output and "no catalog found" in output
    assert list(tmp_path.iterdir()) == []


def test_the_readme_documents_exit_3_for_a_missing_catalog():
    row = next(line for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines() if line.startswith("| 3 |"))
    assert "or missing" in row and "`generate` and `validate` alike" in row
