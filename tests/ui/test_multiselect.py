"""Several characters at once in the real window against the simulator: Shift+click,
Ctrl+click, Shift+arrows, Ctrl+A; one Save for all, one undo, one toast."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from reviewer.review.arrange import Attribute, AttributeFilter, attribute_value
from reviewer.review.decisions import DecisionKind
from reviewer.ui.dialogs import ConfirmGroup
from tests.simfixtures import KEY

from .conftest import App

Mod = Qt.KeyboardModifier


def rows_of(app: App, status: str = "reviewing") -> list[int]:
    queue = app.session.queue
    return [r for r in range(len(queue)) if queue.at(r).status == status]


def click_row(app: App, row: int, mod: Qt.KeyboardModifier = Mod.NoModifier) -> None:
    view = app.window.queue_view
    rect = view.visualRect(app.window.queue_model.index(row))
    app.qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, mod, rect.center())


def five_in_a_row(app: App) -> list[str]:
    """The first run of five reviewing rows, clicked then Shift+clicked."""
    queue = app.session.queue
    rows = rows_of(app)
    start = next(r for r in rows if all(r + i in rows for i in range(5)))
    click_row(app, start)
    click_row(app, start + 4, Mod.ShiftModifier)
    return [queue.at(r).id for r in range(start, start + 5)]


def key(app: App, k: Qt.Key, mod: Qt.KeyboardModifier = Mod.NoModifier) -> None:
    app.qtbot.keyClick(app.window.queue_view, k, mod)


def test_shift_click_five_then_save_lands_five_after_the_undo_window(app: App) -> None:
    cids = five_in_a_row(app)
    w = app.window
    assert app.session.selection.ids == cids
    app.details_shown()
    assert w.details.name.text() == "5 selected"
    assert "Save 5" in w.details.status.text()
    key(app, Qt.Key.Key_S)
    assert w.toast._text.text() == "Saved 5 characters"
    assert w.toast._undo.isVisible()
    assert [app.status(c) for c in cids] == ["reviewing"] * 5
    assert not app.session.selection.is_multi
    assert len(w.queue_view.selectionModel().selectedRows()) == 1
    app.details_shown()
    assert w.details.name.text() != "5 selected"
    app.pass_undo_window()
    assert [app.status(c) for c in cids] == ["ready"] * 5
    assert "5 decided this session" in w.status.counts_label.text()


def test_shift_down_selects_five_and_one_undo_takes_all_back(app: App) -> None:
    rows = rows_of(app)
    start = next(r for r in rows if all(r + i in rows for i in range(5)))
    click_row(app, start)
    for _ in range(4):
        key(app, Qt.Key.Key_Down, Mod.ShiftModifier)
    queue = app.session.queue
    cids = [queue.at(r).id for r in range(start, start + 5)]
    assert app.session.selection.ids == cids
    assert {i.row() for i in app.window.queue_view.selectionModel().selectedRows()} == set(
        range(start, start + 5)
    )
    key(app, Qt.Key.Key_X)
    assert all(queue.get(c).decided for c in cids)  # type: ignore[union-attr]
    key(app, Qt.Key.Key_Z, Mod.ControlModifier)
    assert app.window.toast._text.text() == "Undone: Discarded 5 characters"
    for c in cids:
        entry = queue.get(c)
        assert entry is not None
        assert not entry.decided
        assert app.session.why_not(DecisionKind.DISCARD, entry) is None
    assert app.session.selection.ids == cids  # selected again, in the list too
    assert len(app.window.queue_view.selectionModel().selectedRows()) == 5
    app.clock.advance(10)
    app.poll()
    assert [app.status(c) for c in cids] == ["reviewing"] * 5
    assert app.sim.applied(KEY) == []
    assert app.session.outbox.pending() == []


def test_the_toasts_undo_takes_the_group_back(app: App) -> None:
    cids = five_in_a_row(app)
    key(app, Qt.Key.Key_S)
    app.window.toast._undo.click()
    assert all(not app.session.queue.get(c).decided for c in cids)  # type: ignore[union-attr]
    app.pass_undo_window()
    assert [app.status(c) for c in cids] == ["reviewing"] * 5


def test_a_mixed_selection_saves_only_the_decidable(app: App) -> None:
    queue = app.session.queue
    synth = rows_of(app, "synthesizing")
    assert synth, "the simulator's seed has characters synthesizing"
    row = synth[0]
    near = [r for r in rows_of(app) if r != row][:3]
    click_row(app, row)
    for r in near:
        click_row(app, r, Mod.ControlModifier)
    cids = [queue.at(r).id for r in near]
    assert len(app.session.selection) == 4
    app.details_shown()
    assert "Save 3 · 1 cannot be decided (synthesizing)" in app.window.details.status.text()
    buttons = app.window.details.buttons
    assert buttons[DecisionKind.SAVE].cost.text() == "0 gen"
    assert buttons[DecisionKind.RESYNTHESIZE].cost.text() == "12 gen"
    assert "Resynthesize 3 (12 generations)" in buttons[DecisionKind.RESYNTHESIZE].toolTip()
    key(app, Qt.Key.Key_S)
    assert app.window.toast._text.text() == "Saved 3 characters · 1 left out (synthesizing)"
    app.pass_undo_window()
    assert [app.status(c) for c in cids] == ["ready"] * 3
    assert app.status(queue.at(row).id) == "synthesizing"


def test_a_plain_click_or_move_ends_the_selection(app: App) -> None:
    five_in_a_row(app)
    key(app, Qt.Key.Key_Right)
    assert not app.session.selection.is_multi
    five_in_a_row(app)
    click_row(app, 0)
    assert not app.session.selection.is_multi
    assert app.window.details.selection is None


def test_ctrl_a_selects_every_decidable_character_shown(app: App) -> None:
    key(app, Qt.Key.Key_A, Mod.ControlModifier)
    queue = app.session.queue
    decidable = [e.id for e in queue if e.status in ("reviewing", "failed")]
    assert app.session.selection.ids == decidable
    assert len(app.window.queue_view.selectionModel().selectedRows()) == len(decidable)


def test_paid_decisions_on_a_selection_ask_first_with_the_total(app: App) -> None:
    cids = five_in_a_row(app)
    key(app, Qt.Key.Key_R, Mod.ShiftModifier)
    dialog = app.window.confirm_dialog
    assert isinstance(dialog, ConfirmGroup)
    assert "20 generations (20 credits)" in dialog.body.text()
    assert dialog.windowTitle() == "Resynthesize all four poses of 5 characters?"
    assert app.session.outbox.pending() == []  # nothing until confirmed
    dialog.confirm.click()
    assert app.window.toast._text.text() == "Resynthesizing 5 characters (20 generations)"
    app.pass_undo_window()
    assert [app.status(c) for c in cids] == ["synthesizing"] * 5


def test_a_paid_selection_beyond_the_balance_is_refused_without_asking(app: App) -> None:
    held = int(app.sim.balance()["held_credits"])
    app.sim.set_credits(None, held + 4)
    app.run(app.session.refresh_balance())
    five_in_a_row(app)
    key(app, Qt.Key.Key_R, Mod.ShiftModifier)  # 20 generations, 4 credits
    assert app.window.confirm_dialog is None
    assert app.window.toast._text.text().startswith(
        "Out of credits: resynthesizing 5 characters was not done."
    )
    key(app, Qt.Key.Key_R)  # 5 regenerations: also too many
    assert app.window.confirm_dialog is None
    assert app.session.outbox.pending() == []


def test_survey_ctrl_and_shift_click_feed_the_same_selection(app: App) -> None:
    w = app.window
    w.viewing.toggle_survey()
    survey = w.survey
    app.qtbot.waitUntil(lambda: len(survey.rows) >= 3)
    rects = survey.cell_rects()
    rows = survey.rows

    def click(i: int, mod: Qt.KeyboardModifier = Mod.NoModifier) -> None:
        center = rects[i].center()
        at = QPoint(round(center.x()), round(center.y()))
        app.qtbot.mouseClick(survey, Qt.MouseButton.LeftButton, mod, at)

    queue = app.session.queue
    click(0)
    click(2, Mod.ShiftModifier)
    assert app.session.selection.ids == [queue.at(r).id for r in rows[:3]]
    click(1, Mod.ControlModifier)
    assert app.session.selection.ids == [queue.at(rows[0]).id, queue.at(rows[2]).id]
    # The queue list shows the same selection.
    selected = {i.row() for i in w.queue_view.selectionModel().selectedRows()}
    assert selected == {rows[0], rows[2]}
    click(1)
    assert not app.session.selection.is_multi
    QApplication.processEvents()


def test_shift_with_the_next_and_previous_arrows_extends_plain_down_resets(app: App) -> None:
    rows = rows_of(app)
    start = next(r for r in rows if r + 2 in rows and r + 1 in rows)
    click_row(app, start)
    key(app, Qt.Key.Key_Right, Mod.ShiftModifier)
    key(app, Qt.Key.Key_Right, Mod.ShiftModifier)
    assert len(app.session.selection) == 3
    key(app, Qt.Key.Key_Left, Mod.ShiftModifier)
    assert len(app.session.selection) == 2
    key(app, Qt.Key.Key_Down)  # the list's own plain move
    assert not app.session.selection.is_multi
    assert len(app.window.queue_view.selectionModel().selectedRows()) == 1


def test_shift_down_after_a_plain_down_selects_from_the_row_moved_to(app: App) -> None:
    rows = rows_of(app)
    start = next(r for r in rows if all(r + i in rows for i in range(4)))
    click_row(app, start)
    key(app, Qt.Key.Key_Down)  # the list's own move
    key(app, Qt.Key.Key_Down, Mod.ShiftModifier)
    queue = app.session.queue
    assert app.session.selection.ids == [queue.at(start + 1).id, queue.at(start + 2).id]
    assert app.window.details.name.text() == "2 selected"


def test_a_selection_narrowed_by_a_filter_decides_only_what_is_shown(app: App) -> None:
    queue = app.session.queue
    key(app, Qt.Key.Key_A, Mod.ControlModifier)
    everyone = app.session.selection.ids
    only = gender_filter(app)
    queue.set_attribute_filter(only)
    shown = {e.id for e in queue}
    picked = app.session.selection.ids
    assert 2 <= len(picked) < len(everyone)
    assert set(picked) == set(everyone) & shown
    key(app, Qt.Key.Key_X)
    assert {d.character_id for d in app.session.outbox.pending()} == set(picked)
    assert not any(queue.get(c).decided for c in everyone if c not in shown)  # type: ignore[union-attr]
    key(app, Qt.Key.Key_Z, Mod.ControlModifier)
    assert app.session.selection.ids == picked
    app.pass_undo_window()
    assert app.sim.applied(KEY) == []


def test_undo_takes_back_all_of_a_group_and_reselects_only_what_is_shown(app: App) -> None:
    queue = app.session.queue
    key(app, Qt.Key.Key_A, Mod.ControlModifier)
    everyone = app.session.selection.ids
    key(app, Qt.Key.Key_X)
    queue.set_attribute_filter(gender_filter(app))
    shown = {e.id for e in queue}
    key(app, Qt.Key.Key_Z, Mod.ControlModifier)
    assert app.session.outbox.pending() == []  # the hidden ones are undone too
    assert not any(queue.get(c).decided for c in everyone)  # type: ignore[union-attr]
    assert app.session.selection.ids == [c for c in everyone if c in shown]
    rows = {i.row() for i in app.window.queue_view.selectionModel().selectedRows()}
    assert rows == {queue.row_of(c) for c in everyone if c in shown}


def gender_filter(app: App) -> AttributeFilter:
    """The gender of the first decidable character, which leaves out some others."""
    queue = app.session.queue
    first = next(e for e in queue if e.status == "reviewing")
    gender = attribute_value(first.character, Attribute.GENDER)
    assert gender is not None
    return AttributeFilter().toggled(Attribute.GENDER, gender)
