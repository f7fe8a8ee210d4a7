"""Zoom and pan for image viewers, in plain numbers (no Qt), so it is tested without a window.

Sizes are in logical pixels of the viewport and in pixels of the full-resolution image.
``ratio`` is the screen's device pixel ratio: at 100 % one image pixel covers one *device*
pixel, so on a 2× screen it covers half a logical pixel. Several views linked together share
one ``ZoomState``: the same zoom and the same relative spot (0..1 of the image) in each.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Geometry", "Rect", "ZoomLevel", "ZoomState", "fit_scale"]

MAX_FACTOR = 8.0  # 800 %: past this an artist sees only single pixels
WHEEL_STEP = 1.25  # one wheel notch


class ZoomLevel(StrEnum):
    FIT = "Fit"
    ACTUAL = "100 %"
    DOUBLE = "200 %"
    CUSTOM = "custom"


_FACTORS = {ZoomLevel.ACTUAL: 1.0, ZoomLevel.DOUBLE: 2.0}


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class Geometry:
    """One view of one image: the view's logical size, the image's full size in pixels,
    the screen's device pixel ratio."""

    view: tuple[float, float]
    image: tuple[float, float]
    ratio: float = 1.0


def fit_scale(view: tuple[float, float], image: tuple[float, float]) -> float:
    """Logical pixels per image pixel that show the whole image in the view."""
    vw, vh = view
    iw, ih = image
    if iw <= 0 or ih <= 0 or vw <= 0 or vh <= 0:
        return 1.0
    return min(vw / iw, vh / ih)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


@dataclass(slots=True)
class ZoomState:
    """One zoom and one spot, shared by every view linked to it."""

    level: ZoomLevel = ZoomLevel.FIT
    factor: float = 1.0  # image pixels per device pixel when not at Fit (1.0: 100 %)
    cx: float = 0.5  # the image point at the view's centre, 0..1 of the image
    cy: float = 0.5

    @property
    def zoomed(self) -> bool:
        return self.level is not ZoomLevel.FIT

    def scale(self, g: Geometry) -> float:
        """Logical pixels per image pixel in this view."""
        if self.level is ZoomLevel.FIT:
            return fit_scale(g.view, g.image)
        return self.factor / max(g.ratio, 1e-6)

    @property
    def label(self) -> str:
        """The zoom indicator: "Fit", "100 %", "200 %" or the zoom a wheel left."""
        if self.level is ZoomLevel.FIT:
            return "Fit"
        if self.level is ZoomLevel.CUSTOM:
            return f"{round(self.factor * 100)} %"
        return self.level.value

    def target(self, g: Geometry) -> Rect:
        """Where the whole image lands in the view (it may reach far outside it)."""
        s = self.scale(g)
        w, h = g.image[0] * s, g.image[1] * s
        return Rect(g.view[0] / 2 - self.cx * w, g.view[1] / 2 - self.cy * h, w, h)

    # -- changing ---------------------------------------------------------------------

    def fit(self) -> None:
        self.level, self.factor, self.cx, self.cy = ZoomLevel.FIT, 1.0, 0.5, 0.5

    def set_level(
        self, level: ZoomLevel, g: Geometry, at: tuple[float, float] | None = None
    ) -> None:
        """Go to Fit, 100 % or 200 %, keeping the image point under ``at`` where it is."""
        if level is ZoomLevel.FIT:
            self.fit()
            return
        self._zoom_to(_FACTORS.get(level, self.factor), level, g, at)

    def wheel(self, notches: float, g: Geometry, at: tuple[float, float] | None = None) -> None:
        """Zoom in (positive) or out by wheel notches or a pinch, about ``at``."""
        self.scale_by(WHEEL_STEP**notches, g, at)

    def scale_by(
        self, multiplier: float, g: Geometry, at: tuple[float, float] | None = None
    ) -> None:
        fit_factor = fit_scale(g.view, g.image) * g.ratio
        current = self.scale(g) * g.ratio
        wanted = _clamp(current * multiplier, min(fit_factor, 1.0), MAX_FACTOR)
        if wanted <= fit_factor + 1e-9:
            self.fit()  # zoomed out as far as the whole image: that is Fit, centred
            return
        level = next((lv for lv, f in _FACTORS.items() if abs(f - wanted) < 1e-6), ZoomLevel.CUSTOM)
        self._zoom_to(wanted, level, g, at)

    def cycle(self, g: Geometry, at: tuple[float, float] | None = None) -> None:
        """Z or a click: the next of 100 % and 200 % larger than what is shown, then Fit.

        On a big HiDPI screen Fit can already be larger than 100 % (a 1024 px image in
        1600 device pixels): Z then goes straight to 200 %, so it never zooms out. A small
        image, larger than 200 % at Fit, still gets its true pixels: 100 %, then 200 %."""
        shown = self.scale(g) * g.ratio
        larger = [(lv, f) for lv, f in _FACTORS.items() if f > shown + 1e-6]
        if not larger and self.level is ZoomLevel.FIT:
            larger = list(_FACTORS.items())
        if larger:
            level, factor = larger[0]
            self._zoom_to(factor, level, g, at)
        else:
            self.fit()

    def pan(self, dx: float, dy: float, g: Geometry) -> None:
        """Move the image by (dx, dy) logical pixels, never past its edges."""
        s = self.scale(g)
        if g.image[0] > 0 and g.image[1] > 0:
            self.cx -= dx / (s * g.image[0])
            self.cy -= dy / (s * g.image[1])
        self.bound(g)

    def bound(self, g: Geometry) -> None:
        """Keep the image covering the view where it is larger, centred where it is not."""
        s = self.scale(g)
        for axis in (0, 1):
            size = g.image[axis] * s
            if size <= g.view[axis]:
                value = 0.5
            else:
                margin = g.view[axis] / (2 * size)
                value = _clamp(self.cx if axis == 0 else self.cy, margin, 1 - margin)
            if axis == 0:
                self.cx = value
            else:
                self.cy = value

    def _zoom_to(
        self, factor: float, level: ZoomLevel, g: Geometry, at: tuple[float, float] | None
    ) -> None:
        if at is not None and g.image[0] > 0 and g.image[1] > 0:
            # The image point under ``at`` before, kept under ``at`` after.
            before = self.scale(g)
            ux = self.cx + (at[0] - g.view[0] / 2) / (before * g.image[0])
            uy = self.cy + (at[1] - g.view[1] / 2) / (before * g.image[1])
            after = factor / max(g.ratio, 1e-6)
            self.cx = ux - (at[0] - g.view[0] / 2) / (after * g.image[0])
            self.cy = uy - (at[1] - g.view[1] / 2) / (after * g.image[1])
        self.level, self.factor = level, factor
        self.bound(g)
