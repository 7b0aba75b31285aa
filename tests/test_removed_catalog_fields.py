"""Fields that described the reference exporter left the catalog: `service.endpoint`, `log_fields`
and the tiers' `repos`/`prs`. An old catalog gets one located problem per field saying where it went
(exit 3, nothing written); `log_only_fields` is the general feature that keeps the lint the old
`log_fields` gave (no metric label named like an unbounded log field)."""
from __future__ import annotations

from pathlib import Path

import pytest

from generator.catalog import load_catalog
from generator.errors import CatalogError
from generator.validators.crosscheck import crosscheck
from tests.support.catalog_edit import by_rule, context_of
from tests.support.catalog_builder import service_text
from tests.support.inprocess import run_obsgen

# written as text: the old fields are ones the builder does not know, and the errors' lines are literals
SERVICE = service_text("orders-api", team="orders")
METRICS = """\
metrics:
  - name: orders_total
    type: counter
    help: Orders taken.
    labels:
      - name: tenant_slug
        values: [a, b]
"""
MINIMAL = SERVICE + METRICS + """\
tiers:
  - {name: fast, target: 0.1, critical: 0.2}
"""
OLD = SERVICE + "  endpoint: /api/orders\n" + METRICS + """\
tiers:
  - {name: fast, repos: 10, prs: 50, target: 0.1, critical: 0.2}
  - name: slow
    target: 1
    critical: 2
    prs: 9
log_fields: [user_id, duration_ms]
"""


def project(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalog" / "orders-api.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


def test_the_minimal_catalog_loads_and_its_tiers_are_name_target_critical(tmp_path):
    catalog = load_catalog(project(tmp_path, MINIMAL))
    assert [(t.name, t.target, t.critical) for t in catalog.tiers] == [("fast", 0.1, 0.2)]
    assert not hasattr(catalog.tiers[0], "repos") and not hasattr(catalog.service, "endpoint")


def test_an_old_catalog_is_told_where_each_field_went_exit_3_nothing_written(tmp_path):
    path = project(tmp_path, OLD)
    ran = run_obsgen("generate", "--root", str(tmp_path))
    assert ran.returncode == 3, ran.output
    assert "Traceback" not in ran.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog"]  # nothing generated
    name = "catalog/orders-api.yaml"
    lines = [line.strip() for line in ran.stderr.splitlines()[1:]]
    assert len(lines) == 5, ran.stderr
    endpoint, log_fields, repos, prs0, prs = lines
    assert endpoint.startswith(f"{name}:16: service.endpoint: service.endpoint is no longer a catalog field: move the "
                               "route to `summary_path` in the reference exporter's own configuration "
                               "(exporter/exporter.yaml, or yours with `obsgen-exporter seed|serve --config PATH`")
    assert log_fields.startswith(f"{name}:30: log_fields: log_fields is no longer a catalog field: move the list to "
                                 "`log_fields` in the reference exporter's own configuration")
    assert "list those under `log_only_fields`" in log_fields
    assert repos.startswith(f"{name}:25: tiers[0].repos: tiers[].repos is no longer a catalog field (a tier is a "
                            "name, a target and a critical threshold): move the dataset sizes to `datasets` "
                            "({name, repos, prs, token}) in the reference exporter's own configuration")
    assert prs0.startswith(f"{name}:25: tiers[0].prs: tiers[].prs is no longer a catalog field")
    assert prs.startswith(f"{name}:29: tiers[1].prs: tiers[].prs is no longer a catalog field")
    assert "unknown field" not in ran.stderr  # the migration replaces the schema's bare refusal
    validated = run_obsgen("validate", "--root", str(tmp_path))
    assert validated.returncode == 3 and "service.endpoint is no longer a catalog field" in validated.stdout
    assert f"{path.relative_to(tmp_path)}:16: error: catalog-schema" in validated.stdout


def test_other_schema_problems_are_still_reported_beside_the_migration(tmp_path):
    project(tmp_path, OLD.replace("type: counter", "type: countr"))
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path / "catalog" / "orders-api.yaml", base=tmp_path)
    paths = [p.location.path for p in caught.value.problems]
    assert paths[:5] == ["service.endpoint", "log_fields", "tiers[0].repos", "tiers[0].prs", "tiers[1].prs"]
    assert "metrics[0].type" in paths[5:]


def test_a_label_named_in_log_only_fields_is_a_high_cardinality_error(tmp_path):
    path = project(tmp_path, MINIMAL + "log_only_fields: [tenant_slug]\n")
    (finding,) = by_rule(crosscheck(context_of(path)), "high-cardinality-label")
    assert finding.severity == "error" and finding.line == 21  # the label's name: line
    assert "label 'tenant_slug' of 'orders_total' is one of the catalog's log_only_fields" in finding.message
    # without the declaration the same bounded label passes: the finding comes from the field alone
    clean = project(tmp_path / "clean", MINIMAL)
    assert by_rule(crosscheck(context_of(clean)), "high-cardinality-label") == []


@pytest.mark.parametrize("value, line_text, message", [
    pytest.param("tenant_slug", "log_only_fields: tenant_slug", "is not of type 'array'", id="not-a-list"),
    pytest.param("[user_id, user_id]", "log_only_fields:", "has non-unique elements", id="duplicate"),
    pytest.param("[user-id]", "log_only_fields:", "log_only_fields[0]", id="bad-name"),
])
def test_bad_log_only_fields_are_located_exit_3_nothing_written(tmp_path, value, line_text, message):
    project(tmp_path, MINIMAL + f"log_only_fields: {value}\n")
    ran = run_obsgen("generate", "--root", str(tmp_path))
    assert ran.returncode == 3, ran.output
    assert "catalog/orders-api.yaml:25:" in ran.stderr and message in ran.stderr, ran.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog"]
