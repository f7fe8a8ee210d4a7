"""image_key and the size ladder."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta, timezone

import pytest

from reviewer.api import Character, Ref
from reviewer.review.images import image_key, size_bucket

from .conftest import T0


def character(url: str = "https://cdn.example/storage/char_1/front.bin?token=a") -> Character:
    return Character(
        id="char_1",
        name="Aurora",
        status="reviewing",
        refs=(Ref("front", url), Ref("side", url.replace("front", "side"))),
        created_at=T0,
        updated_at=T0,
    )


def test_the_token_alone_does_not_change_the_key() -> None:
    old = character("https://cdn.example/storage/char_1/front.bin?token=a&expires=1")
    new = character("https://cdn.example/storage/char_1/front.bin?token=b&expires=2")
    assert image_key(old, "front") == image_key(new, "front")


@pytest.mark.parametrize(
    "change",
    [
        lambda c: replace(c, id="char_2"),
        lambda c: replace(c, updated_at=c.updated_at + timedelta(seconds=1)),
        lambda c: replace(
            c, refs=(Ref("front", "https://cdn.example/storage/char_1/v2.bin?token=a"),)
        ),
        lambda c: replace(
            c, refs=(Ref("front", "https://other.example/storage/char_1/front.bin"),)
        ),
    ],
    ids=["id", "updated_at", "path", "host"],
)
def test_anything_that_may_change_the_pixels_changes_the_key(change) -> None:
    base = character()
    assert image_key(change(base), "front") != image_key(base, "front")


def test_poses_have_their_own_keys_and_a_missing_pose_has_none() -> None:
    c = character()
    assert image_key(c, "front") != image_key(c, "side")
    assert image_key(c, "back") is None


def test_keys_are_file_name_safe_and_independent_of_timezone_spelling() -> None:
    c = character()
    key = image_key(c, "front")
    assert key is not None
    assert key.isalnum()
    assert len(key) == 40
    shifted = replace(c, updated_at=c.updated_at.astimezone(timezone(timedelta(hours=2))))
    assert image_key(shifted, "front") == key


def test_size_bucket_is_never_smaller_and_at_most_an_eighth_or_a_step_larger() -> None:
    for side in range(1, 5000):
        bucket = size_bucket(side)
        assert isinstance(bucket, int)
        assert side <= bucket < max(side * 1.125, side + 64), side


def test_size_bucket_shares_nearby_sizes_and_keeps_common_ones() -> None:
    assert size_bucket(500) == size_bucket(512) == 512
    assert size_bucket(1000) == size_bucket(1024) == 1024
    assert size_bucket(513) == 576
    assert len({size_bucket(s) for s in range(400, 1200)}) <= 16
    assert size_bucket(None) is None


def test_a_box_is_bucketed_side_by_side_and_a_box_that_rounds_square_is_that_square() -> None:
    assert size_bucket((680, 410)) == (704, 448)
    assert size_bucket((500, 512)) == 512  # shares the square's decoded image
    with pytest.raises(ValueError, match="at least 1"):
        size_bucket((0, 10))
    assert size_bucket(1) == 64


def test_size_bucket_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        size_bucket(0)
