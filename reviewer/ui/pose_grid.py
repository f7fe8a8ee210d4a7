"""The four poses of the current character in a 2×2 grid."""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, replace

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, QSizeF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QGridLayout, QPushButton, QSizePolicy, QWidget

from reviewer.api import SYNTHESIZED_POSES

from .keymap import Keymap, default_keymap
from .painting import draw_fitted, draw_pill, draw_progress, fitted_rect, resized_font
from .theme import Theme

__all__ = ["PoseGrid", "PoseTile", "TileState"]

PAD = 10
BADGE_INSET = 10.0
_PERCENT_HEIGHT = 18.0
# What a tile stands on: the window's background (app.qss, QMainWindow and QDialog).
BACKDROP = "window"  # the line under a loading bar that says how far along it is
# Rendered looks kept per tile: the one shown, the next character's (made ahead while the
# reviewer looks) and the previous one's (for going back).
LOOKS = 3
_LookKey = tuple[object, ...]


@dataclass
class TileState:
    pixmap: QPixmap | None = None
    before: QPixmap | None = None  # shown beside ``pixmap`` while comparing
    comparing: bool = False
    loading: bool = False
    progress: float | None = None
    regenerating: bool = False
    error: str | None = None
    empty_text: str = ""

    @property
    def animating(self) -> bool:
        """A progress bar over the still look: loading with nothing to show yet, or
        regenerating."""
        return self.regenerating or (self.loading and self.pixmap is None)

    @property
    def ticking(self) -> bool:
        """The bar needs frames: its progress is unknown, so a segment slides."""
        return self.animating and (self.regenerating or self.progress is None)


