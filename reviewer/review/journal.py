"""The decision journal: every decision, written durably the moment it is made.

SQLite (stdlib) in WAL mode, one file per API host and team under the user data folder.
A decision is a row from the key press on: pending → sending → done / failed, or undone.
On start the outbox resumes what was pending or sending, with the same idempotency keys,
so a crash, ``kill -9`` or power loss loses no decision and bills nothing twice.

After a restart, a decision that was still inside its undo window gets a fresh undo
window (it shows as waiting and Ctrl+Z takes it back): the reviewer may have been about
to undo it when the app went down. Decisions already past their window go at once.

One app at a time per journal: an OS file lock (released by the OS if the app dies) keeps
a second instance from sending the same decisions twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

import filelock
import httpx

from .decisions import UNFINISHED, Decision, DecisionKind, DecisionState
from .history import HistoryRow, query_history

__all__ = [
    "KEEP_FINISHED_SECONDS",
    "KEEP_SENT_SECONDS",
    "Journal",
    "JournalInUseError",
    "OpenedJournal",
    "journal_path",
    "open_journal",
]

log = logging.getLogger(__name__)

# 2: a nullable group_id (decisions made together on a selection, undone as one) and
# sent_at (when the server took it, for the history).
SCHEMA_VERSION: Final = 2
# Sent decisions are the history producers report on (``reviewer history``, the Decided
# panel), so they are kept 400 days: a year's report with room to spare. At a heavy
# 500 decisions a day that is about 200 000 rows (58 MB, measured); opening it (the
# quick_check and the prune) then took 0.55 s on a 2-core machine, and the outbox's
# state-indexed reads stay under a millisecond.
KEEP_SENT_SECONDS: Final = 400 * 24 * 3600.0
# Undone and dropped decisions never reached the server: a week is enough to see them.
KEEP_FINISHED_SECONDS: Final = 7 * 24 * 3600.0
_FINISHED = (DecisionState.UNDONE, DecisionState.DROPPED)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    character_id TEXT NOT NULL,
    character_name TEXT NOT NULL,
    pose TEXT,
    idempotency_key TEXT,
    state TEXT NOT NULL,
    made_at REAL NOT NULL,
    dispatched INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    request_id TEXT,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_by_state ON decisions (state);
"""

# Forward migrations: the columns each schema version added to the first one's table.
# Idempotent (a column already there is left alone), so an interrupted upgrade finishes.
_ADDED_COLUMNS: tuple[tuple[int, str, str], ...] = (
    (2, "group_id", "TEXT"),
    (2, "sent_at", "REAL"),
)
# "Later" flags (triage): this reviewer's, never sent to the server. A table of its own,
# created when missing, so an older journal gains it without a schema version change.
_LATER_SCHEMA = """
CREATE TABLE IF NOT EXISTS later (character_id TEXT PRIMARY KEY, flagged_at REAL);
"""

_COLUMNS = (
    "seq, id, kind, character_id, character_name, pose, idempotency_key, state, made_at, "
    "dispatched, attempts, error, request_id, group_id"
)


class JournalInUseError(RuntimeError):
    """Another Aurous Reviewer has this journal open."""


def journal_path(data_dir: Path, base_url: str, api_key: str) -> Path:
    """Where the journal for this API host and team lives.

    Keys are per team, so the team is named by a one-way digest of the key: the key
    itself never reaches a file name."""
    url = httpx.URL(base_url)
    host = f"{url.host}_{url.port}" if url.port else url.host
    digest = hashlib.sha256(f"aurous-reviewer-team:{api_key}".encode()).hexdigest()[:16]
    return data_dir / "journals" / _safe(host) / f"team-{digest}.sqlite3"


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-._" else "_" for c in text) or "host"


@dataclass
class OpenedJournal:
    journal: Journal
    # Said to the reviewer when the app starts (a damaged journal moved aside, say).
    notes: list[str]


