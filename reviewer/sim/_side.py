"""The side view: the figure in profile, facing the right of the picture."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _hair
from ._palette import RGB, Palette
from ._pen import CX, FLOOR, Pen, limb, oval, polygon, towards

if TYPE_CHECKING:
    from ._figure import Figure


def draw(fig: Figure, pen: Pen) -> None:
    p, h = fig.pal, fig.h
    sy = fig.y(1.3)
    arm(fig, pen, sy, -fig.spread * 0.7, Palette.shade(p.outfit, 0.78))
    leg(fig, pen, -1, Palette.shade(p.trousers, 0.8))
    front = fig.shoulder / (0.92 * h)
    body = [
        (CX - 0.3 * h, sy),
        (CX + 0.26 * h, sy),
        (CX + 0.36 * h * front, sy + 0.7 * h),
        (CX + 0.26 * h * fig.waist / (0.58 * h), fig.y(2.7)),
        (CX + 0.3 * h * fig.hip / (0.7 * h), fig.y(3.45)),
        (CX - 0.36 * h * fig.hip / (0.7 * h), fig.y(3.45)),
        (CX - 0.27 * h, fig.y(2.7)),
        (CX - 0.34 * h, sy + 0.6 * h),
    ]
    top = oval(CX - 0.02 * h, sy + 0.14 * h, 0.3 * h, 0.2 * h, p.outfit)
    pen.layer([polygon(body, p.outfit), top], fig.outline_of(p.outfit))
    leg(fig, pen, 1, p.trousers)
    cx, cy, rx, ry = CX + 0.08 * h + fig.tilt * 0.3, fig.y(0.5), 0.42 * h, 0.5 * h
    neck = limb(
        (cx - 0.08 * h, fig.y(0.8)), (CX - 0.02 * h, sy + 0.05 * h), 0.15 * h, 0.17 * h, p.skin
    )
    pen.layer([neck], fig.outline_of(p.skin))
    if fig.hair in _hair.LENGTH:
        low = cy + _hair.LENGTH[fig.hair] * h
        pen.layer(
            [limb((cx - rx * 0.5, cy), (cx - rx * 0.7, low), 0.28 * h, 0.2 * h, p.hair)],
            fig.outline_of(p.hair),
        )
    arm(fig, pen, sy, fig.spread * 0.5, Palette.shade(p.outfit, 0.95))
    head(fig, pen, cx, cy, rx, ry)


def head(fig: Figure, pen: Pen, cx: float, cy: float, rx: float, ry: float) -> None:
    p, h = fig.pal, fig.h
    nose = [
        (cx + rx * 0.9, cy - 0.02 * h),
        (cx + rx + 0.1 * h, cy + 0.17 * h),
        (cx + rx * 0.9, cy + 0.22 * h),
    ]
    chin = oval(cx + rx * 0.5, cy + ry * 0.7, 0.18 * h, 0.14 * h, p.skin)
    skull = oval(cx, cy - 0.02 * h, rx, ry * 0.96, p.skin)
    pen.layer([skull, polygon(nose, p.skin), chin], fig.outline_of(p.skin))
    ex, ey = cx + rx * 0.66, cy + 0.06 * h
    pen.ellipse(ex, ey, 0.04 * h, 0.04 * h, (250, 250, 248))
    pen.ellipse(ex + 0.015 * h, ey, 0.024 * h, 0.036 * h, p.eyes)
    pen.arc(ex, ey + 0.01 * h, 0.05 * h, 0.055 * h, (210, 330), (40, 34, 34), 0.016 * h)
    brow = Palette.shade(p.hair, 0.75) if p.hair[0] < 200 else (120, 110, 104)
    pen.line([(ex - 0.05 * h, ey - 0.1 * h), (ex + 0.06 * h, ey - 0.115 * h)], brow, 0.026 * h)
    pen.line([(cx + rx * 0.74, cy + 0.3 * h), (cx + rx * 0.94, cy + 0.29 * h)], p.lips, 0.022 * h)
    if "glasses" in fig.details:
        frame = (48, 44, 46)
        pen.ring(ex + 0.01 * h, ey, 0.07 * h, 0.07 * h, frame, 0.018 * h)
        pen.line([(ex - 0.06 * h, ey), (cx - 0.02 * h, ey + 0.02 * h)], frame, 0.018 * h)
    _hair.side(fig, pen, cx, cy, rx, ry)
    pen.layer(
        [oval(cx - 0.04 * h, cy + 0.06 * h, 0.08 * h, 0.13 * h, p.skin)], fig.outline_of(p.skin)
    )


def arm(fig: Figure, pen: Pen, sy: float, swing: float, color: RGB) -> None:
    p, h = fig.pal, fig.h
    shoulder = (CX - 0.02 * h, sy + 0.16 * h)
    elbow = towards(shoulder, -swing, 1.2 * h)
    wrist = towards(elbow, -swing * 1.6, 1.05 * h)
    hand = towards(wrist, -swing * 1.6, 0.14 * h)
    arm = [
        limb(shoulder, elbow, 0.19 * h, 0.16 * h, color),
        limb(elbow, wrist, 0.16 * h, 0.12 * h, color),
    ]
    pen.layer(arm, fig.outline_of(p.outfit))
    pen.layer([oval(hand[0], hand[1], 0.12 * h, 0.16 * h, p.skin)], fig.outline_of(p.skin))


def leg(fig: Figure, pen: Pen, step: int, color: RGB) -> None:
    p, h = fig.pal, fig.h
    hip = (CX, fig.y(3.3))
    ankle = (CX + step * fig.stride * 0.5, fig.y(6.3))
    knee = ((hip[0] + ankle[0]) / 2 + 0.06 * h, fig.y(4.95))
    leg = [
        limb(hip, knee, 0.32 * h, 0.22 * h, color),
        limb(knee, ankle, 0.22 * h, 0.15 * h, color),
    ]
    pen.layer(leg, fig.outline_of(p.trousers))
    pen.layer(
        [oval(ankle[0] + 0.14 * h, FLOOR - 0.12 * h, 0.28 * h, 0.12 * h, p.shoes)], (20, 20, 22)
    )
