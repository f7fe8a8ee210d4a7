"""Things drawn over the window: the shortcut sheet and the notice toast."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QFontMetricsF,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reviewer.review.notices import Notice, NoticeLevel

from .cover import Cover
from .keymap import Keymap, default_keymap
from .painting import resized_font
from .theme import Theme, icon

__all__ = ["ShortcutSheet", "Toast", "linger_seconds"]


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
    """The latest notice, placed by the window where it covers no pose (``placer``): an
    undo countdown for decisions; for errors the request id (copyable) and "Details".
    A click on an error toast goes to its character; Esc or the time closes it."""

    undo_requested = Signal()
    details_requested = Signal(object)  # Notice
    character_requested = Signal(str)

    def __init__(
        self,
        theme: Theme,
        parent: QWidget,
        placer: Callable[[Toast], QRect] | None = None,
        *,
        undo_key: str = "Ctrl+Z",
    ) -> None:
        super().__init__(parent)
        self._host = parent
        # Where the toast goes: x, width and the bottom edge of the returned rect.
        self._placer = placer
        self.theme = theme
        self.setObjectName("Toast")
        self._icon = QLabel()
        self._text = QLabel()
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._undo = self._link(f"Undo  {undo_key}", self.undo_requested.emit)
        self._copy = self._link("Copy request id", self._copy_request_id)
        self._details = self._link("Details", self._open_details)
        self._close = self._link("✕", self.hide)
        self._close.setToolTip("Close (Esc)")
        self._countdown = QProgressBar()
        self._countdown.setTextVisible(False)
        self._countdown.setFixedWidth(60)
        self._countdown.setFixedHeight(4)
        column = QVBoxLayout(self)
        column.setContentsMargins(14, 10, 10, 8)
        column.setSpacing(4)
        top = QHBoxLayout()
        top.setSpacing(10)
        top.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self._text, 1)
        top.addWidget(self._close, 0, Qt.AlignmentFlag.AlignTop)
        column.addLayout(top)
        self._actions = QHBoxLayout()
        self._actions.setSpacing(10)
        self._actions.addStretch(1)
        for control in (self._countdown, self._undo, self._copy, self._details):
            self._actions.addWidget(control)
        column.addLayout(self._actions)
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

    def _link(self, text: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName("Link")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(lambda _=False: slot())
        return button

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
        self._details.setVisible(notice.details is not None)
        undoable = notice.decision is not None and undo_seconds > 0
        self._undo.setVisible(undoable)
        self._countdown.setVisible(undoable)
        self._tick.stop()
        if undoable:
            self._remaining = self._window = undo_seconds
            self._countdown.setRange(0, 1000)
            self._countdown.setValue(1000)
            self._tick.start()
        self.setCursor(
            Qt.CursorShape.PointingHandCursor
            if self._jumps_to() is not None
            else Qt.CursorShape.ArrowCursor
        )
        self._hide_timer.start(round(1000 * max(linger_seconds(notice.level), undo_seconds + 1)))
        self._place()
        self.show()
        self.raise_()

    @property
    def lingers_ms(self) -> int:
        """How long the toast shown now stays (every toast leaves by itself)."""
        return self._hide_timer.interval() if self._hide_timer.isActive() else 0

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

    def _open_details(self) -> None:
        if self.notice is not None:
            self.details_requested.emit(self.notice)

    def _jumps_to(self) -> str | None:
        notice = self.notice
        if notice is None or notice.level is NoticeLevel.INFO:
            return None
        return notice.character_id

    def mousePressEvent(self, event: QMouseEvent) -> None:
        target = self._jumps_to()
        if event.button() == Qt.MouseButton.LeftButton and target is not None:
            self.character_requested.emit(target)
            event.accept()
            return
        super().mousePressEvent(event)

    def _place(self) -> None:
        parent = self._host
        if self._placer is not None:
            spot = self._placer(self)
        else:
            spot = QRect(20, 0, parent.width() - 40, parent.height() - 24)
        width = max(200, min(720, spot.width()))
        self.setFixedWidth(width)
        layout = self.layout()
        assert layout is not None
        layout.activate()
        # As tall as the wrapped text needs at this width (adjustSize measures the text
        # at its preferred, wider width, and a narrow toast cut its last lines off).
        self.setFixedHeight(layout.totalHeightForWidth(width))
        self.move(spot.left() + (spot.width() - width) // 2, spot.bottom() - self.height())

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


def linger_seconds(level: NoticeLevel) -> float:
    """Errors stay longest, but every toast leaves."""
    return {NoticeLevel.INFO: 5.0, NoticeLevel.WARNING: 9.0, NoticeLevel.ERROR: 20.0}[level]
