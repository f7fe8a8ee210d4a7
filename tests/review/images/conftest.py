"""Fakes for image-pipeline tests: storage and the characters endpoint behind a MockTransport."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from reviewer.api import SYNTHESIZED_POSES, AsyncAurousClient, Character, Ref
from reviewer.imaging.cache_file import read_entry, write_entry
from reviewer.review.images import DiskCache, ImagePipeline, client_downloader

from .pictures import encode, picture

API_KEY = "al_live_" + "5e" * 32
BASE = "https://api.aurous-labs.com/v1"
T0 = datetime(2026, 5, 8, 10, tzinfo=UTC)


def cache_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


async def store_in(cache: DiskCache, key: str, data: bytes) -> None:
    """An entry in the image cache, as a decoder writes it for the pipeline."""
    path = await cache.store_path(key, len(data))
    assert path is not None
    write_entry(path, data)
    await cache.stored(key, len(data))


def entry_of(cache: DiskCache, key: str) -> bytes:
    return read_entry(cache.path_of(key))


def png(width: int = 64, height: int = 48, *, seed: int = 0) -> bytes:
    return encode(picture(width, height, seed=seed), "PNG")


class _Chunks(httpx.AsyncByteStream):
    def __init__(self, data: bytes, size: int) -> None:
        self._data = data
        self._size = size

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self._data), self._size):
            yield self._data[start : start + self._size]


class FakeAurous:
    """The characters endpoint and the storage host (on the API's own host, as in the
    contract's example) behind one MockTransport. Storage URLs carry a token of the
    current generation; ``expire()`` starts a new one, so older URLs answer 403."""

    def __init__(self) -> None:
        self.images: dict[tuple[str, str], bytes] = {}
        self.names: dict[str, str] = {}
        self.generation = 1
        self.requests: list[httpx.Request] = []
        self.deleted: set[str] = set()
        self.storage_status: int | None = None  # every storage answer gets this status
        self.unreachable = False  # every request fails to connect (the network is down)
        self.content_type = "application/octet-stream"
        self.chunk_size: int | None = None
        self.send_length = True
        self.gate: asyncio.Event | None = None  # storage answers wait for it when set
        self.gated_pose: str | None = None  # ...only for this pose, if set
        self.waiting = 0
        self.cancelled = 0
        self._changed = asyncio.Event()

    def add(
        self,
        char_id: str,
        images: bytes | dict[str, bytes],
        *,
        name: str = "Aurora",
        poses: Iterable[str] = SYNTHESIZED_POSES,
    ) -> Character:
        self.names[char_id] = name
        for pose in poses:
            self.images[char_id, pose] = images if isinstance(images, bytes) else images[pose]
        return self.character(char_id)

    def url(self, char_id: str, pose: str) -> str:
        return (
            f"https://api.aurous-labs.com/storage/{char_id}/{pose}.bin?token=tok{self.generation}"
        )

    def character(self, char_id: str) -> Character:
        poses = [pose for (cid, pose) in self.images if cid == char_id]
        return Character(
            id=char_id,
            name=self.names[char_id],
            status="reviewing",
            refs=tuple(Ref(pose, self.url(char_id, pose)) for pose in poses),
            created_at=T0,
            updated_at=T0,
        )

    def close_gate(self, *, pose: str | None = None) -> None:
        """Hold storage answers (for ``pose`` only, if given) until ``open_gate()``."""
        self.gate = asyncio.Event()
        self.gated_pose = pose

    def open_gate(self) -> None:
        assert self.gate is not None
        self.gate.set()

    def expire(self) -> None:
        self.generation += 1

    @property
    def storage_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.startswith("/storage/")]

    @property
    def api_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.startswith("/v1/")]

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    async def until(self, predicate: Callable[[], bool]) -> None:
        """Wait (boundedly, never by sleeping) until the fake's state satisfies ``predicate``."""
        with anyio.fail_after(5):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.unreachable:
            raise httpx.ConnectError("[Errno 101] Network is unreachable")
        if request.url.path.startswith("/v1/characters/"):
            return self._retrieve(request.url.path.rsplit("/", 1)[1])
        _, _, char_id, name = request.url.path.split("/")
        pose = name.removesuffix(".bin")
        if self.gate is not None and self.gated_pose in (None, pose):
            self.waiting += 1
            self._changed.set()
            try:
                await self.gate.wait()
            except asyncio.CancelledError:
                self.cancelled += 1
                self._changed.set()
                raise
            finally:
                self.waiting -= 1
        if self.storage_status is not None:
            return httpx.Response(self.storage_status)
        if request.url.params.get("token") != f"tok{self.generation}":
            return httpx.Response(403, text="token expired")
        data = self.images.get((char_id, pose))
        if data is None:
            return httpx.Response(404)
        headers = {"Content-Type": self.content_type}
        if self.send_length:
            headers["Content-Length"] = str(len(data))
        return httpx.Response(
            200, headers=headers, stream=_Chunks(data, self.chunk_size or len(data))
        )

    def _retrieve(self, char_id: str) -> httpx.Response:
        if char_id in self.deleted or char_id not in self.names:
            error = {
                "type": "not_found",
                "code": "resource_not_found",
                "message": "No such character",
            }
            return httpx.Response(404, json={"error": error})
        character = self.character(char_id)
        body = {
            "id": character.id,
            "object": "character",
            "name": character.name,
            "status": character.status,
            "refs": [{"pose": r.pose, "url": r.url} for r in character.refs],
            "created_at": "2026-05-08T10:00:00Z",
            "updated_at": "2026-05-08T10:00:00Z",
        }
        return httpx.Response(200, json=body)


@pytest.fixture
def fake() -> FakeAurous:
    return FakeAurous()


@pytest.fixture
async def client(fake: FakeAurous) -> AsyncIterator[AsyncAurousClient]:
    async with AsyncAurousClient(api_key=API_KEY, base_url=BASE, transport=fake.transport()) as c:
        yield c


MakePipeline = Callable[..., ImagePipeline]


@pytest.fixture
async def make_pipeline(client: AsyncAurousClient) -> AsyncIterator[MakePipeline]:
    """Pipelines on the fake; each is closed after the test."""
    made: list[ImagePipeline] = []

    def make(**kwargs: Any) -> ImagePipeline:
        kwargs.setdefault("refresh", client.retrieve_character)
        # These tests are about sharing and cancelling; the order under a limit of
        # downloads is test_priority's, which asks for a small one.
        kwargs.setdefault("download_slots", 64)
        pipeline = ImagePipeline(download=client_downloader(client), **kwargs)
        made.append(pipeline)
        return pipeline

    yield make
    for pipeline in made:
        await pipeline.aclose()


@pytest.fixture
def disk(tmp_path: Path) -> DiskCache:
    return DiskCache(tmp_path / "images")
