"""Grey levels of a decoded picture, in bounded memory.

A 16-megapixel RGBA picture is 64 MB as Pillow decodes it, but 256 MB as a float32 array
per channel; converting it whole (RGBA, then grey, alpha, their product, the composite) cost
about 450 MB per upload. Here the picture is read in strips of STRIP_ROWS rows: each strip is
turned into floats, and at once narrowed to the final width (Pillow resamples width and
height in two separate passes, so narrowing strip by strip and then shortening the stack
gives the same result as one resize of the whole). Only the decoded picture itself is ever
held at full size.

Transparency is composited after the reduction, which is exact: a box filter is linear, so
reducing grey * alpha and alpha and then compositing equals compositing and then reducing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
from PIL import Image

from .image_error import ImageError

STRIP_ROWS = 256  # a 4000-pixel-wide strip is 4 MB of float32
ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
NUMERIC_MODES = ("F", "I", "I;16", "I;16L", "I;16B", "I;16N")
KEYED_CONTRAST = 0.15  # a hidden colour this far from the visible ink's mean is the paper
TURNS = {  # EXIF orientation -> the transposition that shows the picture upright
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def reduced_size(width: int, height: int, side: int | None) -> tuple[int, int]:
    """(width, height) scaled so the longer side is at most `side` (None: unchanged)."""
    factor = 1.0 if side is None else min(1.0, side / max(width, height))
    return max(1, round(width * factor)), max(1, round(height * factor))


def orientation(image: Image.Image) -> int:
    """The EXIF orientation (1..8) a camera stored; 1 when there is none or it is unreadable."""
    try:
        value = image.getexif().get(0x0112, 1)
        return value if isinstance(value, int) and value in TURNS else 1
    except Exception:  # noqa: BLE001 -- a broken EXIF block is no reason to refuse the picture
        return 1


def luminance(image: Image.Image, side: int | None = None) -> np.ndarray:
    """Grey levels (H, W) float32 in 0..1, shown upright, with any transparency composited onto
    the background that contrasts with the ink (dark ink onto white, light ink onto black);
    reduced with a box filter so the longer side is at most `side` when one is given."""
    size = reduced_size(*image.size, side)
    if image.mode in NUMERIC_MODES:
        grey = _reduced(image, size, _numeric_grey(image))
    elif image.mode in ALPHA_MODES or "transparency" in image.info:
        grey = _composited(image, size)
    else:
        grey = _reduced(image, size, _plain_grey)
    turn = TURNS.get(orientation(image))
    if turn is not None:
        grey = np.asarray(Image.fromarray(grey, "F").transpose(turn))
    return np.array(grey, np.float32)  # a writable array of its own


# -- strips ---------------------------------------------------------------------------------
def _strips(image: Image.Image) -> Iterator[Image.Image]:
    width, height = image.size
    for top in range(0, height, STRIP_ROWS):
        yield image.crop((0, top, width, min(height, top + STRIP_ROWS)))


def _narrowed(values: np.ndarray, width: int) -> np.ndarray:
    """Rows (h, W) float32 resized (box filter) to (h, width)."""
    if values.shape[1] == width:
        return values
    return np.asarray(Image.fromarray(values, "F").resize((width, values.shape[0]), Image.Resampling.BOX))


def _shortened(values: np.ndarray, height: int) -> np.ndarray:
    """Columns (H, w) float32 resized (box filter) to (height, w)."""
    if values.shape[0] == height:
        return values
    return np.asarray(Image.fromarray(values, "F").resize((values.shape[1], height), Image.Resampling.BOX))


def _reduced(image: Image.Image, size: tuple[int, int], grey_of: Callable[[Image.Image], np.ndarray]) -> np.ndarray:
    rows = [_narrowed(grey_of(strip), size[0]) for strip in _strips(image)]
    return _shortened(np.concatenate(rows), size[1])


# -- kinds of pixels ------------------------------------------------------------------------
def _plain_grey(strip: Image.Image) -> np.ndarray:
    """8-bit pixels without transparency: Pillow's grey (ITU-R 601-2 luma) over 255."""
    if strip.mode not in ("L", "RGB"):
        strip = strip.convert("RGB")
    return np.asarray(strip.convert("L"), np.float32) / 255


def _numeric_grey(image: Image.Image) -> Callable[[Image.Image], np.ndarray]:
    """16-bit, 32-bit integer or float pixels: the map from their values to 0..1.

    16-bit pixels are over 65535, integers that fit 8 bits over 255; anything else, floats
    outside 0..1 included, is stretched from its lowest to its highest finite value. The
    arithmetic is in float64: float32 values spanning -3e38..3e38 overflow float32 when
    subtracted, and the infinity would turn into NaN grey levels.
    """
    if image.mode.startswith("I;16"):
        low, high = 0.0, 65535.0
    else:
        low, high = _finite_range(image)
        if image.mode == "I" and low >= 0 and high <= 65535:
            high, low = (255.0 if high <= 255 else 65535.0), 0.0
        elif image.mode == "F" and low >= 0 and high <= 1:
            low, high = 0.0, 1.0
    span = high - low

    def grey_of(strip: Image.Image) -> np.ndarray:
        values = np.asarray(strip, np.float64)
        values = np.where(np.isfinite(values), values, low)  # NaN and infinities count as the darkest value
        if span <= 0:
            return np.zeros(values.shape, np.float32)
        return np.clip((values - low) / span, 0, 1).astype(np.float32)

    return grey_of


def _finite_range(image: Image.Image) -> tuple[float, float]:
    low, high = np.inf, -np.inf
    for strip in _strips(image):
        values = np.asarray(strip, np.float64)
        finite = values[np.isfinite(values)]
        if finite.size:
            low, high = min(low, float(finite.min())), max(high, float(finite.max()))
    if low > high:
        raise ImageError(422, "The image holds no usable pixel values.")
    return low, high


def _composited(image: Image.Image, size: tuple[int, int]) -> np.ndarray:
    """Transparent pixels filled with the paper's colour: the colour a GIF or palette PNG marked
    transparent when that differs from the ink (its anti-aliased edges already blend into it,
    so any other colour would draw a rim), else the background the ink contrasts with (a
    canvas's hidden pixels are (0, 0, 0, 0) and carry no colour of their own)."""
    width, height = size
    premultiplied, alphas = [], []
    weighted = opacity = hidden_count = hidden_grey = 0.0
    for strip in _strips(image):
        rgba = strip.convert("RGBA")
        grey = np.asarray(rgba.convert("L"), np.float32) / 255
        alpha = np.asarray(rgba.getchannel("A"), np.float32) / 255
        del rgba
        hidden = alpha == 0
        hidden_count += float(hidden.sum())
        hidden_grey += float(grey[hidden].sum(dtype=np.float64))
        product = grey * alpha
        weighted += float(product.sum(dtype=np.float64))
        opacity += float(alpha.sum(dtype=np.float64))
        premultiplied.append(_narrowed(product, width))
        alphas.append(_narrowed(alpha, width))
    if opacity == 0:
        raise ImageError(422, "The image is completely transparent: there is no digit to read.")
    visible = weighted / opacity
    if hidden_count and abs(hidden_grey / hidden_count - visible) >= KEYED_CONTRAST:
        background = hidden_grey / hidden_count
    else:
        background = 1.0 if visible < 0.5 else 0.0
    product = _shortened(np.concatenate(premultiplied), height)
    alpha = _shortened(np.concatenate(alphas), height)
    return product + np.float32(background) * (1 - alpha)
