"""The keymap: one table of named actions, overridden by keys.toml, read by the window."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from reviewer.review.decisions import DecisionKind
from reviewer.ui.keymap import ACTIONS, KEYS_FILE, PRESETS, Keymap, build_keymap, load_keymap

from .conftest import App


def keys_file(tmp_path: Path, text: str) -> Path:
    (tmp_path / KEYS_FILE).write_text(text, encoding="utf-8")
    return tmp_path


def test_the_defaults_are_complete_and_do_not_clash() -> None:
    keymap = build_keymap({})
    assert keymap.problems == []
    assert len({a.name for a in ACTIONS}) == len(ACTIONS)
    assert keymap.describe("save") == "S or Enter"
    assert keymap.describe("help") == "? or F1"  # Shift+? is how some layouts send ?


def test_no_file_means_the_defaults(tmp_path: Path) -> None:
    assert load_keymap(tmp_path).keys == build_keymap({}).keys
    assert load_keymap(None).problems == []


def test_an_override_replaces_that_actions_defaults(tmp_path: Path) -> None:
    keymap = load_keymap(keys_file(tmp_path, '[keys]\nsave = ["P"]\nnext = ["ctrl+n", "Right"]\n'))
    assert keymap.problems == []
    assert keymap.keys["save"] == ("P",)
    assert keymap.keys["next"] == ("Ctrl+N", "Right")  # written in Qt's portable form
    assert keymap.keys["discard"] == ("X", "Del")


def test_the_lightroom_preset(tmp_path: Path) -> None:
    keymap = load_keymap(keys_file(tmp_path, 'preset = "lightroom"\n[keys]\nloupe = ["G"]\n'))
    assert keymap.problems == []
    assert keymap.keys["save"][0] == "P"
    assert keymap.keys["discard"][0] == "X"
    assert keymap.keys["undo"][0] == "U"
    assert keymap.keys["loupe"] == ("G",)  # [keys] is applied over the preset
    assert set(PRESETS["lightroom"]) <= {a.name for a in ACTIONS}


def test_a_clash_is_named_and_the_default_kept(tmp_path: Path) -> None:
    keymap = load_keymap(keys_file(tmp_path, '[keys]\ndiscard = ["S"]\n'))
    assert keymap.keys["discard"] == ("X", "Del")
    assert keymap.keys["save"][0] == "S"
    (problem,) = keymap.problems
    assert "S is given to both save and discard" in problem
    assert "discard keeps its default keys" in problem
    assert problem.startswith(KEYS_FILE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[keys]\nsaev = ["P"]\n', "unknown action 'saev'"),
        ('[keys]\nsave = ["Ctrl+"]\n', "'Ctrl+' is not a key Qt understands"),
        ('[keys]\nsave = ["Bogus"]\n', "'Bogus' is not a key Qt understands"),
        ("[keys]\nsave = 5\n", "save: expected a list of keys"),
        ('preset = "photoshop"\n', "unknown preset 'photoshop'"),
        ("keys = 3\n", "[keys] must be a table"),
        ("[keys\n", "is not valid TOML"),
        ('colour = "red"\n', "unknown setting 'colour'"),
    ],
)
def test_bad_input_is_named_and_defaults_kept(tmp_path: Path, text: str, expected: str) -> None:
    keymap = load_keymap(keys_file(tmp_path, text))
    assert any(expected in p for p in keymap.problems), keymap.problems
    assert keymap.keys == build_keymap({}).keys


def test_an_unreadable_file_keeps_the_defaults(tmp_path: Path) -> None:
    (tmp_path / KEYS_FILE).write_bytes(b"\xff\xfe not text")
    keymap = load_keymap(tmp_path)
    assert "could not be read" in keymap.problems[0]
    assert keymap.keys == build_keymap({}).keys


class TestTheWindowReadsTheKeymap:
    @pytest.fixture
    def keymap(self) -> Keymap:
        return build_keymap({"keys": {"save": ["P"], "help": ["F2"]}})

    def test_every_action_has_a_handler(self, app: App) -> None:
        assert set(app.window.named_actions()) == {a.name for a in ACTIONS}
        bound = {s.objectName() for s in app.window.shortcuts}
        assert bound == {a.name for a in ACTIONS}

    def test_the_new_key_saves_and_the_old_one_does_not(self, app: App) -> None:
        cid = str(app.h.of_status("reviewing")[0]["id"])
        app.session.queue.select(cid)
        app.qtbot.keyClick(app.window.queue_view, Qt.Key.Key_S)
        assert not app.session.outbox.pending()
        app.session.queue.select(cid)  # a plain letter may have moved the list (type-ahead)
        app.qtbot.keyClick(app.window.queue_view, Qt.Key.Key_P)
        (decision,) = app.session.outbox.pending()
        assert decision.character_id == cid
        assert decision.kind is DecisionKind.SAVE

    def test_button_tooltip_and_sheet_show_the_keys_in_force(self, app: App) -> None:
        save = app.window.details.buttons[DecisionKind.SAVE]
        assert "(P)" in save.toolTip()
        rows = dict(row for _, section in app.window.sheet.rows() for row in section)
        assert rows["P"].startswith("Save")
        app.qtbot.keyClick(app.window.queue_view, Qt.Key.Key_F2)
        assert app.window.sheet.isVisible()
        app.qtbot.keyClick(app.window.sheet, Qt.Key.Key_F2)
        assert not app.window.sheet.isVisible()


def test_the_sheet_splits_into_two_balanced_columns() -> None:
    left, right = build_keymap({}).columns(2)
    lines = [sum(len(actions) + 1 for _, actions in column) for column in (left, right)]
    assert left
    assert right
    assert abs(lines[0] - lines[1]) <= max(len(a) for _, a in build_keymap({}).sections())
    names = [a.name for column in (left, right) for _, acts in column for a in acts]
    assert names == [a.name for a in ACTIONS]  # in order, nothing lost


def test_a_badge_writes_shift_as_a_glyph() -> None:
    assert build_keymap({}).hint("resynthesize") == "⇧R"
