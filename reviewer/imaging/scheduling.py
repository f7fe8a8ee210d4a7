"""A short scheduler slice for a background process (Linux 6.12 and later).

Nice alone does not keep a decode worker out of the GUI thread's way: Linux's scheduler
(EEVDF) lets the task on a core finish its slice (1.4 ms on a 2-core machine) before a
task that wakes takes the core, whatever their nice values, so a key press or a frame
waited for a worker's slice to end. A task may ask for a shorter slice
(``sched_attr.sched_runtime``): its share of the CPU is unchanged (its nice value decides
that), it gives the core up sooner when another task wants it.

Python's ``os`` has no ``sched_setattr``, hence the system call through ctypes. Anywhere
else (another system, an older kernel, a sandbox refusing the call) this does nothing and
says so by returning False: the worker still runs, only at the default slice.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform
import sys
from collections.abc import Callable

__all__ = ["SLICE_NS", "short_slice", "slice_of"]

SLICE_NS = 100_000  # the shortest the kernel accepts: 0.1 ms

# sched_setattr / sched_getattr by machine (the generic table for arm64 and riscv).
_CALLS = {
    "x86_64": (314, 315),
    "amd64": (314, 315),
    "aarch64": (274, 275),
    "arm64": (274, 275),
    "riscv64": (274, 275),
}


class _SchedAttr(ctypes.Structure):
    _fields_ = (
        ("size", ctypes.c_uint32),
        ("sched_policy", ctypes.c_uint32),
        ("sched_flags", ctypes.c_uint64),
        ("sched_nice", ctypes.c_int32),
        ("sched_priority", ctypes.c_uint32),
        ("sched_runtime", ctypes.c_uint64),
        ("sched_deadline", ctypes.c_uint64),
        ("sched_period", ctypes.c_uint64),
        ("sched_util_min", ctypes.c_uint32),
        ("sched_util_max", ctypes.c_uint32),
    )


def _calls() -> tuple[int, int] | None:
    if not sys.platform.startswith("linux"):
        return None
    return _CALLS.get(platform.machine().lower())


def _syscall() -> Callable[..., int] | None:
    with contextlib.suppress(OSError, AttributeError):
        call: Callable[..., int] = ctypes.CDLL(None, use_errno=True).syscall
        return call
    return None


def short_slice(slice_ns: int = SLICE_NS) -> bool:
    """Ask for ``slice_ns`` slices for the calling thread (and threads it starts later),
    keeping its nice value and normal policy. True if the kernel took it."""
    calls, syscall = _calls(), _syscall()
    if calls is None or syscall is None:
        return False
    attr = _SchedAttr(
        size=ctypes.sizeof(_SchedAttr),
        sched_policy=os.SCHED_OTHER,
        sched_nice=os.getpriority(os.PRIO_PROCESS, 0),
        sched_runtime=slice_ns,
    )
    if syscall(calls[0], 0, ctypes.byref(attr), 0) != 0:
        return False
    # Kernels before 6.12 accept the call and ignore the slice: check it took.
    return slice_of() == slice_ns


def slice_of() -> int | None:
    """The calling thread's slice in ns (0 on kernels without slices), None if unknown."""
    calls, syscall = _calls(), _syscall()
    if calls is None or syscall is None:
        return None
    attr = _SchedAttr()
    if syscall(calls[1], 0, ctypes.byref(attr), ctypes.sizeof(_SchedAttr), 0) != 0:
        return None
    return int(attr.sched_runtime)
