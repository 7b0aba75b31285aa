"""The closed loop, started once for the e2e tests of this folder and always stopped.

Component logs go to e2e-logs/<run>/ in the repository; they are removed when every test passed
and kept (and named in each failure message) when one failed.
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from generator.catalog import load_catalog
from tests.e2e.configs import artifact_root
from tests.e2e.slo_proofs import slo_expectation
from tests.e2e.stack import ClosedLoop
from tests.support.paths import AMPEL, REPO


def _terminal(request):
    """Progress lines straight to the terminal: pytest captures stdout and stderr of the test itself."""
    reporter = request.config.pluginmanager.getplugin("terminalreporter")
    capture = request.config.pluginmanager.getplugin("capturemanager")
    if reporter is None or capture is None:
        return None

    def write(line: str) -> None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(line)
    return write


@pytest.fixture(scope="session")
def loop_logs() -> Path:
    base = Path(os.environ.get("OBSGEN_E2E_LOGS", REPO / "e2e-logs"))
    return base / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"


@pytest.fixture(scope="module")
def loop(request, tmp_path_factory, loop_logs):
    failed_before = request.session.testsfailed
    catalog = load_catalog(AMPEL.relative_to(REPO))
    try:
        with ClosedLoop(catalog, artifact_root(), tmp_path_factory.mktemp("closed-loop"), loop_logs,
                        _terminal(request), slow_burn_error_rate=round(slo_expectation(catalog).slow_share, 6)) as running:
            try:
                yield running
            finally:
                running.dump_state()
                running.progress(f"tests done after {running.progress.elapsed:.1f}s")
    except BaseException:
        _say(request, f"closed loop failed to start or stop; component logs kept in {loop_logs}")
        raise
    if request.session.testsfailed > failed_before:
        _say(request, f"closed loop: a test failed; component logs kept in {loop_logs}")
    else:
        shutil.rmtree(loop_logs, ignore_errors=True)


def _say(request, line: str) -> None:
    (_terminal(request) or print)(line)
