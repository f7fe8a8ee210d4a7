"""Texts made below the window name the keys in force, after the reviewer rebinds them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from reviewer.review.decisions import DecisionKind
from reviewer.review.queue import Entry
from reviewer.ui.keymap import Keymap, build_keymap
from reviewer.ui.queue_view import ENTRY_ROLE
from tests.review.factories import character

from .conftest import App


@pytest.fixture
def keymap() -> Keymap:
    return build_keymap({"keys": {"undo": ["Ctrl+U"], "resynthesize": ["Shift+Y"]}})


def test_a_decided_row_and_a_refusal_name_the_rebound_keys(app: App) -> None:
    w = app.window
    cid = app.current_id()
    app.session.save()
    row = app.session.queue.row_of(cid)
    assert row is not None
    index = w.queue_model.index(row)
    assert index.data(ENTRY_ROLE).decided
    tip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert "Ctrl+U takes it back" in tip
    assert "Ctrl+Z" not in tip
    entry = app.session.queue.get(cid)
    refusal = app.session.why_not(DecisionKind.SAVE, entry)
    assert refusal is not None
    assert "Ctrl+U takes back" in refusal
    assert "Ctrl+Z" not in refusal


def test_no_pose_to_regenerate_names_the_rebound_resynthesize_key(app: App) -> None:
    # A first synthesis that failed: no pose at all.
    entry = Entry(replace(character(1, "failed"), refs=()))
    refusal = app.session.why_not(DecisionKind.REGENERATE, entry)
    assert refusal is not None
    assert "(Shift+Y)" in refusal


def test_the_compare_button_names_the_compare_key_in_force() -> None:
    from reviewer.ui.pose_grid import PoseGrid
    from reviewer.ui.theme import Theme, ThemeChoice, load_theme

    theme: Theme = load_theme(ThemeChoice.DARK)
    grid = PoseGrid(theme, keymap=build_keymap({"keys": {"compare": ["B"]}}))
    button = grid.tiles["front"].compare_button
    assert button.text().endswith("B")
    assert "(B)" in button.toolTip()
    grid.deleteLater()
