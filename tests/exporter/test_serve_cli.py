"""`obsgen-exporter serve` as a command: default port, signals, and clear refusals."""
from __future__ import annotations

import signal
import socket

from tests.support.inprocess import run_exporter
from tests.support.paths import AMPEL, CHECKOUT


def test_help_documents_the_default_port_and_strategies():
    result = run_exporter("serve", "--help")
    assert result.returncode == 0
    assert "8787" in result.stdout and "127.0.0.1" in result.stdout
    assert "aggregate|naive|cached" in result.stdout and "--enable-fault-injection" in result.stdout


def test_sigint_stops_cleanly(start_exporter, db_copy):
    exporter = start_exporter(db_copy)
    exporter.proc.proc.send_signal(signal.SIGINT)
    assert exporter.proc.proc.wait(10) == 0
    assert exporter.records()[-1]["message"] == "stopped"


def test_a_taken_port_is_a_clear_error(tmp_path, db_copy):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_exporter("serve", "--db", str(db_copy), "--port", str(port), "--catalog", str(AMPEL))
    assert result.returncode == 5
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_a_catalog_that_does_not_fit_is_refused_with_its_line(tmp_path):
    db = tmp_path / "never.db"
    result = run_exporter("serve", "--db", str(db), "--port", "0", "--catalog", str(CHECKOUT))
    assert result.returncode == 3
    assert "tests/catalogs/checkout.yaml:" in result.stderr and "metrics[" in result.stderr
    assert not db.exists()

