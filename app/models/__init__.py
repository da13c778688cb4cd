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
    path: Path | None = None  # the weights file; exemplars are kept beside it
    # How an uploaded picture is made to look like this model's training images; read once
    # from the metadata when the model loads, so a bad weights file fails at start-up.
    preparation: Preparation = field(init=False)

    def __post_init__(self):
        self.preparation = Preparation(**self.metadata.get("preparation", {}))

    @property
    def architecture(self):
        return self.network.architecture


def load_model(id_or_path: str, folder: Path | None = None) -> Model:
    """A shipped model by id ('mnist'), read from `folder` (default: the package's own), or any
    weights file by path. Raises WeightsError, with a one-line reason, for a file that cannot serve."""
    if id_or_path in SHIPPED:
        filename, name = SHIPPED[id_or_path]
        path, model_id = (folder or MODELS_DIR) / filename, id_or_path
    else:
        path = Path(id_or_path)
        if not path.exists():
            raise FileNotFoundError(f"no shipped model {id_or_path!r} and no file at {path}")
        model_id = name = path.stem
    network, metadata = weights.load(path)
    try:
        return Model(model_id, name, network, metadata, path)
    except (TypeError, ValueError) as err:
        raise weights.WeightsError(f"{path}: its metadata does not say how to prepare uploads ({err})") from err


def load_shipped(folder: Path | None = None) -> dict[str, Model]:
    return {model_id: load_model(model_id, folder) for model_id in SHIPPED}
