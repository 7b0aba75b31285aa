"""Diff report -> text for terminals, Markdown for pull-request comments, JSON for tools."""
from __future__ import annotations

from typing import Callable

from generator.diff.changes import DiffReport
from generator.diff.formatters import json_format, markdown, text

FORMATS: dict[str, Callable[[DiffReport], str]] = {
    "text": text.render,
    "markdown": markdown.render,
    "json": json_format.render,
}
