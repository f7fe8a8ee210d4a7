"""``reviewer history``: the journal for reports, as a table, csv or json; read while the
app is open; bad input refused with a clear message."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewer import launch
from reviewer.history_cli import FIELDS, NOTHING_YET, main
from reviewer.review.decisions import Decision, DecisionKind, DecisionState
from reviewer.review.journal import Journal, journal_path, open_journal

KEY = "al_live_" + "ab" * 32
OTHER = "al_live_" + "cd" * 32
BASE = "https://api.aurous-labs.com/v1"
T0 = 1_778_234_400.0  # 2026-05-08T10:00:00Z


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_keyring: None) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setenv("AUROUS_API_KEY", KEY)
    monkeypatch.delenv("AUROUS_BASE_URL", raising=False)
    return tmp_path / "share" / "aurous-reviewer"


@pytest.fixture
def journal(data_home: Path) -> Iterator[Journal]:
    """The app's journal for KEY, open and locked as while the app runs, with three
    decisions: a save sent, a regenerate waiting, a discard that failed."""
    j = open_journal(journal_path(data_home, BASE, KEY)).journal
    rows = [
        (DecisionKind.SAVE, None, DecisionState.DONE, "req_01HXSAVE"),
        (DecisionKind.REGENERATE, "side", DecisionState.PENDING, None),
        (DecisionKind.DISCARD, None, DecisionState.FAILED, "req_01HXFAIL"),
    ]
    for n, (kind, pose, state, rid) in enumerate(rows, start=1):
        d = Decision(
            kind=kind,
            character_id=f"char_{n}",
            character_name=f"Hero, “{n}”",  # a comma and quotes: csv must quote them
            made_at=T0 + 3600 * n,
            due_at=0.0,
            pose=pose,
        )
        j.record(d)
        d.state, d.request_id = state, rid
        if state is DecisionState.DONE:
            d.sent_at = d.made_at + 4
        j.update(d)
    yield j
    j.close()


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_csv_parses_back_to_the_journals_rows(journal: Journal) -> None:
    code, text = run("--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(FIELDS)
    assert [r["character_name"] for r in rows] == ["Hero, “3”", "Hero, “2”", "Hero, “1”"]
    assert [r["state"] for r in rows] == ["failed", "waiting", "sent"]
    assert [r["decision"] for r in rows] == ["discard", "regenerate", "save"]
    assert rows[1]["pose"] == "side"
    assert rows[2]["made_at"] == "2026-05-08T11:00:00Z"
    assert rows[2]["sent_at"] == "2026-05-08T11:00:04Z"
    assert rows[2]["request_id"] == "req_01HXSAVE"
    assert rows[1]["sent_at"] == ""


def test_json_is_a_list_of_objects_with_utc_times(journal: Journal) -> None:
    code, text = run("--format", "json")
    assert code == 0
    data = json.loads(text)
    assert [d["character_id"] for d in data] == ["char_3", "char_2", "char_1"]
    assert set(data[0]) == set(FIELDS)
    assert data[2]["made_at"] == "2026-05-08T11:00:00Z"
    assert data[1]["sent_at"] is None
    assert data[0]["request_id"] == "req_01HXFAIL"


def test_the_default_table_is_readable(journal: Journal) -> None:
    code, text = run()
    assert code == 0
    lines = text.splitlines()
    assert lines[0].startswith("Time")
    for heading in ("Character", "Decision", "Pose", "State", "Sent", "Request id"):
        assert heading in lines[0]
    assert "regenerate pose" in text
    assert "req_01HXSAVE" in text
    assert lines[-1] == "3 decisions"


def test_since_takes_a_date_or_a_time(journal: Journal) -> None:
    _, text = run("--format", "json", "--since", "2026-05-08T12:30:00Z")
    assert [d["character_id"] for d in json.loads(text)] == ["char_3"]
    _, text = run("--format", "json", "--since", "2026-05-09")
    assert json.loads(text) == []
    _, text = run("--format", "json", "--since", "2026-05-01")
    assert len(json.loads(text)) == 3


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01", "08/05/2026", ""])
def test_a_bad_since_is_refused_with_exit_2(
    bad: str, journal: Journal, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        run("--since", bad)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "is not a date or time" in err
    assert "2026-05-08" in err  # an example of what works


def test_no_journal_yet_says_so_and_exits_0(data_home: Path) -> None:
    assert run() == (0, NOTHING_YET + "\n")
    code, text = run("--format", "json")
    assert (code, json.loads(text)) == (0, [])


def test_the_team_comes_from_the_key_and_the_host_from_base_url(
    journal: Journal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUROUS_API_KEY", OTHER)
    assert run() == (0, NOTHING_YET + "\n")  # another team's journal: none yet
    monkeypatch.setenv("AUROUS_API_KEY", KEY)
    assert run("--base-url", "https://staging.example.com") == (0, NOTHING_YET + "\n")
    code, text = run("--base-url", "https://api.aurous-labs.com", "--format", "json")
    assert (code, len(json.loads(text))) == (0, 3)


def test_without_a_key_one_teams_journal_is_used_several_are_refused(
    journal: Journal,
    data_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("AUROUS_API_KEY")
    code, text = run("--format", "json")
    assert (code, len(json.loads(text))) == (0, 3)
    open_journal(journal_path(data_home, BASE, OTHER)).journal.close()
    code, _ = run()
    assert code == 2
    err = capsys.readouterr().err
    assert "2 teams" in err
    assert "AUROUS_API_KEY" in err
    assert KEY not in err


def test_an_insecure_base_url_and_a_missing_journal_file_are_refused(
    data_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("--base-url", "http://api.example.com")[0] == 2
    assert run("--journal", str(tmp_path / "nope.sqlite3"))[0] == 2
    err = capsys.readouterr().err
    assert "no journal file" in err


def test_the_demo_has_no_history_on_disk(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--demo") == (0, "")
    assert "memory only" in capsys.readouterr().err


def test_reviewer_history_runs_without_qt_while_the_app_holds_the_journal(
    journal: Journal, data_home: Path
) -> None:
    script = textwrap.dedent(
        """
        import sys
        from reviewer.launch import main
        code = main(["history", "--format", "json"])
        assert "PySide6" not in sys.modules, "history imported Qt"
        sys.exit(code)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 3


def test_launch_dispatches_history(journal: Journal, capsys: pytest.CaptureFixture[str]) -> None:
    assert launch.main(["history", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith(",".join(FIELDS))
