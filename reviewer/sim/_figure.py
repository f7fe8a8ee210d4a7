"""A stylised figure in the four reference poses, proportioned from the attributes.

Design units: the canvas is 1000 wide and y grows downwards. The figure faces the viewer
(front), the right of the picture (side) or away (back). Ellipse angles follow Pillow:
0 degrees is 3 o'clock and they turn clockwise, so 270 is the top of a head.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._palette import RGB, Palette
from ._pen import Pen, Pt, Shape, limb, oval, polygon

FLOOR = 915.0
CX = 500.0
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
_HAIR_WORDS = (
    ("bald", "bald"), ("buzz", "buzz"), ("shaved", "shaved"), ("afro", "afro"),
    ("ponytail", "ponytail"), ("bun", "bun"), ("crown", "crown"), ("braids", "long"),
    ("curly", "curly"), ("bob", "bob"), ("pixie", "short"), ("short", "short"),
    ("crop", "short"), ("shoulder", "shoulder"), ("long", "long"),
)  # fmt: skip
# How far below the head's centre hair falls, in head heights.
_HAIR_LENGTH = {"long": 2.1, "shoulder": 1.15, "bob": 0.55, "curly": 0.5}


def hair_kind(style: str) -> str:
    style = style.lower()
    kind = next((k for word, k in _HAIR_WORDS if word in style), None)
    return kind or ("shoulder" if style else "short")


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float) -> list[Pt]:
    steps = max(2, int(abs(end - start) / 10))
    return [
        (
            cx + rx * math.cos(math.radians(start + (end - start) * i / steps)),
            cy + ry * math.sin(math.radians(start + (end - start) * i / steps)),
        )
        for i in range(steps + 1)
    ]


def _towards(origin: Pt, angle: float, length: float) -> Pt:
    """A point `length` below origin, swung outwards by `angle` radians."""
    return origin[0] + math.sin(angle) * length, origin[1] + math.cos(angle) * length


def _blend(a: RGB, b: RGB, t: float) -> RGB:
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return (r, g, bl)


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
            hair=hair_kind(str(attrs.get("hair_style") or "")),
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

    def _outline(self, color: RGB) -> RGB:
        return self.pal.outline(color)

    # -- full body, front and back ---------------------------------------------------------

    def front(self, pen: Pen, facing: bool = True) -> None:
        p, h = self.pal, self.h
        cx, cy, rx, ry = CX + self.tilt, self.y(0.5), 0.42 * h, 0.5 * h
        flowing = self.hair in _HAIR_LENGTH
        if facing and flowing:
            self.hair_drape(pen, cx, cy, rx, ry)
        self.legs(pen)
        sy = self.y(1.3)
        self.torso(pen, sy, facing)
        self.arms(pen, sy)
        neck = limb((CX, self.y(0.85)), (CX, sy + 0.05 * h), 0.15 * h, 0.17 * h, p.skin)
        pen.layer([neck], self._outline(p.skin))
        if facing:
            v = [(CX - 0.2 * h, sy - 0.02 * h), (CX + 0.2 * h, sy - 0.02 * h), (CX, sy + 0.4 * h)]
            pen.poly(v, p.skin)
        if "scarf" in self.details:
            scarf = limb((CX - 0.3 * h, sy), (CX + 0.3 * h, sy), 0.12 * h, 0.12 * h, p.accent)
            pen.layer([scarf], self._outline(p.accent))
        self.head(pen, cx, cy, rx, ry, facing)
        if not facing and flowing:
            self.hair_drape(pen, cx, cy, rx, ry)

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
        pen.layer(legs, self._outline(p.trousers))
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
        pen.layer([polygon(body, p.outfit), *shoulders], self._outline(p.outfit))
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
            elbow = _towards(shoulder, s * self.spread, 1.2 * h)
            wrist = _towards(elbow, s * self.spread * 0.5, 1.05 * h)
            hand = _towards(wrist, s * self.spread * 0.4, 0.15 * h)
            upper = limb(shoulder, elbow, 0.2 * h, 0.17 * h, sleeve)
            lower = limb(elbow, wrist, 0.17 * h, 0.13 * h, sleeve)
            pen.layer([upper, lower], self._outline(p.outfit))
            pen.layer([oval(hand[0], hand[1], 0.13 * h, 0.16 * h, p.skin)], self._outline(p.skin))
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
            [*ears, oval(cx, cy - 0.02 * h, rx, ry * 0.96, p.skin), jaw], self._outline(p.skin)
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
            self.hair_front(pen, cx, cy, rx, ry)
        else:
            self.hair_behind(pen, cx, cy, rx, ry)

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
            cheek = _blend(p.skin, (230, 120, 120), 0.16)
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
            mark = _blend(p.skin, (255, 236, 236), 0.55)
            pen.line(
                [(sx - 0.04 * h, ey - 0.22 * h), (sx + 0.03 * h, ey - 0.14 * h)], mark, 0.016 * h
            )

    # -- hair ------------------------------------------------------------------------------

    def hair_drape(self, pen: Pen, cx: float, cy: float, rx: float, ry: float) -> None:
        """Hair that falls behind the shoulders, or down the back when seen from behind."""
        p, h = self.pal, self.h
        low = cy + _HAIR_LENGTH[self.hair] * h
        top = cy - 0.1 * h
        width = rx * (1.35 if self.hair == "curly" else 1.15)
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
        pen.layer(shapes, self._outline(p.hair))
        strand = Palette.shade(p.hair, 0.82)
        for s in (-0.5, 0.0, 0.5):
            pen.line(
                [(cx + s * width, cy + 0.5 * h), (cx + s * width * 1.1, low - 0.05 * h)],
                strand,
                0.012 * h,
            )

    def hair_front(self, pen: Pen, cx: float, cy: float, rx: float, ry: float) -> None:
        """The hair over the forehead, and the locks that frame the face."""
        p, h, kind = self.pal, self.h, self.hair
        if kind == "bald":
            return
        grow = {"buzz": 1.02, "afro": 1.5, "curly": 1.18, "shaved": 1.04}.get(kind, 1.08)
        temple = {"buzz": 200.0, "shaved": 215.0}.get(kind, 172.0)
        outer = _arc(cx, cy - 0.02 * h, rx * grow, ry * min(grow, 1.3), temple, 540 - temple)
        if kind == "shaved":
            outer = _arc(cx, cy - 0.04 * h, rx * 0.6, ry * 1.06, 200, 340)
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
        if kind in _HAIR_LENGTH:
            low = cy + _HAIR_LENGTH[kind] * h * 0.9
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
        pen.layer(shapes, self._outline(p.hair))
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

    def hair_behind(self, pen: Pen, cx: float, cy: float, rx: float, ry: float) -> None:
        p, h, kind = self.pal, self.h, self.hair
        if kind == "bald":
            return
        if kind in ("buzz", "shaved", "short"):
            # Short hair leaves the nape bare.
            low = {"buzz": 25.0, "shaved": 0.0, "short": 35.0}[kind]
            nape = _arc(cx, cy, rx * 1.04, ry * 1.02, 180 - low, 360 + low)
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
        pen.layer(shapes, self._outline(p.hair))

    # -- side ------------------------------------------------------------------------------

    def side(self, pen: Pen) -> None:
        p, h = self.pal, self.h
        sy = self.y(1.3)
        self.side_arm(pen, sy, -self.spread * 0.7, Palette.shade(p.outfit, 0.78))
        self.side_leg(pen, -1, Palette.shade(p.trousers, 0.8))
        front = self.shoulder / (0.92 * h)
        body = [
            (CX - 0.3 * h, sy),
            (CX + 0.26 * h, sy),
            (CX + 0.36 * h * front, sy + 0.7 * h),
            (CX + 0.26 * h * self.waist / (0.58 * h), self.y(2.7)),
            (CX + 0.3 * h * self.hip / (0.7 * h), self.y(3.45)),
            (CX - 0.36 * h * self.hip / (0.7 * h), self.y(3.45)),
            (CX - 0.27 * h, self.y(2.7)),
            (CX - 0.34 * h, sy + 0.6 * h),
        ]
        top = oval(CX - 0.02 * h, sy + 0.14 * h, 0.3 * h, 0.2 * h, p.outfit)
        pen.layer([polygon(body, p.outfit), top], self._outline(p.outfit))
        self.side_leg(pen, 1, p.trousers)
        cx, cy, rx, ry = CX + 0.08 * h + self.tilt * 0.3, self.y(0.5), 0.42 * h, 0.5 * h
        neck = limb(
            (cx - 0.08 * h, self.y(0.8)), (CX - 0.02 * h, sy + 0.05 * h), 0.15 * h, 0.17 * h, p.skin
        )
        pen.layer([neck], self._outline(p.skin))
        if self.hair in _HAIR_LENGTH:
            low = cy + _HAIR_LENGTH[self.hair] * h
            pen.layer(
                [limb((cx - rx * 0.5, cy), (cx - rx * 0.7, low), 0.28 * h, 0.2 * h, p.hair)],
                self._outline(p.hair),
            )
        self.side_arm(pen, sy, self.spread * 0.5, Palette.shade(p.outfit, 0.95))
        self.side_head(pen, cx, cy, rx, ry)

    def side_head(self, pen: Pen, cx: float, cy: float, rx: float, ry: float) -> None:
        p, h = self.pal, self.h
        nose = [
            (cx + rx * 0.9, cy - 0.02 * h),
            (cx + rx + 0.1 * h, cy + 0.17 * h),
            (cx + rx * 0.9, cy + 0.22 * h),
        ]
        chin = oval(cx + rx * 0.5, cy + ry * 0.7, 0.18 * h, 0.14 * h, p.skin)
        skull = oval(cx, cy - 0.02 * h, rx, ry * 0.96, p.skin)
        pen.layer([skull, polygon(nose, p.skin), chin], self._outline(p.skin))
        ex, ey = cx + rx * 0.66, cy + 0.06 * h
        pen.ellipse(ex, ey, 0.04 * h, 0.04 * h, (250, 250, 248))
        pen.ellipse(ex + 0.015 * h, ey, 0.024 * h, 0.036 * h, p.eyes)
        pen.arc(ex, ey + 0.01 * h, 0.05 * h, 0.055 * h, (210, 330), (40, 34, 34), 0.016 * h)
        brow = Palette.shade(p.hair, 0.75) if p.hair[0] < 200 else (120, 110, 104)
        pen.line([(ex - 0.05 * h, ey - 0.1 * h), (ex + 0.06 * h, ey - 0.115 * h)], brow, 0.026 * h)
        pen.line(
            [(cx + rx * 0.74, cy + 0.3 * h), (cx + rx * 0.94, cy + 0.29 * h)], p.lips, 0.022 * h
        )
        if "glasses" in self.details:
            frame = (48, 44, 46)
            pen.ring(ex + 0.01 * h, ey, 0.07 * h, 0.07 * h, frame, 0.018 * h)
            pen.line([(ex - 0.06 * h, ey), (cx - 0.02 * h, ey + 0.02 * h)], frame, 0.018 * h)
        self.side_hair(pen, cx, cy, rx, ry)
        pen.layer(
            [oval(cx - 0.04 * h, cy + 0.06 * h, 0.08 * h, 0.13 * h, p.skin)], self._outline(p.skin)
        )

    def side_arm(self, pen: Pen, sy: float, swing: float, color: RGB) -> None:
        p, h = self.pal, self.h
        shoulder = (CX - 0.02 * h, sy + 0.16 * h)
        elbow = _towards(shoulder, -swing, 1.2 * h)
        wrist = _towards(elbow, -swing * 1.6, 1.05 * h)
        hand = _towards(wrist, -swing * 1.6, 0.14 * h)
        arm = [
            limb(shoulder, elbow, 0.19 * h, 0.16 * h, color),
            limb(elbow, wrist, 0.16 * h, 0.12 * h, color),
        ]
        pen.layer(arm, self._outline(p.outfit))
        pen.layer([oval(hand[0], hand[1], 0.12 * h, 0.16 * h, p.skin)], self._outline(p.skin))

    def side_leg(self, pen: Pen, step: int, color: RGB) -> None:
        p, h = self.pal, self.h
        hip = (CX, self.y(3.3))
        ankle = (CX + step * self.stride * 0.5, self.y(6.3))
        knee = ((hip[0] + ankle[0]) / 2 + 0.06 * h, self.y(4.95))
        leg = [
            limb(hip, knee, 0.32 * h, 0.22 * h, color),
            limb(knee, ankle, 0.22 * h, 0.15 * h, color),
        ]
        pen.layer(leg, self._outline(p.trousers))
        pen.layer(
            [oval(ankle[0] + 0.14 * h, FLOOR - 0.12 * h, 0.28 * h, 0.12 * h, p.shoes)], (20, 20, 22)
        )

    def side_hair(self, pen: Pen, cx: float, cy: float, rx: float, ry: float) -> None:
        p, h, kind = self.pal, self.h, self.hair
        if kind == "bald":
            return
        grow = {"afro": 1.4, "curly": 1.15, "buzz": 1.02}.get(kind, 1.07)
        nape = {"buzz": 140.0, "shaved": 160.0, "short": 125.0}.get(kind, 100.0)
        outer = _arc(cx - 0.03 * h, cy - 0.02 * h, rx * grow, ry * min(grow, 1.25), nape, 322)
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
        pen.layer(shapes, self._outline(p.hair))

    # -- portrait --------------------------------------------------------------------------

    def portrait(self, pen: Pen) -> None:
        p = self.pal
        big = dataclasses.replace(self, h=330.0)
        h = big.h
        cx, cy, rx, ry = CX + self.tilt * 3, 430.0, 0.42 * h, 0.5 * h
        if self.hair in _HAIR_LENGTH:
            big.hair_drape(pen, cx, cy, rx, ry)
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
        pen.layer([polygon(bust, p.outfit), *shoulders], self._outline(p.outfit))
        neck = limb((cx, cy + 0.35 * h), (CX, top + 30), 0.16 * h, 0.19 * h, p.skin)
        pen.layer([neck], self._outline(p.skin))
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
            pen.layer([scarf], self._outline(p.accent))
        big.head(pen, cx, cy, rx, ry, facing=True)
