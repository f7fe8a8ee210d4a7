"""Fixtures for simulator tests: a fresh app on a manual clock, driven in-process."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from starlette.exceptions import StarletteDeprecationWarning

from reviewer.sim import ManualClock, SimConfig, Simulator, create_app

with warnings.catch_warnings():
    # Starlette 1.x prefers the httpx2 package for its TestClient; httpx still works.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

KEY = "al_live_" + "a1" * 32
OTHER_KEY = "al_live_" + "b2" * 32
SYNTHESIS = 6.0
# Past any jitter: a run dispatched now has finished after this long.
DONE = SYNTHESIS * 1.25
POSES = ("portrait", "front", "side", "back")


def auth(key: str = KEY, **extra: str) -> dict[str, str]:
    return {"X-Api-Key": key, **extra}


class Api:
    """A TestClient with the first team's key, and the simulator behind it."""

    def __init__(self, client: TestClient, sim: Simulator) -> None:
        self.client = client
        self.sim = sim

    def request(
        self, method: str, path: str, key: str | None = KEY, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if key is not None:
            headers.setdefault("X-Api-Key", key)
        response: httpx.Response = self.client.request(method, path, headers=headers, **kwargs)
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.request(method, path, **kwargs)
        assert response.status_code in (200, 201), response.text
        body: dict[str, Any] = response.json()
        return body

    def raw(self, char_id: str) -> dict[str, Any]:
        """The simulator's own view, for a character that must still exist."""
        raw = self.sim.character(char_id)
        assert raw is not None, f"{char_id} is gone"
        return raw

    def character(self, char_id: str, **kwargs: Any) -> dict[str, Any]:
        return self.ok("GET", f"/v1/characters/{char_id}", **kwargs)

    def first(self, status: str) -> dict[str, Any]:
        page = self.ok("GET", f"/v1/characters?status={status}&limit=1")
        assert page["data"], f"no seeded character is {status}"
        first: dict[str, Any] = page["data"][0]
        return first

    def create(self, name: str = "Wren the Courier", **kwargs: Any) -> dict[str, Any]:
        body = {"name": name, "generate": True, "attributes": {"hair_color": "red"}}
        return self.ok("POST", "/v1/characters", json=body, **kwargs)

    def reviewing(self) -> dict[str, Any]:
        """A fresh character that has finished synthesis."""
        char = self.create()
        self.sim.advance(DONE)
        return self.character(char["id"])

    def balance(self, key: str = KEY) -> dict[str, Any]:
        return self.ok("GET", "/v1/balance", key=key)


def config(**overrides: Any) -> SimConfig:
    options: dict[str, Any] = {
        "api_keys": [KEY, OTHER_KEY],
        "seed": 7,
        "characters": 24,
        "synthesis_seconds": SYNTHESIS,
        "image_size": 64,
        "failure_rate": 0.0,
        "clock": ManualClock(),
    }
    options.update(overrides)
    return SimConfig(**options)


ApiFactory = Callable[..., Api]


@pytest.fixture
def make_api() -> Iterator[ApiFactory]:
    clients: list[TestClient] = []

    def make(**overrides: Any) -> Api:
        app = create_app(config(**overrides))
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return Api(client, app.state.sim)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def api(make_api: ApiFactory) -> Api:
    return make_api()
