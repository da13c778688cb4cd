"""Opening your own model from the page: an ONNX colour model with batch norm uploaded through
the panel beside the picker, a colour photo answered as onnxruntime answers it, its R, G and B
input maps, a hover traced through batch norm to where app/nn/receptive.py says; refusals
said beside the control; a link to a removed upload said in words; removing an upload."""

from __future__ import annotations

import io
import json
import urllib.request
import uuid

import numpy as np
import onnx
import pytest
from PIL import Image

from app.centre_crop import to_photo
from app.nn.receptive import receptive_field
from app.onnx_io.importer import import_onnx
from onnx_io_graphs import colour_net, tiny_net

from .conftest import LAPTOP, MAX_MODEL_BYTES, Console
from .helpers import cells_drawn, draw_settled, maps_rgba, unit_point, whole_cells
from .test_layout import SMALL_CONTROLS

pytest.importorskip("playwright")
from playwright.sync_api import expect


@pytest.fixture(scope="module")
def own_server(server):
    """The session's server: it keeps two uploads at most, of MAX_MODEL_BYTES each."""
    return server


def _colour_onnx(tmp_path) -> tuple[bytes, object]:
    data = colour_net(seed=11).model().SerializeToString()
    path = tmp_path / "colour-net.onnx"
    path.write_bytes(data)
    return path, import_onnx(data)[0].architecture


def _colour_photo() -> bytes:
    """A 300x200 JPEG of coloured bands and a gradient: every channel differs from the others."""
    y, x = np.mgrid[0:200, 0:300]
    picture = np.stack([255 * (x < 100), 255 * y / 200, 128 + 120 * np.sin(x / 15)], -1)
    out = io.BytesIO()
    Image.fromarray(np.clip(picture, 0, 255).astype(np.uint8), "RGB").save(out, "JPEG", quality=92)
    return out.getvalue()


def _post_model(base, data: bytes, name: str) -> dict:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.onnx\"\r\n\r\n").encode() + data
    body += f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n{name}\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{base}/api/models", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=30) as r:
        assert r.status == 201
        return json.loads(r.read())


def _open(browser, base, path="/", viewport=LAPTOP, **kw):
    context = browser.new_context(viewport=viewport, **kw)
    page = context.new_page()
    page.console = Console(page)
    page.goto(f"{base}{path}")
    page.wait_for_selector("body[data-ready=true]", timeout=15000)
    return context, page


def _upload_through_panel(page, path, name=None):
    page.get_by_role("button", name="Open your own model").click()
    page.get_by_label("Model file (.onnx or .npz)").set_input_files(str(path))
    if name:
        page.get_by_label("Name in the list").fill(name)
    page.get_by_role("button", name="Open it").click()


def _drawn_on(page, layer):
    boxes = cells_drawn(page, f'section.layer[data-layer="{layer}"] .map .rf-box')
    return sorted((b["channel"], *whole_cells(b)) for b in boxes)


