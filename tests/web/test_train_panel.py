"""The Train panel: a tiny model trained from the page, its curves drawn while it learns, and
the model then in the picker, tracing the drawing."""

from __future__ import annotations

import pytest

from .helpers import SEVEN, draw

pytest.importorskip("playwright")
from playwright.sync_api import expect


def test_a_tiny_model_trains_from_the_page_draws_its_curves_and_joins_the_picker(page):
    draw(page, SEVEN)
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=10000)
    panel = page.locator("#train")
    panel.locator("#train-limit").fill("300")
    panel.locator("#train-epochs").fill("2")
    panel.locator("#train-name").fill("Tiny <b>tanh</b>")
    panel.locator("#train-activation").select_option("tanh")
    panel.locator("[data-train-start]").click()
    expect(panel).to_have_attribute("data-state", "done", timeout=60000)
    canvas = panel.locator("canvas")
    assert int(canvas.get_attribute("data-points")) >= 1
    # The curves were drawn: the canvas holds coloured pixels.
    inked = canvas.evaluate(
        "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 === 3 && v > 0)"
    )
    assert inked
    select = page.locator("#model-select")
    chosen = select.evaluate("s => s.value")
    assert chosen.startswith("t-")
    assert select.locator("option:checked").text_content() == "Tiny <b>tanh</b>"  # shown as text, not HTML
    expect(page.locator("body")).to_have_attribute("data-ready", "true", timeout=10000)
    assert "Done" in panel.locator("[data-train-status]").text_content()


def test_a_job_that_reports_once_still_draws_its_point(page):
    """A short job may send a single progress event: its point is drawn, not an empty chart."""
    inked = page.evaluate("""async () => {
        const { Curves } = await import("/static/js/train/curves.js");
        const canvas = document.createElement("canvas");
        canvas.width = 200; canvas.height = 100;
        const curves = new Curves(canvas);
        curves.add({ step: 5, steps: 10, loss: 0.2, train_accuracy: 0.5, val_accuracy: null });
        const data = canvas.getContext("2d").getImageData(0, 0, 200, 100).data;
        return [...data].filter((v, i) => i % 4 === 3 && v > 0).length;
    }""")
    assert inked >= 8  # two dots of 4x4 (loss and training accuracy)
