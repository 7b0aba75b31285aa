"""The catalog emitter: readable, ordered output that reads back as the same data."""
from __future__ import annotations

import yaml

from generator.importers.emit import dump_catalog


def test_sections_and_keys_in_catalog_order_and_tricky_strings_survive():
    data = {
        "recording_rules": [{"expr": "sum(x)", "record": "a:b:c"}],
        "metrics": [{"type": "gauge", "name": "x", "help": "yes", "labels": [{"values": ["on", "1.0", "*", "a: b"],
                                                                              "name": "l"}]}],
        "service": {"selector": {"job": "x"}, "name": "x"},
        "alerts": [{"name": "A", "description": "line one\nline two\n", "summary": "{{ $value }} high",
                    "expr": "up{$selector} == 0", "for": "5m", "severity": "warning"}],
    }
    text = dump_catalog(data, "Imported.\n\nSecond line.")
    assert text.startswith("# Imported.\n#\n# Second line.\nservice:\n  name: x\n  selector:\n    job: x\nmetrics:\n")
    assert "    values: ['on', '1.0', '*', 'a: b']\n" in text
    assert text.index("\nalerts:") < text.index("\nrecording_rules:")
    assert "- name: A\n  expr: up{$selector} == 0\n  for: 5m\n" in text
    assert "  description: |\n    line one\n    line two\n" in text
    assert yaml.safe_load(text) == data
    assert dump_catalog(data) == dump_catalog(yaml.safe_load(text))
