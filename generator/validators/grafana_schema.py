"""Validate dashboard JSON against Grafana's official JSON schemas.

The schemas are not shipped with this package (Grafana's draft-07 schemas: dashboard.jsonschema.json,
<paneltype>.jsonschema.json, prometheus.jsonschema.json, the jsonschema/ folder of
grafana/grafana-foundation-sdk at GRAFANA_SCHEMA_REF). `resolve_schema_dir` looks for them in this
order: `validate --grafana-schema-dir`, $OBSGEN_GRAFANA_SCHEMA_DIR, `grafana_schema_dir` in the
project's .obsgen.yaml (each of these, when given, must hold them), then the per-user cache
($XDG_CACHE_HOME/obsgen/grafana-schema, default ~/.cache/obsgen/grafana-schema), then
`../shared/grafana-schema` beside the project root. When none holds them, the error gives the
commands that fetch the pinned commit into the per-user cache.

Checked: the dashboard (`#/definitions/Dashboard`), each panel's `options` and
`fieldConfig.defaults.custom` against its type's Options / FieldConfig, and every Prometheus
target against `#/definitions/Dataquery`.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from generator import json_text, project_config
from generator.catalog import schema_cache
from generator.errors import ToolMissing

ENV_VAR = "OBSGEN_GRAFANA_SCHEMA_DIR"
GRAFANA_SCHEMA_REF = "f178d5a42a8915fdda9235e97ad93881e3f94fef"  # as in .github/workflows/validate.yml
SCHEMA_FILE = "dashboard.jsonschema.json"


def user_cache_dir() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "obsgen" / "grafana-schema"


def fetch_commands(target: Path | None = None) -> str:
    """Shell commands that put the pinned schemas into `target` (default: the per-user cache)."""
    target = target or user_cache_dir()
    return (f"mkdir -p {target} && curl -fsSL https://github.com/grafana/grafana-foundation-sdk/archive/"
            f"{GRAFANA_SCHEMA_REF}.tar.gz | tar -xz -C {target} --strip-components=2 "
            f"grafana-foundation-sdk-{GRAFANA_SCHEMA_REF}/jsonschema")


def _holds_schemas(folder: Path) -> bool:
    return (folder / SCHEMA_FILE).is_file()


def resolve_schema_dir(root: Path | None = None, flag: str | Path | None = None) -> Path:
    """The folder of Grafana's schemas, by the search order of the module doc; ToolMissing (exit 4)
    naming what was searched and how to fetch them."""
    root = Path(root) if root is not None else Path.cwd()
    explicit = [("--grafana-schema-dir", flag), (f"${ENV_VAR}", os.environ.get(ENV_VAR))]
    config = project_config.load(root)
    if config.grafana_schema_dir is not None:
        explicit.append((f"grafana_schema_dir in {config.file}", config.grafana_schema_dir))
    for source, value in explicit:
        if value:
            folder = Path(os.path.expanduser(str(value)))
            if not _holds_schemas(folder):
                raise ToolMissing(f"Grafana's dashboard JSON schemas are not in {folder} (named by {source}: it "
                                  f"holds no {SCHEMA_FILE}); fetch the pinned commit with: {fetch_commands(folder)}")
            return folder
    fallbacks = [user_cache_dir(), root.resolve().parent / "shared" / "grafana-schema"]
    for folder in fallbacks:
        if _holds_schemas(folder):
            return folder
    raise ToolMissing(
        f"Grafana's dashboard JSON schemas were not found (searched --grafana-schema-dir, ${ENV_VAR}, "
        f"grafana_schema_dir in {root / project_config.FILE_NAME}, {fallbacks[0]}, {fallbacks[1]}); fetch the "
        f"pinned commit into the per-user cache with: {fetch_commands()}")


def default_schema_dir() -> Path:
    """The schema folder for the project in the working directory."""
    return resolve_schema_dir()


@dataclass(frozen=True)
class SchemaViolation:
    pointer: str  # JSON path inside the dashboard, e.g. panels[3].options.legend
    schema: str  # which schema rejected it
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '(dashboard)'}: {self.message} [{self.schema}]"


def _validator(schema_dir: str, file: str, definition: str, digests: dict[str, str]):
    """The validator of one definition (jsonschema.Draft7Validator), or None when there is none;
    built once per process for each schema content (an edited file gets a new one)."""
    if file not in digests:
        return None
    return _build(schema_dir, file, definition, digests[file])


@lru_cache(maxsize=None)
def _build(schema_dir: str, file: str, definition: str, digest: str):
    import jsonschema  # only when a dashboard is not known to pass (schema_cache)

    document = json.loads((Path(schema_dir) / file).read_text())
    if definition not in document["definitions"]:
        return None
    definitions = document["definitions"]
    schema = _inline({"$ref": f"#/definitions/{definition}"}, definitions, frozenset())
    return jsonschema.Draft7Validator({**schema, "definitions": definitions})


def _inline(node, definitions: dict, seen: frozenset):
    """The schema with every non-recursive `#/definitions/` reference replaced by its definition
    (draft 7 ignores a $ref's siblings), so validating does not look references up per instance:
    about a third faster, same errors. Recursive references stay references."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            name = ref[len("#/definitions/"):]
            if name in seen or name not in definitions:
                return node
            return _inline(definitions[name], definitions, seen | {name})
        return {key: _inline(value, definitions, seen) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value, definitions, seen) for value in node]
    return node


