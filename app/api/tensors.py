"""Arrays on the wire: {"shape", "dtype", "data": base64 of little-endian bytes in C order}."""

from __future__ import annotations

import base64

import numpy as np

WIRE_DTYPES = {"float32": "<f4", "float16": "<f2", "uint8": "u1"}


def encode(array: np.ndarray, dtype: str = "float32") -> dict:
    data = np.ascontiguousarray(array, dtype=WIRE_DTYPES[dtype])
    return {"shape": list(array.shape), "dtype": dtype, "data": base64.b64encode(data.tobytes()).decode("ascii")}


def decode(tensor: dict) -> np.ndarray:
    """The inverse of encode (used by tests and tools); returns float32 for float types."""
    raw = base64.b64decode(tensor["data"])
    array = np.frombuffer(raw, WIRE_DTYPES[tensor["dtype"]]).reshape(tensor["shape"])
    return array if tensor["dtype"] == "uint8" else array.astype(np.float32)


def encode_many(arrays: list[np.ndarray], dtype: str) -> tuple[list[dict], np.ndarray, np.ndarray]:
    """Encode several arrays at once and return them with each one's min and max.

    A trace holds about twenty small arrays; packing them into one buffer turns forty
    min/max reductions and twenty conversions into three calls each.
    """
    sizes = [a.size for a in arrays]
    flat = np.concatenate([a.reshape(-1) for a in arrays])  # (sum of sizes,)
    starts = np.cumsum([0] + sizes[:-1])
    mins = np.minimum.reduceat(flat, starts)
    maxs = np.maximum.reduceat(flat, starts)
    raw = flat.astype(WIRE_DTYPES[dtype]).tobytes()
    width = np.dtype(WIRE_DTYPES[dtype]).itemsize
    tensors = []
    for array, start, size in zip(arrays, starts.tolist(), sizes):
        chunk = raw[start * width : (start + size) * width]
        tensors.append({"shape": list(array.shape), "dtype": dtype, "data": base64.b64encode(chunk).decode("ascii")})
    return tensors, mins, maxs
