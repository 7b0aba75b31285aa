"""Rule files, promtool tests and Alertmanager configs are dumped with libyaml's emitter: the same
bytes as PyYAML's own pure-Python emitter, for every kind that dumps YAML."""
from __future__ import annotations

import yaml

from benchmarks.bench_generate import synthetic_catalog
from generator import pipeline
from generator.renderers import rules
from tests.support.paths import AMPEL, CHECKOUT

YAML_KINDS = ["rules", "rule_tests", "alertmanager", "kubernetes", "mimir"]


class PythonDumper(yaml.SafeDumper):  # the reference: PyYAML's pure-Python emitter, same settings
    def ignore_aliases(self, data):
        return True


PythonDumper.add_representer(str, rules._Dumper.yaml_representers[str])


def test_the_c_emitter_is_used_when_present():
    assert hasattr(yaml, "CSafeDumper")  # PyYAML built with libyaml, as on Debian and from wheels
    assert issubclass(rules._Dumper, yaml.CSafeDumper)


def test_c_and_python_emitters_give_the_same_bytes(tmp_path, monkeypatch):
    synthetic = tmp_path / "synthetic.yaml"
    synthetic.write_text(yaml.safe_dump(synthetic_catalog(200), sort_keys=False), encoding="utf-8")
    catalogs = pipeline.load_all([AMPEL, CHECKOUT, synthetic])
    fast = pipeline.render_all(catalogs, YAML_KINDS).artifacts
    monkeypatch.setattr(rules, "_Dumper", PythonDumper)
    reference = pipeline.render_all(catalogs, YAML_KINDS).artifacts
    assert len(fast) >= 10 and fast.keys() == reference.keys()
    for rel in reference:
        assert fast[rel] == reference[rel], rel


def test_edge_scalars_give_the_same_bytes():
    document = {"groups": [{"name": "edge", "rules": [
        {"alert": "Ünïcode ✓", "expr": "a > 1\nand b < 2\n", "annotations": {
            "x": "  leading", "y": "trailing  ", "z": "- dash", "w": "key: value", "v": "", "u": "#hash", "t": "'q'"}},
        {"record": "r", "expr": "x" * 300, "labels": {"yes": "yes", "null": "null", "num": "0.5", "tab": "a\tb"}}]}]}
    reference = yaml.dump(document, Dumper=PythonDumper, sort_keys=False, width=10_000, default_flow_style=False,
                          allow_unicode=True)
    assert rules.dump_yaml(document) == reference
