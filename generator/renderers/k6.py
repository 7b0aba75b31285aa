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
// Optional: SUMMARY_PATH (JSON summary file), DURATION / ITERATIONS (override the catalog's),
// THINK_TIME (seconds between requests of one VU, default 0).
import http from 'k6/http';
import {{ check, sleep }} from 'k6';

const BASE_URL = (__ENV.BASE_URL || '{base_url}').replace(/\\/$/, '');
const TOKEN = __ENV.TOKEN || '';
const ENDPOINT = '{endpoint}';
const SCENARIO = '{name}';
const SUMMARY_PATH = __ENV.SUMMARY_PATH || 'k6-summary-{name}.json';
const THINK_TIME = Number(__ENV.THINK_TIME || 0);

// Request tags named like the labels of {tag_metric}, so k6 results and Prometheus series line up
// (k6 adds `status` itself).
const TAGS = {tags};

export const options = {options};

if (__ENV.DURATION && options.scenarios[SCENARIO].duration) options.scenarios[SCENARIO].duration = __ENV.DURATION;
if (__ENV.ITERATIONS && options.scenarios[SCENARIO].iterations) options.scenarios[SCENARIO].iterations = Number(__ENV.ITERATIONS);

// Fields the summary endpoint must return (the catalog's log fields, less the request's own).
const FIELDS = {fields};

export default function () {{
  const res = http.get(`${{BASE_URL}}${{ENDPOINT}}`, {{
    headers: {{ Authorization: `Bearer ${{TOKEN}}` }},
    tags: TAGS,
  }});
  check(res, {{
    'status is 200': (r) => r.status === 200,
    'body has every summary field as a count': (r) => {{
      try {{
        const body = r.json();
        return FIELDS.every((f) => Number.isInteger(body[f]) && body[f] >= 0);
      }} catch (e) {{
        return false;
      }}
    }},
  }});
  if (THINK_TIME > 0) sleep(THINK_TIME);
}}

function ms(v) {{
  return v === undefined ? 'n/a' : `${{v.toFixed(1)}}ms`;
}}

function thresholdResults(data) {{
  const out = [];
  for (const [metric, m] of Object.entries(data.metrics)) {{
    for (const [expr, t] of Object.entries(m.thresholds || {{}})) {{
      out.push({{ metric, threshold: expr, ok: t.ok, values: m.values }});
    }}
  }}
  return out.sort((a, b) => (a.metric + a.threshold).localeCompare(b.metric + b.threshold));
}}

export function handleSummary(data) {{
  const d = (data.metrics[`http_req_duration{{scenario:${{SCENARIO}}}}`] || data.metrics.http_req_duration || {{}}).values || {{}};
  const results = thresholdResults(data);
  const crossed = results.filter((r) => !r.ok);
  const verdict = crossed.length === 0 ? 'PASS' : 'FAIL';
  const requests = (data.metrics.http_reqs || {{ values: {{ count: 0 }} }}).values.count;
  const lines = [
    `scenario ${{SCENARIO}}: ${{verdict}}`,
    `  requests: ${{requests}}`,
    `  response time: avg ${{ms(d.avg)}}  min ${{ms(d.min)}}  max ${{ms(d.max)}}  p95 ${{ms(d['p(95)'])}}`,
  ];
  for (const r of results) {{
    lines.push(`  ${{r.ok ? 'ok     ' : 'CROSSED'}} ${{r.metric}}: ${{r.threshold}}`);
  }}
  lines.push(`  summary: ${{SUMMARY_PATH}}`);
  const report = {{
    scenario: SCENARIO,
    verdict,
    requests,
    response_time_ms: {{ avg: d.avg, min: d.min, max: d.max, p95: d['p(95)'] }},
    thresholds: results.map((r) => ({{ metric: r.metric, threshold: r.threshold, ok: r.ok }})),
    k6: data,
  }};
  return {{ stdout: lines.join('\\n') + '\\n', [SUMMARY_PATH]: JSON.stringify(report, null, 2) }};
}}
"""


def summary_fields(catalog: Catalog) -> list[str]:
    request_only = {"user_id", "duration_ms"}
    return [f for f in catalog.log_fields if f not in request_only]


def request_tags(catalog: Catalog) -> tuple[str, dict[str, str]]:
    """Tags for the summary request, named and valued like the labels of the error objective's
    total counter (for Ampel: http_requests_total{path, method}); every value is one the catalog allows."""
    objective = next((o for o in catalog.objectives if o.kind == "error_ratio"), None)
    if objective is None:
        return "", {}
    metric = catalog.metric(objective.total.metric)
    tags = dict(objective.total.matchers)
    method = metric.label("method")
    if method is not None and method.allows("GET"):
        tags["method"] = "GET"
    return metric.name, dict(sorted(tags.items()))


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
        tag_metric=request_tags(catalog)[0] or "the service's request counter",
        tags=json.dumps(request_tags(catalog)[1], sort_keys=True),
        fields=json.dumps(summary_fields(catalog)),
    )


def render(catalog: Catalog) -> dict[str, str]:
    return {f"k6/{s.name}.js": script(catalog, s) for s in catalog.scenarios}
