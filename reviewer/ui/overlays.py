"""Things drawn over the window: the shortcut sheet and the notice toast."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QFontMetricsF,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from reviewer.review.notices import Notice, NoticeLevel

from .cover import Cover
from .keymap import Keymap, default_keymap
from .painting import resized_font
from .theme import Theme, icon

__all__ = ["ShortcutSheet", "Toast"]


class ShortcutSheet(Cover):
    """The keyboard contract, over the whole window."""

    def __init__(self, theme: Theme, parent: QWidget, keymap: Keymap | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.keymap = keymap or default_keymap()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def rows(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """(section, [(keys, what it does)]) as the sheet shows them."""
        return [section for column in self.columns() for section in column]

    def columns(self) -> list[list[tuple[str, list[tuple[str, str]]]]]:
        return [
            [
                (title, [(self.keymap.describe(a.name, "  or  "), a.label) for a in actions])
                for title, actions in column
            ]
            for column in self.keymap.columns(2)
        ]

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            self.cover()
            self.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        pressed = QKeySequence(event.keyCombination())
        closing = [*self.keymap.sequences("help"), *self.keymap.sequences("escape")]
        if event.key() == Qt.Key.Key_Escape or any(
            pressed.matches(k) == QKeySequence.SequenceMatch.ExactMatch for k in closing
        ):
            self.hide()
            event.accept()
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.hide()

    def paintEvent(self, event: QPaintEvent) -> None:
        t = self.theme
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), t.color("overlay"))
        row_h = 28
        columns = self.columns()
        lines = max(sum(len(r) + 1 for _, r in c) for c in columns)
        width = min(960, self.width() - 40)
        height = min(self.height() - 20, 100 + row_h * lines)
        card = QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)
        painter.setBrush(t.color("panel"))
        painter.setPen(t.color("border"))
        painter.drawRoundedRect(card, 14, 14)
        painter.setFont(resized_font(self.font(), 6, bold=True))
        painter.setPen(t.color("text"))
        painter.drawText(card.adjusted(28, 20, -28, 0), "Keyboard shortcuts")
        body = self.font()
        column_w = (width - 56 - 24) / 2
        metrics = QFontMetricsF(body)
        widest = max(metrics.horizontalAdvance(k) for c in columns for _, r in c for k, _ in r)
        key_w = min(column_w * 0.42, widest + 24.0)  # the labels get the rest
        for i, column in enumerate(columns):
            x = card.left() + 28 + i * (column_w + 24)
            y = card.top() + 64
            for heading, rows in column:
                painter.setFont(resized_font(body, -1, bold=True))
                painter.setPen(t.color("text_faint"))
                painter.drawText(
                    QRectF(x, y, column_w, row_h), Qt.AlignmentFlag.AlignBottom, heading.upper()
                )
                painter.setFont(body)
                y += row_h
                for keys, action in rows:
                    painter.setPen(t.color("accent"))
                    painter.drawText(
                        QRectF(x, y, key_w, row_h), Qt.AlignmentFlag.AlignVCenter, keys
                    )
                    painter.setPen(t.color("text"))
                    text = painter.fontMetrics().elidedText(
                        action, Qt.TextElideMode.ElideRight, int(column_w - key_w - 8)
                    )
                    painter.drawText(
                        QRectF(x + key_w, y, column_w - key_w, row_h),
                        Qt.AlignmentFlag.AlignVCenter,
                        text,
                    )
                    y += row_h
        painter.setPen(t.color("text_faint"))
        painter.drawText(
            card.adjusted(28, 0, -28, -14),
            Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignRight,
            "Esc to close",
        )
        painter.end()


class Toast(QFrame):
    """The latest notice, at the bottom of the grid: an undo countdown for decisions,
    the request id (copyable) for errors."""

    undo_requested = Signal()

    def __init__(self, theme: Theme, parent: QWidget, *, undo_key: str = "Ctrl+Z") -> None:
        super().__init__(parent)
        self._host = parent
        self.theme = theme
        self.setObjectName("Toast")
        self._icon = QLabel()
        self._text = QLabel()
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._undo = QPushButton(f"Undo  {undo_key}")
        self._undo.setObjectName("Link")
        self._undo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._undo.clicked.connect(self.undo_requested)
        self._copy = QPushButton("Copy request id")
        self._copy.setObjectName("Link")
        self._copy.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._copy.clicked.connect(self._copy_request_id)
        self._close = QPushButton("✕")
        self._close.setObjectName("Link")
        self._close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._close.clicked.connect(self.hide)
        self._countdown = QProgressBar()
        self._countdown.setTextVisible(False)
        self._countdown.setFixedWidth(60)
        self._countdown.setFixedHeight(4)
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 10, 10, 10)
        row.setSpacing(10)
        row.addWidget(self._icon)
        row.addWidget(self._text, 1)
        for control in (self._countdown, self._undo, self._copy, self._close):
            row.addWidget(control)
        self._request_id: str | None = None
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.timeout.connect(self.hide)
        self._tick = QTimer(self)
        self._tick.setInterval(50)
        self._tick.timeout.connect(self._advance)
        self._remaining = 0.0
        self._window = 1.0
        self.notice: Notice | None = None
        self.hide()
        parent.installEventFilter(self)

    def show_notice(self, notice: Notice, undo_seconds: float) -> None:
        self.notice = notice
        color = {
            NoticeLevel.INFO: self.theme.colors["text"],
            NoticeLevel.WARNING: self.theme.colors["regenerate"],
            NoticeLevel.ERROR: self.theme.colors["failed"],
        }[notice.level]
        glyph = "warning" if notice.level is not NoticeLevel.INFO else "save"
        self._icon.setPixmap(icon(glyph, color).pixmap(16, 16))
        text = notice.text
        if notice.request_id:
            text += f"\nRequest {notice.request_id}"
        self._text.setText(text)
        self._text.setStyleSheet(f"color: {color}; background: transparent;")
        self._request_id = notice.request_id
        self._copy.setVisible(notice.request_id is not None)
        undoable = notice.decision is not None and undo_seconds > 0
        self._undo.setVisible(undoable)
        self._countdown.setVisible(undoable)
        self._tick.stop()
        if undoable:
            self._remaining = self._window = undo_seconds
            self._countdown.setRange(0, 1000)
            self._countdown.setValue(1000)
            self._tick.start()
        linger = {NoticeLevel.INFO: 5.0, NoticeLevel.WARNING: 9.0, NoticeLevel.ERROR: 20.0}
        self._hide_timer.start(round(1000 * max(linger[notice.level], undo_seconds + 1)))
        self._place()
        self.show()
        self.raise_()

    def end_undo(self) -> None:
        """The decision was sent or undone: no more Undo button."""
        self._tick.stop()
        self._undo.hide()
        self._countdown.hide()

    def _advance(self) -> None:
        self._remaining -= self._tick.interval() / 1000
        if self._remaining <= 0:
            self.end_undo()
            return
        self._countdown.setValue(round(1000 * self._remaining / self._window))

    def _copy_request_id(self) -> None:
        if self._request_id:
            QGuiApplication.clipboard().setText(self._request_id)

    def _place(self) -> None:
        parent = self._host
        width = min(720, parent.width() - 40)
        self.setFixedWidth(width)
        self.adjustSize()
        self.move((parent.width() - width) // 2, parent.height() - self.height() - 24)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(self.theme.color("toast"))
        painter.setPen(self.theme.color("border"))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 10, 10)
        painter.end()
