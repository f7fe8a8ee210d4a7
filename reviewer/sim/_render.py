"""Reference-sheet images: studio backdrop, the figure in one pose, and the sheet's labels.

Drawn at twice the size and halved for smooth edges. Pure CPU work: call it off the event loop.
"""

from __future__ import annotations

import functools
import hashlib
import io

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

from ._figure import Figure
from ._model import StoredObject
from ._palette import RGB, palette_for
from ._pen import FLOOR, Pen

CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}

# (top, bottom) studio backdrops; each new version of a pose moves to the next one.
_BACKDROPS: tuple[tuple[RGB, RGB], ...] = (
    ((238, 238, 240), (196, 198, 204)),
    ((241, 237, 231), (206, 197, 186)),
    ((233, 239, 235), (190, 203, 195)),
    ((233, 237, 245), (186, 196, 214)),
    ((241, 234, 239), (205, 191, 201)),
)
_LABELS = {
    "portrait": "PORTRAIT · HEAD AND SHOULDERS",
    "front": "FRONT VIEW",
    "side": "SIDE VIEW · PROFILE",
    "back": "BACK VIEW",
    "other": "REFERENCE",
}
_INK = (52, 54, 62)
_MUTED = (118, 120, 130)


def render(obj: StoredObject, size: int) -> tuple[bytes, str]:
    """Encoded bytes and their content type."""
    scale = 2 if size <= 1536 else 1
    image = _backdrop(size * scale, obj)
    pen = Pen(image)
    digest = hashlib.sha256(f"{obj.char_id}:{obj.pose}:{obj.version}".encode()).digest()
    figure = Figure.make(
        palette_for(obj.char_id, obj.look.attributes),
        obj.look.attributes,
        int.from_bytes(digest[:8], "big"),
    )
    if obj.pose == "portrait":
        figure.portrait(pen)
    else:
        _guides(pen, figure)
        if obj.pose == "side":
            figure.side(pen)
        else:
            figure.front(pen, facing=obj.pose != "back")
    _labels(pen, obj)
    if scale > 1:
        image = image.reduce(scale)
    return _encode(image, obj.image_format), CONTENT_TYPES[obj.image_format]


def _backdrop(width: int, obj: StoredObject) -> Image.Image:
    offset = int(hashlib.sha256(obj.char_id.encode()).hexdigest(), 16)
    index = (offset + obj.version - 1) % len(_BACKDROPS)
    # Smooth gradients survive upscaling, so they are built small and cached.
    small = _small_backdrop(index, obj.pose != "portrait")
    return small.resize((width, width), Image.Resampling.BILINEAR)


@functools.lru_cache(maxsize=16)
def _small_backdrop(index: int, floor_shadow: bool) -> Image.Image:
    top, bottom = _BACKDROPS[index]
    image = ImageOps.colorize(Image.linear_gradient("L"), black=top, white=bottom)
    # A soft light behind the figure, like a studio key light on the backdrop.
    glow = Image.radial_gradient("L")
    image.paste((255, 255, 255), mask=glow.point(lambda v: max(0, 150 - v) // 3))
    if floor_shadow:
        shadow = Image.new("L", image.size, 0)
        k = image.width / 1000.0
        box = (340 * k, (FLOOR - 22) * k, 660 * k, (FLOOR + 22) * k)
        ImageDraw.Draw(shadow).ellipse(box, fill=90)
        image.paste((70, 72, 80), mask=shadow.filter(ImageFilter.GaussianBlur(3)))
    return image


def _guides(pen: Pen, figure: Figure) -> None:
    guide = (178, 180, 188)
    pen.line([(110, FLOOR), (890, FLOOR)], guide, 1.2)
    # Head-height ticks, as on a model sheet.
    pen.line([(84, FLOOR), (84, figure.crown)], guide, 1.2)
    font = _font(round(12 * pen.k))
    for i in range(9):
        y = FLOOR - i * figure.h
        if y < figure.crown - 1:
            break
        pen.line([(76, y), (92, y)], guide, 1.2)
        pen.draw.text((64 * pen.k, y * pen.k), str(i), font=font, fill=guide, anchor="rm")


def _labels(pen: Pen, obj: StoredObject) -> None:
    k = pen.k
    draw = pen.draw
    size = 34.0
    name_font = _font(round(size * k))
    while draw.textlength(obj.look.name, font=name_font) > 760 * k and size > 18:
        size -= 2
        name_font = _font(round(size * k))
    draw.text((56 * k, 44 * k), obj.look.name, font=name_font, fill=_INK)
    _spaced(pen, (58, 92), _LABELS.get(obj.pose, obj.pose.upper()), 17, _MUTED)

    badge = f"v{obj.version}"
    fill = (255, 255, 255) if obj.version == 1 else (46, 104, 196)
    ink = _INK if obj.version == 1 else (255, 255, 255)
    draw.rounded_rectangle((862 * k, 44 * k, 944 * k, 84 * k), radius=20 * k, fill=fill)
    draw.text((903 * k, 64 * k), badge, font=_font(round(22 * k)), fill=ink, anchor="mm")

    # A caption strip, so the footer reads over any figure.
    draw.rectangle((0, 940 * k, 1000 * k, 1000 * k), fill=(249, 249, 250))
    draw.line((0, 940 * k, 1000 * k, 940 * k), fill=(214, 215, 220), width=max(1, round(k)))
    footer = _font(round(13 * k))
    _spaced(pen, (56, 962), "AUROUS LABS · CHARACTER REFERENCE", 13, _MUTED)
    draw.text((944 * k, 962 * k), obj.char_id, font=footer, fill=_MUTED, anchor="ra")


def _spaced(pen: Pen, at: tuple[float, float], text: str, size: float, fill: RGB) -> None:
    font = _font(round(size * pen.k))
    x, y = at[0] * pen.k, at[1] * pen.k
    for ch in text:
        pen.draw.text((x, y), ch, font=font, fill=fill)
        x += pen.draw.textlength(ch, font=font) + size * pen.k * 0.16


@functools.lru_cache(maxsize=64)
def _font(pixels: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's bundled font: no dependency on what fonts a machine has installed.
    return ImageFont.load_default(size=max(6, pixels))


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "png":
        image.save(buffer, "PNG", compress_level=3)
    elif fmt == "jpeg":
        image.save(buffer, "JPEG", quality=90)
    else:
        image.save(buffer, "WEBP", quality=86, method=2)
    return buffer.getvalue()
