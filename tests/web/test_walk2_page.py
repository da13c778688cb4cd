"""The page as a student sees it at a laptop, a tablet and a phone in large type, and with a
colour photo: each check measured on what the page drew (boxes from getBoundingClientRect,
pixels read back from the canvases) and held against the server's own answer."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
from PIL import Image, ImageDraw

from app.api.tensors import decode
from app.nn.architecture import COLOUR32, LENET5
from app.nn.network import Network
from app.why.exemplars import exemplar_layers

from .conftest import LAPTOP, open_ready
from .helpers import SEVEN, draw_settled, unit_point

pytest.importorskip("playwright")
from playwright.sync_api import expect

TABLET = {"viewport": {"width": 820, "height": 1180}, "has_touch": True, "is_mobile": True}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}

# The confusion grid against the content box of its card: the grid's own box, how far it scrolls,
# and the right edge of the cells it drew.
CONFUSION_FIT = """grid => {
  const card = grid.closest('.why-card'), s = getComputedStyle(card), c = card.getBoundingClientRect();
  const contentRight = c.right - parseFloat(s.borderRightWidth) - parseFloat(s.paddingRight);
  const cells = [...grid.querySelectorAll('.why-cell')].map((e) => e.getBoundingClientRect().right);
  return {contentRight, gridRight: grid.getBoundingClientRect().right, cellsRight: Math.max(...cells),
          scrollWidth: grid.scrollWidth, clientWidth: grid.clientWidth, cells: cells.length};
}"""

# Each step of "What the network sees": its box, its picture's box, its caption's box and font size.
STEPS = """section => {
  const box = (r) => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width});
  const card = section.getBoundingClientRect();
  return {card: box(card), steps: [...section.querySelectorAll('li[data-step]')].map((li) => {
    const [img, name, caption] = li.children;
    return {step: li.dataset.step, li: box(li.getBoundingClientRect()), img: box(img.getBoundingClientRect()),
            caption: box(caption.getBoundingClientRect()), words: caption.textContent,
            font: parseFloat(getComputedStyle(caption).fontSize)};
  })};
}"""

READ_CANVAS = """canvas => {
  const {width, height} = canvas;
  return {width, height, data: Array.from(canvas.getContext('2d').getImageData(0, 0, width, height).data)};
}"""


def _pixels(page, selector):
    read = page.locator(selector).evaluate(READ_CANVAS)
    return np.array(read["data"], np.int32).reshape(read["height"], read["width"], 4)[..., :3]


def _overlap(a, b):
    return min(a["right"], b["right"]) - max(a["left"], b["left"]) > 0.5 and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 0.5


def test_laptop_confusion_matrix_fits_its_card_and_the_change_says_its_colours(browser, server):
    """At 1366x768 the digits' matrix (four-digit counts on its diagonal) is drawn whole inside its
    card, with nothing to scroll; the adversary's change says what its colours mean, and the
    pixel the server made most brighter is drawn in the colour said to mean brighter."""
    context = browser.new_context(viewport=LAPTOP)
    try:
        page = open_ready(context, f"{server}/")
        grid = page.get_by_test_id("confusion")
        grid.locator(".why-cell").first.wait_for(timeout=20000)
        fit = grid.evaluate(CONFUSION_FIT)
        assert fit["cells"] == 100
        assert fit["scrollWidth"] <= fit["clientWidth"], f"the matrix scrolls by {fit['scrollWidth'] - fit['clientWidth']} px"
        assert fit["cellsRight"] <= fit["contentRight"] + 0.5, fit
        assert fit["gridRight"] <= fit["contentRight"] + 0.5, fit
        # Counts in words: a cell that counts one picture says "1 picture", and the gallery too.
        summary = page.locator("#why-mistakes > .why-note").first.inner_text()
        assert "of 10,000 test pictures right" in summary, summary
        t, p = grid.evaluate("g => { const c = [...g.querySelectorAll('.why-cell')].find((e) => e.textContent === '1');"
                             " return [c.dataset.true, c.dataset.predicted]; }")
        one = grid.locator(f'.why-cell[data-true="{t}"][data-predicted="{p}"]')
        assert one.get_attribute("aria-label") == f"1 picture of {t} answered {p}"
        one.click()
        expect(page.locator("#why-mistakes .why-gallery .why-note")).to_have_text(f"1 picture of {t} answered {p}.")

        page.get_by_role("button", name="a 7").first.click()
        page.locator("#prediction[data-label='7']").wait_for(timeout=15000)
        with page.expect_response(lambda r: r.url.endswith("/api/adversary") and r.status == 200, timeout=20000) as answer:
            page.locator("#why-adversary").scroll_into_view_if_needed()
        change = decode(answer.value.json()["perturbation"]).sum(axis=0)  # (H, W): what the card draws
        caption = page.locator("#why-adversary figcaption").nth(1).inner_text()
        assert "orange brighter" in caption and "blue darker" in caption, caption
        page.wait_for_function("() => document.querySelectorAll('#why-adversary canvas')[1].width > 0")
        drawn = _pixels(page, "#why-adversary canvas >> nth=1")
        assert drawn.shape[:2] == change.shape
        brighter = np.unravel_index(change.argmax(), change.shape)
        darker = np.unravel_index(change.argmin(), change.shape)
        assert change[brighter] > 0 > change[darker]
        r, _, b = drawn[brighter]
        assert r > b + 60, f"the most brightened pixel is drawn {drawn[brighter]}, not orange"
        r, _, b = drawn[darker]
        assert b > r + 60, f"the most darkened pixel is drawn {drawn[darker]}, not blue"
        assert page.console.errors == []
    finally:
        context.close()


def test_tablet_preparation_captions_have_room_beside_their_pictures(browser, server):
    """In a tablet's 250px side column each step of "What the network sees" gets a line of words
    at least ten letters wide (it was a word or two: 43 px), in type no smaller than 11px, its
    picture beside or above it and overlapping no other step, all inside the card."""
    context = browser.new_context(**TABLET)
    try:
        page = open_ready(context, f"{server}/")
        draw_settled(page, SEVEN)
        section = page.locator("#preprocessing")
        section.wait_for(state="visible", timeout=10000)
        measured = section.evaluate(STEPS)
        card, steps = measured["card"], measured["steps"]
        assert [s["step"] for s in steps] == ["grayscale", "cropped", "fitted", "centred"]
        for s in steps:
            assert s["font"] >= 11, f"{s['step']}: its caption is set in {s['font']}px type"
            assert s["caption"]["width"] >= 10 * s["font"], f"{s['step']}: a caption line is {s['caption']['width']:.0f} px wide"
            assert s["img"]["width"] >= 48, f"{s['step']}: its picture is {s['img']['width']:.0f} px wide"
            assert not _overlap(s["img"], s["caption"]), f"{s['step']}: its caption lies over its picture"
            for part in (s["li"], s["img"], s["caption"]):
                assert card["left"] - 0.5 <= part["left"] and part["right"] <= card["right"] + 0.5, f"{s['step']} leaves the card"
        for a, b in itertools.pairwise(steps):
            assert not _overlap(a["li"], b["li"]), f"{a['step']} and {b['step']} overlap"
        assert page.console.errors == []
    finally:
        context.close()


def test_phone_in_large_type_keeps_the_why_cards_on_the_screen(browser, server):
    """Large type on a phone: every card of "Why did it say that?" lies within the screen's width
    and the page does not scroll sideways (a card's 20rem minimum was 440px on a 390px phone)."""
    context = browser.new_context(**PHONE)
    try:
        page = open_ready(context, f"{server}/#large=1")
        page.locator("html.large").wait_for(state="attached")
        cards = page.locator(".why-card").evaluate_all("cs => cs.map((c) => [c.id, c.getBoundingClientRect().left, c.getBoundingClientRect().right])")
        width = page.evaluate("document.documentElement.clientWidth")
        assert len(cards) == 4
        for name, left, right in cards:
            assert 0 <= left and right <= width + 0.5, f"{name} spans {left:.0f}..{right:.0f} on a {width}px screen"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.console.errors == []
    finally:
        context.close()


def _colour_photo(tmp_path):
    """A saturated photo: a red disc on green-to-blue stripes, nothing grey in it."""
    yy, xx = np.mgrid[0:96, 0:128]
    picture = np.stack([np.full_like(xx, 20), 255 * (xx % 32 < 16), 255 * (yy % 24 < 12)], -1).astype(np.uint8)
    image = Image.fromarray(picture, "RGB")
    ImageDraw.Draw(image).ellipse([34, 18, 94, 78], fill=(230, 20, 20))
    path = tmp_path / "saturated.png"
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_saliency_over_a_colour_photo_keeps_the_photo_grey(laptop_context, extra_server, tmp_path):
    """Over a colour photo the saliency map is blended over the photo's grey, so its orange and
    blue are the map's alone: where the server's map is near zero the drawn pixel is grey, though
    the photo there is pure red, green or blue."""
    page = open_ready(laptop_context, f"{extra_server}/")
    try:
        page.get_by_test_id("upload").set_input_files(str(_colour_photo(tmp_path)))
        page.locator("#prediction:not([data-label=''])").wait_for(timeout=15000)
        with page.expect_response(lambda r: r.url.endswith("/api/saliency") and r.status == 200, timeout=20000) as answer:
            page.locator("#why-saliency").scroll_into_view_if_needed()
        body = answer.value.json()
        saliency, photo = decode(body["map"]), decode(body["input"])
        assert photo.shape[0] == 3
        page.wait_for_function("() => document.querySelector('[data-testid=saliency-map]').dataset.method")
        drawn = _pixels(page, "[data-testid=saliency-map]")
        assert drawn.shape[:2] == saliency.shape
        quiet = np.abs(saliency) < 0.02 * np.abs(saliency).max()
        colourful = (photo.max(axis=0).astype(int) - photo.min(axis=0)) > 150
        where = quiet & colourful
        assert where.sum() >= 10, "the test needs quiet pixels of a saturated photo"
        spread = drawn[where].max(axis=1) - drawn[where].min(axis=1)
        assert spread.max() <= 12, f"the photo's colour shows through the map: channels {spread.max()} apart"
        assert page.console.errors == []
    finally:
        page.close()


def test_train_is_pressed_once_per_job(page):
    """While a job is being started and followed, Train cannot start another (a second press, or
    Enter in a field of the form): that would leave the first job running in the server's one
    queue with nobody following it or able to stop it. Once the job ends, Train is back."""
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and r.url.endswith("/api/train") else None)
    panel = page.locator("#train")
    panel.locator("#train-limit").fill("300")
    panel.locator("#train-epochs").fill("1")
    start = panel.locator("[data-train-start]")
    start.click()
    start.click(force=True)  # a second press, as a student's double click
    panel.locator("#train-name").press("Enter")
    page.wait_for_function("() => ['queued', 'running', 'finishing', 'done'].includes(document.querySelector('#train').dataset.state)")
    assert len(posts) == 1, f"{len(posts)} jobs were asked for"
    if panel.get_attribute("data-state") != "done":
        assert start.is_disabled()
        panel.locator("[data-train-stop]").click()
    page.wait_for_function("() => ['stopped', 'done'].includes(document.querySelector('#train').dataset.state)", timeout=60000)
    assert start.is_enabled()
    assert page.console.errors == []


