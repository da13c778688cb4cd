"""Which input an answer is for: every shown prediction names its true source (drawing or
photo), failed uploads keep the previous answer, a pad rubbed blank shows no stale answer,
and the requests sent while drawing leave out the preprocessing pictures."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from .helpers import ONE, draw, pad_point, photo_of_a_seven

pytest.importorskip("playwright")
from playwright.sync_api import expect


def _predicted(page, label: str):
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-label", label, timeout=10000)


def _upload(page, tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    page.get_by_test_id("upload").set_input_files(str(path))


def _drawn_one(page):
    draw(page, ONE)
    _predicted(page, "1")
    expect(page.locator("#guesses")).to_contain_text("(from your drawing)")


def test_undo_after_a_photo_shows_the_drawing_as_a_drawing(page, tmp_path):
    draw(page, ONE)
    draw(page, [[(75, 60), (205, 60)]])  # a second stroke, so undo leaves ink on the pad
    _upload(page, tmp_path, "seven.jpg", photo_of_a_seven())
    _predicted(page, "7")
    expect(page.locator("#guesses")).to_contain_text("(from your photo)")
    expect(page.locator("#pad-hint")).to_contain_text("Showing your photo")
    page.locator("#undo").click()
    _predicted(page, "1")
    expect(page.locator("#guesses")).to_contain_text("(from your drawing)")
    expect(page.locator("#pad-hint")).to_be_hidden()


def test_a_failed_upload_keeps_the_drawing_and_its_source(page, tmp_path):
    _drawn_one(page)
    _upload(page, tmp_path, "notes.png", b"these are not pixels")
    status = page.locator("#upload-message")
    expect(status).to_have_attribute("data-kind", "error", timeout=10000)
    _predicted(page, "1")
    expect(page.locator("#guesses")).to_contain_text("(from your drawing)")
    expect(page.locator("#pad-hint")).to_be_hidden()

    blank = io.BytesIO()
    Image.new("L", (64, 64), 255).save(blank, "PNG")
    page.evaluate("document.getElementById('upload-message').dataset.kind = 'idle'")
    _upload(page, tmp_path, "blank.png", blank.getvalue())
    expect(status).to_have_attribute("data-kind", "error", timeout=10000)
    expect(status).to_contain_text("ink")
    _predicted(page, "1")
    expect(page.locator("#guesses")).to_contain_text("(from your drawing)")


def test_rubbing_out_the_whole_drawing_clears_the_answer(page):
    _drawn_one(page)
    refused = []
    page.on("response", lambda r: refused.append(r.url) if r.status >= 400 else None)
    page.locator("#tool-eraser").click()
    page.locator("#brush-size").fill("44")
    draw(page, [[(x, 20), (x, 260)] for x in (120, 139, 158)])
    _predicted(page, "")
    page.wait_for_timeout(300)  # time for a wrongly sent blank pad to come back refused: a wait for what must not happen
    assert refused == [], "a blank pad was sent and refused"  # each also an error in the console
    assert page.console.errors == []
    expect(page.get_by_test_id("prediction")).to_have_text("?")
    expect(page.locator("#guesses")).not_to_contain_text("sure it is")
    expect(page.locator("#pad-hint")).to_be_visible()
    expect(page.locator("#status")).not_to_have_attribute("data-kind", "error")


class _Predictions:
    """The JSON bodies of the /api/predict requests a page sent, and how many of them have
    settled: answered, or aborted by the page for a newer one."""

    def __init__(self, page):
        self.page, self.sent, self.settled = page, [], 0
        page.on("request", lambda r: self.sent.append(json.loads(r.post_data)) if self._ours(r) else None)
        page.on("requestfinished", lambda r: self._settle() if self._ours(r) else None)
        page.on("requestfailed", lambda r: self._settle() if self._ours(r) else None)

    @staticmethod
    def _ours(request) -> bool:
        return request.url.endswith("/api/predict") and request.method == "POST"

    def _settle(self):
        self.settled += 1

    def wait_until_answered(self, more_than: int = 0):
        """Until more than `more_than` requests went out and every one sent has settled."""
        for _ in range(500):
            if len(self.sent) > more_than and self.settled >= len(self.sent):
                return
            self.page.wait_for_timeout(20)  # lets Playwright deliver the page's events
        raise AssertionError(f"{len(self.sent)} sent, {self.settled} settled")


def test_requests_mid_stroke_leave_out_the_steps_and_the_stroke_end_asks_for_them(page):
    predictions = _Predictions(page)
    sent = predictions.sent
    (x0, y0), (x1, y1) = ONE[0]
    page.mouse.move(*pad_point(page, x0, y0))
    page.mouse.down()
    for i in range(1, 25):
        t = i / 24
        page.mouse.move(*pad_point(page, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
        page.wait_for_timeout(15)  # the pace of a hand: answers come back while the stroke is drawn
    predictions.wait_until_answered()  # every request of the stroke so far has gone out and come back
    mid_stroke = list(sent)
    assert mid_stroke, "the page sent nothing while the stroke was drawn"
    assert [body["steps"] for body in mid_stroke] == [False] * len(mid_stroke)
    page.mouse.up()
    _predicted(page, "1")
    expect(page.locator("#preprocessing li[data-step]")).to_have_count(4)
    assert sent[-1]["steps"] is True and len(sent) > len(mid_stroke)
    # The next stroke keeps the pictures of the last one on screen while it is drawn.
    n = len(sent)
    page.mouse.move(*pad_point(page, 100, 60))
    page.mouse.down()
    page.mouse.move(*pad_point(page, 180, 60), steps=8)
    predictions.wait_until_answered(more_than=n)
    assert len(sent) > n and all(body["steps"] is False for body in sent[n:])
    expect(page.locator("#preprocessing li[data-step]")).to_have_count(4)
    expect(page.locator("#preprocessing")).to_be_visible()
    page.mouse.up()
