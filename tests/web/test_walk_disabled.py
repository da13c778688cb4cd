"""A control that cannot be used now looks so: the Train panel's Stop, disabled while nothing
trains, is drawn fainter than Train beside it (measured on the pixels drawn, not on styles)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("playwright")


def _darkest(locator) -> float:
    """The darkest grey level (0..255) drawn inside an element: the ink of its words."""
    grey = np.asarray(Image.open(io.BytesIO(locator.screenshot())).convert("L"), dtype=float)
    return float(grey.min())


def test_a_disabled_button_is_drawn_fainter_than_an_enabled_one(page):
    train, stop = page.locator("[data-train-start]"), page.locator("[data-train-stop]")
    train.scroll_into_view_if_needed()
    assert train.is_enabled() and stop.is_disabled()
    assert _darkest(stop) > _darkest(train) + 60, "Stop is drawn as dark as Train: it looks ready to press"
