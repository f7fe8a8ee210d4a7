"""The review queue: the team's characters still awaiting a decision, newest first.

The list of entries is the source of truth for the window; the UI's list model is an
adapter that follows the row signals (``inserting``/``inserted`` and so on) emitted here.
"""

from __future__ import annotations

import bisect
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from psygnal import Signal

from reviewer.api import SYNTHESIZED_POSES, Character, CharacterStatus

from .arrange import EVERYONE, AttributeFilter, Share, SortOrder
from .decisions import Decision, DecisionKind

__all__ = ["QUEUE_STATUSES", "Counts", "Entry", "ReviewQueue", "StatusFilter"]

QUEUE_STATUSES = frozenset(
    {CharacterStatus.REVIEWING, CharacterStatus.SYNTHESIZING, CharacterStatus.FAILED}
)


# The counts' key for entries in colleagues' shares.
_OTHERS = "others"


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
    # Flagged "later" (undecided, in this reviewer's share).
    later: int = 0
    # The team split: this reviewer's share, and how many others' shares hold.
    share: Share | None = None
    others: int = 0

    def describe(self) -> str:
        parts = [f"{self.to_review} to review", f"{self.synthesizing} synthesizing"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        parts.append(f"{self.decided} decided this session")
        if self.share is not None:
            parts.append(f"{self.share.describe()} · {self.others} with others")
        return " · ".join(parts)


class Entry:
    """One character in the queue: the server's latest view plus what this reviewer has
    decided about it and not yet seen confirmed."""

    __slots__ = (
        "before",
        "character",
        "compare_pose",
        "decision",
        "later",
        "message",
        "pending",
        "regenerating",
        "sort_key",
    )

    def __init__(self, character: Character) -> None:
        self.character = character
        # The view is kept in ascending order of this key and read backwards; the queue
        # sets it (ReviewQueue._key): newest first by default, "later" ones last.
        self.sort_key: tuple[int, float, str] = (1, character.created_at.timestamp(), character.id)
        # When the reviewer flagged it "later" (epoch seconds), or None.
        self.later: float | None = None
        self.pending: DecisionKind | None = None
        # The decision on its way, for showing where it stands (waiting, sending...).
        self.decision: Decision | None = None
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
    def decided(self) -> bool:
        """Saved or discarded here, not yet confirmed: the row stays, dimmed, until the
        server has answered, and moving through the queue passes over it."""
        return self.pending in (DecisionKind.SAVE, DecisionKind.DISCARD)

    @property
    def comparing(self) -> bool:
        return (
            self.before is not None
            and self.compare_pose is not None
            and self.status == CharacterStatus.REVIEWING
        )

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
    arranged = Signal()  # the sort order, attribute filter, later filter or share changed

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        # Sort keys of the entries shown, ascending (oldest first); row r is the
        # (len - 1 - r)th. Bisecting it keeps every row lookup O(log n) for long queues.
        self._keys: list[tuple[int, float, str]] = []
        self._current: str | None = None
        # Until the reviewer picks one, the current entry is the first that can be
        # decided: a synthesizing one that arrived first gives way to one in review,
        # and while the first sweep comes in (``follow_top``) one above it does too
        # (oldest first, the API's first page is the bottom of the list).
        self._chosen = False
        self._follow_top = False
        self._filter = StatusFilter.ALL
        self._search = ""
        self._decided = 0
        # What each entry adds to the counts, so a change costs O(1), not a recount.
        self._tally: dict[str, str] = {}
        self._by_status: dict[str, int] = {}
        self._counts = Counts()
        self._order = SortOrder.NEWEST
        self._attributes = AttributeFilter()
        self._later_only = False
        self._share = EVERYONE
        # Flags by character id, also for characters not (yet) in the queue.
        self._later: dict[str, float] = {}
        self._later_counted: set[str] = set()
        self._recounting = False  # one counts_changed for a recount, not one per entry
        # Ids whose status is synthesizing, kept as they change: the poller asks every
        # cycle, and a scan of a queue of thousands took the GUI thread 10+ ms each time.
        self._synthesizing: set[str] = set()

    # -- reading ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[Entry]:
        return (self._entries[key[-1]] for key in reversed(self._keys))

    def __contains__(self, character_id: object) -> bool:
        return character_id in self._entries

    def at(self, row: int) -> Entry:
        if not 0 <= row < len(self._keys):
            raise IndexError(row)
        return self._entries[self._keys[len(self._keys) - 1 - row][-1]]

    def get(self, character_id: str) -> Entry | None:
        return self._entries.get(character_id)

    def row_of(self, character_id: str) -> int | None:
        entry = self._entries.get(character_id)
        if entry is None:
            return None
        i = bisect.bisect_left(self._keys, entry.sort_key)
        if i < len(self._keys) and self._keys[i] == entry.sort_key:
            return len(self._keys) - 1 - i
        return None

    def all_entries(self) -> list[Entry]:
        return list(self._entries.values())

    def synthesizing_ids(self) -> set[str]:
        """Ids of the entries that are synthesizing, shown or not (a copy)."""
        return set(self._synthesizing)

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

    @property
    def sort_order(self) -> SortOrder:
        return self._order

    @property
    def attribute_filter(self) -> AttributeFilter:
        return self._attributes

    @property
    def later_only(self) -> bool:
        return self._later_only

    @property
    def share(self) -> Share:
        return self._share

    @property
    def narrowed(self) -> bool:
        """True when a filter or the search hides part of the queue (the share aside)."""
        return bool(
            self._search
            or self._filter is not StatusFilter.ALL
            or self._attributes.active
            or self._later_only
        )

    def in_share(self, entry: Entry) -> bool:
        return self._share.includes(entry.id)

    def arrangeable(self) -> list[Entry]:
        """The entries this reviewer could see with no filter: for the filter's choices."""
        return [
            e for e in self._entries.values() if e.status in QUEUE_STATUSES and self.in_share(e)
        ]

    def following(self, count: int) -> list[Entry]:
        """The undecided entries after the current one, for prefetching."""
        row = self.current_row
        return self._undecided(range(0 if row is None else row + 1, len(self)), count)

    def preceding(self, count: int) -> list[Entry]:
        """The undecided entries before the current one, nearest first."""
        row = self.current_row
        return self._undecided(range(-1 if row is None else row - 1, -1, -1), count)

    def _undecided(self, rows: range, count: int) -> list[Entry]:
        found: list[Entry] = []
        for r in rows:
            if len(found) >= count:
                break
            entry = self.at(r)
            if not entry.decided:
                found.append(entry)
        return found

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
            entry.later = self._later.get(character.id)
            entry.sort_key = self._key(entry)
            self._entries[character.id] = entry
        else:
            if character == entry.character:
                return entry  # a poll that brings nothing new costs nothing
            moved = character.created_at != entry.character.created_at
            if moved:
                self._hide(character.id)  # its place in the list moves
            entry.character = character
            if moved:
                entry.sort_key = self._key(entry)
            if character.status != CharacterStatus.SYNTHESIZING and entry.pending is None:
                entry.regenerating = frozenset()
        self._refresh(entry)
        return entry

    def remove(self, character_id: str) -> Entry | None:
        entry = self._entries.get(character_id)
        if entry is None:
            return None
        self._hide(character_id)
        self._count(entry, None)
        self._synthesizing.discard(character_id)
        del self._entries[character_id]
        return entry

    def set_pending(
        self,
        character_id: str,
        kind: DecisionKind,
        pose: str | None = None,
        decision: Decision | None = None,
    ) -> None:
        entry = self._entries[character_id]
        entry.pending = kind
        entry.decision = decision
        entry.message = None
        entry.before = entry.compare_pose = None
        if kind is DecisionKind.REGENERATE and pose:
            entry.regenerating = frozenset({pose})
            entry.before, entry.compare_pose = entry.character, pose
        elif kind is DecisionKind.RESYNTHESIZE:
            entry.regenerating = frozenset(SYNTHESIZED_POSES)
        self._refresh(entry)
        if entry.decided and character_id == self._current:
            self._move_off(self.row_of(character_id))

    def clear_pending(self, character_id: str, *, message: str | None = None) -> None:
        """The decision was undone or failed: the entry shows the server's view again."""
        entry = self._entries.get(character_id)
        if entry is None:
            return
        if entry.pending in (DecisionKind.REGENERATE, DecisionKind.RESYNTHESIZE):
            entry.regenerating = frozenset()
            entry.before = entry.compare_pose = None
        entry.pending = None
        entry.decision = None
        entry.message = message
        self._refresh(entry)

    def confirm(self, character_id: str) -> None:
        """The server accepted the pending decision (an upsert brings its new state)."""
        entry = self._entries.get(character_id)
        if entry is not None:
            entry.pending = None
            entry.decision = None
            self._refresh(entry)

    def touch(self, character_id: str) -> None:
        """Something shown about the entry changed outside it (its decision's progress)."""
        row = self.row_of(character_id)
        if row is not None:
            self.changed.emit(row)

    def add_decided(self, delta: int) -> None:
        self._decided = max(0, self._decided + delta)
        self._publish_counts()

    def set_filter(
        self, status_filter: StatusFilter | None = None, search: str | None = None
    ) -> None:
        if status_filter is not None:
            self._filter = status_filter
        if search is not None:
            self._search = search.strip()
        self._rebuild()

    def set_sort(self, order: SortOrder) -> None:
        if order is not self._order:
            self._order = order
            self._rearranged()

    def set_attribute_filter(self, attributes: AttributeFilter) -> None:
        if attributes != self._attributes:
            self._attributes = attributes
            self._rearranged()

    def set_later_only(self, later_only: bool) -> None:
        if later_only != self._later_only:
            self._later_only = later_only
            self._rearranged()

    def set_share(self, share: Share) -> None:
        if share != self._share:
            self._share = share
            self._rearranged()

    def load_later(self, flags: dict[str, float]) -> None:
        """The flags kept from earlier sessions (before the first poll, usually)."""
        self._later = dict(flags)
        for entry in self._entries.values():
            entry.later = self._later.get(entry.id)
        self._rearranged()

    def set_later(self, character_id: str, flagged_at: float | None) -> None:
        """Flag a character "later" (it goes to the end of the queue) or clear the flag
        (it goes back to its place). Flagging the current one moves on to the next, as
        deciding does; clearing it keeps it current."""
        if flagged_at is None:
            self._later.pop(character_id, None)
        else:
            self._later[character_id] = flagged_at
        entry = self._entries.get(character_id)
        if entry is None or entry.later == flagged_at:
            return
        was_current = character_id == self._current
        row = self.row_of(character_id)
        if row is not None:
            self.removing.emit(row)
            del self._keys[len(self._keys) - 1 - row]
            self.removed.emit(row)
        entry.later = flagged_at
        entry.sort_key = self._key(entry)
        shown = self._shows(entry)
        if shown:
            self._show(entry)
        self._count(entry, self._tally_of(entry))
        if was_current:
            if flagged_at is not None or not shown:
                self._move_off(row, removed=True)
            elif self._current == character_id:
                self.current_changed.emit(entry)
            else:
                # A view following the row signals may have moved the current meanwhile.
                self._set_current(character_id)

    def follow_top(self, on: bool) -> None:
        """While the first sweep loads: until the reviewer moves, the current entry is the
        top row. Off afterwards, so a newly arrived character never takes the place of
        the one the reviewer is looking at."""
        self._follow_top = on

    def _rearranged(self) -> None:
        for entry in self._entries.values():
            entry.sort_key = self._key(entry)
        self._rebuild()
        with self.counting_once():
            for entry in self._entries.values():
                self._count(entry, self._tally_of(entry))
        self.arranged.emit()

    def _rebuild(self) -> None:
        self.resetting.emit()
        self._keys = sorted(e.sort_key for e in self._entries.values() if self._shows(e))
        self.reset.emit()
        if self._current is None or self.row_of(self._current) is None:
            reviewable = next((e for e in self if _reviewable(e)), None)
            if reviewable is not None:
                self._set_current(reviewable.id)
            else:
                self._move_off(0, removed=True)

    # -- moving -------------------------------------------------------------------------

    def select(self, character_id: str | None) -> bool:
        if character_id is not None and self.row_of(character_id) is None:
            return False
        # Moving away from a current entry is a choice; taking one where there was none
        # (the list view does on getting the focus) is not.
        if self._current is not None and character_id != self._current:
            self._chosen = True
        self._set_current(character_id)
        return True

    def select_row(self, row: int) -> bool:
        if not 0 <= row < len(self._keys):
            return False
        return self.select(self.at(row).id)

    def step(self, delta: int) -> bool:
        """Move ``delta`` undecided rows (down is older); False at either end."""
        if not self._keys or delta == 0:
            return False
        row = self.current_row
        direction = 1 if delta > 0 else -1
        r = (-1 if direction > 0 else len(self._keys)) if row is None else row
        left = abs(delta)
        target = None
        while left:
            r += direction
            if not 0 <= r < len(self._keys):
                break
            if not self.at(r).decided:
                target, left = r, left - 1
        return target is not None and self.select_row(target)

    # -- internals ----------------------------------------------------------------------

    def _key(self, entry: Entry) -> tuple[int, float, str]:
        """Row order, read from the largest key down: "later" ones after the rest, the
        most recently flagged last; the rest by creation time, newest or oldest first."""
        if entry.later is not None:
            return (0, -entry.later, entry.id)
        created = entry.character.created_at.timestamp()
        return (1, created if self._order is SortOrder.NEWEST else -created, entry.id)

    def _shows(self, entry: Entry) -> bool:
        if entry.status not in QUEUE_STATUSES or not self.in_share(entry):
            return False
        if self._filter is not StatusFilter.ALL and entry.status != self._filter:
            return False
        if self._later_only and entry.later is None:
            return False
        if not self._attributes.matches(entry.character):
            return False
        return not self._search or self._search.casefold() in entry.name.casefold()

    def _tally_of(self, entry: Entry) -> str | None:
        """What the entry adds to the counts: its status, "others" outside the share."""
        if entry.decided:
            return None
        return entry.status if self.in_share(entry) else _OTHERS

    def _refresh(self, entry: Entry) -> None:
        if entry.status == CharacterStatus.SYNTHESIZING:
            self._synthesizing.add(entry.id)
        else:
            self._synthesizing.discard(entry.id)
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
        self._count(entry, self._tally_of(entry))

    def _show(self, entry: Entry) -> None:
        i = bisect.bisect_left(self._keys, entry.sort_key)
        row = len(self._keys) - i
        self.inserting.emit(row)
        self._keys.insert(i, entry.sort_key)
        self.inserted.emit(row)
        if self._takes_first_place(entry, row):
            self._set_current(entry.id)

    def _takes_first_place(self, entry: Entry, row: int) -> bool:
        if entry.decided:
            return False
        if self._current is None:
            return True
        current = self._entries.get(self._current)
        if self._chosen:
            return False
        if _reviewable(entry) and (current is None or not _reviewable(current)):
            return True
        if current is None:
            return False
        current_row = self.current_row
        return (
            self._follow_top
            and _reviewable(entry) == _reviewable(current)
            and current_row is not None
            and row < current_row
        )

    def _hide(self, character_id: str) -> None:
        row = self.row_of(character_id)
        if row is None:
            return
        self.removing.emit(row)
        del self._keys[len(self._keys) - 1 - row]
        self.removed.emit(row)
        if character_id == self._current:
            self._move_off(row, removed=True)

    def _move_off(self, row: int | None, *, removed: bool = False) -> None:
        """The current entry was decided or left: go to the next undecided one (older
        first, as a culling tool does), else the nearest newer one, else none."""
        if row is None:
            self._set_current(None)
            return
        older = range(row if removed else row + 1, len(self._keys))
        newer = range(min(row, len(self._keys)) - 1, -1, -1)
        for r in (*older, *newer):
            entry = self.at(r)
            if not entry.decided:
                self._set_current(entry.id)
                return
        self._set_current(None)

    def _set_current(self, character_id: str | None) -> None:
        if character_id == self._current:
            return
        self._current = character_id
        self.current_changed.emit(self.current)

    def _count(self, entry: Entry, status: str | None) -> None:
        """Move the entry's contribution to the counts to ``status`` (None: nothing)."""
        old = self._tally.pop(entry.id, None)
        if old is not None:
            self._by_status[old] -= 1
        if status is not None:
            self._tally[entry.id] = status
            self._by_status[status] = self._by_status.get(status, 0) + 1
        later = status is not None and status != _OTHERS and entry.later is not None
        was_later = entry.id in self._later_counted
        if later:
            self._later_counted.add(entry.id)
        else:
            self._later_counted.discard(entry.id)
        if (old != status or later != was_later) and not self._recounting:
            self._publish_counts()

    @contextlib.contextmanager
    def counting_once(self) -> Iterator[None]:
        """The counts that the changes inside make are published once, at the end: a
        poll landing 50 characters restated the window's tabs and status bar 50 times
        (~65 µs each, on the GUI thread, in one turn of its loop)."""
        outer = self._recounting
        self._recounting = True
        try:
            yield
        finally:
            self._recounting = outer
            if not outer:
                self._publish_counts()

    def _publish_counts(self) -> None:
        get = self._by_status.get
        counts = Counts(
            get(CharacterStatus.REVIEWING, 0),
            get(CharacterStatus.SYNTHESIZING, 0),
            get(CharacterStatus.FAILED, 0),
            self._decided,
            len(self._later_counted),
            self._share if self._share.splits else None,
            get(_OTHERS, 0),
        )
        if counts != self._counts:
            self._counts = counts
            self.counts_changed.emit(counts)


def _reviewable(entry: Entry) -> bool:
    return not entry.pending and entry.status == CharacterStatus.REVIEWING
