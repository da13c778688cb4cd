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


# -- what the first bytes of a refused file say it is ----------------------------------------
SVG_BODY = b'<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28"><path d="M4 4 L24 4 L12 24"/></svg>'


@pytest.mark.parametrize("raw", [
    SVG_BODY,
    b"<!-- a seven -->\n" + SVG_BODY,  # a comment before the tag
    b"\n\n  <?xml version=\"1.0\"?>\n<!--" + b" " * 600 + b"-->\n" + SVG_BODY,  # the tag past the first 512 bytes
], ids=["plain", "comment first", "white space then a long prolog"])
def test_an_svg_drawing_is_415_saying_it_is_an_svg(client, decoder_calls, raw):
    response = upload(client, raw, filename="seven.svg", mime="image/svg+xml")
    assert response.status_code == 415
    assert response.json()["detail"].startswith("SVG drawings are not supported: export the picture as")
    assert decoder_calls == []


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    """An ISO media file's leading ftyp box (size, 'ftyp', major brand, minor version 0, compatible brands)."""
    box = b"ftyp" + major + bytes(4) + b"".join(compatible)
    return (len(box) + 4).to_bytes(4, "big") + box + b"\x00\x00\x00\x08mdat"


@pytest.mark.parametrize("raw", [_ftyp(b"avif", b"avif", b"mif1", b"miaf"), _ftyp(b"mif1", b"mif1", b"avif", b"miaf")],
                         ids=["avif first", "avif among the compatible brands"])
def test_an_avif_picture_is_415_naming_avif_not_heic(client, decoder_calls, raw):
    response = upload(client, raw, filename="photo.avif", mime="image/avif")
    assert response.status_code == 415
    detail = response.json()["detail"]
    assert detail.startswith("AVIF pictures are not supported") and "HEIC" not in detail
    assert decoder_calls == []


@pytest.mark.parametrize("head, named", [
    (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"), (b"%PDF-1.7", "PDF"), (b"%!PS-Adobe", "PostScript (EPS)"),
    (b"8BPS\x00\x01", "Photoshop (PSD)"), (b"\xff\x4f\xff\x51", "JPEG 2000"), (b"\x00\x00\x01\x00\x01\x00", "icon (ICO)"),
    (b"\x00\x00\x02\x00\x01\x00", "cursor (CUR)"), (b"icns", "icon (ICNS)"), (b"qoif", "QOI"), (b"DDS ", "DirectDraw (DDS)"),
])
def test_a_refused_format_is_named_by_its_first_bytes(client, decoder_calls, head, named):
    response = upload(client, head + bytes(200), filename="picture")
    assert response.status_code == 415
    assert response.json()["detail"] == f"{named} files are not supported: save the picture as {NAMED_IN_THE_ERROR} and upload that."
    assert decoder_calls == []
