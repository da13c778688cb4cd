"""Training loop: augmented mini-batches, Adam with a cosine schedule, a progress line."""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from . import idx, weights
from .architecture import ARCHITECTURES
from .augment import distort
from .datasets import DATASETS
from .network import Network
from .optim import SGD, Adam, cosine_lr


@dataclass(frozen=True)
class TrainSettings:
    epochs: int = 10
    batch_size: int = 64
    lr: float = 2e-3
    optimizer: str = "adam"  # or "sgd" (momentum 0.9)
    weight_decay: float = 0.0
    warmup_epochs: float = 1.0
    augment: bool = True
    seed: int = 0
    limit: int | None = None  # train on the first `limit` digits only
    dataset: str = "mnist"  # a key of DATASETS: class names, augmentation, upload preparation


def progress(epoch, epochs, done, total, loss, acc, started, stream=sys.stderr):
    width = 24
    filled = int(width * done / total)
    bar = "#" * filled + "-" * (width - filled)
    stream.write(
        f"\repoch {epoch}/{epochs} [{bar}] {done}/{total}  loss {loss:.4f}  acc {acc:.4f}  {time.perf_counter() - started:5.1f}s"
    )
    stream.flush()


def train_network(network: Network, images: np.ndarray, labels: np.ndarray, settings: TrainSettings, show_progress=True,
                  on_epoch=None):
    """Trains in place. images: uint8 (N, H, W); labels (N,). Returns a list of per-epoch (loss, accuracy).
    on_epoch(epoch, network), if given, is called after every epoch (to keep checkpoints)."""
    rng = np.random.default_rng(settings.seed)
    x_all = images.astype(np.float32) / 255
    n = len(x_all)
    steps_per_epoch = -(-n // settings.batch_size)
    total_steps = settings.epochs * steps_per_epoch
    if settings.optimizer == "sgd":
        opt = SGD(network.params, lr=settings.lr)
    else:
        opt = Adam(network.params, lr=settings.lr, weight_decay=settings.weight_decay, decay=network.decayed_keys())
    history, step = [], 0
    aug = DATASETS[settings.dataset].augmentation
    for epoch in range(1, settings.epochs + 1):
        order = rng.permutation(n)
        started, loss_sum, correct, seen = time.perf_counter(), 0.0, 0, 0
        for start in range(0, n, settings.batch_size):
            batch = order[start : start + settings.batch_size]
            x = distort(x_all[batch], rng, aug) if settings.augment else x_all[batch]
            y = labels[batch]
            opt.lr = cosine_lr(settings.lr, step, total_steps, warmup=int(settings.warmup_epochs * steps_per_epoch))
            loss, grads, probs = network.loss_and_grads(x[:, None], y, mode="train")
            opt.step(grads)
            step += 1
            loss_sum += loss * len(batch)
            correct += int((probs.argmax(axis=1) == y).sum())
            seen += len(batch)
            if show_progress and (seen == n or (start // settings.batch_size) % 10 == 0):
                progress(epoch, settings.epochs, seen, n, loss_sum / seen, correct / seen, started)
        if show_progress:
            sys.stderr.write("\n")
        history.append((loss_sum / seen, correct / seen))
        if on_epoch is not None:
            on_epoch(epoch, network)
    return history


def accuracy(network: Network, images: np.ndarray, labels: np.ndarray) -> float:
    return float((network.predict(idx.to_input(images)) == labels).mean())


def run(data_dir: str | Path, out: str | Path, settings: TrainSettings, arch: str = "lenet5", show_progress=True,
        on_epoch=None) -> dict:
    """Train on DIR's train split, test on its t10k split if present, write the weights file.
    on_epoch(epoch, network), if given, is called with epoch 0 before the first step (the
    initialisation) and after every epoch."""
    images, labels = idx.load_split(data_dir, "train")
    if settings.limit:
        images, labels = images[: settings.limit], labels[: settings.limit]
    dataset = DATASETS[settings.dataset]
    architecture = replace(ARCHITECTURES[arch], class_names=dataset.class_names)
    network = Network.initialise(architecture, seed=settings.seed)
    if on_epoch is not None:
        on_epoch(0, network)
    started = time.perf_counter()
    history = train_network(network, images, labels, settings, show_progress, on_epoch=on_epoch)
    metadata = {
        "dataset": dataset.name,
        "preparation": dataset.preparation.to_dict(),
        "train_count": len(images),
        "train_seconds": round(time.perf_counter() - started, 1),
        "train_accuracy": history[-1][1],
        "settings": asdict(settings),
    }
    try:
        test_images, test_labels = idx.load_split(data_dir, "t10k")
        metadata["test_accuracy"] = accuracy(network, test_images, test_labels)
        metadata["test_count"] = len(test_images)
    except idx.IdxError:
        pass
    weights.save(out, network, metadata)
    return metadata
