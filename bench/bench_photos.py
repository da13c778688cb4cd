"""How well the shipped MNIST model reads phone photos of test digits written on paper, with
the photo preparation (light evened out, lines and clutter dropped) and without it.

    .venv/bin/python bench/bench_photos.py [--count 500] [--seed 8] [--data DIR]

The photos come from tests/api/photos.py (uneven light, a soft shadow, ruled lines in some,
a table along one border in half, slight turn, blur, noise, JPEG, 1200x1600). The digits
are drawn at random from the official test set, away from the first 1,000 that the tests
use. Both preparations run in the same run on the same bytes: "before" is the same code
with the two photo steps switched off, which is exactly the preparation as it was before
they were added. Times are CPU time per photo (one thread; CPU time rather than the clock,
as other work on a shared machine stretches the clock), decoding apart. Writes
bench/results/photos.md.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import contextlib
import datetime
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import preprocess
from app.models import load_model
from app.nn import idx
from tests.api.photos import phone_photo

DATA = Path("/work/shared/data/mnist")
RESULTS = ROOT / "bench" / "results" / "photos.md"
TESTS_USE = 1000  # the tests read the first 1,000 test digits; the benchmark draws from the rest
MAX_PIXELS = 40_000_000
TARGET = 0.95


@contextlib.contextmanager
def photo_steps_off():
    """The preparation as it was before the photo steps: the light taken as even, every inked pixel kept."""
    saved = preprocess.even_out_light, preprocess.keep_the_object
    preprocess.even_out_light = lambda grey, light: (light, None)
    preprocess.keep_the_object = lambda ink, photo: (ink, False)
    try:
        yield
    finally:
        preprocess.even_out_light, preprocess.keep_the_object = saved


def prepare(jpeg: bytes, preparation) -> tuple[np.ndarray | None, float, float]:
    """(28x28 input or None if refused, seconds decoding, seconds preparing)."""
    t0 = time.process_time()
    try:
        grey = preprocess.luminance(preprocess.open_image(jpeg, MAX_PIXELS))
        t1 = time.process_time()
        pixels = preprocess.to_mnist(grey, preparation).pixels
    except preprocess.ImageError:
        return None, 0.0, 0.0
    return pixels, t1 - t0, time.process_time() - t1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    if args.data.exists():
        images, labels = idx.load_split(args.data, "t10k")
        pool = np.arange(TESTS_USE, len(images))
    else:  # the committed first 1,000 only
        images, labels = idx.load_split(ROOT / "tests" / "data" / "mnist-t10k-1000", "t10k")
        pool = np.arange(len(images))
        print(f"no data at {args.data}: using the first {len(images)} test digits")
    chosen = np.random.default_rng(args.seed).choice(pool, min(args.count, pool.size), replace=False)
    model = load_model("mnist")
    load = os.getloadavg()[0]

    rows = []  # (label, seen, new pixels, old pixels, decode s, new s, old s)
    started = time.perf_counter()
    for i, index in enumerate(chosen):
        jpeg, seen = phone_photo(images[index], np.random.default_rng([args.seed, int(index)]))
        new, decode, new_s = prepare(jpeg, model.preparation)
        with photo_steps_off():
            old, _, old_s = prepare(jpeg, model.preparation)
        rows.append((int(labels[index]), seen, new, old, decode, new_s, old_s))
        if (i + 1) % 50 == 0:
            print(f"{i + 1} photos, {time.perf_counter() - started:.0f} s", flush=True)

    def read(column: int) -> np.ndarray:
        """1 where the preparation in `column` led to the right digit, 0 where wrong or refused."""
        right = np.zeros(len(rows), bool)
        ok = [i for i, r in enumerate(rows) if r[column] is not None]
        if ok:
            x = np.stack([rows[i][column] for i in ok])[:, None]
            guesses = model.network.forward(x).argmax(axis=1)
            right[ok] = guesses == np.array([rows[i][0] for i in ok])
        return right

    new_right, old_right = read(2), read(3)
    refused_new = sum(r[2] is None for r in rows)
    refused_old = sum(r[3] is None for r in rows)
    ms = lambda values: 1000 * np.asarray(values)  # noqa: E731
    decode, new_t, old_t = ms([r[4] for r in rows]), ms([r[5] for r in rows]), ms([r[6] for r in rows])
    groups = {
        "all": np.ones(len(rows), bool),
        "table along a border": np.array([r[1]["table"] for r in rows]),
        "no table": np.array([not r[1]["table"] for r in rows]),
        "ruled paper": np.array([r[1]["ruled"] for r in rows]),
        "deep shadow (>= 0.4)": np.array([r[1]["shadow"] >= 0.4 for r in rows]),
        "small digit (< 25% of the short side)": np.array([r[1]["digit_share"] < 0.25 for r in rows]),
    }

    lines = [
        "# Photo benchmark: phone-like photos of test digits on paper",
        "",
        "| run | |",
        "|---|---|",
        f"| date | {datetime.datetime.now().isoformat(timespec='seconds')} |",
        f"| nproc | {os.cpu_count()} |",
        f"| load average (1 min) at start | {load:.2f} |",
        f"| python | {platform.python_version()} |",
        f"| photos | {len(rows)} (seed {args.seed}), 1200x1600 or 1600x1200 JPEG |",
        "",
        f"| photos | count | right, with the photo steps | right, before them |",
        "|---|---|---|---|",
    ]
    for name, mask in groups.items():
        n = int(mask.sum())
        if n:
            lines.append(f"| {name} | {n} | {new_right[mask].mean():.1%} | {old_right[mask].mean():.1%} |")
    lines += [
        "",
        f"Refused as poor pictures: {refused_new} with the photo steps, {refused_old} before them "
        "(counted as wrong).",
        f"Target: at least {TARGET:.0%} right with the photo steps: {'met' if new_right.mean() >= TARGET else 'NOT met'}.",
        "",
        "| CPU time per photo (ms) | median | 90th percentile |",
        "|---|---|---|",
        f"| decode the JPEG to grey levels | {np.median(decode):.1f} | {np.percentile(decode, 90):.1f} |",
        f"| prepare, with the photo steps | {np.median(new_t):.1f} | {np.percentile(new_t, 90):.1f} |",
        f"| prepare, before them | {np.median(old_t):.1f} | {np.percentile(old_t, 90):.1f} |",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report)
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
