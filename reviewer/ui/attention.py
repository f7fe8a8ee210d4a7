"""Needs attention: decisions the server refused for good, each to retry or drop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reviewer.review.decisions import Decision

__all__ = ["AttentionPanel"]

_ID_ROLE = Qt.ItemDataRole.UserRole + 1
_REQUEST_ROLE = Qt.ItemDataRole.UserRole + 2


class AttentionPanel(QDialog):
    """Lists the failed decisions with their reason and request id. The list itself lives
    in the journal (it survives a restart); this only shows it and passes the choice on."""

    def __init__(
        self,
        decisions: Callable[[], list[Decision]],
        retry: Callable[[str], object],
        drop: Callable[[str], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._decisions = decisions
        self._retry = retry
        self._drop = drop
        self.setWindowTitle("Needs attention")
        self.resize(680, 380)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "The server refused these decisions. Retry one once its cause is fixed (added "
            "credits, say), or drop it: a dropped decision is not sent."
        )
        intro.setWordWrap(True)
        intro.setObjectName("Muted")
        layout.addWidget(intro)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setSpacing(4)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.list, 1)
        buttons = QDialogButtonBox()
        self.retry_button = QPushButton("Retry")
        self.drop_button = QPushButton("Drop")
        self.copy_button = QPushButton("Copy request id")
        for button in (self.retry_button, self.drop_button, self.copy_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.hide)
        self.retry_button.clicked.connect(lambda: self._each(self._retry))
        self.drop_button.clicked.connect(lambda: self._each(self._drop))
        self.copy_button.clicked.connect(self._copy)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        chosen = {item.data(_ID_ROLE) for item in self.list.selectedItems()}
        self.list.clear()
        for decision in self._decisions():
            when = datetime.fromtimestamp(decision.made_at).strftime("%d %b %H:%M")
            text = f"{decision.describe()}   ({when})\n{decision.error or 'refused'}"
            if decision.request_id:
                text += f"\nRequest {decision.request_id}"
            item = QListWidgetItem(text)
            item.setData(_ID_ROLE, decision.id)
            item.setData(_REQUEST_ROLE, decision.request_id)
            self.list.addItem(item)
            item.setSelected(decision.id in chosen)
        if self.list.count() and not self.list.selectedItems():
            self.list.item(0).setSelected(True)
        self._update_buttons()

    def show_panel(self) -> None:
        self.refresh()
        self.show()
        self.raise_()
        self.activateWindow()

    def _each(self, action: Callable[[str], object]) -> None:
        for item in self.list.selectedItems():
            action(str(item.data(_ID_ROLE)))
        self.refresh()
        if not self.list.count():
            self.hide()

    def _copy(self) -> None:
        ids = [
            str(item.data(_REQUEST_ROLE))
            for item in self.list.selectedItems()
            if item.data(_REQUEST_ROLE)
        ]
        if ids:
            QGuiApplication.clipboard().setText("\n".join(ids))

    def _update_buttons(self) -> None:
        items = self.list.selectedItems()
        self.retry_button.setEnabled(bool(items))
        self.drop_button.setEnabled(bool(items))
        self.copy_button.setEnabled(any(i.data(_REQUEST_ROLE) for i in items))
