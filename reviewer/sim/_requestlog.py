"""What the simulator saw: enough to assert on a client's behaviour, never a key's value."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RequestRecord:
    request_id: str
    at: float
    method: str
    path: str
    query: str
    route: str | None  # the route's name, e.g. "regenerate"; None for unknown urls
    status: int | None  # None when no answer was sent; with `dropped`, the one lost
    idempotency_key: str | None
    replayed: bool
    auth_header: bool  # whether X-Api-Key or Authorization was present; never its value
    auth_scheme: str | None  # "x-api-key", "bearer", "other" (another Authorization), or None
    version_header: str | None
    dropped: bool
    # What an injected fault did, scripted or random: reset_before, reset_after,
    # status_503, corrupt_truncated, corrupt_not_image...; None when nothing was.
    fault: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
