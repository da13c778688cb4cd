"""What the API benchmark drives its servers with: uvicorn processes, small HTTP clients, wrk
and the request bodies.

`Server` starts one uvicorn worker with the options both servers share (UVICORN_OPTIONS) and
records the time to its first answer; `wrk` runs a Lua script from `lua_script` against it at
CONNECTIONS connections and reads back the JSON line the script's done() prints, adding the
server's CPU per request.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import orjson
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from live_server import LiveServer, free_port  # noqa: F401  (free_port: for the benchmarks that import it from here)

PYTHON = sys.executable
UVICORN_OPTIONS = ["--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"]
CONNECTIONS = 8

# Printed by wrk when a run ends: one JSON line the bench reads back.
WRK_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
    .. '"max_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, "bytes": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout, summary.bytes))
end
"""


# -- servers -----------------------------------------------------------------------------
def get(port: int, path: str, timeout: float = 2.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def post(port: int, path: str, body: bytes, headers: dict | None = None, conn=None):
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        if own:
            conn.close()


class Server(LiveServer):
    """One uvicorn process serving `target` with UVICORN_OPTIONS, ready once `ready_path`
    answers; records the wall and CPU time to that first answer."""

    def __init__(self, target: str, ready_path: str):
        super().__init__(["uvicorn", target, *UVICORN_OPTIONS], ready_path=ready_path, ready_within=30)
        self.startup_cpu_s = self.cpu_s()


# -- wrk ---------------------------------------------------------------------------------
def lua_script(workdir: Path, name: str, body: bytes | None = None, headers: dict | None = None) -> Path:
    lines = []
    if body is not None:
        lines += ['wrk.method = "POST"', 'wrk.headers["Content-Type"] = "application/json"']
        lines.append(f"wrk.body = [==[{body.decode()}]==]")
    for key, value in (headers or {}).items():
        lines.append(f'wrk.headers["{key}"] = "{value}"')
    path = workdir / f"{name}.lua"
    path.write_text("\n".join(lines) + "\n" + WRK_DONE)
    return path


def wrk(server: Server, path: str, script: Path, seconds: int) -> dict:
    # One wrk thread: on a two-core machine a second one would take CPU from the server.
    command = [
        "wrk",
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
        server.url + path,
    ]
    cpu = server.cpu_s()
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    cpu = server.cpu_s() - cpu
    match = re.search(r"^RESULT (\{.*\})$", out, re.MULTILINE)
    if not match:
        raise RuntimeError(f"no result from wrk:\n{out}")
    result = json.loads(match.group(1))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["cpu_us"] = cpu * 1e6 / max(1, result["requests"])  # server CPU per request: steadier under load
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    return result


# -- request bodies ----------------------------------------------------------------------
def pixels_body(digit: np.ndarray) -> bytes:
    return orjson.dumps({"pixels": (digit.astype(np.float64) / 255).tolist()})


def image_body(digit: np.ndarray) -> bytes:
    """The digit as a canvas would send it: dark ink on white, 112x112, a PNG data URL."""
    paper = Image.fromarray(255 - digit, "L").resize((112, 112), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    paper.save(buffer, "PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    return orjson.dumps({"image": url, "steps": False})
