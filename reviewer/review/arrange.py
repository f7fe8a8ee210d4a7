"""How this reviewer's queue is arranged: the sort order, the attribute filter, the
"later" flags and the team split (``--share K/N``). Plain Python, no Qt; the queue
(``queue.py``) applies these, the window only shows and changes them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from reviewer.api import Character

__all__ = [
    "AGE_RANGES",
    "ATTRIBUTE_LABELS",
    "Attribute",
    "AttributeFilter",
    "LaterStore",
    "MemoryLaterStore",
    "Share",
    "ShareError",
    "SortOrder",
    "age_range",
    "attribute_options",
    "attribute_value",
    "parse_share",
]


class SortOrder(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"

    def toggled(self) -> SortOrder:
        return SortOrder.OLDEST if self is SortOrder.NEWEST else SortOrder.NEWEST

    @property
    def label(self) -> str:
        return "Newest first" if self is SortOrder.NEWEST else "Oldest first"


# -- the attribute filter -------------------------------------------------------------


class Attribute(StrEnum):
    GENDER = "gender"
    AGE = "age"
    HAIR = "hair"
    BODY_TYPE = "body_type"


ATTRIBUTE_LABELS: Mapping[Attribute, str] = {
    Attribute.GENDER: "Gender",
    Attribute.AGE: "Age",
    Attribute.HAIR: "Hair",
    Attribute.BODY_TYPE: "Body type",
}

# (label, lowest age, first age past the range); the last has no upper end.
AGE_RANGES: tuple[tuple[str, int, int | None], ...] = (
    ("under 25", 0, 25),
    ("25–34", 25, 35),
    ("35–49", 35, 50),
    ("50–64", 50, 65),
    ("65 and over", 65, None),
)


def age_range(age: int | str | None) -> str | None:
    """The range an age falls in. The API types age loosely: a number in a string is
    read as one; any other text ("adult") is its own value, so it can still be picked."""
    if age is None:
        return None
    if isinstance(age, str):
        text = age.strip()
        if not text.isdigit():
            return text or None
        age = int(text)
    for label, low, high in AGE_RANGES:
        if age >= low and (high is None or age < high):
            return label
    return None  # a negative age: nothing sensible to file it under


def attribute_value(character: Character, attribute: Attribute) -> str | None:
    """What the filter compares for one attribute (hair is the hair colour)."""
    attrs = character.attributes
    if attrs is None:
        return None
    if attribute is Attribute.GENDER:
        return attrs.gender
    if attribute is Attribute.AGE:
        return age_range(attrs.age)
    if attribute is Attribute.HAIR:
        return attrs.hair_color
    return attrs.body_type


def _value_order(attribute: Attribute, value: str) -> tuple[int, str]:
    if attribute is Attribute.AGE:
        ranks = [label for label, _, _ in AGE_RANGES]
        return (ranks.index(value), "") if value in ranks else (len(ranks), value.casefold())
    return (0, value.casefold())


def _ordered(attribute: Attribute, values: Iterable[str]) -> list[str]:
    return sorted(values, key=lambda value: _value_order(attribute, value))


def attribute_options(characters: Iterable[Character]) -> dict[Attribute, list[str]]:
    """The values present among ``characters``, per attribute, in a stable order (ages
    youngest first, the rest alphabetically): only what the queue holds is offered."""
    found: dict[Attribute, set[str]] = {a: set() for a in Attribute}
    for character in characters:
        for attribute in Attribute:
            value = attribute_value(character, attribute)
            if value:
                found[attribute].add(value)
    return {a: _ordered(a, v) for a, v in found.items()}


@dataclass(frozen=True)
class AttributeFilter:
    """Chosen values per attribute: a character must match every attribute that has a
    choice (AND) and, within one, any of its values (OR)."""

    chosen: Mapping[Attribute, frozenset[str]] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return any(self.chosen.values())

    def values(self, attribute: Attribute) -> frozenset[str]:
        return self.chosen.get(attribute, frozenset())

    def matches(self, character: Character) -> bool:
        return all(
            attribute_value(character, attribute) in values
            for attribute, values in self.chosen.items()
            if values
        )

    def toggled(self, attribute: Attribute, value: str) -> AttributeFilter:
        values = self.values(attribute) ^ {value}
        chosen = {a: v for a, v in self.chosen.items() if a is not attribute and v}
        if values:
            chosen[attribute] = values
        return AttributeFilter(chosen)

    def short(self) -> str:
        """The chosen values alone, e.g. "female, male · 25–34": for a narrow label."""
        return " · ".join(
            ", ".join(_ordered(a, self.values(a))) for a in Attribute if self.values(a)
        )

    def describe(self) -> str:
        """E.g. "Gender: female or male · Age: 25–34"; "" when nothing is chosen."""
        parts = []
        for attribute in Attribute:
            values = self.values(attribute)
            if values:
                ordered = _ordered(attribute, values)
                parts.append(f"{ATTRIBUTE_LABELS[attribute]}: {' or '.join(ordered)}")
        return " · ".join(parts)


# -- the team split -------------------------------------------------------------------


class ShareError(ValueError):
    """A ``--share`` value that names no share; the message says what is expected."""


@dataclass(frozen=True)
class Share:
    """Share ``index`` of ``count``: the characters whose id hashes there. The hash is
    SHA-256 of the id (Python's ``hash()`` differs between runs), so every reviewer's
    window, on any machine, puts a character in the same share."""

    index: int  # 1-based, as people count
    count: int

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ShareError(f"share {self.index}/{self.count}: N must be 1 or more")
        if not 1 <= self.index <= self.count:
            raise ShareError(
                f"share {self.index}/{self.count} does not exist: K must be from 1 to "
                f"{self.count} (share 1 of {self.count} … share {self.count} of {self.count})"
            )

    @property
    def splits(self) -> bool:
        """False for 1/1: everyone sees everything."""
        return self.count > 1

    def includes(self, character_id: str) -> bool:
        if self.count == 1:
            return True  # no split: no hashing on every row lookup
        digest = hashlib.sha256(character_id.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def describe(self) -> str:
        return f"share {self.index} of {self.count}"

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


EVERYONE = Share(1, 1)


def parse_share(text: str) -> Share:
    """``"2/3"`` → share 2 of 3; ``"all"`` (or ``"1/1"``) → no split."""
    cleaned = text.strip()
    if cleaned.casefold() in ("all", "off", "none", ""):
        return EVERYONE
    k, sep, n = cleaned.partition("/")
    if not sep or not k.strip().isdigit() or not n.strip().isdigit():
        raise ShareError(
            f"{text!r} is not a share: write K/N, two whole numbers such as 2/3 "
            "(this reviewer takes share 2 of 3), or 'all'"
        )
    return Share(int(k), int(n))


# -- later flags ----------------------------------------------------------------------


@runtime_checkable
class LaterStore(Protocol):
    """Where "later" flags are kept: the journal (across restarts), or memory."""

    def later_flags(self) -> dict[str, float]:
        """Every flagged character id with when it was flagged (epoch seconds)."""
        ...

    def set_later(self, character_id: str, flagged_at: float) -> None: ...

    def clear_later(self, character_id: str) -> None: ...


class MemoryLaterStore:
    """Flags for this run only (the demo, tests)."""

    def __init__(self) -> None:
        self._flags: dict[str, float] = {}

    def later_flags(self) -> dict[str, float]:
        return dict(self._flags)

    def set_later(self, character_id: str, flagged_at: float) -> None:
        self._flags[character_id] = flagged_at

    def clear_later(self, character_id: str) -> None:
        self._flags.pop(character_id, None)
