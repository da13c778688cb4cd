"""Open an uploaded file as a picture, but only in the formats we promise: PNG, JPEG, GIF, BMP
and WebP.

Pillow knows some forty formats, and a few of them hand the file to another program (an EPS
file is run through Ghostscript, with no time limit) or to large decoding libraries that a
classroom never needs. So the file's first bytes say what it is, Pillow is told to try only
the allowed formats, and everything else is refused with a 415 that names the formats we
read and, for the ones students really meet (a phone's HEIC photo), says how to convert.

TIFF is left out on purpose: no phone, browser or drawing program a student uses saves TIFF
by default, while Pillow's TIFF reader brings libtiff's many codecs, tiled and multi-page
layouts and 32-bit float pixels, the largest attack surface of all the formats it reads.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, UnidentifiedImageError

from .image_error import ImageError
from .luminance import luminance, orientation, reduced_size

# Pillow's names for the formats we decode; a JPEG with several pictures opens as "MPO".
ALLOWED_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")
OPENED_AS = frozenset(ALLOWED_FORMATS) | {"MPO"}
FORMAT_LIST = "PNG, JPEG, GIF, BMP or WebP"

# A progressive JPEG is decoded one scan at a time, each scan a pass over every 8x8 block, so
# a 5 MB file of 140,000 tiny scans takes minutes. libjpeg's progressive scripts write 6 scans
# for grey, 10 for colour, 18 for CMYK; 32 leaves room for other encoders and refuses the file
# that is built to stall the server.
MAX_JPEG_SCANS = 32

HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1", b"heif"}
AVIF_BRANDS = {b"avif", b"avis"}

# First bytes of formats we refuse, to say what the file is rather than "not an image".
REFUSED_SIGNATURES = (
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"II+\x00", "TIFF"),
    (b"MM\x00+", "TIFF"),
    (b"%PDF", "PDF"),
    (b"%!PS", "PostScript (EPS)"),
    (b"\xc5\xd0\xd3\xc6", "PostScript (EPS)"),
    (b"8BPS", "Photoshop (PSD)"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000"),
    (b"\xff\x4f\xff\x51", "JPEG 2000"),
    (b"\x00\x00\x01\x00", "icon (ICO)"),
    (b"\x00\x00\x02\x00", "cursor (CUR)"),
    (b"icns", "icon (ICNS)"),
    (b"qoif", "QOI"),
    (b"DDS ", "DirectDraw (DDS)"),
)


@dataclass
class Decoded:
    grey: np.ndarray  # (H, W) float32 grey levels in 0..1, longer side at most the side asked for
    size: tuple[int, int]  # (width, height) of the picture as it is shown, before any reduction


def refusal(data: bytes) -> ImageError | None:
    """The 415 for a file whose first bytes show a format we do not read, or None."""
    head = data[:512].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head:
        return ImageError(415, f"SVG drawings are not supported: export the picture as {FORMAT_LIST} and upload that.")
    if data[4:8] == b"ftyp":
        brands = _iso_brands(data)
        if brands & AVIF_BRANDS:
            return ImageError(415, f"AVIF pictures are not supported: save the picture as {FORMAT_LIST} and upload that.")
        if brands & HEIF_BRANDS:
            return ImageError(
                415,
                "This photo is in HEIC (HEIF) format, which cannot be read here: send it as JPEG (the formats "
                f"read here are {FORMAT_LIST}). On an iPhone, set Settings > Camera > Formats > Most Compatible "
                "for new photos, or share or export this one as JPEG; on other phones, turn off the camera's "
                "high-efficiency (HEIF) picture setting.",
            )
    for signature, name in REFUSED_SIGNATURES:
        if data.startswith(signature):
            return ImageError(415, f"{name} files are not supported: save the picture as {FORMAT_LIST} and upload that.")
    return None


def _iso_brands(data: bytes) -> set[bytes]:
    """The major and compatible brands of an ISO media file's leading ftyp box."""
    length = min(int.from_bytes(data[:4], "big"), len(data), 256)
    return {data[i : i + 4] for i in range(8, length - 3, 4) if i != 12}  # offset 12 is the minor version


