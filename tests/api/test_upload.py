"""POST /api/predict/upload with every kind of image a student might have: the formats and
modes we read, transparency, EXIF rotation, animations, and files that are no image at all."""

from __future__ import annotations

import io
import tempfile

import numpy as np
import pytest
from PIL import Image

from .helpers import MAX_BODY, as_paper, image_bytes, input_of, paper, png, upload


def sixteen_bit(ink):
    image = Image.fromarray((255 - ink).astype(np.uint16) * 257)  # mode I;16
    assert image.mode == "I;16"
    return image_bytes(image, "PNG")


def palette_png(ink):
    return image_bytes(as_paper(ink).convert("RGB").quantize(16), "PNG")


def palette_gif(ink):
    return image_bytes(as_paper(ink), "GIF")


def cmyk_jpeg(ink):
    image = as_paper(ink).convert("CMYK")
    assert image.mode == "CMYK"
    return image_bytes(image, "JPEG", quality=90)


def grey_alpha_opaque(ink):
    image = as_paper(ink).convert("LA")
    return image_bytes(image, "PNG")


def grey_alpha_transparent(ink):
    """LA: black ink whose alpha is the ink strength, on a fully transparent background."""
    return image_bytes(Image.merge("LA", [Image.new("L", (112, 112), 0), Image.fromarray(ink, "L")]), "PNG")


def rgba_dark_ink_on_transparent(ink):
    """What a canvas with a transparent background gives: ink (0,0,0,a), background (0,0,0,0)."""
    rgba = np.zeros((112, 112, 4), np.uint8)
    rgba[..., 3] = ink
    return image_bytes(Image.fromarray(rgba, "RGBA"), "PNG")


def rgba_light_ink_on_transparent(ink):
    rgba = np.full((112, 112, 4), 255, np.uint8)
    rgba[..., 3] = ink
    return image_bytes(Image.fromarray(rgba, "RGBA"), "PNG")


def palette_with_transparency(ink):
    image = as_paper(ink).convert("P")
    return image_bytes(image, "PNG", transparency=255)  # the white paper entry is transparent


