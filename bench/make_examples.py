"""Writes static/examples/examples.json, the page's row of example inputs.

    .venv/bin/python bench/make_examples.py

Each example is one picture of the committed test data (tests/data: the first digits of the
MNIST test set, the first pictures of the Fashion-MNIST test set), stored as it is there:
28x28 bytes, white on black, base64. For each class wanted, the first test picture of that
class that its shipped model reads right with at least 99% is taken, so a first visit
starts from a clear answer. Run it again after changing the shipped models or the list.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.models import load_model  # noqa: E402
from app.nn.idx import read_idx  # noqa: E402

OUT = ROOT / "static" / "examples" / "examples.json"
# (model, data folder, classes wanted): a few digits, a few clothes.
WANTED = [
    ("mnist", "mnist-t10k-1000", [7, 2, 0, 4]),
    ("fashion", "fashion-mnist-t10k-500", [1, 7, 8]),  # trouser, sneaker, bag
]
ARTICLE = {"8": "an 8", "Trouser": "trousers", "Ankle boot": "an ankle boot"}


def pick(model_id: str, folder: str, classes: list[int]) -> list[dict]:
    model = load_model(model_id)
    names = model.architecture.class_names
    data = ROOT / "tests" / "data" / folder
    images = read_idx(data / "t10k-images-idx3-ubyte.gz", expect_dims=3)
    labels = read_idx(data / "t10k-labels-idx1-ubyte.gz", expect_dims=1)
    chosen = []
    for wanted in classes:
        for i in np.flatnonzero(labels == wanted):
            x = images[i].astype(np.float32)[None, None] / 255  # (1, 1, 28, 28)
            p = model.network.forward(x)[0]
            if p.argmax() == wanted and p[wanted] >= 0.99:
                name = names[wanted]
                chosen.append({
                    "model": model_id,
                    "label": wanted,
                    "name": ARTICLE.get(name, f"a {name.lower()}" if not name.isdigit() else f"a {name}"),
                    "source": f"{folder} #{i}",
                    "pixels": base64.b64encode(images[i].tobytes()).decode("ascii"),
                })
                break
        else:
            raise SystemExit(f"no test picture of class {wanted} is read right by {model_id}")
    return chosen


def main() -> None:
    examples = [e for model_id, folder, classes in WANTED for e in pick(model_id, folder, classes)]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"examples": examples}, indent=1) + "\n")
    print(f"wrote {len(examples)} examples to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
