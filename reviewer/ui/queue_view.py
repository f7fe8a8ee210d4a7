"""The queue on the left: a Qt list model adapting ReviewQueue, and how a row looks."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    QTimerEvent,
    Signal,
)
from PySide6.QtGui import QColor, QFocusEvent, QFont, QPainter, QPainterPath, QPaintEvent, QPixmap
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from reviewer.api import Pose
from reviewer.review.decisions import Phase
from reviewer.review.delivery import progress_text
from reviewer.review.feed import ImageFeed, ImageRequest
from reviewer.review.images import DecodedImage, Priority
from reviewer.review.keys import KeyNames
from reviewer.review.queue import Entry, ReviewQueue

from .painting import resized_font
from .pixmaps import to_pixmap
from .theme import Theme, icon

__all__ = ["QueueDelegate", "QueueModel", "QueueView", "Thumbnails"]

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
THUMBS = "thumbs"
THUMB = 44
THUMB_ATTEMPTS = 3  # loads of one thumbnail before its row shows the placeholder for good
LAYOUT_BATCH = 256
ROW_HEIGHT = 60
LATER_MARK = "Later"
# Rows kept rendered: a screenful several times over (a row is ~70 KB at 1x).
ROW_CACHE = 200
# After a step, before rendering the rows the next step will paint.
AHEAD_DELAY_MS = 30
# Rendering rows afresh in one paint stops after this long (a row is ~0.2 ms): a poll
# landing a page of characters changed every row in view at once, 2.9 ms of one paint.
# The rows left over show their last look one turn longer, and are painted in the next.
PAINT_BUDGET_S = 0.0015

_Index = QModelIndex | QPersistentModelIndex
_RowKey = tuple[object, ...]


class Thumbnails(QObject):
    """Small portrait pixmaps, loaded only for rows that are painted."""

    updated = Signal(str)  # character id

    def __init__(self, feed: ImageFeed | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._feed = feed
        self._pixmaps: dict[tuple[str, str], QPixmap] = {}
        self._wanted: set[tuple[str, str]] = set()
        # Loads that ended without an image: asked again when the row is painted next,
        # a few times. A fast pager's thumbnail loads are stopped as the pipeline drops
        # work nobody waits for any more; without this such a row stayed blank for good.
        self._failures: dict[tuple[str, str], int] = {}
        self.device_pixel_ratio = 1.0
        if feed is not None:
            feed.loaded.connect(self._loaded)
            feed.failed.connect(self._failed)

    def get(self, entry: Entry) -> QPixmap | None:
        character = entry.character
        key = (character.id, character.updated_at.isoformat())
        pixmap = self._pixmaps.get(key)
        if pixmap is not None or self._feed is None or not character.ref(Pose.PORTRAIT):
            return pixmap
        if key not in self._wanted and self._failures.get(key, 0) < THUMB_ATTEMPTS:
            self._wanted.add(key)
            side = round(THUMB * self.device_pixel_ratio)
            self._feed.add(THUMBS, ImageRequest(character, Pose.PORTRAIT, side), Priority.GLANCE)
        return None

    def _loaded(self, slot: str, request: ImageRequest, image: DecodedImage) -> None:
        key = (request.character_id, request.version)
        if slot != THUMBS or (key not in self._wanted and key not in self._failures):
            return
        self._failures.pop(key, None)
        self._pixmaps[key] = to_pixmap(image, self.device_pixel_ratio)
        self.updated.emit(request.character_id)

    def loading(self, entry: Entry) -> bool:
        """Whether this row's thumbnail was asked for and has not arrived or failed yet."""
        character = entry.character
        key = (character.id, character.updated_at.isoformat())
        return key in self._wanted and key not in self._pixmaps

    def _failed(self, slot: str, request: ImageRequest, _message: str) -> None:
        key = (request.character_id, request.version)
        if slot != THUMBS or key not in self._wanted:
            return
        self._wanted.discard(key)
        self._failures[key] = self._failures.get(key, 0) + 1
        self.updated.emit(request.character_id)  # repainted if in view: asked again


