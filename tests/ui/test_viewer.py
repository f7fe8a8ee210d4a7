"""The zoom/pan view on its own: zoom levels, HiDPI 100 %, bounded pan, arrows, clicks, wheel."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, QSize, Qt
from PySide6.QtGui import QColor, QNativeGestureEvent, QPixmap, QPointingDevice
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from reviewer.review.zoom import ZoomLevel
from reviewer.ui.theme import ThemeChoice, apply_theme
from reviewer.ui.viewer import Pane, ZoomViewer


def image(side: int) -> QPixmap:
    pixmap = QPixmap(side, side)
    pixmap.fill(QColor("gray"))
    return pixmap


@pytest.fixture
def viewer(qtbot: QtBot, qapp: QApplication) -> ZoomViewer:
    v = ZoomViewer(apply_theme(qapp, ThemeChoice.DARK))
    qtbot.addWidget(v)
    v.resize(600, 400)
    v.show()
    v.set_panes([Pane("", image(1024), QSize(1024, 1024), sharp=True)])
    return v


def test_levels_and_device_pixel_100_percent(viewer: ZoomViewer) -> None:
    assert viewer.zoom_label == "Fit"
    assert viewer.target_rect().height() == pytest.approx(400)
    viewer.ratio_override = 2.0
    viewer.set_level(ZoomLevel.ACTUAL)
    assert viewer.zoom_label == "100 %"
    # One image pixel per device pixel: 1024 px are 512 logical px on a 2x screen.
    assert viewer.target_rect().width() == pytest.approx(512)
    viewer.set_level(ZoomLevel.DOUBLE)
    assert viewer.target_rect().width() == pytest.approx(1024)
    viewer.ratio_override = 1.0
    viewer.set_level(ZoomLevel.ACTUAL)
    assert viewer.target_rect().width() == pytest.approx(1024)


def test_a_low_resolution_image_is_drawn_at_the_full_size(viewer: ZoomViewer) -> None:
    viewer.set_panes([Pane("", image(256), QSize(1024, 1024), sharp=False)])
    viewer.ratio_override = 1.0
    viewer.set_level(ZoomLevel.ACTUAL)
    assert viewer.target_rect().width() == pytest.approx(1024)


def test_drag_pans_but_never_past_the_image(qtbot: QtBot, viewer: ZoomViewer) -> None:
    viewer.ratio_override = 1.0
    viewer.set_level(ZoomLevel.ACTUAL)
    start = viewer.target_rect()
    qtbot.mousePress(viewer, Qt.MouseButton.LeftButton, pos=QPoint(300, 200))
    qtbot.mouseMove(viewer, QPoint(350, 230))
    moved = viewer.target_rect()
    assert moved.left() == pytest.approx(start.left() + 50)
    qtbot.mouseMove(viewer, QPoint(590, 390))
    qtbot.mouseMove(viewer, QPoint(2000, 2000))
    qtbot.mouseRelease(viewer, Qt.MouseButton.LeftButton, pos=QPoint(2000, 2000))
    far = viewer.target_rect()
    assert (far.left(), far.top()) == pytest.approx((0, 0))  # its corner, still covering
    assert viewer.zoom_label == "100 %"  # a drag is not a click


def test_arrows_pan_when_zoomed_and_step_at_fit(qtbot: QtBot, viewer: ZoomViewer) -> None:
    steps: list[int] = []
    viewer.step.connect(steps.append)
    qtbot.keyClick(viewer, Qt.Key.Key_Down)
    assert steps == [1]
    viewer.ratio_override = 1.0
    viewer.set_level(ZoomLevel.ACTUAL)
    top = viewer.target_rect().top()
    qtbot.keyClick(viewer, Qt.Key.Key_Down)
    assert viewer.target_rect().top() < top
    left = viewer.target_rect().left()
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    assert viewer.target_rect().left() < left
    assert steps == [1]


def test_a_click_zooms_there_and_a_second_goes_back_to_fit(
    qtbot: QtBot, viewer: ZoomViewer
) -> None:
    viewer.ratio_override = 1.0
    fit = viewer.target_rect()
    point = QPointF(250, 150)
    u = (point.x() - fit.left()) / fit.width(), (point.y() - fit.top()) / fit.height()
    qtbot.mouseClick(viewer, Qt.MouseButton.LeftButton, pos=point.toPoint())
    assert viewer.zoom_label == "100 %"
    t = viewer.target_rect()
    assert t.left() + u[0] * t.width() == pytest.approx(point.x(), abs=1)
    assert t.top() + u[1] * t.height() == pytest.approx(point.y(), abs=1)
    qtbot.mouseClick(viewer, Qt.MouseButton.LeftButton, pos=point.toPoint())
    assert viewer.zoom_label == "Fit"


def test_wheel_zooms_about_the_pointer(qtbot: QtBot, viewer: ZoomViewer) -> None:
    viewer.ratio_override = 1.0
    labels: list[str] = []
    viewer.zoom_changed.connect(labels.append)
    viewer.zoom_by(1.25, QPointF(300, 200))
    assert viewer.zoom_label == f"{round(400 / 1024 * 1.25 * 100)} %"
    assert labels[-1] == viewer.zoom_label


def test_linked_panes_show_the_same_spot(viewer: ZoomViewer) -> None:
    viewer.resize(800, 800)
    viewer.set_panes([Pane(str(i), image(1024), QSize(1024, 1024), sharp=True) for i in range(4)])
    viewer.ratio_override = 1.0
    rects = viewer.pane_rects()
    viewer.set_level(ZoomLevel.DOUBLE, at=rects[2].topLeft() + QPointF(40, 90))
    viewer.pan(-30, 12)
    spots = {
        (
            round(viewer.target_rect(i).left() - rects[i].left(), 3),
            round(viewer.target_rect(i).top() - rects[i].top(), 3),
        )
        for i in range(4)
    }
    assert len(spots) == 1


def test_pinch_zooms(viewer: ZoomViewer) -> None:
    viewer.ratio_override = 1.0
    pos = QPointF(300, 200)
    event = QNativeGestureEvent(
        Qt.NativeGestureType.ZoomNativeGesture,
        QPointingDevice.primaryPointingDevice(),
        2,
        pos,
        pos,
        QPointF(viewer.mapToGlobal(pos)),
        0.5,
        QPointF(0, 0),
    )
    QApplication.sendEvent(viewer, event)
    assert viewer.zoom_label == f"{round(400 / 1024 * 1.5 * 100)} %"


@pytest.mark.parametrize("size", [(680, 500), (1100, 560), (900, 900)])
def test_four_up_labels_sit_under_the_images(viewer: ZoomViewer, size: tuple[int, int]) -> None:
    # The sheets carry a footer line along their bottom edge: a label over the image's
    # bottom corner covered it.
    viewer.resize(*size)
    labels = ["1  Portrait", "2  Front", "3  Side", "4  Back"]
    viewer.set_panes([Pane(t, image(1024), QSize(1024, 1024), sharp=True) for t in labels])
    viewer.ratio_override = 1.0
    for level in (ZoomLevel.FIT, ZoomLevel.DOUBLE):
        viewer.set_level(level)
        for i, cell in enumerate(viewer.pane_rects()):
            shown = viewer.target_rect(i).intersected(viewer.image_rects()[i])
            origin = viewer.label_origin(i)
            assert origin.y() >= shown.bottom()  # under the image, not over it
            label_height = viewer.fontMetrics().height() + 6
            assert origin.y() + label_height <= cell.bottom()  # and inside its cell


def test_a_single_pane_keeps_all_its_room(viewer: ZoomViewer) -> None:
    viewer.resize(800, 600)
    viewer.set_panes([Pane("", image(1024), QSize(1024, 1024), sharp=True)])
    assert viewer.label_strip() == 0
    assert viewer.image_rects() == viewer.pane_rects()
