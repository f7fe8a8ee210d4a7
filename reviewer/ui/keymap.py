"""Every action of the window by name, its default keys, and the reviewer's own keys.

One table (ACTIONS) feeds the shortcuts, the buttons' key hints and tooltips, and the
shortcut sheet, so they cannot disagree. ``keys.toml`` in the config folder overrides it::

    preset = "lightroom"        # optional: a shipped set of keys, applied first
    [keys]
    save = ["P"]                # replaces save's default keys
    next = ["Right", "Ctrl+N"]

Keys are Qt's portable text form (``QKeySequence.toString(PortableText)``). A file that
cannot be read, an unknown action, a key Qt cannot parse, or two actions on one key is
named in a problem message and the defaults are kept for what it touched: the window
always starts with a working keymap.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtGui import QKeySequence

__all__ = [
    "ACTIONS",
    "KEYS_FILE",
    "PRESETS",
    "Action",
    "Keymap",
    "build_keymap",
    "default_keymap",
    "load_keymap",
]

KEYS_FILE = "keys.toml"


@dataclass(frozen=True)
class Action:
    name: str
    label: str  # what the shortcut sheet says it does
    keys: tuple[str, ...]  # the defaults, in portable text
    section: str = "Review"
    # Held keys must not save or discard a run of characters; moving may repeat.
    autorepeat: bool = False


ACTIONS: tuple[Action, ...] = (
    Action("save", "Save, then the next character", ("S", "Return", "Enter")),
    Action("discard", "Discard, then the next character", ("X", "Del")),
    Action("regenerate", "Regenerate the selected pose (1 generation)", ("R",)),
    Action("resynthesize", "Resynthesize all four (4 generations; asks first)", ("Shift+R",)),
    Action("undo", "Undo the last decision not yet sent", ("Ctrl+Z",)),
    Action("later", "Later: to the end of the queue, or back (not sent)", ("L",)),
    Action("next", "Next character", ("Right", "J"), "Move", autorepeat=True),
    Action("previous", "Previous character", ("Left", "K"), "Move", autorepeat=True),
    Action(
        "extend_next",
        "Select the next one too",
        ("Shift+Down", "Shift+Right"),
        "Move",
        autorepeat=True,
    ),
    Action(
        "extend_previous",
        "Select the previous one too",
        ("Shift+Up", "Shift+Left"),
        "Move",
        autorepeat=True,
    ),
    Action("select_all", "Select all that can be decided", ("Ctrl+A",), "Move"),
    Action("select_portrait", "Select the portrait", ("1",), "Move"),
    Action("select_front", "Select the front pose", ("2",), "Move"),
    Action("select_side", "Select the side pose", ("3",), "Move"),
    Action("select_back", "Select the back pose", ("4",), "Move"),
    Action("search", "Search by name", ("Ctrl+F",), "Move"),
    Action("sort", "Sort newest first or oldest first", ("O",), "Move"),
    Action("filter", "Filter by gender, age, hair and body type", ("F",), "Move"),
    Action("loupe", "Loupe: the selected pose large", ("Space",), "View"),
    Action("zoom", "Zoom: Fit, 100 %, 200 % (or wheel, click)", ("Z",), "View"),
    Action("zoom_fit", "Zoom to fit", ("Ctrl+0",), "View"),
    Action("zoom_100", "Zoom to 100 % (one image pixel per screen pixel)", ("Ctrl+1",), "View"),
    Action("zoom_200", "Zoom to 200 %", ("Ctrl+2",), "View"),
    Action("zoom_4up", "4-up: all four poses zoomed on the same spot", ("Shift+Z",), "View"),
    Action("compare", "Compare a regenerated pose before and after", ("C",), "View"),
    Action("survey", "Survey: the selected pose across a page of characters", ("N",), "View"),
    Action("history", "Decided: every decision you made and where it stands", ("H",), "View"),
    Action("escape", "Close the loupe, survey, a message or this sheet", ("Esc",), "View"),
    Action("refresh", "Refresh the queue now", ("F5",), "View"),
    Action("help", "This sheet", ("?", "F1", "Shift+?"), "View"),
    Action("toggle_panels", "Hide or show the queue and details columns", ("Tab",), "View"),
    Action("fullscreen", "Full screen", ("F11",), "View"),
    Action("quit", "Quit (sends what waits first)", ("Ctrl+Q",), "View"),
)

# Lightroom's culling keys where they exist (P pick, X reject, U unflag/undo, G grid …).
PRESETS: dict[str, dict[str, tuple[str, ...]]] = {
    "lightroom": {
        "save": ("P", "Return", "Enter"),
        "discard": ("X", "Del"),
        "undo": ("U", "Ctrl+Z"),
        "loupe": ("E", "Space"),
        "zoom": ("Z",),
        "help": ("Ctrl+/", "F1", "?", "Shift+?"),
    },
}


_ARROWS = {"Left": "←", "Right": "→", "Up": "↑", "Down": "↓"}


@dataclass
class Keymap:
    """The keys in force: each action's key sequences, and what went wrong reading them."""

    keys: dict[str, tuple[str, ...]]
    problems: list[str] = field(default_factory=list)
    actions: tuple[Action, ...] = ACTIONS

    def action(self, name: str) -> Action:
        for action in self.actions:
            if action.name == name:
                return action
        raise KeyError(name)

    def sequences(self, name: str) -> list[QKeySequence]:
        return [_parse(text) or QKeySequence() for text in self.keys[name]]

    def hint(self, name: str) -> str:
        """The first key as the user's platform writes it: for a button's key badge."""
        keys = self.keys.get(name, ())
        # A badge is narrow: "⇧R" as macOS and Lightroom write it, not "Shift+R".
        return _native(keys[0]).replace("Shift+", "⇧") if keys else ""

    def key_text(self, name: str) -> str:
        """The first key as written in a sentence ("Shift+R"), "" if the action has none."""
        keys = self.keys.get(name, ())
        return _native(keys[0]) if keys else ""

    def hint_line(self, items: Sequence[tuple[str | tuple[str, ...], str]]) -> str:
        """A view's key hint, "Z  zoom     Esc  close", from the keys in force; each
        item is an action (or several, sharing one label) and what it does there. An
        action with no key is left out."""
        parts: list[str] = []
        for names, label in items:
            keys = [self.key_text(n) for n in ((names,) if isinstance(names, str) else names)]
            if all(keys):
                # A run of digits reads as one: "1–4  pose"; arrows as "← →  move".
                sep = "–" if all(k.isdigit() for k in keys) else " "
                parts.append(f"{sep.join(_ARROWS.get(k, k) for k in keys)}  {label}")
        return "     ".join(parts)

    def columns(self, count: int = 2) -> list[list[tuple[str, list[Action]]]]:
        """The sections split into columns of about equal lines (a heading counts as one),
        a section never split, in order: for the shortcut sheet."""
        sections = self.sections()
        total = sum(len(a) + 1 for _, a in sections)
        out: list[list[tuple[str, list[Action]]]] = [[] for _ in range(count)]
        column, used = 0, 0
        for section in sections:
            size = len(section[1]) + 1
            # Move on when this section would end past the column's fair share.
            if (
                out[column]
                and column < count - 1
                and used + size / 2 > total * (column + 1) / count
            ):
                column += 1
            out[column].append(section)
            used += size
        return out

    def describe(self, name: str, sep: str = " or ") -> str:
        """All of an action's keys, e.g. "S or Enter", for tooltips and the sheet."""
        texts = self.keys.get(name, ())
        shown: list[str] = []
        for text in texts:
            # Return and Enter (keypad) read the same to a person, and "Shift+?" is how
            # some layouts report "?": say each once.
            native = "Enter" if _native(text) == "Return" else _native(text)
            plain = text.removeprefix("Shift+")
            if native in shown or (plain != text and not plain.isalpha() and plain in texts):
                continue
            shown.append(native)
        return sep.join(shown) if shown else "no key"

    def sections(self) -> list[tuple[str, list[Action]]]:
        out: dict[str, list[Action]] = {}
        for action in self.actions:
            out.setdefault(action.section, []).append(action)
        return list(out.items())


