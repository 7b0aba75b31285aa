"""The catalog's `load_tests` section -> typed scenarios and the settings they share (`base_url`).

The schema has checked shapes and types; this module checks what it cannot (the options each
executor needs, placeholders in paths, tiers, JSON bodies) and resolves every scenario's thresholds:
its own `thresholds`, else its tier, else the catalog's latency and error-ratio objectives.
Every problem is reported through `problem(doc_path, message)`, located by the loader.
"""
from __future__ import annotations

import json
import re
from typing import Callable
from urllib.parse import urlsplit

from generator.catalog.fields import pairs
from generator.model import (
    DEFAULT_BASE_URL, Auth, Check, ConstantArrivalRate, ConstantVUs, ErrorRatioObjective, Executor, LatencyObjective,
    LatencyThreshold, LoadTestSettings, Objective, PerVUIterations, RampingArrivalRate, RampingVUs, Request, Scenario,
    SharedIterations, Stage, Tier,
)

Problem = Callable[[str, str], None]

# Placeholders a path or query value may hold: filled per request by the k6 library.
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
BUILTIN_PLACEHOLDERS = ("vu", "iteration", "scenario")
ENV_PLACEHOLDER = re.compile(r"^env\.[A-Za-z_][A-Za-z0-9_]*$")

# executor -> (options it requires, options it accepts besides those); catalog (snake_case) names.
EXECUTOR_OPTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "constant-vus": (("vus", "duration"), ()),
    "ramping-vus": (("stages",), ("start_vus", "graceful_ramp_down")),
    "constant-arrival-rate": (("rate", "duration", "pre_allocated_vus"), ("time_unit", "max_vus")),
    "ramping-arrival-rate": (("stages", "pre_allocated_vus"), ("start_rate", "time_unit", "max_vus")),
    "shared-iterations": (("vus", "iterations"), ("max_duration",)),
    "per-vu-iterations": (("vus", "iterations"), ("max_duration",)),
}
ALL_OPTIONS = sorted({o for req, opt in EXECUTOR_OPTIONS.values() for o in req + opt})

MIGRATE_REQUESTS = ("a scenario lists its `requests` (method, path, status, checks); to migrate, add "
                    "`requests: [{path: <your endpoint>, checks: [{field: <name>, is: count}]}]` and "
                    "`auth: {header: Authorization, env: TOKEN, prefix: 'Bearer '}`; see docs/load-testing.md")


def _executor(s: dict, at: str, problem: Problem) -> Executor | None:
    kind = s["executor"]
    required, optional = EXECUTOR_OPTIONS[kind]
    ok = True
    for name in required:
        if name not in s:
            problem(at, f"{kind} needs {name}")
            ok = False
    for name in ALL_OPTIONS:
        if name in s and name not in required + optional:
            problem(f"{at}.{name}", f"{kind} takes no {name} (it takes {', '.join(required + optional)})")
            ok = False
    if not ok:
        return None
    if "stages" in s:
        stages = tuple(Stage(st["duration"], int(st["target"])) for st in s["stages"])
    if kind == "constant-vus":
        return ConstantVUs(s["vus"], s["duration"])
    if kind == "ramping-vus":
        return RampingVUs(stages, s.get("start_vus", 1), s.get("graceful_ramp_down"))
    if kind == "constant-arrival-rate":
        if "max_vus" in s and s["max_vus"] < s["pre_allocated_vus"]:
            problem(f"{at}.max_vus", f"max_vus {s['max_vus']} is below pre_allocated_vus {s['pre_allocated_vus']}")
        return ConstantArrivalRate(s["rate"], s["duration"], s["pre_allocated_vus"], s.get("time_unit", "1s"),
                                   s.get("max_vus"))
    if kind == "ramping-arrival-rate":
        if "max_vus" in s and s["max_vus"] < s["pre_allocated_vus"]:
            problem(f"{at}.max_vus", f"max_vus {s['max_vus']} is below pre_allocated_vus {s['pre_allocated_vus']}")
        return RampingArrivalRate(stages, s["pre_allocated_vus"], s.get("start_rate", 0), s.get("time_unit", "1s"),
                                  s.get("max_vus"))
    if kind == "shared-iterations":
        if s["iterations"] < s["vus"]:
            problem(f"{at}.iterations", f"shared-iterations with {s['vus']} VUs needs at least {s['vus']} iterations")
        return SharedIterations(s["vus"], s["iterations"], s.get("max_duration"))
    return PerVUIterations(s["vus"], s["iterations"], s.get("max_duration"))


def _placeholders(text: str, at: str, problem: Problem) -> None:
    if text.count("{") != text.count("}"):
        problem(at, f"unbalanced braces in {text!r}")
        return
    for name in PLACEHOLDER.findall(text):
        if name not in BUILTIN_PLACEHOLDERS and not ENV_PLACEHOLDER.match(name):
            problem(at, f"unknown placeholder {{{name}}}: use {{vu}}, {{iteration}}, {{scenario}} or {{env.NAME}}")


def _check(c: dict) -> Check:
    if "equals" in c:
        return Check(c["field"], "equals", json.dumps(c["equals"], sort_keys=True))
    return Check(c["field"], c.get("is", "present"))


