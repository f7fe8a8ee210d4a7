"""The loupe over the grid: one pose, before/after (compare) or all four (4-up), zoomable.

The panes are one linked ZoomViewer: Fit, 100 % (one image pixel per device pixel),
200 %, wheel and pinch about the pointer, a click zooms there, panning stays on the image.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QRectF, QTimer, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import QWidget

from reviewer.review.zoom import ZoomLevel

from .cover import Cover
from .keymap import Keymap, default_keymap
from .painting import draw_header, draw_progress
from .theme import Theme
from .viewer import Pane, ZoomViewer

__all__ = ["Loupe", "LoupeMode", "Pane"]

HEADER = 56
MARGIN = 24


class LoupeMode(StrEnum):
    SINGLE = "single"
    COMPARE = "compare"  # before and after a regenerate, side by side
    FOUR = "four"  # all four poses, zoomed on the same spot


_HINTS: dict[LoupeMode, list[tuple[str | tuple[str, ...], str]]] = {
    LoupeMode.SINGLE: [
        ("zoom", "zoom"),
        ("zoom_4up", "4-up"),
        ("compare", "compare"),
        ("loupe", "close"),
    ],
    LoupeMode.COMPARE: [("zoom", "zoom"), ("compare", "leave compare"), ("escape", "close")],
    LoupeMode.FOUR: [("zoom", "zoom"), ("zoom_4up", "one pose"), ("escape", "close")],
}


class Loupe(Cover):
    closed = Signal()

    def __init__(self, theme: Theme, parent: QWidget, keymap: Keymap | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.keymap = keymap or default_keymap()
        self.mode = LoupeMode.SINGLE
        self.title = ""
        self.progress: float | None = None
        self.viewer = ZoomViewer(theme, self)
        self.viewer.zoom_changed.connect(lambda _label: self.update())
        self._phase = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(40)
        self._timer.timeout.connect(self._tick)

    # -- state ------------------------------------------------------------------------------

    @property
    def panes(self) -> list[Pane]:
        return self.viewer.panes

    @property
    def full_resolution(self) -> bool:
        return bool(self.panes) and all(p.sharp or p.error for p in self.panes)

    @property
    def pixmap(self) -> QPixmap | None:
        """The main image: the pose, or the after of a compare."""
        return self.panes[-1].pixmap if self.panes and self.mode is not LoupeMode.FOUR else None

    @property
    def zoom_label(self) -> str:
        return self.viewer.zoom_label

    @property
    def zoomed(self) -> bool:
        return self.viewer.state.zoomed

    # -- opening and closing ----------------------------------------------------------------

    def open(self, mode: LoupeMode = LoupeMode.SINGLE) -> None:
        if mode is not self.mode or not self.isVisible():
            self.viewer.state.fit()
        self.mode = mode
        self.cover()
        self._layout()
        self.viewer.setFocus()
        self._timer.start()
        self.update()

    def close_loupe(self) -> None:
        if self.isVisible():
            self.hide()
            self._timer.stop()
            self.closed.emit()

    def toggle_zoom(self) -> None:
        self.viewer.cycle()

    def set_zoom(self, level: ZoomLevel) -> None:
        self.viewer.set_level(level)

    def set_panes(self, title: str, panes: list[Pane]) -> None:
        # The zoom stays as it is from one character to the next: the same spot, compared.
        self.title = title
        if all(p.sharp for p in panes):
            self.progress = None
        self.viewer.set_panes(panes)
        self.update()

    def set_progress(self, fraction: float | None) -> None:
        self.progress = fraction
        self.update()

    def _tick(self) -> None:
        if not self.full_resolution:
            self._phase = (self._phase + 0.025) % 1.0
            self.update()

    # -- Qt ---------------------------------------------------------------------------------

    def _heading(self) -> str:
        text = f"{self.title}   ·   {self.zoom_label}"
        if self.panes and not self.full_resolution:
            text += "   ·   loading full resolution"
        return text

    def _layout(self) -> None:
        self.viewer.setGeometry(
            MARGIN, HEADER, self.width() - 2 * MARGIN, self.height() - HEADER - MARGIN
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._layout()

    def paintEvent(self, event: QPaintEvent) -> None:
        t = self.theme
        painter = QPainter(self)
        painter.fillRect(self.rect(), t.color("window"))
        line = QRectF(MARGIN, 14, self.width() - 2 * MARGIN, 28)
        draw_header(
            painter,
            line,
            self._heading(),
            self.keymap.hint_line(_HINTS[self.mode]),
            title_color=t.color("text"),
            hint_color=t.color("text_faint"),
        )
        if not self.full_resolution and self.panes:
            # Low resolution on screen: say so quietly while the sharp one loads.
            bar = QRectF(line.left(), HEADER - 8, 180, 3)
            draw_progress(
                painter,
                bar,
                self.progress,
                self._phase,
                track=t.color("border"),
                bar=t.color("accent"),
            )
        painter.end()
