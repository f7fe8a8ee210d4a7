"""Decided: every decision of this reviewer (from the journal), newest first, following
the decisions live. Selecting one shows its character: in the queue when it is still
there, else fetched from the API and shown read-only (poses, details, no decisions)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGraphicsOpacityEffect,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from reviewer.api import SYNTHESIZED_POSES, AurousError, Character, NotFoundError
from reviewer.review.decisions import DecisionKind
from reviewer.review.feed import ImageRequest
from reviewer.review.history import HistoryRow
from reviewer.review.images import DecodedImage
from reviewer.review.notices import short_reason
from reviewer.review.queue import Entry
from reviewer.review.session import ReviewSession

from .details import DetailPanel
from .keymap import Keymap, default_keymap
from .pixmaps import to_pixmap
from .pose_grid import PoseGrid, TileState
from .theme import Theme

__all__ = ["COLUMNS", "MAX_ROWS", "HistoryModel", "HistoryPanel", "ReadOnlyView"]

# The panel lists this many, newest first; ``reviewer history`` lists them all.
MAX_ROWS = 1000
PANEL_SIZE = (1240, 660)
_FRAME = (8, 32)  # a typical window frame: borders and title bar
COLUMNS = ("Time", "Character", "Decision", "Pose", "State", "Request id")
SLOT = "history"  # the image feed's slot for the read-only view
_ROW = Qt.ItemDataRole.UserRole


def when(moment: datetime) -> str:
    return moment.astimezone().strftime("%d %b %Y, %H:%M")


class HistoryModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[HistoryRow] = []

    def set_rows(self, rows: list[HistoryRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def row_of(self, decision_id: str) -> int | None:
        return next((i for i, r in enumerate(self.rows) if r.decision_id == decision_id), None)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> object:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == _ROW:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return _cells(row)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(row)
        return None


def _cells(row: HistoryRow) -> tuple[str, ...]:
    return (
        # Seconds, the year and the full request id are in the tooltip and the banner.
        row.made_at.astimezone().strftime("%d %b %H:%M"),
        row.character_name,
        row.kind,
        row.pose or "",
        row.state,
        row.request_id or "",
    )


def _tooltip(row: HistoryRow) -> str:
    lines = [f"{row.decision.capitalize()}, made {row.made_at.astimezone():%d %b %Y, %H:%M:%S}"]
    if row.sent_at is not None:
        lines.append(f"Confirmed by the server {when(row.sent_at)}")
    if row.error:
        lines.append(f"Refused: {row.error}")
    if row.request_id:
        lines.append(f"Request id {row.request_id}")
    lines.append(row.character_id)
    return "\n".join(lines)


def banner_text(row: HistoryRow) -> str:
    """What the read-only view says about the decision: 'Saved on 08 May 2026, 12:01 —
    read-only', and the request id on a second line."""
    return f"{decision_text(row)} — read-only{_request_line(row)}"


def _request_line(row: HistoryRow) -> str:
    return f"\nRequest id {row.request_id}" if row.request_id else ""


def decision_text(row: HistoryRow) -> str:
    """'Saved on 08 May 2026, 12:01', 'Discard undone (…); nothing was sent'."""
    try:
        kind = DecisionKind(row.kind)
        past, title = kind.past, kind.value.capitalize()
    except ValueError:
        past, title = row.kind, row.kind.capitalize()
    if row.state == "sent":
        what = f"{past.capitalize()} on {when(row.sent_at or row.made_at)}"
    elif row.state == "failed":
        what = f"{title} refused by the server ({when(row.made_at)})"
    elif row.state in ("undone", "dropped"):
        what = f"{title} {row.state} ({when(row.made_at)}); nothing was sent"
    else:
        what = f"{past.capitalize()} {when(row.made_at)}, {row.state}"
    return what


