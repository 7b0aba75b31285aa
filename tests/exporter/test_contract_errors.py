"""A catalog the exporter cannot serve is a located error, exit 3, before anything listens."""
from __future__ import annotations

from tests.support.catalog_builder import CatalogBuilder
from tests.support.inprocess import run_exporter


def test_a_catalog_without_a_latency_objective_names_what_is_missing(tmp_path):
    path = CatalogBuilder("shop").write(tmp_path)
    ran = run_exporter("serve", "--db", str(tmp_path / "x.db"), "--catalog", str(path), "--port", "0")
    assert ran.returncode == 3, ran.output
    assert "the exporter needs a latency objective to find its metric" in ran.stderr
    assert "Traceback" not in ran.output
