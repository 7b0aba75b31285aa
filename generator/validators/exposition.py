"""A live `/metrics` exposition against the catalog: how a team checks its real service.

Reported, each located at the exposition's line and naming the catalog's expectation:
missing metric, wrong type, missing or extra label, label value not allowed, wrong bucket set,
and series the catalog does not expect (e.g. `_created` when `created_series` is off).
Metrics the catalog does not know are warnings, except the client libraries' own process_*,
python_*, go_* and promhttp_* families.
"""
from __future__ import annotations

import math
import re

from prometheus_client.parser import text_string_to_metric_families

from generator.model import Catalog, Metric
from generator.validators.findings import ERROR, WARNING, Finding

CHECK = "check-metrics"
CLIENT_PREFIXES = ("process_", "python_", "go_", "promhttp_")


def _family_name(metric: Metric) -> str:
    """The family name a parser gives: counters without `_total`."""
    return metric.base_name if metric.type == "counter" else metric.name


def _line_of(text: str, name: str) -> int | None:
    """First line of the exposition where the name is a sample or a TYPE/HELP line."""
    for number, line in enumerate(text.splitlines(), 1):
        body = line.split(" ", 3)[2] if line.startswith("# ") and len(line.split(" ")) > 2 else line
        if body == name or body.startswith((name + "{", name + " ", name + "_")):
            return number
    return None


_LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"')
_UNESCAPE = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}


def _labels_of_line(line: str) -> dict[str, str]:
    block = line[line.find("{") + 1:line.rfind("}")] if "{" in line else ""
    return {k: re.sub(r'\\[\\"n]', lambda m: _UNESCAPE[m.group(0)], v) for k, v in _LABEL_RE.findall(block)}


def _sample_line(text: str, sample) -> int | None:
    """Line of the first sample with this name and these labels (the line a bad label value is on);
    the name's first line when no sample line matches."""
    wanted = dict(sample.labels)
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("#"):
            continue
        if line == sample.name or line.startswith((sample.name + "{", sample.name + " ")):
            have = _labels_of_line(line)
            if all(have.get(k) == v for k, v in wanted.items()):
                return number
    return _line_of(text, sample.name)


def _bound(text: str) -> float:
    return math.inf if text in ("+Inf", "Inf") else float(text)


def check_exposition(catalog: Catalog, text: str, source: str = "") -> list[Finding]:
    try:
        families = {f.name: f for f in text_string_to_metric_families(text)}
    except (ValueError, TypeError, IndexError) as exc:
        return [Finding(CHECK, "exposition-unparsable", f"not a Prometheus text exposition: {exc}", source)]
    findings: list[Finding] = []

    def add(rule: str, message: str, metric: str, severity: str = ERROR, at: str | None = None) -> None:
        findings.append(Finding(CHECK, rule, message, source, _line_of(text, at or metric), severity, "", metric))

    known: set[str] = set()
    for metric in catalog.metrics:
        family = families.get(_family_name(metric)) or families.get(metric.name)
        if family is None:
            add("missing-metric", f"{metric.name} ({metric.type}) is in the catalog but not exposed", metric.name)
            continue
        known.add(family.name)
        if family.type != metric.type:
            add("wrong-type", f"exposed as {family.type}, the catalog says {metric.type}", metric.name)
        findings += _check_samples(catalog, metric, family, text, source)
        created = families.get(f"{_family_name(metric)}_created")
        if created is not None:  # the text format shows _created as a gauge family of its own
            known.add(created.name)
            if not metric.created_series:
                add("unexpected-series", f"{created.name} is exposed but created_series is off in the catalog "
                                         "(prometheus_client: disable_created_metrics())", metric.name, at=created.name)
    for name, family in sorted(families.items()):
        if name not in known and not name.startswith(CLIENT_PREFIXES):
            add("uncatalogued-metric", f"{name} ({family.type}) is exposed but not in the catalog", name, WARNING)
    return findings


def _check_samples(catalog: Catalog, metric: Metric, family, text: str, source: str) -> list[Finding]:
    findings: list[Finding] = []
    expected_names = metric.series_names()
    declared = set(metric.label_names)
    seen: set[tuple] = set()
    buckets_by_set: dict[tuple, set[float]] = {}

    def add(rule: str, message: str, at, severity: str = ERROR) -> None:
        """`at`: a sample (reported at its own line) or a series name (at its first line)."""
        key = (rule, message)
        if key not in seen:
            seen.add(key)
            line = _line_of(text, at) if isinstance(at, str) else _sample_line(text, at)
            findings.append(Finding(CHECK, rule, message, source, line, severity, "", metric.name))

    for sample in family.samples:
        role = expected_names.get(sample.name)
        if role is None:
            add("unexpected-series", f"series {sample.name} is not expected for {metric.type} {metric.name}"
                + (" (created_series is off in the catalog)" if sample.name.endswith("_created") else ""), sample.name)
            continue
        labels = {k: v for k, v in sample.labels.items() if not (role == "bucket" and k == "le")}
        for name in sorted(declared - labels.keys()):
            add("missing-label", f"label {name!r} is missing on {sample.name}", sample)
        for name in sorted(labels.keys() - declared):
            add("extra-label", f"label {name!r} on {sample.name} is not in the catalog "
                               f"(declared: {', '.join(sorted(declared)) or 'none'})", sample)
        for name, value in sorted(labels.items()):
            label = metric.label(name)
            if label is not None and not label.allows(value):
                allowed = ", ".join(label.values) if label.values else f"pattern {label.pattern}"
                add("unexpected-label-value", f"{name}={value!r} on {sample.name} is not allowed ({allowed})", sample)
        if role == "bucket":
            buckets_by_set.setdefault(tuple(sorted(labels.items())), set()).add(_bound(sample.labels.get("le", "+Inf")))
    expected = set(metric.buckets) | {math.inf}
    for bounds in buckets_by_set.values():
        if bounds != expected:
            missing = ", ".join(f"{b:g}" for b in sorted(expected - bounds))
            extra = ", ".join(f"{b:g}" for b in sorted(bounds - expected))
            detail = "; ".join(part for part in (f"missing {missing}" if missing else "", f"extra {extra}" if extra else "") if part)
            add("wrong-buckets", f"bucket bounds differ from the catalog's {', '.join(f'{b:g}' for b in metric.buckets)}: {detail}",
                f"{metric.name}_bucket")
    return findings
