"""A stylised figure in the four reference poses, proportioned from the attributes.

Design units: the canvas is 1000 wide and y grows downwards. The figure faces the viewer
(front), the right of the picture (side) or away (back). Ellipse angles follow Pillow:
0 degrees is 3 o'clock and they turn clockwise, so 270 is the top of a head.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import _hair, _side
from ._palette import RGB, Palette
from ._pen import CX, FLOOR, Pen, Shape, blend, limb, oval, polygon, towards

HEADS = 6.6  # figure height in head heights: stylised, a little below realistic

# body type -> (shoulders, waist, hips, height)
_BUILDS = {
    "slim": (0.92, 0.84, 0.9, 1.0),
    "athletic": (1.06, 0.9, 0.95, 1.0),
    "average": (1.0, 1.0, 1.0, 1.0),
    "curvy": (0.97, 0.9, 1.2, 1.0),
    "muscular": (1.16, 1.0, 1.0, 1.0),
    "stocky": (1.1, 1.2, 1.15, 0.95),
    "petite": (0.9, 0.88, 0.94, 0.92),
    "tall": (0.98, 0.92, 0.95, 1.04),
}


@dataclass(frozen=True)
class Figure:
    pal: Palette
    h: float  # head height
    shoulder: float  # half widths
    waist: float
    hip: float
    hair: str
    details: str
    spread: float  # arm angle away from the body, radians
    stance: float  # feet apart
    stride: float  # side view step
    tilt: float  # head offset

    @classmethod
    def make(cls, pal: Palette, attributes: Mapping[str, Any] | None, variant: int) -> Figure:
        attrs = attributes or {}
        build = _BUILDS.get(str(attrs.get("body_type") or "").lower(), (1.0, 1.0, 1.0, 1.0))
        gender = str(attrs.get("gender") or "")
        sex = {"female": (0.92, 1.06), "male": (1.05, 0.94)}.get(gender, (1.0, 1.0))
        h = 116.0 * build[3] * (0.97 if gender == "female" else 1.0)
        rng = random.Random(variant)
        return cls(
            pal=pal,
            h=h,
            shoulder=0.92 * h * build[0] * sex[0],
            waist=0.58 * h * build[1],
            hip=0.7 * h * build[2] * sex[1],
            hair=_hair.kind_of(str(attrs.get("hair_style") or "")),
            details=str(attrs.get("additional_details") or "").lower(),
            spread=rng.uniform(0.08, 0.3),
            stance=rng.uniform(0.05, 0.3) * h,
            stride=rng.uniform(0.3, 0.7) * h,
            tilt=rng.uniform(-0.05, 0.05) * h,
        )

    @property
    def crown(self) -> float:
        return FLOOR - HEADS * self.h

    def y(self, heads: float) -> float:
        return self.crown + heads * self.h

    def outline_of(self, color: RGB) -> RGB:
        return self.pal.outline(color)

    # -- full body, front and back ---------------------------------------------------------

    def front(self, pen: Pen, facing: bool = True) -> None:
        p, h = self.pal, self.h
        cx, cy, rx, ry = CX + self.tilt, self.y(0.5), 0.42 * h, 0.5 * h
        flowing = self.hair in _hair.LENGTH
        if facing and flowing:
            _hair.drape(self, pen, cx, cy, rx, ry)
        self.legs(pen)
        sy = self.y(1.3)
        self.torso(pen, sy, facing)
        self.arms(pen, sy)
        neck = limb((CX, self.y(0.85)), (CX, sy + 0.05 * h), 0.15 * h, 0.17 * h, p.skin)
        pen.layer([neck], self.outline_of(p.skin))
        if facing:
            v = [(CX - 0.2 * h, sy - 0.02 * h), (CX + 0.2 * h, sy - 0.02 * h), (CX, sy + 0.4 * h)]
            pen.poly(v, p.skin)
        if "scarf" in self.details:
            scarf = limb((CX - 0.3 * h, sy), (CX + 0.3 * h, sy), 0.12 * h, 0.12 * h, p.accent)
            pen.layer([scarf], self.outline_of(p.accent))
        self.head(pen, cx, cy, rx, ry, facing)
        if not facing and flowing:
            _hair.drape(self, pen, cx, cy, rx, ry)

    def legs(self, pen: Pen) -> None:
        p, h = self.pal, self.h
        legs: list[Shape] = []
        shoes: list[Shape] = []
        for s in (-1, 1):
            hip = (CX + s * self.hip * 0.48, self.y(3.35))
            ankle = (CX + s * (0.3 * h + self.stance), self.y(6.3))
            knee = ((hip[0] + ankle[0]) / 2, self.y(4.95))
            legs += [
                limb(hip, knee, 0.3 * h, 0.22 * h, p.trousers),
                limb(knee, ankle, 0.22 * h, 0.15 * h, p.trousers),
            ]
            shoes.append(
                oval(ankle[0] + s * 0.06 * h, FLOOR - 0.12 * h, 0.22 * h, 0.13 * h, p.shoes)
            )
        pen.layer(legs, self.outline_of(p.trousers))
        pen.layer(shoes, (20, 20, 22))

    def torso(self, pen: Pen, sy: float, facing: bool) -> None:
        p, h = self.pal, self.h
        bottom = self.y(3.45)
        body = [
            (CX - self.shoulder, sy),
            (CX + self.shoulder, sy),
            (CX + self.waist, self.y(2.7)),
            (CX + self.hip, bottom),
            (CX - self.hip, bottom),
            (CX - self.waist, self.y(2.7)),
        ]
        shoulders = [
            oval(CX + s * (self.shoulder - 0.12 * h), sy + 0.14 * h, 0.24 * h, 0.2 * h, p.outfit)
            for s in (-1, 1)
        ]
        pen.layer([polygon(body, p.outfit), *shoulders], self.outline_of(p.outfit))
        # Light from the left: the figure's far side is a shade darker.
        lit = -1 if facing else 1
        shade = [
            (CX - lit * self.shoulder * 0.5, sy + 0.02 * h),
            (CX - lit * (self.shoulder - 0.02 * h), sy + 0.02 * h),
            (CX - lit * (self.waist - 0.02 * h), self.y(2.7)),
            (CX - lit * (self.hip - 0.03 * h), bottom - 0.02 * h),
            (CX - lit * self.hip * 0.62, bottom - 0.02 * h),
            (CX - lit * self.waist * 0.55, self.y(2.7)),
        ]
        pen.poly(shade, Palette.shade(p.outfit, 0.9))
        belt = Palette.shade(p.outfit, 0.66)
        pen.line(
            [(CX - self.hip * 0.97, bottom - 0.1 * h), (CX + self.hip * 0.97, bottom - 0.1 * h)],
            belt,
            0.07 * h,
        )
        if not facing:
            seam = Palette.shade(p.outfit, 0.8)
            pen.line([(CX, sy + 0.1 * h), (CX, bottom - 0.16 * h)], seam, 0.02 * h)
            for s in (-1, 1):  # shoulder blades
                pen.arc(
                    CX + s * 0.4 * h, sy + 0.55 * h, 0.26 * h, 0.2 * h, (200, 340), seam, 0.02 * h
                )

    def arms(self, pen: Pen, sy: float) -> None:
        p, h = self.pal, self.h
        sleeve = Palette.shade(p.outfit, 0.95)
        for s in (-1, 1):
            shoulder = (CX + s * (self.shoulder - 0.12 * h), sy + 0.16 * h)
            elbow = towards(shoulder, s * self.spread, 1.2 * h)
            wrist = towards(elbow, s * self.spread * 0.5, 1.05 * h)
            hand = towards(wrist, s * self.spread * 0.4, 0.15 * h)
            upper = limb(shoulder, elbow, 0.2 * h, 0.17 * h, sleeve)
            lower = limb(elbow, wrist, 0.17 * h, 0.13 * h, sleeve)
            pen.layer([upper, lower], self.outline_of(p.outfit))
            pen.layer([oval(hand[0], hand[1], 0.13 * h, 0.16 * h, p.skin)], self.outline_of(p.skin))
            if "tattoo" in self.details and s < 0:
                mid = ((elbow[0] + wrist[0]) / 2, (elbow[1] + wrist[1]) / 2)
                pen.ring(
                    mid[0], mid[1], 0.06 * h, 0.06 * h, Palette.shade(p.outfit, 0.6), 0.015 * h
                )

    def head(self, pen: Pen, cx: float, cy: float, rx: float, ry: float, facing: bool) -> None:
        p, h = self.pal, self.h
        ears = [
            oval(cx + s * rx * 0.98, cy + 0.05 * h, 0.09 * h, 0.14 * h, p.skin) for s in (-1, 1)
        ]
        jaw = oval(cx, cy + 0.12 * h, rx * 0.86, ry * 0.86, p.skin)
        pen.layer(
            [*ears, oval(cx, cy - 0.02 * h, rx, ry * 0.96, p.skin), jaw], self.outline_of(p.skin)
        )
        if "earring" in self.details:
            for s in (-1, 1):
                pen.ring(
                    cx + s * rx * 1.02,
                    cy + 0.22 * h,
                    0.03 * h,
                    0.03 * h,
                    (206, 206, 214),
                    0.012 * h,
                )
        if facing:
            self.face(pen, cx, cy)
            _hair.front(self, pen, cx, cy, rx, ry)
        else:
            _hair.behind(self, pen, cx, cy, rx, ry)

    def face(self, pen: Pen, cx: float, cy: float) -> None:
        p, h = self.pal, self.h
        ey = cy + 0.07 * h
        brow = Palette.shade(p.hair, 0.75) if p.hair[0] < 200 else (120, 110, 104)
        for s in (-1, 1):
            ex = cx + s * 0.17 * h
            pen.ellipse(ex, ey, 0.075 * h, 0.046 * h, (250, 250, 248))
            pen.ellipse(ex, ey, 0.04 * h, 0.043 * h, p.eyes)
            pen.ellipse(ex, ey, 0.018 * h, 0.018 * h, (20, 20, 24))
            pen.ellipse(ex - 0.012 * h, ey - 0.014 * h, 0.01 * h, 0.01 * h, (255, 255, 255))
            pen.arc(ex, ey + 0.01 * h, 0.08 * h, 0.06 * h, (200, 340), (40, 34, 34), 0.016 * h)
            pen.line(
                [(ex - s * 0.07 * h, ey - 0.1 * h), (ex + s * 0.075 * h, ey - 0.115 * h)],
                brow,
                0.026 * h,
            )
            cheek = blend(p.skin, (230, 120, 120), 0.16)
            pen.ellipse(ex + s * 0.03 * h, cy + 0.24 * h, 0.06 * h, 0.034 * h, cheek)
        nose = Palette.shade(p.skin, 0.78)
        pen.line(
            [
                (cx + 0.01 * h, cy + 0.12 * h),
                (cx - 0.03 * h, cy + 0.23 * h),
                (cx + 0.02 * h, cy + 0.245 * h),
            ],
            nose,
            0.016 * h,
        )
        pen.arc(cx, cy + 0.28 * h, 0.1 * h, 0.06 * h, (25, 155), p.lips, 0.024 * h)
        self.face_details(pen, cx, cy, ey)

    def face_details(self, pen: Pen, cx: float, cy: float, ey: float) -> None:
        p, h, details = self.pal, self.h, self.details
        frame = (48, 44, 46)
        if "glasses" in details or "monocle" in details:
            sides = (-1,) if "monocle" in details else (-1, 1)
            for s in sides:
                pen.ring(cx + s * 0.17 * h, ey, 0.11 * h, 0.09 * h, frame, 0.018 * h)
            if len(sides) == 2:
                pen.arc(cx, ey + 0.02 * h, 0.07 * h, 0.05 * h, (200, 340), frame, 0.018 * h)
        if "freckle" in details:
            dots = random.Random(7)
            for _ in range(16):
                fx, fy = cx + dots.uniform(-0.24, 0.24) * h, cy + dots.uniform(0.14, 0.23) * h
                pen.ellipse(fx, fy, 0.008 * h, 0.008 * h, Palette.shade(p.skin, 0.72))
        if "scar" in details:
            # "Above the right eyebrow": the character's right is the viewer's left.
            sx = cx - 0.14 * h
            mark = blend(p.skin, (255, 236, 236), 0.55)
            pen.line(
                [(sx - 0.04 * h, ey - 0.22 * h), (sx + 0.03 * h, ey - 0.14 * h)], mark, 0.016 * h
            )

    def side(self, pen: Pen) -> None:
        _side.draw(self, pen)

    # -- portrait --------------------------------------------------------------------------

    def portrait(self, pen: Pen) -> None:
        p = self.pal
        big = dataclasses.replace(self, h=330.0)
        h = big.h
        cx, cy, rx, ry = CX + self.tilt * 3, 430.0, 0.42 * h, 0.5 * h
        if self.hair in _hair.LENGTH:
            _hair.drape(big, pen, cx, cy, rx, ry)
        top = 700.0
        bust = [
            (CX - 1.08 * h, 1010),
            (CX - 1.0 * h, top + 90),
            (CX - 0.7 * h, top),
            (CX + 0.7 * h, top),
            (CX + 1.0 * h, top + 90),
            (CX + 1.08 * h, 1010),
        ]
        shoulders = [
            oval(CX + s * 0.76 * h, top + 90, 0.32 * h, 0.26 * h, p.outfit) for s in (-1, 1)
        ]
        pen.layer([polygon(bust, p.outfit), *shoulders], self.outline_of(p.outfit))
        neck = limb((cx, cy + 0.35 * h), (CX, top + 30), 0.16 * h, 0.19 * h, p.skin)
        pen.layer([neck], self.outline_of(p.skin))
        pen.poly([(CX - 0.24 * h, top + 8), (CX + 0.24 * h, top + 8), (CX, top + 0.5 * h)], p.skin)
        collar = Palette.shade(p.outfit, 1.18)
        for s in (-1, 1):
            pen.poly(
                [
                    (CX + s * 0.24 * h, top + 6),
                    (CX + s * 0.5 * h, top + 10),
                    (CX + s * 0.06 * h, top + 0.44 * h),
                ],
                collar,
            )
        if "scarf" in self.details:
            scarf = limb(
                (CX - 0.4 * h, top + 15), (CX + 0.4 * h, top + 15), 0.13 * h, 0.13 * h, p.accent
            )
            pen.layer([scarf], self.outline_of(p.accent))
        big.head(pen, cx, cy, rx, ry, facing=True)
