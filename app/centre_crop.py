"""Turn a photograph into the input of a model trained on photos (a ``Preparation`` of kind
"photo"), as such models' pictures are usually made: the shorter side resized to the input
size (the longer to keep the aspect ratio), then the middle cut out at the input size.
Colour is kept (RGB) for a colour model, grey levels for a greyscale one. Pixels are 8-bit,
so the result is quantised to multiples of 1/255. Normalisation (mean and std per channel)
is not done here: it is a layer of the model, so the trace shows it as a step of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

PREVIEW_SIDE = 64  # the uploaded picture as the preprocessing panel shows it
RESIZED_SIDE = 128  # the resized picture, likewise (it travels with every trace)


@dataclass
class PhotoPrepared:
    pixels: np.ndarray  # (C, H, W) float32 in 0..1, multiples of 1/255
    info: dict
    preview: np.ndarray  # (h, w, 3) or (h, w) uint8: the upload, reduced
    resized: np.ndarray  # uint8, the shorter side at the input size

    def steps(self) -> list[tuple[str, str, np.ndarray]]:
        """(name, caption, uint8 image (H, W) or (H, W, 3)) of each stage, for a page to show."""
        w, h = self.info["original_size"]
        rw, rh = self.info["resized_size"]
        c, ih, iw = self.pixels.shape
        crop = np.round(self.pixels * 255).astype(np.uint8)
        crop = crop[0] if c == 1 else crop.transpose(1, 2, 0)  # (H, W, 3)
        return [
            ("original", f"The photo as uploaded ({w}x{h})", self.preview),
            ("resized", f"Resized to {rw}x{rh}, its shorter side now the input's", self.resized),
            ("cropped", f"The middle {iw}x{ih} cut out", crop),
        ]


def _rgb(image: Image.Image) -> Image.Image:
    """The picture upright, in RGB, any transparency laid onto white paper."""
    try:
        image = ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001, S110 -- a broken EXIF block is no reason to refuse the picture
        pass
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("RGB")
    if image.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
        values = np.asarray(image, dtype=np.float32)
        high = float(values.max()) or 1.0
        return Image.fromarray(np.round(np.clip(values / high, 0, 1) * 255).astype(np.uint8), "L").convert("RGB")
    return image.convert("RGB")


def to_photo(image: Image.Image, shape: tuple[int, int, int]) -> PhotoPrepared:
    """Inputs: a decoded picture and the model's input shape (C, H, W), C 1 or 3.
    Returns: pixels (C, H, W) float32 in 0..1 and the steps that made them."""
    c, h, w = shape
    rgb = _rgb(image)
    width, height = rgb.size
    scale = max(h / height, w / width)  # the shorter side (relative to the input) fits exactly
    size = (max(w, round(width * scale)), max(h, round(height * scale)))
    left, top = (size[0] - w) // 2, (size[1] - h) // 2
    # Only the middle is resampled (PIL's box: the same region of the original), so a very long,
    # thin picture never becomes a huge intermediate image.
    box = (left / scale, top / scale, (left + w) / scale, (top + h) / scale)
    cropped = rgb.resize((w, h), Image.Resampling.BICUBIC, box=box, reducing_gap=3.0)
    shown = min(1.0, RESIZED_SIDE / max(size))  # the whole resized picture, for the panel only
    resized = rgb.resize((max(1, round(size[0] * shown)), max(1, round(size[1] * shown))), Image.Resampling.BOX)
    if c == 1:
        cropped, resized = cropped.convert("L"), resized.convert("L")
    values = np.asarray(cropped, dtype=np.float32) / 255  # (H, W) or (H, W, 3)
    pixels = values[None] if c == 1 else values.transpose(2, 0, 1)  # (C, H, W)
    preview = rgb.copy()
    preview.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), Image.Resampling.BOX)
    if c == 1:
        preview = preview.convert("L")
    info = {
        "kind": "photo",
        "original_size": [width, height],
        "resized_size": list(size),
        "crop": [left, top, left + w, top + h],  # in the resized picture
        "scale": round(scale, 5),
    }
    return PhotoPrepared(np.ascontiguousarray(pixels), info, np.asarray(preview), np.asarray(resized))