def test_what_a_unit_looks_for_speaks_of_what_it_shows_after_a_change_of_model(laptop_context, extra_server):
    """The exemplars card after a unit is picked, then another model, then the first model again:
    each time its sentence is about what it shows now, never the last model's unit over no
    pictures, nor "no test set" on the digits model, which has one."""
    page = open_ready(laptop_context, f"{extra_server}/#model=mnist")
    try:
        card = page.locator("#why-exemplars")
        note, figures = card.locator(".why-note"), card.locator("figure")
        page.get_by_role("button", name="a 7").first.click()
        page.locator("#prediction[data-label='7']").wait_for(timeout=15000)
        page.mouse.click(*unit_point(page, "conv1", 2, 13, 14))
        expect(figures).to_have_count(9, timeout=15000)
        expect(note).to_contain_text("excite conv1 map 2 most")
        assert "largest value" in note.inner_text()
        page.keyboard.press("Escape")
        for model, says in (("colour", "Select a unit"), ("mnist", "Select a unit")):
            page.locator("#model-select").select_option(model)
            page.locator('section.layer[data-layer="bn1"]').wait_for(state="attached" if model == "colour" else "detached")
            page.wait_for_selector("body[data-ready=true]")
            expect(note).to_contain_text(says)
            assert figures.count() == 0
            if model == "colour":  # a unit of a model without a test set: said so
                page.mouse.click(*unit_point(page, "conv1", 2, 13, 14))
                expect(note).to_contain_text("no test set")
                page.keyboard.press("Escape")
        # A layer the server gathers no exemplars for (flatten, the softmax) is not asked about.
        asked = []
        page.on("response", lambda r: asked.append((r.url, r.status)) if "/exemplars" in r.url else None)
        page.locator('[id="body-softmax"]').focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        expect(note).to_contain_text("softmax gathers no test pictures of its own")
        page.keyboard.press("Escape")
        assert asked == [], asked
        # The page's rule for which layers have exemplars, against the server's list of them.
        for model, architecture in (("mnist", LENET5), ("colour", COLOUR32)):
            said = page.evaluate("""async (id) => {
                const { hasExemplars } = await import('/static/js/why/paint.js');
                const model = await (await fetch(`/api/models/${id}`)).json();
                return model.layers.filter((l) => hasExemplars(model, l.name)).map((l) => l.name);
            }""", model)
            assert said == [layer.name for layer in exemplar_layers(Network.initialise(architecture, seed=0))], model
        assert page.console.errors == []
    finally:
        page.close()


