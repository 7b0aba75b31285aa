"""What a killed `obsgen generate` (or a damaged file) leaves behind, and how `validate` and the next
`generate` deal with it: a stray temporary file of obsgen's own naming is an orphan, a kill between
two renames (some files new, some old) is seen as stale files, and so is a generated file that is not
UTF-8 or not a regular file; `generate` repairs them all."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from generator import pipeline
from generator.validators.run import validate
from tests.support.cli import obsgen
from tests.support.paths import CHECKOUT, REPO

SKIP = ("dashboard-schema", "promtool-check", "promtool-test", "crosscheck", "lint", "k6-archive", "amtool-check")
CHANGED = ["alerts/checkout-api-alerts.yaml", "dashboards/checkout-overview.json", "k6/checkout_burst.js",
           "tests/rules/checkout-api-test.yaml"]  # what moving the order_errors threshold rewrites

# Runs the real CLI in a child process that SIGKILLs itself at the Nth rename of a write.
KILL_AT_RENAME = """
import os, signal, sys
real, calls, at = os.replace, [], int(sys.argv[2])
def replace(src, dst):
    calls.append(dst)
    if len(calls) == at:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst)
os.replace = replace
sys.argv = ["obsgen", "generate", "--root", sys.argv[1]]
from generator.cli import main
main()
"""


@pytest.fixture()
def project(tmp_path) -> Path:
    (tmp_path / "catalog").mkdir()
    shutil.copy(CHECKOUT, tmp_path / "catalog" / "checkout.yaml")
    pipeline.generate(tmp_path, pipeline.load_all(pipeline.catalog_paths((), tmp_path), base=tmp_path))
    return tmp_path


def _fresh(project: Path):
    return [f for s in validate(project, skip=SKIP).steps if s.name == "fresh" for f in s.findings]


def _fresh_findings(project: Path) -> list[tuple[str, str]]:
    return sorted((f.rule, f.file) for f in _fresh(project))


def _temporaries(project: Path) -> list[str]:
    return sorted(p.relative_to(project).as_posix() for p in project.rglob(".*.tmp") if p.parent.name != "catalog")


def test_a_zero_byte_temporary_file_is_an_orphan_that_generate_removes(project):
    stray = project / "tests" / "rules" / ".x.tmp"
    stray.write_bytes(b"")
    (project / "tests" / "rules" / ".keep").write_bytes(b"")  # a dot-file not of obsgen's naming
    (project / "catalog" / ".draft.tmp").write_bytes(b"")  # outside the folders generate owns
    (project / "dashboards" / ".checkout-overview.json.k2j4_9aq.tmp").write_text('{"half": ', encoding="utf-8")
    assert _fresh_findings(project) == [("orphan-file", "dashboards/.checkout-overview.json.k2j4_9aq.tmp"),
                                        ("orphan-file", "tests/rules/.x.tmp")]
    assert all(f.message.startswith("temporary file left by an interrupted `obsgen generate`") for f in _fresh(project))

    check = obsgen("generate", "--check", "--root", str(project), cwd=REPO)
    assert check.returncode == 1
    assert "orphan:  tests/rules/.x.tmp" in check.stdout

    done = obsgen("generate", "--root", str(project), cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert "removed  tests/rules/.x.tmp" in done.stdout
    assert not stray.exists() and _temporaries(project) == []
    assert (project / "tests" / "rules" / ".keep").exists() and (project / "catalog" / ".draft.tmp").exists()
    assert _fresh_findings(project) == []


@pytest.mark.parametrize("kill_at", [1, 2, len(CHANGED)], ids=["before-any-rename", "after-one", "before-the-last"])
def test_a_kill_between_two_renames_is_detected_by_validate_and_repaired_by_generate(project, kill_at):
    before = {rel: (project / rel).read_text(encoding="utf-8") for rel in CHANGED}
    catalog = project / "catalog" / "checkout.yaml"
    text = catalog.read_text(encoding="utf-8")
    assert text.count("threshold: 0.05") == 1
    catalog.write_text(text.replace("threshold: 0.05", "threshold: 0.04"), encoding="utf-8")

    killed = subprocess.run([sys.executable, "-c", KILL_AT_RENAME, str(project), str(kill_at)], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    now = {rel: (project / rel).read_text(encoding="utf-8") for rel in CHANGED}
    renamed = [rel for rel in CHANGED if now[rel] != before[rel]]
    assert len(renamed) == kill_at - 1, "the files renamed before the kill are new, the others old"
    left = _temporaries(project)
    assert len(left) == len(CHANGED) - len(renamed), left  # the staged files never renamed

    findings = _fresh_findings(project)
    assert [rel for rule, rel in findings if rule == "stale-file"] == sorted(set(CHANGED) - set(renamed))
    assert [rel for rule, rel in findings if rule == "orphan-file"] == left
    # the staged copies carry the generated header, yet they are named as temporaries, not as removed items
    assert all("temporary file left by an interrupted" in f.message for f in _fresh(project) if f.rule == "orphan-file")
    assert obsgen("validate", "--root", str(project), *[a for s in SKIP for a in ("--skip", s)],
                  cwd=REPO).returncode == 1

    repaired = obsgen("generate", "--root", str(project), cwd=REPO)
    assert repaired.returncode == 0, repaired.stderr
    assert _temporaries(project) == []
    assert _fresh_findings(project) == []
    full = obsgen("validate", "--root", str(project), "--skip", "k6-archive", cwd=REPO)
    assert full.returncode == 0, full.stdout
    assert "threshold: 0.04" in catalog.read_text(encoding="utf-8")
    assert os.path.getsize(project / CHANGED[0]) > 0


@pytest.mark.parametrize("damage", ["not-utf8", "fifo"])
def test_a_damaged_generated_file_is_stale_and_generate_replaces_it(project, damage):
    """Bytes that are not UTF-8, or a FIFO in place of a generated file: reported, never read as text
    (no traceback, no hang), and replaced by the next generate."""
    target = project / "alerts" / "checkout-api-alerts.yaml"
    expected = target.read_bytes()
    target.unlink()
    if damage == "fifo":
        os.mkfifo(target)
    else:
        target.write_bytes(b"\xff\xfe groups: []\n")
    findings = _fresh(project)
    assert [(f.rule, f.file) for f in findings] == [("stale-file", "alerts/checkout-api-alerts.yaml")]
    if damage == "fifo":
        assert findings[0].message.startswith("is not a regular file")
    check = obsgen("generate", "--check", "--root", str(project), cwd=REPO, timeout=60)
    assert check.returncode == 1 and "stale:   alerts/checkout-api-alerts.yaml" in check.stdout
    done = obsgen("generate", "--root", str(project), cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    assert target.is_file() and target.read_bytes() == expected
    assert _fresh(project) == []
