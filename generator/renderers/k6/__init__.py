"""Load-test scenarios -> k6 scripts, one per `script` (a scenario's own name unless it names one).

Each script holds its scenarios' requests, checks and auth as data and runs them with the shared,
service-agnostic library (k6/lib/obsgen.js). Thresholds were derived by the loader from the
scenario's override, its tier or the objectives. Requests go to the catalog's `load_tests.base_url`
unless $BASE_URL is set when k6 runs. No network imports: the verdict is printed by handleSummary
itself.
"""
from __future__ import annotations

import json

from generator.derive import derive
from generator.model import Catalog, Request, Scenario
from generator.renderers.header import comment_header
from generator.renderers.k6.library import LIBRARY, LIBRARY_PATH
from generator.renderers.k6 import templates
from generator.slo.k6 import merge, slo_thresholds
from generator.renderers.k6.options import executor_options, scenario_options, thresholds
from generator.renderers.k6.templates import request_data

__all__ = ["FOLDERS", "LIBRARY", "LIBRARY_PATH", "executor_options", "render", "script",
           "scripts", "thresholds"]

FOLDERS = ("k6",)

_HEAD = """\
{header}{descriptions}
// Run: BASE_URL=http://host:port{auth_env} k6 run --no-usage-report {file}
// Optional: SUMMARY_PATH (JSON summary file), DURATION / ITERATIONS (override the catalog's),
// THINK_TIME (seconds between iterations of one VU, default 0).
import {{ runRequests, summarize }} from './lib/obsgen.js';
{template_import}
const BASE_URL = (__ENV.BASE_URL || '{base_url}').replace(/\\/$/, '');
const NAME = '{name}';
const SUMMARY_PATH = __ENV.SUMMARY_PATH || 'k6-summary-{name}.json';
const THINK_TIME = Number(__ENV.THINK_TIME || 0);

export const options = {options};

for (const s of Object.values(options.scenarios)) {{
  if (__ENV.DURATION && s.duration) s.duration = __ENV.DURATION;
  if (__ENV.ITERATIONS && s.iterations) s.iterations = Number(__ENV.ITERATIONS);
}}
"""

_SCENARIO = """
// {name}: the requests of each iteration and the header its auth adds.
const REQUESTS_{name} = {requests};
const AUTH_{name} = {auth};

export function scenario_{name}() {{
  runRequests(BASE_URL, REQUESTS_{name}, AUTH_{name}, THINK_TIME);
}}
"""

_TAIL = """
export function handleSummary(data) {{
  return summarize(data, NAME, SUMMARY_PATH);
}}
"""


def _js(value) -> str:
    return json.dumps(value, indent=2, sort_keys=True)


def _requests_js(requests: tuple[Request, ...]) -> str:
    """The scenario's requests: a template's as a call of its function, the others as data."""
    items = [templates.call(r) if r.use else _js(request_data(r)) for r in requests]
    return "[\n" + ",\n".join("  " + item.replace("\n", "\n  ") for item in items) + "\n]"


def _template_import(catalog: Catalog, scenarios: tuple[Scenario, ...]) -> str:
    used = sorted({templates.function_name(r.use.template) for s in scenarios for r in s.requests if r.use})
    if not used:
        return ""
    return f"import {{ {', '.join(used)} }} from './lib/{templates.module_path(catalog).rsplit('/', 1)[1]}';\n"


def scripts(catalog: Catalog) -> dict[str, tuple[Scenario, ...]]:
    """Script name -> its scenarios, in catalog order (derived once per catalog)."""
    return derive(catalog).load_tests


def script(catalog: Catalog, name: str, scenarios: tuple[Scenario, ...]) -> str:
    options = {
        "scenarios": {s.name: scenario_options(s) for s in scenarios},
        "thresholds": {k: v for s in scenarios for k, v in merge(thresholds(s), slo_thresholds(catalog, s)).items()},
        "summaryTrendStats": ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"],
    }
    envs = sorted({s.auth.env for s in scenarios if s.auth})
    text = _HEAD.format(
        header=comment_header(catalog, "//"),
        descriptions="\n".join(f"// {s.name}: {s.description}" if len(scenarios) > 1 else f"// {s.description or s.name}"
                               for s in scenarios),
        auth_env="".join(f" {e}=..." for e in envs), file=f"k6/{name}.js",
        base_url=catalog.load_test_settings.base_url,
        name=name, options=_js(options), template_import=_template_import(catalog, scenarios))
    for s in scenarios:
        auth = None if s.auth is None else {"env": s.auth.env, "header": s.auth.header, "prefix": s.auth.prefix}
        text += _SCENARIO.format(name=s.name, requests=_requests_js(s.requests), auth=_js(auth))
    return text + _TAIL.format()


def render(catalog: Catalog) -> dict[str, str]:
    out = {f"k6/{name}.js": script(catalog, name, group) for name, group in scripts(catalog).items()}
    if out:
        out[LIBRARY_PATH] = LIBRARY
    if catalog.request_templates:
        out[templates.module_path(catalog)] = templates.module(catalog)
    return out
