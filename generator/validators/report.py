"""Reporters for `obsgen validate`: text (grouped by file), JSON and JUnit XML."""
from __future__ import annotations

import json
from dataclasses import asdict
from xml.etree import ElementTree as ET

from generator.validators.findings import ERROR, WARNING, Finding

FORMATS = ("text", "json", "junit")


def failing(finding: Finding, fail_on: str) -> bool:
    """Errors always fail; warnings fail when fail_on is "warning"."""
    return finding.severity == ERROR or (fail_on == WARNING and finding.severity == WARNING)


def _sort_key(f: Finding):
    return (f.file, f.line or 0, f.check, f.rule, f.item, f.message)


def text_report(result, fail_on: str, command: str = "validate") -> str:
    lines = []
    by_file: dict[str, list[Finding]] = {}
    for f in sorted(result.findings, key=_sort_key):
        by_file.setdefault(f.file or "(no file)", []).append(f)
    for file, findings in by_file.items():
        lines.append(file)
        for f in findings:
            where = f"{f.file}:{f.line}" if f.line else f.file or "-"
            subject = f" [{f.item}]" if f.item else ""
            lines.append(f"  {where}: {f.severity}: {f.check}/{f.rule}{subject}: {f.message}")
        lines.append("")
    for step in result.steps:
        lines.append(f"{step.name:<18} {'skipped' if step.skipped else f'{len(step.findings)} finding(s)':<14} "
                     f"{step.seconds:6.2f} s")
    errors = sum(1 for f in result.findings if f.severity == ERROR)
    warnings = sum(1 for f in result.findings if f.severity == WARNING)
    verdict = "FAILED" if result.failed(fail_on) else "passed"
    lines.append(f"{command} {verdict}: {errors} error(s), {warnings} warning(s) in {result.seconds:.2f} s")
    return "\n".join(lines) + "\n"


def json_report(result, fail_on: str) -> str:
    return json.dumps({
        "ok": not result.failed(fail_on),
        "fail_on": fail_on,
        "errors": sum(1 for f in result.findings if f.severity == ERROR),
        "warnings": sum(1 for f in result.findings if f.severity == WARNING),
        "seconds": round(result.seconds, 3),
        "steps": [{"name": s.name, "seconds": round(s.seconds, 3), "findings": len(s.findings), "skipped": s.skipped}
                  for s in result.steps],
        "findings": [asdict(f) for f in sorted(result.findings, key=_sort_key)],
    }, indent=2) + "\n"


def junit_report(result, fail_on: str, command: str = "validate") -> str:
    """One <testsuite> per step; one failing <testcase> per finding, one passing case for a clean step."""
    suites = ET.Element("testsuites", name=f"obsgen {command}", time=f"{result.seconds:.3f}")
    for step in result.steps:
        failures = [f for f in step.findings if failing(f, fail_on)]
        suite = ET.SubElement(suites, "testsuite", name=step.name, tests=str(max(len(step.findings), 1)),
                              failures=str(len(failures)), errors="0", skipped="1" if step.skipped else "0",
                              time=f"{step.seconds:.3f}")
        if step.skipped:
            ET.SubElement(ET.SubElement(suite, "testcase", classname=step.name, name=step.name), "skipped")
            continue
        if not step.findings:
            ET.SubElement(suite, "testcase", classname=step.name, name=f"{step.name} passed")
            continue
        for f in sorted(step.findings, key=_sort_key):
            where = f"{f.file}:{f.line}" if f.line else f.file
            name = f"{where} {f.rule}" + (f" [{f.item}]" if f.item else "")
            case = ET.SubElement(suite, "testcase", classname=f"{step.name}.{f.file or 'catalog'}", name=name,
                                 file=f.file or "", line=str(f.line or ""))
            if failing(f, fail_on):
                failure = ET.SubElement(case, "failure", type=f.rule, message=f.message)
                failure.text = str(f)
            else:
                ET.SubElement(case, "system-out").text = str(f)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def github_report(result, fail_on: str, command: str = "validate") -> str:
    """GitHub Actions workflow commands: one `::error file=F,line=L,title=T::message` per finding."""
    lines = []
    for f in sorted(result.findings, key=_sort_key):
        level = "error" if failing(f, fail_on) else "warning"
        props = [f"file={_escape(f.file, True)}"] if f.file else []
        props += [f"line={f.line}"] if f.line else []
        props.append(f"title={_escape(f'{f.check}/{f.rule}', True)}")
        subject = f"[{f.item}] " if f.item else ""
        lines.append(f"::{level} {','.join(props)}::{_escape(subject + f.message)}")
    errors = sum(1 for f in result.findings if f.severity == ERROR)
    warnings = sum(1 for f in result.findings if f.severity == WARNING)
    lines.append(f"{command} {'FAILED' if result.failed(fail_on) else 'passed'}: {errors} error(s), "
                 f"{warnings} warning(s)")
    return "\n".join(lines) + "\n"


REPORTERS = {"text": text_report, "json": json_report, "junit": junit_report}
