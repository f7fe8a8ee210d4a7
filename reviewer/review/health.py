"""How the API is doing, as every request of this session sees it: reachable or not, the
key taken or refused. Waiting work (decision retries, the poller, failed images) wakes
when this changes, so everything resumes the moment the API answers again."""

from __future__ import annotations

import asyncio
import math
from enum import StrEnum

from psygnal import Signal

from reviewer.api import APIConnectionError, AuthenticationError, ResponseMeta

from ._clock import Clock, sleep_or_wake

__all__ = ["Link", "ServiceHealth"]


class Link(StrEnum):
    UNKNOWN = "unknown"
    ONLINE = "online"
    OFFLINE = "offline"


# Connection errors in a row, with no answer between them, before the API counts as
# offline: one reset on a flaky line is a retry, not an outage to announce.
OFFLINE_AFTER = 3


class ServiceHealth:
    changed = Signal()
    back_online = Signal()

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.link = Link.UNKNOWN
        self.key_refused: str | None = None  # why the key was refused, while it is
        self._failures = 0
        self._wake = asyncio.Event()

    @property
    def online(self) -> bool:
        return self.link is not Link.OFFLINE

    def observe_response(self, meta: ResponseMeta) -> None:
        """Any HTTP answer from the API: it is reachable."""
        self._failures = 0
        was_offline = self.link is Link.OFFLINE
        changed = self.link is not Link.ONLINE
        self.link = Link.ONLINE
        if meta.status_code not in (401, 403) and self.key_refused is not None:
            # A request went through with the current key: it is good again.
            self.key_refused = None
            changed = True
        if was_offline:
            self._wake_waiters()
        if changed:
            self.changed.emit()
        if was_offline:
            self.back_online.emit()

    def observe_error(self, error: BaseException) -> None:
        if isinstance(error, APIConnectionError):
            self._failures += 1
            if self._failures >= OFFLINE_AFTER and self.link is not Link.OFFLINE:
                self.link = Link.OFFLINE
                self.changed.emit()
        elif isinstance(error, AuthenticationError) and self.key_refused is None:
            self.key_refused = error.message
            self.changed.emit()

    def key_replaced(self) -> None:
        """A new key was given: whatever waits for one tries it now."""
        self.key_refused = None
        self._wake_waiters()
        self.changed.emit()

    async def pause(self, seconds: float) -> None:
        """Sleep up to ``seconds`` (inf: until woken), cut short when the API answers
        again after an outage or a new key is given."""
        wake = self._wake
        if math.isinf(seconds):
            await wake.wait()
        else:
            await sleep_or_wake(self._clock, seconds, wake)

    def _wake_waiters(self) -> None:
        self._wake.set()
        self._wake = asyncio.Event()
