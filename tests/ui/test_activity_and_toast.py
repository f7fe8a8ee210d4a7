"""The Activity log (wraps, filters, copies, goes to the character) and the toast (placed
clear of the poses, Details one click away, a click on an error goes to its character,
every toast leaves)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QGuiApplication

from reviewer.review.notices import Notice, NoticeLevel
from reviewer.ui.activity import LEVEL_FILTERS

from .conftest import App


def reviewing(app: App, index: int) -> str:
    return str(app.h.of_status("reviewing")[index]["id"])


def error_for(cid: str) -> Notice:
    return Notice(
        NoticeLevel.ERROR,
        "Could not finish saving “Aurora”: the server had a problem. Try again.",
        request_id="req_42",
        character_id=cid,
        details="ServerError: upstream exploded (HTTP 503)\nRequest id: req_42",
    )


def test_the_log_filters_by_level_and_copies_with_details(app: App) -> None:
    log = app.window.activity
    app.session.notice.emit(Notice(NoticeLevel.INFO, "Saved “Nova”"))
    app.session.notice.emit(error_for(reviewing(app, 0)))
    log.level.setCurrentText("Errors only")
    assert log.level.currentText() in LEVEL_FILTERS
    rows = log.shown_rows()
    assert len(rows) == 1
    assert "the server had a problem" in rows[0]
    log.list.clearSelection()
    log.copy()  # nothing selected: everything shown
    copied = QGuiApplication.clipboard().text()
    assert "the server had a problem" in copied
    assert "    ServerError: upstream exploded (HTTP 503)" in copied
    assert "Saved “Nova”" not in copied
    log.level.setCurrentText("Everything")
    assert any("Saved “Nova”" in r for r in log.shown_rows())
    assert log.list.wordWrap()


def test_activating_a_row_goes_to_its_character(app: App) -> None:
    cid = reviewing(app, 3)
    app.session.queue.select(reviewing(app, 0))
    app.session.notice.emit(error_for(cid))
    log = app.window.activity
    log.show_log()
    item = log.list.item(0)
    log.list.setCurrentItem(item)
    assert "req_42" in log.details.toPlainText()
    log.list.itemActivated.emit(item)
    assert app.current_id() == cid
    log.hide()


def test_error_toast_details_and_click_go_where_they_say(app: App) -> None:
    cid = reviewing(app, 2)
    app.session.queue.select(reviewing(app, 0))
    notice = error_for(cid)
    app.session.notice.emit(notice)
    toast = app.window.toast
    assert toast._details.isVisible()
    toast._details.click()
    log = app.window.activity
    assert log.isVisible()
    assert log.list.currentItem() is not None
    assert "req_42" in log.details.toPlainText()
    log.hide()
    app.qtbot.mouseClick(toast, Qt.MouseButton.LeftButton, pos=QPoint(8, 8))
    assert app.current_id() == cid


def test_every_toast_leaves_and_esc_closes_it(app: App) -> None:
    toast = app.window.toast
    app.session.notice.emit(error_for(reviewing(app, 0)))
    assert toast.isVisible()
    assert 0 < toast.lingers_ms <= 30_000
    app.qtbot.keyClick(app.window.queue_view, Qt.Key.Key_Escape)
    assert not toast.isVisible()


def test_toasts_cover_no_pose(app: App) -> None:
    w = app.window
    root = w.centralWidget()
    assert root is not None
    for size in ((1024, 640), (1440, 900)):
        w.resize(*size)
        app.qtbot.waitUntil(lambda s=size: w.width() == s[0])  # type: ignore[misc]
        app.session.queue.select(reviewing(app, 0))
        app.session.save()  # a decision toast, with its undo countdown
        toast = QRect(w.toast.mapTo(root, QPoint(0, 0)), w.toast.size())
        for tile in w.grid.tiles.values():
            place = QRect(tile.mapTo(root, QPoint(0, 0)), tile.size())
            assert not place.intersects(toast), (size, tile.pose)
        for button in w.details.buttons.values():
            place = QRect(button.mapTo(root, QPoint(0, 0)), button.size())
            assert not place.intersects(toast), (size, button.kind)
        app.session.undo()
