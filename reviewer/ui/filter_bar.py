"""Beside the status tabs: the "Later" filter, the sort order and the attribute filter.

Thin: what each control does is a call on the queue (reviewer/review/arrange.py holds the
rules); the bar only shows the queue's state and follows its ``arranged`` signal.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QAction, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QMenu, QPushButton, QSizePolicy, QWidget

from reviewer.review.arrange import (
    ATTRIBUTE_LABELS,
    Attribute,
    AttributeFilter,
    SortOrder,
    attribute_options,
)
from reviewer.review.queue import Counts, ReviewQueue

from .keymap import Keymap

__all__ = ["AttributeMenu", "FilterBar", "FilterChip"]


_SLACK = 2


def _button(text: str, name: str = "FilterButton") -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    # Clicks only: single-key review keeps the keyboard on the queue.
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return button


class _StayOpen(QMenu):
    """A menu that stays open when a tick box in it is clicked, so several values can
    be picked in one go (Enter or a click elsewhere closes it)."""

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        action = self.activeAction()
        if action is not None and action.isEnabled() and action.isCheckable():
            action.trigger()  # ticks it and filters, without closing the menu
            event.accept()
            return
        super().mouseReleaseEvent(event)


class AttributeMenu(QMenu):
    """One submenu per attribute with the values present in the queue, ticked when
    chosen; the attribute's line says what is chosen in it."""

    def __init__(self, queue: ReviewQueue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AttributeMenu")
        self._queue = queue
        self.value_actions: dict[tuple[Attribute, str], QAction] = {}
        self.submenus: dict[Attribute, QMenu] = {}
        self._clear: QAction | None = None
        self.aboutToShow.connect(self.rebuild)

    def rebuild(self) -> None:
        self.clear()
        self.value_actions.clear()
        self.submenus.clear()
        chosen = self._queue.attribute_filter
        options = attribute_options(e.character for e in self._queue.arrangeable())
        for attribute in Attribute:
            present = options[attribute]
            # A chosen value no longer in the queue stays listed, so it can be unticked.
            values = [*present, *sorted(chosen.values(attribute) - set(present))]
            submenu = _StayOpen(ATTRIBUTE_LABELS[attribute], self)
            submenu.setEnabled(bool(values))
            for value in values:
                action = submenu.addAction(value)
                action.setCheckable(True)
                action.setChecked(value in chosen.values(attribute))
                action.triggered.connect(lambda _=False, a=attribute, v=value: self._toggle(a, v))
                self.value_actions[(attribute, value)] = action
            self.addMenu(submenu)
            self.submenus[attribute] = submenu
        self.addSeparator()
        self._clear = self.addAction("Clear the filter")
        self._clear.triggered.connect(lambda: self._queue.set_attribute_filter(AttributeFilter()))
        self._label()

    def _toggle(self, attribute: Attribute, value: str) -> None:
        queue = self._queue
        queue.set_attribute_filter(queue.attribute_filter.toggled(attribute, value))
        self._label()

    def _label(self) -> None:
        chosen = self._queue.attribute_filter
        for attribute, submenu in self.submenus.items():
            values = chosen.values(attribute)
            label = ATTRIBUTE_LABELS[attribute]
            submenu.setTitle(f"{label}  ({len(values)})" if values else label)
        if self._clear is not None:
            self._clear.setEnabled(chosen.active)


class FilterChip(QPushButton):
    """The filter in force, "female, male · 25–34  ✕": elided to the room the top bar
    leaves it (the ✕ always shows), in full in its tooltip."""

    CLOSE = "  ✕"
    MIN_TEXT = 96  # about a dozen letters: less reads as nothing

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FilterChip")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # Narrower than its text when the bar is short of room (a push button's own
        # policy would not give way, and the bar would squeeze the tabs instead).
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.full_text = ""

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self.updateGeometry()
        self._fit()

    def _chrome(self) -> int:
        # What the style adds around the text (padding, border).
        return super().sizeHint().width() - self.fontMetrics().horizontalAdvance(self.text())

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        advance = self.fontMetrics().horizontalAdvance(self.full_text + self.CLOSE)
        # A pixel or two over the whole advance: glyphs are placed at fractions of a
        # pixel, and elidedText cut the last word of a chip given exactly its hint.
        return QSize(self._chrome() + advance + _SLACK, hint.height())

    def minimumSizeHint(self) -> QSize:
        room = self.MIN_TEXT + self.fontMetrics().horizontalAdvance(self.CLOSE)
        return QSize(min(self.sizeHint().width(), self._chrome() + room), self.sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        metrics = self.fontMetrics()
        room = self.width() - self._chrome() - metrics.horizontalAdvance(self.CLOSE)
        if metrics.horizontalAdvance(self.full_text) <= room:
            shown = self.full_text
        else:
            shown = metrics.elidedText(self.full_text, Qt.TextElideMode.ElideRight, max(0, room))
        if shown + self.CLOSE != self.text():
            self.setText(shown + self.CLOSE)


class FilterBar(QWidget):
    def __init__(self, queue: ReviewQueue, keymap: Keymap, parent: QWidget | None = None):
        super().__init__(parent)
        self._queue = queue
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)

        self.later_button = _button("Later")
        self.later_button.setCheckable(True)
        self.later_button.setToolTip(
            "Only the characters flagged for later "
            f"({keymap.describe('later')} flags or clears the current one)"
        )
        self.later_button.clicked.connect(queue.set_later_only)
        row.addWidget(self.later_button)

        self.filter_button = _button("Filter ▾")
        self.filter_button.setToolTip(
            f"Filter by gender, age, hair and body type ({keymap.describe('filter')})"
        )
        self.menu = AttributeMenu(queue, self)
        self.filter_button.clicked.connect(self.open_menu)
        row.addWidget(self.filter_button)

        self.chip = FilterChip()
        self.chip.clicked.connect(lambda: queue.set_attribute_filter(AttributeFilter()))
        row.addWidget(self.chip)

        self.sort_button = _button("")
        self.sort_button.setToolTip(f"Newest first or oldest first ({keymap.describe('sort')})")
        self.sort_button.clicked.connect(lambda: queue.set_sort(queue.sort_order.toggled()))
        row.addWidget(self.sort_button)

        queue.arranged.connect(self.refresh)
        queue.counts_changed.connect(self._counts_changed)
        self.refresh()

    def open_menu(self) -> None:
        below = self.filter_button.mapToGlobal(QPoint(0, self.filter_button.height()))
        self.menu.popup(below)

    def clear(self) -> None:
        """Every filter of this bar off (the sort order stays)."""
        self._queue.set_attribute_filter(AttributeFilter())
        self._queue.set_later_only(False)

    def refresh(self) -> None:
        queue = self._queue
        self.later_button.setChecked(queue.later_only)
        self._counts_changed(queue.counts)
        attributes = queue.attribute_filter
        self.filter_button.setProperty("active", attributes.active)
        self.filter_button.style().unpolish(self.filter_button)
        self.filter_button.style().polish(self.filter_button)
        self.chip.setVisible(attributes.active)
        if attributes.active:
            text = attributes.describe()
            self.chip.set_full_text(attributes.short())
            self.chip.setToolTip(f"{text}\n\nClick to clear the attribute filter")
        newest = queue.sort_order is SortOrder.NEWEST
        # Short, for a narrow window: the tooltip says it in full.
        self.sort_button.setText("↓ Newest" if newest else "↑ Oldest")

    def _counts_changed(self, counts: Counts) -> None:
        self.later_button.setText(f"Later {counts.later}" if counts.later else "Later")
