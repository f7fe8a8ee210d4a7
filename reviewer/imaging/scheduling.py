"""How a decode worker keeps out of the GUI thread's way: Linux's idle scheduling policy,
and a short scheduler slice (Linux 6.12 and later) where the policy is not used.

The idle policy (``SCHED_IDLE``) runs a task only on a core no normal task wants: a GUI
thread that wakes takes the core from it at once, and a core it holds is free to the GUI
thread at every tick. Measured with the kernel's scheduler trace, nice 10 and a short
slice still left the GUI thread runnable behind a worker for a whole tick (4 ms) in most
of its longest stalls. The price: behind other programs that keep every core busy, such
a task hardly runs at all; the app watches for that (``waits_of``) and goes back to nice.

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

__all__ = ["SLICE_NS", "idle_policy", "short_slice", "slice_of", "waits_of"]

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
    keeping its nice value and policy. True if the kernel took it."""
    calls, syscall = _calls(), _syscall()
    if calls is None or syscall is None:
        return False
    attr = _SchedAttr(
        size=ctypes.sizeof(_SchedAttr),
        sched_policy=os.sched_getscheduler(0),
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


def idle_policy() -> bool:
    """Put the calling process (its threads started later too) on the idle policy.
    True if the system took it; elsewhere than Linux, or when refused, False."""
    if not sys.platform.startswith("linux") or not hasattr(os, "SCHED_IDLE"):
        return False
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except OSError:
        return False
    return os.sched_getscheduler(0) == os.SCHED_IDLE


def waits_of(pid: int) -> tuple[float, float] | None:
    """Seconds process ``pid``'s main thread has run, and has waited runnable for a core
    (Linux's schedstat), or None where that is not known."""
    try:
        with open(f"/proc/{pid}/schedstat", "rb") as stats:
            ran, waited = stats.read().split()[:2]
        return int(ran) / 1e9, int(waited) / 1e9
    except (OSError, ValueError):
        return None
