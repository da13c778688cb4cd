"""Watching a network learn, read from what the page drew: while a model trains, conv1's kernels
and the drawing's maps change in the network view; when it is done it is evaluated on the test
set; the checkpoint timeline changes the answer and the maps between epoch 0 and the end."""

from __future__ import annotations

import re

import numpy as np
import pytest

from app.models.checkpoints import CHECKPOINTS_DIR
from app.nn import weights

from .helpers import MAP_PIXELS_JS, SEVEN, draw

pytest.importorskip("playwright")
from playwright.sync_api import expect

# At every applied answer: what conv1's first map and first kernel look like on screen, which
# model the picker shows and the time left, as text (pixel data joined).
_RECORD = """() => {
  MAP_PIXELS;
  window.__seen = [];
  const pixels = (c) => (c ? Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data).join(",") : null);
  document.addEventListener("cnnvis:rendered", () => {
    window.__seen.push({
      model: document.querySelector("#model-select").value,
      map: mapPixels(document.querySelector('.map[data-layer="conv1"][data-channel="0"]')).data.join(","),
      kernel: pixels(document.querySelector('details[data-kernels="conv1"] .kernel-grid canvas')),
      left: document.querySelector("[data-train-left]").textContent,
    });
  });
}""".replace("MAP_PIXELS", MAP_PIXELS_JS)

_CONV1_MAP = """() => { MAP_PIXELS;
  return mapPixels(document.querySelector('.map[data-layer="conv1"][data-channel="0"]')).data.join(","); }""".replace(
    "MAP_PIXELS", MAP_PIXELS_JS)


def test_while_a_model_trains_its_kernels_and_the_drawings_maps_change_then_it_is_evaluated(page):
    draw(page, SEVEN)
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=15000)
    page.evaluate(_RECORD)
    panel = page.locator("#train")
    panel.locator("#train-limit").fill("3000")
    panel.locator("#train-epochs").fill("2")
    panel.locator("[data-train-start]").click()
    expect(panel).to_have_attribute("data-state", "done", timeout=120000)
    seen = page.evaluate("() => window.__seen")
    live = [s for s in seen if s["model"].endswith("@live")]
    assert len(live) >= 2, f"{len(live)} traces of the training model were drawn"
    assert len({s["map"] for s in live}) >= 2, "conv1's map of the drawing never changed while it trained"
    assert len({s["kernel"] for s in live if s["kernel"]}) >= 2, "conv1's kernels never changed while it trained"
    assert any(s["left"].startswith("About ") and s["left"].endswith(" left") for s in live)
    assert int(panel.locator("canvas").get_attribute("data-points")) >= 2

    # Done: the new model is shown, can be taken away and evaluated.
    assert page.locator("#model-select").evaluate("s => s.value").startswith("t-")
    assert panel.locator("[data-download-onnx]").get_attribute("href").endswith("/onnx")
    assert panel.locator("[data-download-npz]").get_attribute("href").endswith("/download")
    panel.locator("[data-train-evaluate]").click()
    table = panel.locator("[data-train-evaluation] table")
    expect(table).to_be_visible(timeout=60000)
    cells = table.locator("tbody tr").evaluate_all("rows => rows.map(r => Array.from(r.querySelectorAll('td'), c => Number(c.textContent)))")
    matrix = np.array(cells)
    assert matrix.shape == (10, 10) and matrix.sum() == 10_000
    shown = float(panel.locator("[data-train-evaluation] p").get_attribute("data-accuracy"))
    assert shown == pytest.approx(np.trace(matrix) / matrix.sum(), abs=1e-12)
    assert f"{100 * shown:.2f}%" in panel.locator("[data-train-evaluation] p").text_content()
    assert not page.console.errors


