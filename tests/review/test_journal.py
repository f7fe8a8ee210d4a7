"""The decision journal: durable at the key press, one app at a time, never fatal."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from reviewer.review.decisions import Decision, DecisionKind, DecisionState
from reviewer.review.journal import (
    KEEP_FINISHED_SECONDS,
    KEEP_SENT_SECONDS,
    JournalInUseError,
    journal_path,
    open_journal,
)

KEY = "al_live_" + "ab" * 32


def decision(kind: DecisionKind = DecisionKind.SAVE, n: int = 1, **fields: object) -> Decision:
    return Decision(
        kind=kind,
        character_id=f"char_{n}",
        character_name=f"Character {n}",
        made_at=1_778_234_400.0 + n,
        due_at=0.0,
        pose="side" if kind is DecisionKind.REGENERATE else None,
        **fields,  # type: ignore[arg-type]
    )


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return journal_path(tmp_path, "https://api.aurous-labs.com/v1", KEY)


def test_one_journal_per_api_host_and_team_and_the_key_is_not_in_its_name(tmp_path: Path) -> None:
    prod = journal_path(tmp_path, "https://api.aurous-labs.com/v1", KEY)
    staging = journal_path(tmp_path, "https://staging.example.com:8443/v1", KEY)
    other_team = journal_path(tmp_path, "https://api.aurous-labs.com/v1", "al_live_" + "cd" * 32)
    assert len({prod, staging, other_team}) == 3
    assert prod.parent.name == "api.aurous-labs.com"
    assert staging.parent.name == "staging.example.com_8443"
    for p in (prod, staging, other_team):
        assert "ab" * 8 not in p.name
        assert p.is_relative_to(tmp_path / "journals")


def test_decisions_survive_a_reopen_in_the_order_they_were_made(path: Path) -> None:
    opened = open_journal(path)
    journal = opened.journal
    assert opened.notes == []
    regen = decision(DecisionKind.REGENERATE, 1)
    save = decision(DecisionKind.SAVE, 2)
    done = decision(DecisionKind.SAVE, 3)
    for d in (regen, save, done):
        journal.record(d)
    assert regen.seq < save.seq < done.seq
    regen.state, regen.dispatched, regen.attempts = DecisionState.SENDING, True, 2
    journal.update(regen)
    done.state = DecisionState.DONE
    journal.update(done)
    journal.close()

    again = open_journal(path).journal
    unfinished = again.unfinished()
    assert [d.id for d in unfinished] == [regen.id, save.id]
    back = unfinished[0]
    assert back.idempotency_key == regen.idempotency_key is not None
    assert (back.state, back.dispatched, back.attempts, back.pose) == (
        DecisionState.SENDING,
        True,
        2,
        "side",
    )
    again.close()


def test_the_journal_is_in_wal_mode_and_fsyncs_every_commit(path: Path) -> None:
    journal = open_journal(path).journal
    journal.record(decision())
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    assert journal._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    journal.close()


def test_a_second_app_on_the_same_journal_is_refused(path: Path) -> None:
    first = open_journal(path).journal
    with pytest.raises(JournalInUseError, match="already open"):
        open_journal(path)
    first.close()
    open_journal(path).journal.close()  # free again once the first has closed


def test_a_damaged_journal_is_moved_aside_and_a_new_one_started(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database" * 100)
    opened = open_journal(path)
    assert len(opened.notes) == 1
    assert "damaged" in opened.notes[0]
    aside = list(path.parent.glob("*.damaged-*"))
    assert len(aside) == 1
    assert aside[0].read_bytes().startswith(b"this is not")
    opened.journal.record(decision())
    assert len(opened.journal.unfinished()) == 1
    opened.journal.close()


def test_finished_rows_are_pruned_after_a_while_failed_ones_stay(path: Path) -> None:
    journal = open_journal(path).journal
    rows = [decision(n=i) for i in range(4)]
    for d, state in zip(
        rows,
        [DecisionState.DONE, DecisionState.UNDONE, DecisionState.FAILED, DecisionState.PENDING],
        strict=True,
    ):
        journal.record(d)
        d.state = state
        journal.update(d)
    assert journal.prune(time.time()) == 0  # all recent
    assert journal.prune(time.time() + KEEP_FINISHED_SECONDS + 1) == 1  # the undone one
    assert journal.count() == 3
    # Sent rows are the history producers report on: kept far longer.
    assert journal.prune(time.time() + KEEP_SENT_SECONDS - 60) == 0
    assert journal.prune(time.time() + KEEP_SENT_SECONDS + 1) == 1
    assert journal.count() == 2
    assert [d.id for d in journal.failed()] == [rows[2].id]
    journal.close()


def _run(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_decision_recorded_then_kill_9_is_there_and_the_lock_is_free(path: Path) -> None:
    result = _run(
        f"""
        import os, signal
        from pathlib import Path
        from reviewer.review.decisions import Decision, DecisionKind
        from reviewer.review.journal import open_journal
        journal = open_journal(Path({str(path)!r})).journal
        d = Decision(kind=DecisionKind.RESYNTHESIZE, character_id="char_9",
                     character_name="Nine", made_at=0.0, due_at=0.0)
        journal.record(d)
        print(d.idempotency_key, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    assert result.returncode == -9, result.stderr
    key = result.stdout.strip()
    journal = open_journal(path).journal  # the OS released the dead app's lock
    [kept] = journal.unfinished()
    assert (kept.character_id, kept.idempotency_key) == ("char_9", key)
    journal.close()


_SCHEMA_1 = """
CREATE TABLE decisions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
    character_id TEXT NOT NULL, character_name TEXT NOT NULL, pose TEXT,
    idempotency_key TEXT, state TEXT NOT NULL, made_at REAL NOT NULL,
    dispatched INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT, request_id TEXT, updated_at REAL NOT NULL
);
CREATE INDEX decisions_by_state ON decisions (state);
PRAGMA user_version=1;
"""


def test_a_schema_1_journal_migrates_and_keeps_its_decisions(path: Path) -> None:
    path.parent.mkdir(parents=True)
    old = sqlite3.connect(path)
    old.executescript(_SCHEMA_1)
    old.execute(
        "INSERT INTO decisions (id, kind, character_id, character_name, pose, "
        "idempotency_key, state, made_at, updated_at) VALUES "
        "('d1', 'resynthesize', 'char_1', 'One', NULL, 'key-1', 'pending', 1.0, ?)",
        (time.time(),),
    )
    old.commit()
    old.close()

    opened = open_journal(path)
    journal = opened.journal
    assert opened.notes == []  # migrated, not set aside as damaged
    assert journal._db.execute("PRAGMA user_version").fetchone()[0] == 2
    [kept] = journal.unfinished()
    assert (kept.id, kept.idempotency_key, kept.group_id) == ("d1", "key-1", None)
    grouped = [decision(n=n, group_id="g1") for n in (2, 3)]
    journal.record_group(grouped)
    journal.close()

    again = open_journal(path).journal  # a second open finds nothing to migrate
    assert [(d.id, d.group_id) for d in again.unfinished()] == [
        ("d1", None),
        (grouped[0].id, "g1"),
        (grouped[1].id, "g1"),
    ]
    again.close()


def test_a_group_is_recorded_whole_or_not_at_all(path: Path) -> None:
    journal = open_journal(path).journal
    first = decision(n=1, group_id="g")
    clash = decision(n=2, group_id="g", id=first.id)  # a second row with the same id
    with pytest.raises(sqlite3.IntegrityError):
        journal.record_group([first, clash])
    assert journal.count() == 0
    journal.close()