def default_keymap(actions: tuple[Action, ...] = ACTIONS) -> Keymap:
    return Keymap({a.name: a.keys for a in actions}, [], actions)


def load_keymap(config_dir: Path | None, actions: tuple[Action, ...] = ACTIONS) -> Keymap:
    """The defaults with ``config_dir/keys.toml`` applied; problems are collected, not raised."""
    if config_dir is None:
        return default_keymap(actions)
    path = config_dir / KEYS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return default_keymap(actions)
    except (OSError, UnicodeDecodeError) as exc:
        return _defaults_because(actions, f"{path} could not be read ({exc.__class__.__name__})")
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return _defaults_because(actions, f"{path} is not valid TOML: {exc}")
    keymap = build_keymap(table, actions)
    keymap.problems = [f"{path.name}: {p}" for p in keymap.problems]
    return keymap


def build_keymap(table: Mapping[str, object], actions: tuple[Action, ...] = ACTIONS) -> Keymap:
    keymap = default_keymap(actions)
    problems = keymap.problems
    known = {a.name for a in actions}
    overridden: set[str] = set()

    for name in table:
        if name not in ("preset", "keys"):
            problems.append(f"unknown setting {name!r} (expected preset or [keys])")
    preset = table.get("preset")
    if preset is not None:
        if isinstance(preset, str) and preset in PRESETS:
            for name, keys in PRESETS[preset].items():
                if name in known:
                    keymap.keys[name] = keys
                    overridden.add(name)
        else:
            choices = ", ".join(sorted(PRESETS))
            problems.append(f"unknown preset {preset!r} (choose from: {choices})")

    raw = table.get("keys", {})
    if not isinstance(raw, Mapping):
        problems.append("[keys] must be a table of action = [key, ...]")
        raw = {}
    for name, value in raw.items():
        if name not in known:
            problems.append(f"unknown action {name!r}; the actions are: {', '.join(sorted(known))}")
            continue
        parsed = _read_keys(name, value, problems)
        if parsed is not None:
            keymap.keys[name] = parsed
            overridden.add(name)

    _settle_clashes(keymap, actions, overridden)
    return keymap


