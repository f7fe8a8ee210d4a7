"""The ``reviewer`` command names a missing system library instead of a traceback."""

from __future__ import annotations

import importlib.abc
import subprocess
import sys
from collections.abc import Sequence
from types import ModuleType

import pytest

from reviewer import launch


class _MissingLibEGL(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> None:
        if fullname == "reviewer.app":
            raise ImportError("libEGL.so.1: cannot open shared object file: No such file")
        return


def test_a_missing_qt_library_is_explained(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delitem(sys.modules, "reviewer.app", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_MissingLibEGL(), *sys.meta_path])
    code = launch.main(["--version"])
    assert code != 0
    err = capsys.readouterr().err
    assert "could not load a library it needs" in err
    assert "Traceback" not in err


def test_the_layers_below_the_ui_are_imported_before_qt() -> None:
    # In a fresh interpreter: this one has Qt loaded already. The demo needs no keychain,
    # and its simulator runs in a process of its own (tests/test_demo.py).
    names = ("PySide6", "keyring", "httpx", "PIL", "reviewer.sim", "reviewer.review.session")
    probe = (
        "import sys; from reviewer import launch; launch.import_below_qt(); "
        f"print(*(m for m in {names!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.split() == ["httpx", "PIL", "reviewer.review.session"]
