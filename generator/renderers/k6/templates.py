"""A catalog's request templates -> one k6 module, k6/lib/<catalog>.requests.js, each template once.

Every template becomes a function `request_<name>(overrides)` returning the request a scenario
sends; a scenario's request that uses the template calls it with its overrides (name, query,
headers, tags, vars), which the library's `fromTemplate` applies as the loader did.
"""
from __future__ import annotations

import json

from generator.model import Catalog, Request, RequestTemplate
from generator.renderers.header import comment_header


def module_path(catalog: Catalog) -> str:
    """Where the catalog's templates are written: named after the catalog file."""
    return f"k6/lib/{catalog.path.stem}.requests.js"


def function_name(template: str) -> str:
    """Prefixed, so that no template name shadows the library's imports."""
    return f"request_{template}"


def request_data(request: Request) -> dict:
    return {
        "name": request.name, "method": request.method, "path": request.path, "status": request.status,
        "headers": dict(request.headers), "query": dict(request.query),
        "body": request.body,
        "checks": [{"field": c.field, "kind": c.kind, "value": c.value} for c in request.checks],
        "tags": dict(request.tags),
    }


def call(request: Request) -> str:
    """The expression a script uses for a request built from a template."""
    use = request.use
    overrides = {key: dict(pairs) for key, pairs in (("query", use.query), ("headers", use.headers),
                                                      ("tags", use.tags), ("vars", use.vars)) if pairs}
    if use.name is not None:
        overrides["name"] = use.name
    args = json.dumps(overrides, sort_keys=True) if overrides else ""
    return f"{function_name(use.template)}({args})"


def _function(template: RequestTemplate) -> str:
    data = dict(request_data(template.request), vars=dict(template.vars))
    body = json.dumps(data, indent=2, sort_keys=True).replace("\n", "\n  ")
    comment = f"// {template.name}: {template.description}\n" if template.description else f"// {template.name}\n"
    return (f"\n{comment}export function {function_name(template.name)}(overrides) {{\n"
            f"  return fromTemplate({body}, overrides);\n}}\n")


def module(catalog: Catalog) -> str:
    return (comment_header(catalog, "//")
            + "// The catalog's request templates (load_tests.requests), each written once: the scenarios' scripts\n"
            + "// call them, with their overrides.\n"
            + "import { fromTemplate } from './obsgen.js';\n"
            + "".join(_function(t) for t in catalog.request_templates))
