"""Drawing in a 1000-unit design space, with cel-style outlines around layered shapes."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PIL import Image, ImageDraw

from ._palette import RGB

Pt = tuple[float, float]
# A shape draws itself grown by `grow` units, in `color` when given (the outline pass).
Shape = Callable[["Pen", float, RGB | None], None]

OUTLINE = 2.4
FLOOR = 915.0  # where full-body figures stand
CX = 500.0  # the centre line figures stand on


class Pen:
    def __init__(self, image: Image.Image) -> None:
        self.draw = ImageDraw.Draw(image)
        self.k = image.width / 1000.0

    def _box(self, cx: float, cy: float, rx: float, ry: float) -> tuple[float, ...]:
        k = self.k
        return ((cx - rx) * k, (cy - ry) * k, (cx + rx) * k, (cy + ry) * k)

    def _pts(self, pts: Sequence[Pt]) -> list[tuple[float, float]]:
        return [(x * self.k, y * self.k) for x, y in pts]

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, fill: RGB) -> None:
        self.draw.ellipse(self._box(cx, cy, rx, ry), fill=fill)

    def ring(self, cx: float, cy: float, rx: float, ry: float, color: RGB, width: float) -> None:
        self.draw.ellipse(
            self._box(cx, cy, rx, ry), outline=color, width=max(1, round(width * self.k))
        )

    def poly(self, pts: Sequence[Pt], fill: RGB, grow: float = 0.0) -> None:
        xy = self._pts(pts)
        self.draw.polygon(xy, fill=fill)
        if grow > 0:
            self.draw.line(
                [*xy, xy[0], xy[1]], fill=fill, width=round(2 * grow * self.k), joint="curve"
            )

    def line(self, pts: Sequence[Pt], color: RGB, width: float) -> None:
        self.draw.line(
            self._pts(pts), fill=color, width=max(1, round(width * self.k)), joint="curve"
        )

    def arc(
        self,
        cx: float,
        cy: float,
        rx: float,
        ry: float,
        span: tuple[float, float],
        color: RGB,
        width: float,
    ) -> None:
        self.draw.arc(
            self._box(cx, cy, rx, ry),
            span[0],
            span[1],
            fill=color,
            width=max(1, round(width * self.k)),
        )

    def chord(
        self, cx: float, cy: float, rx: float, ry: float, span: tuple[float, float], fill: RGB
    ) -> None:
        self.draw.chord(self._box(cx, cy, rx, ry), span[0], span[1], fill=fill)

    def capsule(self, a: Pt, b: Pt, ra: float, rb: float, fill: RGB) -> None:
        dx, dy = b[0] - a[0], b[1] - a[1]
        length = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / length, dx / length
        self.poly(
            [
                (a[0] + nx * ra, a[1] + ny * ra),
                (b[0] + nx * rb, b[1] + ny * rb),
                (b[0] - nx * rb, b[1] - ny * rb),
                (a[0] - nx * ra, a[1] - ny * ra),
            ],
            fill,
        )
        self.ellipse(a[0], a[1], ra, ra, fill)
        self.ellipse(b[0], b[1], rb, rb, fill)

    def layer(self, shapes: Sequence[Shape], outline: RGB) -> None:
        """Outline every shape of a body part first, then fill them: one clean contour."""
        for shape in shapes:
            shape(self, OUTLINE, outline)
        for shape in shapes:
            shape(self, 0.0, None)


def oval(cx: float, cy: float, rx: float, ry: float, fill: RGB) -> Shape:
    return lambda pen, g, c: pen.ellipse(cx, cy, rx + g, ry + g, c or fill)


def limb(a: Pt, b: Pt, ra: float, rb: float, fill: RGB) -> Shape:
    return lambda pen, g, c: pen.capsule(a, b, ra + g, rb + g, c or fill)


def polygon(pts: Sequence[Pt], fill: RGB) -> Shape:
    return lambda pen, g, c: pen.poly(pts, c or fill, g)


def cap(cx: float, cy: float, rx: float, ry: float, span: tuple[float, float], fill: RGB) -> Shape:
    """The part of an ellipse cut off by the chord between two angles (0 = 3 o'clock)."""
    return lambda pen, g, c: pen.chord(cx, cy, rx + g, ry + g, span, c or fill)


def arc_points(cx: float, cy: float, rx: float, ry: float, start: float, end: float) -> list[Pt]:
    """Points along an ellipse between two angles, for building outlines."""
    steps = max(2, int(abs(end - start) / 10))
    return [
        (
            cx + rx * math.cos(math.radians(start + (end - start) * i / steps)),
            cy + ry * math.sin(math.radians(start + (end - start) * i / steps)),
        )
        for i in range(steps + 1)
    ]


def towards(origin: Pt, angle: float, length: float) -> Pt:
    """A point `length` below origin, swung outwards by `angle` radians."""
    return origin[0] + math.sin(angle) * length, origin[1] + math.cos(angle) * length


def blend(a: RGB, b: RGB, t: float) -> RGB:
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return (r, g, bl)
