"""The window's top bar: title, status tabs, the filter bar, the search box, the keys.

On a narrow window (1024 px, or a long filter chip) something must give. In this
order: the search box narrows to its minimum, then the app's title goes (the window's
title bar says it too), and only then does the chip elide (its tooltip has it in full).
The tabs and buttons never shrink below their text.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QWidget

from .search_field import SearchField

__all__ = ["TopBar"]


class TopBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TopBar")
        self.title: QWidget | None = None
        self._title_room = 0  # the title's width and the space after it

    def set_title(self, title: QWidget, room: int) -> None:
        """``title`` hides when the bar cannot hold everything else at full width;
        ``room`` is what it takes in the row (its width and the spacing around it)."""
        self.title = title
        self._title_room = room

    def fit(self) -> None:
        title, layout = self.title, self.layout()
        if title is None or layout is None:
            return
        # What the row wants at its widgets' preferred widths, the title included; the
        # search box counts at its minimum (it gives way first).
        wanted = layout.sizeHint().width() + (0 if title.isVisibleTo(self) else self._title_room)
        search = self._search_slack()
        title.setVisible(wanted - search <= self.width())

    def _search_slack(self) -> int:
        """How much the search box can give beyond what its hint asks."""
        slack = 0
        for field in self.findChildren(SearchField):
            slack += max(0, field.sizeHint().width() - field.minimumWidth())
        return slack

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        # A widget's hint changed (the chip's text, a tab's count): fit again.
        if event.type() == QEvent.Type.LayoutRequest:
            self.fit()
        return handled
