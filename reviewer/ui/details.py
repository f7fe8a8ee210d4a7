"""The right-hand panel: who the character is, and the four decisions with keys and costs."""

from __future__ import annotations

import html
from datetime import datetime
from typing import NamedTuple

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from reviewer.review.decisions import COSTS, DecisionKind
from reviewer.review.queue import Entry

from .keymap import Keymap, default_keymap
from .theme import Theme, icon

__all__ = ["DECISION_ORDER", "DecisionButton", "DetailPanel", "IdField", "SelectionCost"]

DECISION_ORDER = (
    DecisionKind.SAVE,
    DecisionKind.REGENERATE,
    DecisionKind.RESYNTHESIZE,
    DecisionKind.DISCARD,
)
_TITLES = {
    DecisionKind.SAVE: "Save",
    DecisionKind.REGENERATE: "Regenerate",
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
        # The button's minimum is its own (minimumSizeHint), not the row's: the cost may go.
        row.setSizeConstraint(QHBoxLayout.SizeConstraint.SetNoConstraint)
        glyph = QLabel()
        glyph.setPixmap(icon(_ICONS[kind], theme.color(kind.value)).pixmap(18, 18))
        title = QLabel(_TITLES[kind])
        title.setStyleSheet("font-weight: 600; background: transparent;")
        cost = QLabel(f"{COSTS[kind]} gen")
        cost.setObjectName("Muted")
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
        self.title = title
        self.cost = cost
        self.key_badge = key
        self.set_reason(None)

    def _width_without_cost(self) -> int:
        row = self.layout()
        assert row is not None
        margins = row.contentsMargins()
        # The glyph (18 px), the title and the key badge, with the spacing between them.
        return (
            margins.left()
            + margins.right()
            + 18
            + self.title.sizeHint().width()
            + self.key_badge.sizeHint().width()
            + 3 * row.spacing()
        )

    def minimumSizeHint(self) -> QSize:
        # The QPushButton measures only its own (empty) text: the row inside must fit.
        return QSize(self._width_without_cost(), 44)

    def sizeHint(self) -> QSize:
        row = self.layout()
        spacing = row.spacing() if row is not None else 0
        return QSize(self._width_without_cost() + self.cost.sizeHint().width() + spacing, 44)

    def set_reason(self, reason: str | None, *, selection: SelectionCost | None = None) -> None:
        """Enable, or disable saying why. ``selection``: what it does to a selection of
        several (its cost label then shows their total)."""
        self.setEnabled(reason is None)
        if selection is None:
            self.cost.setText(f"{COSTS[self.kind]} gen")
            tip = f"{_HELP[self.kind]} ({self._keys}). Costs {cost_text(self.kind)}."
        else:
            # The total for all it applies to; the tooltip says how many.
            self.cost.setText(f"{selection.applies * COSTS[self.kind]} gen")
            tip = f"{selection.text} ({self._keys})."
        self.setToolTip(tip if reason is None else f"{reason}\n\n{tip}")


class IdField(QLineEdit):
    """The character id: read-only, selectable and copyable whole, never widening the
    column; a narrow column shows its start, the tooltip all of it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("IdField")
        self.setReadOnly(True)
        self.setFrame(False)
        # A click selects; the keyboard stays with the queue for single-key review.
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride:
            assert isinstance(event, QKeyEvent)
            # Only copying is the field's; every other key stays a shortcut (Right, S...).
            if not (
                event.matches(QKeySequence.StandardKey.Copy)
                or event.matches(QKeySequence.StandardKey.SelectAll)
            ):
                event.ignore()
                return True
        return super().event(event)

    def set_id(self, character_id: str) -> None:
        self.setText(character_id)
        self.setCursorPosition(0)
        copy = QKeySequence(QKeySequence.StandardKey.Copy).toString(
            QKeySequence.SequenceFormat.NativeText
        )
        self.setToolTip(f"{character_id}  (click, then {copy} to copy)" if character_id else "")


class DetailPanel(QFrame):
    decision_clicked = Signal(object)  # DecisionKind

    def __init__(
        self, theme: Theme, keymap: Keymap | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        keymap = keymap or default_keymap()
        self.setObjectName("DetailPanel")
        # No fixed minimum: the layout's, from the decision buttons' content, so none clips.
        self.setMaximumWidth(340)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 18, 18, 14)
        outer.setSpacing(8)
        # Who the character is scrolls when the window is short; the decisions stay put.
        info = QWidget()
        info.setObjectName("DetailInfo")
        layout = QVBoxLayout(info)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.info_scroll = QScrollArea()
        self.info_scroll.setObjectName("DetailScroll")
        self.info_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.info_scroll.setWidgetResizable(True)
        self.info_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.info_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.info_scroll.setWidget(info)
        self.info_scroll.viewport().setAutoFillBackground(False)
        info.setAutoFillBackground(False)
        outer.addWidget(self.info_scroll, 1)

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
        self.id_field = IdField()
        layout.addWidget(self.id_field)

        self.error = QLabel()
        self.error.setObjectName("ErrorBox")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        layout.addWidget(self.error)

        layout.addStretch(1)
        outer.addSpacing(4)
        self.buttons: dict[DecisionKind, DecisionButton] = {}
        for kind in DECISION_ORDER:
            button = DecisionButton(kind, theme, keymap, self)
            button.clicked.connect(lambda _=False, k=kind: self.decision_clicked.emit(k))
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            outer.addWidget(button)
            self.buttons[kind] = button
        self.theme = theme
        self._entry: Entry | None = None
        self._loading = False
        self._title: str | None = None
        self.selection: list[str] | None = None  # what the column says of a selection
        # A move through the queue restates the panel: done in the next turn of the loop,
        # after the move's own paint (the poses and the list), and once for a burst of
        # moves (a held key). Its ~15 labels and their paint were a third of a press.
        self._due = QTimer(self)
        self._due.setSingleShot(True)
        self._due.setInterval(0)
        self._due.timeout.connect(self._apply)
        self._reasons: (
            tuple[dict[DecisionKind, str | None], dict[DecisionKind, SelectionCost] | None] | None
        ) = None
        self.show_entry(None)
        self._apply()

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

    def show_entry(
        self, entry: Entry | None, *, loading: bool = False, title: str | None = None
    ) -> None:
        """Show ``entry`` in the next turn of the loop (``pending`` until then); with
        none, ``title`` names what is not there (else the queue's own words)."""
        self._entry, self._loading, self._title = entry, loading, title
        self._due.start()

    @property
    def pending(self) -> bool:
        return self._due.isActive()

    def _apply(self) -> None:
        self._due.stop()
        if self._reasons is not None:
            reasons, selection = self._reasons
            self._reasons = None
            for kind, reason in reasons.items():
                self.buttons[kind].set_reason(reason, selection=(selection or {}).get(kind))
            self._fit_costs()  # a selection's total ("120 gen") is wider than "1 gen"
        if self.selection is None:  # else the selection's summary stays until it ends
            self._show_entry(self._entry, loading=self._loading)

    def _show_entry(self, entry: Entry | None, *, loading: bool) -> None:
        if entry is None:
            self.name.setText(self._title or ("Loading…" if loading else "Nothing to review"))
            self.status.clear()
            for value in self._values.values():
                value.setText("—")
            self.details.clear()
            self.created.clear()
            self.id_field.set_id("")
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
        self.created.setText(f"Created {_when(character.created_at)}")
        self.id_field.set_id(character.id)
        # A server error_message is stale once the character is no longer failed.
        failure = character.error_message if entry.status == "failed" else None
        problems = [m for m in (failure, entry.message) if m]
        self.error.setVisible(bool(problems))
        self.error.setText("\n\n".join(problems))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_costs()

    def _fit_costs(self) -> None:
        # Narrow: the costs give way, all together (the tooltips still say them); the
        # titles and keys never do.
        room = self.width() - self.contentsMargins().left() - self.contentsMargins().right()
        layout = self.layout()
        if layout is not None:
            margins = layout.contentsMargins()
            room -= margins.left() + margins.right()
        fits = all(room >= b.sizeHint().width() for b in self.buttons.values())
        for button in self.buttons.values():
            button.cost.setVisible(fits)

    def set_reasons(
        self,
        reasons: dict[DecisionKind, str | None],
        selection: dict[DecisionKind, SelectionCost] | None = None,
    ) -> None:
        """Why each decision is not possible now (None: it is), in the next turn too."""
        self._reasons = (reasons, selection)
        self._due.start()


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%d %b %Y, %H:%M")
