"""The real window, driven with keys against the simulator; the server's state is
checked afterwards."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from reviewer.api import SYNTHESIZED_POSES
from reviewer.review.decisions import DecisionKind
from tests.simfixtures import KEY

from .conftest import App


def key(app: App, k: Qt.Key, mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    app.qtbot.keyClick(app.window.queue_view, k, mod)


def select_reviewing(app: App, index: int = 0) -> str:
    cid = str(app.h.of_status("reviewing")[index]["id"])
    app.session.queue.select(cid)
    return cid


def test_window_shows_queue_grid_and_details(app: App) -> None:
    w = app.window
    assert w.windowTitle().startswith("Aurous Reviewer")
    assert w.queue_model.rowCount() == len(app.session.queue) > 0
    cid = select_reviewing(app)
    app.qtbot.waitUntil(
        lambda: all(t.state.pixmap is not None for t in w.grid.tiles.values()), timeout=10_000
    )
    assert [t.pose for t in w.grid.tiles.values()] == list(SYNTHESIZED_POSES)
    # Sharp: the simulator's full 96 px here, never a queue thumbnail scaled up.
    entry = app.session.queue.get(cid)
    assert entry is not None
    app.qtbot.waitUntil(lambda: w.thumbnails.get(entry) is not None)
    widths = {t.state.pixmap.width() for t in w.grid.tiles.values() if t.state.pixmap}
    assert widths == {96}
    assert w.details.name.text() == app.session.queue.get(cid).name  # type: ignore[union-attr]
    assert "to review" in w.status.counts_label.text()
    app.qtbot.waitUntil(lambda: "credits" in w.status.balance_label.text())
    tips = {k: b.toolTip() for k, b in w.details.buttons.items()}
    assert "S or Enter" in tips[DecisionKind.SAVE]
    assert "0 generations" in tips[DecisionKind.SAVE]
    assert "1 generation" in tips[DecisionKind.REGENERATE]
    assert "4 generations" in tips[DecisionKind.RESYNTHESIZE]


def test_s_saves_and_advances_after_the_undo_window(app: App) -> None:
    cid = select_reviewing(app)
    key(app, Qt.Key.Key_S)
    assert app.current_id() != cid
    assert app.status(cid) == "reviewing"
    assert "Undo" in app.window.toast._undo.text()
    assert app.window.toast._undo.isVisible()
    app.pass_undo_window()
    assert app.status(cid) == "ready"
    assert "1 decided this session" in app.window.status.counts_label.text()


def test_enter_saves_too(app: App) -> None:
    cid = select_reviewing(app)
    key(app, Qt.Key.Key_Return)
    app.pass_undo_window()
    assert app.status(cid) == "ready"


def test_x_and_delete_discard(app: App) -> None:
    first = select_reviewing(app, 0)
    key(app, Qt.Key.Key_X)
    second = select_reviewing(app, 1)
    key(app, Qt.Key.Key_Delete)
    app.pass_undo_window()
    assert app.sim.character(first) is None
    assert app.sim.character(second) is None


def test_ctrl_z_restores_and_nothing_is_sent(app: App) -> None:
    cid = select_reviewing(app)
    key(app, Qt.Key.Key_X)
    assert app.current_id() != cid
    key(app, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert app.current_id() == cid
    assert app.session.outbox.pending() == []  # no task is left that could send it
    app.clock.advance(30)
    assert app.status(cid) == "reviewing"
    assert not [r for r in app.sim.requests if r.method == "DELETE"]


def test_number_keys_select_and_r_regenerates_that_pose(app: App) -> None:
    cid = select_reviewing(app)
    key(app, Qt.Key.Key_3)
    assert app.session.selected_pose == "side"
    assert app.window.grid.tiles["side"].selected
    key(app, Qt.Key.Key_R)
    assert app.window.grid.tiles["side"].state.regenerating
    assert not app.window.grid.tiles["front"].state.regenerating
    app.pass_undo_window()
    assert app.status(cid) == "synthesizing"
    sent = [r for r in app.sim.requests if r.route == "regenerate"]
    assert len(sent) == 1
    assert sent[0].idempotency_key


def test_shift_r_asks_first_esc_cancels_enter_confirms(app: App) -> None:
    cid = select_reviewing(app)
    key(app, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)
    dialog = app.window.confirm_dialog
    assert dialog is not None
    app.qtbot.waitUntil(dialog.isVisible)
    assert "4 generations" in dialog.confirm.text()
    app.qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    app.qtbot.waitUntil(lambda: app.window.confirm_dialog is None)
    app.pass_undo_window()
    assert app.status(cid) == "reviewing"

    key(app, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)
    dialog = app.window.confirm_dialog
    assert dialog is not None
    app.qtbot.waitUntil(dialog.isVisible)
    app.qtbot.keyClick(dialog, Qt.Key.Key_Return)
    app.qtbot.waitUntil(lambda: app.window.confirm_dialog is None)
    app.pass_undo_window()
    assert app.status(cid) == "synthesizing"
    assert [r.route for r in app.sim.requests if r.route == "resynthesize"] == ["resynthesize"]


def test_arrows_and_jk_navigate(app: App) -> None:
    app.session.queue.select_row(0)
    ids = [e.id for e in app.session.queue]
    key(app, Qt.Key.Key_Right)
    assert app.current_id() == ids[1]
    key(app, Qt.Key.Key_J)
    assert app.current_id() == ids[2]
    key(app, Qt.Key.Key_K)
    assert app.current_id() == ids[1]
    key(app, Qt.Key.Key_Left)
    assert app.current_id() == ids[0]
    assert app.window.queue_view.currentIndex().row() == 0


def test_out_of_credits_is_said_plainly(app: App) -> None:
    cid = select_reviewing(app)
    app.sim.set_credits(KEY, 0)
    key(app, Qt.Key.Key_R)
    app.pass_undo_window()
    toast = app.window.toast
    assert toast.isVisible()
    assert "Out of credits" in toast._text.text()
    assert "req_" in toast._text.text()
    assert app.status(cid) == "reviewing"
    assert app.session.queue.get(cid) is not None


def test_character_deleted_behind_the_reviewers_back(app: App) -> None:
    victim = str(app.h.of_status("reviewing")[-1]["id"])
    app.run(_delete_elsewhere(app, victim))
    key(app, Qt.Key.Key_F5)
    app.qtbot.waitUntil(lambda: app.session.queue.get(victim) is None)
    app.qtbot.waitUntil(lambda: "deleted elsewhere" in app.window.toast._text.text())


async def _delete_elsewhere(app: App, cid: str) -> None:
    async with app.h.client() as colleague:
        await colleague.delete_character(cid)


def test_enter_in_search_never_saves(app: App) -> None:
    before = len(app.session.queue)
    key(app, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert app.window.search.hasFocus()
    app.qtbot.keyClicks(app.window.search, "s")
    app.qtbot.keyClick(app.window.search, Qt.Key.Key_Return)
    assert not app.session.outbox.pending()
    assert app.window.queue_view.hasFocus()
    assert len(app.session.queue) <= before
    assert all("s" in e.name.lower() for e in app.session.queue)


def test_space_opens_the_loupe_z_zooms_esc_closes(app: App) -> None:
    select_reviewing(app)
    key(app, Qt.Key.Key_2)
    key(app, Qt.Key.Key_Space)
    loupe = app.window.loupe
    assert loupe.isVisible()
    app.qtbot.waitUntil(lambda: loupe.full_resolution, timeout=10_000)
    assert loupe.pixmap is not None
    assert loupe.pixmap.width() == 96  # the simulator's full size in these tests
    assert "Front" in loupe.title
    key(app, Qt.Key.Key_Z)
    assert loupe.zoom_label == "100 %"
    key(app, Qt.Key.Key_Escape)
    assert not loupe.isVisible()


def test_help_sheet(app: App) -> None:
    key(app, Qt.Key.Key_F1)
    assert app.window.sheet.isVisible()
    app.qtbot.keyClick(app.window.sheet, Qt.Key.Key_Escape)
    assert not app.window.sheet.isVisible()


def test_decision_keys_do_not_repeat_when_held(app: App) -> None:
    decision_keys = {"S", "Return", "Enter", "X", "Del", "R", "Shift+R"}
    seen = {s.key().toString(): s.autoRepeat() for s in app.window.shortcuts}
    assert decision_keys <= set(seen)
    assert not any(seen[k] for k in decision_keys)
    assert seen["Right"]


def test_synthesizing_character_disables_decisions(app: App) -> None:
    cid = str(app.h.of_status("synthesizing")[0]["id"])
    app.session.queue.select(cid)
    app.details_shown()
    buttons = app.window.details.buttons
    assert not any(b.isEnabled() for b in buttons.values())
    assert "synthesizing" in buttons[DecisionKind.SAVE].toolTip()
    key(app, Qt.Key.Key_S)
    assert not app.session.outbox.pending()


def test_closing_the_window_sends_pending_decisions(app: App, qapp: QApplication) -> None:
    cid = select_reviewing(app)
    key(app, Qt.Key.Key_S)
    closed: list[bool] = []
    app.window.close_requested.connect(lambda: closed.append(True))
    app.window.close()
    assert closed == [True]
    assert app.window.isVisible()  # waits for the app to finish sending
    app.run(app.session.aclose())
    assert app.status(cid) == "ready"


def test_counts_filter_and_search(app: App, qtbot: QtBot) -> None:
    w = app.window
    w.filter_buttons[next(s for s in w.filter_buttons if s.value == "failed")].click()
    assert all(e.status == "failed" for e in app.session.queue)
    w.filter_buttons[next(s for s in w.filter_buttons if s.value == "all")].click()
    name = next(iter(app.session.queue)).name
    w.search.setText(name[:5])
    assert all(name[:5].lower() in e.name.lower() for e in app.session.queue)


def _shown_box(app: App) -> QMessageBox:
    boxes: list[QMessageBox] = []

    def shown() -> bool:
        boxes[:] = [w for w in app.window.findChildren(QMessageBox) if w.isVisible()]
        return bool(boxes)

    app.qtbot.waitUntil(shown)
    return boxes[0]


@pytest.mark.parametrize("quit_now", [True, False])
def test_unsent_decisions_are_named_on_close_and_kept(app: App, quit_now: bool) -> None:
    from reviewer.app import _quit_anyway
    from reviewer.review.decisions import Decision

    decision = Decision(DecisionKind.SAVE, "char_1", "Aurora", made_at=0, due_at=0)
    task = app.run.loop.create_task(_quit_anyway(app.window, [decision], kept=True))
    box = _shown_box(app)
    assert "1 decision did not reach the server yet" in box.text()
    assert "will be sent the next time" in box.text()
    assert "Saved “Aurora”" in box.informativeText()
    label = "Quit now" if quit_now else "Keep sending"
    next(b for b in box.buttons() if b.text() == label).click()
    app.qtbot.waitUntil(task.done)
    assert task.result() is quit_now


def test_keyboard_starts_on_the_queue_not_the_search_box(app: App) -> None:
    assert app.window.queue_view.hasFocus()
    assert app.window.search.focusPolicy() == Qt.FocusPolicy.ClickFocus


def test_a_decided_row_says_where_its_decision_stands(app: App) -> None:
    from reviewer.ui.queue_view import ENTRY_ROLE

    cid = select_reviewing(app)
    key(app, Qt.Key.Key_S)
    row = app.session.queue.row_of(cid)
    assert row is not None  # still listed, set back, until the server answers
    index = app.window.queue_model.index(row)
    assert index.data(ENTRY_ROLE).decided
    assert "saved · about to be sent; Ctrl+Z takes it back" in index.data(
        Qt.ItemDataRole.ToolTipRole
    )
    app.pass_undo_window()
    assert app.session.queue.row_of(cid) is None


def test_a_refused_key_offers_sign_in_right_there_and_decisions_wait(app: App) -> None:
    from tests.simfixtures import KEY

    app.sim.revoke_key(KEY)
    cid = select_reviewing(app)
    key(app, Qt.Key.Key_S)
    app.clock.advance(4.1)
    w = app.window
    app.qtbot.waitUntil(lambda: w.status.sign_in_button.isVisible())
    assert "1 decision will be sent once you sign in" in w.status.delivery_label.text()
    assert app.status(cid) == "reviewing"
    assert app.session.outbox.pending() != []  # held, not failed
    with app.qtbot.waitSignal(w.sign_in_requested):
        w.status.sign_in_button.click()
    new_key = "al_live_" + "77" * 32
    app.sim.add_key(None, new_key)
    app.session.replace_key(new_key)
    app.qtbot.waitUntil(lambda: app.status(cid) == "ready")
    app.qtbot.waitUntil(lambda: not w.status.sign_in_button.isVisible())
