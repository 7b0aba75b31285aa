"""The catalog's `load_tests.requests`: named request templates that scenarios' requests use.

A template is a request written once (method, path, headers, query, body, status, checks, tags),
optionally with variables: `vars` declares every {var.NAME} its path and query values hold, each
with a default. A scenario's request `- use: <template>` takes the template whole; beside `use` it
may set only its own `name` (default: the template's name) and override `query`, `headers` and
`tags` key by key and `vars` by name. Method, path, body, status and checks belong to the template:
a request wanting others is written out in full (or gets a template of its own).

Every problem is located: an unknown template at the use's `use`, a field the use may not set at
that field, an undeclared or unused variable at the variable, a template no scenario uses at the
template (an error rather than a lint finding: an unused template is dead catalog text, and the
catalog's other "unknown"/"duplicate" checks are errors too).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from generator.catalog.fields import pairs
from generator.catalog.load_tests import Problem, _placeholders, _request
from generator.model import Request, RequestTemplate, TemplateUse

# What a request using a template may set beside `use`.
USE_FIELDS = ("use", "name", "query", "headers", "tags", "vars")
OVERRIDES = ("query", "headers", "tags")
# {var.NAME} in a template's path and query values: filled from the template's `vars` and the use's.
VAR = re.compile(r"\{var\.([A-Za-z_][A-Za-z0-9_]*)\}")


def _text(mapping: dict | None) -> dict[str, str]:
    return {str(k): str(v) for k, v in (mapping or {}).items()}


def fill_vars(text: str, values: dict[str, str]) -> str:
    """`text` with each declared {var.NAME} replaced by its value (undeclared ones stay, and are reported)."""
    return VAR.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _silent(_at: str, _message: str) -> None:
    """For rebuilding a request whose problems were already reported where they are written."""


@dataclass
class _Template:
    raw: dict
    built: RequestTemplate
    used: bool = False


@dataclass
class Templates:
    """The catalog's request templates by name, and which of them scenarios use."""
    by_name: dict[str, _Template] = field(default_factory=dict)

    @property
    def built(self) -> tuple[RequestTemplate, ...]:
        return tuple(t.built for t in self.by_name.values())

    def request(self, r: dict, at: str, index: int, problem: Problem) -> Request | None:
        """One entry of a scenario's `requests`: written out in full, or `use:` of a template."""
        if "use" in r:
            return self._use(r, at, problem)
        if "vars" in r:
            problem(f"{at}.vars", "only a request that uses a template (`use: <name>`) takes vars")
            return None
        if "path" not in r:
            problem(at, "a request needs a path, or `use: <template>` naming one of load_tests.requests")
            return None
        return _request(r, at, index, problem)

    def _use(self, r: dict, at: str, problem: Problem) -> Request | None:
        name = r["use"]
        template = self.by_name.get(name)
        if template is None:
            known = ", ".join(sorted(self.by_name)) or "none: load_tests.requests declares no template"
            problem(f"{at}.use", f"unknown request template {name!r} (templates: {known})")
            return None
        template.used = True
        ok = True
        for key in r:
            if key not in USE_FIELDS:
                problem(f"{at}.{key}", f"a request that uses template {name!r} takes no {key} (beside `use` it sets "
                                       f"only name, query, headers, tags and vars): the template sets it; for "
                                       f"another, write the request out in full or add a template")
                ok = False
        declared = dict(template.built.vars)
        own_vars = _text(r.get("vars"))
        for var in own_vars:
            if var not in declared:
                has = ", ".join(sorted(declared)) or "none"
                problem(f"{at}.vars.{var}", f"template {name!r} has no variable {var!r} (its vars: {has})")
                ok = False
        if not ok:
            return None
        values = {**declared, **own_vars}
        for var, value in own_vars.items():
            _placeholders(value, f"{at}.vars.{var}", problem)
        merged = dict(template.raw, name=r.get("name", name))
        for key in OVERRIDES:
            merged[key] = {**_text(template.raw.get(key)), **_text(r.get(key))}
        # over the template's headers as built (Content-Type added for a body), as the k6 library merges them
        merged["headers"] = {**dict(template.built.request.headers), **_text(r.get("headers"))}
        for key, value in _text(r.get("query")).items():
            _placeholders(fill_vars(value, values), f"{at}.query.{key}", problem)
        merged["path"] = fill_vars(merged["path"], values)
        merged["query"] = {k: fill_vars(v, values) for k, v in merged["query"].items()}
        use = TemplateUse(name, r.get("name"), pairs(_text(r.get("query"))), pairs(_text(r.get("headers"))),
                          pairs(_text(r.get("tags"))), pairs(own_vars))
        return replace(_request(merged, at, 0, _silent), use=use)

    def report_unused(self, problem: Problem) -> None:
        for name, template in self.by_name.items():
            if not template.used:
                problem(f"load_tests.requests.{name}",
                        f"request template {name!r} is used by no scenario: use it (`- use: {name}`) or remove it")


def build_templates(section: dict, problem: Problem) -> Templates:
    """`load_tests.requests` -> templates, each checked once where it is written."""
    out = Templates()
    for name, t in (section.get("requests") or {}).items():
        at = f"load_tests.requests.{name}"
        defaults = _text(t.get("vars"))
        texts = [(f"{at}.path", t["path"])] + [(f"{at}.query.{k}", v) for k, v in _text(t.get("query")).items()]
        used = set()
        for where, text in texts:
            for var in VAR.findall(text):
                used.add(var)
                if var not in defaults:
                    problem(where, f"{{var.{var}}} is not declared in {at}.vars (declare it with a default value)")
        for var, value in defaults.items():
            if var not in used:
                problem(f"{at}.vars.{var}", f"variable {var!r} is used in neither the path nor a query value")
            _placeholders(value, f"{at}.vars.{var}", problem)
        # The template's own problems, reported at the template: its variables stand for a plain value
        # here (their values were checked above), so a bad value or an undeclared one is reported once.
        plain = lambda text: VAR.sub("x", text)  # noqa: E731
        _request(dict(t, path=plain(t["path"]), query={k: plain(v) for k, v in _text(t.get("query")).items()}),
                 at, 0, problem)
        request = _request(dict(t, name=name), at, 0, _silent)
        out.by_name[name] = _Template(dict(t), RequestTemplate(name, request, pairs(defaults), t.get("description", "")))
    return out
