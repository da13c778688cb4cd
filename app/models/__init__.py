"""The models shipped inside the package, and loading one by id or by path."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..nn import weights
from ..nn.datasets import Preparation
from ..nn.network import Network

MODELS_DIR = Path(__file__).resolve().parent

# id -> (file in this folder, display name)
SHIPPED = {
    "mnist": ("mnist.npz", "Handwritten digits (MNIST)"),
    "fashion": ("fashion.npz", "Clothes (Fashion-MNIST)"),
}


@dataclass
class Model:
    id: str
    name: str
    network: Network
    metadata: dict
    # How an uploaded picture is made to look like this model's training images; read once
    # from the metadata when the model loads, so a bad weights file fails at start-up.
    preparation: Preparation = field(init=False)

    def __post_init__(self):
        self.preparation = Preparation(**self.metadata.get("preparation", {}))

    @property
    def architecture(self):
        return self.network.architecture


def load_model(id_or_path: str) -> Model:
    """A shipped model by id ('mnist'), or any weights file by path."""
    if id_or_path in SHIPPED:
        filename, name = SHIPPED[id_or_path]
        network, metadata = weights.load(MODELS_DIR / filename)
        return Model(id_or_path, name, network, metadata)
    path = Path(id_or_path)
    if not path.exists():
        raise FileNotFoundError(f"no shipped model {id_or_path!r} and no file at {path}")
    network, metadata = weights.load(path)
    return Model(path.stem, path.stem, network, metadata)


def load_shipped() -> dict[str, Model]:
    return {model_id: load_model(model_id) for model_id in SHIPPED}
