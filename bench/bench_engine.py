"""The NumPy engine against PyTorch eager on the CPU, measured in the same run.

    .venv/bin/python bench/bench_engine.py [--reps 3000] [--batches 20] [--repeats 15] [--data DIR]
                                           [--before REVISION]

1. Trace: median time of ``Network.trace`` on one 28x28 digit against the same LeNet-5 in
   PyTorch at batch size 1 under ``torch.no_grad()``, keeping every intermediate (and the
   max-pool indices) as a trace does. Targets: trace <= 150 us, numpy/torch <= 0.5.
   Also the trace of the colour network COLOUR32 (3x32x32, batch norm, padded pooling,
   dropout, global pooling), numpy only: a figure to watch as kinds are added.
2. Training: forward + backward + Adam step at batch 64, no augmentation, on the first
   10,000 training digits. A block of ``--batches`` batches is timed ``--repeats`` times per
   engine; the median block is scaled to the 157 batches of a 10,000-digit epoch.
   Target numpy/torch <= 2.

3. Now against before: the trace and the training epoch by the engine of an earlier commit
   (``--before``, default the one before the engine-speed work, loaded beside today's by
   bench/before.py) with the same weights, taking turns with today's.

Both engines run on ONE thread: the BLAS thread variables are set below before numpy is
imported, and ``torch.set_num_threads(1)``. The engines take turns, so background load
slows both alike; the ratios are the figures to trust. Writes bench/results/engine.md.
Without torch (the optional "bench" extra) only the numpy figures are printed.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy is imported, or BLAS has already started its threads

import argparse
import datetime
import functools
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from app.nn import idx
from app.nn.architecture import COLOUR32, CONV, DENSE, FLATTEN, LENET5, MAXPOOL
from app.nn.network import Network
from app.nn.optim import Adam
from before import DEFAULT_REVISION, before_network, load_before  # noqa: E402

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = None

DATA = Path("/work/shared/data/mnist")
RESULTS = ROOT / "bench" / "results" / "engine.md"
DIGITS, BATCH, LR = 10_000, 64, 1e-3
TRACE_TARGET_US, TRACE_RATIO_TARGET, EPOCH_RATIO_TARGET = 150, 0.5, 2.0
WARM_BLOCK = 100  # trace calls per turn: each engine runs with its caches warm, as when it runs alone


def load_digits(data_dir: Path):
    """Images (N, 1, 28, 28) float32 in 0..1 and labels (N,): real MNIST if present, else noise."""
    try:
        images, labels = idx.load_split(data_dir, "train")
        return idx.to_input(images[:DIGITS]), labels[:DIGITS].astype(np.int64), f"MNIST train[:{DIGITS}]"
    except idx.IdxError:
        rng = np.random.default_rng(0)
        x = rng.random((DIGITS, 1, 28, 28), dtype=np.float32)
        return x, rng.integers(0, 10, DIGITS), f"{DIGITS} random images (no MNIST in {data_dir})"


def interleaved(timers: dict, reps: int, warmup: int, block: int = 1) -> dict:
    """Median seconds of each callable. The callables take turns, ``block`` calls at a time,
    so that background load hits all of them alike."""
    for f in timers.values():
        for _ in range(warmup):
            f()
    times = {name: [] for name in timers}
    clock = time.perf_counter
    for _ in range(-(-reps // block)):
        for name, f in timers.items():
            for _ in range(block):
                start = clock()
                f()
                times[name].append(clock() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


# -- the numpy engine ---------------------------------------------------------------------
def layer_kernels(layer, params):
    """One layer's forward pass at inference (kernels, activation and cache) as a function of its input batch."""
    return lambda x: layer.forward(x, params, "infer")[0]


def layer_breakdown(net: Network, image: np.ndarray, reps: int) -> dict:
    """Median microseconds of each layer's kernels on one image, and of the whole trace timed in
    the same turns; the difference is the trace's bookkeeping."""
    timers, a = {}, image[None]  # (1, C, H, W)
    for layer in net.layers:
        run = layer_kernels(layer, net.params)
        timers[layer.name] = functools.partial(run, a)
        a = run(a)
    timers["whole trace"] = functools.partial(net.trace, image)
    return {name: s * 1e6 for name, s in interleaved(timers, reps, warmup=50, block=WARM_BLOCK).items()}


def numpy_training_block(net: Network, x_all, y_all, starts, adam=Adam):
    opt = adam(net.params, lr=LR)

    def block():
        for s in starts:
            _, grads, _ = net.loss_and_grads(x_all[s : s + BATCH], y_all[s : s + BATCH])
            opt.step(grads)

    return block