def _pointer(prefix: str, parts) -> str:
    out = prefix
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# (schema folder, file, definition, the instance's canonical JSON) -> its errors (path, message).
# Panels of a dashboard mostly share their options and field config, so each distinct one is checked
# once per process. Keyed by content, held in memory only, bounded.
_VERDICTS: dict[tuple[str, str, str, str, str], list[tuple[tuple, str]]] = {}
_VERDICTS_KEPT = 4096


def _errors(schema_dir: str, file: str, definition: str, instance, validator,
            digest: str) -> list[tuple[tuple, str]]:
    key = (schema_dir, file, digest, definition, json_text.canonical(instance))
    found = _VERDICTS.get(key)
    if found is None:
        found = [(tuple(e.absolute_path), e.message)
                 for e in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))]
        if len(_VERDICTS) >= _VERDICTS_KEPT:
            _VERDICTS.clear()
        _VERDICTS[key] = found
    return found


def _check(schema_dir: str, file: str, definition: str, instance, prefix: str,
           digests: dict[str, str]) -> list[SchemaViolation]:
    validator = _validator(schema_dir, file, definition, digests)
    if validator is None:
        return []
    return [SchemaViolation(_pointer(prefix, path), f"{file}#{definition}", message)
            for path, message in _errors(schema_dir, file, definition, instance, validator, digests[file])]


def _panels(dashboard: dict):
    for i, panel in enumerate(dashboard.get("panels", [])):
        yield f"panels[{i}]", panel
        for j, inner in enumerate(panel.get("panels", []) if panel.get("type") == "row" else []):
            yield f"panels[{i}].panels[{j}]", inner


def validate_dashboard(dashboard: dict, schema_dir: str | Path | None = None) -> list[SchemaViolation]:
    """Every violation of the official schemas; an empty list means it imports cleanly."""
    schema_dir = str(schema_dir or default_schema_dir())
    if not (Path(schema_dir) / SCHEMA_FILE).exists():
        raise ToolMissing(f"Grafana's dashboard JSON schemas are not in {schema_dir}; fetch the pinned commit "
                          f"with: {fetch_commands(Path(schema_dir))}")
    digests = _schema_digests(schema_dir)
    passed = schema_cache.key(json_text.canonical(digests), dashboard)
    if schema_cache.passed(passed, schema_cache.GRAFANA_FOLDER):
        return []
    problems = _violations(dashboard, schema_dir, digests)
    if not problems:
        schema_cache.remember(passed, schema_cache.GRAFANA_FOLDER)
    return problems


def _schema_digests(schema_dir: str) -> dict[str, str]:
    """file name -> hash of its content, for every schema file of the folder (read for each
    dashboard, well under a millisecond, so an edited schema is never missed)."""
    import hashlib
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(Path(schema_dir).glob("*.jsonschema.json"))}


def _violations(dashboard: dict, schema_dir: str, digests: dict[str, str]) -> list[SchemaViolation]:
    problems = _check(schema_dir, "dashboard.jsonschema.json", "Dashboard", dashboard, "", digests)
    for at, panel in _panels(dashboard):
        kind = panel.get("type")
        if kind == "row":
            continue
        panel_file = f"{str(kind).replace('-', '')}.jsonschema.json"  # state-timeline -> statetimeline
        if panel_file not in digests:
            problems.append(SchemaViolation(f"{at}.type", "-", f"no official schema for panel type {kind!r}"))
            continue
        problems += _check(schema_dir, panel_file, "Options", panel.get("options", {}), f"{at}.options", digests)
        custom = panel.get("fieldConfig", {}).get("defaults", {}).get("custom")
        if custom and _validator(schema_dir, panel_file, "FieldConfig", digests) is None:
            problems.append(SchemaViolation(f"{at}.fieldConfig.defaults.custom", panel_file,
                                            f"panel type {kind!r} has no custom field config"))
        elif custom is not None:
            problems += _check(schema_dir, panel_file, "FieldConfig", custom, f"{at}.fieldConfig.defaults.custom",
                               digests)
        for t, target in enumerate(panel.get("targets", [])):
            if target.get("datasource", panel.get("datasource", {})).get("type") == "prometheus":
                problems += _check(schema_dir, "prometheus.jsonschema.json", "Dataquery", target, f"{at}.targets[{t}]",
                                   digests)
    return problems
