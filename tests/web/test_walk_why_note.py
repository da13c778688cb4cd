"""While the network above is edited in the Edit lab, the "why" area says that it looks at the
trained network (its routes apply no edits), and stops saying so once the network is reset."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect


def test_the_why_area_says_it_ignores_the_edit_lab_while_the_network_is_edited(page):
    note = page.get_by_test_id("why-edits-note")
    expect(note).to_be_hidden()
    page.locator("#tab-edit").click()
    page.locator('[data-role="ablate-layer"]').select_option("conv1")
    page.locator('[data-role="ablate-which"]').fill("0")
    page.locator('[data-role="ablate"]').click()
    expect(page.locator(".lab-edits li")).to_have_count(1)
    note.scroll_into_view_if_needed()
    expect(note).to_be_visible()
    expect(note).to_contain_text("not applied here")
    page.locator("#lab-edit button", has_text="Reset the network").click()
    expect(note).to_be_hidden()
    assert page.console.errors == []
