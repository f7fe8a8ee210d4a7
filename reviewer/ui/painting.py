"""Small painting helpers shared by the pose tiles and the loupe."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPixmap

__all__ = [
    "draw_fitted",
    "draw_header",
    "draw_pill",
    "draw_progress",
    "fitted_rect",
    "header_split",
    "resized_font",
]


def fitted_rect(image: QSizeF, bounds: QRectF) -> QRectF:
    """The largest rect of ``image``'s aspect ratio centred in ``bounds``."""
    if image.isEmpty() or bounds.isEmpty():
        return QRectF()
    scaled = image.scaled(bounds.size(), Qt.AspectRatioMode.KeepAspectRatio)
    rect = QRectF(QPointF(0, 0), scaled)
    rect.moveCenter(bounds.center())
    return rect


def draw_fitted(painter: QPainter, pixmap: QPixmap, bounds: QRectF, opacity: float = 1.0) -> QRectF:
    """Draw ``pixmap`` aspect-true inside ``bounds``; returns where it went."""
    target = fitted_rect(pixmap.deviceIndependentSize(), bounds)
    painter.save()
    painter.setOpacity(opacity)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.drawPixmap(target, pixmap, QRectF(pixmap.rect()))
    painter.restore()
    return target


def draw_pill(
    painter: QPainter,
    text: str,
    top_left: QPointF,
    *,
    background: QColor,
    foreground: QColor,
    font: QFont,
    align_right: bool = False,
) -> QRectF:
    """A rounded label at ``top_left`` (its top-right corner with ``align_right``)."""
    painter.save()
    painter.setFont(font)
    metrics = painter.fontMetrics()
    size = QSizeF(metrics.horizontalAdvance(text) + 16, metrics.height() + 6)
    rect = QRectF(top_left, size)
    if align_right:
        rect.moveRight(top_left.x())
    path = QPainterPath()
    path.addRoundedRect(rect, rect.height() / 2, rect.height() / 2)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.fillPath(path, background)
    painter.setPen(foreground)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()
    return rect


def draw_progress(
    painter: QPainter,
    rect: QRect | QRectF,
    fraction: float | None,
    phase: float,
    *,
    track: QColor,
    bar: QColor,
) -> None:
    """A thin bar: ``fraction`` filled, or a sliding segment (at ``phase`` 0..1) if unknown."""
    r = QRectF(rect)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(track)
    painter.drawRoundedRect(r, r.height() / 2, r.height() / 2)
    if fraction is None:
        width = r.width() * 0.3
        left = r.left() + (r.width() + width) * phase - width
        segment = QRectF(max(r.left(), left), r.top(), width, r.height())
        segment.setRight(min(r.right(), left + width))
    else:
        segment = QRectF(r.left(), r.top(), r.width() * max(0.0, min(1.0, fraction)), r.height())
    if segment.width() > 0:
        painter.setBrush(bar)
        painter.drawRoundedRect(segment, r.height() / 2, r.height() / 2)
    painter.restore()


def resized_font(font: QFont, delta: float, *, bold: bool = False) -> QFont:
    """``font`` ``delta`` points (or pixels, for a stylesheet's px fonts) larger."""
    result = QFont(font)
    if result.pixelSize() > 0:
        result.setPixelSize(max(9, round(result.pixelSize() + delta)))
    else:
        result.setPointSizeF(max(7.0, result.pointSizeF() + delta))
    if bold:
        result.setWeight(QFont.Weight.DemiBold)
    return result


def header_split(metrics: QFontMetricsF, width: float, title: str, hint: str) -> float:
    """How much of a header line of ``width`` the title gets; the key hint has the rest
    (nothing when it returns ``width``). The hint goes when the line cannot hold both."""
    if not hint:
        return width
    hint_w = metrics.horizontalAdvance(hint) + 24
    title_need = metrics.horizontalAdvance(title)
    return width - hint_w if width >= hint_w + min(title_need, 2 * hint_w) else width


def draw_header(
    painter: QPainter,
    line: QRectF,
    title: str,
    hint: str,
    *,
    title_color: QColor,
    hint_color: QColor,
) -> None:
    """A view's title on the left and its key hint on the right, never over each other."""
    metrics = painter.fontMetrics()
    title_w = header_split(QFontMetricsF(painter.font()), line.width(), title, hint)
    painter.setPen(title_color)
    painter.drawText(
        QRectF(line.left(), line.top(), title_w, line.height()),
        Qt.AlignmentFlag.AlignVCenter,
        metrics.elidedText(title, Qt.TextElideMode.ElideMiddle, int(title_w)),
    )
    if title_w < line.width():
        painter.setPen(hint_color)
        painter.drawText(line, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, hint)
