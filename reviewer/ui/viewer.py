"""A zoom and pan view of one or more images, all linked: the loupe, compare and 4-up.

Every pane shows its image at the same zoom and the same relative spot (one ZoomState),
so zooming or panning one moves them all. The maths is reviewer.review.zoom.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QKeyEvent,
    QMouseEvent,
    QNativeGestureEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from reviewer.review.zoom import Geometry, ZoomLevel, ZoomState

from .painting import draw_pill
from .theme import Theme

__all__ = ["Pane", "ZoomViewer"]

GAP = 12
_ARROWS = {
    Qt.Key.Key_Left: (1, 0),
    Qt.Key.Key_Right: (-1, 0),
    Qt.Key.Key_Up: (0, 1),
    Qt.Key.Key_Down: (0, -1),
}
_STRIP_PAD = 5  # above and below a pane's label in its strip
_CLICK_SLOP = 4  # a press that moves less than this is a click, not a drag


@dataclass
class Pane:
    label: str = ""
    pixmap: QPixmap | None = None
    # The full-resolution size in image pixels: a low-resolution pixmap is drawn at it
    # (scaled up) until the sharp one arrives.
    source: QSize | None = None
    sharp: bool = False
    error: str | None = None

    def image_size(self) -> tuple[float, float]:
        if self.source is not None and not self.source.isEmpty():
            return float(self.source.width()), float(self.source.height())
        if self.pixmap is not None and not self.pixmap.isNull():
            return float(self.pixmap.width()), float(self.pixmap.height())
        return 0.0, 0.0


class ZoomViewer(QWidget):
    zoom_changed = Signal(str)  # the indicator's text: "Fit", "100 %", "200 %", "150 %"
    step = Signal(int)  # Up/Down at Fit: the previous / next character

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.state = ZoomState()
        self.panes: list[Pane] = []
        self.ratio_override: float | None = None  # tests stand in for a HiDPI screen
        self._press: QPointF | None = None
        self._last: QPointF | None = None
        self._dragged = False
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)

    # -- geometry -------------------------------------------------------------------------

    def ratio(self) -> float:
        return self.ratio_override or self.devicePixelRatioF()

    def pane_rects(self) -> list[QRectF]:
        n = len(self.panes)
        area = QRectF(self.rect())
        if n <= 1:
            return [area]
        # Side by side, or 2×2 for four when the area is not very wide.
        cols = n if n < 4 or area.width() > 2.6 * area.height() else 2
        rows = (n + cols - 1) // cols
        w = (area.width() - GAP * (cols - 1)) / cols
        h = (area.height() - GAP * (rows - 1)) / rows
        return [
            QRectF(area.left() + (i % cols) * (w + GAP), area.top() + (i // cols) * (h + GAP), w, h)
            for i in range(n)
        ]

    def label_strip(self) -> float:
        """With several labelled panes, a strip under each image holds its label
        ("2  Front", "BEFORE"), so the label never covers the image (nor the sheet's
        footer line along its bottom edge)."""
        if len(self.panes) < 2 or not any(p.label for p in self.panes):
            return 0.0
        return float(self.fontMetrics().height() + 6 + 2 * _STRIP_PAD)

    def image_rects(self) -> list[QRectF]:
        """Where each pane's image may go: its cell less the label strip."""
        strip = self.label_strip()
        return [r.adjusted(0, 0, 0, -strip) for r in self.pane_rects()]

    def label_origin(self, index: int) -> QPointF:
        """The top left of pane ``index``'s label: in the strip under its image; a
        single pane's over its bottom corner."""
        rect = self.pane_rects()[index]
        strip = self.label_strip()
        return QPointF(rect.left() + 10, rect.bottom() - (strip - _STRIP_PAD if strip else 34))

    def _view(self) -> tuple[float, float]:
        rects = self.image_rects()
        return (rects[0].width(), rects[0].height()) if rects else (0.0, 0.0)

    def _image(self) -> tuple[float, float]:
        for pane in self.panes:
            size = pane.image_size()
            if size[0] > 0:
                return size
        return 0.0, 0.0

    def _geometry(self) -> Geometry:
        return Geometry(self._view(), self._image(), self.ratio())

    def _local(self, pos: QPointF) -> tuple[float, float] | None:
        """``pos`` inside the pane under it, in that pane's coordinates."""
        for rect in self.image_rects():
            if rect.contains(pos):
                return pos.x() - rect.left(), pos.y() - rect.top()
        return None

    # -- what it shows ----------------------------------------------------------------------

    def set_panes(self, panes: list[Pane]) -> None:
        self.panes = panes
        self.state.bound(self._geometry())
        self.update()

    def reset(self) -> None:
        self.state.fit()
        self._changed()

    @property
    def zoom_label(self) -> str:
        return self.state.label

    def set_level(self, level: ZoomLevel, at: QPointF | None = None) -> None:
        point = self._local(at) if at is not None else None
        self.state.set_level(level, self._geometry(), at=point)
        self._changed()

    def cycle(self) -> None:
        self.state.cycle(self._geometry())
        self._changed()

    def zoom_by(self, multiplier: float, at: QPointF | None = None) -> None:
        point = self._local(at) if at is not None else None
        self.state.scale_by(multiplier, self._geometry(), at=point)
        self._changed()

    def pan(self, dx: float, dy: float) -> None:
        self.state.pan(dx, dy, self._geometry())
        self._changed()

    def target_rect(self, index: int = 0) -> QRectF:
        """Where pane ``index``'s image lands, in widget coordinates."""
        rect = self.image_rects()[index]
        t = self.state.target(Geometry((rect.width(), rect.height()), self._image(), self.ratio()))
        return QRectF(rect.left() + t.x, rect.top() + t.y, t.width, t.height)

    def _changed(self) -> None:
        self.update()
        self.zoom_changed.emit(self.zoom_label)

    # -- input ----------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride:
            assert isinstance(event, QKeyEvent)
            # Zoomed, the arrows pan here instead of changing character.
            if self.state.zoomed and event.key() in _ARROWS:
                event.accept()
                return True
        if event.type() == QEvent.Type.NativeGesture:
            assert isinstance(event, QNativeGestureEvent)
            if event.gestureType() == Qt.NativeGestureType.ZoomNativeGesture:
                self.zoom_by(1.0 + event.value(), event.position())
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step = _ARROWS.get(Qt.Key(event.key()))
        if step is None:
            super().keyPressEvent(event)
            return
        if self.state.zoomed:
            view = self._view()
            fast = 0.5 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 0.15
            self.pan(step[0] * view[0] * fast, step[1] * view[1] * fast)
        elif step[1]:
            self.step.emit(-step[1])
        else:
            super().keyPressEvent(event)
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = self._last = event.position()
            self._dragged = False
            if self.state.zoomed:
                self.setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None or self._last is None:
            return
        pos = event.position()
        if (pos - self._press).manhattanLength() > _CLICK_SLOP:
            self._dragged = True
        if self._dragged and self.state.zoomed:
            delta = pos - self._last
            self.pan(delta.x(), delta.y())
        self._last = pos

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._press is not None and not self._dragged:
            # A click zooms in at that point (Lightroom's loupe); a click when
            # zoomed goes back to Fit.
            if self.state.zoomed:
                self.reset()
            else:
                self.state.cycle(self._geometry(), at=self._local(event.position()))
                self._changed()
        self._press = self._last = None
        self.setCursor(Qt.CursorShape.CrossCursor)

    def wheelEvent(self, event: QWheelEvent) -> None:
        notches = event.angleDelta().y() / 120
        if notches:
            point = self._local(event.position())
            self.state.wheel(notches, self._geometry(), at=point)
            self._changed()
        event.accept()

    # -- painting -------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        t = self.theme
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        strip = self.label_strip()
        for i, (pane, rect) in enumerate(zip(self.panes, self.pane_rects(), strict=True)):
            painter.fillRect(rect, t.color("tile"))
            if pane.pixmap is not None and not pane.pixmap.isNull():
                painter.save()
                painter.setClipRect(rect.adjusted(0, 0, 0, -strip))
                painter.drawPixmap(self.target_rect(i), pane.pixmap, QRectF(pane.pixmap.rect()))
                painter.restore()
            if pane.error:
                painter.setPen(t.color("failed"))
                painter.drawText(
                    rect.adjusted(20, 20, -20, -20),
                    Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                    "⚠  " + pane.error,
                )
            elif pane.pixmap is None:
                painter.setPen(t.color("text_faint"))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "Loading…")
            if pane.label:
                draw_pill(
                    painter,
                    pane.label,
                    self.label_origin(i),
                    background=t.color("overlay"),
                    foreground=t.color("text"),
                    font=self.font(),
                )
            if len(self.panes) > 1:
                painter.setPen(QPen(t.color("border"), 1))
                painter.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5))
        painter.end()
