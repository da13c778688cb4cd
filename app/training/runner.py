"""The training process: takes waiting jobs one after the other, exits when none is left.

Started by app.training.jobs with one BLAS thread (the variables are set again here, before
NumPy is imported, for a runner started by hand) and at a lower priority, so that a model
training beside the web server leaves the cores to the students' traces.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

NICENESS = 10


def run_one(store, job_id: str) -> None:
    from ..model_store import ModelStore
    from .finish import add_exemplars
    from .live import live_id, write_snapshot
    from .loop import JobEnded, train_job
    from .recipe import TrainRequest

    job = store.job(job_id)
    live = live_id(job_id)

    def emit(event: str, data: dict) -> None:
        store.append(job_id, event, {**data, "live": live} if event == "started" else data)

    try:
        req = TrainRequest(**job["request"])
        network, metadata = train_job(
            req, emit, lambda: store.stop_requested(job_id), job["max_seconds"], job["max_images"],
            snapshot=lambda net, about: write_snapshot(store.root / job_id, net, about),
        )
        if store.stop_requested(job_id):
            raise JobEnded("stopped", "The job was stopped.")
        models = ModelStore(Path(job["models_dir"]), job["models_max"])
        model_id = models.save(network, metadata)
        # Before `done`, so the why views answer as soon as the page shows the model.
        emit("finishing", {"stage": "exemplars", "model": model_id})
        exemplars = add_exemplars(network, metadata, models.path(model_id))
        emit("done", {"model": model_id, "name": metadata["name"], "val_accuracy": metadata["val_accuracy"],
                      "seconds": metadata["train_seconds"], "exemplars": exemplars})
    except JobEnded as ended:
        emit(ended.event, {"reason": ended.reason})
    except Exception as err:  # the job fails with a sentence; the runner goes on to the next
        emit("failed", {"reason": f"The training stopped on an unexpected problem ({type(err).__name__})."})
        raise


def main(root: str) -> int:
    try:
        os.nice(NICENESS)
    except OSError:
        pass
    from .jobs import JobStore

    store = JobStore(Path(root))
    job_id = store.current()
    while job_id is not None:
        try:
            run_one(store, job_id)
        except Exception:
            import traceback

            traceback.print_exc()  # into runner.log, for the operator
        job_id = store.take_next()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
