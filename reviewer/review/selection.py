"""Several characters selected at once, beside the queue's current one.

The queue's current entry is where the keyboard is; the selection is the set a Save or
Discard applies to when it holds two or more. It follows the queue: an entry that leaves
the queue or is filtered out leaves the selection too. One entry or none means "no
multi-selection": decisions then apply to the current entry, as always.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from psygnal import Signal

from .decisions import COSTS, DecisionKind
from .queue import Entry, ReviewQueue

__all__ = ["GroupPlan", "Selection"]

_TITLES = {
    DecisionKind.SAVE: "Save",
    DecisionKind.DISCARD: "Discard",
    DecisionKind.REGENERATE: "Regenerate",
    DecisionKind.RESYNTHESIZE: "Resynthesize",
}


@dataclass(frozen=True)
class GroupPlan:
    """What one decision on a selection would do: whom it applies to, and why the
    others are left out (a short reason each, counted)."""

    kind: DecisionKind
    selected: int
    entries: list[Entry]
    skipped: Counter[str] = field(default_factory=Counter)
    pose: str | None = None

    @property
    def cost(self) -> int:
        """Generations, for all of them together."""
        return COSTS[self.kind] * len(self.entries)

    def skipped_text(self) -> str:
        """'synthesizing' or '2 synthesizing, 1 failed'."""
        if len(self.skipped) == 1:
            return next(iter(self.skipped))
        return ", ".join(f"{n} {why}" for why, n in self.skipped.most_common())

    def describe(self) -> str:
        """'Save 11 · 1 cannot be decided (synthesizing)': for the details column."""
        what = _TITLES[self.kind]
        if self.kind is DecisionKind.REGENERATE:
            what += f" the {self.pose} pose of"
        text = f"{what} {len(self.entries)}"
        if self.cost:
            text += f" ({generations(self.cost)})"
        left = sum(self.skipped.values())
        if left:
            text += f" · {left} cannot be decided ({self.skipped_text()})"
        return text

    def refusal(self) -> str:
        """Why it does nothing: none of the selected can take it."""
        return (
            f"None of the {self.selected} selected can be {self.kind.past} ({self.skipped_text()})"
        )


def generations(count: int) -> str:
    return f"{count} generation" + ("" if count == 1 else "s")


class Selection:
    changed = Signal()

    def __init__(self, queue: ReviewQueue) -> None:
        self._queue = queue
        self._ids: list[str] = []  # in queue order, top row first
        # Where a Shift-range starts; None: at the current entry.
        self._anchor: str | None = None
        # Last, after the list views have followed the change (priority -1), so a view
        # that mirrors the selection sees its rows settled.
        queue.removed.connect(lambda _row: self._prune(), priority=-1)
        queue.reset.connect(self._prune, priority=-1)

    # -- reading ------------------------------------------------------------------------

    @property
    def ids(self) -> list[str]:
        return list(self._ids)

    @property
    def entries(self) -> list[Entry]:
        return [e for e in map(self._queue.get, self._ids) if e is not None]

    @property
    def is_multi(self) -> bool:
        return len(self._ids) >= 2

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, character_id: object) -> bool:
        return character_id in self._ids

    @property
    def anchor(self) -> str | None:
        return self._anchor

    # -- changing -----------------------------------------------------------------------

    def select_ids(self, ids: Iterable[str]) -> None:
        """Select exactly these (those shown in the queue); a view's own selection."""
        wanted = self._ordered(ids)
        anchor = self._anchor if self._anchor in wanted else self._anchor_for(wanted)
        self._replace(wanted, anchor)

    def clear(self) -> None:
        self._replace([], None)

    def toggle(self, character_id: str) -> bool:
        """Ctrl+click: add or take out one entry, which becomes the current one."""
        if self._queue.row_of(character_id) is None:
            return False
        ids = set(self._ids) or self._current_ids()
        ids.symmetric_difference_update({character_id})
        self._replace(self._ordered(ids), character_id)
        self._queue.select(character_id)
        return True

    def extend_to(self, character_id: str) -> bool:
        """Shift+click: every row from the anchor to this one; it becomes current."""
        row = self._queue.row_of(character_id)
        if row is None:
            return False
        anchor = self._anchor or (self._queue.current.id if self._queue.current else None)
        start = self._queue.row_of(anchor) if anchor else None
        if start is None:
            anchor, start = character_id, row
        low, high = sorted((start, row))
        self._replace([self._queue.at(r).id for r in range(low, high + 1)], anchor)
        self._queue.select(character_id)
        return True

    def extend(self, delta: int) -> bool:
        """Shift+Down / Shift+Up: move the current entry one row at a time (over decided
        rows too: a range is every row in it), the selection from the anchor to it."""
        row = self._queue.current_row
        if row is None or delta == 0:
            return False
        target = row + delta
        if not 0 <= target < len(self._queue):
            return False
        return self.extend_to(self._queue.at(target).id)

    def select_all(self, decidable: Callable[[Entry], bool]) -> int:
        """Every entry shown that ``decidable`` accepts; returns how many."""
        ids = [e.id for e in self._queue if decidable(e)]
        current = self._queue.current
        self._replace(ids, ids[0] if ids else None)
        if ids and (current is None or current.id not in ids):
            self._queue.select(ids[0])
        return len(ids)

    # -- internals ----------------------------------------------------------------------

    def _current_ids(self) -> set[str]:
        current = self._queue.current
        return {current.id} if current is not None else set()

    def _ordered(self, ids: Iterable[str]) -> list[str]:
        rows = {row: cid for cid in ids if (row := self._queue.row_of(cid)) is not None}
        return [rows[r] for r in sorted(rows)]

    def _anchor_for(self, ids: list[str]) -> str | None:
        """A view's range whose one end is the current entry starts at the other end."""
        current = self._queue.current
        if len(ids) == 1:
            # A plain move or click: a Shift-range starts there. Qt changes a list's
            # selection before its current row, so the current entry is still the old one.
            return ids[0]
        if not ids or current is None:
            return None
        if current.id == ids[0]:
            return ids[-1]
        if current.id == ids[-1]:
            return ids[0]
        return current.id

    def _replace(self, ids: list[str], anchor: str | None) -> None:
        if len(ids) < 2:
            ids = []  # one entry is the current one: nothing beyond it is selected
        if ids == self._ids and anchor == self._anchor:
            return
        changed = ids != self._ids
        self._ids, self._anchor = ids, anchor
        if changed:
            self.changed.emit()

    def _prune(self) -> None:
        kept = self._ordered(self._ids)
        if kept != self._ids:
            self._replace(kept, self._anchor if self._anchor in kept else None)
