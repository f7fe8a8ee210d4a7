"""Fakes for client tests that need no server: an httpx.MockTransport router."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

API_KEY = "al_live_" + "ab12" * 16
BASE = "https://api.aurous-labs.com/v1"


def character_json(char_id: str = "char_01HXMQ7Z3K8Y2NABCDEFGHJKMR", **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": char_id,
        "object": "character",
        "name": "Aurora the Adventurer",
        "status": "reviewing",
        "refs": [
            {"pose": p, "url": f"https://cdn.example/storage/{char_id}/{p}.bin?token=t"}
            for p in ("portrait", "front", "side", "back")
        ],
        "created_at": "2026-05-08T10:00:00Z",
        "updated_at": "2026-05-08T10:00:00Z",
        "attributes": {"gender": "female", "age": 28, "hair_color": "black"},
        "error_message": None,
        "aurous_version": "2026-05-15",
    }
    data.update(over)
    return data


def error_json(status_type: str, code: str, message: str = "nope", **over: Any) -> dict[str, Any]:
    err = {
        "type": status_type,
        "code": code,
        "message": message,
        "param": None,
        "doc_url": "https://docs.aurous-labs.com/errors#" + code,
        "request_id": "req_01HXMQ7Z3K8Y2NABCDEFGHJKMR",
    }
    err.update(over)
    return {"error": err}


class Recorder:
    """A MockTransport whose handler is swapped per test; keeps every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.handler: Callable[[httpx.Request], httpx.Response] = lambda r: httpx.Response(404)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def json_body(self, i: int = -1) -> Any:
        return json.loads(self.requests[i].content)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def transport(recorder: Recorder) -> httpx.MockTransport:
    return httpx.MockTransport(recorder)