class PoseTile(QWidget):
    clicked = Signal(str)
    activated = Signal(str)
    compare_requested = Signal()

    def __init__(
        self,
        pose: str,
        number: int,
        theme: Theme,
        parent: QWidget | None = None,
        keymap: Keymap | None = None,
    ):
        super().__init__(parent)
        compare_key = (keymap or default_keymap()).hint("compare")
        self.pose = pose
        self.number = number
        self.theme = theme
        self.state = TileState()
        self.selected = False
        self._looks: OrderedDict[_LookKey, QPixmap] = OrderedDict()
        # The still part of an animated state (its bar is painted over it each frame):
        # kept apart, so the looks made ahead are not pushed out by it. A tile's loading
        # look is the same for every character, so a move to one not loaded yet blits it.
        self._moving: tuple[_LookKey, QPixmap] | None = None
        self._badge: tuple[_LookKey, QPixmap] | None = None
        self.rendered = 0  # looks rendered afresh (the rest were blitted from the cache)
        self._phase = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(40)
        self._timer.timeout.connect(self._tick)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # see _paint_still
        self.setMinimumSize(QSize(160, 160))
        self.setAccessibleName(f"{pose} pose")
        # Before/after here is small: this opens it large, zoom and pan linked.
        self.compare_button = QPushButton(f"Compare large   {compare_key}".rstrip(), self)
        self.compare_button.setObjectName("CompareButton")
        self.compare_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.compare_button.setToolTip(
            f"Before and after side by side, zoom and pan linked ({compare_key or 'no key'})"
        )
        self.compare_button.clicked.connect(self.compare_requested)
        self.compare_button.hide()

    def set_state(self, state: TileState) -> None:
        if state == self.state:
            # The view restates all four tiles whenever one image arrives or progresses:
            # repainting (and rescaling) the other three each time was wasted work.
            return
        only_progress = (
            state.animating and replace(state, progress=self.state.progress) == self.state
        )
        self.state = state
        if state.ticking and not self._timer.isActive():
            self._timer.start()
        elif not state.ticking:
            self._timer.stop()
        if only_progress:
            self.update(self._motion_rect())  # a download went on: its bar, not the tile
            return
        self.compare_button.setVisible(state.comparing)
        self._place_button()
        self.update()

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self.update()

    def image_box(self) -> tuple[int, int]:
        """Pixels across and down to ask for so an image of any shape is sharp here: the
        image area (half of it across while comparing). Asking by the longer side alone
        decoded a square pose in a wide tile at the tile's width, 2.9 times the pixels
        it is shown at, each of them moved, kept and scaled down at every look."""
        width = self.width() - 2 * PAD
        if self.state.comparing:
            width //= 2
        ratio = self.devicePixelRatioF()
        return max(64, round(width * ratio)), max(64, round((self.height() - 2 * PAD) * ratio))

    def _place_button(self) -> None:
        hint = self.compare_button.sizeHint()
        self.compare_button.setGeometry(
            self.width() - hint.width() - PAD - 2, PAD + 2, hint.width(), hint.height()
        )

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._place_button()

    def _tick(self) -> None:
        self._phase = (self._phase + 0.025) % 1.0
        self.update(self._motion_rect())  # only the bar moves

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.pose)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.activated.emit(self.pose)

    def prepare(self, state: TileState) -> bool:
        """Render the look of ``state`` now, so showing it later is one blit: the view
        calls this for the next character's images while the reviewer looks at this one.
        False when there was nothing to do (kept already, or an animated state)."""
        key = self._look_key(state)
        if state.animating or key in self._looks:
            return False
        self._store_look(key, self._render_look(state))
        return True

    def has_look(self, state: TileState) -> bool:
        """Whether showing ``state`` would be a blit of a look kept already."""
        return self._look_key(state) in self._looks

    def paintEvent(self, event: QPaintEvent) -> None:
        # A tile's own painting (rounded fill, the image smooth-scaled into place, the
        # badge, a centred label) is ~0.5-1 ms in Python and Qt; four of them were a third
        # of a key press's paint. A still look is rendered once (or ahead, ``prepare``)
        # and blitted; an animated state blits its still part and paints its bar on top.
        state = self.state
        key = self._look_key(state)
        if state.animating:
            if self._moving is None or self._moving[0] != key:
                self._moving = (key, self._render_look(state))
            look = self._moving[1]
        else:
            kept = self._looks.get(key)
            if kept is None:
                kept = self._render_look(state)
                self._store_look(key, kept)
            else:
                self._looks.move_to_end(key)
            look = kept
        painter = QPainter(self)
        painter.drawPixmap(0, 0, look)
        if state.animating:
            self._paint_motion(painter, state)
        painter.end()

    def _look_key(self, state: TileState) -> _LookKey:
        """Everything the still part of a tile's pixels depends on (not the bar's
        progress, painted over it)."""
        return (
            self.theme.name,  # a re-theme (following the system) swaps the palette
            None if state.pixmap is None else state.pixmap.cacheKey(),
            None if state.before is None else state.before.cacheKey(),
            state.comparing,
            state.loading,
            state.regenerating,
            state.error,
            state.empty_text,
            self.selected,
            self.width(),
            self.height(),
            self.devicePixelRatioF(),
            self.font().key(),
        )

    def _render_look(self, state: TileState) -> QPixmap:
        ratio = self.devicePixelRatioF()
        look = QPixmap(self.size() * ratio)
        look.setDevicePixelRatio(ratio)  # no alpha channel (filled opaque): see _paint_still
        painter = QPainter(look)
        self._paint_still(painter, state)
        painter.end()
        self.rendered += 1
        return look

    def _store_look(self, key: _LookKey, look: QPixmap) -> None:
        self._looks[key] = look
        while len(self._looks) > LOOKS:
            self._looks.popitem(last=False)

    def _paint(self, painter: QPainter, s: TileState) -> None:
        """The whole tile, as its look and its bar make it."""
        self._paint_still(painter, s)
        if s.animating:
            self._paint_motion(painter, s)

    def _paint_still(self, painter: QPainter, s: TileState) -> None:
        t = self.theme
        # Opaque, the window's colour round the rounded corners: blitting a look is a
        # copy (a look with alpha was blended, ~0.4 ms a tile), and Qt paints nothing
        # under an opaque tile first (WA_OpaquePaintEvent).
        painter.fillRect(self.rect(), t.color(BACKDROP))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        outer = QRectF(self.rect()).adjusted(1.5, 1.5, -1.5, -1.5)
        path = QPainterPath()
        path.addRoundedRect(outer, 10, 10)
        painter.fillPath(path, t.color("tile"))
        inner, badge_at = self.image_area(s)
        dim = 0.3 if s.regenerating else 1.0

        if s.comparing and s.pixmap is not None and s.before is not None:
            half = inner.width() / 2
            left = QRectF(inner.left(), inner.top(), half - 4, inner.height())
            right = QRectF(inner.left() + half + 4, inner.top(), half - 4, inner.height())
            draw_fitted(painter, s.before, left, 0.9)
            draw_fitted(painter, s.pixmap, right)
            painter.setPen(QPen(t.color("border"), 1))
            painter.drawLine(
                QPointF(inner.center().x(), inner.top() + 8),
                QPointF(inner.center().x(), inner.bottom() - 8),
            )
            small = self._font(-1, bold=True)
            for label, rect in (("BEFORE", left), ("AFTER", right)):
                draw_pill(
                    painter,
                    label,
                    QPointF(rect.center().x() - 30, rect.bottom() - 26),
                    background=t.color("overlay"),
                    foreground=t.color("text"),
                    font=small,
                )
        elif s.pixmap is not None:
            draw_fitted(painter, s.pixmap, inner, dim)

        if s.error and not s.regenerating:
            self._centre_text(painter, inner, "⚠  " + s.error, t.color("failed"))
        elif s.regenerating:
            self._centre_text(painter, inner, f"Regenerating {self.pose}…", t.color("text"))
        elif s.pixmap is None and s.loading:
            self._centre_text(painter, inner, f"Loading {self.pose}", t.color("text_dim"))
        elif s.pixmap is None and s.empty_text:
            self._centre_text(painter, inner, s.empty_text, t.color("text_faint"))

        self._draw_badge(painter, badge_at)
        if self.selected:
            painter.setPen(QPen(t.color("accent"), 3))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(outer.adjusted(0.5, 0.5, -0.5, -0.5), 10, 10)

    def _draw_badge(self, painter: QPainter, at: QPointF) -> None:
        """The "2  Front" pill, kept as a small pixmap: its text shaped and its rounded
        ends antialiased afresh were a third of rendering a tile's look (~0.35 ms)."""
        font = self._font(0, bold=True)
        ratio = self.devicePixelRatioF()
        origin = QPointF(math.floor(at.x()), math.floor(at.y()))
        offset = at - origin  # drawn at the same fraction of a pixel as it would be
        key = (self.badge_text(), font.key(), self.theme.name, ratio, offset.x(), offset.y())
        if self._badge is None or self._badge[0] != key:
            rect = self.badge_rect()
            size = QSize(
                math.ceil(rect.width() + offset.x()), math.ceil(rect.height() + offset.y())
            )
            badge = QPixmap(size * ratio)
            badge.setDevicePixelRatio(ratio)
            badge.fill(Qt.GlobalColor.transparent)
            pill = QPainter(badge)
            draw_pill(
                pill,
                self.badge_text(),
                offset,
                background=self.theme.color("overlay"),
                foreground=self.theme.color("text"),
                font=font,
            )
            pill.end()
            self._badge = (key, badge)
        painter.drawPixmap(origin, self._badge[1])

    def badge_text(self) -> str:
        return f"{self.number}  {self.pose.capitalize()}"

    def badge_rect(self) -> QRectF:
        metrics = QFontMetricsF(self._font(0, bold=True))
        size = QSizeF(metrics.horizontalAdvance(self.badge_text()) + 16, metrics.height() + 6)
        return QRectF(QPointF(BADGE_INSET, BADGE_INSET), size)

    def image_area(self, state: TileState | None = None) -> tuple[QRectF, QPointF]:
        """Where the image goes and where the badge does, clear of each other: the badge
        sits in the margin beside the image when it is wide enough, else the image starts
        below it (a sheet's own title is in its top-left corner)."""
        state = self.state if state is None else state
        outer = QRectF(self.rect()).adjusted(1.5, 1.5, -1.5, -1.5)
        inner = outer.adjusted(PAD, PAD, -PAD, -PAD)
        badge = self.badge_rect().translated(outer.topLeft())
        pixmap = state.pixmap
        if pixmap is None or state.comparing:
            # Nothing drawn under it yet, or a before/after pair filling the width.
            if state.comparing:
                inner.setTop(badge.bottom() + 6)
            return inner, badge.topLeft()
        image = fitted_rect(pixmap.deviceIndependentSize(), inner)
        if image.left() >= badge.right() + 4 or image.top() >= badge.bottom() + 4:
            return inner, badge.topLeft()
        inner.setTop(badge.bottom() + 6)
        return inner, badge.topLeft()

    def _font(self, delta: float, *, bold: bool = False) -> QFont:
        return resized_font(self.font(), delta, bold=bold)

    def _centre_text(self, painter: QPainter, rect: QRectF, text: str, color: QColor) -> None:
        painter.save()
        painter.setPen(color)
        painter.setFont(self._font(0.5))
        box = rect.adjusted(20, 0, -20, -20)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)
        painter.restore()

    def _bar_rect(self) -> QRectF:
        inner, _ = self.image_area(self.state)
        width = min(220.0, inner.width() * 0.6)
        return QRectF(inner.center().x() - width / 2, inner.center().y() + 22, width, 5)

    def _motion_rect(self) -> QRect:
        """What the bar and its percentage cover, a little more."""
        bar = self._bar_rect()
        return bar.adjusted(-2, -2, 2, _PERCENT_HEIGHT + 4).toAlignedRect()

    def _paint_motion(self, painter: QPainter, s: TileState) -> None:
        """The bar over an animated state's still look, and how far along it is."""
        bar = self._bar_rect()
        fraction = None if s.regenerating else s.progress
        draw_progress(
            painter,
            bar,
            fraction,
            self._phase,
            track=self.theme.color("border"),
            bar=self.theme.color("accent"),
        )
        if fraction is not None:
            painter.save()
            painter.setPen(self.theme.color("text_dim"))
            painter.setFont(self._font(-1))
            below = QRectF(bar.left(), bar.bottom() + 4, bar.width(), _PERCENT_HEIGHT)
            painter.drawText(below, Qt.AlignmentFlag.AlignCenter, f"{round(fraction * 100)} %")
            painter.restore()


class PoseGrid(QWidget):
    pose_clicked = Signal(str)
    pose_activated = Signal(str)
    compare_requested = Signal()
    resized = Signal()

    def __init__(
        self, theme: Theme, parent: QWidget | None = None, keymap: Keymap | None = None
    ) -> None:
        super().__init__(parent)
        layout = QGridLayout(self)
        layout.setContentsMargins(14, 14, 14, 14)
        layout.setSpacing(12)
        self.tiles: dict[str, PoseTile] = {}
        for i, pose in enumerate(SYNTHESIZED_POSES):
            tile = PoseTile(pose, i + 1, theme, self, keymap)
            tile.clicked.connect(self.pose_clicked)
            tile.activated.connect(self.pose_activated)
            tile.compare_requested.connect(self.compare_requested)
            layout.addWidget(tile, i // 2, i % 2)
            self.tiles[pose] = tile

    def select(self, pose: str) -> None:
        for name, tile in self.tiles.items():
            tile.set_selected(name == pose)

    def image_box(self) -> tuple[int, int]:
        boxes = [tile.image_box() for tile in self.tiles.values()]
        return max(w for w, _ in boxes), max(h for _, h in boxes)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self.resized.emit()
