"""Light and dark themes from resources/style, following the system's colour scheme."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from string import Template

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QStyleFactory

from reviewer.resources import resource_path

__all__ = [
    "Theme",
    "ThemeChoice",
    "apply_theme",
    "follow_system",
    "icon",
    "system_prefers_dark",
]


class ThemeChoice(StrEnum):
    SYSTEM = "system"
    DARK = "dark"
    LIGHT = "light"


@dataclass
class Theme:
    """Mutable on purpose: widgets keep one Theme, and a change of the system's scheme
    updates it in place (``follow_system``) before they repaint."""

    name: str
    colors: dict[str, str]

    def color(self, name: str) -> QColor:
        text = self.colors[name]
        if text.startswith("rgba("):
            r, g, b, a = (float(x) for x in text[5:-1].split(","))
            return QColor(int(r), int(g), int(b), round(a * 255))
        return QColor(text)


@cache
def _palettes() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads(
        resource_path("style", "palettes.json").read_text(encoding="utf-8")
    )
    return data


def system_prefers_dark() -> bool:
    scheme = QGuiApplication.styleHints().colorScheme()
    # Unknown (no desktop preference, e.g. a bare X server): dark, as image tools are.
    return scheme != Qt.ColorScheme.Light


def load_theme(choice: ThemeChoice = ThemeChoice.SYSTEM) -> Theme:
    if choice is ThemeChoice.SYSTEM:
        name = "dark" if system_prefers_dark() else "light"
    else:
        name = choice.value
    return Theme(name, _palettes()[name])


def apply_theme(
    app: QApplication, choice: ThemeChoice = ThemeChoice.SYSTEM, into: Theme | None = None
) -> Theme:
    theme = load_theme(choice)
    if into is not None:
        into.name, into.colors = theme.name, theme.colors
        theme = into
    app.setStyle(QStyleFactory.create("Fusion"))
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "window",
        QPalette.ColorRole.WindowText: "text",
        QPalette.ColorRole.Base: "panel",
        QPalette.ColorRole.AlternateBase: "panel_alt",
        QPalette.ColorRole.Text: "text",
        QPalette.ColorRole.Button: "panel_alt",
        QPalette.ColorRole.ButtonText: "text",
        QPalette.ColorRole.Highlight: "accent",
        QPalette.ColorRole.HighlightedText: "accent_text",
        QPalette.ColorRole.ToolTipBase: "panel_alt",
        QPalette.ColorRole.ToolTipText: "text",
        QPalette.ColorRole.PlaceholderText: "text_faint",
        QPalette.ColorRole.Mid: "border",
    }
    for role, name in roles.items():
        palette.setColor(role, theme.color(name))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, theme.color("text_faint"))
    app.setPalette(palette)
    qss = Template(resource_path("style", "app.qss").read_text(encoding="utf-8"))
    app.setStyleSheet(qss.substitute(theme.colors))
    _icon_cache.clear()
    return theme


def follow_system(app: QApplication, theme: Theme) -> None:
    """Re-theme, in place, whenever the system switches between light and dark."""

    def changed(_scheme: Qt.ColorScheme) -> None:
        apply_theme(app, ThemeChoice.SYSTEM, into=theme)
        for widget in app.allWidgets():
            widget.update()

    QGuiApplication.styleHints().colorSchemeChanged.connect(changed)


_icon_cache: dict[tuple[str, str, int], QIcon] = {}


def icon(name: str, color: QColor | str, size: int = 24) -> QIcon:
    """An SVG icon from resources/icons drawn in ``color`` (its strokes use currentColor),
    rendered at 1x and 2x so it stays sharp on HiDPI screens."""
    col = QColor(color).name(QColor.NameFormat.HexArgb)
    key = (name, col, size)
    if key in _icon_cache:
        return _icon_cache[key]
    svg = resource_path("icons", f"{name}.svg").read_text(encoding="utf-8")
    renderer = QSvgRenderer(QByteArray(svg.replace("currentColor", QColor(color).name()).encode()))
    result = QIcon()
    for scale in (1, 2):
        pixmap = QPixmap(size * scale, size * scale)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter, QRectF(0, 0, size * scale, size * scale))
        painter.end()
        pixmap.setDevicePixelRatio(scale)
        result.addPixmap(pixmap)
    _icon_cache[key] = result
    return result
