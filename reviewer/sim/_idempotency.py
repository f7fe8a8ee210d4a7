"""Idempotency keys, per team: a success is remembered and replayed; anything else is
forgotten, so a retry is evaluated afresh (no failure here changes state)."""

from __future__ import annotations

from dataclasses import dataclass

MAX_KEY_LENGTH = 256


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: bytes


@dataclass
class _Entry:
    fingerprint: str
    created_at: float
    response: StoredResponse | None = None  # None while the first attempt runs


@dataclass(frozen=True)
class Replay:
    response: StoredResponse


@dataclass(frozen=True)
class Conflict:
    message: str


@dataclass(frozen=True)
class Reserved:
    pass


Outcome = Replay | Conflict | Reserved


class IdempotencyStore:
    def __init__(self, ttl_seconds: float) -> None:
        self._ttl = ttl_seconds
        self._entries: dict[tuple[str, str], _Entry] = {}

    def begin(self, team: str, key: str, fingerprint: str, now: float) -> Outcome:
        self._prune(now)
        entry = self._entries.get((team, key))
        if entry is None:
            self._entries[(team, key)] = _Entry(fingerprint, now)
            return Reserved()
        if entry.response is None:
            return Conflict("A request with this Idempotency-Key is still being processed.")
        if entry.fingerprint != fingerprint:
            return Conflict("This Idempotency-Key was already used with a different route or body.")
        return Replay(entry.response)

    def finish(self, team: str, key: str, response: StoredResponse | None) -> None:
        entry = self._entries.get((team, key))
        if entry is None or entry.response is not None:
            return
        if response is not None and 200 <= response.status < 300:
            entry.response = response
        else:
            del self._entries[(team, key)]

    def _prune(self, now: float) -> None:
        # Entries sit in creation order, so the expired ones are at the front.
        expired = []
        for k, e in self._entries.items():
            if now - e.created_at < self._ttl:
                break
            if e.response is not None:
                expired.append(k)
        for k in expired:
            del self._entries[k]
