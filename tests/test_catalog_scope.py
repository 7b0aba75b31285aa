"""`--catalog` limits every step of `generate` and `validate` to the catalogs named, test files
included; the Alertmanager config, which every catalog of a project shares, is still built from all
of them (one Alertmanager loads one config), and left as it is when another catalog does not load."""
from __future__ import annotations

from pathlib import Path

from tests.support.catalog_builder import CatalogBuilder, alert, dashboard, panel, scenario
from tests.support.inprocess import run_obsgen

AM = "alertmanager/alertmanager.yml"
DOWN = {"series": 'up{$selector, instance="a:1"}', "firing": 0, "quiet": 1}


def builder(name: str, team: str) -> CatalogBuilder:
    counter = f"{name}_requests_total"
    return (CatalogBuilder(name, team=team)
            .alert(alert(f"{name.title()}Down", "up{$selector} == 0", test=DOWN))
            .recording_rule(f"job:{name}_requests:rate5m", f"sum by (job) (rate({counter}{{$selector}}[5m]))")
            .dashboard(dashboard(name, panel("Requests", f"sum(rate({counter}{{$selector}}[$__rate_interval]))",
                                                 unit="reqps")))
            .load_test(scenario(f"{name}_smoke"))
            .alerting())


def two_catalogs(root: Path) -> dict[str, Path]:
    paths = {"shop": builder("shop", "platform").write(root), "pay": builder("pay", "payments").write(root)}
    ran = run_obsgen("generate", "--root", str(root))
    assert ran.returncode == 0, ran.output
    return paths


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.relative_to(root).as_posix().startswith("catalog/")}


def pay_files(root: Path) -> list[str]:
    return ["alerts/pay-alerts.yaml", "recording_rules/pay-recording.yaml", "dashboards/pay.json", "k6/pay_smoke.js",
            "tests/rules/pay-test.yaml"]


def test_generate_with_catalog_writes_only_its_files_and_the_shared_config_from_every_catalog(tmp_path):
    two_catalogs(tmp_path)
    whole = files(tmp_path)
    assert 'receiver: pay-chat' in whole[AM].decode() and 'receiver: shop-chat' in whole[AM].decode()
    for rel in pay_files(tmp_path):
        (tmp_path / rel).unlink()
    (tmp_path / "dashboards" / "shop.json").unlink()
    (tmp_path / AM).unlink()
    ran = run_obsgen("generate", "--root", str(tmp_path), "--catalog", str(tmp_path / "catalog" / "shop.yaml"))
    assert ran.returncode == 0, ran.output
    assert "created  dashboards/shop.json" in ran.stdout and "pay" not in ran.stdout.replace(AM, "")
    after = files(tmp_path)
    assert not any(rel in after for rel in pay_files(tmp_path))  # the other catalog's files are not written
    assert after[AM] == whole[AM]  # both subtrees, byte for byte what a whole run writes
    assert after["dashboards/shop.json"] == whole["dashboards/shop.json"]


def test_generate_with_catalog_leaves_the_shared_config_when_another_catalog_is_invalid(tmp_path):
    paths = two_catalogs(tmp_path)
    before = files(tmp_path)
    paths["pay"].write_text(paths["pay"].read_text().replace("type: counter", "type: countr"), encoding="utf-8")
    shop = paths["shop"]
    shop.write_text(shop.read_text().replace("team: platform", "team: storefront"), encoding="utf-8")
    ran = run_obsgen("generate", "--root", str(tmp_path), "--catalog", str(shop))
    assert ran.returncode == 0, ran.output
    assert f"{AM} is built from every catalog of the project and catalog/pay.yaml does not load" in ran.stderr
    after = files(tmp_path)
    assert after[AM] == before[AM]
    assert b"team: storefront" in after["alerts/shop-alerts.yaml"]
    assert {rel for rel in after if after[rel] != before[rel]} == {
        "alerts/shop-alerts.yaml", "tests/rules/shop-test.yaml"}
    # validate of the same scope says the shared file went unchecked, as a warning
    checked = run_obsgen("validate", "--root", str(tmp_path), "--catalog", str(shop), "--skip", "k6-archive")
    assert checked.returncode == 0, checked.output
    assert f"{AM}: warning: catalog-schema/shared-file-unchecked: {AM} is built from every catalog" in checked.stdout
    assert run_obsgen("validate", "--root", str(tmp_path), "--catalog", str(shop), "--skip", "k6-archive",
                      "--fail-on", "warning").returncode == 1
    # a catalog named by --catalog must load: exit 3 as always
    assert run_obsgen("generate", "--root", str(tmp_path), "--catalog", str(paths["pay"])).returncode == 3