# -- the same network in PyTorch ----------------------------------------------------------
def torch_layers(net: Network) -> list:
    """The architecture spec as a list of (kind, spec, weight, bias), the numpy weights copied."""
    layers = []
    for spec in net.architecture.layers:
        w = b = None
        if spec.kind in (CONV, DENSE):
            w = net.params[f"{spec.name}.w"]
            w = torch.tensor(w if spec.kind == CONV else w.T.copy())  # Linear keeps (D_out, D_in)
            b = torch.tensor(net.params[f"{spec.name}.b"])
        layers.append((spec.kind, spec, w, b))
    return layers


def torch_forward(layers, x, keep: list | None = None):
    """Walks the layers. With ``keep``, appends every intermediate (weighted input, output,
    max-pool indices) as a trace does; without, it stops before the final softmax (training)."""
    for kind, spec, w, b in layers:
        if kind in (CONV, DENSE):
            z = F.conv2d(x, w, b, spec.stride, spec.padding) if kind == CONV else F.linear(x, w, b)
            x = F.relu(z) if spec.activation == "relu" else z
            if keep is not None:
                keep.append(z)
        elif kind == MAXPOOL:
            x, where = F.max_pool2d(x, spec.kernel, spec.stride, return_indices=True)
            if keep is not None:
                keep.append(where)
        elif kind == FLATTEN:
            x = x.flatten(1)  # (N, C*H*W)
        elif keep is not None:
            x = F.softmax(x, dim=1)
        if keep is not None:
            keep.append(x)
    return x


def torch_trace(layers, x):
    keep = []
    with torch.no_grad():
        torch_forward(layers, x, keep)
    return keep


def torch_training_block(layers, x_all, y_all, starts):
    params = [t.requires_grad_() for _, _, w, b in layers if w is not None for t in (w, b)]
    opt = torch.optim.Adam(params, lr=LR)
    x_t, y_t = torch.from_numpy(x_all), torch.from_numpy(y_all)

    def block():
        for s in starts:
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(torch_forward(layers, x_t[s : s + BATCH]), y_t[s : s + BATCH]).backward()
            opt.step()

    return block


# -- report -------------------------------------------------------------------------------
def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "load average (1 min) at start": f"{os.getloadavg()[0]:.2f}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__ if torch else "not installed",
        "threads": "1 each (OPENBLAS/OMP/MKL_NUM_THREADS=1; torch.set_num_threads(1))",
    }


def row(label, numpy_value, torch_value, unit_format, target=None):
    """One table row: label, numpy, torch, ratio, target, met."""
    ratio = numpy_value / torch_value if torch_value else None
    cells = [label, format(numpy_value, unit_format), format(torch_value, unit_format) if torch_value else "n/a"]
    cells.append(f"{ratio:.2f}" if ratio else "n/a")
    if target is None:
        return cells + ["", ""]
    met = [
        numpy_value <= limit if kind == "abs" else (None if ratio is None else ratio <= limit) for kind, limit in target
    ]
    wanted = ", ".join(f"<= {limit}" + (" us" if kind == "abs" else " ratio") for kind, limit in target)
    return cells + [wanted, ", ".join({True: "yes", False: "NO", None: "n/a"}[m] for m in met)]


