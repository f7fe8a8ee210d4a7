"""Typed views of the API's objects. Tolerant: unknown fields are ignored, unknown
statuses and poses are kept as plain strings, and a missing required field is a
``ResponseValidationError`` rather than a ``KeyError`` deep in the UI."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeGuard

from ._errors import ResponseValidationError
from ._text import display_safe, preview

__all__ = [
    "SYNTHESIZED_POSES",
    "Attributes",
    "Balance",
    "Character",
    "CharacterPage",
    "CharacterStatus",
    "DeletedCharacter",
    "Pose",
    "RateLimit",
    "Ref",
    "ResponseMeta",
    "SkippedCharacter",
]


class CharacterStatus(StrEnum):
    """Documented statuses. ``Character.status`` is a ``str``: it may hold others."""

    SYNTHESIZING = "synthesizing"
    REVIEWING = "reviewing"
    READY = "ready"
    FAILED = "failed"
    DELETED = "deleted"


class Pose(StrEnum):
    PORTRAIT = "portrait"
    FRONT = "front"
    SIDE = "side"
    BACK = "back"
    OTHER = "other"


SYNTHESIZED_POSES: tuple[Pose, ...] = (Pose.PORTRAIT, Pose.FRONT, Pose.SIDE, Pose.BACK)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """One bucket's state from the ``X-RateLimit-*`` headers of a response."""

    limit: int
    remaining: int
    reset: float  # epoch seconds when the bucket is full again


@dataclass(frozen=True, slots=True)
class ResponseMeta:
    """What a response said besides its body."""

    status_code: int = 0
    request_id: str | None = None
    api_version: str | None = None
    rate_limit: RateLimit | None = None
    idempotency_key: str | None = None
    replayed: bool = False
    # From Retry-After, capped (see RETRY_AFTER_CAP); None when absent or unreadable.
    retry_after: float | None = None


_NO_META = ResponseMeta()


@dataclass(frozen=True, slots=True)
class Ref:
    pose: str
    url: str


@dataclass(frozen=True, slots=True)
class Attributes:
    gender: str | None = None
    age: int | str | None = None
    ethnicity: str | None = None
    hair_color: str | None = None
    hair_style: str | None = None
    eye_color: str | None = None
    body_type: str | None = None
    additional_details: str | None = None
    # Keys this client does not know, kept so a PATCH (which replaces attributes
    # whole) does not silently drop them.
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        known = {
            name: getattr(self, name)
            for name in _ATTRIBUTE_NAMES
            if getattr(self, name) is not None
        }
        return {**self.extra, **known}


_ATTRIBUTE_NAMES = (
    "gender",
    "age",
    "ethnicity",
    "hair_color",
    "hair_style",
    "eye_color",
    "body_type",
    "additional_details",
)


@dataclass(frozen=True, slots=True)
class Character:
    id: str
    name: str
    status: str
    refs: tuple[Ref, ...]
    created_at: datetime
    updated_at: datetime
    attributes: Attributes | None = None
    error_message: str | None = None
    aurous_version: str | None = None
    meta: ResponseMeta = field(default=_NO_META, compare=False, repr=False)

    def ref(self, pose: str) -> Ref | None:
        return next((r for r in self.refs if r.pose == pose), None)


@dataclass(frozen=True, slots=True)
class SkippedCharacter:
    """A list item that could not be read, so the rest of its page still could."""

    index: int  # its position in the page's ``data``
    id: str | None  # when the item has a usable one
    reason: str


@dataclass(frozen=True, slots=True)
class CharacterPage:
    data: tuple[Character, ...]
    has_more: bool
    next_cursor: str | None
    meta: ResponseMeta = field(default=_NO_META, compare=False, repr=False)
    skipped: tuple[SkippedCharacter, ...] = ()


