"""The real app killed with SIGKILL mid-batch, restarted, and the server's own ground truth
checked: every decision keyed before the kill reached the server exactly once.

The app runs as a user runs it (the venv's ``reviewer`` on an X display, keys typed with
xdotool at a fast reviewer's pace); the simulator runs in this process, so its ledger of
billed dispatches and its list of applied operations are read directly. The paid calls
are held in flight with the simulator's gates (``hold_next``) rather than a latency fault:
a gate says exactly when the request has reached the server with its idempotency key, and
lets the test choose when the server carries it out, so nothing here depends on timing.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from reviewer.review.queue import QUEUE_STATUSES
from reviewer.sim import Gate, RequestRecord, RunningSim
from tests.crash.conftest import Launch
from tests.crash.desktop import App, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

UNDO = 6.0  # seconds; long enough that the last saves are surely inside it at the kill


@dataclass(frozen=True)
class Row:
    kind: str
    character_id: str
    pose: str | None
    key: str | None
    state: str
    dispatched: bool
    error: str | None


def journal(tmp_path: Path) -> list[Row]:
    """The app's decision journal, read (read-only) as the file on disk says."""
    found = sorted((tmp_path / "data" / "aurous-reviewer" / "journals").glob("*/team-*.sqlite3"))
    if not found:
        return []
    assert len(found) == 1, f"one journal per host and team, found {found}"
    uri = f"{found[0].as_uri()}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=10)) as db:
        rows = db.execute(
            "SELECT kind, character_id, pose, idempotency_key, state, dispatched, error "
            "FROM decisions ORDER BY seq"
        ).fetchall()
    return [Row(k, c, p, key, s, bool(d), e) for k, c, p, key, s, d, e in rows]


def queue_order(sim: RunningSim) -> list[dict[str, Any]]:
    """The queue as the app shows it: characters in review, synthesizing or failed,
    newest first; the app starts on the first."""
    return [c for c in sim.sim.characters() if c["status"] in QUEUE_STATUSES]


def wait_for_queue(app: App, sim: RunningSim, since: int = 0) -> None:
    """The window is up and shows the queue: the list was answered and the app asked for
    the images of the character it selected (it does so once the queue is in)."""
    app.wait_window()

    def loaded() -> bool:
        log = sim.sim.requests[since:]
        listed = any(r.route == "list" and r.status == 200 for r in log)
        return listed and any(r.route == "storage" and r.status == 200 for r in log)

    wait_until(loaded, "the app to load the queue and its first images", details=app.output)


def regenerate_requests(
    sim: RunningSim, key: str | None, *, status: int | None = None, since: int = 0
) -> list[RequestRecord]:
    """Regenerate calls the server answered with idempotency key ``key`` (None: any)."""
    return [
        r
        for r in sim.sim.requests[since:]
        if r.route == "regenerate"
        and (key is None or r.idempotency_key == key)
        and (status is None or r.status == status)
    ]


def snapshot(character: dict[str, Any]) -> tuple[Any, ...]:
    """What a decision would change about a character."""
    extra = character["_sim"]
    return (character["status"], character["updated_at"], extra["ref_versions"], extra["job"])


