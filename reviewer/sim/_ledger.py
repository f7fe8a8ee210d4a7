"""Ground truth for exactly-once tests, kept by the simulator itself rather than read from
the request log: every billed generation dispatch, and every operation that changed state.

An entry is written only when the operation ran and changed something. An idempotent replay,
a refused call (4xx), an injected fault before the call, and a save of a character already
ready add nothing. A reset after the call keeps its entry: the change happened, only the
answer was lost. Seeded characters are not in it. The lists are unbounded: every entry costs
a rate-limited request, so they grow by at most a few per team per second.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from ._model import JobKind

Operation = Literal["create", "save", "delete", "regenerate", "resynthesize", "patch"]


@dataclass(frozen=True)
class Origin:
    """The request an operation came with."""

    request_id: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Dispatch:
    """One paid synthesis run started: what the team is billed for."""

    team: str
    character_id: str
    kind: JobKind
    pose: str | None  # the regenerated pose; None when all four are made
    poses: tuple[str, ...]
    generations: int
    credits_held: int  # 0 under billing mode `exempt`
    idempotency_key: str | None
    request_id: str | None
    at: float

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "poses": list(self.poses)}


@dataclass(frozen=True)
class Applied:
    """One state-changing operation that took effect."""

    team: str
    character_id: str
    operation: Operation
    idempotency_key: str | None
    request_id: str | None
    at: float
    pose: str | None = None  # regenerate
    hard: bool | None = None  # delete: True when the character is gone for good
    fields: tuple[str, ...] = ()  # patch: what changed

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "fields": list(self.fields)}


class Ledger:
    """Not thread-safe on its own; the simulator calls it under its lock."""

    def __init__(self) -> None:
        self._dispatches: list[Dispatch] = []
        self._applied: list[Applied] = []

    def dispatched(self, entry: Dispatch) -> None:
        self._dispatches.append(entry)

    def applied(self, entry: Applied) -> None:
        self._applied.append(entry)

    def dispatches_of(self, team: str) -> list[Dispatch]:
        return [d for d in self._dispatches if d.team == team]

    def applied_of(self, team: str) -> list[Applied]:
        return [a for a in self._applied if a.team == team]
