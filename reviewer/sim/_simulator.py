"""The simulator's controls for tests and tools: state, faults, keys, colleagues and the
ground truth of what was applied and billed. The serving side is the Engine underneath.

Wherever a control names a team, it takes the team's id (`team_0`) or any key the team was
ever issued (a revoked one included); None means the first team.
"""

from __future__ import annotations

from typing import Any

from ._chaos import ChaosSettings, check_number, check_rate
from ._clock import ManualClock
from ._colleague import Colleague
from ._config import BillingMode
from ._engine import Engine
from ._faults import ANY_ROUTE, CORRUPTIONS, FAULT_STATUSES, Corruption, Gate
from ._ledger import Applied, Dispatch
from ._ratelimit import BUCKETS
from ._requestlog import RequestRecord
from ._store import Team

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


class Simulator(Engine):
    # -- state -----------------------------------------------------------------------------

    @property
    def api_keys(self) -> list[str]:
        """The configured keys, one per team in order (revoked or not)."""
        return list(self.config.api_keys)

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

    def characters(self, team: str | None = None) -> list[dict[str, Any]]:
        """Every character of the team that still exists, newest first."""
        with self._tick() as now:
            chosen = self._pick(team)
            chars = sorted(
                (self._store.characters[i] for i in chosen.live), key=lambda c: c.id, reverse=True
            )
            return [self._raw(c, now) for c in chars]

    def balance(self, team: str | None = None) -> dict[str, Any]:
        with self._tick():
            return self._pick(team).account.view()

    def set_credits(self, team: str | None, credits: int) -> dict[str, Any]:
        if credits < 0:
            raise ValueError("credits must be >= 0")
        with self._tick():
            account = self._pick(team).account
            account.credits = credits
            return account.view()

    def set_billing_mode(self, team: str | None, mode: BillingMode) -> None:
        if mode not in ("metered", "exempt"):
            raise ValueError("billing mode is metered or exempt")
        with self._lock:
            self._pick(team).account.billing_mode = mode

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

    # -- ground truth ----------------------------------------------------------------------

    def ledger(self, team: str | None = None) -> list[Dispatch]:
        """Every paid synthesis run the team's requests dispatched, in order."""
        with self._lock:
            return self._ledger.dispatches_of(self._pick(team).id)

    def applied(self, team: str | None = None) -> list[Applied]:
        """Every state-changing operation that took effect for the team, in order."""
        with self._lock:
            return self._ledger.applied_of(self._pick(team).id)

    # -- keys ------------------------------------------------------------------------------

    def team_id(self, team: str | None = None) -> str:
        with self._lock:
            return self._pick(team).id

    def keys(self, team: str | None = None) -> list[str]:
        """The team's live keys, oldest first."""
        with self._lock:
            return self._keys.keys_of(self._pick(team))

    def add_key(self, team: str | None, key: str) -> str:
        """Issue another key to a team (rotation, or a colleague); answers the team's id."""
        with self._lock:
            chosen = self._pick(team)
            self._keys.issue(key, chosen)
            return chosen.id

    def revoke_key(self, key: str) -> str:
        """From now on the key's requests answer 401 `revoked_api_key`; answers its team's id."""
        with self._lock:
            return self._keys.revoke(key).id

    # -- a colleague spending the team's buckets -------------------------------------------

    def set_colleague(
        self, per_minute: float, bucket: str = "characters_post", team: str | None = None
    ) -> None:
        """Another client of the team makes `per_minute` requests a minute on `bucket`
        (see _colleague.py); 0 stops it. A new rate starts a new colleague from now."""
        if bucket not in BUCKETS:
            raise ValueError(f"unknown bucket {bucket!r}; one of {', '.join(BUCKETS)}")
        if isinstance(per_minute, bool) or not isinstance(per_minute, int | float):
            raise TypeError("per_minute must be a number")
        if per_minute < 0:
            raise ValueError("per_minute must be >= 0")
        with self._lock:
            chosen = self._pick(team)
            self.rate(chosen, bucket, consume=False)  # the old colleague's past requests count
            self._colleagues.pop((chosen.id, bucket), None)
            if per_minute > 0:
                start = self.clock.time()
                colleague = Colleague(chosen.buckets[bucket], float(per_minute), start)
                self._colleagues[(chosen.id, bucket)] = colleague

    def colleagues(self) -> list[dict[str, Any]]:
        """What each colleague did so far, brought up to the clock's time."""
        with self._lock:
            now = self.clock.time()
            described = []
            for (team_id, bucket), colleague in sorted(self._colleagues.items()):
                colleague.catch_up(now)
                described.append({"team": team_id, "bucket": bucket, **colleague.describe()})
            return described

    # -- scripted faults -------------------------------------------------------------------

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

    def corrupt_next(self, count: int = 1, kind: Corruption = "truncated") -> int:
        """The next `count` storage downloads answer 200 with broken bytes: `truncated` (the
        first half of the image) or `not_image` (an HTML page)."""
        if kind not in CORRUPTIONS:
            raise ValueError(f"kind must be one of {CORRUPTIONS}")
        return self._add_fault("storage", "corrupt", count, corruption=kind)

    def hold_next(self, route: str = ANY_ROUTE) -> Gate:
        """Park the next request after it takes its idempotency key, until released."""
        gate = Gate()
        self._add_fault(route, "hold", 1, gate=gate)
        return gate

    def clear_faults(self) -> None:
        """Clear the scripted faults (random ones stay: see set_chaos)."""
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

    # -- random faults ---------------------------------------------------------------------

    def set_chaos(
        self,
        *,
        fault_rate: float | None = None,
        reset_rate: float | None = None,
        latency_ms: float | None = None,
        corrupt_image_rate: float | None = None,
        synthesis_failure_rate: float | None = None,
    ) -> dict[str, Any]:
        """Change the random faults (see _chaos.py); None leaves a setting as it is.
        Answers chaos()."""
        with self._lock:
            old = self._chaos.settings
            settings = ChaosSettings(
                old.fault_rate if fault_rate is None else fault_rate,
                old.reset_rate if reset_rate is None else reset_rate,
                old.latency_seconds
                if latency_ms is None
                else check_number(latency_ms, "latency_ms") / 1000.0,
                old.corrupt_image_rate if corrupt_image_rate is None else corrupt_image_rate,
            )
            if synthesis_failure_rate is not None:
                rate = check_rate(synthesis_failure_rate, "synthesis_failure_rate")
                self._store.failure_rate = rate
            self._chaos.settings = settings
            return self.chaos()

    def chaos(self) -> dict[str, Any]:
        """The random-fault settings, and how many of each random fault took effect."""
        with self._lock:
            return {
                **self._chaos.describe(),
                "synthesis_failure_rate": self._store.failure_rate,
            }

    def _pick(self, team: str | None) -> Team:
        return self._store.teams[0] if team is None else self._team(team)
