"""Write phone-like photos of official test digits to a folder, to look at or to upload.

    .venv/bin/python bench/phone_photos.py OUT_DIR [--count 20] [--seed 8] [--first 0] [--data DIR]

Each file is named <index>-<label>.jpg with <index> the digit's place in the test set; a
contents.tsv beside them says what each photo holds (ruled paper, a table, the shadow's
strength, the digit's share of the short side). The photos are the ones the photo
benchmark and tests read (tests/api/photos.py says how they are made); the same seed and
index give the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.nn import idx
from tests.api.photos import phone_photo

DATA = Path("/work/shared/data/mnist")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--first", type=int, default=0, help="index of the first test digit")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    data = args.data if args.data.exists() else ROOT / "tests" / "data" / "mnist-t10k-1000"
    images, labels = idx.load_split(data, "t10k")
    args.out.mkdir(parents=True, exist_ok=True)
    rows = ["file\tlabel\truled\ttable\tshadow\tdigit_share"]
    for index in range(args.first, min(args.first + args.count, len(images))):
        jpeg, seen = phone_photo(images[index], np.random.default_rng([args.seed, index]))
        name = f"{index:05d}-{labels[index]}.jpg"
        (args.out / name).write_bytes(jpeg)
        rows.append(f"{name}\t{labels[index]}\t{seen['ruled']}\t{seen['table']}\t{seen['shadow']}\t{seen['digit_share']}")
    (args.out / "contents.tsv").write_text("\n".join(rows) + "\n")
    print(f"wrote {len(rows) - 1} photos to {args.out}")


if __name__ == "__main__":
    main()
