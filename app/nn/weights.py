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


def save(path: str | Path, network: Network, metadata: dict) -> None:
    arrays = {
        "architecture": np.array(json.dumps(network.architecture.to_dict())),
        "metadata": np.array(json.dumps(metadata)),
        **network.params,
    }
    with open(path, "wb") as handle:  # an open handle keeps numpy from appending ".npz"
        np.savez_compressed(handle, **arrays)


def load(path: str | Path) -> tuple[Network, dict]:
    """Returns the network and its metadata; raises WeightsError on a bad file."""
    try:
        with np.load(path, allow_pickle=False) as data:
            architecture = Architecture.from_dict(json.loads(str(data["architecture"])))
            metadata = json.loads(str(data["metadata"]))
            params = {k: data[k] for k in data.files if k not in ("architecture", "metadata")}
        return Network(architecture, params), metadata
    except UnknownKindError as err:  # a real weights file, of a kind this version cannot run
        raise WeightsError(f"{path}: its architecture has a layer this program cannot run ({err})") from err
    except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile) as err:
        raise WeightsError(f"{path}: not a cnnvis weights file ({err})") from err
