"""Storage draws a run's images before the run ends, as real storage has them by the time
the character is in review; a download never waits behind that work."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any
from urllib.parse import urlsplit

import pytest

from reviewer.sim import _images
from reviewer.sim._images import RenderedImages
from reviewer.sim._model import Look, StoredObject
from reviewer.sim._render import render

from .conftest import DONE, SYNTHESIS, ApiFactory

WAIT = 30.0  # a bound on a background thread, never a timing claim


def object_keys(char: dict[str, Any]) -> list[str]:
    return [urlsplit(ref["url"]).path.split("/")[2] for ref in char["refs"]]


def test_a_run_s_images_are_drawn_before_it_ends(make_api: ApiFactory) -> None:
    api = make_api(render_ahead_seconds=SYNTHESIS * 2, characters=0)
    created = api.create()
    assert api.sim.images.wait_idle(WAIT)
    drawn = len(api.sim.images)
    api.sim.advance(DONE)  # the run ends: nothing more is drawn for it now
    char = api.character(created["id"])
    keys = object_keys(char)
    assert len(keys) == 4
    assert drawn == 4
    assert all(key in api.sim.images for key in keys)
    response = api.client.get(char["refs"][0]["url"])
    assert response.status_code == 200


def test_a_control_says_how_much_drawing_is_in_hand(make_api: ApiFactory) -> None:
    """What a benchmark waits on before it measures a client: the real service draws on
    machines of its own, not on the client's cores."""
    api = make_api(render_ahead_seconds=SYNTHESIS * 2, characters=0)
    api.create()
    first = api.client.get("/_sim/rendering").json()
    assert first["pending"] + first["rendered"] == 4
    assert api.sim.images.wait_idle(WAIT)
    assert api.client.get("/_sim/rendering").json() == {"pending": 0, "rendered": 4}


def test_only_runs_ending_within_the_lead_are_drawn(make_api: ApiFactory) -> None:
    api = make_api(render_ahead_seconds=1.0, characters=0)
    created = api.create()
    assert api.sim.images.wait_idle(WAIT)
    assert len(api.sim.images) == 0
    ends_in = api.raw(created["id"])["_sim"]["ready_at"] - api.sim.now()
    api.sim.advance(ends_in - 1.5)
    assert api.sim.images.wait_idle(WAIT)
    assert len(api.sim.images) == 0
    api.sim.advance(1.0)  # half a second before it ends
    assert api.sim.images.wait_idle(WAIT)
    assert len(api.sim.images) == 4


def test_with_no_lead_each_image_is_drawn_on_its_first_download(make_api: ApiFactory) -> None:
    api = make_api(render_ahead_seconds=0)
    char = api.reviewing()
    assert api.sim.images.wait_idle(WAIT)
    keys = object_keys(char)
    assert not any(key in api.sim.images for key in keys)
    first = api.client.get(char["refs"][0]["url"])
    assert keys[0] in api.sim.images
    assert first.content == api.client.get(char["refs"][0]["url"]).content


def test_a_run_fated_to_fail_draws_nothing(make_api: ApiFactory) -> None:
    api = make_api(render_ahead_seconds=SYNTHESIS * 2, failure_rate=1.0, characters=0)
    api.create()
    assert api.sim.images.wait_idle(WAIT)
    assert len(api.sim.images) == 0


def test_a_hard_delete_drops_the_drawn_images(make_api: ApiFactory) -> None:
    api = make_api(render_ahead_seconds=SYNTHESIS * 2)
    char = api.reviewing()
    assert api.sim.images.wait_idle(WAIT)
    keys = object_keys(char)
    assert all(key in api.sim.images for key in keys)
    api.ok("DELETE", f"/v1/characters/{char['id']}")
    assert not any(key in api.sim.images for key in keys)


# -- RenderedImages on its own ---------------------------------------------------------


def stored(pose: str) -> StoredObject:
    return StoredObject(f"key-{pose}", "char_1", pose, 1, Look("Wren", None), "png")


