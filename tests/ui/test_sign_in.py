"""Signing in against the simulator: a refused key says so, a good one is kept."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from reviewer.review.credentials import KeySource, resolve_api_key
from reviewer.ui.dialogs import SignInDialog
from reviewer.ui.sign_in import SignedIn, sign_in
from tests.keyrings import MemoryKeyring
from tests.simfixtures import BASE, KEY, make_sim

from .conftest import Runner


def open_dialog(qtbot: QtBot, run: Runner) -> tuple[asyncio.Task[SignedIn | None], SignInDialog]:
    h = make_sim()
    task = run.loop.create_task(sign_in(BASE, transport=h.transport))
    found: list[SignInDialog] = []

    def shown() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, SignInDialog) and w.isVisible()
        ]
        return bool(found)

    qtbot.waitUntil(shown)
    return task, found[0]


def test_refused_then_accepted_and_remembered(
    qtbot: QtBot, run: Runner, memory_keyring: MemoryKeyring
) -> None:
    task, dialog = open_dialog(qtbot, run)
    dialog.key.setText("al_live_" + "00" * 32)
    qtbot.mouseClick(dialog.sign_in, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.error.isVisible)
    assert "refused" in dialog.error.text()
    assert not task.done()

    dialog.key.setText("not a key")
    qtbot.mouseClick(dialog.sign_in, Qt.MouseButton.LeftButton)
    assert "spaces" in dialog.error.text()

    dialog.key.setText(KEY)
    qtbot.mouseClick(dialog.sign_in, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done)
    result = task.result()
    assert result is not None
    assert result.key.value == KEY
    assert result.key.source is KeySource.SIGN_IN
    assert not result.session_only
    found = resolve_api_key(BASE, {})
    assert found is not None
    assert found.value == KEY


def test_without_a_keychain_the_key_is_for_this_session(
    qtbot: QtBot, run: Runner, no_keyring: None
) -> None:
    task, dialog = open_dialog(qtbot, run)
    dialog.key.setText(KEY)
    qtbot.mouseClick(dialog.sign_in, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done)
    result = task.result()
    assert result is not None
    assert result.session_only


def test_quit_returns_nothing(qtbot: QtBot, run: Runner) -> None:
    task, dialog = open_dialog(qtbot, run)
    dialog.reject()
    qtbot.waitUntil(task.done)
    assert task.result() is None