def write_markdown(info, rows, layers, whole, notes, versus):
    lines = ["# Engine benchmark: NumPy against PyTorch eager (CPU)", ""]
    lines += ["| machine | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in info.items()]
    lines += ["", "| figure | numpy | torch | numpy/torch | target | met |", "|---|---|---|---|---|---|"]
    lines += [f"| {' | '.join(r)} |" for r in rows]
    lines += ["", "Trace, per layer (kernels and activation, median us on one image):", ""]
    lines += ["| layer | us |", "|---|---|"] + [f"| {k} | {v:.1f} |" for k, v in layers.items()]
    lines += [f"| sum of layers | {sum(layers.values()):.1f} |", f"| whole trace, timed alongside | {whole:.1f} |"]
    lines += ["", versus["title"], "", "| figure | now | before | now / before |", "|---|---|---|---|"]
    lines += [f"| {label} | {now:.{digits}f} | {then:.{digits}f} | {now / then:.2f} |" for label, now, then, digits in versus["rows"]]
    lines += [""] + [f"- {note}" for note in notes] + [""]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=3000, help="timed traces per engine")
    parser.add_argument("--batches", type=int, default=20, help="training steps per timed block")
    parser.add_argument("--repeats", type=int, default=15, help="timed blocks per engine")
    parser.add_argument("--data", type=Path, default=DATA, help="MNIST folder (IDX files)")
    parser.add_argument("--before", default=DEFAULT_REVISION, help="git revision of the engine to compare with")
    args = parser.parse_args(argv)
    before = load_before(args.before)

    info = machine()
    for k, v in info.items():
        print(f"{k:>30}: {v}")
    x_all, y_all, data_note = load_digits(args.data)
    image = x_all[0]
    net = Network.initialise(LENET5, seed=0)
    trace_timers = {"numpy": lambda: net.trace(image)}
    if torch is not None:
        torch.set_num_threads(1)
        layers = torch_layers(net)
        probs = torch_trace(layers, torch.from_numpy(x_all[:256]))[-1].numpy()
        gap = float(np.abs(net.forward(x_all[:256]) - probs).max())
        print(f"torch layers hold the numpy weights: max |p_numpy - p_torch| over 256 digits = {gap:.1e}")
        x1 = torch.from_numpy(image[None].copy())  # (1, 1, 28, 28)
        trace_timers["torch"] = lambda: torch_trace(layers, x1)

    warm = {k: s * 1e6 for k, s in interleaved(trace_timers, args.reps, 300, WARM_BLOCK).items()}
    cold = {k: s * 1e6 for k, s in interleaved(trace_timers, max(500, args.reps // 3), 0).items()}
    layer_us = layer_breakdown(net, image, max(500, args.reps // 3))
    # The colour network with every newer kind (batch norm, padded pooling, dropout, global pooling).
    colour_net = Network.initialise(COLOUR32, seed=0)
    colour_image = np.random.default_rng(0).random(COLOUR32.input_shape, dtype=np.float32)
    colour_us = interleaved({"colour": lambda: colour_net.trace(colour_image)}, max(500, args.reps // 3), 50)["colour"] * 1e6

    steps = -(-DIGITS // BATCH)
    starts = [(i * BATCH) % (DIGITS - BATCH + 1) for i in range(args.batches)]

    def epoch_seconds(timers):
        return {k: s * steps / args.batches for k, s in interleaved(timers, args.repeats, 1).items()}

    train_timers = {"numpy": numpy_training_block(Network.initialise(LENET5, seed=0), x_all, y_all, starts)}
    if torch is not None:
        train_layers = torch_layers(Network.initialise(LENET5, seed=0))
        train_timers["torch"] = torch_training_block(train_layers, x_all, y_all, starts)
    epoch = epoch_seconds(train_timers)
    epoch_label = f"epoch, {DIGITS} digits, batch {BATCH} (s)"

    # Today's engine against the earlier commit's, same weights, taking turns.
    old_net = before_network(before, net)
    versus_trace = {k: s * 1e6 for k, s in interleaved(
        {"now": lambda: net.trace(image), "before": lambda: old_net.trace(image)}, args.reps, 300, WARM_BLOCK).items()}
    fresh = Network.initialise(LENET5, seed=0)
    versus_epoch = epoch_seconds({
        "now": numpy_training_block(fresh, x_all, y_all, starts),
        "before": numpy_training_block(before_network(before, Network.initialise(LENET5, seed=0)), x_all, y_all,
                                       starts, before.optim.Adam),
    })
    versus = {
        "title": f"Now against the engine of commit {args.before} (same weights, taking turns):",
        "rows": [("trace, 1 image (us)", versus_trace["now"], versus_trace["before"], 1),
                 (epoch_label, versus_epoch["now"], versus_epoch["before"], 2)],
    }

    rows = [
        row(
            "trace, 1 image (us)",
            warm["numpy"],
            warm.get("torch"),
            ".1f",
            [("abs", TRACE_TARGET_US), ("ratio", TRACE_RATIO_TARGET)],
        ),
        row("trace, strictly alternating (us)", cold["numpy"], cold.get("torch"), ".1f"),
        row("trace, colour32 3x32x32, 12 layers (us)", colour_us, None, ".1f"),
        row(epoch_label, epoch["numpy"], epoch.get("torch"), ".2f", [("ratio", EPOCH_RATIO_TARGET)]),
    ]
    print()
    for r in rows:
        print(f"{r[0]:>36}: numpy {r[1]:>7}  torch {r[2]:>7}  numpy/torch {r[3]:>5}  {r[4]}  {r[5]}")
    whole = layer_us.pop("whole trace")
    print("\ntrace per layer (us):", "  ".join(f"{k} {v:.1f}" for k, v in layer_us.items()))
    print(f"sum of layers {sum(layer_us.values()):.1f} us, whole trace timed alongside {whole:.1f} us")
    print(f"\n{versus['title']}")
    for label, now, then, digits in versus["rows"]:
        print(f"{label:>36}: now {now:.{digits}f}  before {then:.{digits}f}  now/before {now / then:.2f}")

    notes = [
        (
            f"Data: {data_note}. Training: Adam lr {LR}, no augmentation. Epoch: median of {args.repeats} "
            f"blocks of {args.batches} batches per engine, scaled to the {steps} batches of an epoch."
        ),
        (
            f"Trace: median of {args.reps} calls per engine after warm-up, the engines taking turns "
            f"{WARM_BLOCK} calls at a time. 'Strictly alternating' switches engine after every call, so "
            "each starts with caches the other has just filled. Torch keeps every intermediate and the "
            "max-pool indices, under torch.no_grad()."
        ),
        "Background load (other training runs) shifts absolute times between runs; ratios are from one run.",
    ]
    write_markdown(info, rows, layer_us, whole, notes, versus)
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
