"""Suite-wide rule: under CI=true every test runs. A test that skips there (no browser, no
MNIST folder, no node) is turned into a failure, so a green CI run means everything ran.

A skip can happen in three places, and each is caught: while a test runs or its fixtures
are set up (pytest_runtest_makereport), while a module is collected (a module-level
pytest.importorskip: pytest_make_collect_report), and anywhere else a skip is counted
(pytest_sessionfinish sets a failing exit status if the run recorded any skip at all).
"""

from __future__ import annotations

import os
import tempfile

import pytest

# Job files and trained models go to a folder of the test run's own, never the user's.
os.environ.setdefault("CNNVIS_STATE_DIR", tempfile.mkdtemp(prefix="cnnvis-state-"))


def _in_ci() -> bool:
    return os.environ.get("CI") == "true"


def _reason(longrepr) -> str:
    return longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if _in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, where every test must run: {_reason(report.longrepr)}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    if _in_ci() and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"{collector.nodeid} skipped at collection under CI=true, where every test must run: {_reason(report.longrepr)}"


def pytest_sessionfinish(session, exitstatus):
    if not _in_ci():
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter:
            reporter.write_line(f"{len(skipped)} skipped under CI=true, where every test must run", red=True)
