"""The status bar: counts, where decisions stand, sign-in, needs attention, the balance."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QPushButton, QStatusBar, QWidget

from reviewer.api import Balance
from reviewer.review.queue import Counts
from reviewer.review.session import ReviewSession

__all__ = ["StatusLine"]


def _link(text: str, name: str = "Link") -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return button


class ElidedLabel(QLabel):
    """One line that is cut with "…" when the bar is narrow, never widening the window;
    the whole text is in its tooltip."""

    def minimumSizeHint(self) -> QSize:
        return QSize(40, super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter = QPainter(self)
        self.style().drawItemText(
            painter,
            rect,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            self.palette(),
            self.isEnabled(),
            text,
            self.foregroundRole(),
        )
        painter.end()

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)


class StatusLine(QStatusBar):
    sign_in_clicked = Signal()
    attention_clicked = Signal()
    activity_clicked = Signal()

    def __init__(self, session: ReviewSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._problem: str | None = None
        self.setSizeGripEnabled(False)
        self.counts_label = ElidedLabel()
        self.connection_label = ElidedLabel()
        self.connection_label.setObjectName("ConnectionProblem")
        self.connection_label.hide()
        self.delivery_label = ElidedLabel()
        self.delivery_label.setObjectName("Delivery")
        self.delivery_label.hide()
        self.sign_in_button = _link("Sign in…")
        self.sign_in_button.clicked.connect(self.sign_in_clicked.emit)
        self.sign_in_button.hide()
        self.attention_button = _link("", "AttentionLink")
        self.attention_button.setToolTip("Decisions the server refused: retry or drop them")
        self.attention_button.clicked.connect(self.attention_clicked.emit)
        self.attention_button.hide()
        self.activity_button = _link("Activity")
        self.activity_button.clicked.connect(self.activity_clicked.emit)
        self.balance_label = QLabel("Balance: …")
        self.balance_label.setObjectName("Balance")
        self.addWidget(self.counts_label, 1)
        self.addWidget(self.connection_label, 2)
        self.addWidget(self.delivery_label, 2)
        self.addWidget(self.sign_in_button)
        self.addPermanentWidget(self.attention_button)
        self.addPermanentWidget(self.activity_button)
        self.addPermanentWidget(self.balance_label)
        self.setContentsMargins(8, 0, 8, 0)
        # Decisions move fast (150 waiting for the rate limit): repaint the line at most
        # every 200 ms, and each second while a wait is counted down.
        self._coalesce = QTimer(self)
        self._coalesce.setSingleShot(True)
        self._coalesce.setInterval(200)
        self._coalesce.timeout.connect(self.show_delivery)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.show_delivery)
        session.delivery_changed.connect(lambda: self._coalesce.start())
        session.attention_changed.connect(self.show_attention)
        session.balance_changed.connect(self.show_balance)
        session.connection_changed.connect(self.show_problem)

    def show_counts(self, counts: Counts | None) -> None:
        """None: the queue is still loading."""
        self.counts_label.setText("Loading the queue…" if counts is None else counts.describe())

    def show_problem(self, problem: str | None) -> None:
        """A problem updating the queue (None: all is well)."""
        self._problem = problem
        self.show_delivery()

    def show_delivery(self) -> None:
        delivery = self._session.delivery()
        problem = self._problem
        # Where decisions stand comes first; a poll problem only when there is none.
        self.delivery_label.setVisible(delivery is not None)
        self.connection_label.setVisible(delivery is None and problem is not None)
        self.sign_in_button.setVisible(delivery is not None and delivery.sign_in)
        if delivery is not None:
            self.delivery_label.setText(delivery.text)
            self.delivery_label.setProperty("level", delivery.level.value)
            self.delivery_label.style().unpolish(self.delivery_label)
            self.delivery_label.style().polish(self.delivery_label)
            if not self._tick.isActive():
                self._tick.start()
        else:
            self._tick.stop()
            self.connection_label.setText(problem or "")

    def show_attention(self) -> None:
        count = len(self._session.attention())
        self.attention_button.setVisible(count > 0)
        self.attention_button.setText(f"⚠ {count} need{'s' if count == 1 else ''} attention")

    def show_balance(self, balance: Balance | None) -> None:
        if balance is None:
            self.balance_label.setText("Balance: unknown")
            return
        if balance.billing_mode == "exempt":
            self.balance_label.setText("Billing exempt")
            return
        text = f"{balance.available_credits:g} credits"
        if balance.held_credits:
            text += f"  ({balance.held_credits:g} held)"
        self.balance_label.setText(text)
        self.balance_label.setToolTip(
            f"{balance.credits:g} credits, {balance.held_credits:g} held for running "
            f"generations, {balance.available_credits:g} available"
        )