def test_a_colour_onnx_model_opened_from_the_page_reads_a_colour_photo(browser, own_server, tmp_path):
    path, architecture = _colour_onnx(tmp_path)
    context, page = _open(browser, own_server)
    try:
        _upload_through_panel(page, path, name="Colour net")
        message = page.get_by_test_id("own-model-message")
        expect(message).to_have_attribute("data-kind", "done", timeout=20000)
        expect(message).to_contain_text("32x32 colour input")
        model_id = page.locator("#model-select").input_value()
        assert model_id.startswith("u") and len(model_id) == 17
        expect(page.locator("#model-select option:checked")).to_have_text("Colour net")
        page.wait_for_selector(f'body[data-ready=true] section.layer[data-layer="{architecture.layers[0].name}"]')
        names = page.locator("section.layer[data-layer]").evaluate_all("els => els.map(e => e.dataset.layer)")
        assert names == ["input"] + [spec.name for spec in architecture.layers]
        assert page.locator('.map[data-layer="input"] .map-label').all_text_contents() == ["R", "G", "B"]
        expect(page.locator(".ink-palette")).to_be_visible()  # colour inks for a colour model
        page.keyboard.press("Escape")
        expect(page.locator("#own-model")).to_be_hidden()

        photo = _colour_photo()
        page.get_by_test_id("upload").set_input_files(files=[{"name": "bands.jpg", "mimeType": "image/jpeg", "buffer": photo}])
        prediction = page.get_by_test_id("prediction")
        expect(prediction).not_to_have_attribute("data-label", "", timeout=15000)
        # The answer onnxruntime gives the same file on the photo's preparation.
        ort = pytest.importorskip("onnxruntime")
        x = to_photo(Image.open(io.BytesIO(photo)), (3, 32, 32)).pixels[None]
        session = ort.InferenceSession(colour_net(seed=11).model().SerializeToString(), providers=["CPUExecutionProvider"])
        scores = session.run(None, {"x": x.astype(np.float32)})[0][0]
        expect(prediction).to_have_attribute("data-label", str(int(np.argmax(scores))))
        # The R, G and B maps hold the photo's three channels: the left third is pure red.
        reds = [m[16, 2, 0] for m in maps_rgba(page.locator('.map[data-layer="input"]'))]
        assert reds[0] > 200 and reds[1] < 200  # R bright where G is not

        # Hover units after batch norm: their boxes on the input where receptive.py puts them.
        bn = [spec.name for spec in architecture.layers if spec.kind == "batchnorm"]
        after = [architecture.layers[architecture.index(name) + 1].name for name in bn]
        for layer, (channel, y, x) in zip(after, [(3, 5, 9), (7, 2, 6)]):
            page.mouse.move(*unit_point(page, layer, channel, y, x))
            expect(page.locator(f'section.layer[data-layer="{layer}"]')).to_have_attribute("data-active-x", str(x))
            regions = receptive_field(architecture, layer, channel, y, x)
            for region in regions:
                expected = sorted((c, region.y0, region.x0, region.y1, region.x1) for c in range(region.c0, region.c1 + 1))
                assert _drawn_on(page, region.layer) == expected, (layer, region.layer)
            assert regions[-1].layer == "input" and regions[-1].c1 == 2  # all three colour maps
        assert page.console.errors == []
    finally:
        context.close()


def test_a_bad_file_gets_its_sentence_beside_the_control(browser, own_server, tmp_path):
    context, page = _open(browser, own_server)
    try:
        listed = page.locator("#model-select option").count()
        sent = []
        page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
        # Checked before sending: the wrong kind of file, then one over the server's limit.
        picture = tmp_path / "cat.png"
        picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
        _upload_through_panel(page, picture)
        message = page.get_by_test_id("own-model-message")
        expect(message).to_have_attribute("data-kind", "error")
        expect(message).to_contain_text("not a model file")
        big = tmp_path / "big.onnx"
        big.write_bytes(b"\0" * (MAX_MODEL_BYTES + 1))
        page.get_by_label("Model file (.onnx or .npz)").set_input_files(str(big))
        expect(message).to_contain_text("this server takes model files up to")
        page.get_by_role("button", name="Open it").click()
        expect(message).to_contain_text("this server takes model files up to")
        assert sent == []
        # Sent, and refused by the server: its sentence, beside the control, not in the top bar.
        junk = tmp_path / "junk.onnx"
        junk.write_bytes(b"these bytes are no model")
        page.get_by_label("Model file (.onnx or .npz)").set_input_files(str(junk))
        page.get_by_role("button", name="Open it").click()
        expect(message).to_contain_text("This file is neither an ONNX model nor a .npz weights file", timeout=15000)
        expect(message).to_have_attribute("data-kind", "error")
        assert len(sent) == 1
        expect(page.locator("#status")).to_have_text("")
        panel, toggle = page.locator("#own-model").bounding_box(), page.locator("#own-model-toggle").bounding_box()
        note = message.bounding_box()
        assert panel["y"] <= note["y"] and note["y"] + note["height"] <= panel["y"] + panel["height"]
        # The panel opens under the button that opened it.
        assert panel["x"] <= toggle["x"] + 1 < panel["x"] + panel["width"]
        assert panel["y"] >= toggle["y"] + toggle["height"]
        assert page.locator("#model-select option").count() == listed  # nothing was added
        assert page.evaluate(SMALL_CONTROLS) == []  # every control of the panel is at least 24x24
    finally:
        context.close()


