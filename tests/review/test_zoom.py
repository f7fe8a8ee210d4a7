"""Zoom and pan maths, and which characters a survey shows: no window."""

from __future__ import annotations

import pytest

from reviewer.review.survey import survey_columns, survey_page
from reviewer.review.zoom import Geometry, ZoomLevel, ZoomState, fit_scale

BIG = Geometry(view=(1200.0, 900.0), image=(1024.0, 1024.0), ratio=1.0)
# By label: mypy would narrow ``z.level`` and call a later check unreachable.
LABEL = {ZoomLevel.FIT: "Fit", ZoomLevel.ACTUAL: "100 %", ZoomLevel.DOUBLE: "200 %"}
HIDPI = Geometry(view=(1200.0, 900.0), image=(1024.0, 1024.0), ratio=2.0)


def test_fit_shows_the_whole_image_centred() -> None:
    z = ZoomState()
    assert z.scale(BIG) == pytest.approx(900 / 1024)
    t = z.target(BIG)
    assert (t.width, t.height) == pytest.approx((900, 900))
    assert (t.x, t.y) == pytest.approx((150, 0))
    assert z.label == "Fit"
    assert fit_scale((0, 0), (10, 10)) == 1.0


def test_100_percent_is_one_image_pixel_per_device_pixel() -> None:
    z = ZoomState()
    z.set_level(ZoomLevel.ACTUAL, BIG)
    assert z.scale(BIG) == 1.0
    z.set_level(ZoomLevel.ACTUAL, HIDPI)
    # On a 2x screen a 1024 px image is 512 logical px wide at 100 %...
    assert z.scale(HIDPI) == 0.5
    assert z.label == "100 %"
    z.set_level(ZoomLevel.DOUBLE, HIDPI)
    assert z.scale(HIDPI) == 1.0
    assert z.label == "200 %"


def test_z_never_zooms_out_on_a_big_hidpi_screen() -> None:
    # 1600 device px tall at 2x: Fit draws a 1024 px image 1.5625 device px per pixel,
    # more than 100 %; Z then goes to 200 %, never down to 100 %.
    big = Geometry(view=(1000.0, 800.0), image=(1024.0, 1024.0), ratio=2.0)
    z = ZoomState()
    fit = z.scale(big)
    assert fit * big.ratio == pytest.approx(1.5625)
    z.cycle(big)
    assert z.label == LABEL[ZoomLevel.DOUBLE]
    assert z.scale(big) > fit
    z.cycle(big)
    assert z.label == LABEL[ZoomLevel.FIT]
    # Asked for by name, 100 % is still one image pixel per device pixel.
    z.set_level(ZoomLevel.ACTUAL, big)
    assert z.scale(big) * big.ratio == 1.0


@pytest.mark.parametrize(
    "geometry",
    [BIG, Geometry(view=(1000.0, 800.0), image=(96.0, 96.0))],
    ids=["1024 px on a 1x screen", "a 96 px image, larger than 200 % at Fit"],
)
def test_z_cycles_fit_100_200(geometry: Geometry) -> None:
    z = ZoomState()
    labels = []
    for _ in range(3):
        z.cycle(geometry)
        labels.append(z.label)
    assert labels == ["100 %", "200 %", "Fit"]


def test_zoom_keeps_the_clicked_point_under_the_pointer() -> None:
    z = ZoomState()
    at = (300.0, 200.0)
    before = z.target(BIG)
    # The image point under ``at`` at Fit, 0..1 of the image.
    u = ((at[0] - before.x) / before.width, (at[1] - before.y) / before.height)
    z.set_level(ZoomLevel.DOUBLE, BIG, at=at)
    after = z.target(BIG)
    assert after.x + u[0] * after.width == pytest.approx(at[0])
    assert after.y + u[1] * after.height == pytest.approx(at[1])


def test_pan_is_bounded_to_the_image() -> None:
    z = ZoomState()
    z.set_level(ZoomLevel.DOUBLE, BIG)
    z.pan(1e6, 1e6, BIG)  # dragged far right and down: stops at the top-left corner
    t = z.target(BIG)
    assert (t.x, t.y) == pytest.approx((0, 0))
    z.pan(-1e6, -1e6, BIG)
    t = z.target(BIG)
    assert t.x + t.width == pytest.approx(BIG.view[0])
    assert t.y + t.height == pytest.approx(BIG.view[1])


def test_an_image_smaller_than_the_view_stays_centred() -> None:
    small = Geometry(view=(1200.0, 900.0), image=(96.0, 96.0))
    z = ZoomState()
    z.set_level(ZoomLevel.ACTUAL, small)
    z.pan(500, -300, small)
    t = z.target(small)
    assert (t.x + t.width / 2, t.y + t.height / 2) == pytest.approx((600, 450))


def test_wheel_zooms_in_and_out_to_fit() -> None:
    z = ZoomState()
    z.wheel(1, BIG)
    assert z.level is ZoomLevel.CUSTOM
    assert z.label == f"{round(900 / 1024 * 1.25 * 100)} %"
    z.wheel(-3, BIG)
    assert z.label == LABEL[ZoomLevel.FIT]
    for _ in range(40):
        z.wheel(1, BIG)
    assert z.factor == 8.0  # capped


def test_survey_columns_by_width() -> None:
    assert survey_columns(400) == 2
    assert survey_columns(1000) == 5
    assert survey_columns(5000) == 8


def test_survey_page_holds_the_current_row() -> None:
    assert survey_page(None, 10, 4) == range(4)
    assert survey_page(5, 10, 4) == range(4, 8)
    assert survey_page(9, 10, 4) == range(8, 10)
    assert survey_page(30, 10, 4) == range(8, 10)
    assert survey_page(0, 0, 4) == range(0)
