"""Only PNG, JPEG, GIF, BMP and WebP are ever decoded. Every other format Pillow knows is
refused with a 415 naming the formats we read, before any of Pillow's other decoders sees the
file: an EPS file would otherwise be run through Ghostscript. The spies below record any call
to another decoder or to an external program, so these tests hold whether or not Ghostscript
is installed."""

from __future__ import annotations

import io
import subprocess

import pytest
from PIL import EpsImagePlugin, Image, ImageDraw

from .helpers import data_url, upload

# Pillow's format names for what we promise; MPO is how Pillow names a JPEG holding several pictures.
PROMISED = {"PNG", "JPEG", "GIF", "BMP", "WEBP", "MPO"}
NAMED_IN_THE_ERROR = "PNG, JPEG, GIF, BMP or WebP"

# Under 100 bytes, and enough for Pillow to take it for an EPS file and start Ghostscript to draw it.
TINY_EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 28 28\n0 0 moveto 28 28 lineto stroke\nshowpage\n"

# The start of an iPhone photo: an ISO media 'ftyp' box with the HEIC brands, then a 'meta' box.
HEIC_HEAD = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00\x00\x01\x00meta" + bytes(240)


def a_drawing() -> Image.Image:
    image = Image.new("L", (64, 64), 255)
    ImageDraw.Draw(image).line([(12, 12), (52, 12), (28, 56)], fill=0, width=6)
    return image


def written_as(fmt: str) -> bytes | None:
    """The drawing saved in `fmt` in the first mode that format accepts; None if Pillow cannot write it here."""
    for mode in ("L", "RGB", "RGBA", "P", "1", "F"):
        buffer = io.BytesIO()
        try:
            a_drawing().convert(mode).save(buffer, format=fmt)
        except Exception:  # noqa: BLE001 -- a mode the format does not take, or a writer needing a plug-in
            continue
        return buffer.getvalue()
    return None


def refused_formats() -> dict[str, bytes]:
    Image.init()
    files = {fmt: written_as(fmt) for fmt in sorted(Image.SAVE) if fmt not in PROMISED}
    return {fmt: raw for fmt, raw in files.items() if raw is not None}


REFUSED = refused_formats()


@pytest.fixture
def decoder_calls(monkeypatch):
    """Every format's decoder outside the promise, Ghostscript and subprocesses replaced by spies;
    yields the list of what was called."""
    calls = []
    Image.init()
    for fmt, (factory, accept) in list(Image.OPEN.items()):
        if fmt in PROMISED:
            continue

        def spy(fp, filename=None, fmt=fmt):
            calls.append(fmt)
            raise SyntaxError(f"{fmt} must never be opened")

        monkeypatch.setitem(Image.OPEN, fmt, (spy, accept))
    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", lambda *a, **k: calls.append("Ghostscript"))
    real_popen = subprocess.Popen

    def popen(*args, **kwargs):
        calls.append(f"subprocess {args[0] if args else kwargs.get('args')}")
        return real_popen(*args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    yield calls


def test_pillow_writes_the_formats_this_suite_checks():
    assert {"TIFF", "EPS", "PDF", "ICO", "TGA", "PCX", "PPM", "JPEG2000"} <= set(REFUSED)


def test_upload_of_a_tiny_eps_file_never_reaches_ghostscript(client, decoder_calls):
    response = upload(client, TINY_EPS, filename="digit.eps", mime="application/postscript")
    assert response.status_code == 415
    assert NAMED_IN_THE_ERROR in response.json()["detail"]
    assert decoder_calls == []


def test_eps_in_a_data_url_is_refused_the_same_way(client, decoder_calls):
    response = client.post("/api/predict", json={"image": data_url(TINY_EPS, "application/postscript")})
    assert response.status_code == 415
    assert NAMED_IN_THE_ERROR in response.json()["detail"]
    assert decoder_calls == []


@pytest.mark.parametrize("fmt", sorted(REFUSED))
def test_upload_in_a_format_outside_the_promise_is_415_and_never_decoded(client, decoder_calls, fmt):
    response = upload(client, REFUSED[fmt], filename="digit")
    assert response.status_code == 415, response.text
    assert NAMED_IN_THE_ERROR in response.json()["detail"]
    assert decoder_calls == []


def test_heic_photo_from_a_phone_is_415_saying_how_to_send_a_jpeg(client, decoder_calls):
    response = upload(client, HEIC_HEAD, filename="IMG_0001.HEIC", mime="image/heic")
    assert response.status_code == 415
    detail = response.json()["detail"]
    assert "HEIC" in detail and "iPhone" in detail and "Most Compatible" in detail
    assert NAMED_IN_THE_ERROR in detail
    assert decoder_calls == []


def test_float_tiff_spanning_the_float32_range_is_415_not_500(client, decoder_calls):
    import numpy as np

    values = np.linspace(-3e38, 3e38, 64 * 64, dtype=np.float32).reshape(64, 64)
    buffer = io.BytesIO()
    Image.fromarray(values, "F").save(buffer, format="TIFF")
    response = upload(client, buffer.getvalue(), filename="digit.tif", mime="image/tiff")
    assert response.status_code == 415
    assert "TIFF" in response.json()["detail"]
    assert decoder_calls == []


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "BMP", "WEBP"])
def test_every_promised_format_is_read_without_other_decoders(client, decoder_calls, fmt):
    buffer = io.BytesIO()
    a_drawing().convert("RGB" if fmt == "WEBP" else "L").save(buffer, format=fmt)
    response = upload(client, buffer.getvalue(), filename="digit")
    assert response.status_code == 200, response.text
    assert response.json()["label"] == 7
    assert decoder_calls == []
