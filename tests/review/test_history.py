"""History: the journal's decisions in plain words, read while the app has it open."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reviewer.review.decisions import (
    Decision,
    DecisionKind,
    DecisionState,
    DecisionStore,
    MemoryDecisionStore,
)
from reviewer.review.history import HistoryError, read_history
from reviewer.review.journal import journal_path, open_journal
from tests.review.deliveryrig import DeliveryRig

KEY = "al_live_" + "ab" * 32
T0 = 1_778_234_400.0  # 2026-05-08T10:00:00Z


def decision(kind: DecisionKind = DecisionKind.SAVE, n: int = 1) -> Decision:
    return Decision(
        kind=kind,
        character_id=f"char_{n}",
        character_name=f"Character {n}",
        made_at=T0 + 60 * n,
        due_at=0.0,
        pose="side" if kind is DecisionKind.REGENERATE else None,
    )


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return journal_path(tmp_path, "https://api.aurous-labs.com/v1", KEY)


def fill(store: DecisionStore) -> list[Decision]:
    """Six decisions, one in each state, made a minute apart."""
    kinds = [
        DecisionKind.SAVE,
        DecisionKind.DISCARD,
        DecisionKind.REGENERATE,
        DecisionKind.RESYNTHESIZE,
        DecisionKind.SAVE,
        DecisionKind.SAVE,
    ]
    states = [
        DecisionState.DONE,
        DecisionState.FAILED,
        DecisionState.SENDING,
        DecisionState.PENDING,
        DecisionState.UNDONE,
        DecisionState.DROPPED,
    ]
    made = []
    for n, (kind, state) in enumerate(zip(kinds, states, strict=True), start=1):
        d = decision(kind, n)
        store.record(d)
        d.state = state
        if state is DecisionState.DONE:
            d.sent_at = d.made_at + 5
            d.request_id = "req_01HXDONE"
        if state is DecisionState.FAILED:
            d.error = "Not enough credits (HTTP 402, insufficient_credits)"
            d.request_id = "req_01HXFAIL"
        store.update(d)
        made.append(d)
    return made


def test_journal_rows_become_history_newest_first_in_plain_words(path: Path) -> None:
    journal = open_journal(path).journal
    made = fill(journal)
    rows = journal.history()
    assert [r.decision_id for r in rows] == [d.id for d in reversed(made)]
    by_name = {r.character_name: r for r in rows}
    assert [by_name[f"Character {n}"].state for n in range(1, 7)] == [
        "sent",
        "failed",
        "sending",
        "waiting",
        "undone",
        "dropped",
    ]
    sent = by_name["Character 1"]
    assert sent.made_at == datetime(2026, 5, 8, 10, 1, tzinfo=UTC)
    assert sent.sent_at == datetime(2026, 5, 8, 10, 1, 5, tzinfo=UTC)
    assert (sent.kind, sent.decision, sent.request_id) == ("save", "save", "req_01HXDONE")
    regen = by_name["Character 3"]
    assert (regen.decision, regen.pose, regen.sent_at) == ("regenerate pose", "side", None)
    failed = by_name["Character 2"]
    assert failed.request_id == "req_01HXFAIL"
    assert failed.error is not None
    assert "HTTP 402" in failed.error
    assert sent.as_json()["made_at"] == "2026-05-08T10:01:00Z"
    assert sent.as_json()["sent_at"] == "2026-05-08T10:01:05Z"
    journal.close()


def test_the_demo_memory_store_gives_the_same_history(path: Path) -> None:
    journal = open_journal(path).journal
    fill(journal)
    memory = MemoryDecisionStore()
    fill(memory)
    strip = [(r.kind, r.state, r.made_at, r.sent_at, r.request_id) for r in journal.history()]
    assert strip == [
        (r.kind, r.state, r.made_at, r.sent_at, r.request_id) for r in memory.history()
    ]
    journal.close()


def test_since_keeps_decisions_made_at_or_after_it(path: Path) -> None:
    journal = open_journal(path).journal
    fill(journal)
    since = datetime(2026, 5, 8, 10, 4, tzinfo=UTC)  # the fourth decision's minute
    names = [r.character_name for r in journal.history(since)]
    assert names == ["Character 6", "Character 5", "Character 4"]
    assert [r.character_name for r in read_history(path, since)] == names
    assert [r.character_name for r in MemoryDecisionStore().history(since)] == []
    journal.close()


def test_history_is_read_while_the_app_holds_the_journal_and_its_lock(path: Path) -> None:
    journal = open_journal(path).journal  # the app: open, locked
    made = fill(journal)
    rows = read_history(path)
    assert len(rows) == 6
    # The app goes on writing; a new read sees it, and the reader changed nothing.
    late = decision(DecisionKind.SAVE, 9)
    journal.record(late)
    assert read_history(path)[0].decision_id == late.id
    assert journal.count() == len(made) + 1
    journal.close()


def test_the_reader_writes_nothing(path: Path) -> None:
    journal = open_journal(path).journal
    fill(journal)
    journal.close()
    before = path.read_bytes()
    path.chmod(0o444)
    try:
        assert len(read_history(path)) == 6
    finally:
        path.chmod(0o644)
    assert path.read_bytes() == before


def test_no_journal_means_no_history(tmp_path: Path) -> None:
    assert read_history(tmp_path / "nothing.sqlite3") == []


def test_a_file_that_is_not_a_journal_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(HistoryError, match="Can't read the decision journal"):
        read_history(bad)


# The decisions table as the first journals wrote it (schema 1, no sent_at).
_OLD_SCHEMA = """
CREATE TABLE decisions (
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
CREATE INDEX decisions_by_state ON decisions (state);
PRAGMA user_version=1;
"""


def old_journal(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(_OLD_SCHEMA)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "INSERT INTO decisions (id, kind, character_id, character_name, state, made_at, "
        "request_id, updated_at) VALUES "
        "('d1', 'save', 'char_1', 'Old One', 'done', ?, 'req_01OLD', ?), "
        "('d2', 'resynthesize', 'char_2', 'Old Two', 'pending', ?, NULL, ?)",
        (T0, T0 + 3, T0 + 60, T0 + 60),
    )
    db.commit()
    db.close()


def columns(path: Path) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return [row[1] for row in db.execute("PRAGMA table_info(decisions)")]
    finally:
        db.close()


def test_an_old_journal_is_read_as_it_is_then_migrated_forward_once(path: Path) -> None:
    old_journal(path)
    # Read-only: the old table, no sent_at column, still lists.
    rows = read_history(path)
    assert [(r.character_name, r.state, r.sent_at) for r in rows] == [
        ("Old Two", "waiting", None),
        ("Old One", "sent", None),
    ]
    assert "sent_at" not in columns(path)

    opened = open_journal(path)
    assert opened.notes == []  # migrated, not set aside as damaged
    journal = opened.journal
    assert "sent_at" in columns(path)
    [waiting] = journal.unfinished()
    assert waiting.id == "d2"
    waiting.state, waiting.sent_at = DecisionState.DONE, T0 + 70
    journal.update(waiting)
    journal.close()

    again = open_journal(path).journal  # the second open adds nothing twice
    assert columns(path).count("sent_at") == 1
    rows = again.history()
    assert [(r.character_name, r.state) for r in rows] == [("Old Two", "sent"), ("Old One", "sent")]
    assert rows[0].sent_at == datetime.fromtimestamp(T0 + 70, UTC)
    assert rows[1].request_id == "req_01OLD"
    again.close()


@pytest.mark.anyio
async def test_a_sent_decision_keeps_the_servers_request_id_and_sent_time(path: Path) -> None:
    journal = open_journal(path).journal
    rig = DeliveryRig(store=journal)
    await rig.start()
    try:
        first, second = rig.reviewing()[:2]
        rig.decide(first, DecisionKind.SAVE)
        rig.decide(second, DecisionKind.DISCARD)
        await rig.all_sent(30)
        rows = read_history(path)
        assert [r.state for r in rows] == ["sent", "sent"]
        assert [r.kind for r in rows] == ["discard", "save"]
        ids = {r.request_id for r in rows}
        logged = {rec.request_id for rec in rig.sim.requests if rec.route in ("save", "delete")}
        assert ids <= logged
        assert all(i and i.startswith("req_") for i in ids)
        for row in rows:
            assert row.sent_at is not None
            assert row.sent_at >= row.made_at
    finally:
        await rig.aclose()
        journal.close()


def test_limit_keeps_the_newest(path: Path) -> None:
    journal = open_journal(path).journal
    made = fill(journal)
    newest = [d.id for d in reversed(made)][:2]
    assert [r.decision_id for r in journal.history(limit=2)] == newest
    memory = MemoryDecisionStore()
    kept = fill(memory)
    assert [r.decision_id for r in memory.history(limit=2)] == [d.id for d in reversed(kept)][:2]
    journal.close()