class ReadOnlyView(QWidget):
    """A character as the server has it now: its poses and details, decisions disabled."""

    def __init__(
        self, session: ReviewSession, theme: Theme, keymap: Keymap, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.banner = QLabel("Select a decision to see its character.")
        self.banner.setObjectName("ReadOnlyBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.banner)
        row = QHBoxLayout()
        row.setSpacing(0)
        self.grid = PoseGrid(theme)
        self.details = DetailPanel(theme, keymap)
        # Wide enough for the decision buttons' titles, disabled as they are.
        self.details.setFixedWidth(300)
        for button in self.details.buttons.values():
            # Their labels keep the theme's text colour when disabled: dim them so the
            # view reads as read-only at a glance.
            faded = QGraphicsOpacityEffect(button)
            faded.setOpacity(0.4)
            button.setGraphicsEffect(faded)
        row.addWidget(self.grid, 1)
        row.addWidget(self.details)
        layout.addLayout(row, 1)
        self.character: Character | None = None
        self._pixmaps: dict[str, QPixmap] = {}
        self._errors: dict[str, str] = {}
        self._reason = "Read-only"
        self.show_nothing(self.banner.text())
        feed = session.feed
        if feed is not None:
            feed.loaded.connect(self._loaded)
            feed.failed.connect(self._failed)

    def show_nothing(self, text: str, name: str = "—") -> None:
        self.character = None
        self.banner.setText(text)
        self.details.show_entry(None, title=name)  # not the queue's "Nothing to review"
        self._disable("Nothing selected")
        self._clear()
        for tile in self.grid.tiles.values():
            tile.set_state(TileState(empty_text=""))

    def show_character(self, character: Character, banner: str) -> None:
        if self.character is None or self.character.id != character.id:
            self._clear()
        self.character = character
        self.banner.setText(banner)
        self.details.show_entry(Entry(character))
        self._reason = banner
        self._disable(banner)
        self._paint()
        feed = self.session.feed
        if feed is not None:
            side = self.grid.image_box()
            feed.request(
                SLOT,
                [
                    ImageRequest(character, pose, side)
                    for pose in SYNTHESIZED_POSES
                    if character.ref(pose) is not None
                ],
            )

    def stop(self) -> None:
        if self.session.feed is not None:
            self.session.feed.cancel(SLOT)

    def buttons_enabled(self) -> bool:
        return any(b.isEnabled() for b in self.details.buttons.values())

    def _disable(self, reason: str) -> None:
        self.details.set_reasons(dict.fromkeys(DecisionKind, reason))

    def _clear(self) -> None:
        self._pixmaps.clear()
        self._errors.clear()

    def _mine(self, slot: str, req: ImageRequest) -> bool:
        c = self.character
        return slot == SLOT and c is not None and req.character_id == c.id

    def _loaded(self, slot: str, req: ImageRequest, image: DecodedImage) -> None:
        if self._mine(slot, req):
            self._pixmaps[req.pose] = to_pixmap(image, self.grid.devicePixelRatioF())
            self._paint()

    def _failed(self, slot: str, req: ImageRequest, message: str) -> None:
        if self._mine(slot, req):
            self._errors[req.pose] = message
            self._paint()

    def _paint(self) -> None:
        character = self.character
        if character is None:
            return
        for pose, tile in self.grid.tiles.items():
            pixmap = self._pixmaps.get(pose)
            has_ref = character.ref(pose) is not None
            tile.set_state(
                TileState(
                    pixmap=pixmap,
                    loading=has_ref and pixmap is None and pose not in self._errors,
                    error=self._errors.get(pose),
                    empty_text="This pose has no image",
                )
            )

    @property
    def shown_poses(self) -> list[str]:
        return [pose for pose, tile in self.grid.tiles.items() if tile.state.pixmap is not None]


class HistoryPanel(QDialog):
    character_requested = Signal(str)  # still in the queue: select it there

    def __init__(
        self,
        session: ReviewSession,
        theme: Theme,
        keymap: Keymap | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        keymap = keymap or default_keymap()
        self.session = session
        self.setWindowTitle("Decided")
        self.resize(*PANEL_SIZE)
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setObjectName("Muted")
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.model = HistoryModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((104, 142, 84, 56, 50)):
            header.resizeSection(column, width)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._selected(current)
        )
        splitter.addWidget(self.table)
        self.view = ReadOnlyView(session, theme, keymap)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([600, 640])
        self.splitter = splitter
        layout.addWidget(splitter, 1)
        # The same key closes it again; Esc does too (QDialog).
        for sequence in keymap.sequences("history"):
            QShortcut(sequence, self, self.close)

        self._shown: str | None = None  # decision id whose character is on view
        self._fetch: asyncio.Task[None] | None = None
        # Decisions change state in bursts (a selection saved at once): one reload per burst.
        self._reload = QTimer(self)
        self._reload.setSingleShot(True)
        self._reload.setInterval(50)
        self._reload.timeout.connect(self.refresh)
        session.delivery_changed.connect(self._changed)
        session.attention_changed.connect(self._changed)

    # -- showing ----------------------------------------------------------------------

    def toggle(self) -> None:
        if self.isVisible():
            self.close()
        else:
            self.show_panel()

    def show_panel(self) -> None:
        self.refresh()
        if not self.isVisible():
            self.fit_to_screen()
        self.show()
        self.raise_()
        self.activateWindow()
        self.table.setFocus()
        if self.model.rows and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def fit_to_screen(self) -> None:
        """Its preferred size, shrunk to the screen the window is on (at 1024×640 the
        preferred 1240 px ran off its right edge), centred on that screen."""
        owner = self.parentWidget() or self
        area = owner.screen().availableGeometry()
        # Room for a title bar and borders (the frame is known only once shown).
        width = min(PANEL_SIZE[0], area.width() - _FRAME[0])
        height = min(PANEL_SIZE[1], area.height() - _FRAME[1])
        self.resize(width, height)
        # The table keeps about half; the poses and details the rest.
        self.splitter.setSizes([width * 48 // 100, width - width * 48 // 100])
        self.move(
            area.left() + max(0, (area.width() - width - _FRAME[0]) // 2),
            area.top() + max(0, (area.height() - height - _FRAME[1]) // 2),
        )

    def refresh(self) -> None:
        rows = self.session.outbox.history(limit=MAX_ROWS)
        chosen = self.selected_row()
        self.model.set_rows(rows)
        count = len(rows)
        text = (
            f"Your last {MAX_ROWS} decisions on this computer, newest first"
            if count >= MAX_ROWS
            else f"{count} decision{'' if count == 1 else 's'} on this computer, newest first"
        )
        self.intro.setText(
            f"{text}. Select one to see its character. For reports, the command "
            "“reviewer history” prints them all."
            if count
            else "No decisions yet. Every decision you make is listed here, with where it stands."
        )
        if chosen is not None:
            row = self.model.row_of(chosen.decision_id)
            if row is not None:
                self.table.selectRow(row)

    def selected_row(self) -> HistoryRow | None:
        index = self.table.selectionModel().currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row()):
            return None
        row = self.model.data(index, _ROW)
        return row if isinstance(row, HistoryRow) else None

    def _changed(self) -> None:
        if self.isVisible():
            self._reload.start()

    # -- a row chosen -----------------------------------------------------------------

    def _selected(self, index: QModelIndex) -> None:
        row = self.model.data(index, _ROW) if index.isValid() else None
        if not isinstance(row, HistoryRow):
            return
        queue = self.session.queue
        entry = queue.get(row.character_id)
        if entry is not None:
            self._cancel_fetch()
            first = self._shown != row.decision_id
            self._shown = row.decision_id
            self.view.show_character(
                entry.character,
                f"“{entry.name}” is still in the queue: it is selected there. {banner_text(row)}",
            )
            if first:  # not again on every reload while it stays selected
                self.character_requested.emit(row.character_id)
            return
        if self._shown == row.decision_id and self.view.character is not None:
            self.view.banner.setText(banner_text(row))  # its state moved on; same character
            return
        self._shown = row.decision_id
        self._cancel_fetch()
        self.view.show_nothing(
            f"Fetching “{row.character_name}” from the server…", row.character_name
        )
        self._fetch = self.session.spawn(self._show_from_server(row))

    async def _show_from_server(self, row: HistoryRow) -> None:
        try:
            character = await self.session.client.retrieve_character(row.character_id)
        except NotFoundError:
            gone = (
                "it was discarded, which deletes it for good"
                if row.kind == DecisionKind.DISCARD and row.state == "sent"
                else "it was deleted"
            )
            self.view.show_nothing(
                f"“{row.character_name}” is no longer on the server: {gone}. "
                f"{decision_text(row)}.{_request_line(row)}",
                row.character_name,
            )
            return
        except AurousError as exc:
            self.view.show_nothing(
                f"Can't fetch “{row.character_name}” from the server: {short_reason(exc)}. "
                "Select it again to retry.",
                row.character_name,
            )
            self._shown = None
            return
        if self._shown == row.decision_id:
            self.view.show_character(character, banner_text(row))

    def _cancel_fetch(self) -> None:
        if self._fetch is not None and not self._fetch.done():
            self._fetch.cancel()
        self._fetch = None

    def hideEvent(self, event: object) -> None:
        self._cancel_fetch()
        self.view.stop()
        self._reload.stop()
        self._shown = None
        super().hideEvent(event)  # type: ignore[arg-type]
