"""The simulator, in-process, for tests above the simulator's own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from reviewer.api import AsyncAurousClient
from reviewer.sim import ManualClock, SimConfig, Simulator, create_app

KEY = "al_live_" + "1f" * 32
OTHER_TEAM_KEY = "al_live_" + "2e" * 32
# Loopback, so the client's http:// rule allows it; the simulator builds storage
# URLs from this origin, so downloads go through the same in-process transport.
BASE = "http://127.0.0.1/v1"


@dataclass
class SimHarness:
    sim: Simulator
    clock: ManualClock
    transport: httpx.ASGITransport

    def client(self, key: str = KEY, **options: Any) -> AsyncAurousClient:
        return AsyncAurousClient(api_key=key, base_url=BASE, transport=self.transport, **options)

    def of_status(self, status: str) -> list[dict[str, Any]]:
        return [c for c in self.sim.characters(KEY) if c["status"] == status]


def make_sim(**config: Any) -> SimHarness:
    clock = ManualClock()
    options: dict[str, Any] = {
        "api_keys": [KEY, OTHER_TEAM_KEY],
        "seed": 11,
        "characters": 12,
        "synthesis_seconds": 30.0,
        "synthesis_jitter": 0.0,
        "failure_rate": 0.0,
        "image_size": 96,
        "clock": clock,
    }
    options.update(config)
    app = create_app(SimConfig(**options))
    sim: Simulator = app.state.sim
    return SimHarness(sim, clock, httpx.ASGITransport(app=app))


@contextmanager
def sim_harness(**config: Any) -> Iterator[SimHarness]:
    yield make_sim(**config)
