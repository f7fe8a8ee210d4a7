"""Issue 9's polish list: what the window shows at start, at small sizes, when empty."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.simfixtures import make_sim

from .conftest import App, Runner, running_app


def test_first_selection_is_in_review_and_highlighted_without_a_key(app: App) -> None:
    w = app.window
    queue = app.session.queue
    assert queue.at(0).status == "synthesizing"  # the simulator's newest is still being made
    first_reviewing = next(r for r in range(len(queue)) if queue.at(r).status == "reviewing")
    assert queue.current_row == first_reviewing
    selection = w.queue_view.selectionModel()
    assert selection.currentIndex().row() == first_reviewing
    assert [i.row() for i in selection.selectedIndexes()] == [first_reviewing]


def test_a_first_row_in_review_is_highlighted_at_start(
    qtbot: QtBot, qapp: QApplication, run: Runner, tmp_path: Path
) -> None:
    h = make_sim()
    h.clock.advance(120)  # every synthesis has finished
    with running_app(qtbot, qapp, run, tmp_path, h=h) as app:
        queue = app.session.queue
        assert queue.at(0).status == "reviewing"
        assert queue.current_row == 0
        selection = app.window.queue_view.selectionModel()
        assert [i.row() for i in selection.selectedIndexes()] == [0]


def test_a_letter_that_is_no_shortcut_does_not_move_the_selection(app: App) -> None:
    queue = app.session.queue
    start = queue.current_row
    assert start is not None
    # Type-ahead would jump to the next row whose name starts with the letter typed.
    taken = {k.upper() for keys in app.window.keymap.keys.values() for k in keys}
    later = next(
        name[0]
        for name in (queue.at(r).name for r in range(start + 1, len(queue)))
        if name[0].upper() not in taken
    )
    app.qtbot.keyClicks(app.window.queue_view, later.lower())
    app.window.queue_view.keyboardSearch(later)
    assert queue.current_row == start
