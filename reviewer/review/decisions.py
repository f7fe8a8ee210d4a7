"""What a reviewer decided about a character, and where decisions are kept."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from reviewer.api import Character, new_idempotency_key

from .history import HistoryRow, history_rows

__all__ = [
    "COSTS",
    "Decision",
    "DecisionKind",
    "DecisionState",
    "DecisionStore",
    "MemoryDecisionStore",
    "Outcome",
    "Phase",
]


class DecisionKind(StrEnum):
    SAVE = "save"
    DISCARD = "discard"
    REGENERATE = "regenerate"
    RESYNTHESIZE = "resynthesize"

    @property
    def paid(self) -> bool:
        return COSTS[self] > 0

    @property
    def verb(self) -> str:
        return _VERBS[self]

    @property
    def past(self) -> str:
        return _PAST[self]


# Generations each decision dispatches (the contract: regenerate 1, resynthesize 4).
COSTS: dict[DecisionKind, int] = {
    DecisionKind.SAVE: 0,
    DecisionKind.DISCARD: 0,
    DecisionKind.REGENERATE: 1,
    DecisionKind.RESYNTHESIZE: 4,
}

_VERBS = {
    DecisionKind.SAVE: "Saved",
    DecisionKind.DISCARD: "Discarded",
    DecisionKind.REGENERATE: "Regenerating",
    DecisionKind.RESYNTHESIZE: "Resynthesizing",
}


_PAST = {
    DecisionKind.SAVE: "saved",
    DecisionKind.DISCARD: "discarded",
    DecisionKind.REGENERATE: "regenerated",
    DecisionKind.RESYNTHESIZE: "resynthesized",
}


class DecisionState(StrEnum):
    PENDING = "pending"  # inside its undo window
    SENDING = "sending"
    DONE = "done"
    FAILED = "failed"  # needs attention: the reviewer retries or drops it
    UNDONE = "undone"
    DROPPED = "dropped"  # a failed decision the reviewer let go


UNFINISHED = (DecisionState.PENDING, DecisionState.SENDING)


class Phase(StrEnum):
    """Where a decision that is being sent stands right now (not journaled)."""

    WAITING = "waiting"  # inside its undo window
    RATE_LIMITED = "rate_limited"  # waiting for a token of the team's bucket
    SENDING = "sending"  # a request is out
    RETRYING = "retrying"  # the last attempt failed for a passing reason
    OFFLINE = "offline"  # the API cannot be reached; it goes when it answers again
    SIGN_IN = "sign_in"  # the key was refused; it goes once a valid key is given
    FINISHED = "finished"


@dataclass(eq=False)
class Decision:
    """One decision. Paid kinds get their idempotency key here, when the key is pressed,
    so every later attempt (a retry, or after a restart) reuses it and bills once."""

    kind: DecisionKind
    character_id: str
    character_name: str
    made_at: float  # wall clock, for journals and people
    due_at: float  # monotonic: sent once its undo window has passed
    pose: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    idempotency_key: str | None = None
    state: DecisionState = DecisionState.PENDING
    attempts: int = 0
    error: str | None = None
    request_id: str | None = None  # of the server's last answer about it
    # Wall clock when the server confirmed it (for the history); None until then.
    sent_at: float | None = None
    # Order of making, across sessions (the journal's row number): decisions go out in it.
    seq: int = 0
    # True once the call that changes the server (save, DELETE, the paid POST) went out,
    # in this run or an earlier one: a retry then skips the precheck, and a DELETE
    # answered 404 means our earlier attempt took effect.
    dispatched: bool = False
    # Set on decisions an earlier session left unfinished.
    resumed: bool = False
    # Decisions made together on a selection share it: one undo takes them all back.
    group_id: str | None = None
    phase: Phase = field(default=Phase.WAITING, compare=False)
    phase_reason: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.kind is DecisionKind.REGENERATE and not self.pose:
            raise ValueError("a regenerate decision needs a pose")
        if self.kind.paid and self.idempotency_key is None:
            self.idempotency_key = new_idempotency_key()

    @property
    def cost(self) -> int:
        return COSTS[self.kind]

    def describe(self) -> str:
        """'Saved “Aurora”', 'Regenerating the side pose of “Aurora”'."""
        if self.kind is DecisionKind.REGENERATE:
            return f"{self.kind.verb} the {self.pose} pose of “{self.character_name}”"
        return f"{self.kind.verb} “{self.character_name}”"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the server made of a sent decision."""

    character: Character | None  # the server's view afterwards, when it has one
    gone: bool = False  # the character no longer exists there
    note: str | None = None  # something the reviewer should be told
    request_id: str | None = None  # of the answer that settled it, for the history


class DecisionStore(Protocol):
    """Where decisions live while they matter: the crash-safe journal, or memory in tests.
    The outbox re-sends what ``unfinished`` returns after a restart."""

    def record(self, decision: Decision) -> None:
        """Called once, before the decision can be sent or shown; sets ``seq``."""
        ...

    def record_group(self, decisions: list[Decision]) -> None:
        """``record`` for decisions made together: all of them or none."""
        ...

    def update(self, decision: Decision) -> None:
        """Called after every change worth keeping (state, dispatched, error)."""
        ...

    def unfinished(self) -> list[Decision]:
        """Pending or sending, in the order they were made."""
        ...

    def failed(self) -> list[Decision]:
        """Those that need the reviewer's attention, in the order they were made."""
        ...

    def history(self, since: datetime | None = None, limit: int | None = None) -> list[HistoryRow]:
        """Every decision kept (made at or after ``since``), newest first, at most
        ``limit`` of them."""
        ...


class MemoryDecisionStore:
    """Keeps decisions for this run only."""

    def __init__(self) -> None:
        self._decisions: dict[str, Decision] = {}
        self._seq = 0

    def record(self, decision: Decision) -> None:
        self._seq += 1
        decision.seq = self._seq
        self._decisions[decision.id] = decision

    def record_group(self, decisions: list[Decision]) -> None:
        for decision in decisions:
            self.record(decision)

    def update(self, decision: Decision) -> None:
        self._decisions[decision.id] = decision

    def unfinished(self) -> list[Decision]:
        return [d for d in self._decisions.values() if d.state in UNFINISHED]

    def failed(self) -> list[Decision]:
        return [d for d in self._decisions.values() if d.state is DecisionState.FAILED]

    def history(self, since: datetime | None = None, limit: int | None = None) -> list[HistoryRow]:
        return history_rows(self._decisions.values(), since, limit)
