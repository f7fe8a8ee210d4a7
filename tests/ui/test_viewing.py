"""The loupe, compare, 4-up and survey in the real window, against the simulator."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from reviewer.review.queue import Entry
from reviewer.ui.loupe import LoupeMode

from .conftest import App
from .test_window import key, select_reviewing


def on_loupe(
    app: App, k: Qt.Key, mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    app.qtbot.keyClick(app.window.loupe.viewer, k, mod)


def grid_loaded(app: App) -> None:
    app.qtbot.waitUntil(
        lambda: all(t.state.pixmap is not None for t in app.window.grid.tiles.values()),
        timeout=10_000,
    )


def test_loupe_zoom_keys_and_the_indicator(app: App) -> None:
    select_reviewing(app)
    key(app, Qt.Key.Key_Space)
    loupe = app.window.loupe
    app.qtbot.waitUntil(lambda: loupe.full_resolution, timeout=10_000)
    loupe.viewer.ratio_override = 2.0
    assert loupe.zoom_label == "Fit"
    on_loupe(app, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert loupe.zoom_label == "100 %"
    # 96 image px on a 2x screen: 48 logical px at 100 %, 96 at 200 %.
    assert loupe.viewer.target_rect().width() == pytest.approx(48)
    on_loupe(app, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert loupe.zoom_label == "200 %"
    assert loupe.viewer.target_rect().width() == pytest.approx(96)
    on_loupe(app, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert loupe.zoom_label == "Fit"


def test_arrows_pan_when_zoomed_and_change_character_at_fit(app: App) -> None:
    cid = select_reviewing(app)
    key(app, Qt.Key.Key_Space)
    loupe = app.window.loupe
    app.qtbot.waitUntil(lambda: loupe.full_resolution, timeout=10_000)
    loupe.viewer.ratio_override = 0.1  # 200 % is then 1920 logical px: larger than the pane
    on_loupe(app, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    left, top = loupe.viewer.target_rect().left(), loupe.viewer.target_rect().top()
    on_loupe(app, Qt.Key.Key_Right)
    on_loupe(app, Qt.Key.Key_Down)
    assert app.current_id() == cid  # panned, not moved on
    assert loupe.viewer.target_rect().left() < left
    assert loupe.viewer.target_rect().top() < top
    for _ in range(40):  # far past the edge: the image still covers the pane
        on_loupe(app, Qt.Key.Key_Right)
    pane = loupe.viewer.pane_rects()[0]
    assert loupe.viewer.target_rect().right() == pytest.approx(pane.right())
    on_loupe(app, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    on_loupe(app, Qt.Key.Key_Right)
    assert app.current_id() != cid  # at Fit the arrows change character
    moved = app.current_id()
    on_loupe(app, Qt.Key.Key_Down)
    assert app.current_id() != moved


def test_low_resolution_first_and_the_next_character_prefetched(app: App) -> None:
    select_reviewing(app)
    grid_loaded(app)
    key(app, Qt.Key.Key_Space)
    loupe = app.window.loupe
    # At once: the grid's image, before (or as) the full resolution arrives.
    assert loupe.panes[0].pixmap is not None
    app.qtbot.waitUntil(lambda: loupe.full_resolution, timeout=10_000)
    following = app.session.queue.following(1)[0]
    pipeline = app.session.images
    assert pipeline is not None
    pose = app.session.selected_pose
    app.qtbot.waitUntil(
        lambda: pipeline.peek(following.character, pose, max_side=None) is not None,
        timeout=10_000,
    )
    on_loupe(app, Qt.Key.Key_Right)
    assert app.current_id() == following.id
    assert loupe.full_resolution  # sharp at once: it was prefetched
    key(app, Qt.Key.Key_Escape)
    assert not loupe.isVisible()


def test_4up_zooms_all_four_on_the_clicked_spot(app: App) -> None:
    select_reviewing(app)
    key(app, Qt.Key.Key_Z, Qt.KeyboardModifier.ShiftModifier)
    loupe = app.window.loupe
    assert loupe.isVisible()
    assert loupe.mode is LoupeMode.FOUR
    app.qtbot.waitUntil(lambda: loupe.full_resolution, timeout=10_000)
    assert [p.label.split()[-1] for p in loupe.panes] == ["Portrait", "Front", "Side", "Back"]
    viewer = loupe.viewer
    viewer.ratio_override = 0.1
    rects = viewer.pane_rects()
    click = rects[3].topLeft() + QPoint(30, 40).toPointF()
    app.qtbot.mouseClick(viewer, Qt.MouseButton.LeftButton, pos=click.toPoint())
    assert viewer.state.zoomed
    spots = {
        (
            round(viewer.target_rect(i).left() - rects[i].left(), 3),
            round(viewer.target_rect(i).top() - rects[i].top(), 3),
        )
        for i in range(4)
    }
    assert len(spots) == 1  # linked: the same spot in every pose
    key(app, Qt.Key.Key_Z, Qt.KeyboardModifier.ShiftModifier)
    assert loupe.mode.value == "single"  # by value: mypy narrowed ``mode`` above


def regenerated(app: App) -> Entry:
    cid = select_reviewing(app)
    key(app, Qt.Key.Key_3)
    key(app, Qt.Key.Key_R)
    app.pass_undo_window()
    app.sim.advance(31)
    app.poll()
    app.poll()
    entry = app.session.queue.get(cid)
    assert entry is not None
    app.qtbot.waitUntil(lambda: entry.comparing, timeout=10_000)
    return entry


def test_compare_after_a_regenerate(app: App, qtbot: QtBot) -> None:
    key(app, Qt.Key.Key_C)
    assert not app.window.loupe.isVisible()  # nothing regenerated yet: says so instead
    entry = regenerated(app)
    tile = app.window.grid.tiles["side"]
    qtbot.waitUntil(tile.compare_button.isVisible)
    qtbot.mouseClick(tile.compare_button, Qt.MouseButton.LeftButton)
    loupe = app.window.loupe
    assert loupe.isVisible()
    assert loupe.mode is LoupeMode.COMPARE
    assert [p.label for p in loupe.panes] == ["BEFORE", "AFTER"]
    qtbot.waitUntil(lambda: loupe.full_resolution, timeout=10_000)
    before, after = (p.pixmap for p in loupe.panes)
    assert before is not None
    assert after is not None
    assert before.toImage() != after.toImage()  # two versions, not one shown twice
    assert entry.before is not None
    # Each as large as a pose cell or larger.
    cell = tile.size()
    for rect in loupe.viewer.pane_rects():
        assert rect.width() >= cell.width() * 0.9
        assert rect.height() >= cell.height()
    loupe.viewer.ratio_override = 0.1
    on_loupe(app, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    on_loupe(app, Qt.Key.Key_Left)
    rects = loupe.viewer.pane_rects()
    offsets = {round(loupe.viewer.target_rect(i).left() - rects[i].left(), 3) for i in (0, 1)}
    assert len(offsets) == 1  # zoom and pan linked
    on_loupe(app, Qt.Key.Key_C)
    assert loupe.mode.value == "single"  # by value: mypy narrowed ``mode`` above


def test_survey_moves_the_selection_and_decides_the_selected(app: App) -> None:
    select_reviewing(app)
    key(app, Qt.Key.Key_N)
    survey = app.window.survey
    assert survey.isVisible()
    assert 2 <= survey.columns <= 8
    first = app.current_id()
    assert first in [e.id for e in survey.entries]
    key(app, Qt.Key.Key_Right)
    chosen = app.current_id()
    assert chosen != first
    assert chosen in [e.id for e in survey.entries] or survey.rows[0] > 0
    app.qtbot.waitUntil(lambda: survey._pixmaps != {}, timeout=10_000)
    # A click selects a cell too.
    rects = survey.cell_rects()
    target_row = survey.rows[0]
    app.qtbot.mouseClick(survey, Qt.MouseButton.LeftButton, pos=rects[0].center().toPoint())
    assert app.session.queue.current_row == target_row
    chosen = app.current_id()
    if app.status(chosen) != "reviewing":
        key(app, Qt.Key.Key_Right)
        chosen = app.current_id()
    assert app.status(chosen) == "reviewing"
    key(app, Qt.Key.Key_S)
    app.pass_undo_window()
    assert app.status(chosen) == "ready"
    assert app.current_id() != chosen
    key(app, Qt.Key.Key_Escape)
    assert not survey.isVisible()