def jpeg_scans(data: bytes) -> int:
    """How many scans (SOS markers) a JPEG holds. The segments before the first scan are
    stepped over by their lengths (an EXIF block may hold any bytes); after it, a 0xFF byte in
    the compressed data is always followed by 0x00 or a restart marker, so 0xFF 0xDA is a scan."""
    at = 2  # after the start-of-image marker
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return 0  # not a marker where one must be: the decoder will call the file damaged
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte before a marker
            at += 1
        elif marker == 0xDA:
            return data.count(b"\xff\xda", at)
        else:
            at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
    return 0


def _opened(data: bytes, max_pixels: int) -> Image.Image:
    """The file identified, its size checked, its first frame selected; pixels not yet decoded."""
    if not data:
        raise ImageError(422, "The file is empty: choose a picture of a digit.")
    refused = refusal(data)
    if refused:
        raise refused
    image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    if image.format not in OPENED_AS:  # belt and braces: Pillow answered with another plugin
        raise ImageError(415, f"This file is not an image we can read: upload a picture saved as {FORMAT_LIST}.")
    if image.format in ("JPEG", "MPO") and jpeg_scans(data) > MAX_JPEG_SCANS:
        raise ImageError(
            422, "This JPEG is stored in far more passes than cameras and editors write: save it again as PNG or JPEG."
        )
    width, height = image.size
    if width * height > max_pixels:
        raise ImageError(413, f"The image is {width}x{height} pixels; at most {max_pixels // 1_000_000} megapixels please.")
    if width < 1 or height < 1:
        raise ImageError(422, "The image has no pixels.")
    image.seek(0)  # the first frame of an animation
    return image


def _decode(step, *args):
    """Run an opening or decoding step, turning whatever the file makes Pillow raise into an ImageError.

    (Our own pixel limit is checked before any pixel is decoded; Pillow's bomb error only comes
    first for sizes beyond twice its MAX_IMAGE_PIXELS.)
    """
    try:
        return step(*args)
    except ImageError:
        raise
    except UnidentifiedImageError as err:
        raise ImageError(415, f"This file is not an image we can read: upload a picture saved as {FORMAT_LIST}.") from err
    except Image.DecompressionBombError as err:
        raise ImageError(413, "The image has too many pixels to open safely.") from err
    except MemoryError as err:
        raise ImageError(413, "The image is too large to open: send a smaller picture.") from err
    except Exception as err:  # any decoder failure on a user's file means the file is damaged
        raise ImageError(422, "The image file is damaged or incomplete: try saving it again.") from err


def _load(image: Image.Image) -> Image.Image:
    image.load()
    return image


def open_image(data: bytes, max_pixels: int) -> Image.Image:
    """Decode the first frame of a PNG, JPEG, GIF, BMP or WebP, refusing bombs and other files."""
    return _decode(lambda: _load(_opened(data, max_pixels)))


def decode(data: bytes, max_pixels: int, side: int) -> Decoded:
    """Grey levels of the picture in `data`, reduced so the longer side is at most `side`.

    A JPEG is decoded straight at 1/2, 1/4 or 1/8 scale and in grey (libjpeg's DCT scaling)
    whenever that still leaves at least `side` pixels: a 12-megapixel photo then costs a
    fraction of its full size in memory and time.
    """
    image = _decode(_opened, data, max_pixels)
    try:
        width, height = image.size
        if image.format in ("JPEG", "MPO"):
            _decode(image.draft, "L" if image.mode in ("L", "RGB") else None, reduced_size(width, height, side))
        _decode(_load, image)
        turned = orientation(image) in (5, 6, 7, 8)
        try:
            grey = luminance(image, side)
        except ImageError:
            raise
        except (ValueError, OSError) as err:  # a colour mode Pillow cannot convert to grey
            raise ImageError(422, "The picture's colours are stored in a way we cannot read: save it as PNG or JPEG.") from err
    finally:
        image.close()  # the decoded pixels go now, not when the request ends
    return Decoded(grey, (height, width) if turned else (width, height))
