"""The demo catalogue: a realistic mix of characters for the first team."""

from __future__ import annotations

import random

from . import _catalog
from ._errors import ApiError
from ._model import CREDITS_PER_GENERATION, DEFAULT_VERSION, SYNTHESIZED_POSES
from ._store import Store, Team

_WEEK = 7 * 24 * 3600.0


def status_mix(count: int) -> list[str]:
    """Mostly `reviewing`, with some arriving, some saved and a few failed."""
    synthesizing = count // 8 if count >= 8 else int(count >= 3)
    ready = count // 8 if count >= 8 else int(count >= 4)
    failed = count // 12 if count >= 12 else int(count >= 5)
    reviewing = count - synthesizing - ready - failed
    return (
        ["synthesizing"] * synthesizing
        + ["ready"] * ready
        + ["failed"] * failed
        + ["reviewing"] * reviewing
    )


def seed_characters(store: Store, team: Team, count: int, seed: int, now: float) -> None:
    rng = random.Random(f"{seed}:seed-characters")
    synthesis = store.synthesis_seconds
    statuses = status_mix(count)
    arriving = statuses.count("synthesizing")
    settled = statuses[arriving:]
    rng.shuffle(settled)
    # Finished ones were created over the past week; arrivals land staggered over the
    # next synthesis period so a demo watches them come in.
    plans = [(now - rng.uniform(synthesis + 600.0, _WEEK), status) for status in settled]
    for k in range(arriving):
        ready_at = now + synthesis * (k + 1) / (arriving + 1)
        plans.append((ready_at - synthesis, "synthesizing"))
    plans.sort()

    for created_at, status in plans:
        name = _catalog.random_name(rng)
        attributes = _catalog.random_attributes(rng) if rng.random() >= 0.12 else None
        if status == "synthesizing":
            char = store.new_character(
                team, name, attributes, DEFAULT_VERSION, created_at, "synthesizing"
            )
            store.dispatch(
                char,
                "create",
                SYNTHESIZED_POSES,
                created_at,
                _hold_if_possible(team),
                ready_at=created_at + synthesis,
            )
            continue
        char = store.new_character(team, name, attributes, DEFAULT_VERSION, created_at, status)
        char.runs = 1
        finished = created_at + synthesis
        char.updated_at = finished
        if status == "failed":
            char.error_message = rng.choice(_catalog.FAILURE_MESSAGES)
            # Half failed on a later re-run and still have their earlier refs.
            if rng.random() < 0.5:
                store.mint_all(char)
            continue
        store.mint_all(char)
        if status == "ready":
            char.updated_at = min(now, finished + rng.uniform(60.0, 36 * 3600.0))


def _hold_if_possible(team: Team) -> int:
    """Arrivals in flight hold their cost when the seeded budget allows it."""
    try:
        return team.account.hold(len(SYNTHESIZED_POSES) * CREDITS_PER_GENERATION)
    except ApiError:
        return 0
