from PySide6.QtWidgets import QApplication

from reviewer.ui.theme import ThemeChoice, apply_theme, icon


def test_both_themes_apply_and_update_in_place(qapp: QApplication) -> None:
    theme = apply_theme(qapp, ThemeChoice.DARK)
    dark_window = theme.colors["window"]
    assert theme.name == "dark"
    same = apply_theme(qapp, ThemeChoice.LIGHT, into=theme)
    assert same is theme
    assert theme.name == "light"
    assert theme.colors["window"] != dark_window
    assert "${" not in qapp.styleSheet()
    assert theme.colors["window"] in qapp.styleSheet()
    apply_theme(qapp, ThemeChoice.DARK)


def test_icons_render_from_resources(qapp: QApplication) -> None:
    for name in ("save", "discard", "regenerate", "resynthesize", "keyboard", "search", "app"):
        assert not icon(name, "#ffffff").pixmap(24, 24).isNull()
