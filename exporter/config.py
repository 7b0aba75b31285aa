"""The exporter's own configuration (YAML): the summary route, the datasets, the log line's fields and,
optionally, `serve`'s cache URL and A/B strategy split (its `--cache` and `--strategy-split` override them).

The shipped `exporter.yaml` is the default; `obsgen-exporter seed|serve --config PATH` replaces it.
Every problem is collected and reported at once, each with file, line and field, like a catalog's;
the CLI exits 3 on them and writes nothing.
"""
from __future__ import annotations

import re
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from exporter.cache.urls import CacheURL, CacheURLError, parse_cache_url
from exporter.datasets import Dataset
from exporter.logs import REQUEST_LOG_FIELDS
from exporter.rollout import WEIGHT_PROBLEM, Split, strategy_problem, total_problem, weight_ok
from exporter.strategies import STRATEGIES
from exporter.summary import FIELDS
from generator.catalog.reading import yaml_error_line, yaml_error_reason
from generator.catalog.yaml_positions import YAMLProblems, load_with_lines
from generator.errors import Location, Problem

CONFIG_FILE = "exporter.yaml"
MAX_BYTES = 1024 * 1024  # the shipped file is 1.5 kB
REQUIRED_FIELDS = ("summary_path", "datasets", "log_fields")
TOP_FIELDS = REQUIRED_FIELDS + ("cache", "strategy_split")  # the last two: serve's, optional
DATASET_FIELDS = ("name", "repos", "prs", "token", "default")
LOG_FIELDS = REQUEST_LOG_FIELDS + FIELDS  # what the summary's log line can carry
_PATH = re.compile(r"/[^\s?#]*")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_TOKEN = re.compile(r"[!-~]+")  # visible ASCII: it travels in an Authorization header


