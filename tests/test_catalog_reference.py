"""The catalog's field help: every property of the JSON Schema carries a `description` (editors show it),
and every property is named in the README's catalog reference, in the subsection of its section."""
from __future__ import annotations

import json
import re

from tests.support.paths import REPO

SCHEMA = json.loads((REPO / "generator" / "catalog" / "catalog.schema.json").read_text(encoding="utf-8"))
README = (REPO / "README.md").read_text(encoding="utf-8")
# Shared definitions and the README subsection that documents their fields.
DEFINITION_SECTIONS = {"panel": "dashboards", "panel_link": "dashboards", "target": "dashboards", "variable": "dashboards",
                       "threshold": "objectives", "silence": "shared forms"}
CONDITIONS = {"if", "not"}  # subschemas that only test a value: their properties are no fields


def schema_properties(node=SCHEMA, pointer: str = ""):
    """(pointer, name, definition) of every field the schema declares."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in CONDITIONS:
                continue
            if key == "properties" and isinstance(value, dict):
                for name, definition in value.items():
                    yield f"{pointer}/properties/{name}", name, definition
                    yield from schema_properties(definition, f"{pointer}/properties/{name}")
            else:
                yield from schema_properties(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from schema_properties(value, f"{pointer}/{i}")


def section_of(pointer: str) -> str | None:
    parts = pointer.split("/")
    if parts[1] == "properties":
        return parts[2]
    return DEFINITION_SECTIONS.get(parts[2])  # None: a new definition, looked for in the whole reference


def reference_sections() -> dict[str, str]:
    """README's "### Catalog reference": subsection title (`service`, ..., shared forms) -> its text."""
    start = README.index("### Catalog reference")
    end = min(i for i in (README.find("\n## ", start), README.find("\n### ", start + 1)) if i != -1)
    reference = README[start:end]
    parts = re.split(r"^#### (.+)$", reference, flags=re.M)
    titles = [re.sub(r"\s*\(.*", "", title).replace("`", "").strip().lower() for title in parts[1::2]]
    return {"*": reference, **dict(zip(titles, parts[2::2]))}


def _named(text: str) -> set[str]:
    """Every field name written in backticks, alone or in a dotted path (`grafana.folder.uid`,
    `stages[].target`), or in a fenced YAML example."""
    names = set()
    fenced = re.findall(r"^```.*?^```", text, flags=re.M | re.S)  # YAML examples: their keys
    inline = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    for token in fenced + re.findall(r"`([^`\n]+)`", inline):
        names.update(p for p in re.split(r"[^A-Za-z0-9_]+", token) if p)
    return names


def test_the_walk_finds_the_fields_it_should():
    found = {pointer for pointer, _, _ in schema_properties()}
    assert "/properties/alerting/properties/receivers/items/properties/routing_key_file" in found
    assert "/definitions/panel/properties/objective" in found
    assert "/properties/alerting/definitions/route/properties/continue" in found
    assert not any("/if/" in p for p in found)  # the `if: {properties: {type: {const: ...}}}` tests are skipped
    assert len(found) > 250


def _resolve(ref: str):
    node = SCHEMA
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _described(definition) -> bool:
    """A description of its own, or (a bare `$ref`, whose siblings draft-07 ignores) the one of the
    definition it refers to, which is what editors show."""
    if not isinstance(definition, dict):
        return False
    if str(definition.get("description", "")).strip():
        return True
    return "$ref" in definition and _described(_resolve(definition["$ref"]))


def test_every_schema_property_has_a_description():
    missing = [pointer for pointer, _, definition in schema_properties() if not _described(definition)]
    assert missing == [], "schema properties without a description (editors show it as help):\n" + "\n".join(missing)


def test_the_readme_reference_has_a_subsection_per_catalog_section():
    sections = reference_sections()
    assert set(SCHEMA["properties"]) | {"shared forms"} <= set(sections), sorted(sections)


def catalog_section() -> str:
    """README's "## The catalog": the overview, the sections' prose and examples, and the reference."""
    start = README.index("## The catalog")
    return README[start:README.index("\n## ", start)]


def test_every_schema_property_is_named_in_the_readme_catalog_section():
    """Each field is named in backticks (alone, in a dotted path or in a YAML example) in the catalog
    section; the reference tables name them per section, and a field documented beside its feature's
    prose (as each new field must be) counts too."""
    named, sections = _named(catalog_section()), reference_sections()
    missing = []
    for pointer, name, _ in schema_properties():
        if pointer == f"/properties/{name}":  # a top-level section: it has its own reference subsection
            if name not in sections:
                missing.append(f"{name} (no #### `{name}` subsection in the catalog reference)")
        elif name not in named:
            missing.append(f"{name} ({pointer})")
    assert missing == [], "fields the README's catalog section does not name:\n" + "\n".join(missing)


def test_the_reference_tables_name_the_fields_of_their_section():
    """Where a field is in the reference tables, it is under its own section (a field of `alerting`
    is not documented only under `dashboards`)."""
    sections = reference_sections()
    misplaced = []
    for pointer, name, _ in schema_properties():
        section = section_of(pointer)
        if pointer == f"/properties/{name}" or section not in sections or name not in _named(sections["*"]):
            continue
        if name not in _named(sections[section]):
            misplaced.append(f"{name} (#### `{section}`: {pointer})")
    assert misplaced == [], "fields named in the reference, but not under their section:\n" + "\n".join(misplaced)