def test_a_link_to_a_removed_upload_says_so_and_an_upload_can_be_removed(browser, own_server):
    # The server keeps two uploads here: a third pushes the first out.
    first, second, third = (_post_model(own_server, tiny_net(seed=s).model().SerializeToString(), f"Tiny {s}")
                            for s in (21, 22, 23))
    context, page = _open(browser, own_server, f"/#model={first['id']}")
    try:
        message = page.get_by_test_id("own-model-message")
        expect(message).to_contain_text("has been removed", timeout=10000)
        expect(message).to_contain_text("Upload it again")
        expect(page.locator("#own-model")).to_be_visible()
        expect(page.locator("#model-select")).to_have_value("mnist")
        # A link to one still kept, uploaded by another page, is found and listed.
        page.goto(f"{own_server}/#model={third['id']}")
        page.reload()
        page.wait_for_selector("body[data-ready=true]", timeout=15000)
        expect(page.locator("#model-select")).to_have_value(third["id"])
        expect(page.locator("#model-select option:checked")).to_have_text("Tiny 23")
        page.get_by_role("button", name="Open your own model").click()
        page.get_by_role("button", name="Remove the shown model from the server").click()
        expect(message).to_contain_text("Removed Tiny 23")
        expect(page.locator(f'#model-select option[value="{third["id"]}"]')).to_have_count(0)
        expect(page.locator("#model-select")).to_have_value("mnist")
        with pytest.raises(urllib.error.HTTPError) as gone:
            urllib.request.urlopen(f"{own_server}/api/models/{third['id']}", timeout=10)
        assert gone.value.code == 404
        assert second["id"] in page.locator("#model-select option").evaluate_all("os => os.map(o => o.value)")
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [LAPTOP, {"width": 390, "height": 844}], ids=["laptop", "phone"])
def test_axe_finds_nothing_with_the_panel_open_on_a_colour_model(browser, own_server, viewport):
    axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright")
    from .test_a11y import _violations

    colour = _post_model(own_server, colour_net(seed=11).model().SerializeToString(), "Colour net")
    # Axe is a script put into the page; the page's CSP forbids that, so only here it is bypassed.
    context, page = _open(browser, own_server, f"/#model={colour['id']}", viewport=viewport, bypass_csp=True)
    try:
        assert axe_sync  # imported for _violations
        expect(page.locator(".ink-palette")).to_be_visible()
        page.get_by_role("button", name="Green ink").click()
        draw_settled(page, [[(60, 60), (200, 220)]])  # with an answer, as the other axe checks run
        page.get_by_role("button", name="Open your own model").click()
        expect(page.get_by_label("Model file (.onnx or .npz)")).to_be_focused()
        assert _violations(page) == []
        assert page.evaluate(SMALL_CONTROLS) == []
        page.keyboard.press("Escape")
        expect(page.locator("#own-model")).to_be_hidden()
        expect(page.get_by_role("button", name="Open your own model")).to_be_focused()
    finally:
        context.close()


def _link_text(data: bytes) -> str:
    """A link's `in` value as docs/api.md describes it, written here on its own: base64url without
    padding of the bytes, each run of zeros written as a zero and the run's length (1..255)."""
    import base64

    packed, i = bytearray(), 0
    while i < len(data):
        if data[i]:
            packed.append(data[i])
            i += 1
            continue
        run = 0
        while i < len(data) and data[i] == 0 and run < 255:
            run, i = run + 1, i + 1
        packed += bytes([0, run])
    return base64.urlsafe_b64encode(bytes(packed)).decode().rstrip("=")


def test_a_link_carries_the_input_of_a_colour_32x32_model(browser, own_server):
    """A shared link's input is C x H x W bytes of the model it names, not only 28x28 ones: the
    page opened at such a link shows that input and onnxruntime's answer for it."""
    colour = _post_model(own_server, colour_net(seed=11).model().SerializeToString(), "Colour net")
    y, x = np.mgrid[0:32, 0:32]
    picture = np.stack([255 * (x < 11), 8 * y, 0 * x]).astype(np.uint8)  # red left third, green rising, no blue
    context, page = _open(browser, own_server, f"/#model={colour['id']}&in={_link_text(picture.tobytes())}")
    try:
        ort = pytest.importorskip("onnxruntime")
        session = ort.InferenceSession(colour_net(seed=11).model().SerializeToString(), providers=["CPUExecutionProvider"])
        scores = session.run(None, {"x": (picture[None] / 255).astype(np.float32)})[0][0]
        expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", str(int(np.argmax(scores))), timeout=15000)
        reds = [[m[2, 2, 0], m[2, -3, 0]] for m in maps_rgba(page.locator('.map[data-layer="input"]'))]
        assert reds[0][0] > 200 and reds[0][1] < 50  # R: bright on the left, dark on the right
        assert max(reds[2]) < 50  # B: dark everywhere sampled
        assert page.console.errors == []
    finally:
        context.close()
