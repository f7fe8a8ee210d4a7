"""Every notice of this session, with times, so nothing scrolls away: wrapped lines, a
level filter, copy (the selected rows or all, with their details), the technical details
of the current row underneath, and Enter or a double click goes to the character."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reviewer.review.notices import Notice, NoticeLevel

__all__ = ["LEVEL_FILTERS", "ActivityLog"]

MAX_ITEMS = 500
_MARKERS = {NoticeLevel.INFO: "·", NoticeLevel.WARNING: "!", NoticeLevel.ERROR: "✕"}
# What each filter choice shows.
LEVEL_FILTERS: dict[str, frozenset[NoticeLevel]] = {
    "Everything": frozenset(NoticeLevel),
    "Warnings and errors": frozenset({NoticeLevel.WARNING, NoticeLevel.ERROR}),
    "Errors only": frozenset({NoticeLevel.ERROR}),
}
_NOTICE = Qt.ItemDataRole.UserRole


class ActivityLog(QDialog):
    character_requested = Signal(str)  # a row was activated: go to its character

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Activity")
        self.resize(680, 480)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Show"))
        self.level = QComboBox()
        self.level.addItems(list(LEVEL_FILTERS))
        self.level.currentTextChanged.connect(lambda _text: self._apply_filter())
        top.addWidget(self.level)
        top.addStretch(1)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the selected rows, or all shown, with details (Ctrl+C)")
        self.copy_button.clicked.connect(self.copy)
        top.addWidget(self.copy_button)
        layout.addLayout(top)

        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        # Wrapped rows get their height back when the dialog is resized.
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setUniformItemSizes(False)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.currentItemChanged.connect(lambda item, _old: self._show_details(item))
        self.list.itemActivated.connect(self._activated)
        layout.addWidget(self.list, 1)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setPlaceholderText("Details of the selected entry (request id, error)")
        self.details.setMaximumHeight(96)
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.hide)
        layout.addWidget(buttons)
        QShortcut(QKeySequence.StandardKey.Copy, self.list, self.copy)
        self.notices: list[Notice] = []

    def add(self, notice: Notice) -> None:
        self.notices.append(notice)
        item = QListWidgetItem(_line(notice, datetime.now()))
        item.setData(_NOTICE, len(self.notices) - 1)
        item.setToolTip(notice.details or "")
        self.list.insertItem(0, item)
        item.setHidden(notice.level not in self._levels())
        while self.list.count() > MAX_ITEMS:
            self.list.takeItem(self.list.count() - 1)
        if len(self.notices) > MAX_ITEMS:
            # Rows keep their index into ``notices``: trim only in large steps.
            self._trim()

    def show_log(self, notice: Notice | None = None) -> None:
        """Open the log, at ``notice`` when given (a toast's Details)."""
        if notice is not None:
            item = self._item_of(notice)
            if item is not None:
                if item.isHidden():
                    self.level.setCurrentIndex(0)
                self.list.setCurrentItem(item)
                self.list.scrollToItem(item)
        self.show()
        self.raise_()
        self.activateWindow()

    def copy(self) -> None:
        """The selected rows, or all shown when none is, with their details."""
        items = [i for i in self.list.selectedItems() if not i.isHidden()]
        if not items:
            items = [self.list.item(r) for r in range(self.list.count())]
            items = [i for i in items if not i.isHidden()]
        QGuiApplication.clipboard().setText(self.copied_text(items))

    def copied_text(self, items: list[QListWidgetItem]) -> str:
        lines: list[str] = []
        for item in sorted(items, key=self.list.row):
            lines.append(item.text())
            details = self._notice(item).details
            if details:
                lines.extend(f"    {line}" for line in details.splitlines())
        return "\n".join(lines)

    def shown_rows(self) -> list[str]:
        return [
            self.list.item(r).text()
            for r in range(self.list.count())
            if not self.list.item(r).isHidden()
        ]

    # -- inside ---------------------------------------------------------------------------

    def _levels(self) -> frozenset[NoticeLevel]:
        return LEVEL_FILTERS[self.level.currentText()]

    def _apply_filter(self) -> None:
        levels = self._levels()
        for row in range(self.list.count()):
            item = self.list.item(row)
            item.setHidden(self._notice(item).level not in levels)

    def _notice(self, item: QListWidgetItem) -> Notice:
        return self.notices[int(item.data(_NOTICE))]

    def _item_of(self, notice: Notice) -> QListWidgetItem | None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if self._notice(item) is notice:
                return item
        return None

    def _show_details(self, item: QListWidgetItem | None) -> None:
        if item is None:
            self.details.clear()
            return
        notice = self._notice(item)
        parts = [notice.details or ""]
        if notice.request_id and notice.request_id not in parts[0]:
            parts.append(f"Request id: {notice.request_id}")
        self.details.setPlainText("\n".join(p for p in parts if p))

    def _activated(self, item: QListWidgetItem) -> None:
        character_id = self._notice(item).character_id
        if character_id:
            self.character_requested.emit(character_id)

    def _trim(self) -> None:
        keep = self.notices[-MAX_ITEMS:]
        offset = len(self.notices) - len(keep)
        for row in range(self.list.count()):
            item = self.list.item(row)
            item.setData(_NOTICE, int(item.data(_NOTICE)) - offset)
        self.notices = keep


def _line(notice: Notice, when: datetime) -> str:
    text = f"{when:%H:%M:%S}  {_MARKERS[notice.level]}  {notice.text}"
    if notice.request_id:
        text += f"   [{notice.request_id}]"
    return text
