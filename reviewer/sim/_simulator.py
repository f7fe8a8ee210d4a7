"""The simulator's state behind one lock, as the HTTP layer and tests both see it.

Tests call these methods from their own thread while uvicorn serves from another, so every
public method takes the lock, and every one first brings synthesis up to the clock's time.
"""

from __future__ import annotations

import collections
import hashlib
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._clock import ManualClock
from ._config import BillingMode, SimConfig
from ._errors import not_found
from ._faults import ANY_ROUTE, FAULT_STATUSES, FaultAction, FaultPlan, Gate
from ._idempotency import IdempotencyStore, Outcome, StoredResponse
from ._ids import UlidFactory, iso
from ._model import SYNTHESIZED_POSES, Character, StoredObject
from ._ratelimit import RateDecision, TokenBucket, make_buckets
from ._requestlog import RequestRecord
from ._seeding import seed_characters
from ._signing import UrlSigner
from ._store import Store, Team

# Route names, as used by fault injection and the request log.
ROUTE_NAMES = (
    "list",
    "create",
    "retrieve",
    "patch",
    "delete",
    "save",
    "regenerate",
    "resynthesize",
    "balance",
    "storage",
)
_RENDER_CACHE_SIZE = 256
_ANONYMOUS_CLIENTS = 1024


