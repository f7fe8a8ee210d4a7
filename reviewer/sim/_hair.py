"""Hair, by style: what falls behind the shoulders, what frames the face, and the same hair
seen from behind and in profile."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ._palette import Palette
from ._pen import Pen, Shape, arc_points, limb, oval, polygon

if TYPE_CHECKING:
    from ._figure import Figure

_WORDS = (
    ("bald", "bald"), ("buzz", "buzz"), ("shaved", "shaved"), ("afro", "afro"),
    ("ponytail", "ponytail"), ("bun", "bun"), ("crown", "crown"), ("braids", "long"),
    ("curly", "curly"), ("bob", "bob"), ("pixie", "short"), ("short", "short"),
    ("crop", "short"), ("shoulder", "shoulder"), ("long", "long"),
)  # fmt: skip
# How far below the head's centre hair falls, in head heights.
LENGTH = {"long": 2.1, "shoulder": 1.15, "bob": 0.55, "curly": 0.5}


def kind_of(style: str) -> str:
    style = style.lower()
    kind = next((k for word, k in _WORDS if word in style), None)
    return kind or ("shoulder" if style else "short")


def drape(fig: Figure, pen: Pen, cx: float, cy: float, rx: float, ry: float) -> None:
    """Hair that falls behind the shoulders, or down the back when seen from behind."""
    p, h = fig.pal, fig.h
    low = cy + LENGTH[fig.hair] * h
    top = cy - 0.1 * h
    width = rx * (1.35 if fig.hair == "curly" else 1.15)
    drape = [
        (cx - width, top),
        (cx + width, top),
        (cx + width * 1.08, low),
        (cx - width * 1.08, low),
    ]
    shapes = [
        oval(cx, top, width, ry * 1.02, p.hair),
        polygon(drape, p.hair),
        oval(cx, low, width * 1.08, 0.12 * h, p.hair),
    ]
    pen.layer(shapes, fig.outline_of(p.hair))
    strand = Palette.shade(p.hair, 0.82)
    for s in (-0.5, 0.0, 0.5):
        pen.line(
            [(cx + s * width, cy + 0.5 * h), (cx + s * width * 1.1, low - 0.05 * h)],
            strand,
            0.012 * h,
        )


def front(fig: Figure, pen: Pen, cx: float, cy: float, rx: float, ry: float) -> None:
    """The hair over the forehead, and the locks that frame the face."""
    p, h, kind = fig.pal, fig.h, fig.hair
    if kind == "bald":
        return
    grow = {"buzz": 1.02, "afro": 1.5, "curly": 1.18, "shaved": 1.04}.get(kind, 1.08)
    temple = {"buzz": 200.0, "shaved": 215.0}.get(kind, 172.0)
    outer = arc_points(cx, cy - 0.02 * h, rx * grow, ry * min(grow, 1.3), temple, 540 - temple)
    if kind == "shaved":
        outer = arc_points(cx, cy - 0.04 * h, rx * 0.6, ry * 1.06, 200, 340)
    hairline = [
        (cx + rx * 0.78, cy - 0.12 * ry),
        (cx + rx * 0.35, cy - 0.5 * ry),
        (cx - rx * 0.15, cy - 0.42 * ry),  # a soft fringe dip, parted off-centre
        (cx - rx * 0.55, cy - 0.5 * ry),
        (cx - rx * 0.82, cy - 0.12 * ry),
    ]
    if kind in ("buzz", "shaved"):
        hairline = [(cx + rx * 0.5, cy - 0.55 * ry), (cx - rx * 0.5, cy - 0.55 * ry)]
    shapes: list[Shape] = [polygon(outer + hairline, p.hair)]
    if kind in LENGTH:
        low = cy + LENGTH[kind] * h * 0.9
        for s in (-1, 1):
            lock = [
                (cx + s * rx * 0.8, cy - 0.2 * ry),
                (cx + s * rx * 1.12, cy - 0.3 * ry),
                (cx + s * rx * 1.2, low),
                (cx + s * rx * 0.94, low),
            ]
            shapes += [
                polygon(lock, p.hair),
                oval(cx + s * rx * 1.07, low, rx * 0.13, 0.06 * h, p.hair),
            ]
    if kind == "bun":
        shapes.append(oval(cx, cy - ry * 1.1, 0.2 * h, 0.17 * h, p.hair))
    if kind == "ponytail":
        shapes.append(oval(cx + 0.12 * h, cy - ry * 1.02, 0.16 * h, 0.11 * h, p.hair))
    pen.layer(shapes, fig.outline_of(p.hair))
    if kind == "crown":
        for i in range(7):
            a = math.pi * (1.12 + 0.76 * i / 6)
            pen.ellipse(
                cx + math.cos(a) * rx * 0.92,
                cy + math.sin(a) * ry * 0.8,
                0.07 * h,
                0.06 * h,
                Palette.shade(p.hair, 1.2),
            )


def behind(fig: Figure, pen: Pen, cx: float, cy: float, rx: float, ry: float) -> None:
    p, h, kind = fig.pal, fig.h, fig.hair
    if kind == "bald":
        return
    if kind in ("buzz", "shaved", "short"):
        # Short hair leaves the nape bare.
        low = {"buzz": 25.0, "shaved": 0.0, "short": 35.0}[kind]
        nape = arc_points(cx, cy, rx * 1.04, ry * 1.02, 180 - low, 360 + low)
        shapes: list[Shape] = [polygon(nape, p.hair)]
    else:
        grow = {"afro": 1.5, "curly": 1.18}.get(kind, 1.06)
        shapes = [oval(cx, cy - 0.03 * h, rx * grow, ry * min(grow, 1.3), p.hair)]
        if kind == "ponytail":
            shapes.append(
                limb(
                    (cx, cy - 0.1 * h),
                    (cx + 0.04 * h, cy + 1.2 * h),
                    0.14 * h,
                    0.06 * h,
                    p.hair,
                )
            )
        if kind == "bun":
            shapes.append(oval(cx, cy - 0.28 * h, 0.22 * h, 0.2 * h, p.hair))
    pen.layer(shapes, fig.outline_of(p.hair))


def side(fig: Figure, pen: Pen, cx: float, cy: float, rx: float, ry: float) -> None:
    p, h, kind = fig.pal, fig.h, fig.hair
    if kind == "bald":
        return
    grow = {"afro": 1.4, "curly": 1.15, "buzz": 1.02}.get(kind, 1.07)
    nape = {"buzz": 140.0, "shaved": 160.0, "short": 125.0}.get(kind, 100.0)
    outer = arc_points(cx - 0.03 * h, cy - 0.02 * h, rx * grow, ry * min(grow, 1.25), nape, 322)
    hairline = [
        (cx + rx * 0.3, cy - 0.5 * ry),
        (cx - rx * 0.05, cy - 0.2 * ry),
        (cx - rx * 0.3, cy + 0.25 * ry),
    ]
    shapes: list[Shape] = [polygon(outer + hairline, p.hair)]
    if kind == "ponytail":
        shapes.append(
            limb(
                (cx - rx * 0.9, cy - 0.15 * h),
                (cx - rx * 1.3, cy + 0.9 * h),
                0.13 * h,
                0.06 * h,
                p.hair,
            )
        )
    if kind == "bun":
        shapes.append(oval(cx - rx * 0.85, cy - 0.25 * h, 0.2 * h, 0.18 * h, p.hair))
    pen.layer(shapes, fig.outline_of(p.hair))
