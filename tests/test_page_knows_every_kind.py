"""Adding a layer kind touches the page's picture of it: every kind the server registers has a
title in static/js/captions.js (a kind without one makes the page show an error)."""

from __future__ import annotations

import re
from pathlib import Path

from app.nn.layers import KINDS

CAPTIONS = Path(__file__).resolve().parents[1] / "static" / "js" / "captions.js"


def test_every_registered_kind_has_a_title_on_the_page():
    source = CAPTIONS.read_text()
    table = source[source.index("const TITLES = {") : source.index("};", source.index("const TITLES = {"))]
    titled = set(re.findall(r"^\s+(\w+):", table, re.MULTILINE))
    assert set(KINDS) <= titled, f"kinds without a title on the page: {sorted(set(KINDS) - titled)}"
