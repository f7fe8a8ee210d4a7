"""Colours for one character, read from its attributes, so all four poses agree."""

from __future__ import annotations

import colorsys
import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

RGB = tuple[int, int, int]

# Checked in order: the first keyword found in the attribute text wins.
_HAIR = (
    ("platinum", (232, 220, 184)), ("blond", (219, 184, 108)), ("dark brown", (64, 42, 30)),
    ("brown", (112, 74, 46)), ("auburn", (132, 54, 36)), ("ginger", (184, 86, 40)),
    ("red", (168, 62, 38)), ("black", (36, 32, 36)), ("grey", (150, 150, 154)),
    ("gray", (150, 150, 154)), ("silver", (198, 202, 210)), ("white", (236, 234, 228)),
    ("pink", (232, 160, 184)), ("teal", (50, 146, 148)), ("blue", (64, 96, 170)),
    ("green", (72, 130, 82)), ("purple", (120, 82, 162)), ("violet", (120, 82, 162)),
)  # fmt: skip
_EYES = (
    ("dark brown", (58, 36, 22)), ("brown", (104, 64, 34)), ("hazel", (138, 112, 52)),
    ("green", (64, 134, 84)), ("blue", (66, 118, 192)), ("grey", (118, 130, 142)),
    ("gray", (118, 130, 142)), ("amber", (196, 136, 40)), ("violet", (132, 92, 176)),
    ("black", (30, 28, 30)),
)  # fmt: skip
_SKIN = (
    ("southeast-asian", (212, 168, 126)), ("east-asian", (240, 206, 172)),
    ("south-asian", (176, 124, 90)), ("black", (116, 78, 56)), ("white", (244, 212, 190)),
    ("hispanic", (214, 166, 126)), ("middle-eastern", (204, 156, 118)),
    ("pacific-islander", (170, 118, 82)), ("indigenous", (184, 128, 92)),
    ("mixed", (196, 146, 110)),
)  # fmt: skip
# Muted, print-friendly outfit colours and darker neutrals for trousers.
_OUTFITS: tuple[RGB, ...] = (
    (132, 158, 128), (190, 112, 86), (56, 74, 114), (204, 160, 72), (124, 76, 106),
    (58, 124, 130), (130, 50, 62), (92, 110, 150), (168, 128, 96), (84, 120, 96),
)  # fmt: skip
_TROUSERS: tuple[RGB, ...] = ((54, 58, 66), (70, 84, 110), (92, 74, 60), (66, 70, 62))


@dataclass(frozen=True)
class Palette:
    skin: RGB
    hair: RGB
    eyes: RGB
    outfit: RGB
    trousers: RGB
    shoes: RGB
    accent: RGB
    lips: RGB

    @staticmethod
    def shade(color: RGB, factor: float) -> RGB:
        r, g, b = (min(255, max(0, round(c * factor))) for c in color)
        return (r, g, b)

    def outline(self, color: RGB) -> RGB:
        return self.shade(color, 0.55)


def _lookup(table: tuple[tuple[str, RGB], ...], text: str) -> RGB | None:
    text = text.lower()
    return next((rgb for word, rgb in table if word in text), None)


def _text(attributes: Mapping[str, Any] | None, key: str) -> str:
    value = (attributes or {}).get(key)
    return value if isinstance(value, str) else ""


def palette_for(char_id: str, attributes: Mapping[str, Any] | None) -> Palette:
    rng = random.Random(int(hashlib.sha256(char_id.encode()).hexdigest(), 16))
    skin = _lookup(_SKIN, _text(attributes, "ethnicity")) or rng.choice(_SKIN)[1]
    skin = _jitter(skin, rng, 6)
    hair = _lookup(_HAIR, _text(attributes, "hair_color")) or rng.choice(_HAIR)[1]
    eyes = _lookup(_EYES, _text(attributes, "eye_color")) or rng.choice(_EYES)[1]
    outfit = rng.choice(_OUTFITS)
    hue, light, sat = colorsys.rgb_to_hls(*(c / 255 for c in outfit))
    accent_rgb = colorsys.hls_to_rgb((hue + 0.5) % 1.0, min(0.8, light + 0.15), sat * 0.8)
    accent = (round(accent_rgb[0] * 255), round(accent_rgb[1] * 255), round(accent_rgb[2] * 255))
    lips = Palette.shade((196, 110, 110), 0.75 + 0.25 * (sum(skin) / 765))
    return Palette(
        skin=skin,
        hair=hair,
        eyes=eyes,
        outfit=outfit,
        trousers=rng.choice(_TROUSERS),
        shoes=(44, 40, 42),
        accent=accent,
        lips=lips,
    )


def _jitter(color: RGB, rng: random.Random, amount: int) -> RGB:
    r, g, b = (min(255, max(0, c + rng.randint(-amount, amount))) for c in color)
    return (r, g, b)
