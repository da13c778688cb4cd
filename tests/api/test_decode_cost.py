"""What a picture at the pixel limit costs while it is prepared, and that the shortcuts taken
to keep that cost down (reading in strips, decoding a JPEG at reduced scale) change no answer.

Memory is read from the kernel's high-water mark of this process (VmHWM, reset through
/proc/self/clear_refs), so the figures are what the machine really gave, not a count kept by
Python. Before the strips, a 16-megapixel RGBA PNG took ~450 MB and a 12-megapixel JPEG ~200 MB.
"""

from __future__ import annotations

import ctypes
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from app.nn.idx import load_split
from app.preprocess import preprocess_bytes, to_mnist

from .helpers import input_of, pixels_of, upload

MAX_PIXELS = 16_000_000
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "mnist-t10k-1000"
SEVEN_BARS = [(1000, 540, 3000, 660), (1800, 540, 1920, 2600)]  # a 7 of two bars: ink box (1000, 540)-(3000, 2600)


def peak_mb_while(fn) -> tuple[float, object]:
    """(how far resident memory rose above its level before fn, in MB; fn's result)."""
    status, clear = Path("/proc/self/status"), Path("/proc/self/clear_refs")
    if not clear.exists():
        pytest.skip("needs Linux's /proc/self/clear_refs to reset the memory high-water mark")

    def read(key: str) -> float:
        line = next(line for line in status.read_text().splitlines() if line.startswith(key))
        return int(line.split()[1]) / 1024

    try:  # start from memory the allocator has handed back, so the rise is the decode's own
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    before = read("VmRSS")
    clear.write_text("5")
    result = fn()
    return read("VmHWM") - before, result


def seven_bars(mode: str, size: tuple[int, int], paper, ink) -> Image.Image:
    image = Image.new(mode, size, paper)
    draw = ImageDraw.Draw(image)
    for bar in SEVEN_BARS:
        draw.rectangle((bar[0], bar[1], bar[2] - 1, bar[3] - 1), fill=ink)
    return image


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def assert_ink_box_near(info: dict, size: tuple[int, int]) -> None:
    # Found on the reduced picture (12.5 file pixels to one), reported in the file's pixels.
    assert info["original_size"] == list(size)
    np.testing.assert_allclose(info["bbox"], [1000, 540, 3000, 2600], atol=16)


def test_transparent_png_at_the_pixel_limit_is_prepared_in_a_fraction_of_the_old_memory():
    # A canvas's export: black ink on fully transparent pixels. Decoded, it is 64 MB of RGBA.
    raw = encoded(seven_bars("RGBA", (4000, 4000), (0, 0, 0, 0), (0, 0, 0, 255)), "PNG", compress_level=1)
    rise, pre = peak_mb_while(lambda: preprocess_bytes(raw, MAX_PIXELS))
    assert rise < 200
    assert_ink_box_near(pre.info, (4000, 4000))


def test_jpeg_photo_at_the_pixel_limit_is_decoded_at_reduced_scale():
    # Decoded at full scale this photo alone is 48 MB of RGB; at 1/8 scale and in grey, 0.25 MB.
    raw = encoded(seven_bars("RGB", (4000, 4000), (235, 230, 220), (20, 30, 120)), "JPEG", quality=90)
    rise, pre = peak_mb_while(lambda: preprocess_bytes(raw, MAX_PIXELS))
    assert rise < 24
    assert_ink_box_near(pre.info, (4000, 4000))


def test_turned_jpeg_photo_reports_its_ink_box_upright_in_the_file_pixels():
    # A phone held sideways stores the picture turned and says so in EXIF (orientation 6).
    upright = seven_bars("RGB", (3200, 4000), (235, 230, 220), (20, 30, 120))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    raw = encoded(upright.transpose(Image.Transpose.ROTATE_90), "JPEG", quality=90, exif=exif.tobytes())
    pre = preprocess_bytes(raw, MAX_PIXELS)
    assert_ink_box_near(pre.info, (3200, 4000))


@pytest.fixture(scope="module")
def photos() -> list[tuple[int, bytes]]:
    """Six committed test digits as 3000x2000 JPEG photos (decoded at 1/8 scale): dark blue ink
    on cream paper."""
    images, labels = load_split(SAMPLE, "t10k")
    made = []
    for digit, label in zip(images[:6], labels[:6]):
        ink = Image.new("L", (3000, 2000), 0)
        ink.paste(Image.fromarray(digit, "L").resize((1400, 1400), Image.Resampling.BILINEAR), (900, 300))
        pen, paper = Image.new("RGB", ink.size, (25, 35, 110)), Image.new("RGB", ink.size, (238, 232, 220))
        made.append((int(label), encoded(Image.composite(pen, paper, ink), "JPEG", quality=88)))
    return made


def test_reduced_scale_jpeg_gives_the_labels_of_a_full_scale_decode(client, photos):
    for label, raw in photos:
        response = upload(client, raw, filename="photo.jpg", mime="image/jpeg")
        assert response.status_code == 200, response.text
        # The reference: Pillow decodes the whole photo at full scale, then the same preparation.
        full = np.asarray(Image.open(io.BytesIO(raw)).convert("L"), np.float32) / 255
        reference_pixels = to_mnist(full).pixels
        reference = client.post("/api/predict", json={"pixels": pixels_of(np.round(reference_pixels * 255))})
        assert response.json()["label"] == reference.json()["label"] == label
        # Within what resampling the same digit at two sizes differs by (~0.05 at most, measured
        # in test_preprocess.py), far from two different digits (0.14 on average).
        assert np.abs(input_of(response.json()) / 255 - reference_pixels).mean() < 0.05
