"""Characters for tests that need no server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reviewer.api import SYNTHESIZED_POSES, Character, Ref

T0 = datetime(2026, 5, 8, 10, tzinfo=UTC)


def character(
    n: int,
    status: str = "reviewing",
    *,
    name: str | None = None,
    version: int = 0,
) -> Character:
    """Character number ``n``: a higher n is newer."""
    cid = f"char_{n:026d}"
    refs = (
        ()
        if status == "synthesizing" and version == 0
        else tuple(
            Ref(p, f"https://cdn.example/storage/{cid}/{p}-{version}.bin?token=t")
            for p in SYNTHESIZED_POSES
        )
    )
    return Character(
        id=cid,
        name=name or f"Character {n}",
        status=status,
        refs=refs,
        created_at=T0 + timedelta(minutes=n),
        updated_at=T0 + timedelta(minutes=n, seconds=version),
    )
