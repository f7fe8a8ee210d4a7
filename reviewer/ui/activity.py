"""Every notice of this session, with times and request ids, so nothing scrolls away."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QListWidget, QVBoxLayout, QWidget

from reviewer.review.notices import Notice, NoticeLevel

__all__ = ["ActivityLog"]

MAX_ITEMS = 500


class ActivityLog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Activity")
        self.resize(640, 420)
        layout = QVBoxLayout(self)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.hide)
        layout.addWidget(buttons)
        self.notices: list[Notice] = []

    def add(self, notice: Notice) -> None:
        self.notices.append(notice)
        marker = {NoticeLevel.INFO: "·", NoticeLevel.WARNING: "!", NoticeLevel.ERROR: "✕"}
        text = f"{datetime.now():%H:%M:%S}  {marker[notice.level]}  {notice.text}"
        if notice.request_id:
            text += f"   [{notice.request_id}]"
        self.list.insertItem(0, text)
        item = self.list.item(0)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsSelectable)
        while self.list.count() > MAX_ITEMS:
            self.list.takeItem(self.list.count() - 1)
        del self.notices[:-MAX_ITEMS]

    def show_log(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()
