"""Neutralising server text that could spoof the display, where characters are parsed."""

from __future__ import annotations

import pytest

from reviewer.api import display_safe
from reviewer.api._models import parse_character
from reviewer.api._text import html_summary, preview

from .conftest import character_json

BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
MARKS = ["\u200e", "\u200f", "\u061c"]


@pytest.mark.parametrize("char", BIDI + MARKS)
def test_bidi_controls_are_removed(char: str) -> None:
    assert display_safe(f"Aurora{char}gnp.exe") == "Auroragnp.exe"


@pytest.mark.parametrize("code", [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029])
def test_control_characters_become_spaces(code: int) -> None:
    assert display_safe(f"a{chr(code)}b") == "a b"


def test_lone_surrogates_become_replacement_characters() -> None:
    text = display_safe("Nova\ud800")
    assert text == "Nova\ufffd"
    text.encode("utf-8")  # loggable


@pytest.mark.parametrize(
    "text", ["Aurora the Adventurer", "Åsa Öberg", "李小龍", "مريم", "Zoë 👩🏽‍🚀", "a  b", ""]
)
def test_ordinary_names_are_unchanged(text: str) -> None:
    # Emoji sequences keep their zero-width joiner; right-to-left scripts are untouched.
    assert display_safe(text) == text


def test_parsing_neutralises_every_displayed_field() -> None:
    c = parse_character(
        character_json(
            name="Eve\u202etxt.exe\n",
            status="reviewing\u2066",
            error_message="boom\u0007\u202d",
            refs=[{"pose": "fr\u200font", "url": "https://cdn.example/a.bin?t=1"}],
            attributes={"hair_color": "red\u202e", "tattoos": "kept\u202e as sent"},
        )
    )
    assert c.name == "Evetxt.exe "
    assert c.status == "reviewing"
    assert c.error_message == "boom "
    assert c.refs[0].pose == "front"
    assert c.attributes is not None
    assert c.attributes.hair_color == "red"
    # Unknown attribute keys round-trip to a PATCH unchanged: they are never shown.
    assert c.attributes.extra == {"tattoos": "kept\u202e as sent"}


def test_preview_never_recurses_or_grows() -> None:
    deep: list[object] = []
    for _ in range(50_000):
        deep = [deep]
    assert preview(deep) == "a list of 1 items"
    assert preview("x" * 10_000).endswith("…'")
    assert len(preview("x" * 10_000)) < 100
    assert preview({"a": 1}) == "an object with 1 keys"
    assert preview(10**200).endswith("…")


def test_html_summary_is_plain_words() -> None:
    page = "<html><head><title>Blocked</title><script>var x = '<b>';</script></head>"
    page += "<body><p>Access &lt;denied&gt; by\npolicy</p></body></html>"
    assert html_summary(page) == "Blocked: Access <denied> by policy"
    assert html_summary("<html></html>") == "an empty page"
    assert len(html_summary("<p>" + "word " * 1000)) == 200
