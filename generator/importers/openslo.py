"""OpenSLO v1 (kinds SLO, SLI, AlertPolicy, AlertCondition) -> a catalog with `slos:`.

What maps:
  * an SLO with `budgetingMethod: Occurrences` (the default), one rolling `timeWindow`, one
    objective (`target` 0-1 or `targetPercent`), and an SLI given inline or by `indicatorRef`;
  * an SLI `ratioMetric` with `good` or `bad` and `total`, each a Prometheus `metricSource` whose query
    is a selector, `rate`/`increase` of one, or `sum`/`sum by` of that: the metric and its matchers;
    a good/total pair of `<h>_bucket{le="x"}` over `<h>_count` is a latency SLI at threshold x;
  * `alertPolicies` (inline or by name) whose conditions (inline or `conditionRef`) are `burnrate`
    conditions with `op` gt or gte: each one a tier, long window = `lookbackWindow`, factor =
    `threshold`, `for` = `alertAfter`, page or ticket from `severity`; the short window is the
    default tier's of that long window, else 1/12 of it (the SRE workbook's ratio).
Everything else OpenSLO can say (Timeslices budgeting, calendar windows, several objectives,
thresholdMetric SLIs, other data sources, other condition kinds or operators, notification
targets, queries that are not a plain selector) is a located error: nothing is dropped silently.
"""
from __future__ import annotations

import re

import yaml

from generator.importers import ImportFailure, ImportResult, read_text, service_block
from generator.errors import Location, Problem
from generator.model import format_duration, parse_duration
from generator.promql import Aggregation, Call, MatrixSelector, ParseError, VectorSelector, parse, strip_parens
from generator.slo.model import DEFAULT_TIERS

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
KINDS = ("SLO", "SLI", "AlertPolicy", "AlertCondition")
_PAGE, _TICKET = {"page", "critical", "high"}, {"ticket", "warning", "low", "medium"}


class _Doc:
    """One YAML document with the line of every document path ("spec.objectives[0].target")."""

    def __init__(self, file: str, node):
        self.file, self.lines = file, {}
        self.data = self._build(node, "")

    def _build(self, node, path: str):
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out = {}
            for key, value in node.value:
                name = str(key.value)
                child = f"{path}.{name}" if path else name
                out[name] = self._build(value, child)
                self.lines[child] = key.start_mark.line + 1  # a field is located at its key
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self._build(v, f"{path}[{i}]") for i, v in enumerate(node.value)]
        return yaml.load(yaml.serialize(node), Loader=_LOADER) if node.tag != "tag:yaml.org,2002:str" else node.value

    def line(self, path: str) -> int | None:
        while path and path not in self.lines:
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return self.lines.get(path)


class _Errors:
    def __init__(self):
        self.problems: list[Problem] = []

    def add(self, doc: _Doc, path: str, message: str, prefix: str = "") -> None:
        full = f"{prefix}.{path}" if prefix and path else (prefix or path)
        self.problems.append(Problem(Location(doc.file, doc.line(full), full or "(document)"), message))


def _documents(files: list[str], errors: _Errors) -> list[_Doc]:
    out = []
    for file in files:
        text = read_text(file)
        try:
            nodes = list(yaml.compose_all(text, Loader=_LOADER))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise ImportFailure([Problem(Location(file, mark.line + 1 if mark else None), f"invalid YAML: {exc}")])
        for node in nodes:
            if node is None:
                continue
            doc = _Doc(file, node)
            if not isinstance(doc.data, dict):
                errors.add(doc, "", "an OpenSLO document is a mapping")
                continue
            if doc.data.get("apiVersion") != "openslo/v1":
                errors.add(doc, "apiVersion", f"apiVersion {doc.data.get('apiVersion')!r} is not openslo/v1")
                continue
            if doc.data.get("kind") not in KINDS:
                errors.add(doc, "kind", f"kind {doc.data.get('kind')!r} cannot be imported (only {', '.join(KINDS)})")
                continue
            if not isinstance(doc.data.get("metadata"), dict) or not doc.data["metadata"].get("name"):
                errors.add(doc, "metadata", "metadata.name is required")
                continue
            out.append(doc)
    return out