class ConfigError(Exception):
    """The exporter configuration cannot be used; carries every problem, each located."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class ExporterConfig:
    path: str
    summary_path: str
    datasets: tuple[Dataset, ...]
    log_fields: tuple[str, ...]
    cache: CacheURL | None = None          # None: not in the file (serve's --cache default applies)
    strategy_split: Split | None = None    # None: not in the file (serve's --strategy serves everyone)
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def location(self, doc_path: str) -> Location:
        """Where `doc_path` (e.g. strategy_split.materialized) is in the file: for a problem found later."""
        return _locate(self.path, self.lines, doc_path)

    def dataset(self, name: str) -> Dataset:
        for dataset in self.datasets:
            if dataset.name == name:
                return dataset
        raise KeyError(f"no dataset {name!r} in {self.path}")


def _locate(name: str, lines: dict[str, int], doc_path: str) -> Location:
    """The line of `doc_path`, else of its nearest enclosing field that has one."""
    probe = doc_path
    while probe and probe not in lines:
        cut = max(probe.rfind("."), probe.rfind("["))
        probe = probe[:cut] if cut > 0 else ""
    return Location(name, lines.get(probe, lines.get("", 1)), doc_path or "(document)")


def default_path() -> Path:
    return Path(str(resources.files("exporter").joinpath(CONFIG_FILE)))


@lru_cache(maxsize=1)
def default_config() -> ExporterConfig:
    return load_config(default_path())


def load_config(path: str | Path | None = None) -> ExporterConfig:
    """The configuration at `path` (default: the shipped one), or ConfigError."""
    path = Path(path) if path is not None else default_path()
    name = str(path)
    text = _read(path, name)
    try:
        data, lines = load_with_lines(text)
    except YAMLProblems as exc:
        raise ConfigError([Problem(Location(name, p.line, p.path), p.message) for p in exc.problems]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([Problem(Location(name, yaml_error_line(exc, text)),
                                   f"invalid YAML: {yaml_error_reason(exc)}")]) from None
    return _Checker(name, lines).config(data)


def _read(path: Path, name: str) -> str:
    def refuse(message: str) -> ConfigError:
        return ConfigError([Problem(Location(name), f"cannot read the exporter configuration: {message}")])

    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise refuse("not a regular file")
        if st.st_size > MAX_BYTES:
            raise refuse(f"{st.st_size:,} bytes, more than the {MAX_BYTES:,} it may be")
        raw = path.read_bytes()
    except OSError as exc:
        raise refuse(exc.strerror or str(exc)) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigError([Problem(Location(name, line), "the exporter configuration is not UTF-8")]) from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Checker:
    def __init__(self, name: str, lines: dict[str, int]):
        self.name, self.lines = name, lines
        self.problems: list[Problem] = []

    def problem(self, doc_path: str, message: str) -> None:
        self.problems.append(Problem(_locate(self.name, self.lines, doc_path), message))

    def fields(self, data: dict, at: str, allowed: tuple[str, ...], required: tuple[str, ...]) -> None:
        prefix = f"{at}." if at else ""
        for key in data:
            if key not in allowed:
                self.problem(f"{prefix}{key}", f"unknown field {str(key)!r} (allowed: {', '.join(allowed)})")
        for key in required:
            if key not in data:
                self.problem(at, f"missing field {key!r}")

    def config(self, data: Any) -> ExporterConfig:
        if not isinstance(data, dict):
            self.problem("", "the exporter configuration must be a YAML mapping (summary_path, datasets, log_fields)")
            raise ConfigError(self.problems)
        self.fields(data, "", TOP_FIELDS, REQUIRED_FIELDS)
        summary_path = data.get("summary_path")
        if "summary_path" in data and not (isinstance(summary_path, str) and _PATH.fullmatch(summary_path)):
            self.problem("summary_path", f"{summary_path!r} is not a route: it starts with '/' and has no spaces, "
                                         "query or fragment")
        datasets = self.datasets(data.get("datasets")) if "datasets" in data else ()
        log_fields = self.log_fields(data.get("log_fields")) if "log_fields" in data else ()
        cache = self.cache(data["cache"]) if "cache" in data else None
        split = self.strategy_split(data["strategy_split"]) if "strategy_split" in data else None
        if self.problems:
            raise ConfigError(self.problems)
        return ExporterConfig(self.name, summary_path, datasets, log_fields, cache=cache, strategy_split=split,
                              lines=self.lines)

    def cache(self, value: Any) -> CacheURL | None:
        """The same URLs as `serve --cache`, with the same messages."""
        if not isinstance(value, str):
            self.problem("cache", f"{value!r} is not a cache URL: memory:// or redis://host:port/db")
            return None
        try:
            return parse_cache_url(value)
        except CacheURLError as exc:
            self.problem("cache", str(exc))
            return None

    def strategy_split(self, value: Any) -> Split | None:
        """`serve --strategy-split` as a mapping, e.g. {aggregate: 90, naive: 10}: the same rules (known
        strategies, whole percentages from 0 to 100 adding up to 100), each item located on its own."""
        from exporter.storage.strategies import STORAGE_STRATEGIES  # the rest serve accepts; heavier, so only here
        known = STRATEGIES + STORAGE_STRATEGIES
        example = "e.g. {aggregate: 90, naive: 10}"
        if isinstance(value, str):
            self.problem("strategy_split", f"{value!r}: write the split as a mapping of strategy to percentage, "
                                           f"{example} (the form of --strategy-split is for the command line)")
            return None
        if not isinstance(value, dict) or not value:
            self.problem("strategy_split", f"must be a non-empty mapping of strategy to percentage, {example}")
            return None
        before = len(self.problems)
        for name, weight in value.items():
            at = f"strategy_split.{name}"
            unknown = strategy_problem(name, known)
            if unknown:
                self.problem(at, unknown)
            if not weight_ok(weight):
                self.problem(at, f"{weight!r}: {WEIGHT_PROBLEM}")
        if len(self.problems) > before:
            return None
        wrong_total = total_problem(value.items())
        if wrong_total:
            self.problem("strategy_split", wrong_total)
            return None
        return Split(tuple(value.items()))

    def datasets(self, items: Any) -> tuple[Dataset, ...]:
        if not isinstance(items, list) or not items:
            self.problem("datasets", "must be a non-empty list of datasets ({name, repos, prs, token})")
            return ()
        out, names, tokens = [], {}, {}
        for i, item in enumerate(items):
            at = f"datasets[{i}]"
            if not isinstance(item, dict):
                self.problem(at, "a dataset is a mapping: {name, repos, prs, token}")
                continue
            before = len(self.problems)
            self.fields(item, at, DATASET_FIELDS, ("name", "repos", "prs", "token"))
            name, repos, prs, token = (item.get(k) for k in ("name", "repos", "prs", "token"))
            default = item.get("default", True)
            if "name" in item and not (isinstance(name, str) and _NAME.fullmatch(name)):
                self.problem(f"{at}.name", f"{name!r} is not a dataset name (letters, digits, '_', '.', '-')")
            elif isinstance(name, str) and name in names:
                self.problem(f"{at}.name", f"duplicate dataset {name!r} (first at datasets[{names[name]}])")
            if "repos" in item and not (_is_int(repos) and repos >= 1):
                self.problem(f"{at}.repos", f"{repos!r} is not a whole number of repositories >= 1")
            if "prs" in item and not (_is_int(prs) and prs >= 0):
                self.problem(f"{at}.prs", f"{prs!r} is not a whole number of pull requests >= 0")
            if "token" in item and not (isinstance(token, str) and _TOKEN.fullmatch(token)):
                self.problem(f"{at}.token", "a token is visible ASCII without spaces (it goes in an Authorization "
                                            "header)")
            elif isinstance(token, str) and token in tokens:
                self.problem(f"{at}.token", f"the same token as datasets[{tokens[token]}]: a token names one user")
            if not isinstance(default, bool):
                self.problem(f"{at}.default", f"{default!r} is not true or false")
            if isinstance(name, str):
                names.setdefault(name, i)
            if isinstance(token, str):
                tokens.setdefault(token, i)
            if len(self.problems) == before:
                out.append(Dataset(name, repos, prs, token, default))
        return tuple(out)

    def log_fields(self, items: Any) -> tuple[str, ...]:
        if not isinstance(items, list) or not items:
            self.problem("log_fields", "must be a non-empty list of field names")
            return ()
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item not in LOG_FIELDS:
                self.problem(f"log_fields[{i}]", f"{item!r} is not a field the exporter logs "
                                                 f"(it can log: {', '.join(LOG_FIELDS)})")
            elif item in seen:
                self.problem(f"log_fields[{i}]", f"duplicate log field {item!r}")
            else:
                seen.add(item)
        return tuple(items)
