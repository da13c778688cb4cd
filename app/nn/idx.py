"""Reader for the IDX files MNIST is distributed in (raw or gzip).

Format (from the MNIST page): a big-endian magic number whose third byte is the element
type (0x08 = unsigned byte) and fourth the number of dimensions, then one big-endian
32-bit size per dimension, then the data in C order.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

UNSIGNED_BYTE = 0x08


class IdxError(ValueError):
    """An IDX file that is not what it should be; the message says what and where."""


def read_idx(path: str | Path, expect_dims: int | None = None) -> np.ndarray:
    """Read an IDX file of unsigned bytes into an array of shape (count, *sizes)."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(2)
            handle.seek(0)
            opener = gzip.open if head == b"\x1f\x8b" else open
            with opener(path, "rb") as stream:
                raw = stream.read()
    except (OSError, EOFError, zlib.error) as err:  # BadGzipFile is an OSError
        raise IdxError(f"{path}: cannot read ({err})") from err
    if len(raw) < 4:
        raise IdxError(f"{path}: too short for an IDX header ({len(raw)} bytes)")
    if raw[0] != 0 or raw[1] != 0:
        raise IdxError(f"{path}: bad magic number {raw[:4].hex()} (an IDX file starts with two zero bytes)")
    if raw[2] != UNSIGNED_BYTE:
        raise IdxError(f"{path}: element type 0x{raw[2]:02x}, only unsigned bytes (0x08) are supported")
    n_dims = raw[3]
    if expect_dims is not None and n_dims != expect_dims:
        raise IdxError(f"{path}: {n_dims} dimensions, expected {expect_dims}")
    header = 4 + 4 * n_dims
    if len(raw) < header:
        raise IdxError(f"{path}: truncated header")
    sizes = tuple(int(s) for s in np.frombuffer(raw, ">u4", count=n_dims, offset=4))
    expected = int(np.prod(sizes, dtype=np.int64))
    if len(raw) - header != expected:
        raise IdxError(
            f"{path}: header promises {expected} bytes of data for shape {sizes}, file holds {len(raw) - header}"
        )
    return np.frombuffer(raw, np.uint8, offset=header).reshape(sizes)


def _find(directory: Path, stem: str) -> Path:
    for name in (f"{stem}.gz", stem):
        if (directory / name).exists():
            return directory / name
    raise IdxError(f"{directory}: no {stem} (or {stem}.gz)")


def load_split(directory: str | Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 28, 28) uint8 and labels (N,) uint8 of split 'train' or 't10k' in an MNIST-style folder."""
    directory = Path(directory)
    images = read_idx(_find(directory, f"{split}-images-idx3-ubyte"), expect_dims=3)
    labels = read_idx(_find(directory, f"{split}-labels-idx1-ubyte"), expect_dims=1)
    if len(images) != len(labels):
        raise IdxError(f"{directory}: {len(images)} {split} images but {len(labels)} labels")
    return images, labels


def to_input(images: np.ndarray) -> np.ndarray:
    """uint8 images (N, H, W) -> float32 network input (N, 1, H, W) in 0..1."""
    return (images.astype(np.float32) / 255)[:, None]
