"""The Decided panel against the simulator: every decision with where it stands, live;
a decided character opens read-only from the API."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from reviewer.ui.history import COLUMNS, HistoryPanel
from reviewer.ui.overlays import ShortcutSheet
from tests.ui.conftest import App


def decide(app: App, *kinds: str) -> list[str]:
    """Decide one character in review with each kind in turn; returns their ids."""
    ids = [str(c["id"]) for c in app.h.of_status("reviewing")[: len(kinds)]]
    for cid, kind in zip(ids, kinds, strict=True):
        assert app.session.queue.select(cid)
        decision = getattr(app.session, kind)()
        assert decision is not None
    return ids


def panel(app: App) -> HistoryPanel:
    history = app.window.history
    app.qtbot.keyClick(app.window.queue_view, Qt.Key.Key_H)  # the window's shortcut
    app.qtbot.waitUntil(history.isVisible)

    # The offscreen platform hands activation back to the window the key release went
    # to; a window manager leaves it with the panel, which show_panel activates.
    def active() -> bool:
        if QApplication.activeWindow() is not history:
            history.activateWindow()
            return False
        return True

    app.qtbot.waitUntil(active)
    return history


def cell(history: HistoryPanel, row: int, column: str) -> str:
    index = history.model.index(row, COLUMNS.index(column))
    return str(history.model.data(index))


def select(history: HistoryPanel, character_id: str) -> None:
    row = next(i for i, r in enumerate(history.model.rows) if r.character_id == character_id)
    history.table.selectRow(row)


def test_h_opens_the_three_decisions_newest_first_then_esc_closes(app: App) -> None:
    saved, discarded, saved_too = decide(app, "save", "discard", "save")
    app.pass_undo_window()
    history = panel(app)
    assert history.model.rowCount() == 3
    assert [r.character_id for r in history.model.rows] == [saved_too, discarded, saved]
    assert [cell(history, i, "Decision") for i in range(3)] == ["save", "discard", "save"]
    tip = history.model.data(history.model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert "Request id req_" in str(tip)
    assert [cell(history, i, "State") for i in range(3)] == ["sent"] * 3
    for i in range(3):
        assert cell(history, i, "Request id").startswith("req_")
    assert "3 decisions" in history.intro.text()
    app.qtbot.keyClick(history.table, Qt.Key.Key_Escape)
    app.qtbot.waitUntil(lambda: not history.isVisible())


def test_a_saved_character_opens_read_only_from_the_api(app: App) -> None:
    [saved] = decide(app, "save")
    app.pass_undo_window()
    assert saved not in app.session.queue  # saved: it left the queue
    history = panel(app)
    select(history, saved)
    view = history.view
    app.qtbot.waitUntil(lambda: view.character is not None and view.character.id == saved)
    shown = view.character
    assert shown is not None
    assert shown.status == "ready"
    first, request = view.banner.text().splitlines()
    assert first.startswith("Saved on ")
    assert first.endswith("— read-only")
    assert request == f"Request id {history.model.rows[0].request_id}"
    assert not view.buttons_enabled()
    app.qtbot.waitUntil(lambda: len(view.shown_poses) == 4)
    app.qtbot.waitUntil(lambda: not view.details.pending)
    assert view.details.name.text() == shown.name


def test_a_discarded_character_is_said_to_be_gone(app: App) -> None:
    [discarded] = decide(app, "discard")
    app.pass_undo_window()
    history = panel(app)
    select(history, discarded)
    app.qtbot.waitUntil(lambda: "no longer on the server" in history.view.banner.text())
    assert "discarded" in history.view.banner.text()
    assert history.view.character is None
    # The panel restates itself a turn late: that must not bring back "Nothing to review".
    app.qtbot.waitUntil(lambda: not history.view.details.pending)
    assert history.view.details.name.text() == history.model.rows[0].character_name
    assert not history.view.buttons_enabled()


def test_rows_follow_the_decisions_live(app: App) -> None:
    history = panel(app)
    assert history.model.rowCount() == 0
    assert "No decisions yet" in history.intro.text()
    [first] = decide(app, "save")
    app.qtbot.waitUntil(lambda: history.model.rowCount() == 1)
    assert cell(history, 0, "State") == "waiting"
    app.pass_undo_window()
    app.qtbot.waitUntil(lambda: cell(history, 0, "State") == "sent")
    decide(app, "discard")
    app.qtbot.waitUntil(lambda: history.model.rowCount() == 2)
    app.session.undo()
    app.qtbot.waitUntil(lambda: cell(history, 0, "State") == "undone")
    assert history.model.rows[1].character_id == first


def test_a_character_still_in_the_queue_is_selected_there(app: App) -> None:
    [undone] = decide(app, "save")
    app.session.undo()
    app.session.next()
    assert app.current_id() != undone
    history = panel(app)
    select(history, undone)
    app.qtbot.waitUntil(lambda: app.current_id() == undone)
    assert "still in the queue" in history.view.banner.text()
    assert "undone" in history.view.banner.text()


def test_the_shortcut_sheet_lists_the_decided_panel(app: App) -> None:
    sheet = app.window.findChild(ShortcutSheet)
    assert sheet is not None
    assert app.window.keymap.describe("history") == "H"
    labels = [a.label for _, actions in app.window.keymap.sections() for a in actions]
    assert any(label.startswith("Decided") for label in labels)


def test_the_panel_fits_a_small_screen(app: App) -> None:
    # The offscreen screen is 800×600, smaller than the panel's preferred 1240×660 (a
    # 1024×640 screen cut it off on the right).
    decide(app, "save")
    history = panel(app)
    area = history.screen().availableGeometry()
    assert area.width() < 1240
    assert area.contains(history.geometry())
    assert history.width() >= history.minimumSizeHint().width()
