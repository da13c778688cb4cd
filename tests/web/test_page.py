"""The visualizer page in a real browser: drawing, uploading, hover tracing, explaining,
hiding layers, the keyboard, and a clean console."""

from __future__ import annotations

import pytest

from .helpers import ONE, SEVEN, draw, photo_of_a_seven

pytest.importorskip("playwright")
from playwright.sync_api import expect


def _predicted(page, label: str):
    prediction = page.get_by_test_id("prediction")
    expect(prediction).to_have_attribute("data-label", label, timeout=10000)
    expect(prediction).to_have_text(label)


def test_drawing_a_one_is_predicted_as_one(page):
    draw(page, ONE)
    _predicted(page, "1")
    assert page.console.errors == []


def test_drawing_a_seven_is_predicted_as_seven_and_clear_resets(page):
    draw(page, SEVEN)
    _predicted(page, "7")
    expect(page.locator("#preprocessing li[data-step]")).to_have_count(4)
    page.locator("#clear").click()
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "")
    draw(page, ONE)
    _predicted(page, "1")


def test_undo_takes_back_the_last_stroke(page):
    draw(page, ONE)
    _predicted(page, "1")
    draw(page, [[(75, 60), (205, 60)]])  # a bar on top of the one: a seven-ish shape
    page.locator("#undo").click()
    _predicted(page, "1")


def test_uploaded_photo_is_predicted_and_its_preprocessing_shown(page, tmp_path):
    photo = tmp_path / "seven.jpg"
    photo.write_bytes(photo_of_a_seven())
    page.get_by_test_id("upload").set_input_files(str(photo))
    _predicted(page, "7")
    steps = page.locator("#preprocessing li[data-step]")
    expect(steps).to_have_count(4)
    assert [s.get_attribute("data-step") for s in steps.all()] == ["grayscale", "cropped", "fitted", "centred"]
    expect(page.locator("#preprocessing-note")).to_contain_text("flipped")
    expect(page.locator("#preprocessing-note")).to_contain_text("900×700")
    for img in page.locator("#preprocessing img").all():
        assert img.evaluate("i => i.complete && i.naturalWidth > 0")
    assert page.console.errors == []


def test_drop_of_a_photo_reads_it(page):
    data = list(photo_of_a_seven())
    page.evaluate(
        """bytes => {
          const file = new File([new Uint8Array(bytes)], "seven.jpg", {type: "image/jpeg"});
          const dt = new DataTransfer();
          dt.items.add(file);
          const zone = document.getElementById("drop-zone");
          for (const type of ["dragenter", "dragover", "drop"]) {
            zone.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
          }
        }""",
        data,
    )
    _predicted(page, "7")


def test_pasting_a_photo_reads_it(page):
    data = list(photo_of_a_seven())
    page.evaluate(
        """bytes => {
          const file = new File([new Uint8Array(bytes)], "seven.jpg", {type: "image/jpeg"});
          const dt = new DataTransfer();
          dt.items.add(file);
          document.dispatchEvent(new ClipboardEvent("paste", {clipboardData: dt, bubbles: true, cancelable: true}));
        }""",
        data,
    )
    _predicted(page, "7")


def test_a_file_that_is_not_an_image_gets_a_friendly_message(page, tmp_path):
    bad = tmp_path / "notes.png"
    bad.write_text("these are not pixels")
    page.get_by_test_id("upload").set_input_files(str(bad))
    # Said next to the upload button, in its own live region, not in the top bar.
    status = page.locator(".upload-row #upload-message[aria-live=polite]")
    expect(status).to_have_attribute("data-kind", "error", timeout=10000)
    expect(page.locator("#status")).to_have_text("")
    text = status.inner_text()
    assert "image" in text.lower()
    assert "Traceback" not in text and "Error:" not in text
