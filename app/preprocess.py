"""Turn any image into the 28x28 input a network trained on MNIST expects.

MNIST's own recipe (from its documentation): white ink on black, the digit's bounding box
scaled to fit 20x20 keeping its aspect ratio, with anti-aliasing, then placed in a 28x28
field so that its centre of mass sits at the centre (measured on the MNIST test set: mean
centre of mass at row 14.0, column 14.0). Pixels are 8-bit, so the result is quantised to
multiples of 1/255 as MNIST's bytes are. Fashion-MNIST differs only in the box (28) and in
centring the bounding box; a model's ``Preparation`` says which.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .decoding import decode, open_image  # noqa: F401 -- open_image is part of this module's interface
from .image_error import ImageError
from .luminance import luminance  # noqa: F401 -- as is luminance
from .nn.datasets import MNIST_PREPARATION, Preparation
from .centre_crop import to_photo
from .photo import even_out_light, keep_the_object

SIZE = 28
CENTRE = 14.0
ANALYSIS_SIDE = 320  # larger images are reduced to this before looking for the ink
PREVIEW_SIDE = 40  # the intermediate images a page shows (small: they travel with every trace)
MIN_CONTRAST = 0.15  # ink must differ from the background by this much (0..1) to count
INK_FLOOR = 0.2  # after contrast stretching, fainter pixels are background noise
FLAT = 2 / 255  # grey levels that vary less than this are one colour: a blank picture
SMALL = 0.04  # in a photo, an object whose longer side is under this share of the picture's is a speck
BLANK = "No ink found: the image is blank. Draw something, or upload a photo of it."
ADVICE = "Write with a dark pen on white paper, let the writing fill most of the frame, and avoid shadows."
POOR = "No ink stands out: the picture has too little contrast. " + ADVICE
TINY = "No clear ink: what stands out from the paper is only a speck. " + ADVICE


@dataclass
class Preprocessed:
    pixels: np.ndarray  # (28, 28) float32, multiples of 1/255
    info: dict
    ink: np.ndarray  # (H, W) the image as white ink on black, contrast stretched
    crop: np.ndarray  # the ink's bounding box
    fitted: np.ndarray  # the crop scaled to fit the box (20x20 for MNIST)
    centred: np.ndarray | None = None  # the 28x28 picture, when pixels were scaled to another input size
    uneven: np.ndarray | None = None  # the grey levels before the light was evened out, if it was
    cluttered: np.ndarray | None = None  # the ink before lines and clutter were dropped, if any were

    def steps(self) -> list[tuple[str, str, np.ndarray]]:
        """(name, caption, uint8 image) of each stage, for a page to show; built only on request.
        The steps "evened" and "kept" appear only when they changed the picture."""
        light, box = self.info["inverted"], self.info["box"]
        h, w = self.fitted.shape
        centred_on = "its centre of mass" if self.info["centre"] == "mass" else "the middle of its bounding box"
        grey = "Grey levels" + (", inverted to white ink on black" if light else "")
        before = self.cluttered if self.cluttered is not None else self.ink
        if self.uneven is None:
            stages = [("grayscale", grey, _preview(before))]
        else:
            stages = [
                ("grayscale", grey + ": the light falls unevenly", _preview(self.uneven)),
                ("evened", "Evened out the light: each pixel compared with the paper around it", _preview(before)),
            ]
        if self.cluttered is not None:
            stages.append(("kept", "Kept the digit; dropped lines and clutter at the edges", _preview(self.ink)))
        return stages + [
            ("cropped", "Cropped to the ink's bounding box", _preview(self.crop)),
            ("fitted", f"Scaled to fit a {box}x{box} box ({w}x{h})", _to_uint8(self.fitted)),
            ("centred", f"Placed in 28x28, centred on {centred_on}", _to_uint8(self.pixels if self.centred is None else self.centred)),
        ] + ([] if self.centred is None else [
            ("resized", f"Scaled to the network's {self.pixels.shape[-1]}x{self.pixels.shape[-2]} input", _to_uint8(self.pixels[0])),
        ])


def _reduce(grey: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    """Shrink (antialiased) so the longer side is at most `side`; returns the image and the factor."""
    h, w = grey.shape
    factor = min(1.0, side / max(h, w))
    if factor == 1.0:
        return grey, 1.0
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    return np.asarray(Image.fromarray(grey, "F").resize(size, Image.Resampling.BOX)), factor


def to_mnist(grey: np.ndarray, preparation: Preparation = MNIST_PREPARATION) -> Preprocessed:
    """Inputs: grey levels (H, W) in 0..1, ink either dark or light. Returns: the 28x28 input."""
    original_h, original_w = grey.shape
    grey, factor = _reduce(grey.astype(np.float32, copy=False), ANALYSIS_SIDE)
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    light = float(np.median(border)) > 0.5
    # The photo steps assume pen strokes on paper (MNIST's recipe centres handwriting by its
    # mass); clothes are solid shapes that evening out the light would take for shadow.
    strokes = preparation.centre == "mass"
    # A background of one exact grey level over most of the picture (a drawing pad, a
    # drawing program's canvas) is lit evenly by construction: no camera sensor gives that, and
    # a thick stroke there must not be taken for a shadow.
    drawn = float(np.mean(grey == np.median(border))) > 0.5
    evened = None
    if strokes and not drawn:
        light, evened = even_out_light(grey, light)
    uneven = None
    if evened is None:  # evenly lit: the background is the border's grey level
        if light:
            grey = 1 - grey
            border = 1 - border
        background, peak = float(np.median(border)), float(grey.max())
        if peak - background < MIN_CONTRAST:
            raise ImageError(422, BLANK if peak - float(grey.min()) < FLAT else POOR)
        ink = np.clip((grey - background) / (peak - background), 0, 1)
    else:  # the light falls unevenly: the ink is what stands out from the paper around it
        absorbed = evened
        peak = float(absorbed.max())
        if peak < MIN_CONTRAST:
            raise ImageError(422, POOR)
        ink = np.clip(absorbed / peak, 0, 1)
        uneven = 1 - grey if light else grey
    # A hair under the floor: a pixel exactly at it (51/255 in an 8-bit image) must stay ink
    # whichever way float rounding fell when the image was inverted, or a picture and its
    # negative would be cropped differently.
    ink[ink < INK_FLOOR - 1e-5] = 0
    cluttered = ink
    # Only a photo (uneven light) is cleaned of lines and clutter: a drawing on an evenly lit pad
    # keeps every stroke, as the page prepares it (static/js/prepare.js).
    ink, dropped = keep_the_object(ink, True) if strokes and uneven is not None else (ink, False)
    if not dropped:
        cluttered = None
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if rows.size == 0:
        raise ImageError(422, BLANK)
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    crop = ink[y0:y1, x0:x1]
    if uneven is not None and max(crop.shape) < SMALL * max(ink.shape):
        raise ImageError(422, TINY)

    h, w = crop.shape
    scale = preparation.box / max(h, w)
    fit_w, fit_h = max(1, round(w * scale)), max(1, round(h * scale))
    fitted = np.asarray(Image.fromarray(crop, "F").resize((fit_w, fit_h), Image.Resampling.LANCZOS))
    fitted = np.clip(fitted, 0, 1)

    if preparation.centre == "mass":
        mass = fitted.sum()
        cy = float((fitted.sum(axis=1) * np.arange(fit_h)).sum() / mass)
        cx = float((fitted.sum(axis=0) * np.arange(fit_w)).sum() / mass)
        target = CENTRE
    else:  # the middle of the bounding box on the middle of the canvas: equal margins
        cy, cx = (fit_h - 1) / 2, (fit_w - 1) / 2
        target = (SIZE - 1) / 2  # 13.5, between the two middle pixels
    top = min(max(round(target - cy), 0), SIZE - fit_h)
    left = min(max(round(target - cx), 0), SIZE - fit_w)
    canvas = np.zeros((SIZE, SIZE), np.float32)
    canvas[top : top + fit_h, left : left + fit_w] = fitted
    pixels = (np.round(canvas * 255) / 255).astype(np.float32)

    bbox = [round(x0 / factor), round(y0 / factor), min(original_w, round(x1 / factor)), min(original_h, round(y1 / factor))]
    info = {
        "inverted": light,
        "background": "light" if light else "dark",
        "original_size": [original_w, original_h],
        "bbox": bbox,
        "box": preparation.box,
        "centre": preparation.centre,
        "scale": round(scale * factor, 5),  # original pixels -> box pixels
        "shift": [top - (SIZE - fit_h) / 2, left - (SIZE - fit_w) / 2],  # centre of mass vs plain centring
    }
    return Preprocessed(pixels, info, ink, crop, fitted, uneven=uneven, cluttered=cluttered)


def _to_uint8(values: np.ndarray) -> np.ndarray:
    return np.round(np.clip(values, 0, 1) * 255).astype(np.uint8)


def _preview(values: np.ndarray) -> np.ndarray:
    return _to_uint8(_reduce(values, PREVIEW_SIDE)[0])


def preprocess_bytes(data: bytes, max_pixels: int, preparation: Preparation = MNIST_PREPARATION, shape=(1, SIZE, SIZE)):
    """The picture as the model's input (C, H, W) = `shape`: a photo model's way (app/centre_crop.py)
    or a drawing's (to_mnist); ``.pixels`` of the result has the model's input shape or (28, 28).
    A drawing is decoded reduced to ANALYSIS_SIDE as it is read, so a large photo never sits in
    memory as floats."""
    if preparation.kind == "photo":
        return to_photo(open_image(data, max_pixels), tuple(shape))
    decoded = decode(data, max_pixels, ANALYSIS_SIDE)
    pre = to_mnist(decoded.grey, preparation)
    _in_file_pixels(pre.info, decoded.size)
    return fit_to_input(pre, tuple(shape))


def _in_file_pixels(info: dict, size: tuple[int, int]) -> None:
    """Restate what ``to_mnist`` measured on the reduced picture in the file's own pixels."""
    width, height = size
    factor = min(1.0, ANALYSIS_SIDE / max(width, height))  # the factor the decoder reduced by
    if factor == 1.0:
        return
    x0, y0, x1, y1 = info["bbox"]
    info["bbox"] = [round(x0 / factor), round(y0 / factor), min(width, round(x1 / factor)), min(height, round(y1 / factor))]
    info["original_size"] = [width, height]
    info["scale"] = round(info["scale"] * factor, 5)


