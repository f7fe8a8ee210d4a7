"""The loupe: one pose large, fitted or at 100 %, over the grid."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRectF, QSizeF, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent, QPixmap, QWheelEvent
from PySide6.QtWidgets import QWidget

from .cover import Cover
from .painting import draw_fitted, draw_pill, draw_progress
from .theme import Theme

__all__ = ["Loupe"]


class Loupe(Cover):
    closed = Signal()

    def __init__(self, theme: Theme, parent: QWidget) -> None:
        super().__init__(parent)
        self.theme = theme
        self.actual_size = False  # False: fit; True: 100 % (one image pixel per screen pixel)
        self.title = ""
        self.pixmap: QPixmap | None = None
        self.before: QPixmap | None = None
        self.full_resolution = False
        self.progress: float | None = None
        self.error: str | None = None
        self._offset = QPointF(0, 0)
        self._drag_from: QPoint | None = None
        self._phase = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(40)
        self._timer.timeout.connect(self._tick)
        self.setCursor(Qt.CursorShape.OpenHandCursor)

    def open(self) -> None:
        self._offset = QPointF(0, 0)
        self.cover()
        self._timer.start()

    def close_loupe(self) -> None:
        if self.isVisible():
            self.hide()
            self._timer.stop()
            self.closed.emit()

    def toggle_zoom(self) -> None:
        self.actual_size = not self.actual_size
        self._offset = QPointF(0, 0)
        self.update()

    def set_images(
        self,
        title: str,
        pixmap: QPixmap | None,
        *,
        before: QPixmap | None = None,
        full_resolution: bool,
        error: str | None = None,
    ) -> None:
        if title != self.title:
            self._offset = QPointF(0, 0)
        self.title = title
        self.pixmap = pixmap
        self.before = before
        self.full_resolution = full_resolution
        self.error = error
        if full_resolution:
            self.progress = None
        self.update()

    def set_progress(self, fraction: float | None) -> None:
        self.progress = fraction
        self.update()

    def _tick(self) -> None:
        if not self.full_resolution:
            self._phase = (self._phase + 0.025) % 1.0
            self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.actual_size:
            self._drag_from = event.position().toPoint()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            pos = event.position().toPoint()
            self._offset += QPointF(pos - self._drag_from)
            self._drag_from = pos
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag_from = None
        self.setCursor(Qt.CursorShape.OpenHandCursor)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.toggle_zoom()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.actual_size:
            self._offset += QPointF(event.angleDelta()) / 2
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        t = self.theme
        painter = QPainter(self)
        painter.fillRect(self.rect(), t.color("window"))
        area = QRectF(self.rect()).adjusted(24, 56, -24, -24)
        panes: list[tuple[str | None, QPixmap | None, QRectF]]
        if self.before is not None:
            half = area.width() / 2
            panes = [
                ("BEFORE", self.before, QRectF(area.left(), area.top(), half - 6, area.height())),
                (
                    "AFTER",
                    self.pixmap,
                    QRectF(area.left() + half + 6, area.top(), half - 6, area.height()),
                ),
            ]
        else:
            panes = [(None, self.pixmap, area)]
        for label, pixmap, rect in panes:
            if pixmap is not None:
                painter.save()
                painter.setClipRect(rect)
                if self.actual_size:
                    self._draw_actual(painter, pixmap, rect)
                else:
                    draw_fitted(painter, pixmap, rect)
                painter.restore()
            if label:
                draw_pill(
                    painter,
                    label,
                    QPointF(rect.left() + 10, rect.bottom() - 34),
                    background=t.color("overlay"),
                    foreground=t.color("text"),
                    font=self.font(),
                )
        mode = "100 %" if self.actual_size else "Fit"
        header = f"{self.title}   ·   {mode}"
        if not self.full_resolution:
            header += "   ·   loading full resolution"
        painter.setPen(t.color("text"))
        painter.drawText(
            QRectF(24, 14, self.width() - 48, 28), Qt.AlignmentFlag.AlignVCenter, header
        )
        painter.setPen(t.color("text_faint"))
        painter.drawText(
            QRectF(24, 14, self.width() - 48, 28),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
            "Z  fit / 100 %     Space or Esc  close",
        )
        if self.error:
            painter.setPen(t.color("failed"))
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, "⚠  " + self.error)
        elif not self.full_resolution:
            bar = QRectF(area.center().x() - 110, area.bottom() - 10, 220, 5)
            draw_progress(
                painter,
                bar,
                self.progress,
                self._phase,
                track=t.color("border"),
                bar=t.color("accent"),
            )
        painter.end()

    def _draw_actual(self, painter: QPainter, pixmap: QPixmap, rect: QRectF) -> None:
        # One image pixel per device pixel: logical size is pixels / screen ratio.
        ratio = self.devicePixelRatioF()
        size = QSizeF(pixmap.width() / ratio, pixmap.height() / ratio)
        if not self.full_resolution and pixmap.devicePixelRatio() > 0:
            size = pixmap.deviceIndependentSize()
        target = QRectF(QPointF(0, 0), size)
        target.moveCenter(rect.center() + self._offset)
        painter.drawPixmap(target, pixmap, QRectF(pixmap.rect()))
