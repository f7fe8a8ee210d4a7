"""Survey: one pose across a page of characters side by side, to check a batch at a glance.

The highlighted cell is the queue's current character, so the arrows (next / previous)
move it and S, X, R... decide it like anywhere else; a click selects a cell, and
Ctrl+click / Shift+click select several (the session's selection, as in the queue list).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap, QResizeEvent
from PySide6.QtWidgets import QWidget

from reviewer.review.feed import ImageFeed, ImageRequest
from reviewer.review.images import DecodedImage
from reviewer.review.queue import Entry
from reviewer.review.session import ReviewSession
from reviewer.review.survey import survey_columns, survey_page

from .cover import Cover
from .keymap import Keymap, default_keymap
from .painting import draw_fitted, draw_header, draw_pill, resized_font
from .pixmaps import to_pixmap
from .theme import Theme

__all__ = ["Survey"]

SURVEY = "survey"
HEADER = 56
MARGIN = 24
GAP = 12
CAPTION = 40


_HINT: list[tuple[str | tuple[str, ...], str]] = [
    (("previous", "next"), "move"),
    ("save", "save"),
    ("discard", "discard"),
    ("regenerate", "regenerate"),
    (("select_portrait", "select_back"), "pose"),
    ("escape", "leave"),
]


class Survey(Cover):
    closed = Signal()

    def __init__(
        self,
        session: ReviewSession,
        theme: Theme,
        parent: QWidget,
        keymap: Keymap | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.theme = theme
        self.keymap = keymap or default_keymap()
        self.rows: list[int] = []
        self._pixmaps: dict[tuple[str, str, str], QPixmap] = {}
        self._failed: set[tuple[str, str, str]] = set()
        feed: ImageFeed | None = session.feed
        if feed is not None:
            feed.loaded.connect(self._loaded)
            feed.failed.connect(self._failed_load)
        queue = session.queue
        queue.current_changed.connect(lambda _entry: self.refresh())
        queue.changed.connect(lambda _row: self.refresh())
        queue.reset.connect(self.refresh)
        session.selection.changed.connect(lambda: self.update())
        session.pose_changed.connect(lambda _pose: self.refresh())

    @property
    def columns(self) -> int:
        return survey_columns(self.width() - 2 * MARGIN)

    @property
    def entries(self) -> list[Entry]:
        queue = self.session.queue
        return [queue.at(r) for r in self.rows if r < len(queue)]

    def toggle(self) -> None:
        if self.isVisible():
            self.close_survey()
        else:
            self.open()

    def open(self) -> None:
        self.cover()
        self.refresh()

    def close_survey(self) -> None:
        if self.isVisible():
            self.hide()
            if self.session.feed is not None:
                self.session.feed.cancel(SURVEY)
            self.closed.emit()

    def refresh(self) -> None:
        if not self.isVisible():
            return
        queue = self.session.queue
        self.rows = list(survey_page(queue.current_row, len(queue), self.columns))
        feed = self.session.feed
        pose = self.session.selected_pose
        side = round(max(64.0, self._cell_side()) * self.devicePixelRatioF())
        if feed is not None:
            feed.request(
                SURVEY,
                [
                    ImageRequest(e.character, pose, side)
                    for e in self.entries
                    if e.character.ref(pose) is not None
                ],
            )
        self.update()

    # -- images -----------------------------------------------------------------------------

    def _key(self, entry: Entry) -> tuple[str, str, str]:
        return (entry.id, entry.character.updated_at.isoformat(), self.session.selected_pose)

    def _loaded(self, slot: str, req: ImageRequest, image: DecodedImage) -> None:
        if slot != SURVEY:
            return
        key = (req.character_id, req.version, req.pose)
        self._failed.discard(key)
        self._pixmaps[key] = to_pixmap(image, self.devicePixelRatioF())
        # A page of a few characters at one size: keep it bounded.
        while len(self._pixmaps) > 64:
            self._pixmaps.pop(next(iter(self._pixmaps)))
        self.update()

    def _failed_load(self, slot: str, req: ImageRequest, _message: str) -> None:
        if slot == SURVEY:
            self._failed.add((req.character_id, req.version, req.pose))
            self.update()

    # -- geometry and input -------------------------------------------------------------------

    def cell_rects(self) -> list[QRectF]:
        n = max(1, self.columns)
        width = (self.width() - 2 * MARGIN - GAP * (n - 1)) / n
        height = min(self.height() - HEADER - MARGIN, width * 1.5 + CAPTION)
        top = HEADER + max(0.0, (self.height() - HEADER - MARGIN - height) / 2)
        return [
            QRectF(MARGIN + i * (width + GAP), top, width, height) for i in range(len(self.rows))
        ]

    def _cell_side(self) -> float:
        n = max(1, self.columns)
        width = (self.width() - 2 * MARGIN - GAP * (n - 1)) / n
        return max(width, min(self.height() - HEADER - MARGIN, width * 1.5) - CAPTION)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        queue, selection = self.session.queue, self.session.selection
        modifiers = event.modifiers()
        for row, rect in zip(self.rows, self.cell_rects(), strict=True):
            if rect.contains(event.position()) and row < len(queue):
                cid = queue.at(row).id
                if modifiers & Qt.KeyboardModifier.ShiftModifier:
                    selection.extend_to(cid)
                elif modifiers & Qt.KeyboardModifier.ControlModifier:
                    selection.toggle(cid)
                else:
                    selection.clear()
                    queue.select_row(row)
                return

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.refresh()

    # -- painting -----------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        t = self.theme
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), t.color("window"))
        pose = self.session.selected_pose
        line = QRectF(MARGIN, 14, self.width() - 2 * MARGIN, 28)
        draw_header(
            painter,
            line,
            f"Survey  ·  {pose.capitalize()} pose",
            self.keymap.hint_line(_HINT) + "     Ctrl/Shift+click  select several",
            title_color=t.color("text"),
            hint_color=t.color("text_faint"),
        )
        current = self.session.queue.current
        chosen = self.session.selection
        small = resized_font(self.font(), -1)
        for entry, rect in zip(self.entries, self.cell_rects(), strict=True):
            selected = current is not None and entry.id == current.id
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(t.color("tile"))
            painter.drawRoundedRect(rect, 10, 10)
            image = rect.adjusted(8, 8, -8, -CAPTION)
            pixmap = self._pixmaps.get(self._key(entry))
            dim = 0.35 if entry.decided else 1.0
            if pixmap is not None:
                draw_fitted(painter, pixmap, image, dim)
            else:
                failed = self._key(entry) in self._failed
                painter.setPen(t.color("failed" if failed else "text_faint"))
                text = "Loading…" if entry.character.ref(pose) is not None else "No image"
                if failed:
                    text = "⚠  Can't load this pose"
                painter.drawText(image, Qt.AlignmentFlag.AlignCenter, text)
            caption = QRectF(rect.left() + 10, rect.bottom() - CAPTION, rect.width() - 20, CAPTION)
            painter.setPen(t.color("text" if selected else "text_dim"))
            painter.drawText(
                caption,
                Qt.AlignmentFlag.AlignVCenter,
                painter.fontMetrics().elidedText(
                    entry.name, Qt.TextElideMode.ElideRight, int(caption.width())
                ),
            )
            if entry.pending is not None:
                draw_pill(
                    painter,
                    entry.pending.value.capitalize(),
                    rect.topLeft() + QRectF(0, 0, 12, 12).bottomRight(),
                    background=t.color("overlay"),
                    foreground=t.color("text"),
                    font=small,
                )
            if entry.id in chosen:
                # One of several selected: a badge and a thin ring (the current one's is bold).
                draw_pill(
                    painter,
                    "✓ selected",
                    QPointF(rect.right() - 12, rect.top() + 12),
                    background=t.color("accent"),
                    foreground=t.color("window"),
                    font=small,
                    align_right=True,
                )
                if not selected:
                    painter.setPen(QPen(t.color("accent"), 1.5, Qt.PenStyle.DashLine))
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 10, 10)
            if selected:
                painter.setPen(QPen(t.color("accent"), 3))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(rect.adjusted(1.5, 1.5, -1.5, -1.5), 10, 10)
        if not self.rows:
            painter.setPen(t.color("text_faint"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Nothing to survey.")
        painter.end()