def _ref(doc: _Doc, path: str, value: dict, errors: _Errors, prefix: str = "") -> dict | None:
    """metric + matchers of a Prometheus metricSource."""
    source = value.get("metricSource") if isinstance(value, dict) else None
    where = f"{path}.metricSource"
    if not isinstance(source, dict) or str(source.get("type", "")).lower() != "prometheus":
        errors.add(doc, where, "only a metricSource of type Prometheus can be imported", prefix)
        return None
    query = (source.get("spec") or {}).get("query") if isinstance(source.get("spec"), dict) else None
    if not isinstance(query, str):
        errors.add(doc, f"{where}.spec", "the Prometheus metricSource needs spec.query", prefix)
        return None
    try:
        node = strip_parens(parse(query))
    except ParseError as exc:
        errors.add(doc, f"{where}.spec.query", f"the query does not parse: {exc}", prefix)
        return None
    if isinstance(node, Aggregation) and node.op == "sum" and not node.without:
        node = strip_parens(node.expr)
    if isinstance(node, Call) and node.func in ("rate", "increase", "irate") and len(node.args) == 1:
        node = node.args[0]
    if isinstance(node, MatrixSelector):
        node = node.vector
    if not isinstance(node, VectorSelector) or not node.metric_name or node.offset or node.at:
        errors.add(doc, f"{where}.spec.query", f"{query!r} is not a counter selector, rate() or sum(rate()) of one; "
                                               "obsgen counts events from a metric and its matchers", prefix)
        return None
    matchers = {}
    for m in node.label_matchers:
        matchers[m.name] = m.value if m.op == "=" else {m.op: m.value}
    return {"metric": node.metric_name, **({"matchers": matchers} if matchers else {})}


def _sli(doc: _Doc, path: str, spec: dict, errors: _Errors, prefix: str = "") -> dict | None:
    if not isinstance(spec, dict) or "ratioMetric" not in spec:
        errors.add(doc, path, "only a ratioMetric SLI can be imported (thresholdMetric has no obsgen form)", prefix)
        return None
    ratio, at = spec["ratioMetric"], f"{path}.ratioMetric"
    if not isinstance(ratio, dict):
        errors.add(doc, at, "ratioMetric must be a mapping", prefix)
        return None
    if ratio.get("counter") is False:
        errors.add(doc, f"{at}.counter", "a ratioMetric of gauges (counter: false) cannot be imported", prefix)
    if "rawType" in ratio or "raw" in ratio:
        errors.add(doc, f"{at}.raw", "a raw ratio metric cannot be imported", prefix)
    kinds = [k for k in ("good", "bad") if k in ratio]
    if len(kinds) != 1 or "total" not in ratio:
        errors.add(doc, at, "give total and exactly one of good and bad", prefix)
        return None
    part = _ref(doc, f"{at}.{kinds[0]}", ratio[kinds[0]], errors, prefix)
    total = _ref(doc, f"{at}.total", ratio["total"], errors, prefix)
    if part is None or total is None:
        return None
    le = (part.get("matchers") or {}).get("le")
    base = part["metric"][: -len("_bucket")] if part["metric"].endswith("_bucket") else None
    if kinds[0] == "good" and base and isinstance(le, str) and total["metric"] == f"{base}_count":
        rest = {k: v for k, v in part["matchers"].items() if k != "le"}
        if rest != (total.get("matchers") or {}):
            errors.add(doc, f"{at}.good", "a latency SLI needs the same matchers on the bucket and the count", prefix)
            return None
        try:
            threshold = float(le)
        except ValueError:
            errors.add(doc, f"{at}.good", f"le={le!r} is not a number", prefix)
            return None
        return {"latency": {"metric": base, "threshold": threshold, **({"matchers": rest} if rest else {})}}
    return {"ratio": {"errors" if kinds[0] == "bad" else "good": part, "total": total}}


