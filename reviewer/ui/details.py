"""The right-hand panel: who the character is, and the four decisions with keys and costs."""

from __future__ import annotations

import html
from datetime import datetime
from typing import NamedTuple

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from reviewer.review.decisions import COSTS, DecisionKind
from reviewer.review.queue import Entry

from .keymap import Keymap, default_keymap
from .theme import Theme, icon

__all__ = ["DECISION_ORDER", "DecisionButton", "DetailPanel", "SelectionCost"]

DECISION_ORDER = (
    DecisionKind.SAVE,
    DecisionKind.REGENERATE,
    DecisionKind.RESYNTHESIZE,
    DecisionKind.DISCARD,
)
_TITLES = {
    DecisionKind.SAVE: "Save",
    DecisionKind.REGENERATE: "Regenerate pose",
    DecisionKind.RESYNTHESIZE: "Resynthesize",
    DecisionKind.DISCARD: "Discard",
}
_HELP = {
    DecisionKind.SAVE: "Save this character: it becomes ready to use",
    DecisionKind.REGENERATE: "Make the selected pose again, keeping the other three",
    DecisionKind.RESYNTHESIZE: "Make all four poses again; asks first",
    DecisionKind.DISCARD: "Delete this character for good",
}
_ICONS = {
    DecisionKind.SAVE: "save",
    DecisionKind.REGENERATE: "regenerate",
    DecisionKind.RESYNTHESIZE: "resynthesize",
    DecisionKind.DISCARD: "discard",
}
_ATTRIBUTES = (
    ("Gender", "gender"),
    ("Age", "age"),
    ("Ethnicity", "ethnicity"),
    ("Hair", "hair"),
    ("Eyes", "eye_color"),
    ("Body type", "body_type"),
)


class SelectionCost(NamedTuple):
    applies: int  # how many of the selection the decision applies to
    text: str  # what it does, e.g. "Save 11 · 1 cannot be decided (synthesizing)"


def cost_text(kind: DecisionKind) -> str:
    cost = COSTS[kind]
    return f"{cost} generation" + ("" if cost == 1 else "s")


class DecisionButton(QPushButton):
    def __init__(
        self, kind: DecisionKind, theme: Theme, keymap: Keymap, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.kind = kind
        self._keys = keymap.describe(kind.value)
        self.setObjectName("Decision")
        self.setProperty("role", kind.value)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys act on the queue, not the button
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumHeight(44)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 6, 12, 6)
        row.setSpacing(10)
        glyph = QLabel()
        glyph.setPixmap(icon(_ICONS[kind], theme.color(kind.value)).pixmap(18, 18))
        title = QLabel(_TITLES[kind])
        title.setStyleSheet("font-weight: 600; background: transparent;")
        cost = QLabel(f"{COSTS[kind]} gen")
        cost.setObjectName("Muted")
        self.cost_label = cost
        key = QLabel(keymap.hint(kind.value))
        key.setStyleSheet(
            f"border: 1px solid {theme.colors['border']}; border-radius: 4px;"
            f"padding: 1px 6px; color: {theme.colors['text_dim']}; font-size: 11px;"
        )
        for widget in (glyph, title, cost, key):
            widget.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        row.addWidget(glyph)
        row.addWidget(title)
        row.addStretch(1)
        row.addWidget(cost)
        row.addWidget(key)
        self.set_reason(None)

    def set_reason(self, reason: str | None, *, selection: SelectionCost | None = None) -> None:
        """Enable, or disable saying why. ``selection``: what it does to a selection of
        several (its cost label then shows their total)."""
        self.setEnabled(reason is None)
        if selection is None:
            self.cost_label.setText(f"{COSTS[self.kind]} gen")
            tip = f"{_HELP[self.kind]} ({self._keys}). Costs {cost_text(self.kind)}."
        else:
            # The total for all it applies to; the tooltip says how many.
            self.cost_label.setText(f"{selection.applies * COSTS[self.kind]} gen")
            tip = f"{selection.text} ({self._keys})."
        self.setToolTip(tip if reason is None else f"{reason}\n\n{tip}")


