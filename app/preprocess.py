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
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .nn.datasets import MNIST_PREPARATION, Preparation
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

SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N")


class ImageError(ValueError):
    """An image we cannot use; ``status`` is the HTTP status that says why (413, 415, 422)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class Preprocessed:
    pixels: np.ndarray  # (28, 28) float32, multiples of 1/255
    info: dict
    ink: np.ndarray  # (H, W) the image as white ink on black, contrast stretched
    crop: np.ndarray  # the ink's bounding box
    fitted: np.ndarray  # the crop scaled to fit the box (20x20 for MNIST)
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
            ("centred", f"Placed in 28x28, centred on {centred_on}", _to_uint8(self.pixels)),
        ]


def open_image(data: bytes, max_pixels: int) -> Image.Image:
    """Decode the first frame of any image Pillow reads, refusing bombs and non-images."""
    if not data:
        raise ImageError(422, "The file is empty: choose a picture of a digit.")
    head = data[:512].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head:
        raise ImageError(415, "SVG drawings are not supported: export the picture as PNG or JPEG and upload that.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise ImageError(
                    413, f"The image is {width}x{height} pixels; at most {max_pixels // 1_000_000} megapixels please."
                )
            image.seek(0)  # the first frame of an animation
            image.load()
    except ImageError:
        raise
    except UnidentifiedImageError as err:
        raise ImageError(415, "This file is not an image we can read: upload a PNG, JPEG, GIF, BMP or WebP.") from err
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise ImageError(413, "The image has too many pixels to open safely.") from err
    except Exception as err:  # any decoder failure on a user's file means the file is damaged
        raise ImageError(422, "The image file is damaged or incomplete: try saving it again.") from err
    if width < 1 or height < 1:
        raise ImageError(422, "The image has no pixels.")
    return image


def luminance(image: Image.Image) -> np.ndarray:
    """Grey levels in 0..1, with any transparency composited onto the background that
    contrasts with the ink (dark ink onto white, light ink onto black)."""
    try:
        image = ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001, S110 -- a broken EXIF block is no reason to refuse the picture
        pass
    if image.mode in SIXTEEN_BIT_MODES or image.mode == "I":
        values = np.asarray(image, dtype=np.float32)
        return values / (65535.0 if image.mode != "I" or values.max() > 255 else 255.0)
    if image.mode == "F":  # floating-point pixels: any range; stretch to 0..1 unless already there
        values = np.asarray(image, dtype=np.float32)
        finite = np.isfinite(values)
        if not finite.any():
            raise ImageError(422, "The image holds no usable pixel values.")
        low, high = float(values[finite].min()), float(values[finite].max())
        values = np.where(finite, values, low)
        if low >= 0 and high <= 1:
            return values
        return (values - low) / (high - low) if high > low else np.zeros_like(values)
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if not has_alpha:
        rgb = image if image.mode in ("L", "RGB") else image.convert("RGB")
        return np.asarray(rgb.convert("L"), dtype=np.float32) / 255
    rgba = image.convert("RGBA")
    grey = np.asarray(rgba.convert("L"), dtype=np.float32) / 255
    alpha = np.asarray(rgba.getchannel("A"), dtype=np.float32) / 255
    if alpha.max() == 0:
        raise ImageError(422, "The image is completely transparent: there is no digit to read.")
    visible = float((grey * alpha).sum() / alpha.sum())
    hidden = alpha == 0
    if hidden.any() and abs(float(grey[hidden].mean()) - visible) >= MIN_CONTRAST:
        # Colour-keyed transparency (a GIF or palette PNG whose paper colour is marked
        # transparent): the hidden colour is the paper, and the ink's anti-aliased edges
        # already blend into it, so compositing onto any other colour would draw a rim.
        background = float(grey[hidden].mean())
    else:
        # The hidden pixels carry no colour of their own (a canvas's (0, 0, 0, 0)): put
        # the ink on the background it contrasts with.
        background = 1.0 if visible < 0.5 else 0.0
    return grey * alpha + background * (1 - alpha)


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
    evened = None
    if strokes:
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
    ink, dropped = keep_the_object(ink, uneven is not None) if strokes else (ink, False)
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
    else:  # the middle of the bounding box
        cy, cx = (fit_h - 1) / 2, (fit_w - 1) / 2
    top = min(max(round(CENTRE - cy), 0), SIZE - fit_h)
    left = min(max(round(CENTRE - cx), 0), SIZE - fit_w)
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
    return Preprocessed(pixels, info, ink, crop, fitted, uneven, cluttered)


def _to_uint8(values: np.ndarray) -> np.ndarray:
    return np.round(np.clip(values, 0, 1) * 255).astype(np.uint8)


def _preview(values: np.ndarray) -> np.ndarray:
    return _to_uint8(_reduce(values, PREVIEW_SIDE)[0])


def preprocess_bytes(data: bytes, max_pixels: int, preparation: Preparation = MNIST_PREPARATION) -> Preprocessed:
    return to_mnist(luminance(open_image(data, max_pixels)), preparation)


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
    """A small uint8 greyscale image as a PNG data URL the page can show directly."""
    buffer = io.BytesIO()
    Image.fromarray(image, "L").save(buffer, format="PNG", compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