def open_journal(path: Path) -> OpenedJournal:
    """Lock and open the journal at ``path``; a damaged one is moved aside and a new one
    started, so the app always starts. Raises JournalInUseError if another app holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(path) + ".lock", timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise JournalInUseError(
            "Aurous Reviewer is already open for this team on this computer. Use that "
            "window, or close it first: two windows would send the same decisions twice."
        ) from None
    notes: list[str] = []
    try:
        try:
            connection = _connect(path)
        except sqlite3.DatabaseError as exc:
            aside = _move_aside(path)
            log.error("decision journal %s is damaged (%s); moved to %s", path, exc, aside)
            notes.append(
                "The decision journal was damaged and has been set aside "
                f"({aside.name}); a new one was started. Decisions made before this "
                "start may need checking on the server."
            )
            connection = _connect(path)
    except BaseException:
        lock.release()
        raise
    journal = Journal(connection, path, lock)
    journal.prune()
    return OpenedJournal(journal, notes)


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        # FULL: each commit fsyncs the WAL, so a decision survives power loss, not only
        # a crash (NORMAL in WAL mode can lose the last commits on power loss). It costs
        # one fsync per key press and state change, measured in benchmarks/bench_journal.
        connection.execute("PRAGMA synchronous=FULL")
        check = connection.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise sqlite3.DatabaseError(f"quick_check: {check[0] if check else 'no answer'}")
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(f"written by a newer version (schema {version})")
        connection.executescript(_SCHEMA)
        _migrate(connection)
        connection.executescript(_LATER_SCHEMA)
        connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    except BaseException:
        connection.close()
        raise
    return connection


def _migrate(connection: sqlite3.Connection) -> None:
    """Bring a journal of an older schema (or a new, empty one) up to this version."""
    have = {row[1] for row in connection.execute("PRAGMA table_info(decisions)")}
    for version, column, kind in _ADDED_COLUMNS:
        if column not in have:
            log.info("decision journal: adding %s (schema %d)", column, version)
            connection.execute(f"ALTER TABLE decisions ADD COLUMN {column} {kind}")
    # The history reads newest first, from a date.
    connection.execute("CREATE INDEX IF NOT EXISTS decisions_by_made_at ON decisions (made_at)")


def _move_aside(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = Path(str(path) + suffix)
        if source.exists():
            os.replace(source, Path(str(aside) + suffix))
    return aside


class Journal:
    """A ``DecisionStore`` on SQLite. Used from the event loop's thread only."""

    def __init__(self, connection: sqlite3.Connection, path: Path, lock: filelock.FileLock):
        self._db = connection
        self.path = path
        self._lock = lock

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.prune()
            self._db.close()
        self._lock.release()

    # -- DecisionStore ----------------------------------------------------------------------

    def record(self, decision: Decision) -> None:
        self.record_group([decision])

    def record_group(self, decisions: list[Decision]) -> None:
        # One transaction, one fsync: a selection of a hundred is durable at once, whole.
        with self._transaction():
            for decision in decisions:
                cursor = self._db.execute(
                    "INSERT INTO decisions (id, kind, character_id, character_name, pose, "
                    "idempotency_key, state, made_at, dispatched, attempts, error, request_id, "
                    "group_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        decision.id,
                        decision.kind.value,
                        decision.character_id,
                        decision.character_name,
                        decision.pose,
                        decision.idempotency_key,
                        decision.state.value,
                        decision.made_at,
                        int(decision.dispatched),
                        decision.attempts,
                        decision.error,
                        decision.request_id,
                        decision.group_id,
                        time.time(),
                    ),
                )
                decision.seq = int(cursor.lastrowid or 0)

    def update(self, decision: Decision) -> None:
        with self._transaction():
            self._db.execute(
                "UPDATE decisions SET state = ?, dispatched = ?, attempts = ?, error = ?, "
                "request_id = ?, sent_at = ?, updated_at = ? WHERE id = ?",
                (
                    decision.state.value,
                    int(decision.dispatched),
                    decision.attempts,
                    decision.error,
                    decision.request_id,
                    decision.sent_at,
                    time.time(),
                    decision.id,
                ),
            )

    def unfinished(self) -> list[Decision]:
        return self._select("state IN (?, ?)", tuple(s.value for s in UNFINISHED))

    def failed(self) -> list[Decision]:
        return self._select("state = ?", (DecisionState.FAILED.value,))

    # -- LaterStore -------------------------------------------------------------------------

    def later_flags(self) -> dict[str, float]:
        rows = self._db.execute("SELECT character_id, flagged_at FROM later").fetchall()
        return {str(cid): float(at) for cid, at in rows}

    def set_later(self, character_id: str, flagged_at: float) -> None:
        with self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO later (character_id, flagged_at) VALUES (?, ?)",
                (character_id, flagged_at),
            )

    def clear_later(self, character_id: str) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM later WHERE character_id = ?", (character_id,))

    def history(self, since: datetime | None = None, limit: int | None = None) -> list[HistoryRow]:
        return query_history(self._db, since, limit)

    # -- housekeeping -----------------------------------------------------------------------

    def prune(self, now: float | None = None) -> int:
        """Forget sent rows after KEEP_SENT_SECONDS, undone and dropped ones after a week;
        failed ones stay until dealt with."""
        now = time.time() if now is None else now
        with self._transaction():
            cursor = self._db.execute(
                "DELETE FROM decisions WHERE (state IN (?, ?) AND updated_at < ?) "
                "OR (state = ? AND updated_at < ?)",
                (
                    *(s.value for s in _FINISHED),
                    now - KEEP_FINISHED_SECONDS,
                    DecisionState.DONE.value,
                    now - KEEP_SENT_SECONDS,
                ),
            )
        return cursor.rowcount

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0])

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _select(self, where: str, args: tuple[object, ...]) -> list[Decision]:
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM decisions WHERE {where} ORDER BY seq", args
        ).fetchall()
        decisions = []
        for row in rows:
            try:
                decisions.append(_decision(row))
            except ValueError as exc:
                # A row this version cannot read (an unknown kind, say) is left alone.
                log.error("skipping unreadable journal row %s: %s", row[1], exc)
        return decisions


def _decision(row: tuple[object, ...]) -> Decision:
    (
        seq,
        id_,
        kind,
        cid,
        name,
        pose,
        key,
        state,
        made_at,
        dispatched,
        attempts,
        error,
        rid,
        group,
    ) = row
    return Decision(
        kind=DecisionKind(str(kind)),
        character_id=str(cid),
        character_name=str(name),
        made_at=float(str(made_at)),
        due_at=0.0,
        pose=None if pose is None else str(pose),
        id=str(id_),
        idempotency_key=None if key is None else str(key),
        state=DecisionState(str(state)),
        attempts=int(str(attempts)),
        error=None if error is None else str(error),
        request_id=None if rid is None else str(rid),
        seq=int(str(seq)),
        dispatched=bool(dispatched),
        group_id=None if group is None else str(group),
    )