class QueueModel(QAbstractListModel):
    def __init__(
        self,
        queue: ReviewQueue,
        thumbnails: Thumbnails,
        parent: QObject | None = None,
        keys: KeyNames | None = None,
    ):
        super().__init__(parent)
        self._queue = queue
        self.keys = keys or KeyNames()
        self.thumbnails = thumbnails
        queue.inserting.connect(lambda row: self.beginInsertRows(QModelIndex(), row, row))
        queue.inserted.connect(lambda _: self.endInsertRows())
        queue.removing.connect(lambda row: self.beginRemoveRows(QModelIndex(), row, row))
        queue.removed.connect(lambda _: self.endRemoveRows())
        queue.changed.connect(self._row_changed)
        queue.resetting.connect(lambda: self.beginResetModel())
        queue.reset.connect(lambda: self.endResetModel())
        thumbnails.updated.connect(self._thumbnail_updated)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._queue)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self._queue):
            return None
        entry = self._queue.at(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            return entry.name
        if role == ENTRY_ROLE:
            return entry
        if role == Qt.ItemDataRole.DecorationRole:
            return self.thumbnails.get(entry)
        if role == Qt.ItemDataRole.ToolTipRole:
            later = " · flagged for later" if entry.later is not None else ""
            return f"{entry.name} — {_status_text(entry, self.keys, short=False)}{later}" + (
                f"\n{entry.message}" if entry.message else ""
            )
        return None

    def _row_changed(self, row: int) -> None:
        index = self.index(row)
        self.dataChanged.emit(index, index)

    def _thumbnail_updated(self, character_id: str) -> None:
        row = self._queue.row_of(character_id)
        if row is not None:
            self._row_changed(row)


def _status_text(entry: Entry, keys: KeyNames, *, short: bool = True) -> str:
    if entry.decided and entry.pending is not None:
        text = entry.pending.past
    elif entry.regenerating and len(entry.regenerating) == 1:
        text = f"regenerating {next(iter(entry.regenerating))}"
    elif entry.regenerating:
        text = "resynthesizing"
    else:
        return entry.status
    decision = entry.decision
    if decision is not None and decision.phase is not Phase.FINISHED:
        text += f" · {progress_text(decision, undo_key=keys('undo'), short=short)}"
    return text


def _status_color(entry: Entry) -> str:
    decision = entry.decision
    if decision is not None and decision.phase in (Phase.RETRYING, Phase.OFFLINE, Phase.SIGN_IN):
        return "warning"
    if entry.decided:
        return "text_dim"
    return entry.status


def _age(when: datetime) -> str:
    seconds = (datetime.now(UTC) - when).total_seconds()
    if seconds < 60:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return ""


class QueueDelegate(QStyledItemDelegate):
    def __init__(
        self, theme: Theme, parent: QObject | None = None, keys: KeyNames | None = None
    ) -> None:
        super().__init__(parent)
        self.theme = theme
        self.keys = keys or KeyNames()
        self._rows: OrderedDict[_RowKey, QPixmap] = OrderedDict()
        self.rendered = 0  # rows rendered afresh (the rest came from the cache)
        # The last look rendered for each entry, by its size: shown for a paint's rows
        # past its budget (``PAINT_BUDGET_S``) until the next paint renders them.
        self._last: OrderedDict[str, tuple[tuple[object, ...], QPixmap]] = OrderedDict()
        self._paint_deadline: float | None = None
        self._rendered_in_paint = 0
        self.deferred: list[QRect] = []  # rows the current paint showed in a late look

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        return QSize(option.rect.width(), ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        entry = index.data(ENTRY_ROLE)
        if not isinstance(entry, Entry):
            return
        # Painting a row in Python costs ~0.5 ms; each step through the queue scrolls it
        # and repaints the whole page (14 rows, 5-10 ms). A row is rendered once per look
        # and blitted after: the key holds everything the row's pixels depend on.
        row = self._look(entry, option, index, painter.device().devicePixelRatioF(), late=True)
        painter.drawPixmap(option.rect.topLeft(), row)

    def begin_paint(self) -> None:
        """A paint of the list starts: rows rendered in it from now count to its budget."""
        self._paint_deadline = time.perf_counter() + PAINT_BUDGET_S
        self._rendered_in_paint = 0
        self.deferred = []

    def end_paint(self) -> None:
        self._paint_deadline = None

    def prepare(self, option: QStyleOptionViewItem, index: _Index, ratio: float) -> bool:
        """Render the row's look for ``option`` now if it is not kept yet (the look it
        will have once selected, say), so painting it later is a blit. True if rendered."""
        entry = index.data(ENTRY_ROLE)
        if not isinstance(entry, Entry):
            return False
        rendered = self.rendered
        self._look(entry, option, index, ratio)
        return self.rendered > rendered

    def _look(
        self,
        entry: Entry,
        option: QStyleOptionViewItem,
        index: _Index,
        ratio: float,
        *,
        late: bool = False,
    ) -> QPixmap:
        """The row's look, rendered if not kept; ``late``: in a paint past its budget,
        the entry's last look of this size instead (its rect goes to ``deferred``)."""
        pixmap = index.data(Qt.ItemDataRole.DecorationRole)
        thumb = pixmap if isinstance(pixmap, QPixmap) and not pixmap.isNull() else None
        state = option.state
        status = _status_text(entry, self.keys)
        key: _RowKey = (
            self.theme.name,  # a re-theme (following the system) swaps the palette
            entry.id,
            entry.name,
            status,
            _status_color(entry),
            entry.status,
            entry.decided,
            entry.later is not None,
            None if entry.decided else _age(entry.character.created_at),
            bool(entry.message),
            bool(state & QStyle.StateFlag.State_Selected),
            bool(state & QStyle.StateFlag.State_MouseOver),
            option.rect.width(),
            option.rect.height(),
            ratio,
            option.font.key(),
            None if thumb is None else thumb.cacheKey(),
        )
        row = self._rows.get(key)
        if row is not None:
            self._rows.move_to_end(key)
            return row
        size = (option.rect.width(), option.rect.height(), ratio)
        last = self._last.get(entry.id)
        if late and last is not None and last[0] == size and self._over_budget():
            self.deferred.append(QRect(option.rect))
            return last[1]
        row = self._render(entry, option, thumb, status, ratio)
        self._rows[key] = row
        if len(self._rows) > ROW_CACHE:
            self._rows.popitem(last=False)
        self._last[entry.id] = (size, row)
        self._last.move_to_end(entry.id)
        if len(self._last) > ROW_CACHE:
            self._last.popitem(last=False)
        if self._paint_deadline is not None:
            self._rendered_in_paint += 1
        return row

    def _over_budget(self) -> bool:
        # At least one row a paint, so every deferred row is rendered in the end.
        return (
            self._paint_deadline is not None
            and self._rendered_in_paint > 0
            and time.perf_counter() > self._paint_deadline
        )

    def _render(
        self,
        entry: Entry,
        option: QStyleOptionViewItem,
        thumb: QPixmap | None,
        status: str,
        ratio: float,
    ) -> QPixmap:
        rect = QRect(QPoint(0, 0), option.rect.size())
        row = QPixmap(rect.size() * ratio)
        row.setDevicePixelRatio(ratio)
        row.fill(Qt.GlobalColor.transparent)
        painter = QPainter(row)
        self._paint_row(painter, option, rect, entry, thumb, status)
        painter.end()
        self.rendered += 1
        return row

    def _paint_row(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        rect: QRect,
        entry: Entry,
        pixmap: QPixmap | None,
        status_text: str,
    ) -> None:
        t = self.theme
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if entry.decided:
            # Decided here, not yet confirmed by the server: present, but set back.
            painter.setOpacity(0.55)
        if selected:
            painter.fillRect(rect, t.color("selection"))
            painter.fillRect(QRect(rect.left(), rect.top(), 3, rect.height()), t.color("accent"))
        elif state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect, t.color("panel_alt"))

        thumb = QRect(rect.left() + 12, rect.top() + (rect.height() - THUMB) // 2, THUMB, THUMB)
        path = QPainterPath()
        path.addRoundedRect(thumb, 6, 6)
        painter.fillPath(path, t.color("tile"))
        if pixmap is not None:
            painter.setClipPath(path)
            size = (
                pixmap.deviceIndependentSize()
                .toSize()
                .scaled(thumb.size(), Qt.AspectRatioMode.KeepAspectRatioByExpanding)
            )
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(thumb.center())
            painter.drawPixmap(target, pixmap)
            painter.setClipping(False)
        else:
            _placeholder(painter, thumb, entry, t)

        text_left = thumb.right() + 12
        width = rect.right() - text_left - 10
        name_width = width
        if entry.later is not None:
            name_width -= self._paint_later_mark(painter, option, rect) + 6
        name_font = QFont(option.font)
        name_font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(name_font)
        painter.setPen(t.color("text"))
        metrics = painter.fontMetrics()
        name = metrics.elidedText(entry.name, Qt.TextElideMode.ElideRight, name_width)
        painter.drawText(text_left, rect.top() + 24, name)

        painter.setFont(resized_font(option.font, -1.5))
        status = metrics.elidedText(status_text, Qt.TextElideMode.ElideRight, width - 24)
        tone = _status_color(entry)
        color = QColor(t.color(tone if tone in t.colors else "text_dim"))
        dot = QRect(text_left, rect.top() + 35, 8, 8)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(dot)
        painter.setPen(color)
        painter.drawText(text_left + 14, rect.top() + 43, status)
        status_width = painter.fontMetrics().horizontalAdvance(status)
        if not entry.decided:
            painter.setPen(t.color("text_faint"))
            age = _age(entry.character.created_at)
            if entry.message:
                age = "⚠ " + age
            # What is left of the row after the status; the age goes rather than being cut.
            room = rect.right() - 10 - (text_left + 24 + status_width)
            if painter.fontMetrics().horizontalAdvance(age) <= room:
                painter.drawText(text_left + 24 + status_width, rect.top() + 43, age)
        painter.restore()

    def _paint_later_mark(
        self, painter: QPainter, option: QStyleOptionViewItem, rect: QRect
    ) -> int:
        """A small "Later" pill at the row's top right; returns its width."""
        font = resized_font(option.font, -2.5)
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        text = LATER_MARK
        width = painter.fontMetrics().horizontalAdvance(text) + 12
        pill = QRect(rect.right() - 10 - width, rect.top() + 10, width, 17)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.theme.color("panel_alt"))
        painter.drawRoundedRect(pill, 8, 8)
        painter.setPen(self.theme.color("text_dim"))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        return width


def _placeholder(painter: QPainter, thumb: QRect, entry: Entry, theme: Theme) -> None:
    """No portrait to show: say why in the thumbnail's place."""
    if entry.status == "failed":
        icon("warning", theme.color("failed")).paint(painter, thumb.adjusted(11, 11, -11, -11))
    elif entry.status == "synthesizing":
        icon("resynthesize", theme.color("text_faint")).paint(
            painter, thumb.adjusted(13, 13, -13, -13)
        )


class QueueView(QListView):
    def __init__(self, model: QueueModel, delegate: QueueDelegate, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("QueueList")
        self.setModel(model)
        self.setItemDelegate(delegate)
        self.setUniformItemSizes(True)
        self.setMouseTracking(True)
        # Shift+click and Ctrl+click select several; the window hands that to the
        # session's Selection, which Save and Discard then apply to.
        self.setSelectionMode(QListView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # A full layout calls the Python model once per row (~1.5 µs each): thousands of
        # rows froze the GUI thread for 10+ ms at every insert. Batches of LAYOUT_BATCH
        # rows, one per event-loop pass, keep each slice short.
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(LAYOUT_BATCH)
        self._pending_scroll: tuple[QPersistentModelIndex, QListView.ScrollHint] | None = None
        # A step through the queue paints the row it selects and the row it scrolls in:
        # their looks are rendered ahead (one per turn of the loop) while the reviewer
        # looks, so the step's paint is blits only.
        self._ahead: list[tuple[int, bool]] = []
        # Rows whose look waits for their thumbnail: made when it arrives (dataChanged).
        self._ahead_waiting: list[tuple[int, bool]] = []
        self._ahead_timer = QTimer(self)
        self._ahead_timer.setSingleShot(True)
        self._ahead_timer.timeout.connect(self._prepare_ahead)
        # A step at the list's edge scrolls it by a row. Qt moves the pixels painted
        # already and paints only the row scrolled in when the viewport is opaque; the
        # style sheet's background left it not, so every such step repainted the page
        # (14 rows, ~1.5 ms). The view fills its background itself (``paintEvent``).
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def paintEvent(self, event: QPaintEvent) -> None:
        delegate = self.itemDelegate()
        if not isinstance(delegate, QueueDelegate):
            super().paintEvent(event)
            return
        painter = QPainter(self.viewport())
        painter.fillRect(event.rect(), delegate.theme.color("panel"))  # as app.qss
        painter.end()
        delegate.begin_paint()
        try:
            super().paintEvent(event)
        finally:
            delegate.end_paint()
        if delegate.deferred:
            late = delegate.deferred
            # Their fresh looks, in the next turn of the loop (after what else is due).
            QTimer.singleShot(0, self, lambda: [self.viewport().update(r) for r in late])

    def currentChanged(self, current: _Index, previous: _Index) -> None:
        super().currentChanged(current, previous)
        row = current.row()
        self._ahead_waiting = []
        if row < 0:
            self._ahead = []
            return
        first = self.indexAt(self.viewport().rect().topLeft()).row()
        last = self.indexAt(self.viewport().rect().bottomLeft()).row()
        # The neighbours as they look selected, this row as it looks left, the rows just
        # past each edge as they are.
        self._ahead = [(row + 1, True), (row - 1, True), (row, False)]
        if first >= 0 and last >= 0:
            self._ahead += [(last + 1, False), (first - 1, False)]
        self._ahead_timer.start(AHEAD_DELAY_MS)

    def dataChanged(
        self,
        topLeft: _Index,
        bottomRight: _Index,
        roles: Sequence[int] = (),
    ) -> None:
        super().dataChanged(topLeft, bottomRight, roles)
        first, last = topLeft.row(), bottomRight.row()
        arrived = [item for item in self._ahead_waiting if first <= item[0] <= last]
        if not arrived:
            return
        # A thumbnail arrived (or failed for good): make the look it gives the row now.
        self._ahead_waiting = [item for item in self._ahead_waiting if item not in arrived]
        self._ahead += arrived
        if not self._ahead_timer.isActive():
            self._ahead_timer.start(0)

    def _prepare_ahead(self) -> None:
        model = self.model()
        delegate = self.itemDelegate()
        if not isinstance(delegate, QueueDelegate) or not isinstance(model, QueueModel):
            return
        while self._ahead:
            row, selected = self._ahead.pop(0)
            index = model.index(row, 0)
            rect = self.visualRect(index)
            entry = index.data(ENTRY_ROLE)
            if not isinstance(entry, Entry) or not rect.isValid():
                continue
            index.data(Qt.ItemDataRole.DecorationRole)  # asks for its thumbnail if not yet
            if model.thumbnails.loading(entry):
                # Its thumbnail is on its way: the look with it is made when it comes. The
                # look without it is made now, for a step that comes first (a fast
                # reviewer's: thumbnails wait while the shown poses load).
                self._ahead_waiting.append((row, selected))
            option = QStyleOptionViewItem()
            self.initViewItemOption(option)
            option.rect = rect
            if selected:
                option.state |= QStyle.StateFlag.State_Selected
            if delegate.prepare(option, index, self.viewport().devicePixelRatioF()):
                self._ahead_timer.start(0)  # one row a loop turn
                return

    def scrollTo(
        self,
        index: _Index,
        hint: QListView.ScrollHint = QListView.ScrollHint.EnsureVisible,
    ) -> None:
        self._pending_scroll = None
        if index.isValid() and not self.visualRect(index).isValid():
            # Its row is not laid out yet (batched layout): scroll once it is.
            self._pending_scroll = (QPersistentModelIndex(index), hint)
            return
        super().scrollTo(index, hint)

    def timerEvent(self, event: QTimerEvent) -> None:
        super().timerEvent(event)  # the batched layout runs on a timer
        pending = self._pending_scroll
        if pending is None or not pending[0].isValid():
            return
        index = pending[0]
        if self.visualRect(index).isValid():
            self._pending_scroll = None
            super().scrollTo(index, pending[1])

    # True while Qt handles the focus arriving: it then makes the first row current if
    # none is, which is no choice of the reviewer's, so the window does not follow it.
    focusing = False

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.focusing = True
        try:
            super().focusInEvent(event)
        finally:
            self.focusing = False

    def keyboardSearch(self, search: str) -> None:
        """No type-ahead: a letter that is no shortcut must not move the selection."""
