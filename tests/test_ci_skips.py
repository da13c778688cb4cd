"""The suite's own rule, tested: under CI=true a skip fails the run, wherever it happens.

Each case runs pytest in a subprocess on a tiny test file next to a copy of the suite's
conftest.py, with and without CI=true, and reads the exit status.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CONFTEST = Path(__file__).resolve().parent / "conftest.py"

CASES = {
    "module-level importorskip": "import pytest\npytest.importorskip('no_such_module_anywhere')\n\ndef test_x():\n    pass\n",
    "skip inside a test": "import pytest\n\ndef test_x():\n    pytest.skip('no browser')\n",
    "skip in a fixture": "import pytest\n\n@pytest.fixture\ndef data():\n    pytest.skip('no data')\n\ndef test_x(data):\n    pass\n",
}


def _run(tmp_path: Path, source: str, ci: bool) -> subprocess.CompletedProcess:
    shutil.copy(CONFTEST, tmp_path / "conftest.py")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_case.py").write_text(source)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # the suite's plugins are not needed: 10x faster
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "."],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize("case", list(CASES))
def test_a_skip_fails_the_run_under_ci(tmp_path, case):
    result = _run(tmp_path, CASES[case], ci=True)
    assert result.returncode != 0, result.stdout
    assert "CI=true" in result.stdout


def test_the_same_skip_passes_outside_ci(tmp_path):
    (tmp_path / "test_other.py").write_text("def test_y():\n    pass\n")  # a run of only skips exits 5
    result = _run(tmp_path, CASES["module-level importorskip"], ci=False)
    assert result.returncode == 0, result.stdout
    assert "1 passed, 1 skipped" in result.stdout
