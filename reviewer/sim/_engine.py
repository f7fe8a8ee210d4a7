"""The simulator's state behind one lock, as the HTTP layer sees it.

Tests call the controls (the Simulator subclass) from their own thread while uvicorn serves
from another, so every public method takes the lock, and every one first brings synthesis up
to the clock's time.
"""

from __future__ import annotations

import collections
import hashlib
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._chaos import Chaos, ChaosSettings
from ._colleague import Colleague
from ._config import SimConfig
from ._errors import not_found
from ._faults import FaultAction, FaultPlan
from ._idempotency import IdempotencyStore, Outcome, StoredResponse
from ._ids import UlidFactory, iso
from ._images import CACHE_SIZE, RenderedImages
from ._keys import KeyRing
from ._ledger import Applied, Dispatch, Ledger, Operation, Origin
from ._model import SYNTHESIZED_POSES, Character, StoredObject
from ._ratelimit import RateDecision, TokenBucket, make_buckets
from ._requestlog import RequestRecord
from ._seeding import seed_characters
from ._signing import UrlSigner
from ._store import Store, Team

_ANONYMOUS_CLIENTS = 1024
_NO_ORIGIN = Origin()


class Engine:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.clock = config.clock
        self._lock = threading.RLock()
        self._secret = hashlib.sha256(f"aurous-sim-secret:{config.seed}".encode()).digest()
        now = self.clock.time()
        self._store = Store(config, self._secret, now)
        self._keys = KeyRing()
        for team, key in zip(self._store.teams, config.api_keys, strict=True):
            self._keys.issue(key, team)
        for index, keys in config.team_keys.items():
            for key in keys:
                self._keys.issue(key, self._store.teams[index])
        self._signer = UrlSigner(self._secret, config.url_ttl_seconds)
        self._idempotency = IdempotencyStore(config.idempotency_ttl_seconds)
        self._faults = FaultPlan()
        self._chaos = Chaos(
            config.seed,
            ChaosSettings(
                config.fault_rate,
                config.reset_rate,
                config.latency_seconds,
                config.corrupt_image_rate,
            ),
        )
        self._colleagues: dict[tuple[str, str], Colleague] = {}  # (team id, bucket)
        first = self._store.teams[0]
        for bucket, per_minute in config.colleague_per_minute.items():
            if per_minute > 0:
                self._colleagues[(first.id, bucket)] = Colleague(
                    first.buckets[bucket], per_minute, now
                )
        self._ledger = Ledger()
        self._request_ids = UlidFactory(random.Random(f"{config.seed}:request-ids"))
        self._log: collections.deque[RequestRecord] = collections.deque(
            maxlen=config.request_log_size
        )
        self.images = RenderedImages(config.image_size, self._lock, self._stored_or_pending)
        self._anonymous: dict[str, dict[str, TokenBucket]] = {}
        self._last_base = config.storage_base_url or "http://127.0.0.1"
        seed_characters(self._store, first, config.characters, config.seed, now)
        if config.render_seeded_ahead:
            # Half the cache at most, so the ones drawn first are not pushed out again.
            self.images.render_ahead(self._store.in_review_newest_first(CACHE_SIZE // 2))

    @contextmanager
    def _tick(self) -> Iterator[float]:
        with self._lock:
            now = self.clock.time()
            # Before the runs finish, so one that ends in this very tick is drawn too.
            self._render_ahead(now)
            self._store.advance_to(now)
            yield now
            self._render_ahead(now)  # the runs this call dispatched

    def _render_ahead(self, now: float) -> None:
        if self.config.render_ahead_seconds > 0:
            ahead = self._store.take_unrendered(now + self.config.render_ahead_seconds)
            self.images.render_ahead(ahead)

    def now(self) -> float:
        return self.clock.time()

    # -- for the HTTP layer ----------------------------------------------------------------

    def new_request_id(self) -> str:
        with self._lock:
            return f"req_{self._request_ids.new(self.clock.time())}"

    def record(self, record: RequestRecord) -> None:
        with self._lock:
            self._log.append(record)

    def take_fault(self, route: str) -> FaultAction:
        with self._lock:
            return self._chaos.take(route, self._faults.take(route))

    def team_for(self, api_key: str) -> Team | None:
        with self._lock:
            return self._keys.team(api_key)

    def is_revoked(self, api_key: str) -> bool:
        with self._lock:
            return self._keys.is_revoked(api_key)

    def rate(self, team: Team, bucket: str, consume: bool = True) -> RateDecision:
        with self._lock:
            tokens = team.buckets[bucket]
            now = self.clock.time()
            colleague = self._colleagues.get((team.id, bucket))
            if colleague is not None:
                colleague.catch_up(now)
            return tokens.take(now) if consume else tokens.peek(now)

    def anonymous_rate(self, client: str, bucket: str) -> RateDecision:
        with self._lock:
            now = self.clock.time()
            buckets = self._anonymous.pop(client, None) or make_buckets(
                now, self.config.rate_limit_scale
            )
            self._anonymous[client] = buckets  # most recent last; the oldest are evicted
            while len(self._anonymous) > _ANONYMOUS_CLIENTS:
                del self._anonymous[next(iter(self._anonymous))]
            return buckets[bucket].take(now)

    def idempotency_begin(self, team: Team, key: str, fingerprint: str) -> Outcome:
        with self._lock:
            return self._idempotency.begin(team.id, key, fingerprint, self.clock.time())

    def idempotency_finish(self, team: Team, key: str, response: StoredResponse | None) -> None:
        with self._lock:
            self._idempotency.finish(team.id, key, response)

    # -- for the HTTP layer: the operations ------------------------------------------------

    def list_page(
        self, team: Team, base: str, status: str | None, starting_after: str | None, limit: int
    ) -> dict[str, Any]:
        with self._tick() as now:
            rows, has_more = self._store.page(team, status, starting_after, limit)
            return {
                "object": "list",
                "data": [self._view(c, base, now) for c in rows],
                "has_more": has_more,
                "next_cursor": rows[-1].id if has_more and rows else None,
            }

    def retrieve(self, team: Team, base: str, char_id: str) -> dict[str, Any]:
        with self._tick() as now:
            return self._view(self._store.visible(team, char_id), base, now)

    def create(
        self,
        team: Team,
        base: str,
        name: str,
        attributes: dict[str, Any] | None,
        version: str,
        origin: Origin = _NO_ORIGIN,
    ) -> dict[str, Any]:
        with self._tick() as now:
            char = self._store.create(team, name, attributes, version, now)
            self._billed(team, char, origin, now)
            return self._view(char, base, now)

    def patch(
        self,
        team: Team,
        base: str,
        char_id: str,
        changes: dict[str, Any],
        origin: Origin = _NO_ORIGIN,
    ) -> dict[str, Any]:
        with self._tick() as now:
            char = self._store.visible(team, char_id)
            fields = self._store.patch(char, changes, now)
            if fields:
                self._applied(team, char, "patch", origin, now, fields=fields)
            return self._view(char, base, now)

    def save(
        self, team: Team, base: str, char_id: str, origin: Origin = _NO_ORIGIN
    ) -> dict[str, Any]:
        with self._tick() as now:
            char = self._store.visible(team, char_id)
            if self._store.save(char, now):
                self._applied(team, char, "save", origin, now)
            return self._view(char, base, now)

    def regenerate(
        self, team: Team, base: str, char_id: str, pose: str, origin: Origin = _NO_ORIGIN
    ) -> dict[str, Any]:
        with self._tick() as now:
            char = self._store.visible(team, char_id)
            self._store.regenerate(team, char, pose, now)
            self._billed(team, char, origin, now, pose=pose)
            return self._view(char, base, now)

    def resynthesize(
        self, team: Team, base: str, char_id: str, origin: Origin = _NO_ORIGIN
    ) -> dict[str, Any]:
        with self._tick() as now:
            char = self._store.visible(team, char_id)
            self._store.resynthesize(team, char, now)
            self._billed(team, char, origin, now)
            return self._view(char, base, now)

    def delete(self, team: Team, char_id: str, origin: Origin = _NO_ORIGIN) -> dict[str, Any]:
        with self._tick() as now:
            char = self._store.visible(team, char_id)
            hard = self._store.delete(team, char, now)
            self._applied(team, char, "delete", origin, now, hard=hard)
            if hard:
                self.images.forget(self._store.objects.__contains__)
            return {"id": char.id, "object": "character", "deleted": True}

    def team_balance(self, team: Team) -> dict[str, Any]:
        with self._tick():
            return team.account.view()

    def _billed(
        self, team: Team, char: Character, origin: Origin, now: float, **detail: Any
    ) -> None:
        """A paid run was just dispatched: it is both billed and an applied operation."""
        job = char.job
        assert job is not None, "a dispatch leaves a job"
        self._ledger.dispatched(
            Dispatch(
                team=team.id,
                character_id=char.id,
                kind=job.kind,
                pose=job.poses[0] if job.kind == "regenerate" else None,
                poses=job.poses,
                generations=len(job.poses),
                credits_held=job.hold,
                idempotency_key=origin.idempotency_key,
                request_id=origin.request_id,
                at=now,
            )
        )
        self._applied(team, char, job.kind, origin, now, **detail)

    def _applied(
        self,
        team: Team,
        char: Character,
        operation: Operation,
        origin: Origin,
        now: float,
        **detail: Any,
    ) -> None:
        self._ledger.applied(
            Applied(
                team.id,
                char.id,
                operation,
                origin.idempotency_key,
                origin.request_id,
                now,
                **detail,
            )
        )

    # -- storage ---------------------------------------------------------------------------

    def storage_object(self, object_key: str, pose: str, token: str | None) -> StoredObject:
        with self._tick() as now:
            self._signer.verify(object_key, pose, token, now)
            obj = self._store.objects.get(object_key)
            if obj is None or obj.pose != pose:
                raise not_found("No such stored object.")
            return obj

    def _stored_or_pending(self, obj: StoredObject) -> bool:
        return obj.key in self._store.objects or self._store.pending(obj.key, obj.char_id)

    # -- views -----------------------------------------------------------------------------

    def _team(self, ref: str) -> Team:
        """A team by its id (`team_0`) or by any key it was ever issued, revoked included."""
        team = self._store.teams_by_id.get(ref) or self._keys.owner(ref)
        if team is None:
            raise KeyError("no team has this id or api key")
        return team

    def _view(self, char: Character, base: str, now: float) -> dict[str, Any]:
        self._last_base = self.config.storage_base_url or base
        return {
            "id": char.id,
            "object": "character",
            "name": char.name,
            "status": char.status,
            "refs": [
                {"pose": pose, "url": self._signer.url(self._last_base, obj.key, pose, now)}
                for pose in (*SYNTHESIZED_POSES, "other")
                if (obj := char.refs.get(pose)) is not None
            ],
            "created_at": iso(char.created_at),
            "updated_at": iso(char.updated_at),
            "attributes": None if char.attributes is None else dict(char.attributes),
            "error_message": char.error_message,
            "aurous_version": char.aurous_version,
        }

    def _raw(self, char: Character, now: float) -> dict[str, Any]:
        view = self._view(char, self._last_base, now)
        job = char.job
        view["_sim"] = {
            "team": char.team,
            "image_format": char.image_format,
            "ref_versions": {pose: obj.version for pose, obj in char.refs.items()},
            "ready_at": job.ready_at if job else None,
            "job": job.kind if job else None,
            "held": job.hold if job else 0,
            "will_fail": bool(job and job.error_message),
        }
        return view
