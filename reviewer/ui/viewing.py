"""The viewing intents the keys call: loupe zoom, compare, 4-up and survey."""

from __future__ import annotations

from PySide6.QtCore import QObject

from reviewer.review.notices import Notice, NoticeLevel
from reviewer.review.session import ReviewSession
from reviewer.review.zoom import ZoomLevel

from .current_view import CurrentView
from .loupe import Loupe, LoupeMode
from .survey import Survey

__all__ = ["Viewing"]


class Viewing(QObject):
    def __init__(
        self,
        session: ReviewSession,
        current: CurrentView,
        loupe: Loupe,
        survey: Survey,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.current = current
        self.loupe = loupe
        self.survey = survey
        # Up/Down at Fit in the loupe: the previous / next character, as in the queue.
        loupe.viewer.step.connect(session.queue.step)

    def _toggle_mode(self, mode: LoupeMode) -> None:
        if self.loupe.isVisible() and self.loupe.mode is mode:
            self.current.open_loupe(LoupeMode.SINGLE)
        else:
            self.current.open_loupe(mode)

    def compare(self) -> None:
        """C: before and after of the regenerated pose, large and linked."""
        entry = self.session.current
        if self.loupe.isVisible() and self.loupe.mode is LoupeMode.COMPARE:
            self.current.open_loupe(LoupeMode.SINGLE)
            return
        if entry is None or not entry.comparing or entry.compare_pose is None:
            self.session.notice.emit(
                Notice(
                    NoticeLevel.INFO,
                    "Nothing to compare yet: after you regenerate a pose (R), C shows it "
                    "before and after.",
                )
            )
            return
        self.session.select_pose(entry.compare_pose)
        self.current.open_loupe(LoupeMode.COMPARE)

    def four_up(self) -> None:
        """Shift+Z: all four poses zoomed on the same spot."""
        if self.session.current is not None:
            self._toggle_mode(LoupeMode.FOUR)

    def zoom(self, level: ZoomLevel) -> None:
        if not self.loupe.isVisible():
            self.current.open_loupe()
        if self.loupe.isVisible():
            self.loupe.set_zoom(level)

    def toggle_survey(self) -> None:
        """N: the selected pose across a page of characters."""
        self.loupe.close_loupe()
        self.survey.toggle()

    def escape(self) -> bool:
        """Close whatever viewer is on top; False when none was open."""
        if self.loupe.isVisible():
            self.loupe.close_loupe()
        elif self.survey.isVisible():
            self.survey.close_survey()
        else:
            return False
        return True
