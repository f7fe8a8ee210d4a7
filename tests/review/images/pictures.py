"""Test pictures: generated, deterministic, and as hard to compress as real ones.

Shared by the tests and ``benchmarks/bench_images.py``."""

from __future__ import annotations

import io
import random
from typing import Any

from PIL import Image, ImageDraw

__all__ = ["encode", "picture"]


def picture(width: int, height: int, *, seed: int = 0, mode: str = "RGB") -> Image.Image:
    """Gradients, shapes and noise: compresses like a picture, not like a flat fill."""
    rng = random.Random(seed)
    red = Image.linear_gradient("L").resize((width, height))
    green = Image.radial_gradient("L").resize((width, height))
    blue = red.transpose(Image.Transpose.ROTATE_90).resize((width, height))
    img = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1, y1 = x0 + rng.randrange(1, width // 2 + 2), y0 + rng.randrange(1, height // 2 + 2)
        fill = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x0, y0, x1, y1), fill=fill)
    noise = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    img = Image.blend(img, noise, 0.08)
    if mode == "RGBA":
        img.putalpha(Image.linear_gradient("L").resize((width, height)))
    elif mode != "RGB":
        img = img.convert(mode)
    return img


def encode(img: Image.Image, fmt: str, **params: Any) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()