def fit_to_input(pre: Preprocessed, shape: tuple[int, int, int]) -> Preprocessed:
    """A drawing prepared at 28x28 made the size of another model's input (C, H, W): scaled with
    anti-aliasing, quantised to bytes, the grey levels repeated in every channel (white ink)."""
    c, h, w = shape
    if (h, w) == (SIZE, SIZE) and c == 1:
        return pre
    scaled = np.asarray(Image.fromarray(pre.pixels, "F").resize((w, h), Image.Resampling.LANCZOS))
    scaled = np.round(np.clip(scaled, 0, 1) * 255) / 255  # (H, W)
    pre.centred, pre.pixels = pre.pixels, np.repeat(scaled[None], c, axis=0).astype(np.float32)  # (C, H, W)
    return pre


def decode_data_url(text: str) -> bytes:
    """The bytes of a base64 string or a data URL such as a canvas's toDataURL()."""
    if text.startswith("data:"):
        header, _, text = text.partition(",")
        if ";base64" not in header:
            raise ImageError(422, "The image data URL must be base64-encoded (data:image/png;base64,...).")
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as err:
        raise ImageError(422, "The image is not valid base64: send a data URL from canvas.toDataURL().") from err


def png_data_url(image: np.ndarray) -> str:
    """A small uint8 image, greyscale (H, W) or colour (H, W, 3), as a PNG data URL the page can show directly."""
    buffer = io.BytesIO()
    Image.fromarray(image, "RGB" if image.ndim == 3 else "L").save(buffer, format="PNG", compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
