"""A minimal IDX writer (tests only).

The writer follows the format on the MNIST page directly (two zero bytes, type 0x08 for
unsigned bytes, the number of dimensions, one big-endian 32-bit size per dimension, the
data), so the reader in app/nn/idx.py is tested against files it did not write itself.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np


def idx_bytes(array: np.ndarray) -> bytes:
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def write_idx(path: Path, array: np.ndarray, gz: bool = False) -> Path:
    data = idx_bytes(array)
    Path(path).write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return Path(path)


def read_header(path: Path) -> tuple[int, tuple[int, ...]]:
    """(magic number, sizes) of a gzip IDX file, straight from its first bytes."""
    with gzip.open(path, "rb") as handle:
        magic = struct.unpack(">I", handle.read(4))[0]
        n_dims = magic & 0xFF
        return magic, struct.unpack(f">{n_dims}I", handle.read(4 * n_dims))


def write_split(directory: Path, split: str, images: np.ndarray, labels: np.ndarray) -> Path:
    """An MNIST-style folder: {split}-images-idx3-ubyte.gz and {split}-labels-idx1-ubyte.gz."""
    directory.mkdir(parents=True, exist_ok=True)
    write_idx(directory / f"{split}-images-idx3-ubyte.gz", images, gz=True)
    write_idx(directory / f"{split}-labels-idx1-ubyte.gz", labels, gz=True)
    return directory