def _named(docs: list[_Doc], kind: str) -> dict[str, _Doc]:
    return {d.data["metadata"]["name"]: d for d in docs if d.data["kind"] == kind}


def _inline(item, kind: str) -> dict | None:
    """`item` if it is an inline document of `kind`."""
    return item if isinstance(item, dict) and item.get("kind") == kind else None


def _resolve(doc: _Doc, prefix: str, at: str, holder, ref_key: str, inline: dict | None, named: dict[str, _Doc],
             kind: str, errors: _Errors, neither: str, inline_at: str | None = None) -> tuple[_Doc, str, object] | None:
    """What `holder` (at `at` under `prefix` in `doc`) gives by reference or inline, as the document, the
    prefix of its paths there and its spec: `holder[ref_key]` names a document of `kind`; else `inline`
    (located at `inline_at`, by default `at`) is the document written in place. A located error and None
    when the name is unknown or neither is given."""
    if isinstance(holder, dict) and ref_key in holder:
        target = named.get(holder[ref_key])
        if target is None:
            errors.add(doc, f"{at}.{ref_key}", f"no {kind} named {holder[ref_key]!r}", prefix)
            return None
        return target, "", target.data.get("spec")
    if inline is not None:
        where = inline_at or at
        return doc, f"{prefix}.{where}" if prefix else where, inline.get("spec")
    errors.add(doc, at, neither, prefix)
    return None


def _duration(doc: _Doc, path: str, value, errors: _Errors, prefix: str = "") -> str | None:
    text = str(value)
    try:
        parse_duration(text)
    except ValueError:
        errors.add(doc, path, f"{text!r} is not a duration (1h, 28d)", prefix)
        return None
    return text


def _condition(doc: _Doc, prefix: str, spec: dict, errors: _Errors) -> dict | None:
    if not isinstance(spec, dict) or not isinstance(spec.get("condition"), dict):
        errors.add(doc, "spec.condition", "an AlertCondition needs spec.condition", prefix)
        return None
    cond = spec["condition"]
    if str(cond.get("kind", "")).lower() != "burnrate":
        errors.add(doc, "spec.condition.kind", f"condition kind {cond.get('kind')!r} cannot be imported (only burnrate)", prefix)
        return None
    if cond.get("op", "gte") not in ("gt", "gte"):
        errors.add(doc, "spec.condition.op", f"op {cond.get('op')!r}: a burn-rate tier fires above its factor (gt, gte)", prefix)
        return None
    severity = str(spec.get("severity", "")).lower()
    alert = "page" if severity in _PAGE else "ticket" if severity in _TICKET else None
    if alert is None:
        errors.add(doc, "spec.severity", f"severity {spec.get('severity')!r} is neither a page ({', '.join(sorted(_PAGE))}) "
                                         f"nor a ticket ({', '.join(sorted(_TICKET))})", prefix)
        return None
    long = _duration(doc, "spec.condition.lookbackWindow", cond.get("lookbackWindow"), errors, prefix)
    factor = cond.get("threshold")
    if not isinstance(factor, (int, float)) or isinstance(factor, bool) or factor <= 0:
        errors.add(doc, "spec.condition.threshold", f"threshold {factor!r} is not a positive burn rate", prefix)
        return None
    if long is None:
        return None
    default = next((t for t in DEFAULT_TIERS if t.long == long), None)
    short = default.short if default else format_duration(parse_duration(long) / 12)
    tier = {"long": long, "short": short, "factor": float(factor), "alert": alert}
    if "alertAfter" in cond:
        after = _duration(doc, "spec.condition.alertAfter", cond["alertAfter"], errors, prefix)
        if after:
            tier["for"] = after
    return tier


