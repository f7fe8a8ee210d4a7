"""The character, its refs and its pending synthesis job, plus the contract's vocabulary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

SYNTHESIZED_POSES = ("portrait", "front", "side", "back")
# `other` exists only for uploaded characters, which the simulator does not create.
POSES = (*SYNTHESIZED_POSES, "other")
LISTABLE_STATUSES = ("synthesizing", "reviewing", "ready", "failed")
STATUSES = (*LISTABLE_STATUSES, "deleted")

DEFAULT_VERSION = "2026-05-15"
KNOWN_VERSIONS = ("2025-10-01", "2026-02-12", DEFAULT_VERSION)

CREDITS_PER_GENERATION = 1
ATTRIBUTE_KEYS = (
    "gender",
    "age",
    "ethnicity",
    "hair_color",
    "hair_style",
    "eye_color",
    "body_type",
    "additional_details",
)

ImageFormat = Literal["png", "jpeg", "webp"]
JobKind = Literal["create", "regenerate", "resynthesize"]


@dataclass(frozen=True)
class Look:
    """What a generation was asked to draw, frozen at dispatch: a later PATCH changes the
    character, not the pictures already made."""

    name: str
    attributes: Mapping[str, Any] | None


@dataclass(frozen=True)
class StoredObject:
    key: str
    char_id: str
    pose: str
    version: int
    look: Look
    image_format: ImageFormat


@dataclass
class Job:
    kind: JobKind
    poses: tuple[str, ...]
    look: Look
    dispatched_at: float
    ready_at: float
    hold: int
    error_message: str | None  # set when this run is fated to fail
    # What the run will store when it ends (none when it is fated to fail): known from the
    # start, so storage can hold the images by the time the character is in review.
    objects: tuple[StoredObject, ...] = ()


@dataclass
class Character:
    id: str
    team: str
    name: str
    attributes: dict[str, Any] | None
    status: str
    created_at: float
    updated_at: float
    aurous_version: str
    image_format: ImageFormat
    error_message: str | None = None
    refs: dict[str, StoredObject] = field(default_factory=dict)
    job: Job | None = None
    runs: int = 0  # synthesis runs dispatched so far; seeds each run's fate

    def look(self) -> Look:
        attributes = None if self.attributes is None else dict(self.attributes)
        return Look(self.name, attributes)
