"""The `lint:` section of the project config file (`.obsgen.yaml`): silences for `obsgen lint`.

    lint:
      silences:
        - rule: alert-runbook-url          # a lint or cross-check id (docs/lint-rules.md)
          path: "vendor/**/*.yaml"         # optional: a glob over the finding's file
          reason: vendored from upstream, runbooks are theirs

Only the `lint:` key is read here; other keys of the file belong to other commands. A malformed
section is a located ConfigError (`.obsgen.yaml:4: lint.silences[0].reason: ...`).
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

import yaml

from generator.catalog.yaml_positions import load_with_lines
from generator.errors import Location, Problem

DEFAULT_FILE = ".obsgen.yaml"


class ConfigError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


@dataclass(frozen=True)
class FileSilence:
    rule: str
    reason: str
    path: str = ""  # glob over the finding's file ("" = every file)
    line: int | None = None  # where the config file declares it

    def covers(self, rule: str, file: str) -> bool:
        return rule == self.rule and (not self.path or fnmatch.fnmatchcase(file, self.path)
                                      or fnmatch.fnmatchcase(Path(file).as_posix(), self.path))


@dataclass(frozen=True)
class LintConfig:
    silences: tuple[FileSilence, ...] = ()
    file: str = ""  # the file it was read from ("" when there was none)


def load_lint_config(explicit: Path | None = None, cwd: Path = Path(".")) -> LintConfig:
    """The `lint:` section of `explicit` (which must exist), or of ./.obsgen.yaml when present."""
    path = explicit if explicit is not None else cwd / DEFAULT_FILE
    if explicit is None and not path.is_file():
        return LintConfig()
    name = path.as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(Location(name), f"cannot read the config file: {exc}")]) from None
    try:
        data, lines = load_with_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError([Problem(Location(name, mark.line + 1 if mark else None),
                                   "not valid YAML: " + " ".join(str(getattr(exc, "problem", exc)).split()))]) from None
    return LintConfig(_silences(data, lines, name), name)


def _silences(data, lines: dict[str, int], name: str) -> tuple[FileSilence, ...]:
    problems: list[Problem] = []

    def bad(at: str, message: str) -> None:
        problems.append(Problem(Location(name, lines.get(at, 1), at), message))

    if data is None:
        return ()
    if not isinstance(data, dict):
        bad("", "the config file must be a mapping")
        raise ConfigError(problems)
    section = data.get("lint")
    if section is None:
        return ()
    if not isinstance(section, dict):
        bad("lint", "`lint` must be a mapping")
        raise ConfigError(problems)
    unknown = sorted(set(section) - {"silences"})
    for key in unknown:
        bad(f"lint.{key}", f"unknown key {key!r} (known: silences)")
    entries = section.get("silences") or []
    if not isinstance(entries, list):
        bad("lint.silences", "`silences` must be a list of {rule, path, reason}")
        raise ConfigError(problems)
    out = []
    for i, entry in enumerate(entries):
        at = f"lint.silences[{i}]"
        if not isinstance(entry, dict):
            bad(at, "a silence is a mapping {rule, path, reason}")
            continue
        for key in sorted(set(entry) - {"rule", "path", "reason"}):
            bad(f"{at}.{key}", f"unknown key {key!r} (known: rule, path, reason)")
        rule, path, reason = entry.get("rule"), entry.get("path", ""), entry.get("reason")
        if not isinstance(rule, str) or not rule.strip():
            bad(f"{at}.rule" if "rule" in entry else at, "`rule` must name a lint or cross-check id")
        if not isinstance(reason, str) or not reason.strip():
            bad(f"{at}.reason" if "reason" in entry else at, "`reason` must say why the rule is silenced")
        if not isinstance(path, str):
            bad(f"{at}.path", "`path` must be a glob string")
        if isinstance(rule, str) and isinstance(reason, str) and isinstance(path, str) and rule.strip() and reason.strip():
            out.append(FileSilence(rule.strip(), reason.strip(), path, lines.get(at)))
    if problems:
        raise ConfigError(problems)
    return tuple(out)
