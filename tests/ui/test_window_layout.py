"""The window on any screen: fitted on first start, restored safely, side columns away
with Tab, full screen with F11, Ctrl+Q quits the way closing does."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow

from reviewer.ui.window_state import fit_to_screen, on_some_screen, restore_window, save_window

from .conftest import App


def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)


def available() -> QRect:
    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    return screen.availableGeometry()


def key(app: App, k: Qt.Key, mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    app.qtbot.keyClick(app.window.queue_view, k, mod)


def test_first_start_fits_the_available_screen(app: App, tmp_path: Path) -> None:
    w = app.window
    w.setMinimumSize(100, 100)  # the offscreen screen is smaller than the window's minimum
    assert not restore_window(w, w.splitter, w.side_panels, settings(tmp_path))
    assert available().contains(w.geometry())


def test_size_place_splitter_and_panels_come_back(app: App, tmp_path: Path) -> None:
    w = app.window
    store = settings(tmp_path)
    w.setGeometry(QRect(0, 30, 860, 620))
    w.splitter.setSizes([205, 420, 231])
    sizes = w.splitter.sizes()
    w.toggle_panels()
    save_window(w, w.splitter, w.side_panels, store)
    w.toggle_panels()
    w.setGeometry(QRect(0, 0, 870, 570))
    w.splitter.setSizes([300, 270, 300])

    assert restore_window(w, w.splitter, w.side_panels, settings(tmp_path))
    assert w.geometry().size() == QRect(0, 30, 860, 620).size()
    assert all(panel.isHidden() for panel in w.side_panels)
    w.toggle_panels()
    assert w.splitter.sizes() == sizes


def test_a_place_on_no_current_screen_is_ignored(app: App, tmp_path: Path) -> None:
    far = QRect(available().right() + 4000, available().bottom() + 4000, 900, 600)
    assert not on_some_screen(far)
    assert on_some_screen(QRect(available().topLeft(), far.size()))
    # Qt pulls a far-off saved geometry back itself; whatever it restores must be grabbable.
    elsewhere = QMainWindow()
    elsewhere.setGeometry(far)
    store = settings(tmp_path)
    store.setValue("geometry", elsewhere.saveGeometry())
    w = app.window
    restore_window(w, w.splitter, w.side_panels, store)
    assert on_some_screen(w.geometry())


def test_fit_keeps_the_minimum_size(app: App) -> None:
    w = app.window
    fit_to_screen(w)
    assert w.width() >= w.minimumWidth()
    assert w.height() >= w.minimumHeight()


def test_usable_at_1024_by_640_with_poses_at_least_260_wide(app: App) -> None:
    w = app.window
    w.resize(1024, 640)
    app.qtbot.waitUntil(lambda: w.width() == 1024)
    tiles = list(w.grid.tiles.values())
    app.qtbot.waitUntil(lambda: all(t.width() >= 260 for t in tiles))
    assert all(t.width() >= 260 and t.height() >= 200 for t in tiles)
    w.toggle_panels()
    app.qtbot.waitUntil(lambda: all(t.width() >= 450 for t in tiles))


def test_tab_hides_both_side_columns_and_brings_them_back(app: App) -> None:
    w = app.window
    key(app, Qt.Key.Key_Tab)
    assert w.queue_panel.isHidden()
    assert w.details.isHidden()
    app.qtbot.keyClick(w, Qt.Key.Key_Tab)
    assert w.queue_panel.isVisible()
    assert w.details.isVisible()
    assert w.queue_view.hasFocus()  # single-key review goes on


def test_f11_full_screen_and_back(app: App) -> None:
    w = app.window
    key(app, Qt.Key.Key_F11)
    app.qtbot.waitUntil(w.isFullScreen)
    key(app, Qt.Key.Key_F11)
    app.qtbot.waitUntil(lambda: not w.isFullScreen())


def test_ctrl_q_quits_through_the_same_flush_as_closing(app: App) -> None:
    cid = str(app.h.of_status("reviewing")[0]["id"])
    app.session.queue.select(cid)
    key(app, Qt.Key.Key_S)
    asked: list[bool] = []
    app.window.close_requested.connect(lambda: asked.append(True))
    key(app, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert asked == [True]
    assert app.window.isVisible()  # the app sends what waits, then closes for real
    app.run(app.session.aclose())
    assert app.status(cid) == "ready"