def _request(r: dict, at: str, index: int, problem: Problem) -> Request:
    method = r.get("method", "GET")
    _placeholders(r["path"], f"{at}.path", problem)
    for key, value in (r.get("query") or {}).items():
        _placeholders(str(value), f"{at}.query.{key}", problem)
    if "body" in r and method in ("GET", "HEAD"):
        problem(f"{at}.body", f"a {method} request carries no body")
    headers = {str(k): str(v) for k, v in (r.get("headers") or {}).items()}
    body = None
    if "body" in r:
        body = json.dumps(r["body"], sort_keys=True, separators=(",", ":"))
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
    return Request(r.get("name", f"request_{index + 1}"), method, r["path"], int(r.get("status", 200)),
                   tuple(sorted(headers.items())), pairs(r.get("query")),
                   body, tuple(_check(c) for c in r.get("checks", ())),
                   pairs(r.get("tags")))


def _auth(a: dict | None) -> Auth | None:
    return None if a is None else Auth(a["header"], a["env"], a.get("prefix", ""))


def build_scenarios(section: dict, tiers: tuple[Tier, ...], objectives: tuple[Objective, ...],
                    problem: Problem, quantile_check: Callable[[float, str], None],
                    objectives_built: bool = True, templates=None) -> tuple[Scenario, ...]:
    """`objectives_built` False: an objective scenarios inherit thresholds from is defective (and reported);
    their thresholds are then not checked, so the one defect is not reported again in every scenario.
    `templates`: the catalog's request templates (generator.catalog.request_templates), built from
    `section` when not given; a request may `use:` one of them."""
    if templates is None:
        from generator.catalog.request_templates import build_templates
        templates = build_templates(section, problem)
    tier_by_name = {t.name: t for t in reversed(tiers)}  # the first of a duplicated name wins
    latency = next((o for o in objectives if isinstance(o, LatencyObjective)), None)
    errors = next((o for o in objectives if isinstance(o, ErrorRatioObjective)), None)
    default_auth = section.get("auth")
    out = []
    for i, s in enumerate(section.get("scenarios", [])):
        at = f"load_tests.scenarios[{i}]"
        executor = _executor(s, at, problem)
        if "requests" not in s:
            problem(at, MIGRATE_REQUESTS)
        built = [templates.request(r, f"{at}.requests[{j}]", j, problem) for j, r in enumerate(s.get("requests", ()))]
        requests = tuple(r for r in built if r is not None)
        seen: set[str] = set()
        for j, r in enumerate(built):
            if r is None:
                continue
            if r.name in seen:
                problem(f"{at}.requests[{j}].name", f"duplicate request name {r.name!r}" + (
                    f" (a template's requests are named after it: give each use of {r.use.template!r} a name)"
                    if r.use else ""))
            seen.add(r.name)
        tier = None
        if "tier" in s:
            tier = tier_by_name.get(s["tier"])
            if tier is None:
                problem(f"{at}.tier", f"unknown tier {s['tier']!r}")
        override = s.get("thresholds") or {}
        quantile = float(override.get("quantile", s.get("quantile", latency.quantile if latency else 0.95)))
        if "quantile" in s:
            quantile_check(s["quantile"], f"{at}.quantile")
        if "quantile" in override:
            quantile_check(override["quantile"], f"{at}.thresholds.quantile")
        target = override.get("latency", tier.target if tier else (latency.threshold if latency else None))
        critical = override.get("critical", tier.critical if tier else None)
        # Checked when the scenario sets one of the two, against what it inherits: not when the tier is
        # unknown, nor against a defective objective (each reported where it is written), and a tier's own
        # critical below its target is the tier's problem, reported there.
        inherits_objective = "latency" not in override and tier is None
        checkable = (("critical" in override or "latency" in override) and not ("tier" in s and tier is None)
                     and (objectives_built or not inherits_objective))
        if checkable and target is not None and critical is not None and critical < target:
            problem(f"{at}.thresholds.critical" if "critical" in override else f"{at}.thresholds.latency",
                    f"the critical latency {critical:g}s is below the target {target:g}s")
        latency_threshold = None if target is None else LatencyThreshold(quantile, float(target),
                                                                         None if critical is None else float(critical))
        error_ratio = override.get("error_ratio", errors.threshold if errors else None)
        if executor is None or "requests" not in s or (tier is None and "tier" in s):
            continue
        out.append(Scenario(s["name"], executor, requests, latency_threshold,
                            None if error_ratio is None else float(error_ratio), s.get("description", ""),
                            s.get("tier"), _auth(s.get("auth", default_auth)), s.get("script", ""),
                            s.get("start_time"), s.get("graceful_stop")))
    return tuple(out)


def _base_url_problem(text: str) -> str | None:
    """Why `text` cannot be what every request's path is appended to (None: it can)."""
    if re.search(r"[\s'\"`\\]", text):
        return "it holds whitespace, a quote or a backslash"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (raises on a port that is no number or out of range)
    except ValueError as exc:
        return str(exc)
    if parts.scheme.lower() not in ("http", "https"):
        return "it must start with http:// or https://"
    if not parts.hostname:
        return "it names no host"
    if parts.username is not None or parts.password is not None:
        return "credentials do not belong in the catalog (load_tests.auth reads a secret from the environment)"
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        return "a query or fragment would come before each request's path"
    return None


def load_test_settings(section: dict, problem: Problem) -> LoadTestSettings:
    """`load_tests.base_url` (default DEFAULT_BASE_URL): an http(s) URL with a host, kept without its
    trailing slash; a path prefix is allowed, a query, fragment or credentials are not."""
    if "base_url" not in section:
        return LoadTestSettings()
    text = section["base_url"]
    why = _base_url_problem(text)
    if why:
        problem("load_tests.base_url", f"{text!r} is not a base URL: {why} (e.g. {DEFAULT_BASE_URL})")
        return LoadTestSettings()
    return LoadTestSettings(base_url=text.rstrip("/"))
