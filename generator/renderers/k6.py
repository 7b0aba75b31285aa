"""Load-test scenarios -> k6 scripts, one per scenario, thresholds from the catalog's tiers.

The tier's target bounds the scenario's quantile (default p95); its critical threshold bounds the
same quantile with abortOnFail; `http_req_failed` stays below the error-ratio objective.
No network imports: the verdict is printed by handleSummary itself.
"""
from __future__ import annotations

import json

from generator.model import Catalog, Scenario
from generator.renderers.header import comment_header

FOLDERS = ("k6",)
DEFAULT_BASE_URL = "http://127.0.0.1:8787"


def error_objective(catalog: Catalog) -> float | None:
    return next((o.threshold for o in catalog.objectives if o.kind == "error_ratio"), None)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:g}"


def thresholds(catalog: Catalog, scenario: Scenario) -> dict:
    tier = catalog.tier(scenario.tier)
    q = f"p({scenario.quantile * 100:g})"
    duration = f"http_req_duration{{scenario:{scenario.name}}}"
    out = {
        duration: [f"{q}<{_ms(tier.target)}",
                   {"threshold": f"{q}<{_ms(tier.critical)}", "abortOnFail": True, "delayAbortEval": "5s"}],
        f"checks{{scenario:{scenario.name}}}": ["rate==1"],
    }
    errors = error_objective(catalog)
    if errors is not None:
        out[f"http_req_failed{{scenario:{scenario.name}}}"] = [f"rate<{errors:g}"]
    return out


def scenario_options(scenario: Scenario) -> dict:
    out: dict = {"executor": scenario.executor, "vus": scenario.vus}
    if scenario.duration:
        out["duration"] = scenario.duration
    if scenario.iterations:
        out["iterations"] = scenario.iterations
    out["tags"] = {"tier": scenario.tier}
    return out


_TEMPLATE = """\
{header}// {description}
// Run: BASE_URL=http://host:port TOKEN=... k6 run --no-usage-report {file}
import http from 'k6/http';
import {{ check }} from 'k6';

const BASE_URL = (__ENV.BASE_URL || '{base_url}').replace(/\\/$/, '');
const TOKEN = __ENV.TOKEN || '';
const ENDPOINT = '{endpoint}';
const SCENARIO = '{name}';
const SUMMARY_PATH = __ENV.SUMMARY_PATH || 'k6-summary-{name}.json';

export const options = {options};

// Fields the summary endpoint must return (the catalog's log fields, less the request's own).
const FIELDS = {fields};

export default function () {{
  const res = http.get(`${{BASE_URL}}${{ENDPOINT}}`, {{
    headers: {{ Authorization: `Bearer ${{TOKEN}}` }},
    tags: {{ path: ENDPOINT, method: 'GET' }},
  }});
  check(res, {{
    'status is 200': (r) => r.status === 200,
    'body has every summary field': (r) => {{
      try {{
        const body = r.json();
        return FIELDS.every((f) => typeof body[f] === 'number');
      }} catch (e) {{
        return false;
      }}
    }},
  }});
}}

function fmt(v) {{
  return v === undefined ? 'n/a' : `${{v.toFixed(1)}}ms`;
}}

export function handleSummary(data) {{
  const d = (data.metrics[`http_req_duration{{scenario:${{SCENARIO}}}}`] || data.metrics.http_req_duration || {{}}).values || {{}};
  const failed = Object.entries(data.metrics)
    .filter(([, m]) => m.thresholds && Object.values(m.thresholds).some((t) => !t.ok))
    .map(([name]) => name);
  const verdict = failed.length === 0 ? 'PASS' : `FAIL (thresholds crossed: ${{failed.join(', ')}})`;
  const lines = [
    `scenario ${{SCENARIO}}: ${{verdict}}`,
    `  requests: ${{(data.metrics.http_reqs || {{ values: {{ count: 0 }} }}).values.count}}`,
    `  duration: avg ${{fmt(d.avg)}} min ${{fmt(d.min)}} max ${{fmt(d.max)}} p95 ${{fmt(d['p(95)'])}}`,
    `  summary: ${{SUMMARY_PATH}}`,
  ];
  return {{ stdout: lines.join('\\n') + '\\n', [SUMMARY_PATH]: JSON.stringify(data, null, 2) }};
}}
"""


def summary_fields(catalog: Catalog) -> list[str]:
    request_only = {"user_id", "duration_ms"}
    return [f for f in catalog.log_fields if f not in request_only]


def script(catalog: Catalog, scenario: Scenario) -> str:
    options = {
        "scenarios": {scenario.name: scenario_options(scenario)},
        "thresholds": thresholds(catalog, scenario),
        "summaryTrendStats": ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"],
    }
    return _TEMPLATE.format(
        header=comment_header(catalog, "//"), description=scenario.description or scenario.name,
        file=f"k6/{scenario.name}.js", base_url=DEFAULT_BASE_URL, endpoint=catalog.service.endpoint or "/",
        name=scenario.name, options=json.dumps(options, indent=2, sort_keys=True),
        fields=json.dumps(summary_fields(catalog)),
    )


def render(catalog: Catalog) -> dict[str, str]:
    return {f"k6/{s.name}.js": script(catalog, s) for s in catalog.scenarios}
