"""The weights file: one .npz holding the architecture, the parameters and metadata.

Keys: ``architecture`` and ``metadata`` (JSON text), and one array per parameter named
as in ``Architecture.param_shapes()`` (``conv1.w``, ``conv1.b``, ...).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from .architecture import Architecture
from .layers import UnknownKindError
from .network import Network


class WeightsError(ValueError):
    """A weights file that cannot be used; the message says why."""


def save(path: str | Path, network: Network, metadata: dict, compress: bool = True) -> None:
    """Writes the weights file; `compress=False` for a file rewritten often (a model as it
    trains), where compressing would cost more than the bytes it saves."""
    arrays = {
        "architecture": np.array(json.dumps(network.architecture.to_dict())),
        "metadata": np.array(json.dumps(metadata)),
        **network.params,
    }
    with open(path, "wb") as handle:  # an open handle keeps numpy from appending ".npz"
        (np.savez_compressed if compress else np.savez)(handle, **arrays)


def load(path: str | Path) -> tuple[Network, dict]:
    """Returns the network and its metadata; raises WeightsError, with a one-line reason, for a
    file that is not a weights file or holds a network that cannot answer (see :func:`check`)."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: no such file")
    # Checked first: for anything that is not a zip archive, np.load would guess another
    # format and report, for random bytes, "pickled data".
    if not zipfile.is_zipfile(path):
        raise WeightsError(f"{path}: not a cnnvis weights file (not a zip archive)")
    try:
        with np.load(path, allow_pickle=False) as data:
            architecture = Architecture.from_dict(json.loads(str(data["architecture"])))
            metadata = json.loads(str(data["metadata"]))
            params = {k: data[k] for k in data.files if k not in ("architecture", "metadata")}
        if not isinstance(metadata, dict):
            raise ValueError("its metadata is not a JSON object")
        network = Network(architecture, params)
    except UnknownKindError as err:  # a real weights file, of a kind this version cannot run
        raise WeightsError(f"{path}: its architecture has a layer this program cannot run ({err})") from err
    except (OSError, KeyError, ValueError, TypeError, AttributeError, zipfile.BadZipFile, EOFError) as err:
        raise WeightsError(f"{path}: not a cnnvis weights file ({_one_line(err)})") from err
    check(network, path)
    return network, metadata


def check(network: Network, source: str | Path) -> None:
    """Refuse a network that would serve nonsense: parameters that are not finite numbers, or
    outputs that are not for a blank input (a forward pass of zeros, about 100 microseconds)."""
    for key, value in network.params.items():
        if not np.isfinite(value).all():
            raise WeightsError(f"{source}: parameter {key} holds NaN or infinite values")
    blank = np.zeros((1, *network.architecture.input_shape), np.float32)
    with np.errstate(all="ignore"):
        out = network.forward(blank)
    if not np.isfinite(out).all():
        raise WeightsError(f"{source}: a blank input gives outputs that are not finite numbers")


def _one_line(err: Exception) -> str:
    return " ".join(str(err).split()) or type(err).__name__
