"""The domain: teams, characters, the synthesis state machine and its billing.

No locking and no HTTP here; the Simulator wraps this under its lock. State advances
lazily: every entry point first completes the runs whose time has come.
"""

from __future__ import annotations

import hashlib
import heapq
import random
from dataclasses import dataclass, field
from typing import Any

from . import _catalog
from ._accounts import Account
from ._config import SimConfig
from ._errors import bad_request, not_found
from ._ids import UlidFactory
from ._model import (
    CREDITS_PER_GENERATION,
    SYNTHESIZED_POSES,
    Character,
    ImageFormat,
    Job,
    JobKind,
    Look,
    StoredObject,
)
from ._ratelimit import TokenBucket, make_buckets

_FORMATS: tuple[ImageFormat, ...] = ("png", "jpeg", "webp")
_REGENERABLE = ("reviewing", "ready", "failed")


@dataclass
class Team:
    id: str
    account: Account
    buckets: dict[str, TokenBucket]
    live: set[str] = field(default_factory=set)  # ids of characters not hard-deleted
    known: set[str] = field(default_factory=set)  # every id ever created, for cursors


class Store:
    def __init__(self, config: SimConfig, secret: bytes, now: float) -> None:
        self._config = config
        self._secret = secret
        self._ids = UlidFactory(random.Random(f"{config.seed}:character-ids"))
        # One team per configured key, in order; the keys themselves live in a KeyRing.
        self.teams: list[Team] = [
            Team(
                id=f"team_{i}",
                account=Account(config.credits, config.billing_mode),
                buckets=make_buckets(now, config.rate_limit_scale),
            )
            for i in range(len(config.api_keys))
        ]
        self.teams_by_id = {team.id: team for team in self.teams}
        # Settable at runtime; each run's fate is still seeded by character and run number.
        self.failure_rate = config.failure_rate
        self.characters: dict[str, Character] = {}
        self.objects: dict[str, StoredObject] = {}
        self._due: list[tuple[float, int, str]] = []  # (ready_at, sequence, char id)
        # The same runs again, for storage to render their images ahead of ready_at.
        self._unrendered: list[tuple[float, int, str]] = []
        self._sequence = 0

    @property
    def synthesis_seconds(self) -> float:
        return self._config.synthesis_seconds

    # -- lazy time -------------------------------------------------------------------------

    def advance_to(self, now: float) -> None:
        while self._due and self._due[0][0] <= now:
            ready_at, _, char_id = heapq.heappop(self._due)
            char = self.characters.get(char_id)
            # Skip entries whose run was cancelled or replaced since they were queued.
            if char is not None and char.job is not None and char.job.ready_at == ready_at:
                self._finish(char, char.job)

    def take_unrendered(self, until: float) -> list[StoredObject]:
        """The images of runs still going that end by ``until``, each run once."""
        objects: list[StoredObject] = []
        while self._unrendered and self._unrendered[0][0] <= until:
            ready_at, _, char_id = heapq.heappop(self._unrendered)
            char = self.characters.get(char_id)
            if char is not None and char.job is not None and char.job.ready_at == ready_at:
                objects.extend(char.job.objects)
        return objects

    def in_review_newest_first(self, limit: int) -> list[StoredObject]:
        """The stored images of characters in review, newest character first, at most
        ``limit``."""
        waiting = [c for c in self.characters.values() if c.status == "reviewing"]
        waiting.sort(key=lambda c: c.created_at, reverse=True)
        objects = [o for c in waiting for o in c.refs.values()]
        return objects[:limit]

    def pending(self, object_key: str, char_id: str) -> bool:
        """Whether the character's run under way will store this object."""
        char = self.characters.get(char_id)
        job = char.job if char is not None else None
        return job is not None and any(o.key == object_key for o in job.objects)

    def _finish(self, char: Character, job: Job) -> None:
        account = self._account(char)
        char.job = None
        char.updated_at = job.ready_at
        if job.error_message is not None:
            account.release(job.hold)
            char.status = "failed"
            char.error_message = job.error_message
            return
        account.settle(job.hold)
        for obj in job.objects:
            self.objects[obj.key] = obj
            char.refs[obj.pose] = obj
        char.status = "reviewing"
        char.error_message = None

    def _object(self, char: Character, pose: str, version: int, look: Look) -> StoredObject:
        digest = hashlib.sha256(self._secret + f"{char.id}:{pose}:{version}".encode())
        return StoredObject(
            digest.hexdigest()[:32], char.id, pose, version, look, char.image_format
        )

    def _mint(self, char: Character, pose: str, version: int, look: Look) -> None:
        obj = self._object(char, pose, version, look)
        self.objects[obj.key] = obj
        char.refs[pose] = obj

    # -- creation --------------------------------------------------------------------------

    def new_character(
        self,
        team: Team,
        name: str,
        attributes: dict[str, Any] | None,
        version: str,
        created_at: float,
        status: str,
    ) -> Character:
        char_id = f"char_{self._ids.new(created_at)}"
        # The encoding varies by character so clients cannot trust the `.bin` extension.
        fmt = _FORMATS[int(hashlib.sha256(char_id.encode()).hexdigest(), 16) % len(_FORMATS)]
        char = Character(
            id=char_id,
            team=team.id,
            name=name,
            attributes=attributes,
            status=status,
            created_at=created_at,
            updated_at=created_at,
            aurous_version=version,
            image_format=fmt,
        )
        self.characters[char_id] = char
        team.live.add(char_id)
        team.known.add(char_id)
        return char

    def mint_all(self, char: Character, version: int = 1) -> None:
        """Give a seeded character its finished refs."""
        look = char.look()
        for pose in SYNTHESIZED_POSES:
            self._mint(char, pose, version, look)

    def dispatch(
        self,
        char: Character,
        kind: JobKind,
        poses: tuple[str, ...],
        now: float,
        hold: int,
        ready_at: float | None = None,
    ) -> None:
        """Start a run; its duration and fate are fixed now, from the seed and run number."""
        char.runs += 1
        fate = random.Random(f"{self._config.seed}:{char.id}:{char.runs}")
        jitter = fate.random() * self._config.synthesis_jitter
        fails = fate.random() < self.failure_rate
        message = fate.choice(_catalog.failure_messages(poses))
        if ready_at is None:
            ready_at = now + self._config.synthesis_seconds * (1.0 + jitter)
        look = char.look()
        objects = () if fails else tuple(self._next_version(char, pose, look) for pose in poses)
        char.job = Job(kind, poses, look, now, ready_at, hold, message if fails else None, objects)
        char.status = "synthesizing"
        char.error_message = None
        char.updated_at = now
        self._sequence += 1
        heapq.heappush(self._due, (ready_at, self._sequence, char.id))
        if objects:
            heapq.heappush(self._unrendered, (ready_at, self._sequence, char.id))

    def _next_version(self, char: Character, pose: str, look: Look) -> StoredObject:
        previous = char.refs.get(pose)
        return self._object(char, pose, previous.version + 1 if previous else 1, look)

    def create(
        self,
        team: Team,
        name: str,
        attributes: dict[str, Any] | None,
        version: str,
        now: float,
    ) -> Character:
        held = team.account.hold(len(SYNTHESIZED_POSES) * CREDITS_PER_GENERATION)
        char = self.new_character(team, name, attributes, version, now, "synthesizing")
        self.dispatch(char, "create", SYNTHESIZED_POSES, now, held)
        return char

    # -- lookups ---------------------------------------------------------------------------

    def visible(self, team: Team, char_id: str) -> Character:
        """The team's character, or 404 when unknown, another team's, or deleted."""
        char = self.characters.get(char_id)
        if char is None or char.team != team.id or char.status == "deleted":
            raise not_found(f"No such character: '{char_id}'.")
        return char

    def page(
        self, team: Team, status: str | None, starting_after: str | None, limit: int
    ) -> tuple[list[Character], bool]:
        if starting_after is not None and starting_after not in team.known:
            raise bad_request(
                f"No such character to page after: '{starting_after}'.", param="starting_after"
            )
        # ULIDs carry created_at to the millisecond and count up within one, so id order is
        # newest-first with a deterministic tie-break, and a cursor works even once deleted.
        rows = sorted(
            (
                c
                for c in (self.characters[i] for i in team.live)
                if c.status != "deleted"
                and (status is None or c.status == status)
                and (starting_after is None or c.id < starting_after)
            ),
            key=lambda c: c.id,
            reverse=True,
        )
        return rows[:limit], len(rows) > limit

    def _account(self, char: Character) -> Account:
        return self.teams_by_id[char.team].account

    # -- transitions -----------------------------------------------------------------------

    def save(self, char: Character, now: float) -> bool:
        """True when this call made it ready; saving a ready character changes nothing."""
        if char.status == "reviewing":
            char.status = "ready"
            char.updated_at = now
            return True
        if char.status != "ready":
            raise bad_request(f"A character that is {char.status} cannot be saved.")
        return False

    def patch(self, char: Character, changes: dict[str, Any], now: float) -> tuple[str, ...]:
        """The fields that actually changed."""
        changed: list[str] = []
        if "name" in changes and changes["name"] != char.name:
            char.name = changes["name"]
            changed.append("name")
        if "attributes" in changes and changes["attributes"] != char.attributes:
            char.attributes = changes["attributes"]
            changed.append("attributes")
        if changed:
            char.updated_at = now
        return tuple(changed)

    def regenerate(self, team: Team, char: Character, pose: str, now: float) -> None:
        self._check_regenerable(char, "regenerated")
        if pose not in char.refs:
            why = (
                "has no 'other' ref: that pose exists only for uploaded characters"
                if pose == "other"
                else f"has no '{pose}' ref yet; resynthesize it instead"
            )
            raise bad_request(f"This character {why}.", param="pose")
        held = team.account.hold(CREDITS_PER_GENERATION)
        self.dispatch(char, "regenerate", (pose,), now, held)

    def resynthesize(self, team: Team, char: Character, now: float) -> None:
        self._check_regenerable(char, "resynthesized")
        held = team.account.hold(len(SYNTHESIZED_POSES) * CREDITS_PER_GENERATION)
        self.dispatch(char, "resynthesize", SYNTHESIZED_POSES, now, held)

    @staticmethod
    def _check_regenerable(char: Character, verb: str) -> None:
        if char.status not in _REGENERABLE:
            raise bad_request(f"A character that is {char.status} cannot be {verb}.")

    def delete(self, team: Team, char: Character, now: float) -> bool:
        """True for a hard delete (the character is gone), False for a soft one."""
        if char.status == "reviewing":
            del self.characters[char.id]
            team.live.discard(char.id)
            for key in [k for k, o in self.objects.items() if o.char_id == char.id]:
                del self.objects[key]
            return True
        if char.job is not None:
            team.account.settle(char.job.hold)
            char.job = None
        char.status = "deleted"
        char.updated_at = now
        return False
