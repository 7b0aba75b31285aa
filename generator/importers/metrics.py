"""A Prometheus exposition (a live `/metrics` URL or a saved file) -> catalog `metrics:`.

Per family: type, help, unit (OpenMetrics `# UNIT`, else the name's base-unit suffix), labels
with the values observed, histogram buckets (`le` without +Inf). A label whose values look
open-ended (all numbers, HTTP status codes, hex ids) gets a `pattern` instead of a value list; one
with more than `max_values` distinct values gets a pattern and a high-cardinality warning.
Summaries and other types the catalog has no word for are left out with a warning.
"""
from __future__ import annotations

import re
import urllib.error
import urllib.request
from urllib.parse import urlparse

from prometheus_client.parser import text_string_to_metric_families

from generator.importers import ImportResult, fail, read_text, service_block

_BASE_UNITS = ("seconds", "bytes", "ratio", "celsius", "meters", "volts", "amperes", "joules", "grams")
_HISTOGRAM_SUFFIXES = ("_bucket", "_count", "_sum", "_created")
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_PATTERNS = (  # (pattern, test every observed value must pass), most specific first
    ("[1-5][0-9][0-9]", re.compile(r"^[1-5][0-9][0-9]$")),
    ("[0-9]+", re.compile(r"^[0-9]+$")),
    ("[0-9a-f-]+", re.compile(r"^(?=.*[0-9])[0-9a-f-]{8,}$")),
)
_MAX_BYTES = 64 * 1024 * 1024


def _fetch(url: str, timeout: float) -> str:
    request = urllib.request.Request(url, headers={"Accept": "text/plain;version=0.0.4"})
    loopback = urlparse(url).hostname in ("127.0.0.1", "localhost", "::1")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({})) if loopback else urllib.request.build_opener()
    try:
        with opener.open(request, timeout=timeout) as response:  # http(s) only, checked by the caller
            body = response.read(_MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise fail(url, None, f"cannot read: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise fail(url, None, f"cannot read: {getattr(exc, 'reason', exc)}") from exc
    if len(body) > _MAX_BYTES:
        raise fail(url, None, f"cannot read: the page is larger than {_MAX_BYTES // (1024 * 1024)} MiB")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(url, None, "cannot read: the page is not UTF-8 text") from exc


def _bad_line(text: str) -> int:
    """The first line the exposition parser refuses on its own (1 when none does alone)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            list(text_string_to_metric_families(line + "\n"))
        except ValueError:
            return number
    return 1


def _line_of(text: str, family: str, kind: str) -> int | None:
    """Line of the family's first HELP/TYPE line, else of its first sample."""
    names = (family + "_total", family) if kind == "counter" else (family,)
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if any(line.startswith((f"# HELP {n} ", f"# TYPE {n} ")) for n in names):
            return number
    for number, line in enumerate(lines, start=1):
        if any(line.startswith(n) and line[len(n):len(n) + 1] in ("{", " ") for n in names):
            return number
    return None


def _unit(name: str, declared: str) -> str:
    if declared:
        return declared
    base = name[: -len("_total")] if name.endswith("_total") else name
    return next((u for u in _BASE_UNITS if base.endswith("_" + u)), "")


def _label(source: str, line, metric: str, name: str, values: set[str], max_values: int,
           result: ImportResult) -> dict:
    entry: dict = {"name": name}
    ordered = sorted(values)
    pattern = next((p for p, test in _PATTERNS if ordered and all(test.match(v) for v in ordered)), None)
    if len(ordered) > max_values:
        result.warn(source, line, f"{metric}{{{name}}}: {len(ordered)} distinct values (more than {max_values}); "
                                  f"high cardinality, a pattern is written instead of the values")
        entry["pattern"] = pattern or ".+"
    elif pattern is not None:
        entry["pattern"] = pattern
    elif ordered and all(ordered):
        entry["values"] = ordered
    else:
        entry["pattern"] = ".*"
    return entry


def _families(text: str):
    """Prometheus text format, or OpenMetrics (which ends with `# EOF`) with its own parser."""
    if text.rstrip().endswith("# EOF"):
        from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics
        return list(openmetrics(text))
    return list(text_string_to_metric_families(text))


def parse_exposition(text: str, source: str, max_values: int = 20, service: str | None = None) -> ImportResult:
    try:
        families = _families(text)
    except ValueError as exc:
        raise fail(source, _bad_line(text), f"not a Prometheus exposition: {exc}") from exc
    result = ImportResult({})
    metrics = []
    by_name = {f.name: f for f in families}
    for family in families:
        line = _line_of(text, family.name, family.type)
        kind = family.type
        if kind == "unknown" and family.name.endswith("_created") and family.name[: -len("_created")] in by_name:
            continue  # the _created series of a counter or histogram
        if kind in ("unknown", "untyped"):
            result.warn(source, line, f"{family.name} has no TYPE; imported as a gauge")
            kind = "gauge"
        if kind not in ("counter", "gauge", "histogram"):
            result.warn(source, line, f"{family.name} is a {kind}, which the catalog cannot express; left out")
            continue
        name = family.name
        if kind == "counter":
            name = name if name.endswith("_total") else name + "_total"
        entry: dict = {"name": name, "type": kind}
        help_text = (family.documentation or "").strip()
        if not help_text:
            result.warn(source, line, f"{name} has no HELP text; its name is used")
        entry["help"] = help_text or name
        unit = _unit(name, getattr(family, "unit", "") or "")
        if unit:
            entry["unit"] = unit
        values: dict[str, set[str]] = {}
        buckets: set[float] = set()
        created = False
        for sample in family.samples:
            if sample.name.endswith("_created"):
                created = True
                continue
            for label, value in sample.labels.items():
                if kind == "histogram" and label == "le":
                    if sample.name.endswith("_bucket") and value not in ("+Inf", "Inf"):
                        buckets.add(float(value))
                    continue
                values.setdefault(label, set()).add(value)
        if kind == "histogram":
            if not buckets:
                result.warn(source, line, f"{name} is a histogram without finite buckets; left out")
                continue
            entry["buckets"] = sorted(buckets)
        labels = [_label(source, line, name, label, values[label], max_values, result)
                  for label in sorted(values) if _LABEL.match(label)]
        if labels:
            entry["labels"] = labels
        if created or f"{family.name}_created" in by_name:
            entry["created_series"] = True
        metrics.append(entry)
    if not metrics:
        raise fail(source, 1, "not a Prometheus exposition: no counter, gauge or histogram found")
    result.catalog = {"service": service_block(service or "imported"),
                      "metrics": sorted(metrics, key=lambda m: m["name"])}
    return result


def _default_service(source: str) -> str:
    if "://" in source:
        stem = urlparse(source).hostname or "imported"
    else:
        stem = source.replace("\\", "/").rsplit("/", 1)[-1].split(".")[0]
    return re.sub(r"[^a-z0-9-]+", "-", stem.lower()).strip("-")[:40].strip("-") or "imported"


def import_metrics(source: str, service: str | None = None, max_values: int = 20, timeout: float = 10.0) -> ImportResult:
    if "://" in source:
        if urlparse(source).scheme not in ("http", "https"):
            raise fail(source, None, "cannot read: only http:// and https:// URLs are fetched")
        text = _fetch(source, timeout)
    else:
        text = read_text(source)
    return parse_exposition(text, source, max_values=max_values, service=service or _default_service(source))
