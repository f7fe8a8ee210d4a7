"""Plausible names, attributes and failure messages for seeded and synthesized characters."""

from __future__ import annotations

import random
from typing import Any

FIRST_NAMES = (
    "Aurora", "Bram", "Cassia", "Dorian", "Elowen", "Faris", "Greta", "Hollis", "Isolde",
    "Jasper", "Kaito", "Lyra", "Mateo", "Nadia", "Orin", "Priya", "Quill", "Rosalind", "Soren",
    "Talia", "Ulric", "Vesna", "Wren", "Xiomara", "Yusuf", "Zara", "Amara", "Benedikt", "Celeste",
    "Dmitri", "Esme", "Felix", "Giulia", "Hana", "Idris", "Juniper", "Kofi", "Leona", "Mireille",
    "Noor", "Osei", "Paloma", "Rafael", "Saoirse", "Tobias", "Uma", "Valentin", "Wilhelmina",
    "Ximena", "Yara", "Zeke", "Ines", "Marek", "Sunniva", "Teodor", "Imani", "Kenji", "Lucia",
)  # fmt: skip

EPITHETS = (
    "the Adventurer", "the Cartographer", "the Tinkerer", "the Bold", "the Lighthouse Keeper",
    "of the Northern Reach", "the Alchemist", "the Sky Pirate", "the Archivist", "the Wanderer",
    "the Botanist", "the Clockmaker", "the Storm Chaser", "of Emberfall", "the Quiet",
    "the Navigator", "the Beekeeper", "the Duelist", "the Stargazer", "the Innkeeper",
    "the Falconer", "of the Glass Coast", "the Courier", "the Cellist", "the Smuggler",
    "the Lamplighter", "the Herbalist", "the Ranger", "the Scribe", "the Mapmaker",
)  # fmt: skip

GENDERS = ("female", "male", "nonbinary")
ETHNICITIES = (
    "east-asian", "south-asian", "southeast-asian", "black", "white", "hispanic",
    "middle-eastern", "pacific-islander", "indigenous", "mixed",
)  # fmt: skip
HAIR_COLORS = (
    "black", "dark brown", "brown", "auburn", "red", "blonde", "platinum blonde", "grey",
    "white", "silver", "pastel pink", "teal",
)  # fmt: skip
HAIR_STYLES = (
    "shoulder-length straight", "long wavy", "short cropped", "pixie cut", "curly bob",
    "high ponytail", "braided crown", "shaved sides", "buzz cut", "long braids", "messy bun",
    "afro", "bald",
)  # fmt: skip
EYE_COLORS = ("brown", "dark brown", "hazel", "green", "blue", "grey", "amber", "violet")
BODY_TYPES = ("slim", "athletic", "average", "curvy", "muscular", "stocky", "petite", "tall")
DETAILS = (
    "small scar above right eyebrow; warm smile", "round glasses; ink-stained fingers",
    "freckles across the nose", "silver earrings; confident stance",
    "weathered leather jacket; tired eyes", "bright scarf; mischievous grin",
    "tattoo of a compass on the forearm", "wears a monocle; precise posture",
    "sunburnt cheeks; easy laugh", "faint freckles; serious gaze", "a chipped front tooth",
    "glasses pushed up into the hair", "a long coat with brass buttons",
)  # fmt: skip

FAILURE_MESSAGES = (
    "Pose consistency check failed: face embedding drifted between front and side views.",
    "Safety filter rejected a generated image; try different attributes.",
    "Upstream image provider timed out after 3 attempts.",
    "Reference sheet incomplete: the back view could not be composed.",
    "Identity check failed: the portrait does not match the full-body views.",
)


# Reasons that name no pose, so they fit the failure of any run.
_ANY_RUN_FAILURES = (
    "Safety filter rejected a generated image; try different attributes.",
    "Upstream image provider timed out after 3 attempts.",
)


def failure_messages(poses: tuple[str, ...]) -> tuple[str, ...]:
    """Reasons a run of ``poses`` may fail with: a one-pose regenerate names its own pose
    (a real service does not blame the back view for a failed front)."""
    if len(poses) != 1:
        return FAILURE_MESSAGES
    return (*_ANY_RUN_FAILURES, f"The {poses[0]} view could not be composed.")


def random_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(EPITHETS)}"


def random_attributes(rng: random.Random) -> dict[str, Any]:
    return {
        "gender": rng.choice(GENDERS),
        "age": rng.randint(19, 72),
        "ethnicity": rng.choice(ETHNICITIES),
        "hair_color": rng.choice(HAIR_COLORS),
        "hair_style": rng.choice(HAIR_STYLES),
        "eye_color": rng.choice(EYE_COLORS),
        "body_type": rng.choice(BODY_TYPES),
        "additional_details": rng.choice(DETAILS),
    }
