"""Dialogs: confirm a paid decision with its cost, sign in with an API key."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from reviewer.review.credentials import looks_like_api_key

__all__ = ["ConfirmGroup", "ConfirmResynthesize", "SignInDialog"]


class _ConfirmCost(QDialog):
    """A paid decision's cost first, in one shape for one character or several: Enter
    confirms, Esc cancels."""

    def __init__(
        self, heading: str, body: str, confirm: str, width: int, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(heading)
        self.setModal(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 20, 22, 16)
        layout.setSpacing(12)
        title = QLabel(heading)
        title.setStyleSheet("font-size: 15px; font-weight: 600;")
        title.setWordWrap(True)
        self.body = QLabel(body)
        self.body.setWordWrap(True)
        self.body.setObjectName("Muted")
        buttons = QDialogButtonBox()
        self.confirm = buttons.addButton(confirm, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton("Cancel", QDialogButtonBox.ButtonRole.RejectRole)
        self.confirm.setMinimumWidth(220)
        self.confirm.setDefault(True)
        self.confirm.setAutoDefault(True)
        cancel.setAutoDefault(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(title)
        layout.addWidget(self.body)
        layout.addWidget(buttons)
        self.setMinimumWidth(width)


def _balance(available: float | None) -> str:
    if available is None:
        return "Your balance is not known right now."
    return f"You have {available:g} credits available."


class ConfirmResynthesize(_ConfirmCost):
    """Shift+R: the cost first. Enter confirms, Esc cancels."""

    def __init__(
        self, name: str, cost: int, available: float | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            f"Resynthesize all four poses of “{name}”?",
            "This replaces the portrait, front, side and back poses and uses "
            f"<b>{cost} generations</b>. {_balance(available)}",
            f"Resynthesize ({cost} generations)",
            440,
            parent,
        )
        self.setWindowTitle("Resynthesize all four poses?")


class ConfirmGroup(_ConfirmCost):
    """A paid decision on several characters: the total cost first. Enter confirms,
    Esc cancels."""

    def __init__(
        self,
        what: str,
        plan: str,
        cost: int,
        available: float | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            f"{what}?",
            f"{plan}.<br>In all this uses <b>{cost} generations ({cost} credits)</b>. "
            f"{_balance(available)}",
            f"Go ahead ({cost} generations)",
            460,
            parent,
        )


class SignInDialog(QDialog):
    """Asks for the API key. The caller checks it against the server (``submitted``)
    and answers with ``fail(message)`` or ``accept()``."""

    submitted = Signal(str, bool)  # key, remember in keychain

    def __init__(self, base_url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to Aurous")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 18)
        layout.setSpacing(10)
        heading = QLabel("Sign in with your Aurous API key")
        heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        where = QLabel(f"Server: {base_url}")
        where.setObjectName("Muted")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        hint = QLabel(
            "Create a key in the Aurous dashboard under Team → API keys. "
            "It looks like <i>al_live_…</i>"
        )
        hint.setWordWrap(True)
        hint.setObjectName("Muted")
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("al_live_…")
        self.key.setMinimumWidth(420)
        self.remember = QCheckBox("Remember this key in the system keychain")
        self.remember.setChecked(True)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #ef5a5a;")
        self.error.hide()
        buttons = QDialogButtonBox()
        self.sign_in = buttons.addButton("Sign in", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Quit", QDialogButtonBox.ButtonRole.RejectRole)
        self.sign_in.setDefault(True)
        buttons.accepted.connect(self._submit)
        buttons.rejected.connect(self.reject)
        for widget in (heading, where, hint, self.key, self.remember, self.error, buttons):
            layout.addWidget(widget)

    def _submit(self) -> None:
        problem = looks_like_api_key(self.key.text())
        if problem:
            self.fail(problem)
            return
        self.error.hide()
        self.set_busy(True)
        self.submitted.emit(self.key.text().strip(), self.remember.isChecked())

    def set_busy(self, busy: bool) -> None:
        self.sign_in.setEnabled(not busy)
        self.key.setEnabled(not busy)
        self.sign_in.setText("Checking…" if busy else "Sign in")

    def fail(self, message: str) -> None:
        self.set_busy(False)
        self.error.setText(message)
        self.error.show()
        self.key.setFocus()
        self.key.selectAll()
