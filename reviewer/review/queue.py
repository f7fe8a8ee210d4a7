"""The review queue: the team's characters still awaiting a decision, newest first.

The list of entries is the source of truth for the window; the UI's list model is an
adapter that follows the row signals (``inserting``/``inserted`` and so on) emitted here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from psygnal import Signal

from reviewer.api import SYNTHESIZED_POSES, Character, CharacterStatus

from .decisions import DecisionKind

__all__ = ["QUEUE_STATUSES", "Counts", "Entry", "ReviewQueue", "StatusFilter"]

QUEUE_STATUSES = frozenset(
    {CharacterStatus.REVIEWING, CharacterStatus.SYNTHESIZING, CharacterStatus.FAILED}
)


class StatusFilter(StrEnum):
    ALL = "all"
    REVIEWING = "reviewing"
    SYNTHESIZING = "synthesizing"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Counts:
    to_review: int = 0
    synthesizing: int = 0
    failed: int = 0
    decided: int = 0

    def describe(self) -> str:
        parts = [f"{self.to_review} to review", f"{self.synthesizing} synthesizing"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        parts.append(f"{self.decided} decided this session")
        return " · ".join(parts)


class Entry:
    """One character in the queue: the server's latest view plus what this reviewer has
    decided about it and not yet seen confirmed."""

    __slots__ = ("before", "character", "compare_pose", "message", "pending", "regenerating")

    def __init__(self, character: Character) -> None:
        self.character = character
        self.pending: DecisionKind | None = None
        # Poses being made anew; the others stay on screen meanwhile.
        self.regenerating: frozenset[str] = frozenset()
        # The character as it was before a regenerate of ``compare_pose``: before/after.
        self.before: Character | None = None
        self.compare_pose: str | None = None
        self.message: str | None = None

    @property
    def id(self) -> str:
        return self.character.id

    @property
    def name(self) -> str:
        return self.character.name or self.character.id

    @property
    def status(self) -> str:
        """The status the reviewer sees, counting decisions not yet confirmed."""
        if self.pending in (DecisionKind.REGENERATE, DecisionKind.RESYNTHESIZE):
            return CharacterStatus.SYNTHESIZING
        return self.character.status

    @property
    def hidden(self) -> bool:
        return self.pending in (DecisionKind.SAVE, DecisionKind.DISCARD)

    @property
    def comparing(self) -> bool:
        return (
            self.before is not None
            and self.compare_pose is not None
            and self.status == CharacterStatus.REVIEWING
        )

    def sort_key(self) -> tuple[float, str]:
        return (self.character.created_at.timestamp(), self.character.id)

    def __repr__(self) -> str:
        return f"Entry({self.id!r}, {self.status!r}, pending={self.pending})"


class ReviewQueue:
    inserting = Signal(int)
    inserted = Signal(int)
    removing = Signal(int)
    removed = Signal(int)
    changed = Signal(int)
    resetting = Signal()
    reset = Signal()
    current_changed = Signal(object)  # Entry | None
    counts_changed = Signal(object)  # Counts

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self._view: list[str] = []  # ids shown, newest first
        self._current: str | None = None
        self._filter = StatusFilter.ALL
        self._search = ""
        self._decided = 0
        self._counts = Counts()

    # -- reading ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._view)

    def __iter__(self) -> Iterator[Entry]:
        return (self._entries[i] for i in self._view)

    def __contains__(self, character_id: object) -> bool:
        return character_id in self._entries

    def at(self, row: int) -> Entry:
        return self._entries[self._view[row]]

    def get(self, character_id: str) -> Entry | None:
        return self._entries.get(character_id)

    def row_of(self, character_id: str) -> int | None:
        try:
            return self._view.index(character_id)
        except ValueError:
            return None

    def all_entries(self) -> list[Entry]:
        return list(self._entries.values())

    @property
    def current(self) -> Entry | None:
        return self._entries.get(self._current) if self._current else None

    @property
    def current_row(self) -> int | None:
        return self.row_of(self._current) if self._current else None

    @property
    def counts(self) -> Counts:
        return self._counts

    @property
    def status_filter(self) -> StatusFilter:
        return self._filter

    @property
    def search(self) -> str:
        return self._search

    def following(self, count: int) -> list[Entry]:
        """The entries after the current one, for prefetching."""
        row = self.current_row
        start = 0 if row is None else row + 1
        return [self._entries[i] for i in self._view[start : start + count]]

    # -- changing -----------------------------------------------------------------------

    def upsert(self, character: Character) -> Entry | None:
        """Take the server's latest view of a character. Returns the entry, or None when
        the character does not belong in the queue (then it is removed if present)."""
        entry = self._entries.get(character.id)
        if character.status not in QUEUE_STATUSES and not (entry and entry.pending):
            self.remove(character.id)
            return None
        if entry is None:
            entry = Entry(character)
            self._entries[character.id] = entry
        else:
            entry.character = character
            if character.status != CharacterStatus.SYNTHESIZING and entry.pending is None:
                entry.regenerating = frozenset()
        self._refresh(entry)
        return entry

    def remove(self, character_id: str) -> Entry | None:
        entry = self._entries.get(character_id)
        if entry is None:
            return None
        self._hide(character_id)
        del self._entries[character_id]
        self._update_counts()
        return entry

    def set_pending(self, character_id: str, kind: DecisionKind, pose: str | None = None) -> None:
        entry = self._entries[character_id]
        entry.pending = kind
        entry.message = None
        entry.before = entry.compare_pose = None
        if kind is DecisionKind.REGENERATE and pose:
            entry.regenerating = frozenset({pose})
            entry.before, entry.compare_pose = entry.character, pose
        elif kind is DecisionKind.RESYNTHESIZE:
            entry.regenerating = frozenset(SYNTHESIZED_POSES)
        self._refresh(entry)

    def clear_pending(self, character_id: str, *, message: str | None = None) -> None:
        """The decision was undone or failed: the entry shows the server's view again."""
        entry = self._entries.get(character_id)
        if entry is None:
            return
        if entry.pending in (DecisionKind.REGENERATE, DecisionKind.RESYNTHESIZE):
            entry.regenerating = frozenset()
            entry.before = entry.compare_pose = None
        entry.pending = None
        entry.message = message
        self._refresh(entry)

    def confirm(self, character_id: str) -> None:
        """The server accepted the pending decision (an upsert brings its new state)."""
        entry = self._entries.get(character_id)
        if entry is not None:
            entry.pending = None

    def end_comparison(self, character_id: str) -> None:
        entry = self._entries.get(character_id)
        if entry is not None and entry.before is not None:
            entry.before = entry.compare_pose = None
            self._refresh(entry)

    def set_message(self, character_id: str, message: str | None) -> None:
        entry = self._entries.get(character_id)
        if entry is not None:
            entry.message = message
            self._refresh(entry)

    def add_decided(self, delta: int) -> None:
        self._decided = max(0, self._decided + delta)
        self._update_counts()

    def set_filter(
        self, status_filter: StatusFilter | None = None, search: str | None = None
    ) -> None:
        if status_filter is not None:
            self._filter = status_filter
        if search is not None:
            self._search = search.strip()
        self.resetting.emit()
        self._view = sorted(
            (i for i, e in self._entries.items() if self._shows(e)),
            key=lambda i: self._entries[i].sort_key(),
            reverse=True,
        )
        self.reset.emit()
        if self._current not in self._view:
            self._set_current(self._view[0] if self._view else None)

    # -- moving -------------------------------------------------------------------------

    def select(self, character_id: str | None) -> bool:
        if character_id is not None and character_id not in self._view:
            return False
        self._set_current(character_id)
        return True

    def select_row(self, row: int) -> bool:
        if not 0 <= row < len(self._view):
            return False
        return self.select(self._view[row])

    def step(self, delta: int) -> bool:
        """Move ``delta`` rows (down is older); False at either end."""
        if not self._view:
            return False
        row = self.current_row
        return self.select_row(0 if row is None else row + delta)

    # -- internals ----------------------------------------------------------------------

    def _shows(self, entry: Entry) -> bool:
        if entry.hidden or entry.status not in QUEUE_STATUSES:
            return False
        if self._filter is not StatusFilter.ALL and entry.status != self._filter:
            return False
        return not self._search or self._search.casefold() in entry.name.casefold()

    def _refresh(self, entry: Entry) -> None:
        row = self.row_of(entry.id)
        if self._shows(entry):
            if row is None:
                self._show(entry)
            else:
                self.changed.emit(row)
                if entry.id == self._current:
                    self.current_changed.emit(entry)
        elif row is not None:
            self._hide(entry.id)
        self._update_counts()

    def _show(self, entry: Entry) -> None:
        key = entry.sort_key()
        row = next(
            (r for r, i in enumerate(self._view) if self._entries[i].sort_key() < key),
            len(self._view),
        )
        self.inserting.emit(row)
        self._view.insert(row, entry.id)
        self.inserted.emit(row)
        if self._current is None:
            self._set_current(entry.id)

    def _hide(self, character_id: str) -> None:
        row = self.row_of(character_id)
        if row is None:
            return
        self.removing.emit(row)
        del self._view[row]
        self.removed.emit(row)
        if character_id == self._current:
            # Advance to the next (older) one, as a culling tool does.
            following = self._view[row] if row < len(self._view) else None
            if following is None and self._view:
                following = self._view[-1]
            self._set_current(following)

    def _set_current(self, character_id: str | None) -> None:
        if character_id == self._current:
            return
        self._current = character_id
        self.current_changed.emit(self.current)

    def _update_counts(self) -> None:
        to_review = synthesizing = failed = 0
        for entry in self._entries.values():
            if entry.hidden:
                continue
            status = entry.status
            to_review += status == CharacterStatus.REVIEWING
            synthesizing += status == CharacterStatus.SYNTHESIZING
            failed += status == CharacterStatus.FAILED
        counts = Counts(to_review, synthesizing, failed, self._decided)
        if counts != self._counts:
            self._counts = counts
            self.counts_changed.emit(counts)