def _policy(doc: _Doc, prefix: str, spec: dict, conditions: dict[str, _Doc], errors: _Errors) -> list[dict]:
    if not isinstance(spec, dict):
        errors.add(doc, "spec", "an AlertPolicy needs a spec", prefix)
        return []
    if spec.get("notificationTargets"):
        errors.add(doc, "spec.notificationTargets", "notification targets have no place in an SLO: route the page and "
                                                    "ticket severities in the catalog's alerting section", prefix)
    if spec.get("alertWhenNoData") or spec.get("alertWhenResolved"):
        errors.add(doc, "spec", "alertWhenNoData / alertWhenResolved cannot be imported", prefix)
    tiers = []
    for i, item in enumerate(spec.get("conditions") or []):
        found = _resolve(doc, prefix, f"spec.conditions[{i}]", item, "conditionRef", _inline(item, "AlertCondition"),
                         conditions, "AlertCondition", errors, "a condition is a conditionRef or an inline AlertCondition")
        tier = _condition(*found, errors) if found else None
        if tier:
            tiers.append(tier)
    if not tiers:
        errors.add(doc, "spec.conditions", "the alert policy has no burn-rate condition", prefix)
    return tiers


def _slo_name(name: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", name.lower()).strip("_") or "slo"


def import_openslo(files: list[str], service: str | None = None) -> ImportResult:
    errors = _Errors()
    docs = _documents(files, errors)
    slis, policies, conditions = _named(docs, "SLI"), _named(docs, "AlertPolicy"), _named(docs, "AlertCondition")
    slos, services = [], []
    for doc in (d for d in docs if d.data["kind"] == "SLO"):
        spec = doc.data.get("spec")
        if not isinstance(spec, dict):
            errors.add(doc, "spec", "an SLO needs a spec")
            continue
        slo: dict = {"name": _slo_name(doc.data["metadata"]["name"])}
        if spec.get("description"):
            slo["description"] = str(spec["description"])
        if spec.get("service"):
            services.append(str(spec["service"]))
        if spec.get("budgetingMethod", "Occurrences") != "Occurrences":
            errors.add(doc, "spec.budgetingMethod", f"budgetingMethod {spec['budgetingMethod']!r}: obsgen budgets "
                                                    "occurrences (events), not time slices")
        windows = spec.get("timeWindow") or []
        if len(windows) != 1 or not isinstance(windows[0], dict):
            errors.add(doc, "spec.timeWindow", "give exactly one timeWindow")
        elif windows[0].get("isRolling") is False or "calendar" in windows[0]:
            errors.add(doc, "spec.timeWindow[0]", "a calendar window cannot be imported: obsgen periods are rolling")
        else:
            period = _duration(doc, "spec.timeWindow[0].duration", windows[0].get("duration"), errors)
            if period:
                slo["period"] = period
        objectives = spec.get("objectives") or []
        if len(objectives) != 1 or not isinstance(objectives[0], dict):
            errors.add(doc, "spec.objectives", "give exactly one objective: obsgen SLOs have one target")
        else:
            objective = objectives[0]
            for key in ("op", "value", "timeSliceTarget", "timeSliceWindow"):
                if key in objective:
                    errors.add(doc, f"spec.objectives[0].{key}", f"{key} (a threshold or time-slice objective) cannot be imported")
            if "targetPercent" in objective:
                slo["target"] = float(objective["targetPercent"])
            elif isinstance(objective.get("target"), (int, float)):
                slo["target"] = round(float(objective["target"]) * 100, 10)
            else:
                errors.add(doc, "spec.objectives[0]", "the objective needs target (0-1) or targetPercent")
        indicator = spec.get("indicator") if isinstance(spec.get("indicator"), dict) else None
        found = _resolve(doc, "", "spec", spec, "indicatorRef", indicator, slis, "SLI", errors,
                         "the SLO needs an indicator or an indicatorRef", inline_at="spec.indicator")
        sli = _sli(found[0], "spec", found[2], errors, found[1]) if found else None
        if sli:
            slo.update(sli)
        tiers = []
        for i, item in enumerate(spec.get("alertPolicies") or []):
            found = _resolve(doc, "", f"spec.alertPolicies[{i}]", item, "alertPolicyRef", _inline(item, "AlertPolicy"),
                             policies, "AlertPolicy", errors, "an alert policy is an alertPolicyRef or an inline AlertPolicy")
            if found:
                tiers += _policy(*found, conditions, errors)
        if tiers:
            given = {t["long"] for t in tiers}
            # the policy replaces obsgen's defaults: default tiers it does not name are disabled
            slo["alerting"] = {"tiers": tiers + [{"long": t.long, "disable": True} for t in DEFAULT_TIERS if t.long not in given]}
        slos.append(slo)
    if not slos and not errors.problems:
        raise ImportFailure([Problem(Location(files[0]), "no OpenSLO SLO document found")])
    if errors.problems:
        raise ImportFailure(errors.problems)
    return _catalog(slos, service or (services[0] if services else "service"), files[0])


def _refs(slo: dict) -> list[dict]:
    return list(slo.get("ratio", {}).values()) + ([slo["latency"]] if "latency" in slo else [])


def _common_selector(slos: list[dict]) -> dict[str, str]:
    """Equality matchers every query shares: the service's selector, taken out of each SLI's matchers."""
    refs = [ref for slo in slos for ref in _refs(slo)]
    common = None
    for ref in refs:
        equal = {k: v for k, v in (ref.get("matchers") or {}).items() if isinstance(v, str) and k != "le"}
        common = equal if common is None else {k: v for k, v in common.items() if equal.get(k) == v}
    for ref in refs:
        rest = {k: v for k, v in (ref.get("matchers") or {}).items() if k not in (common or {})}
        ref.pop("matchers", None)
        if rest:
            ref["matchers"] = rest
    return common or {}


def _catalog(slos: list[dict], service: str, file: str) -> ImportResult:
    name = re.sub(r"[^a-z0-9-]", "-", service.lower()).strip("-")[:40] or "service"
    selector = _common_selector(slos) or {"job": name}
    metrics: dict[str, dict] = {}
    result = ImportResult({})
    for slo in slos:
        refs = list(slo.get("ratio", {}).values())
        for ref in refs:
            entry = metrics.setdefault(ref["metric"], {"name": ref["metric"], "type": "counter", "help": "Imported from OpenSLO."})
            entry.setdefault("labels", [])
            for label in ref.get("matchers", {}):
                if label not in [lab["name"] for lab in entry["labels"]]:
                    entry["labels"].append({"name": label})
        if "latency" in slo:
            latency = slo["latency"]
            entry = metrics.setdefault(latency["metric"], {"name": latency["metric"], "type": "histogram",
                                                           "help": "Imported from OpenSLO.", "buckets": []})
            if latency["threshold"] not in entry["buckets"]:
                entry["buckets"] = sorted(entry["buckets"] + [latency["threshold"]])
            entry.setdefault("labels", [])
            for label in latency.get("matchers", {}):
                if label not in [lab["name"] for lab in entry["labels"]]:
                    entry["labels"].append({"name": label})
            result.warn(file, None, f"{latency['metric']}: OpenSLO gives no buckets; only the SLO's threshold "
                                  f"{latency['threshold']:g} is listed, add the histogram's other buckets")
    for entry in metrics.values():
        if entry["type"] == "counter" and not entry["name"].endswith("_total"):
            raise ImportFailure([Problem(Location(file), f"counter {entry['name']!r} does not end in _total, as the "
                                                       "catalog requires; rename it in the query")])
        if not entry.get("labels"):
            entry.pop("labels", None)
    result.catalog = {"service": service_block(name, selector=selector), "metrics": sorted(metrics.values(), key=lambda m: m["name"]),
                      "slos": slos}
    return result