def test_generate_check_with_catalog_reports_only_its_stale_files(tmp_path):
    paths = two_catalogs(tmp_path)
    for name in ("shop", "pay"):
        (tmp_path / "dashboards" / f"{name}.json").write_text("{}", encoding="utf-8")
    ran = run_obsgen("generate", "--check", "--root", str(tmp_path), "--catalog", str(paths["pay"]))
    assert ran.returncode == 1
    assert ran.stdout.splitlines() == ["stale:   dashboards/pay.json"]


def break_catalog_files(root: Path, name: str) -> None:
    """Damage every kind of file of one catalog: a stale dashboard, a rule file promtool rejects, a
    failing generated test, a failing hand-written test, a stray hand-written rule file."""
    (root / "dashboards" / f"{name}.json").write_text("{}", encoding="utf-8")
    recording = root / "recording_rules" / f"{name}-recording.yaml"
    recording.write_text(recording.read_text().replace("rate(", "rate(("), encoding="utf-8")
    generated = root / "tests" / "rules" / f"{name}-test.yaml"
    generated.write_text(generated.read_text().replace("severity: critical", "severity: info"), encoding="utf-8")
    (root / "tests" / "rules" / f"{name}-by-hand.yaml").write_text(f"""\
rule_files: [../../alerts/{name}-alerts.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series: [{{series: 'up{{job="{name}", instance="a:1"}}', values: '0x20'}}]
    alert_rule_test: [{{eval_time: 10m, alertname: {name.title()}Down, exp_alerts: []}}]
""", encoding="utf-8")


def reported_files(root: Path, *args: str) -> set[str]:
    ran = run_obsgen("validate", "--root", str(root), "--format", "json", "--skip", "k6-archive", *args)
    import json
    return {f["file"] for f in json.loads(ran.stdout)["findings"]}


def test_validate_with_catalog_checks_and_reports_only_its_files(tmp_path):
    paths = two_catalogs(tmp_path)
    break_catalog_files(tmp_path, "pay")
    everything = reported_files(tmp_path)
    assert {"dashboards/pay.json", "recording_rules/pay-recording.yaml", "tests/rules/pay-test.yaml",
            "tests/rules/pay-by-hand.yaml"} <= everything, everything
    assert reported_files(tmp_path, "--catalog", str(paths["shop"])) == set()
    only_pay = reported_files(tmp_path, "--catalog", str(paths["pay"]))
    assert only_pay and all("pay" in f for f in only_pay), only_pay
    # and the other way round: shop's damage is not reported for pay
    two_catalogs(tmp_path)
    (tmp_path / "tests" / "rules" / "pay-by-hand.yaml").unlink()
    break_catalog_files(tmp_path, "shop")
    assert reported_files(tmp_path, "--catalog", str(paths["pay"])) == set()
    assert all("shop" in f for f in reported_files(tmp_path, "--catalog", str(paths["shop"])))


def test_validate_with_catalog_skips_stray_rule_files_it_does_not_own(tmp_path):
    paths = two_catalogs(tmp_path)
    (tmp_path / "alerts" / "by-hand.yaml").write_text("groups:\n- name: x\n  rules:\n  - alert: X\n    expr: up ==\n",
                                                      encoding="utf-8")
    assert "alerts/by-hand.yaml" in reported_files(tmp_path)
    assert reported_files(tmp_path, "--catalog", str(paths["shop"])) == set()
