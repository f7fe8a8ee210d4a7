"""The window's place on screen and its layout, kept between sessions.

Qt's own blobs (saveGeometry, QSplitter.saveState) hold the details; what is added here
is the safety: a first start fits the screen it opens on, and a saved place that is on no
screen now (a monitor unplugged) is ignored rather than opening the window out of reach.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow, QSplitter, QWidget

__all__ = [
    "PREFERRED_SIZE",
    "fit_to_screen",
    "make_room",
    "on_some_screen",
    "restore_window",
    "save_window",
]

PREFERRED_SIZE = (1440, 900)
# A saved window must show at least this much of itself on a current screen.
_VISIBLE_ENOUGH = 120


def fit_to_screen(window: QWidget) -> None:
    """The preferred size, shrunk to the available area of the window's screen, centred."""
    area = window.screen().availableGeometry()
    # The frame (title bar, borders) is known only once shown; before, allow a typical one.
    frame = window.frameGeometry().size() - window.geometry().size()
    if window.isVisible():
        frame_w, frame_h = frame.width(), frame.height()
    else:
        frame_w, frame_h = 8, 32
    width = min(PREFERRED_SIZE[0], area.width() - frame_w)
    height = min(PREFERRED_SIZE[1], area.height() - frame_h)
    window.resize(max(width, window.minimumWidth()), max(height, window.minimumHeight()))
    # move() places the frame: centred in the available area, never above or left of it.
    x = area.left() + max(0, (area.width() - window.width() - frame_w) // 2)
    y = area.top() + max(0, (area.height() - window.height() - frame_h) // 2)
    window.move(x, y)


def on_some_screen(rect: QRect) -> bool:
    """True when enough of ``rect`` lies on one of the current screens to grab it."""
    for screen in QGuiApplication.screens():
        overlap = rect.intersected(screen.availableGeometry())
        if overlap.width() >= _VISIBLE_ENOUGH and overlap.height() >= _VISIBLE_ENOUGH // 2:
            return True
    return False


def restore_window(
    window: QMainWindow, splitter: QSplitter, panels: list[QWidget], settings: QSettings
) -> bool:
    """Put the window back as it was. False when nothing usable was saved (it fits the
    screen instead)."""
    restored = False
    geometry = settings.value("geometry")
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        before = window.geometry()
        if window.restoreGeometry(geometry) and on_some_screen(window.geometry()):
            restored = True
        else:
            window.setGeometry(before)
    if not restored:
        fit_to_screen(window)
    layout = settings.value("splitter")
    if isinstance(layout, QByteArray) and not layout.isEmpty():
        splitter.restoreState(layout)
    hidden = settings.value("panels_hidden")
    if hidden is not None and str(hidden).lower() == "true":
        for panel in panels:
            panel.hide()
    return restored


def save_window(
    window: QMainWindow, splitter: QSplitter, panels: list[QWidget], settings: QSettings
) -> None:
    settings.setValue("geometry", window.saveGeometry())
    settings.setValue("splitter", splitter.saveState())
    settings.setValue("panels_hidden", all(panel.isHidden() for panel in panels))
    settings.sync()


def make_room(splitter: QSplitter, centre: int, needed: int) -> None:
    """Shrink the visible side columns of ``splitter`` (down to their minimum width) until
    the ``centre`` widget is ``needed`` px wide or they can give no more: a small screen
    keeps the poses large and the columns narrow, rather than the other way round."""
    sizes = splitter.sizes()
    short = needed - sizes[centre]
    if short <= 0:
        return
    for i in range(len(sizes)):
        widget = splitter.widget(i)
        if i == centre or widget is None or widget.isHidden():
            continue
        # A column without a fixed minimum has its layout's (what its content needs).
        least = max(widget.minimumWidth(), widget.minimumSizeHint().width())
        give = min(short, max(0, sizes[i] - least))
        sizes[i] -= give
        sizes[centre] += give
        short -= give
    splitter.setSizes(sizes)
