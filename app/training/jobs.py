"""Training jobs kept in the filesystem, so that every worker of the server answers for every job.

Layout under ``root`` (a folder the app owns, ``<state_dir>/jobs``):

- ``lock``: flock'ed around every change to the queue, by web workers and the runner alike;
- ``queue.json``: ``{"waiting": [ids, first come first], "running": id or null, "runner": pid or null}``;
- ``<job>/job.json``: the request and the limits it runs under;
- ``<job>/events.jsonl``: one ``[event, data]`` per line, appended; an event's id is its line number;
- ``<job>/stop``: present once someone asked the job to stop.

One runner process (``python -m app.training.runner``) takes the waiting jobs one after the
other and exits when none is left; whoever adds a job starts it if it is not alive. So at most
one job runs at a time, whichever worker took the request.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

JOB_ID = re.compile(r"^j-[0-9a-f]{12}$")
ENDINGS = ("done", "failed", "stopped")
KEEP_SECONDS = 15 * 60  # an ended job's events stay readable this long (at least 10 minutes)
SECONDS_PER_IMAGE_EPOCH = 0.0012  # LeNet-5 at batch 32 on one core, for the queue's estimates


class QueueFull(Exception):
    pass


class JobStore:
    def __init__(self, root: Path, max_waiting: int = 30):
        self.root, self.max_waiting = Path(root), max_waiting
        self.root.mkdir(parents=True, exist_ok=True)

    # -- the queue, under the lock ---------------------------------------------------------
    @contextmanager
    def _locked(self):
        with open(self.root / "lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                path = self.root / "queue.json"
                queue = json.loads(path.read_text()) if path.exists() else {"waiting": [], "running": None, "runner": None}
                yield queue
                partial = self.root / "queue.json.partial"
                partial.write_text(json.dumps(queue))
                os.replace(partial, path)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def submit(self, job: dict) -> str:
        """Adds a job at the back of the queue and makes sure a runner is alive; raises QueueFull."""
        self._forget_old()
        job_id = "j-" + secrets.token_hex(6)
        with self._locked() as queue:
            if len(queue["waiting"]) >= self.max_waiting:
                raise QueueFull
            folder = self.root / job_id
            folder.mkdir()
            (folder / "job.json").write_text(json.dumps(job))
            queue["waiting"].append(job_id)
            if not _alive(queue["runner"]):
                self._end_orphan(queue["running"])
                # The new runner's first job is chosen now, so that a job submitted a moment
                # later is told position 1 while the runner is still starting.
                queue["running"] = queue["waiting"].pop(0)
                self.append(queue["running"], "queued", {"position": 0, "seconds_to_start": 0})
                queue["runner"] = self._start_runner()
            self._announce_positions(queue)
        return job_id

    def _end_orphan(self, job_id: str | None) -> None:
        """A job left running by a runner that died (killed, out of memory) ends as failed."""
        state = self.state(job_id) if job_id else None
        if state is not None and state["state"] not in ENDINGS:
            self.append(job_id, "failed", {"reason": "The training process ended unexpectedly: start the job again."})

    def current(self) -> str | None:
        """For a runner that has just started: the job chosen for it."""
        with self._locked() as queue:
            return queue["running"]

    def take_next(self) -> str | None:
        """For the runner, after a job: the first waiting job, now running; None (and the runner's
        slot freed) when none waits."""
        with self._locked() as queue:
            queue["running"] = None
            if not queue["waiting"]:
                queue["runner"] = None
                return None
            job_id = queue["waiting"].pop(0)
            queue["running"] = job_id
            self._announce_positions(queue)
            return job_id

    def stop(self, job_id: str) -> str | None:
        """Asks a job to stop: a waiting one leaves the queue at once, a running one sees the
        stop file within a training step. Returns the job's state before, None if unknown."""
        state = self.state(job_id)
        if state is None or state["state"] in ENDINGS:
            return None if state is None else state["state"]
        with self._locked() as queue:
            if job_id in queue["waiting"]:
                queue["waiting"].remove(job_id)
                self.append(job_id, "stopped", {"reason": "The job was stopped before it started."})
                self._announce_positions(queue)
                return "queued"
        (self.root / job_id / "stop").touch()
        return "running"

    def _announce_positions(self, queue: dict) -> None:
        """A `queued` event for every waiting job whose position changed: its place and a rough start."""
        wait = self._seconds_left(queue["running"])
        for position, job_id in enumerate(queue["waiting"], start=1):
            last = self.last_event(job_id)
            if last is None or last[0] != "queued" or last[1]["position"] != position:
                self.append(job_id, "queued", {"position": position, "seconds_to_start": round(wait)})
            wait += self._estimate(job_id)

    def _seconds_left(self, job_id: str | None) -> float:
        last = self.last_event(job_id) if job_id else None
        if last is None:
            return self._estimate(job_id) if job_id else 0.0
        return float(last[1].get("seconds_left", 0.0))

    def _estimate(self, job_id: str) -> float:
        job = self.job(job_id) or {}
        request = job.get("request", {})
        images = request.get("limit") or job.get("max_images", 9000)
        return min(job.get("max_seconds", 300.0), request.get("epochs", 2) * images * SECONDS_PER_IMAGE_EPOCH)

    def _start_runner(self) -> int:
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        log = open(self.root / "runner.log", "ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.training.runner", str(self.root)],
            env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
        )
        log.close()
        threading.Thread(target=proc.wait, daemon=True).start()  # reaped when it exits
        return proc.pid

    def _forget_old(self) -> None:
        """Removes ended jobs older than KEEP_SECONDS (their events, not their models)."""
        now = time.time()
        for folder in self.root.glob("j-*"):
            events = folder / "events.jsonl"
            try:
                if now - events.stat().st_mtime > KEEP_SECONDS and self.state(folder.name)["state"] in ENDINGS:
                    shutil.rmtree(folder, ignore_errors=True)
            except (OSError, TypeError, KeyError):
                continue

    # -- one job's files ------------------------------------------------------------------
    def job(self, job_id: str) -> dict | None:
        if not isinstance(job_id, str) or not JOB_ID.match(job_id):
            return None
        try:
            return json.loads((self.root / job_id / "job.json").read_text())
        except (OSError, ValueError):
            return None

    def append(self, job_id: str, event: str, data: dict) -> None:
        line = (json.dumps([event, data]) + "\n").encode()
        fd = os.open(self.root / job_id / "events.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)  # one write of one line: readers never see half of it
        finally:
            os.close(fd)

    def events(self, job_id: str, after: int = 0) -> list[tuple[int, str, dict]]:
        """(id, event, data) of every event after id `after`; ids count lines from 1."""
        try:
            lines = (self.root / job_id / "events.jsonl").read_bytes().split(b"\n")
        except OSError:
            return []
        out = []
        for number, line in enumerate(lines[:-1], start=1):  # the last piece is after the final newline
            if number > after:
                event, data = json.loads(line)
                out.append((number, event, data))
        return out

    def last_event(self, job_id: str) -> tuple[str, dict] | None:
        events = self.events(job_id)
        return events[-1][1:] if events else None

    def ended_by(self, job_id: str, after: int) -> bool:
        """Whether the job's ending (done, failed or stopped) is event `after` or an earlier one:
        a client that has seen the events up to `after` has seen them all. One read of the file."""
        events = self.events(job_id)
        return bool(events) and events[-1][1] in ENDINGS and events[-1][0] <= after

    def stop_requested(self, job_id: str) -> bool:
        return (self.root / job_id / "stop").exists()

    def state(self, job_id: str) -> dict | None:
        """{"state": queued | running | done | failed | stopped, ...the last event's data}; None if unknown."""
        if self.job(job_id) is None:
            return None
        events = self.events(job_id)
        if not events:
            return {"state": "queued"}
        _, event, data = events[-1]
        state = {"queued": "queued", "started": "running", "progress": "running"}.get(event, event)
        return {"state": state, **data}


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a runner that exited but is not yet reaped is a zombie: not alive
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[-1][:1] != "Z"
    except OSError:
        return True