def test_kill_9_mid_batch_then_restart_sends_each_decision_exactly_once(
    sim: RunningSim, launch: Launch, tmp_path: Path
) -> None:
    server = sim.sim
    queue = queue_order(sim)
    assert [c["status"] for c in queue[:9]] == ["reviewing"] * 9, (
        "the scenario needs the first nine characters of the queue in review; the "
        "simulator's seeding changed, pick another SEED in tests/crash/conftest.py"
    )
    ids = [c["id"] for c in queue[:9]]
    early_saves, discarded, paid_done = ids[0:2], ids[2], ids[3]
    in_flight, late_saves = ids[4:6], ids[6:9]
    regenerated = [paid_done, *in_flight]
    before = {c["id"]: snapshot(c) for c in server.characters()}

    def details() -> str:
        return f"journal: {journal(tmp_path)}"

    first = launch(undo_seconds=UNDO)
    wait_for_queue(first, sim)
    # Save, save, discard, regenerate the portrait, next. The regenerate is answered: the
    # app then knows the paid bucket's count and sends paid calls side by side (until
    # then one at a time, so a held one would hold the next back till its timeout).
    first.keys("s", "s", "x", "r", "Right")
    wait_until(
        lambda: len(server.ledger()) == 1 and bool(regenerate_requests(sim, None, status=200)),
        "the first regenerate to be answered",
        details=lambda: f"{details()}\n{first.output()}",
    )
    # The next two paid calls will reach the server and wait there, keys claimed.
    gates: list[Gate] = [server.hold_next("regenerate"), server.hold_next("regenerate")]
    first.keys("r", "Right", "r", "Right")
    wait_until(
        lambda: all(g.entered for g in gates),
        "both regenerate calls to reach the server (after their undo window)",
        details=lambda: f"{details()}\n{first.output()}",
    )
    # Three more saves, still inside their undo window when the app dies.
    first.keys("s", "s", "s")
    expected = [
        *(("save", c) for c in early_saves),
        ("discard", discarded),
        *(("regenerate", c) for c in regenerated),
        *(("save", c) for c in late_saves),
    ]
    wait_until(
        lambda: len(journal(tmp_path)) == len(expected),
        f"the app to record all {len(expected)} decisions",
        details=lambda: f"{details()}\n{first.output()}",
    )
    at_kill = journal(tmp_path)
    first.kill()
    assert first.process.returncode == -9

    # Each key did what the reviewer meant, on the character the window showed.
    assert [(r.kind, r.character_id) for r in at_kill] == expected
    keys = {r.character_id: r.key for r in at_kill if r.kind == "regenerate"}
    assert all(keys.values()), keys
    assert len(set(keys.values())) == 3, keys
    # The scenario held: the last saves were still waiting out their undo window, and
    # two paid calls were in flight, not yet carried out (so not billed yet).
    assert not [a for a in server.applied() if a.character_id in late_saves], (
        "a save meant to be inside its undo window reached the server before the kill: "
        f"the machine is slower than this test assumes (UNDO={UNDO} s)"
    )
    assert [d.character_id for d in server.ledger()] == [paid_done]
    assert [r.state for r in at_kill[-3:]] == ["pending"] * 3
    assert all(
        r.dispatched and r.state == "sending" for r in at_kill if r.character_id in in_flight
    )
    done_at_kill = {r.character_id for r in at_kill if r.state == "done"}
    assert paid_done in done_at_kill

    # The server finishes one held call after the app died: billed, never answered.
    gates[0].release()
    wait_until(lambda: len(server.ledger()) == 2, "the first held regenerate to be billed")
    billed_after_kill = server.ledger()[1].character_id
    held = next(c for c in in_flight if c != billed_after_kill)

    restart = len(server.requests)
    restarted_at = server.now()
    second = launch(undo_seconds=UNDO)
    wait_for_queue(second, sim, since=restart)

    # The one the server still runs is resent with its key and told "in use" (409)...
    def in_use_seen() -> bool:
        billed = Counter(d.character_id for d in server.ledger())
        assert billed == Counter([paid_done, billed_after_kill]), f"billed again: {billed}"
        return bool(regenerate_requests(sim, keys[held], status=409, since=restart))

    wait_until(
        in_use_seen,
        "the restarted app to resend the regenerate still in flight (409 in use)",
        details=second.output,
    )
    # ...and once that first attempt ends, the retry is replayed, not billed again.
    gates[1].release()

    expected_applied: Counter[tuple[str, str]] = Counter(
        [(c, "save") for c in (*early_saves, *late_saves)]
        + [(discarded, "delete")]
        + [(c, "regenerate") for c in regenerated]
    )

    def replayed(character_id: str) -> bool:
        found = regenerate_requests(sim, keys[character_id], status=200, since=restart)
        return any(r.replayed for r in found)

    def all_sent() -> bool:
        done: Counter[tuple[str, str]] = Counter(
            (a.character_id, a.operation) for a in server.applied()
        )
        # A doubled or stray change never goes away: say so now rather than time out.
        assert not done - expected_applied, f"applied more than decided: {done}"
        rows = journal(tmp_path)
        assert not [r for r in rows if r.state == "failed"], f"a decision failed: {rows}"
        return (
            done == expected_applied
            and all(replayed(c) for c in in_flight)
            and [r.state for r in rows] == ["done"] * len(expected)
        )

    wait_until(
        all_sent,
        "the restarted app to send every decision and hear back",
        details=lambda: (
            f"applied: {[(a.character_id, a.operation) for a in server.applied()]}\n"
            f"{details()}\n{second.output()}"
        ),
    )
    second.interrupt()  # Ctrl+C in its terminal closes the window the normal way
    assert second.wait_exit() == 0

    # The server's own ground truth: each decision exactly once, nothing else changed.
    applied = server.applied()
    assert Counter((a.character_id, a.operation) for a in applied) == expected_applied
    assert [a.hard for a in applied if a.operation == "delete"] == [True]
    assert {a.pose for a in applied if a.operation == "regenerate"} == {"portrait"}
    ledger = server.ledger()
    assert sorted((d.character_id, d.pose, d.generations) for d in ledger) == sorted(
        (c, "portrait", 1) for c in regenerated
    )
    assert {d.character_id: d.idempotency_key for d in ledger} == keys
    for character_id in (*early_saves, *late_saves):
        character = server.character(character_id)
        assert character is not None, character_id
        assert character["status"] == "ready", character_id
    assert server.character(discarded) is None  # a reviewing character is deleted for good
    after = {c["id"]: snapshot(c) for c in server.characters()}
    untouched = set(before) - set(ids)
    assert {c: after.get(c) for c in untouched} == {c: before[c] for c in untouched}
    # The saves made just before the kill waited a fresh undo window after the restart
    # (Ctrl+Z could still take them back); the paid calls, past theirs, went at once.
    late = [a.at for a in applied if a.character_id in late_saves]
    assert min(late) >= restarted_at + UNDO
    resent = [r.at for c in in_flight for r in regenerate_requests(sim, keys[c], since=restart)]
    assert min(resent) < min(late)
    # What the server had answered before the kill was not sent again after the restart.
    again = [
        (r.route, r.path.split("/")[3])
        for r in server.requests[restart:]
        if r.route in ("save", "delete", "regenerate") and r.path.split("/")[3] in done_at_kill
    ]
    assert again == [], "decisions done before the kill were sent again"


