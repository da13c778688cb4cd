"""A 12-megapixel phone photo over 5 MB (the server's body limit) is shrunk in the browser and
read; the pad shows the photo while its answer is shown, and drawing again takes the pad
back."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from app.settings import Settings

from .helpers import ONE, draw, pad_point

pytest.importorskip("playwright")
from playwright.sync_api import expect


def _phone_photo() -> bytes:
    """4000x3000 JPEG: a dark 7 on grey paper with strong sensor-like noise, so it is large."""
    w, h = 4000, 3000
    rng = np.random.default_rng(8)
    paper = rng.normal(200, 28, (h, w)).clip(0, 255).astype(np.uint8)
    img = Image.fromarray(paper, "L")
    ImageDraw.Draw(img).line([(1300, 800), (2700, 820), (1900, 2300)], fill=30, width=150, joint="curve")
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=97)
    return out.getvalue()


def _pad_mean(page) -> float:
    """Mean brightness of the pad's pixels, as the page painted them (0..255)."""
    return page.get_by_test_id("draw-pad").evaluate(
        "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let s = 0; for (let i = 0; i < d.length; i += 4) s += d[i]; return s / (d.length / 4); }"
    )


def test_a_large_phone_photo_is_shrunk_read_and_shown_on_the_pad(page, tmp_path):
    data = _phone_photo()
    assert len(data) > Settings().max_body_bytes  # over 5 MB: the server alone would refuse it
    path = tmp_path / "IMG_0001.jpg"
    path.write_bytes(data)
    sent = []
    page.on("request", lambda r: sent.append(len(r.post_data_buffer or b"")) if r.url.endswith("/api/predict/upload") else None)

    draw(page, ONE)  # an old drawing, which must not stay beside the photo's answer
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "1", timeout=10000)
    page.get_by_test_id("upload").set_input_files(str(path))
    expect(page.locator("#guesses")).to_contain_text("(from your photo)", timeout=30000)
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7")
    assert sent and max(sent) < 4 * 1024 * 1024, sent
    expect(page.locator("#preprocessing li[data-step]")).to_have_count(4)
    # The server saw a picture 1600 px on its long side, in the photo's proportions.
    note = page.locator("#preprocessing-note").inner_text()
    assert "Original 1600×1200 pixels" in note, note
    assert page.locator("#upload-message").inner_text() == ""

    # The pad shows the photo (grey paper, mean near 200), not the black pad with a 1 on it.
    pad = page.get_by_test_id("draw-pad")
    expect(pad).to_have_attribute("data-showing", "photo")
    assert _pad_mean(page) > 120

    # Drawing again takes the pad back: the photo goes, the drawing (old and new) is read.
    draw(page, [[(60, 40), (60, 50)]])
    expect(page.locator("#guesses")).to_contain_text("(from your drawing)", timeout=10000)
    expect(pad).not_to_have_attribute("data-showing", "photo")
    assert _pad_mean(page) < 60
    assert page.console.errors == []
