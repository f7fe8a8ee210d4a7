"""The top bar's search box: its placeholder fits the room it is given.

Qt elides a placeholder that does not fit ("Search by name   Ctr…"); this one steps down
to a shorter text instead, keeping the key hint as long as anything but "Search" fits.
"""

from __future__ import annotations

from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLineEdit, QStyle, QStyleOptionFrame, QToolButton, QWidget

__all__ = ["SearchField", "text_room"]

# QLineEdit's own horizontal margin around its text (qlineedit_p.h: horizontalMargin).
_QT_TEXT_MARGIN = 2


def text_room(field: QLineEdit) -> int:
    """The width the field's text (and placeholder) gets, as QLineEdit lays it out: the
    style's contents rect, less the text margins and the action icons beside the text."""
    option = QStyleOptionFrame()
    field.initStyleOption(option)
    contents = field.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, field)
    margins = field.textMargins()
    room = contents.width() - margins.left() - margins.right() - 2 * _QT_TEXT_MARGIN
    # The actions' icon buttons (the leading search icon; the clear button once typed in).
    for button in field.findChildren(QToolButton):
        if button.isVisibleTo(field):
            room -= button.width()
    return room


class SearchField(QLineEdit):
    """A QLineEdit whose placeholder is the longest of ``placeholders`` that fits."""

    def __init__(self, placeholders: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.placeholders = placeholders
        self.setPlaceholderText(placeholders[0])

    def fit_placeholder(self) -> None:
        room = text_room(self)
        metrics = self.fontMetrics()
        for text in self.placeholders:
            if metrics.horizontalAdvance(text) <= room:
                break
        if text != self.placeholderText():
            self.setPlaceholderText(text)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_placeholder()