def draw(images: RenderedImages, obj: StoredObject) -> Future[tuple[bytes, str]]:
    """What a download does: join the drawing under way or run it on a thread."""
    future, job = images.claim(obj)
    if job is not None:
        threading.Thread(target=job).start()
    return future


def test_one_render_per_object_however_many_ask() -> None:
    images = RenderedImages(48, threading.RLock(), lambda obj: True)
    obj = stored("front")
    first, second = draw(images, obj), draw(images, obj)
    assert first.result(WAIT) == render(obj, 48)
    assert second.result(WAIT) == first.result(0)
    assert "key-front" in images
    assert draw(images, obj).result(0) == first.result(0)


def test_a_download_does_not_wait_behind_the_renders_ahead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started, release = threading.Event(), threading.Event()
    drawn: list[str] = []

    def slow_render(obj: StoredObject, size: int) -> tuple[bytes, str]:
        drawn.append(obj.pose)
        if obj.pose == "portrait":
            started.set()
            assert release.wait(WAIT)
        return render(obj, size)

    monkeypatch.setattr(_images, "render", slow_render)
    images = RenderedImages(48, threading.RLock(), lambda obj: True)
    images.render_ahead([stored("portrait"), stored("front"), stored("back")])
    assert started.wait(WAIT)
    # The worker is busy with the portrait: a download of the back is drawn meanwhile.
    assert draw(images, stored("back")).result(WAIT)[1] == "image/png"
    release.set()
    assert images.wait_idle(WAIT)
    assert sorted(drawn) == ["back", "front", "portrait"]  # the back once, not twice


def test_an_object_no_longer_wanted_is_not_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[str] = []

    def counting_render(obj: StoredObject, size: int) -> tuple[bytes, str]:
        drawn.append(obj.pose)
        return b"", "image/png"

    monkeypatch.setattr(_images, "render", counting_render)
    images = RenderedImages(48, threading.RLock(), lambda obj: obj.pose != "side")
    images.render_ahead([stored("side"), stored("front")])
    assert images.wait_idle(WAIT)
    assert drawn == ["front"]
    assert "key-front" in images
    assert "key-side" not in images


def test_a_waiter_giving_up_does_not_stop_the_render_for_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = threading.Event()

    def held_render(obj: StoredObject, size: int) -> tuple[bytes, str]:
        assert release.wait(WAIT)
        return render(obj, size)

    monkeypatch.setattr(_images, "render", held_render)
    images = RenderedImages(48, threading.RLock(), lambda obj: True)
    first = draw(images, stored("side"))
    assert not first.cancel()  # what asyncio.wrap_future does when its awaiter is cancelled
    joined = draw(images, stored("side"))
    release.set()
    assert joined.result(WAIT) == first.result(WAIT)


def test_the_seeded_characters_in_review_are_drawn_at_start_newest_first(
    make_api: ApiFactory,
) -> None:
    api = make_api(render_seeded_ahead=True, render_ahead_seconds=0, characters=12)
    assert api.sim.images.wait_idle(WAIT)
    listed = api.ok("GET", "/v1/characters?limit=100")["data"]
    in_review = sorted(
        (c for c in listed if c["status"] == "reviewing"),
        key=lambda c: c["created_at"],
        reverse=True,
    )
    assert in_review
    drawn = [key for c in in_review for key in object_keys(c)]
    assert all(key in api.sim.images for key in drawn)
    assert len(api.sim.images) == len(drawn)  # nothing else: not the saved nor the failed


def test_the_seeded_ones_are_queued_newest_first(make_api: ApiFactory) -> None:
    api = make_api(characters=12)
    store = api.sim._store
    objects = store.in_review_newest_first(limit=6)
    assert len(objects) == 6
    owners = [store.characters[o.char_id] for o in objects]
    assert [o.pose for o in objects[:4]] == ["portrait", "front", "side", "back"]
    assert owners[0].created_at >= owners[4].created_at
    assert all(c.status == "reviewing" for c in owners)
    assert owners[0].created_at == max(
        c.created_at for c in store.characters.values() if c.status == "reviewing"
    )
