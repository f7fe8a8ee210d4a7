"""Following a list's cursor so that a broken or hostile server cannot make the walk
repeat, never end, or hand out the same character twice."""

from __future__ import annotations

from typing import Final

from ._errors import PaginationError
from ._models import Character, CharacterPage

__all__ = ["MAX_LIST_PAGES", "CursorWalk"]

# 100,000 characters at the largest page size: far past any team's queue, and a
# bound on the requests one walk can make.
MAX_LIST_PAGES: Final = 1000


class CursorWalk:
    """One walk through a list, page by page.

    ``cursor`` is the ``starting_after`` of the next request. After each page,
    ``fresh(page)`` gives the characters not seen earlier in this walk, and
    ``advance(page)`` says whether another page follows, raising ``PaginationError``
    when the server's cursor repeats, brings nothing new, or the walk passes
    ``max_pages``.
    """

    def __init__(self, *, max_pages: int = MAX_LIST_PAGES) -> None:
        if max_pages < 1:
            raise ValueError("max_pages must be at least 1")
        self.max_pages = max_pages
        self.cursor: str | None = None
        self.pages = 0
        self._cursors: set[str] = set()
        self._ids: set[str] = set()
        self._last: CharacterPage | None = None
        self._new_on_page = 0

    @property
    def seen(self) -> frozenset[str]:
        """Every id this walk has met, skipped items with an id included."""
        return frozenset(self._ids)

    def fresh(self, page: CharacterPage) -> list[Character]:
        """The page's characters this walk has not met before, in order."""
        if page is self._last:
            return []
        self._last = page
        new = []
        for character in page.data:
            if character.id not in self._ids:
                self._ids.add(character.id)
                new.append(character)
        for skipped in page.skipped:
            if skipped.id is not None and skipped.id not in self._ids:
                self._ids.add(skipped.id)
                self._new_on_page += 1
        self._new_on_page += len(new)
        return new

    def advance(self, page: CharacterPage) -> bool:
        """True, with ``cursor`` moved on, if the walk goes on; False when it is over."""
        self.fresh(page)  # a no-op if the caller already took them
        new, self._new_on_page = self._new_on_page, 0
        self.pages += 1
        if not page.has_more or not (page.data or page.skipped):
            return False
        cursor = page.next_cursor or (page.data[-1].id if page.data else None)
        request_id = page.meta.request_id
        if cursor is None:
            raise PaginationError(
                "the list says more pages follow but gives no cursor to reach them",
                request_id=request_id,
            )
        if cursor == self.cursor or cursor in self._cursors:
            raise PaginationError(
                f"the list's cursor repeated ({cursor[:80]!r}) after {self.pages} pages; "
                "stopped so it does not loop",
                request_id=request_id,
            )
        if not new:
            raise PaginationError(
                f"page {self.pages} of the list held only characters already seen; "
                "stopped so it does not loop",
                request_id=request_id,
            )
        if self.pages >= self.max_pages:
            raise PaginationError(
                f"the list did not end after {self.pages} pages; stopped there",
                request_id=request_id,
            )
        if self.cursor is not None:
            self._cursors.add(self.cursor)
        self.cursor = cursor
        return True