def test_clear_takes_the_cleared_picture_out_of_the_why_cards(page):
    """After Clear the pad and the answer are empty; so are the saliency map and the adversary's
    three pictures (no pixel painted), its legend and its answer about the picture that was."""
    page.get_by_role("button", name="a 7").first.click()
    page.locator("#prediction[data-label='7']").wait_for(timeout=15000)
    page.locator("#why").scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('[data-testid=saliency-map]').dataset.method"
                           " && document.querySelector('[data-testid=adversary-answer]').dataset.label")
    canvases = "[data-testid=saliency-map], #why-adversary canvas"
    painted = f"""() => [...document.querySelectorAll('{canvases}')].map((c) =>
        c.getContext('2d').getImageData(0, 0, c.width, c.height).data.filter((v, i) => i % 4 === 3 && v > 0).length)"""
    assert all(n > 0 for n in page.evaluate(painted)), "the why cards drew the 7"
    page.locator("#clear").click()
    page.locator("#prediction[data-label='']").wait_for()
    page.wait_for_function(f"() => ({painted})().every((n) => n === 0)", timeout=5000)
    assert page.locator("#why-saliency .why-legend").inner_text() == ""
    answer = page.get_by_test_id("adversary-answer")
    assert "it said" not in answer.inner_text() and answer.get_attribute("data-label") is None
    assert page.locator("#why-adversary .why-probs li").count() == 0
    assert page.console.errors == []
