"""Pictures the API must refuse with a 4xx that says why: decompression bombs, files that are
not images or are damaged, and pictures with nothing drawn on them."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from app.preprocess import ImageError, preprocess_bytes

from .helpers import as_paper, data_url, image_bytes, png, upload


# -- decompression bombs ------------------------------------------------------------------
def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height, with one tiny (wrong) data chunk."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + png_chunk(b"IEND", b"")
    )


def gif_header_only(width: int, height: int) -> bytes:
    """A GIF whose screen and only frame claim width x height, with almost no data."""
    screen = struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    frame = b"," + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x44\x01\x00"
    return b"GIF89a" + screen + frame + b";"


def jpeg_header_claiming(width: int, height: int) -> bytes:
    raw = bytearray(image_bytes(Image.new("L", (8, 8), 255), "JPEG"))
    sof = raw.index(b"\xff\xc0")
    raw[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(raw)


def big_single_colour_png() -> bytes:
    return image_bytes(Image.new("L", (5000, 5000), 255), "PNG", optimize=False, compress_level=9)


BOMBS = {
    "png-5000x5000-single-colour": big_single_colour_png,
    "png-header-60000x60000": lambda: png_header_only(60000, 60000),
    "png-header-20000x1000": lambda: png_header_only(20000, 1000),
    "gif-header-65535x65535": lambda: gif_header_only(65535, 65535),
    "jpeg-header-65000x65000": lambda: jpeg_header_claiming(65000, 65000),
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_upload_rejects_decompression_bomb(client, name):
    raw = BOMBS[name]()
    assert len(raw) < 100_000  # tiny on the wire
    response = upload(client, raw)
    assert response.status_code in (413, 422)
    assert "pixels" in response.json()["detail"]


def test_predict_image_rejects_decompression_bomb_in_a_data_url(client):
    response = client.post("/api/predict", json={"image": data_url(big_single_colour_png())})
    assert response.status_code in (413, 422)
    assert "pixels" in response.json()["detail"]


def test_upload_accepts_a_large_photo_under_16_megapixels(client, ink):
    canvas = Image.new("L", (3000, 2000), 255)
    canvas.paste(as_paper(ink).resize((800, 800)), (1000, 500))
    response = upload(client, image_bytes(canvas, "PNG"))
    assert response.status_code == 200
    assert response.json()["label"] == 7
    assert response.json()["preprocessing"]["original_size"] == [3000, 2000]


# -- not images, damaged images -----------------------------------------------------------
def truncated(raw: bytes) -> bytes:
    return raw[: len(raw) // 2]


def corrupt_png(ink):
    raw = bytearray(png(ink))
    start = raw.index(b"IDAT") + 4
    raw[start + 10 : start + 40] = bytes(30)  # damage the compressed data, keep the chunk's length
    return bytes(raw)


def corrupt_jpeg_header(ink):
    raw = bytearray(image_bytes(as_paper(ink), "JPEG"))
    sof = raw.index(b"\xff\xc0")
    raw[sof + 9] = 7  # seven components in a greyscale frame header: no decoder accepts that
    return bytes(raw)


def corrupt_jpeg_tables(ink):
    raw = bytearray(image_bytes(as_paper(ink), "JPEG"))
    dht = raw.index(b"\xff\xc4")
    raw[dht + 5 : dht + 21] = b"\xff" * 16  # Huffman code counts far beyond what the table holds
    return bytes(raw)


NOT_IMAGES = {
    "text": (lambda ink: b"hello, this is a letter and not a picture\n" * 20, 415, "not an image"),
    "html": (lambda ink: b"<html><body><img src=x onerror=alert(1)></body></html>", 415, "not an image"),
    "svg": (
        lambda ink: b'<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28"><path d="M0 0L28 28"/></svg>',
        415,
        "SVG",
    ),
    "svg-with-xml-prolog": (
        lambda ink: b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
        415,
        "SVG",
    ),
    "empty": (lambda ink: b"", 422, "empty"),
    "truncated-png": (lambda ink: truncated(png(ink)), 422, "damaged"),
    "truncated-jpeg": (lambda ink: truncated(image_bytes(as_paper(ink), "JPEG")), 422, "damaged"),
    "corrupt-png": (corrupt_png, 422, "damaged"),
    "corrupt-jpeg-header": (corrupt_jpeg_header, 415, "not an image"),
    "corrupt-jpeg-tables": (corrupt_jpeg_tables, 422, "damaged"),
    "png-signature-only": (lambda ink: b"\x89PNG\r\n\x1a\n", 415, "not an image"),
    "zip": (lambda ink: b"PK\x03\x04" + bytes(100), 415, "not an image"),
}


@pytest.mark.parametrize("name", list(NOT_IMAGES))
def test_upload_rejects_files_that_are_not_usable_images(client, ink, name):
    make, status, reason = NOT_IMAGES[name]
    response = upload(client, make(ink))
    assert response.status_code in (415, 422)
    assert response.status_code == status
    assert reason.lower() in response.json()["detail"].lower()


@pytest.mark.parametrize("name", ["text", "svg", "truncated-png", "corrupt-jpeg-tables"])
def test_predict_image_rejects_files_that_are_not_usable_images(client, ink, name):
    make, status, reason = NOT_IMAGES[name]
    response = client.post("/api/predict", json={"image": data_url(make(ink))})
    assert response.status_code == status
    assert reason.lower() in response.json()["detail"].lower()


# -- blank pictures -----------------------------------------------------------------------
BLANKS = {
    "white": lambda: png(np.full((80, 80), 255, np.uint8)),
    "black": lambda: png(np.zeros((80, 80), np.uint8)),
    "grey": lambda: png(np.full((80, 80), 128, np.uint8)),
    "faint-noise": lambda: png(np.random.default_rng(0).integers(240, 256, (80, 80)).astype(np.uint8)),
    "one-pixel": lambda: png(np.full((1, 1), 255, np.uint8)),
    "white-rgb-jpeg": lambda: image_bytes(Image.new("RGB", (64, 64), (255, 255, 255)), "JPEG"),
}


@pytest.mark.parametrize("name", list(BLANKS))
def test_upload_blank_image_is_422_saying_there_is_no_ink(client, name):
    response = upload(client, BLANKS[name]())
    assert response.status_code == 422
    assert "no ink" in response.json()["detail"].lower()


def test_predict_blank_canvas_data_url_is_422_saying_there_is_no_ink(client):
    response = client.post("/api/predict", json={"image": data_url(BLANKS["white"]()), "steps": False})
    assert response.status_code == 422
    assert "no ink" in response.json()["detail"].lower()


def test_upload_fully_transparent_png_is_422_saying_there_is_nothing_drawn(client):
    raw = image_bytes(Image.new("RGBA", (64, 64), (0, 0, 0, 0)), "PNG")
    response = upload(client, raw)
    assert response.status_code == 422
    assert "transparent" in response.json()["detail"]


# -- damaged files in every promised format -----------------------------------------------
def promised_seeds() -> list[bytes]:
    drawing = Image.new("L", (48, 40), 255)
    drawing.paste(0, (10, 8, 38, 14))
    drawing.paste(0, (24, 8, 30, 34))
    kinds = {"PNG": ["L", "RGB", "RGBA", "P", "1", "LA", "I;16"], "JPEG": ["L", "RGB", "CMYK"], "GIF": ["P"],
             "BMP": ["RGB", "P", "1"], "WEBP": ["RGB", "RGBA"]}
    return [image_bytes(drawing.convert(mode), fmt) for fmt, modes in kinds.items() for mode in modes]


def test_damaged_files_in_every_promised_format_get_an_answer_or_a_4xx():
    # Bytes overwritten, cut out or inserted at random: whatever decodes is prepared or refused
    # with a sentence; nothing raises anything else (which the API would turn into a 500).
    rng = np.random.default_rng(7)
    seeds = promised_seeds()
    statuses = set()
    for _ in range(300):
        data = bytearray(seeds[rng.integers(len(seeds))])
        for _ in range(rng.integers(1, 6)):
            at = int(rng.integers(len(data)))
            kind = rng.integers(3)
            if kind == 0:
                data[at] = int(rng.integers(256))
            elif kind == 1:
                del data[at : at + int(rng.integers(1, 16))]
            else:
                data[at:at] = rng.integers(0, 256, int(rng.integers(1, 16)), dtype=np.uint8).tobytes()
        try:
            preprocess_bytes(bytes(data), 16_000_000)
            statuses.add(200)
        except ImageError as err:
            assert err.status in (413, 415, 422)
            assert str(err).endswith(".")
            statuses.add(err.status)
    assert {200, 415, 422} <= statuses  # the damage was varied enough to reach each outcome


# -- progressive JPEGs --------------------------------------------------------------------
def progressive_seven(mode: str, extra_scans: int = 0) -> bytes:
    """The 7 of two bars as a progressive JPEG, its last scan repeated `extra_scans` times more."""
    image = Image.new("L", (1000, 800), 230)
    image.paste(20, (250, 150, 750, 210))
    image.paste(20, (450, 150, 510, 650))
    raw = image_bytes(image.convert(mode), "JPEG", progressive=True, quality=80)
    end, last = raw.rindex(b"\xff\xd9"), raw.rindex(b"\xff\xda")
    return raw[:end] + raw[last:end] * extra_scans + raw[end:]


@pytest.mark.parametrize("mode", ["L", "RGB", "CMYK"])  # 6, 10 and 18 scans as libjpeg writes them
def test_upload_of_an_ordinary_progressive_jpeg_is_read(client, mode):
    response = upload(client, progressive_seven(mode), filename="seven.jpg", mime="image/jpeg")
    assert response.status_code == 200, response.text
    assert response.json()["label"] == 7


def test_upload_of_a_jpeg_of_a_hundred_scans_is_refused_before_decoding(client):
    # Each scan is a pass over every block: 140,000 tiny scans in 5 MB took minutes to decode.
    raw = progressive_seven("L", extra_scans=100)
    assert raw.count(b"\xff\xda") == 106
    response = upload(client, raw, filename="seven.jpg", mime="image/jpeg")
    assert response.status_code == 422
    assert "passes" in response.json()["detail"]


def test_scan_markers_inside_a_comment_segment_are_not_counted_as_scans(client):
    # A segment before the image data (a comment, EXIF) may hold any bytes, 0xFF 0xDA included;
    # only the scans of the compressed data count.
    payload = b"\xff\xda" * 60
    comment = b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload
    plain = progressive_seven("L")
    raw = plain[:2] + comment + plain[2:]
    assert raw.count(b"\xff\xda") == 66
    response = upload(client, raw, filename="seven.jpg", mime="image/jpeg")
    assert response.status_code == 200, response.text
    assert response.json()["label"] == 7


def test_a_jpeg_of_32_scans_is_read_and_one_of_33_is_refused(client):
    """32 scans is the most a JPEG may hold (libjpeg writes 6 to 18)."""
    at_limit, past = progressive_seven("L", extra_scans=26), progressive_seven("L", extra_scans=27)
    assert (at_limit.count(b"\xff\xda"), past.count(b"\xff\xda")) == (32, 33)
    response = upload(client, at_limit, filename="seven.jpg", mime="image/jpeg")
    assert response.status_code == 200, response.text
    assert upload(client, past, filename="seven.jpg", mime="image/jpeg").status_code == 422


def test_a_picture_of_exactly_the_pixel_limit_is_decoded_and_one_pixel_more_is_413():
    from app.decoding import decode

    raw = png(np.full((25, 40), 255, np.uint8))  # 1,000 pixels
    assert decode(raw, 1000, 28).size == (40, 25)
    with pytest.raises(ImageError) as err:
        decode(raw, 999, 28)
    assert err.value.status == 413


@pytest.mark.parametrize("name", ["png-header-60000x60000", "gif-header-65535x65535", "jpeg-header-65000x65000"])
def test_a_picture_past_the_pixel_limit_is_413_however_far_past(client, name):
    """docs/api.md: 413 for more pixels than the limit or a decompression bomb; these claim
    billions of pixels, past where the decoder itself calls the file a bomb."""
    response = upload(client, BOMBS[name]())
    assert response.status_code == 413
    assert "pixels" in response.json()["detail"]


def test_fill_bytes_before_a_marker_do_not_hide_a_jpegs_scans(client):
    """0xFF bytes may pad the space before any marker; a file of 106 scans stays refused with them."""
    raw = progressive_seven("L", extra_scans=100)
    padded = raw[:2] + b"\xff" * 3 + raw[2:]
    response = upload(client, padded, filename="seven.jpg", mime="image/jpeg")
    assert response.status_code == 422
    assert "passes" in response.json()["detail"]
