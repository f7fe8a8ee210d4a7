"""The short scheduler slice a decode worker asks for (Linux 6.12 and later)."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

import pytest

from reviewer.imaging import scheduling as slices

T = TypeVar("T")


def _on_a_thread(work: Callable[[], T]) -> list[T]:
    got: list[T] = []
    thread = threading.Thread(target=lambda: got.append(work()))
    thread.start()
    thread.join()
    return got


def test_a_thread_gets_the_slice_it_asks_for_and_keeps_its_nice_value() -> None:
    if slices.slice_of() in (None, 0):
        pytest.skip("this kernel has no per-task slices")

    def ask() -> tuple[bool, int | None, int]:
        took = slices.short_slice(250_000)
        return took, slices.slice_of(), os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    [(took, now, nice)] = _on_a_thread(ask)
    assert took is True
    assert now == 250_000
    assert nice == mine
    assert slices.slice_of() != 250_000  # the asking thread only


def test_elsewhere_it_does_nothing_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert slices.short_slice() is False
    assert slices.slice_of() is None


def test_a_refusing_kernel_is_no_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(slices, "_syscall", lambda: lambda *args: -1)  # EPERM, ENOSYS...
    if slices._calls() is None:
        pytest.skip("no system call numbers for this machine")
    assert slices.short_slice() is False
    assert slices.slice_of() is None
