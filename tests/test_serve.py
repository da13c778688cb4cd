"""`cnnvis serve` as a student's teacher runs it: a bad model stops it with one line and a
non-zero status before any worker starts, and SIGTERM ends it in bounded time."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from app.models import MODELS_DIR
from app.nn import weights

ROOT = Path(__file__).resolve().parents[1]


def serve(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app.cli", "serve", "--port", str(free_port()), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def models_dir_with(tmp_path: Path, mnist_writer) -> Path:
    """A models folder holding the shipped clothes model and a digits model written by mnist_writer."""
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(MODELS_DIR / "fashion.npz", folder / "fashion.npz")
    mnist_writer(folder / "mnist.npz")
    return folder


def random_bytes(path: Path) -> None:
    path.write_bytes(np.random.default_rng(1).bytes(20_000))


def nan_weights(path: Path) -> None:
    network, metadata = weights.load(MODELS_DIR / "mnist.npz")
    network.params["fc2.w"][3, 7] = np.nan
    weights.save(path, network, metadata)


BAD_MODELS = {"random bytes": (random_bytes, "not a zip archive"), "NaN weights": (nan_weights, "fc2.w")}


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("bad", list(BAD_MODELS))
def test_serve_refuses_a_bad_model_with_one_line_and_a_nonzero_status(tmp_path, bad, workers):
    writer, reason = BAD_MODELS[bad]
    folder = models_dir_with(tmp_path, writer)
    result = serve("--workers", workers, "--models-dir", str(folder))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("cnnvis: ") and "mnist.npz" in lines[0] and reason in lines[0]
    assert "pickled" not in lines[0] and "Traceback" not in result.stderr


def test_serve_refuses_a_default_model_that_does_not_exist():
    result = serve(env={"CNNVIS_DEFAULT_MODEL": "cifar"})
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "cnnvis: CNNVIS_DEFAULT_MODEL is 'cifar'; the models are mnist, fashion"
    ]


@pytest.mark.parametrize("setting", [("--header-timeout", "0"), ("--max-connections", "many")])
def test_serve_refuses_a_limit_that_is_not_a_positive_number(setting):
    result = serve(*setting)
    assert result.returncode == 2
    assert setting[0] in result.stderr and "Traceback" not in result.stderr


def test_sigterm_ends_the_server_in_bounded_time_despite_a_trickling_upload():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--shutdown-timeout", "1"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stderr.read().decode()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{")
            time.sleep(0.3)  # the request is in the app, waiting for the rest of its body
            process.send_signal(signal.SIGTERM)
            started = time.monotonic()
            while process.poll() is None and time.monotonic() - started < 15:
                try:
                    sock.send(b" ")  # a byte now and then, as a client on a dying connection might
                except OSError:
                    pass  # closed by the server: waiting for the process is all that is left
                time.sleep(0.2)
            took = time.monotonic() - started
        assert process.poll() is not None, "still running 15 s after SIGTERM"
        assert took < 1 + 5  # the shutdown timeout and start-up slack of a busy machine
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


# What the process serving the app finds when it loads NumPy: OpenBLAS's own thread count,
# asked through ctypes from the library NumPy loaded. uvicorn.run is replaced, so nothing listens.
BLAS_PROBE = """
import ctypes, sys
import uvicorn

def report(*args, **kwargs):
    import numpy
    path = next(line.split()[-1] for line in open("/proc/self/maps") if "openblas" in line.lower())
    library = ctypes.CDLL(path)
    count = next(getattr(library, name) for name in ("scipy_openblas_get_num_threads64_",
                 "openblas_get_num_threads64_", "openblas_get_num_threads") if hasattr(library, name))
    print("threads", count())

uvicorn.run = report
from app.cli import main
sys.exit(main(["serve"]))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
@pytest.mark.parametrize(("preset", "expected"), [(None, "1"), ("2", "2")])
def test_serve_gives_numpy_one_blas_thread_unless_told_otherwise(preset, expected):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    if preset:
        env["OPENBLAS_NUM_THREADS"] = preset
    done = subprocess.run([sys.executable, "-c", BLAS_PROBE], env=env, capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-2:] == ["threads", expected]


@pytest.mark.parametrize(("name", "value"), [("CNNVIS_MAX_BODY_BYTES", "0"), ("CNNVIS_MAX_BODY_BYTES", "-5"),
                                           ("CNNVIS_DECODE_WAIT_SECONDS", "0.0"), ("CNNVIS_DECODE_WAIT_SECONDS", "nan")])
def test_a_limit_set_in_the_environment_must_be_more_than_zero(monkeypatch, name, value):
    """A body limit of 0 bytes (or a wait of 0 s) would refuse every request: a worker reading it
    from CNNVIS_* stops with the variable's name instead of serving nothing."""
    from app.settings import Settings, SettingsError

    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        Settings.from_env()
