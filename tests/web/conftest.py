"""Browser tests: the real app under uvicorn on a free port, driven by Playwright through
Debian's Chromium. Without /usr/bin/chromium they skip, except under CI=true, where a
missing browser is a failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from live_server import LiveServer, ServerDidNotStart, uvicorn_app

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
MAX_MODEL_BYTES = 200_000  # the session server's limit on an uploaded model: a "too large" file is cheap to make


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


def start_app(target: str = "app.main:app", models_folder: Path | None = None, env: dict | None = None):
    """Serve the ASGI app `target` under uvicorn on a free port; a generator that yields its base
    URL once /healthz answers and stops the server when closed. `models_folder` is where uploaded
    models are kept (CNNVIS_UPLOADED_MODELS_DIR), so a test's uploads never land in the user's."""
    _require_browser()
    environment = dict(env or {})
    if models_folder is not None:
        environment["CNNVIS_UPLOADED_MODELS_DIR"] = str(models_folder)
    try:
        # A bound for a server that hangs (one that exits is seen at once): generous, since on a
        # machine shared with other work importing the app alone can take most of a minute.
        server = LiveServer(uvicorn_app(target), env=environment, ready_within=120)
    except ServerDidNotStart as problem:
        pytest.fail(f"the app {target} did not start: {problem}")
    with server:
        yield server.url


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """Base URL of the app, started once for the session in a subprocess. It keeps at most two
    uploaded models of at most MAX_MODEL_BYTES each, so that the tests of uploads reach both
    limits cheaply (no other test uploads a model, and uploads are not listed with the models)."""
    limits = {"CNNVIS_MAX_UPLOADED_MODELS": "2", "CNNVIS_MAX_MODEL_BYTES": str(MAX_MODEL_BYTES)}
    yield from start_app(models_folder=tmp_path_factory.mktemp("uploaded-models"), env=limits)


@pytest.fixture(scope="session")
def extra_server(tmp_path_factory):
    """Base URL of the app serving the test models of tests/web/extra_models_app.py (a colour
    model, the default; the digits model beside a LeNet whose conv2 pads), started once."""
    yield from start_app("tests.web.extra_models_app:app", models_folder=tmp_path_factory.mktemp("extra-uploads"))


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


@pytest.fixture(scope="session")
def laptop_context(browser):
    """One browser context at laptop size for every test's `page`. Each test still gets a page
    of its own (its own document, scripts, listeners and console); what the pages share is the
    HTTP cache, so the page's 80-odd scripts and style sheets are revalidated, not sent again,
    and a page is ready about a second sooner. The page keeps no cookies: its state is in its
    address, and the one thing it keeps in its tab's sessionStorage (a training job it follows)
    is the tab's own, never shared with another page."""
    context = browser.new_context(viewport=LAPTOP)
    yield context
    context.close()


def open_ready(context, url: str):
    """A new page of `context` on `url`, once ready (the model's layers built), its console watched."""
    pg = context.new_page()
    pg.console = Console(pg)
    pg.goto(url)
    pg.wait_for_selector("body[data-ready=true]", timeout=15000)
    return pg


@pytest.fixture
def page(laptop_context, server):
    """A fresh page on the app at laptop size, ready (the model's layers built)."""
    pg = open_ready(laptop_context, f"{server}/")
    yield pg
    pg.close()