def rgb_photo_jpeg(ink):
    """Blue ink on slightly grey, noisy paper, as a phone photo of a drawing might be."""
    rng = np.random.default_rng(0)
    strength = ink.astype(np.float32)[..., None] / 255
    paper_rgb = np.array([225, 222, 215], np.float32) + rng.normal(0, 4, (112, 112, 3))
    pen = np.array([20, 30, 120], np.float32)
    rgb = paper_rgb * (1 - strength) + pen * strength
    return image_bytes(Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB"), "JPEG", quality=85)


def bmp(ink):
    return image_bytes(as_paper(ink), "BMP")


def webp(ink):
    return image_bytes(as_paper(ink).convert("RGB"), "WEBP", quality=90)


def grey_jpeg(ink):
    return image_bytes(as_paper(ink), "JPEG", quality=90)


def white_on_black_png(ink):
    return png(ink)


IMAGES = [
    sixteen_bit,
    palette_png,
    palette_gif,
    cmyk_jpeg,
    grey_alpha_opaque,
    grey_alpha_transparent,
    rgba_dark_ink_on_transparent,
    rgba_light_ink_on_transparent,
    palette_with_transparency,
    rgb_photo_jpeg,
    bmp,
    webp,
    grey_jpeg,
    white_on_black_png,
]


@pytest.mark.parametrize("make", IMAGES, ids=[f.__name__ for f in IMAGES])
def test_upload_handles_image_kind(client, ink, make):
    response = upload(client, make(ink), filename="digit")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["label"] == 7
    # Whatever the format, the network sees white ink on black close to the plain greyscale PNG's input.
    reference = upload(client, png(ink)).json()
    difference = np.abs(input_of(body).astype(float) - input_of(reference)).mean() / 255
    assert difference < 0.03  # lossy JPEG/WebP and 16-level palettes shift the edges a little


def test_upload_transparent_png_with_dark_ink_is_read_as_ink_on_white(client, ink):
    response = upload(client, rgba_dark_ink_on_transparent(ink))
    assert response.status_code == 200
    pre = response.json()["preprocessing"]
    assert pre["background"] == "light" and pre["inverted"] is True
    np.testing.assert_array_equal(input_of(response.json()), input_of(upload(client, png(ink)).json()))


def test_upload_sixteen_bit_png_equals_its_eight_bit_twin(client, ink):
    sixteen = upload(client, sixteen_bit(ink))
    eight = upload(client, png(255 - ink))
    assert sixteen.status_code == 200 and eight.status_code == 200
    np.testing.assert_array_equal(input_of(sixteen.json()), input_of(eight.json()))


def test_upload_applies_exif_orientation(client, ink):
    upright = as_paper(ink)
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # as a phone held sideways stores it
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation 6: rotate 90 degrees clockwise to display
    rotated = upload(client, image_bytes(stored, "JPEG", quality=95, exif=exif.tobytes()), mime="image/jpeg")
    plain = upload(client, image_bytes(upright, "JPEG", quality=95), mime="image/jpeg")
    assert rotated.status_code == 200 and plain.status_code == 200
    assert rotated.json()["label"] == 7
    difference = np.abs(input_of(rotated.json()).astype(float) - input_of(plain.json())).mean() / 255
    assert difference < 0.02  # the same picture; only JPEG's 8x8 blocks fall differently


def animation(first: np.ndarray, second: np.ndarray, fmt: str) -> bytes:
    frames = [Image.fromarray(255 - first, "L"), Image.fromarray(255 - second, "L")]
    extra = {"duration": 200, "loop": 0}
    if fmt == "WEBP":
        frames = [f.convert("RGB") for f in frames]
        extra["lossless"] = True
    return image_bytes(frames[0], fmt, save_all=True, append_images=frames[1:], **extra)


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])  # GIF, APNG, animated WebP
def test_upload_animation_uses_its_first_frame(client, mnist_test, ink, fmt):
    images, labels = mnist_test
    one = images[int(np.flatnonzero(labels == 1)[0])]
    other = 255 - paper(one, 112)
    raw = animation(ink, other, fmt)
    with Image.open(io.BytesIO(raw)) as check:
        assert getattr(check, "n_frames", 1) == 2
    response = upload(client, raw)
    first_frame_alone = upload(client, png(255 - ink))
    assert response.status_code == 200 and first_frame_alone.status_code == 200
    assert response.json()["label"] == 7
    np.testing.assert_array_equal(input_of(response.json()), input_of(first_frame_alone.json()))


def test_upload_animation_with_blank_second_frame_still_reads_the_first(client, ink):
    raw = animation(ink, np.zeros_like(ink), "GIF")
    response = upload(client, raw)
    assert response.status_code == 200
    np.testing.assert_array_equal(input_of(response.json()), input_of(upload(client, png(255 - ink)).json()))


# -- the form itself ----------------------------------------------------------------------
def test_upload_without_a_file_is_422(client):
    response = client.post("/api/predict/upload", data={"model": "mnist"})
    assert response.status_code == 422
    assert "file" in response.json()["detail"]


def test_upload_sent_as_json_is_422(client):
    response = client.post("/api/predict/upload", json={"file": "x"})
    assert response.status_code == 422
    assert response.json()["detail"]


def test_upload_of_unknown_model_is_404(client, ink):
    response = upload(client, png(ink), model="nope")
    assert response.status_code == 404
    assert "mnist" in response.json()["detail"]


def test_upload_with_a_broken_multipart_body_is_4xx(client):
    headers = {"Content-Type": "multipart/form-data; boundary=xyz"}
    response = client.post(
        "/api/predict/upload", content=b'--xyz\r\nContent-Disposition: form-data; name="file"', headers=headers
    )
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


def test_upload_is_kept_in_memory_never_spooled_to_disk(client, monkeypatch):
    rolled_over = []
    original = tempfile.SpooledTemporaryFile.rollover

    def spy(self):
        rolled_over.append(self)
        return original(self)

    monkeypatch.setattr(tempfile.SpooledTemporaryFile, "rollover", spy)
    raw = image_bytes(Image.new("L", (64, 64), 255), "PNG") + bytes(MAX_BODY - 200_000)  # just under the limit
    response = upload(client, raw)
    assert response.status_code == 422  # read fine: a white picture with trailing bytes
    assert rolled_over == []