class Simulator:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.clock = config.clock
        self._lock = threading.RLock()
        self._secret = hashlib.sha256(f"aurous-sim-secret:{config.seed}".encode()).digest()
        now = self.clock.time()
        self._store = Store(config, self._secret, now)
        self._signer = UrlSigner(self._secret, config.url_ttl_seconds)
        self._idempotency = IdempotencyStore(config.idempotency_ttl_seconds)
        self._faults = FaultPlan()
        self._request_ids = UlidFactory(random.Random(f"{config.seed}:request-ids"))
        self._log: collections.deque[RequestRecord] = collections.deque(
            maxlen=config.request_log_size
        )
        self._images: collections.OrderedDict[str, tuple[bytes, str]] = collections.OrderedDict()
        self._anonymous: dict[str, dict[str, TokenBucket]] = {}
        self._last_base = config.storage_base_url or "http://127.0.0.1"
        first = self._store.teams[config.api_keys[0]]
        seed_characters(self._store, first, config.characters, config.seed, now)

    @contextmanager
    def _tick(self) -> Iterator[float]:
        with self._lock:
            now = self.clock.time()
            self._store.advance_to(now)
            yield now

    # -- public: state for tests and tools -------------------------------------------------

    @property
    def api_keys(self) -> list[str]:
        return list(self.config.api_keys)

    def now(self) -> float:
        return self.clock.time()

    def advance(self, seconds: float) -> float:
        """Move a ManualClock on and settle whatever finished meanwhile."""
        if not isinstance(self.clock, ManualClock):
            raise TypeError("advance() needs a ManualClock; this simulator runs on real time")
        with self._lock:
            self.clock.advance(seconds)
        with self._tick() as now:
            return now

    def character(self, char_id: str) -> dict[str, Any] | None:
        """The server's raw view: soft-deleted ones show `deleted`; None once gone."""
        with self._tick() as now:
            char = self._store.characters.get(char_id)
            return None if char is None else self._raw(char, now)

    def characters(self, api_key: str) -> list[dict[str, Any]]:
        """Every character of the key's team that still exists, newest first."""
        with self._tick() as now:
            team = self._team(api_key)
            chars = sorted(
                (self._store.characters[i] for i in team.live), key=lambda c: c.id, reverse=True
            )
            return [self._raw(c, now) for c in chars]

    def balance(self, api_key: str) -> dict[str, Any]:
        with self._tick():
            return self._team(api_key).account.view()

    def set_credits(self, api_key: str, credits: int) -> dict[str, Any]:
        if credits < 0:
            raise ValueError("credits must be >= 0")
        with self._tick():
            account = self._team(api_key).account
            account.credits = credits
            return account.view()

    def set_billing_mode(self, api_key: str, mode: BillingMode) -> None:
        if mode not in ("metered", "exempt"):
            raise ValueError("billing mode is metered or exempt")
        with self._lock:
            self._team(api_key).account.billing_mode = mode

    def expire_urls(self) -> int:
        """Invalidate every storage url handed out so far."""
        with self._lock:
            return self._signer.expire_all()

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._log)

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()

    # -- public: faults --------------------------------------------------------------------

    def add_latency(self, seconds: float, route: str = ANY_ROUTE, count: int | None = None) -> int:
        if seconds < 0:
            raise ValueError("latency must be >= 0")
        return self._add_fault(route, "latency", count, seconds=seconds)

    def fail_next(
        self, count: int = 1, status: int = 503, route: str = ANY_ROUTE, retry_after: int = 1
    ) -> int:
        """The next `count` requests answer `status` (429 or 5xx) with the error envelope."""
        if status not in FAULT_STATUSES:
            raise ValueError(f"status must be one of {FAULT_STATUSES}")
        if retry_after < 1:
            raise ValueError("retry_after must be >= 1")
        return self._add_fault(route, "status", count, status=status, retry_after=retry_after)

    def drop_next(self, count: int = 1, route: str = ANY_ROUTE, after: bool = False) -> int:
        """Close the next connections without an answer; `after` runs the request first, so
        its effects happen and only the response is lost."""
        return self._add_fault(route, "drop", count, after=after)

    def hold_next(self, route: str = ANY_ROUTE) -> Gate:
        """Park the next request after it takes its idempotency key, until released."""
        gate = Gate()
        self._add_fault(route, "hold", 1, gate=gate)
        return gate

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return self._faults.describe()

    def _add_fault(self, route: str, kind: Any, count: int | None, **options: Any) -> int:
        if route != ANY_ROUTE and route not in ROUTE_NAMES:
            raise ValueError(f"unknown route {route!r}; one of {', '.join(ROUTE_NAMES)} or '*'")
        with self._lock:
            return self._faults.add(route, kind, count, **options)

    # -- for the HTTP layer ----------------------------------------------------------------

    def new_request_id(self) -> str:
        with self._lock:
            return f"req_{self._request_ids.new(self.clock.time())}"

    def record(self, record: RequestRecord) -> None:
        with self._lock:
            self._log.append(record)

    def take_fault(self, route: str) -> FaultAction:
        with self._lock:
            return self._faults.take(route)

    def team_for(self, api_key: str) -> Team | None:
        return self._store.teams.get(api_key)

    def rate(self, team: Team, bucket: str, consume: bool = True) -> RateDecision:
        with self._lock:
            tokens = team.buckets[bucket]
            now = self.clock.time()
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
        self, team: Team, base: str, name: str, attributes: dict[str, Any] | None, version: str
    ) -> dict[str, Any]:
        with self._tick() as now:
            char = self._store.create(team, name, attributes, version, now)
            return self._view(char, base, now)

    def patch(self, team: Team, base: str, char_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        with self._tick() as now:
            char = self._store.visible(team, char_id)
            self._store.patch(char, changes, now)
            return self._view(char, base, now)

    def save(self, team: Team, base: str, char_id: str) -> dict[str, Any]:
        with self._tick() as now:
            char = self._store.visible(team, char_id)
            self._store.save(char, now)
            return self._view(char, base, now)

    def regenerate(self, team: Team, base: str, char_id: str, pose: str) -> dict[str, Any]:
        with self._tick() as now:
            char = self._store.visible(team, char_id)
            self._store.regenerate(team, char, pose, now)
            return self._view(char, base, now)

    def resynthesize(self, team: Team, base: str, char_id: str) -> dict[str, Any]:
        with self._tick() as now:
            char = self._store.visible(team, char_id)
            self._store.resynthesize(team, char, now)
            return self._view(char, base, now)

    def delete(self, team: Team, char_id: str) -> dict[str, Any]:
        with self._tick() as now:
            char = self._store.visible(team, char_id)
            self._store.delete(team, char, now)
            if char.id not in self._store.characters:
                self._forget_purged_images()
            return {"id": char.id, "object": "character", "deleted": True}

    def team_balance(self, team: Team) -> dict[str, Any]:
        with self._tick():
            return team.account.view()

    # -- storage ---------------------------------------------------------------------------

    def storage_object(self, object_key: str, pose: str, token: str | None) -> StoredObject:
        with self._tick() as now:
            self._signer.verify(object_key, pose, token, now)
            obj = self._store.objects.get(object_key)
            if obj is None or obj.pose != pose:
                raise not_found("No such stored object.")
            return obj

    def cached_image(self, object_key: str) -> tuple[bytes, str] | None:
        with self._lock:
            hit = self._images.get(object_key)
            if hit is not None:
                self._images.move_to_end(object_key)
            return hit

    def cache_image(self, object_key: str, image: tuple[bytes, str]) -> None:
        with self._lock:
            if object_key not in self._store.objects:
                return  # purged while it rendered
            self._images[object_key] = image
            while len(self._images) > _RENDER_CACHE_SIZE:
                self._images.popitem(last=False)

    def _forget_purged_images(self) -> None:
        for key in [k for k in self._images if k not in self._store.objects]:
            del self._images[key]

    # -- views -----------------------------------------------------------------------------

    def _team(self, api_key: str) -> Team:
        team = self._store.teams.get(api_key)
        if team is None:
            raise KeyError("no team has this api key")
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
