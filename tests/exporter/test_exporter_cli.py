"""`obsgen-exporter`, the reference service's own console script: its commands, the documented exit
codes, and `obsgen` no longer carrying them. In-process, but for one run of the installed script."""
from __future__ import annotations

import sqlite3

from tests.support.cli import obsgen_exporter
from tests.support.inprocess import run_exporter, run_obsgen
from tests.support.paths import AMPEL, REPO


def test_help_lists_seed_and_serve():
    ran = run_exporter("--help")
    assert ran.returncode == 0, ran.stderr
    listed = {line.split()[0] for line in ran.stdout.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == {"seed", "serve"}


def test_an_unknown_command_is_a_usage_error():
    ran = run_exporter("generate")
    assert ran.returncode == 2 and "No such command 'generate'" in ran.stderr


def test_obsgen_names_the_script_seed_and_serve_moved_to(tmp_path):
    for command in ("seed", "serve"):
        ran = run_obsgen(command, "--db", str(tmp_path / "x.db"))
        assert ran.returncode == 2, ran.output
        assert f"run `obsgen-exporter {command}`" in ran.stderr
    assert not (tmp_path / "x.db").exists()


def test_an_invalid_catalog_is_exit_3_with_its_line(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(AMPEL.read_text().replace("scrape_interval: 15s", "scrape_interval: often"))
    ran = run_exporter("serve", "--db", str(tmp_path / "x.db"), "--port", "0", "--catalog", str(broken))
    assert ran.returncode == 3, ran.output
    assert f"{broken}:" in ran.stderr and "scrape_interval" in ran.stderr
    assert "Traceback" not in ran.stderr
    assert not (tmp_path / "x.db").exists()


def test_a_bug_is_one_line_and_exit_70_never_a_traceback(tmp_path, monkeypatch):
    from exporter import seeding

    def broken(*_args, **_kwargs):
        raise RuntimeError("password=hunter2")

    monkeypatch.setattr(seeding, "seed", broken)
    ran = run_exporter("seed", "--db", str(tmp_path / "x.db"), env={"OBSGEN_DEBUG": None})
    assert ran.returncode == 70, ran.output
    assert ran.stderr.startswith("internal error: RuntimeError at ")
    assert "hunter2" not in ran.output and "Traceback" not in ran.output


def test_the_installed_script_seeds_a_database(tmp_path):
    db = tmp_path / "ampel.db"
    ran = obsgen_exporter("seed", "--db", str(db), "--dataset", "small", cwd=REPO)
    assert ran.returncode == 0, ran.stderr
    assert "token-small" in ran.stdout and f"seeded 1 dataset(s) into {db}" in ran.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT name FROM users").fetchall() == [("small",)]
        assert conn.execute("SELECT COUNT(*) FROM repositories").fetchone() == (10,)
        assert conn.execute("SELECT COUNT(*) FROM pull_requests").fetchone() == (50,)
