"""Building request bodies and test images for the API tests."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from app.api.tensors import decode

MAX_BODY = 5 * 1024 * 1024
TRACE_BUDGET = 48 * 1024


def image_bytes(image: Image.Image, fmt: str = "PNG", **save_args) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save_args)
    return buffer.getvalue()


def png(array: np.ndarray) -> bytes:
    """A uint8 (H, W) array as a greyscale PNG."""
    return image_bytes(Image.fromarray(np.asarray(array, np.uint8), "L"))


def upscale(digit: np.ndarray, side: int) -> np.ndarray:
    """A uint8 (28, 28) digit resized to side x side (bilinear), as uint8."""
    return np.asarray(Image.fromarray(digit, "L").resize((side, side), Image.Resampling.BILINEAR))


def paper(digit: np.ndarray, side: int = 112) -> np.ndarray:
    """The digit as dark ink on white paper, side x side: how a photo or a scan looks."""
    return 255 - upscale(digit, side)


def as_paper(ink: np.ndarray) -> Image.Image:
    """Ink strength 0..255 as a greyscale picture of dark ink on white paper."""
    return Image.fromarray(255 - ink, "L")


def data_url(raw: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(raw).decode("ascii")


def pixels_of(digit: np.ndarray) -> list[list[float]]:
    """A uint8 (28, 28) MNIST digit as the `pixels` of a request (floats in 0..1)."""
    return (digit.astype(np.float64) / 255).tolist()


def upload(client, raw: bytes, filename: str = "digit.png", mime: str = "image/png", **form):
    return client.post("/api/predict/upload", files={"file": (filename, raw, mime)}, data=form or None)


def input_of(body: dict) -> np.ndarray:
    """The (28, 28) input a trace says the network saw, as uint8."""
    return decode(body["input"]).reshape(28, 28)


def engine_input(digit: np.ndarray) -> np.ndarray:
    """The (1, 28, 28) float32 input the engine sees for a uint8 digit: byte / 255."""
    return (digit.astype(np.float32) / 255)[None]
