"""The Train panel: a tiny model trained from the page, its curves drawn while it learns, and
the model then in the picker, tracing the drawing."""

from __future__ import annotations

import re

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


def test_a_reloaded_tab_follows_the_job_it_started_to_its_end_then_forgets_it(page):
    """A student who reloads while the model trains finds the job again (its events replayed by
    the server), and its model joins the picker; once it ended, a reload shows an idle panel."""
    panel = page.locator("#train")
    panel.locator("#train-limit").fill("2000")  # long enough (a few seconds) to reload while it runs
    panel.locator("#train-epochs").fill("2")
    panel.locator("#train-name").fill("Reloaded")
    panel.locator("[data-train-start]").click()
    expect(panel).to_have_attribute("data-state", re.compile("queued|running"), timeout=30000)
    assert page.evaluate("sessionStorage.getItem('cnnvis.train.job')") is not None  # still running: kept
    page.reload()
    page.wait_for_selector("body[data-ready=true]", timeout=15000)
    expect(panel).to_have_attribute("data-state", "done", timeout=60000)
    assert "Done: Reloaded" in panel.locator("[data-train-status]").text_content()
    assert int(panel.locator("canvas").get_attribute("data-points")) >= 1  # the curves drawn again
    select = page.locator("#model-select")
    assert select.locator("option:checked").text_content() == "Reloaded"
    page.reload()
    page.wait_for_selector("body[data-ready=true]", timeout=15000)
    expect(panel).to_have_attribute("data-state", "idle")
    assert panel.locator("[data-train-status]").text_content() == ""


def test_a_reloaded_tab_whose_job_the_server_forgot_says_so_in_words(page):
    page.evaluate("sessionStorage.setItem('cnnvis.train.job', JSON.stringify({job: 'j-0123456789ab', name: 'Gone'}))")
    page.reload()
    page.wait_for_selector("body[data-ready=true]", timeout=15000)
    panel = page.locator("#train")
    expect(panel).to_have_attribute("data-state", "failed")
    assert "no longer knows the training you started" in panel.locator("[data-train-status]").text_content()
    assert page.evaluate("sessionStorage.getItem('cnnvis.train.job')") is None
    assert page.locator("[data-train-stop]").is_disabled()