@dataclass(frozen=True, slots=True)
class Balance:
    credits: float
    held_credits: float
    available_credits: float
    currency: str
    billing_mode: str
    meta: ResponseMeta = field(default=_NO_META, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class DeletedCharacter:
    id: str
    deleted: bool
    meta: ResponseMeta = field(default=_NO_META, compare=False, repr=False)


# -- parsing -----------------------------------------------------------------------------


class _Reader:
    """Reads typed fields from a JSON object, naming the bad field when one is wrong."""

    def __init__(self, data: object, where: str, meta: ResponseMeta) -> None:
        if not isinstance(data, dict):
            raise ResponseValidationError(
                f"{where}: expected a JSON object, got {type(data).__name__}",
                request_id=meta.request_id,
            )
        self.data: dict[str, Any] = data
        self.where = where
        self.meta = meta

    def fail(self, name: str, expected: str) -> ResponseValidationError:
        got = preview(self.data[name]) if name in self.data else "nothing"
        return ResponseValidationError(
            f"{self.where}.{name}: expected {expected}, got {got}",
            request_id=self.meta.request_id,
        )

    def text(self, name: str) -> str:
        """A string shown to people: control characters neutralised."""
        value = self.data.get(name)
        if not isinstance(value, str):
            raise self.fail(name, "a string")
        return display_safe(value)

    def opt_text(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is not None and not isinstance(value, str):
            raise self.fail(name, "a string or null")
        return None if value is None else display_safe(value)

    def ident(self, name: str) -> str:
        """An id or URL, sent back to the server as given: one that a display would
        mangle (controls, bidi marks) or that is absurdly long is refused, not changed."""
        value = self.data.get(name)
        if not _is_ident(value):
            raise self.fail(name, "a non-empty string without control characters")
        return value

    def flag(self, name: str) -> bool:
        value = self.data.get(name)
        if not isinstance(value, bool):
            raise self.fail(name, "true or false")
        return value

    def number(self, name: str, default: float | None = None) -> float:
        value = self.data.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(name, "a number")
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise self.fail(name, "a finite number")
        return number

    def timestamp(self, name: str) -> datetime:
        text = self.text(name)
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise self.fail(name, "an ISO 8601 timestamp") from None
        # The contract says UTC; a stamp without an offset is read as UTC too.
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    def items(self, name: str) -> list[Any]:
        value = self.data.get(name)
        if not isinstance(value, list):
            raise self.fail(name, "a list")
        return value


def _readable(value: object) -> str | None:
    """An attribute as text. Attributes are for people to read: a number where a
    string was expected is written out, and a list or object (not readable) is
    dropped, rather than failing the whole character."""
    if isinstance(value, str):
        return display_safe(value)
    if isinstance(value, bool | int | float):
        return str(value)
    return None


def parse_attributes(data: object, meta: ResponseMeta = _NO_META) -> Attributes | None:
    if data is None:
        return None
    r = _Reader(data, "character.attributes", meta)
    fields: dict[str, Any] = {name: _readable(r.data.get(name)) for name in _ATTRIBUTE_NAMES}
    age = r.data.get("age")
    if isinstance(age, int) and not isinstance(age, bool):
        fields["age"] = age
    extra = {k: v for k, v in r.data.items() if k not in _ATTRIBUTE_NAMES}
    return Attributes(**fields, extra=extra)


def parse_character(data: object, meta: ResponseMeta = _NO_META) -> Character:
    r = _Reader(data, "character", meta)
    refs = []
    for i, item in enumerate(r.items("refs") if r.data.get("refs") is not None else []):
        ref = _Reader(item, f"character.refs[{i}]", meta)
        refs.append(Ref(pose=ref.text("pose"), url=ref.ident("url")))
    return Character(
        id=r.ident("id"),
        name=r.opt_text("name") or "",
        status=r.text("status"),
        refs=tuple(refs),
        created_at=r.timestamp("created_at"),
        updated_at=r.timestamp("updated_at")
        if "updated_at" in r.data
        else r.timestamp("created_at"),
        attributes=parse_attributes(r.data.get("attributes"), meta),
        error_message=r.opt_text("error_message"),
        aurous_version=r.opt_text("aurous_version"),
        meta=meta,
    )


def parse_page(data: object, meta: ResponseMeta) -> CharacterPage:
    """A page whose unreadable items are skipped and listed, not fatal: one bad
    character must not keep the whole queue from loading."""
    r = _Reader(data, "list", meta)
    characters: list[Character] = []
    skipped: list[SkippedCharacter] = []
    for index, item in enumerate(r.items("data")):
        try:
            characters.append(parse_character(item, meta))
        except ResponseValidationError as exc:
            skipped.append(SkippedCharacter(index, _usable_id(item), exc.reason))
    cursor = r.data.get("next_cursor")
    return CharacterPage(
        data=tuple(characters),
        has_more=r.flag("has_more"),
        next_cursor=None if cursor is None else r.ident("next_cursor"),
        meta=meta,
        skipped=tuple(skipped),
    )


def _is_ident(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and 0 < len(value) <= 4096 and value.isprintable()


def _usable_id(item: object) -> str | None:
    value = item.get("id") if isinstance(item, dict) else None
    return value if _is_ident(value) else None


def parse_balance(data: object, meta: ResponseMeta) -> Balance:
    r = _Reader(data, "balance", meta)
    credits = r.number("credits")
    held = r.number("held_credits", 0)
    return Balance(
        credits=credits,
        held_credits=held,
        available_credits=r.number("available_credits", credits - held),
        currency=r.opt_text("currency") or "credit",
        billing_mode=r.opt_text("billing_mode") or "metered",
        meta=meta,
    )


def parse_deleted(data: object, meta: ResponseMeta) -> DeletedCharacter:
    r = _Reader(data, "deleted", meta)
    return DeletedCharacter(id=r.ident("id"), deleted=r.flag("deleted"), meta=meta)
