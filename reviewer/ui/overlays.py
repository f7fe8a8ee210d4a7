"""Things drawn over the window: the shortcut sheet and the notice toast."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from reviewer.review.notices import Notice, NoticeLevel

from .cover import Cover
from .painting import resized_font
from .theme import Theme, icon

__all__ = ["SHORTCUTS", "ShortcutSheet", "Toast"]

SHORTCUTS: list[tuple[str, str]] = [
    ("S  or  Enter", "Save, then the next character"),
    ("X  or  Delete", "Discard, then the next character"),
    ("1  2  3  4", "Select portrait / front / side / back"),
    ("R", "Regenerate the selected pose (1 generation)"),
    ("Shift+R", "Resynthesize all four (4 generations; asks first)"),
    ("→ or J  /  ← or K", "Next / previous character"),
    ("Space", "Loupe: the selected pose large (click or wheel zooms there)"),
    ("Z   Ctrl+0 / 1 / 2", "Zoom: Fit → 100 % → 200 %  /  Fit, 100 %, 200 %"),
    ("Arrows", "Zoomed in: pan the image (at Fit: change character)"),
    ("Shift+Z", "4-up: all four poses zoomed on the same spot"),
    ("C", "Compare a regenerated pose before and after, large"),
    ("N", "Survey: the selected pose across a page of characters"),
    ("Esc", "Close the loupe, the survey or this sheet"),
    ("Ctrl+Z", "Undo the last decision not yet sent"),
    ("Ctrl+F", "Search by name"),
    ("F5", "Refresh the queue now"),
    ("?  or  F1", "This sheet"),
]


class ShortcutSheet(Cover):
    """The keyboard contract, over the whole window."""

    def __init__(self, theme: Theme, parent: QWidget) -> None:
        super().__init__(parent)
        self.theme = theme
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            self.cover()
            self.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Question, Qt.Key.Key_F1):
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
        row_h = max(22, min(34, (self.height() - 130) // len(SHORTCUTS)))
        width = min(620, self.width() - 40)
        height = 90 + row_h * len(SHORTCUTS)
        card = QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)
        painter.setBrush(t.color("panel"))
        painter.setPen(t.color("border"))
        painter.drawRoundedRect(card, 14, 14)
        painter.setFont(resized_font(self.font(), 6, bold=True))
        painter.setPen(t.color("text"))
        painter.drawText(card.adjusted(28, 20, -28, 0), "Keyboard shortcuts")
        body = self.font()
        painter.setFont(body)
        key_w = 200
        y = card.top() + 70
        for keys, action in SHORTCUTS:
            painter.setPen(t.color("accent"))
            painter.drawText(
                QRectF(card.left() + 28, y, key_w, row_h), Qt.AlignmentFlag.AlignVCenter, keys
            )
            painter.setPen(t.color("text"))
            painter.drawText(
                QRectF(card.left() + 28 + key_w, y, width - key_w - 56, row_h),
                Qt.AlignmentFlag.AlignVCenter,
                action,
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

    def __init__(self, theme: Theme, parent: QWidget) -> None:
        super().__init__(parent)
        self._host = parent
        self.theme = theme
        self.setObjectName("Toast")
        self._icon = QLabel()
        self._text = QLabel()
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._undo = QPushButton("Undo  Ctrl+Z")
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