def test_a_second_app_on_the_same_journal_is_refused_and_sends_nothing(
    sim: RunningSim, launch: Launch, tmp_path: Path
) -> None:
    server = sim.sim
    saved = queue_order(sim)[0]["id"]
    first = launch(undo_seconds=600)  # the save waits in the journal while the second starts
    wait_for_queue(first, sim)
    first.keys("s")
    wait_until(
        lambda: (
            [(r.kind, r.character_id, r.state) for r in journal(tmp_path)]
            == [("save", saved, "pending")]
        ),
        "the save to be recorded",
        details=first.output,
    )

    second = launch(undo_seconds=0)  # would send the waiting save at once if it could
    # It says why in a dialog of its own and opens no main window.
    dialog = ""

    def refused() -> bool:
        nonlocal dialog
        if not second.running():
            return True
        assert not second.display.windows(second.pid, "Aurous Reviewer — "), "it opened"
        assert server.applied() == [], "it sent the first app's decision"
        found = second.display.windows(second.pid, "^Aurous Reviewer$")
        dialog = found[0] if found else ""
        return bool(dialog)

    wait_until(refused, "the second app to show why it does not start", details=second.output)
    assert second.running(), f"it exited before saying why:\n{second.output()}"
    assert second.display.windows(second.pid, "Aurous Reviewer — ") == []
    second.window = dialog
    second.keys("Return")  # the reviewer reads it and presses Enter
    assert second.wait_exit() != 0
    assert server.applied() == []
    assert not [r for r in server.requests if r.route == "save"]

    # The first app still has the decision and sends it once the reviewer closes its
    # window (Alt+F4: the window manager asks it to close), undo window or not.
    first.keys("alt+F4")
    assert first.wait_exit() == 0
    assert [(a.character_id, a.operation) for a in server.applied()] == [(saved, "save")]
    assert [r.state for r in journal(tmp_path)] == ["done"]