def _read_keys(name: str, value: object, problems: list[str]) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f'{name}: expected a list of keys such as ["P"]; kept its defaults')
        return None
    out: list[str] = []
    for text in value:
        sequence = _parse(text)
        if sequence is None:
            problems.append(f"{name}: {text!r} is not a key Qt understands; kept its defaults")
            return None
        out.append(sequence.toString(QKeySequence.SequenceFormat.PortableText))
    return tuple(out)


def _settle_clashes(keymap: Keymap, actions: tuple[Action, ...], overridden: set[str]) -> None:
    """Two actions on one key: the overridden ones go back to their defaults, once."""
    for _ in range(2):  # after restoring defaults, defaults can't clash among themselves
        owners: dict[str, list[str]] = {}
        for action in actions:
            for text in keymap.keys[action.name]:
                owners.setdefault(_normal(text), []).append(action.name)
        clashes = {k: names for k, names in owners.items() if len(set(names)) > 1}
        if not clashes:
            return
        for key, names in clashes.items():
            losers = [n for n in dict.fromkeys(names) if n in overridden] or list(names[1:])
            for name in losers:
                default = keymap.action(name).keys
                keymap.problems.append(
                    f"{_native(key)} is given to both {' and '.join(dict.fromkeys(names))}; "
                    f"{name} keeps its default keys ({', '.join(map(_native, default))})"
                )
                keymap.keys[name] = default
                overridden.discard(name)


def _defaults_because(actions: tuple[Action, ...], problem: str) -> Keymap:
    keymap = default_keymap(actions)
    keymap.problems.append(f"{problem}; the default keys are in use")
    return keymap


def _parse(text: str) -> QKeySequence | None:
    """One key combination, or None: Qt parses junk to an empty or unknown key."""
    text = text.strip()
    if not text:
        return None
    sequence = QKeySequence.fromString(text, QKeySequence.SequenceFormat.PortableText)
    portable = sequence.toString(QKeySequence.SequenceFormat.PortableText)
    if sequence.count() != 1 or not portable:
        return None
    return sequence


def _normal(text: str) -> str:
    sequence = _parse(text)
    return sequence.toString(QKeySequence.SequenceFormat.PortableText) if sequence else text


def _native(text: str) -> str:
    sequence = _parse(text)
    if sequence is None:
        return text
    native = sequence.toString(QKeySequence.SequenceFormat.NativeText)
    return {"Space": "Space", "Del": "Delete", "Esc": "Esc"}.get(native, native)
