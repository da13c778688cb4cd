"""One training job: the loop of app/nn/train.py with events, a stop check and the limits.

Each step costs what a step of ``cnnvis train`` costs, plus a look for the stop file (one
stat). Progress goes out every PROGRESS_SECONDS; the held-out accuracy is refreshed at
most once a second and, as it is the dearest part, no more often than keeps it under about
3% of the time.
"""

from __future__ import annotations

import math
import time
from collections import deque

import numpy as np

from ..nn.augment import distort
from ..nn.datasets import DATASETS
from ..nn.network import Network
from ..nn.optim import SGD, Adam, cosine_lr
from . import sample
from .live import SNAPSHOT_SECONDS
from .recipe import TrainRequest, build_architecture

PROGRESS_SECONDS = 0.25
DIVERGED = "the loss became too large: try a smaller learning rate"
RECENT_STEPS = 20  # loss and train accuracy are means over this many recent steps


class JobEnded(Exception):
    """Ends a job early: `event` is "failed" or "stopped", `reason` a sentence."""

    def __init__(self, event: str, reason: str):
        super().__init__(reason)
        self.event, self.reason = event, reason


def held_out_accuracy(network: Network, images: np.ndarray, labels: np.ndarray) -> float:
    return float((network.predict(images.astype(np.float32)[:, None] / 255) == labels).mean())


def train_job(req: TrainRequest, emit, should_stop, max_seconds: float, max_images: int, snapshot=None):
    """Trains the recipe on the shipped sample; returns (network, metadata) or raises JobEnded.
    emit(event, data) sends an event; should_stop() says whether a stop was asked for;
    snapshot(network, metadata), if given, keeps a picture of the weights as they are (at the
    start, then at most every SNAPSHOT_SECONDS, and at the end), numbered in the events."""
    started = time.perf_counter()
    limit = min(req.limit or max_images, max_images)
    images, labels, val_images, val_labels = sample.split(req.dataset, limit)
    x_all = images.astype(np.float32) / 255
    network = Network.initialise(build_architecture(req), seed=req.seed)
    rng = np.random.default_rng(req.seed)
    n = len(x_all)
    steps_per_epoch = -(-n // req.batch_size)
    total_steps = req.epochs * steps_per_epoch
    opt = SGD(network.params, lr=req.lr) if req.optimizer == "sgd" else Adam(network.params, lr=req.lr)
    dataset = DATASETS[req.dataset]
    aug = dataset.augmentation
    about = {"name": req.name.strip() or f"My {req.activation} network ({dataset.name})",
             "dataset": dataset.name, "preparation": dataset.preparation.to_dict()}
    snapshots, snapshot_at = 0, -math.inf
    if snapshot is not None:
        snapshot(network, {**about, "epoch": 0, "step": 0})
        snapshots, snapshot_at = 1, time.perf_counter()
    emit("started", {"images": n, "held_out": len(val_images), "epochs": req.epochs, "steps": total_steps,
                     **({"snapshot": snapshots} if snapshot is not None else {})})
    losses, hits = deque(maxlen=RECENT_STEPS), deque(maxlen=RECENT_STEPS)
    first_loss, val_accuracy, val_at, val_cost = None, None, -math.inf, 0.0
    # The training's own time, as `cnnvis train` counts it: from the first step, the sample
    # already read and the network built (the time limit still counts from the job's start).
    training_started = time.perf_counter()
    next_progress, step = training_started + PROGRESS_SECONDS, 0
    for epoch in range(1, req.epochs + 1):
        order = rng.permutation(n)
        for start in range(0, n, req.batch_size):
            if should_stop():
                raise JobEnded("stopped", "The job was stopped.")
            now = time.perf_counter()
            if now - started > max_seconds:
                raise JobEnded("failed", f"The training took longer than this server allows ({max_seconds:g} seconds): "
                                         "try fewer epochs or fewer images.")
            batch = order[start : start + req.batch_size]
            x = distort(x_all[batch], rng, aug) if req.augment else x_all[batch]
            y = labels[batch]
            opt.lr = cosine_lr(req.lr, step, total_steps, warmup=min(steps_per_epoch, total_steps // 4))
            with np.errstate(all="ignore"):
                loss, grads, probs = network.loss_and_grads(x[:, None], y, mode="train")
            first_loss = loss if first_loss is None else first_loss
            if not math.isfinite(loss) or loss > 100 * first_loss:
                raise JobEnded("failed", DIVERGED)
            opt.step(grads)
            step += 1
            losses.append(loss)
            hits.append(float((probs.argmax(axis=1) == y).mean()))
            now = time.perf_counter()
            last_step = step == total_steps
            if now >= next_progress or last_step:
                if now - val_at >= max(1.0, 30 * val_cost) or last_step:
                    val_at = time.perf_counter()
                    val_accuracy = held_out_accuracy(network, val_images, val_labels)
                    val_cost = time.perf_counter() - val_at
                if snapshot is not None and (now - snapshot_at >= SNAPSHOT_SECONDS or last_step):
                    snapshot(network, {**about, "epoch": epoch, "step": step})
                    snapshots, snapshot_at = snapshots + 1, time.perf_counter()
                elapsed = time.perf_counter() - training_started
                emit("progress", {
                    "epoch": epoch, "step": step, "steps": total_steps,
                    "loss": round(float(np.mean(losses)), 5), "train_accuracy": round(float(np.mean(hits)), 4),
                    "val_accuracy": None if val_accuracy is None else round(val_accuracy, 4),
                    "seconds_left": round(elapsed / step * (total_steps - step), 1),
                    **({"snapshot": snapshots} if snapshot is not None else {}),
                })
                next_progress = time.perf_counter() + PROGRESS_SECONDS
    metadata = {
        **about,
        "train_count": n,
        "train_seconds": round(time.perf_counter() - training_started, 1),
        "train_accuracy": float(np.mean(hits)),
        "val_accuracy": val_accuracy,
        "val_count": len(val_images),
        "settings": req.model_dump(),
    }
    return network, metadata
