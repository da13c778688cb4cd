"""The app as a real server, for the browser tests and the benchmarks alike: a subprocess
(`python -m uvicorn ...` or `python -m app.cli serve ...`) on a free loopback port, ready once
/healthz answers, stopped when done.

Written once so that every caller waits for the same thing (an answer from /healthz, not a
fixed sleep), gives up after a bounded time with the server's own last words, and never leaves
a server behind. The server's output goes to a temporary file rather than a pipe nobody reads,
so a chatty server can never block on a full pipe.

Under pytest tests/ is on sys.path (`from live_server import LiveServer`); a benchmark puts
tests/ on sys.path first, as it does for testdata.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    """A loopback port nobody listens on at this moment."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class ServerDidNotStart(RuntimeError):
    """The server exited, or did not answer /healthz in time; the message ends with its output."""


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process `pid` has used so far (Linux: /proc), 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class LiveServer:
    """`python -m <module_args> --host 127.0.0.1 --port <free port>`, run from `cwd` with `env`
    on top of this process's environment; the constructor returns once GET `ready_path` answers
    200 (and, with `workers`, once that many worker processes run).

    Use as a context manager, or call stop(). `url` is the base URL, `pid` the server's process
    id, `startup_s` the wall time from launch to ready; the benchmarks read its CPU time and
    memory from /proc (cpu_s, rss_kb)."""

    def __init__(self, module_args: list[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None,
                 ready_within: float = 60.0, ready_path: str = "/healthz", workers: int = 0):
        self.ready_path, self.workers = ready_path, workers
        started = time.perf_counter()
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self._output = tempfile.TemporaryFile()
        command = [sys.executable, "-m", *module_args, "--host", HOST, "--port", str(self.port)]
        self.process = subprocess.Popen(command, cwd=cwd, env={**os.environ, **(env or {})},
                                        stdout=self._output, stderr=subprocess.STDOUT)
        self.pid = self.process.pid
        try:
            self._wait_until_ready(" ".join(module_args), ready_within)
        except BaseException:
            self.stop()
            raise
        self.startup_s = time.perf_counter() - started

    def _wait_until_ready(self, what: str, ready_within: float) -> None:
        deadline = time.monotonic() + ready_within
        pause = 0.01  # short at first: a warm start answers within a fraction of a second
        while True:
            if self.process.poll() is not None:
                raise ServerDidNotStart(f"{what} exited with status {self.process.returncode}:\n{self.output()}")
            if self._healthy() and (not self.workers or len(self.children()) >= self.workers):
                return
            if time.monotonic() > deadline:
                raise ServerDidNotStart(f"{what} did not answer {self.ready_path} within {ready_within:.0f} s:\n{self.output()}")
            time.sleep(pause)
            pause = min(pause * 2, 0.1)

    def _healthy(self) -> bool:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=2)
        try:
            connection.request("GET", self.ready_path)
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def children(self) -> list[int]:
        """Process ids of the server's direct children (its workers, with --workers)."""
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def cpu_s(self) -> float:
        """User + system CPU seconds the server and its workers have used so far."""
        return sum(cpu_seconds(pid) for pid in [self.pid, *self.children()])

    def rss_kb(self) -> int:
        """The server process's resident memory in KiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError(f"no VmRSS for process {self.pid}")

    def output(self, last: int = 3000) -> str:
        """The last `last` characters the server wrote (stdout and stderr together)."""
        if self._output.closed:
            return ""
        self._output.flush()
        self._output.seek(0, os.SEEK_END)
        size = self._output.tell()
        self._output.seek(max(0, size - last))
        return self._output.read().decode(errors="replace")

    def stop(self, grace: float = 10.0) -> None:
        """Ask the server to stop (SIGTERM: a graceful shutdown), kill it after `grace` seconds."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._output.close()

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def uvicorn_app(target: str = "app.main:app") -> list[str]:
    """Module arguments for uvicorn serving the ASGI app `target`, quiet but for warnings."""
    return ["uvicorn", target, "--log-level", "warning"]


def cnnvis_serve(*flags: str) -> list[str]:
    """Module arguments for `cnnvis serve` with `flags` (e.g. "--workers", "1")."""
    return ["app.cli", "serve", *flags]
