"""Browser tests: the real app under uvicorn on a free port, driven by Playwright through
Debian's Chromium. Without /usr/bin/chromium they skip, except under CI=true, where a
missing browser is a failure."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("CNNVIS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
LAPTOP = {"width": 1366, "height": 768}


def _require_browser():
    in_ci = os.environ.get("CI") == "true"
    problem = None
    if not CHROMIUM.exists():
        problem = f"no Chromium at {CHROMIUM}"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed"
    if problem:
        if in_ci:
            pytest.fail(f"{problem}, and CI=true requires the browser tests to run")
        pytest.skip(problem)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(target: str = "app.main:app", models_folder: Path | None = None, env: dict | None = None):
    """Serve the ASGI app `target` under uvicorn on a free port; a generator that yields its base
    URL once /healthz answers and stops the server when closed. `models_folder` is where uploaded
    models are kept (CNNVIS_UPLOADED_MODELS_DIR), so a test's uploads never land in the user's."""
    _require_browser()
    port = _free_port()
    environment = {**os.environ, **(env or {})}
    if models_folder is not None:
        environment["CNNVIS_UPLOADED_MODELS_DIR"] = str(models_folder)
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            pytest.fail(f"the app {target} did not start:\n{output[-3000:]}")
        time.sleep(0.1)
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """Base URL of the app, started once for the session in a subprocess."""
    yield from start_app(models_folder=tmp_path_factory.mktemp("uploaded-models"))


@pytest.fixture(scope="session")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Console:
    """Console errors and uncaught page errors seen while a test ran."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))


@pytest.fixture
def page(browser, server):
    """A fresh page on the app at laptop size, ready (the model's layers built)."""
    context = browser.new_context(viewport=LAPTOP)
    pg = context.new_page()
    pg.console = Console(pg)
    pg.goto(f"{server}/")
    pg.wait_for_selector("body[data-ready=true]", timeout=15000)
    yield pg
    context.close()
