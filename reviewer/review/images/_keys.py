"""Cache keys for ref images, and the ladder of sizes decoded images are cached at."""

from __future__ import annotations

import hashlib
from datetime import UTC
from urllib.parse import urlsplit, urlunsplit

from reviewer.api import Character
from reviewer.imaging.decode import Bounds

__all__ = ["image_key", "size_bucket"]

# Bump when the meaning of a key changes, so old disk entries are simply never found.
_KEY_VERSION = "img1"
# Each octave of sizes is cut into this many steps: a bucket is at most 12.5 % larger
# than what was asked for, and a window being resized touches few distinct buckets.
_STEPS_PER_OCTAVE = 8
_MIN_STEP = 64


def image_key(character: Character, pose: str) -> str | None:
    """A stable key for the image ``character``'s ``pose`` ref points at; None without a ref.

    The URL's query (its access token, renewed on refresh) is left out so a refreshed
    character still hits the cache; ``updated_at`` is in, because a regenerated pose may
    keep its path but not its pixels."""
    ref = character.ref(pose)
    if ref is None:
        return None
    scheme, netloc, path, _query, _fragment = urlsplit(ref.url)
    where = urlunsplit((scheme.lower(), netloc.lower(), path, "", ""))
    updated = character.updated_at.astimezone(UTC).isoformat()
    text = "\x1f".join((_KEY_VERSION, character.id, pose, where, updated))
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def size_bucket(max_side: Bounds) -> Bounds:
    """Round ``max_side`` (a square's side, or each side of a (width, height) box) up onto
    a power-of-two ladder (8 steps an octave, steps of at least 64 px), so nearby sizes
    share one decoded image. Never smaller than asked; a box whose sides round alike is
    that square; None (full resolution) stays None."""
    if max_side is None:
        return None
    if isinstance(max_side, int):
        return _rung(max_side)
    width, height = (_rung(side) for side in max_side)
    return width if width == height else (width, height)


def _rung(side: int) -> int:
    if side < 1:
        raise ValueError(f"max_side must be at least 1, got {side}")
    step = max(_MIN_STEP, (1 << (side.bit_length() - 1)) // _STEPS_PER_OCTAVE)
    return -(-side // step) * step
