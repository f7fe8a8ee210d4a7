"""History: every decision this reviewer made, from the journal, in plain words.

The Decided panel and ``reviewer history`` both read it. ``read_history`` opens a
journal read-only (an sqlite ``mode=ro`` connection, no file lock), so producers can
run their reports while the app is open: in WAL mode a reader never blocks the writer
and sees every committed decision.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from .decisions import Decision

__all__ = [
    "STATE_WORDS",
    "HistoryError",
    "HistoryRow",
    "history_rows",
    "query_history",
    "read_history",
]

# The journal's states (DecisionState values) as the reviewer reads them. Plain text
# keys: decisions.py imports this module, so it cannot import decisions at run time.
STATE_WORDS: Final[dict[str, str]] = {
    "pending": "waiting",
    "sending": "sending",
    "done": "sent",
    "failed": "failed",
    "undone": "undone",
    "dropped": "dropped",
}

_KIND_WORDS: Final[dict[str, str]] = {
    "save": "save",
    "discard": "discard",
    "regenerate": "regenerate pose",
    "resynthesize": "resynthesize",
}


class HistoryError(RuntimeError):
    """The journal could not be read; the message says why in plain words."""


@dataclass(frozen=True, slots=True)
class HistoryRow:
    decision_id: str
    made_at: datetime  # aware, UTC
    sent_at: datetime | None  # when the server confirmed it; None until then
    character_id: str
    character_name: str
    kind: str  # a DecisionKind value; kept as text so a newer version's kinds still list
    pose: str | None
    state: str  # a word of STATE_WORDS (or the journal's own for a state unknown here)
    request_id: str | None
    error: str | None

    @property
    def decision(self) -> str:
        """'save', 'regenerate pose'…"""
        return _KIND_WORDS.get(self.kind, self.kind)

    def as_json(self) -> dict[str, str | None]:
        """One object of ``reviewer history --format json``: ISO-8601 UTC times."""
        return {
            "made_at": _iso(self.made_at),
            "sent_at": _iso(self.sent_at) if self.sent_at else None,
            "character_id": self.character_id,
            "character_name": self.character_name,
            "decision": self.kind,
            "pose": self.pose,
            "state": self.state,
            "request_id": self.request_id,
            "error": self.error,
            "decision_id": self.decision_id,
        }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _word(state: str) -> str:
    return STATE_WORDS.get(state, state)


def history_rows(
    decisions: Iterable[Decision], since: datetime | None = None, limit: int | None = None
) -> list[HistoryRow]:
    """Decisions kept in memory (the demo) as history rows, newest first."""
    cutoff = since.timestamp() if since is not None else None
    chosen = [d for d in decisions if cutoff is None or d.made_at >= cutoff]
    chosen.sort(key=lambda d: (d.made_at, d.seq), reverse=True)
    chosen = chosen[:limit] if limit is not None else chosen
    return [
        HistoryRow(
            decision_id=d.id,
            made_at=_utc(d.made_at),
            sent_at=_utc(d.sent_at) if d.sent_at is not None else None,
            character_id=d.character_id,
            character_name=d.character_name,
            kind=d.kind.value,
            pose=d.pose,
            state=_word(d.state.value),
            request_id=d.request_id,
            error=d.error,
        )
        for d in chosen
    ]


def query_history(
    db: sqlite3.Connection, since: datetime | None = None, limit: int | None = None
) -> list[HistoryRow]:
    """The journal's rows as history, newest first. Reads journals written before
    ``sent_at`` was added too (a read-only reader cannot add the column)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(decisions)")}
    if not columns:
        return []  # a journal created but never written to
    sent = "sent_at" if "sent_at" in columns else "NULL"
    where, args = ("WHERE made_at >= ?", (since.timestamp(),)) if since else ("", ())
    rows = db.execute(
        f"SELECT id, made_at, {sent}, character_id, character_name, kind, pose, state, "
        f"request_id, error FROM decisions {where} ORDER BY made_at DESC, seq DESC LIMIT ?",
        (*args, -1 if limit is None else limit),
    ).fetchall()
    return [
        HistoryRow(
            decision_id=str(id_),
            made_at=_utc(float(made_at)),
            sent_at=_utc(float(sent_at)) if sent_at is not None else None,
            character_id=str(cid),
            character_name=str(name),
            kind=str(kind),
            pose=None if pose is None else str(pose),
            state=_word(str(state)),
            request_id=None if rid is None else str(rid),
            error=None if error is None else str(error),
        )
        for (id_, made_at, sent_at, cid, name, kind, pose, state, rid, error) in rows
    ]


def read_history(path: Path, since: datetime | None = None) -> list[HistoryRow]:
    """Read the journal at ``path`` without writing to it or taking the app's lock.
    A missing journal has no history (an empty list)."""
    if not path.exists():
        return []
    try:
        # mode=ro: nothing is written, even while the app has the journal open. (SQLite
        # may still create the empty -wal/-shm side files a WAL reader needs.)
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise HistoryError(f"Can't open the decision journal {path}: {exc}") from exc
    try:
        return query_history(db, since)
    except sqlite3.Error as exc:
        raise HistoryError(f"Can't read the decision journal {path}: {exc}") from exc
    finally:
        db.close()