def _answer_for(page, checkpoint_id):
    """The class the checkpoint's weights file gives the input the page shows (from the address)."""
    # A new model's answer reaches the address a moment after it is painted: wait until it holds the input.
    page.wait_for_function("() => new URLSearchParams(location.hash.slice(1)).get('in')", timeout=15000)
    input_bytes = page.evaluate(
        """async () => { const { decodeInput } = await import("/static/js/state.js");
        const text = new URLSearchParams(location.hash.slice(1)).get("in"); return Array.from(decodeInput(text)); }"""
    )
    network, _ = weights.load(CHECKPOINTS_DIR / f"{checkpoint_id}.npz")
    x = (np.array(input_bytes, np.float32).reshape(1, 1, 28, 28) / 255).astype(np.float32)
    return int(network.forward(x)[0].argmax())


def test_the_timeline_slider_changes_the_answer_and_the_maps_between_epoch_0_and_the_end(page):
    page.locator("#examples button", has_text="7").first.click()
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=15000)
    timeline = page.locator("#timeline")
    expect(timeline).to_be_visible(timeout=15000)
    checkpoints = page.evaluate("async () => (await (await fetch('/api/models/mnist/checkpoints')).json()).checkpoints")
    final_map = page.evaluate(_CONV1_MAP)

    slider = page.locator("#timeline-slider")
    slider.focus()
    page.keyboard.press("Home")  # the keyboard moves it, as any range input
    first = checkpoints[0]
    expect(timeline).to_have_attribute("data-epoch", str(first["epoch"]), timeout=15000)
    expect(page.locator("body")).to_have_attribute("data-ready", "true", timeout=15000)
    expected = _answer_for(page, first["id"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", str(expected), timeout=15000)
    assert f"epoch={first['epoch']}" in page.url
    page.wait_for_function(f"() => document.body.dataset.weights === 'loaded'")
    start_map = page.evaluate(_CONV1_MAP)
    assert start_map != final_map

    page.keyboard.press("End")
    expect(timeline).to_have_attribute("data-epoch", "final", timeout=15000)
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", "7", timeout=15000)
    assert "epoch=" not in page.url
    assert "finished" in timeline.locator("[data-timeline-label]").text_content()
    assert not page.console.errors


def test_the_recipe_chosen_on_the_page_is_the_network_the_server_trains(page):
    form = page.locator("#train form")
    form.scroll_into_view_if_needed()
    page.fill("#train-conv1-filters", "4")
    page.select_option("#train-conv1-kernel", "3")
    page.fill("#train-conv2-filters", "8")
    page.select_option("#train-conv2-kernel", "3")
    page.fill("#train-dropout", "0.25")
    page.check("#train-batchnorm")
    page.fill("#train-batch", "16")
    page.fill("#train-epochs", "1")
    page.fill("#train-limit", "60")
    with page.expect_request(lambda r: r.url.endswith("/api/train") and r.method == "POST") as asked:
        page.locator("[data-train-start]").click()
    sent = asked.value.post_data_json
    assert {k: sent[k] for k in ("conv1_filters", "conv1_kernel", "conv2_filters", "conv2_kernel", "dropout",
                                 "batchnorm", "batch_size")} == {
        "conv1_filters": 4, "conv1_kernel": 3, "conv2_filters": 8, "conv2_kernel": 3, "dropout": 0.25,
        "batchnorm": True, "batch_size": 16}
    # When it is done the page shows the trained model: read its architecture from the server.
    expect(page.locator("#model-select")).to_have_value(re.compile(r"^t-[0-9a-f]{10}$"), timeout=60000)
    model_id = page.locator("#model-select").input_value()
    layers = page.request.get(f"{page.url.split('#')[0].rstrip('/')}/api/models/{model_id}").json()["layers"]
    by_name = {layer["name"]: layer for layer in layers}
    assert (by_name["conv1"]["channels"], by_name["conv1"]["kernel"]) == (4, 3)
    assert (by_name["conv2"]["channels"], by_name["conv2"]["kernel"]) == (8, 3)
    assert [layer["kind"] for layer in layers].count("batchnorm") == 2
    assert by_name["dropout"]["kind"] == "dropout"