class DetailPanel(QFrame):
    decision_clicked = Signal(object)  # DecisionKind

    def __init__(
        self, theme: Theme, keymap: Keymap | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        keymap = keymap or default_keymap()
        self.setObjectName("DetailPanel")
        self.setMinimumWidth(230)
        self.setMaximumWidth(340)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 14)
        layout.setSpacing(8)

        self.name = QLabel("—")
        self.name.setObjectName("CharacterName")
        self.name.setWordWrap(True)
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setWordWrap(True)  # a selection's lines are long
        layout.addWidget(self.name)
        layout.addWidget(self.status)

        self.attributes = QGridLayout()
        self.attributes.setHorizontalSpacing(12)
        self.attributes.setVerticalSpacing(5)
        self._values: dict[str, QLabel] = {}
        self._keys: list[QLabel] = []
        for row, (label, key) in enumerate(_ATTRIBUTES):
            name = QLabel(label)
            name.setObjectName("AttrKey")
            value = QLabel("—")
            value.setWordWrap(True)
            self.attributes.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            self.attributes.addWidget(value, row, 1)
            self._values[key] = value
            self._keys.append(name)
        self.attributes.setColumnStretch(1, 1)
        layout.addSpacing(6)
        layout.addLayout(self.attributes)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setObjectName("Muted")
        layout.addWidget(self.details)
        self.created = QLabel()
        self.created.setObjectName("Muted")
        self.created.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.created)

        self.error = QLabel()
        self.error.setObjectName("ErrorBox")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        layout.addWidget(self.error)

        layout.addStretch(1)
        self.buttons: dict[DecisionKind, DecisionButton] = {}
        for kind in DECISION_ORDER:
            button = DecisionButton(kind, theme, keymap, self)
            button.clicked.connect(lambda _=False, k=kind: self.decision_clicked.emit(k))
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            layout.addWidget(button)
            self.buttons[kind] = button
        self.theme = theme
        self._entry: Entry | None = None
        self._loading = False
        self.selection: list[str] | None = None  # what the column says of a selection
        self.show_entry(None)

    def show_selection(self, title: str, lines: list[str], names: list[str]) -> None:
        """Several characters selected: how many, what each decision does to them."""
        self.selection = [title, *lines]
        self.name.setText(title)
        self.status.setText("<br>".join(html.escape(line) for line in lines))
        self._show_attributes(False)
        shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        self.details.setText(f"{shown}\n\nShift+click or Ctrl+click changes the selection.")
        self.created.clear()
        self.error.hide()

    def end_selection(self) -> None:
        if self.selection is not None:
            self.selection = None
            self._show_attributes(True)
            self.show_entry(self._entry, loading=self._loading)

    def _show_attributes(self, show: bool) -> None:
        for label in (*self._keys, *self._values.values()):
            label.setVisible(show)

    def show_entry(self, entry: Entry | None, *, loading: bool = False) -> None:
        self._entry, self._loading = entry, loading
        if self.selection is not None:
            return  # the selection's summary stays until it ends
        if entry is None:
            self.name.setText("Loading…" if loading else "Nothing to review")
            self.status.clear()
            for value in self._values.values():
                value.setText("—")
            self.details.clear()
            self.created.clear()
            self.error.hide()
            return
        character = entry.character
        self.name.setText(entry.name)
        color = self.theme.colors.get(entry.status, self.theme.colors["text_dim"])
        label = entry.status
        if entry.regenerating:
            poses = ", ".join(sorted(entry.regenerating))
            label += f" · {poses}" if len(entry.regenerating) < 4 else " · all poses"
        later = ""
        if entry.later is not None:
            dim = self.theme.colors["text_dim"]
            later = f'&nbsp;&nbsp;<span style="color:{dim};">· Later</span>'
        self.status.setText(
            f'<span style="color:{color}; font-weight:600;">● {label}</span>{later}'
        )
        attrs = character.attributes
        values = {
            "gender": attrs.gender if attrs else None,
            "age": str(attrs.age) if attrs and attrs.age is not None else None,
            "ethnicity": attrs.ethnicity if attrs else None,
            "hair": ", ".join(x for x in (attrs.hair_color, attrs.hair_style) if x)
            if attrs
            else None,
            "eye_color": attrs.eye_color if attrs else None,
            "body_type": attrs.body_type if attrs else None,
        }
        for key, text in values.items():
            self._values[key].setText(text or "—")
        self.details.setText(attrs.additional_details or "" if attrs else "No attributes")
        self.created.setText(f"Created {_when(character.created_at)}\n{character.id}")
        # A server error_message is stale once the character is no longer failed.
        failure = character.error_message if entry.status == "failed" else None
        problems = [m for m in (failure, entry.message) if m]
        self.error.setVisible(bool(problems))
        self.error.setText("\n\n".join(problems))

    def set_reasons(
        self,
        reasons: dict[DecisionKind, str | None],
        selection: dict[DecisionKind, SelectionCost] | None = None,
    ) -> None:
        for kind, reason in reasons.items():
            self.buttons[kind].set_reason(reason, selection=(selection or {}).get(kind))


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%d %b %Y, %H:%M")
