"""Where decodes run: worker processes (the app's choice) or threads (the fallback).

Both run at most ``workers`` jobs at once and are used from the event loop's thread;
``run`` is cancellable (the job in hand finishes, its result is dropped).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Final, Protocol

from reviewer.imaging import WORKER_COMMAND
from reviewer.imaging.decode import DecodedImage, UndecodableImageError
from reviewer.imaging.scheduling import waits_of
from reviewer.imaging.worker import (
    FRAME,
    FrameError,
    Job,
    parse_header,
    perform,
    read_answer,
    request,
    split_lengths,
    store_error,
)
from reviewer.review.credentials import ENV_VAR as API_KEY_VARIABLE

__all__ = [
    "DECODE_NICENESS",
    "Decoder",
    "ProcessDecoder",
    "StoreFailures",
    "ThreadDecoder",
    "default_decoder",
    "worker_command",
]

log = logging.getLogger(__name__)

# How much nicer than the GUI thread decoding runs: a core they share goes to the window
# first, so a burst of decodes no longer stretches a paint.
DECODE_NICENESS: Final = 10
_STOP_TIMEOUT: Final = 5.0
# Pipes this large (Linux) carry a display-size image in a few writes instead of dozens.
_PIPE_SIZE: Final = 1 << 20
_F_SETPIPE_SZ: Final = 1031
# The pipe reader's buffer: above it the stream pauses reading; a full-size image fits.
_READ_LIMIT: Final = 64 << 20
# A worker on the idle policy that waits this long for a core within one job, and several
# times as long as it ran, is starved by other programs keeping every core busy (a render,
# a build): from then on decoding runs at nice +10 instead, and the job goes again on such
# a worker. (Two workers sharing one free core wait about as long as they run.)
STARVED_AFTER: Final = 0.5
_STARVED_RATIO: Final = 4.0
# How often a job in flight on the idle policy is looked at for that.
_STARVATION_CHECK: Final = 0.25


class Decoder(Protocol):
    workers: int  # jobs at once

    async def run(self, job: Job) -> DecodedImage: ...

    async def aclose(self) -> None: ...


def _yield_to_the_gui() -> None:
    """Lower the calling decode thread's CPU priority; Linux only, where niceness is
    per thread (elsewhere ``setpriority`` would renice the whole app, so nothing)."""
    if sys.platform.startswith("linux"):
        thread = threading.get_native_id()
        try:
            # A thread starts at its creator's niceness; raising one's own needs no privilege.
            niceness = os.getpriority(os.PRIO_PROCESS, thread) + DECODE_NICENESS
            os.setpriority(os.PRIO_PROCESS, thread, min(19, niceness))
        except OSError as exc:
            log.debug("decode threads keep their priority: %s", exc)


def default_decoder(workers: int = 2) -> Decoder:
    """Worker processes where their pipes work on the event loop (POSIX: asyncio's pipe
    transports); threads elsewhere (Windows' proactor loop cannot read these pipes)."""
    if os.name == "posix":
        return ProcessDecoder(workers)
    return ThreadDecoder(workers)


class ThreadDecoder:
    """Decodes on threads of this process (Pillow lets go of the GIL while it works)."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self._executor = ThreadPoolExecutor(
            workers, thread_name_prefix="image-decode", initializer=_yield_to_the_gui
        )
        self._store_failures = StoreFailures()

    async def run(self, job: Job) -> DecodedImage:
        image, failed = await asyncio.get_running_loop().run_in_executor(
            self._executor, perform, job
        )
        self._store_failures.report(failed)
        return image

    async def aclose(self) -> None:
        # A running decode cannot be interrupted (max_pixels bounds it): wait on another
        # thread so the loop stays responsive, and give up after a bound.
        def shutdown() -> None:
            self._executor.shutdown(wait=True, cancel_futures=True)

        try:
            await asyncio.wait_for(asyncio.shield(asyncio.to_thread(shutdown)), _STOP_TIMEOUT)
        except TimeoutError:
            log.warning("image decoding did not stop within %.0f s", _STOP_TIMEOUT)


class StoreFailures:
    """Stores into the image cache that failed: said once (a folder that cannot be
    written fails every store), then only in the debug log."""

    def __init__(self) -> None:
        self.said = False

    def report(self, reason: str | None) -> None:
        if reason is not None:
            level = logging.DEBUG if self.said else logging.WARNING
            self.said = True
            log.log(level, "cannot write the image cache (%s); images are not cached", reason)


def worker_command() -> list[str]:
    """How to start a decode worker: this executable with the hidden command when frozen
    (PyInstaller), else this Python on the worker module."""
    if getattr(sys, "frozen", False):
        return [sys.executable, WORKER_COMMAND]
    return [sys.executable, "-m", "reviewer.imaging.worker"]


class _WorkerGone(Exception):
    """The worker process ended (or answered nonsense and was stopped)."""


class _Starved(Exception):
    """A worker on the idle policy waited ``waited`` seconds for a core within one job."""

    def __init__(self, waited: float) -> None:
        super().__init__(f"waited {waited:.1f} s for a core")
        self.waited = waited


class _Worker:
    """One worker process and the streams over its pipes (connected on first use).
    ``idle``: it runs on the idle policy, so a job of its is watched for starving."""

    def __init__(
        self, command: Sequence[str], store_failures: StoreFailures, *, idle: bool = False
    ) -> None:
        self.idle = idle
        self.store_failures = store_failures
        # Started now: it loads Pillow while the app goes on starting.
        # It reads hostile bytes: it gets no API key, should they subvert it.
        env = {k: v for k, v in os.environ.items() if k != API_KEY_VARIABLE}
        self.process = subprocess.Popen(
            list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0, env=env
        )
        self.ready = False  # it said so: it started, whatever happens to it later
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        if sys.platform.startswith("linux"):
            for pipe in (self.process.stdin, self.process.stdout):
                assert pipe is not None
                with contextlib.suppress(OSError):  # a lower system cap: the default then
                    import fcntl

                    fcntl.fcntl(pipe.fileno(), _F_SETPIPE_SZ, _PIPE_SIZE)

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.ready and self._reader is not None and self._writer is not None:
            return self._reader, self._writer
        loop = asyncio.get_running_loop()
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None
        assert stdout is not None
        reader = asyncio.StreamReader(limit=_READ_LIMIT)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdout)
        self._reader = reader
        transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, stdin)
        writer = asyncio.StreamWriter(transport, protocol, None, loop)
        self._writer = writer
        header, _ = await self._read(reader, max_body=0)
        if header.get("ready") is None:
            raise FrameError(f"the worker did not say it is ready: {str(header)[:200]}")
        self.ready = True
        return reader, writer

    async def call(self, job: Job) -> DecodedImage:
        try:
            reader, writer = await self._connect()
            header, body = await self._watched(self._exchange(reader, writer, job))
        except (OSError, asyncio.IncompleteReadError, FrameError) as exc:
            if not isinstance(exc, FrameError):
                # Its end of the pipe closed: it is exiting; its exit code says why.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    await asyncio.to_thread(self.process.wait, 1.0)
            self.stop()
            raise _WorkerGone(self._why(exc)) from exc
        try:
            image = read_answer(job, header, body)
        except FrameError as exc:
            self.stop()
            raise _WorkerGone(self._why(exc)) from exc
        self.store_failures.report(store_error(header))
        return image

    @classmethod
    async def _exchange(
        cls, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, job: Job
    ) -> tuple[dict[str, object], bytes]:
        for part in request(job):
            writer.write(part)
        await writer.drain()
        return await cls._read(reader, max_body=job.most_pixels() * 4)

    async def _watched(
        self, exchange: Coroutine[object, object, tuple[dict[str, object], bytes]]
    ) -> tuple[dict[str, object], bytes]:
        """The exchange's answer; ``_Starved`` if the worker is on the idle policy and
        waits too long for a core meanwhile (the exchange is then dropped: the caller
        stops this worker)."""
        start = waits_of(self.process.pid) if self.idle else None
        if start is None:
            return await exchange
        task = asyncio.ensure_future(exchange)
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=_STARVATION_CHECK)
                if done:
                    return task.result()
                now = waits_of(self.process.pid)
                if now is None:
                    continue
                ran, waited = now[0] - start[0], now[1] - start[1]
                if waited > STARVED_AFTER and waited > _STARVED_RATIO * ran:
                    raise _Starved(waited)
        finally:
            task.cancel()

    @staticmethod
    async def _read(reader: asyncio.StreamReader, max_body: int) -> tuple[dict[str, object], bytes]:
        head_len, body_len = split_lengths(await reader.readexactly(FRAME.size), max_body)
        header = parse_header(await reader.readexactly(head_len))
        return header, await reader.readexactly(body_len)

    def _why(self, exc: BaseException) -> str:
        if isinstance(exc, FrameError):
            return f"answered what the protocol does not allow ({exc})"
        code = self.process.poll()
        if code is None:
            return f"stopped answering ({type(exc).__name__})"
        return f"ended with signal {-code}" if code < 0 else f"ended with exit code {code}"

    def stop(self) -> None:
        """Discard it: close our ends of its pipes and kill it (it may be mid-nonsense).
        Its decoder reaps it later (``_replace``, ``aclose``), never waiting on the loop."""
        self._close_pipes()
        with contextlib.suppress(OSError):
            self.process.kill()

    def _close_pipes(self) -> None:
        if self._writer is not None:
            self._writer.close()
        elif self.process.stdin is not None:
            self.process.stdin.close()
        if self._reader is None and self.process.stdout is not None:
            self.process.stdout.close()  # never connected; else the transport owns it

    async def aclose(self) -> None:
        """End of input: it finishes the job in hand, if any, and exits."""
        self._close_pipes()
        try:
            await asyncio.to_thread(self.process.wait, _STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            log.warning("a decode worker did not stop within %.0f s; killed", _STOP_TIMEOUT)
            self.process.kill()
            await asyncio.to_thread(self.process.wait)


class ProcessDecoder:
    """Decodes in ``workers`` processes of their own (see ``reviewer.imaging.worker``),
    started at once, at ``niceness`` and, where Linux shows whether they starve, on the
    idle policy (``reviewer.imaging.scheduling``). A worker that dies (a decoder crash
    on hostile bytes) fails that job as undecodable and is replaced; a worker on the idle
    policy that starves behind other programs moves decoding to plain ``niceness`` for
    good; if workers cannot start at all, decoding falls back to threads and says so in
    the log."""

    def __init__(
        self,
        workers: int,
        *,
        command: Sequence[str] | None = None,
        niceness: int = DECODE_NICENESS,
        idle: bool = True,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self._command = [*(command or worker_command()), "--nice", str(niceness)]
        self._niceness = niceness
        self._store_failures = StoreFailures()
        # Only where a starving worker can be seen (Linux's schedstat): elsewhere a busy
        # machine could leave the images waiting with nobody knowing why.
        self.idle_policy = (
            idle and sys.platform.startswith("linux") and waits_of(os.getpid()) is not None
        )
        # None: no worker will come any more (fallen back to threads).
        self._idle: asyncio.Queue[_Worker | None] = asyncio.Queue()
        self._all: list[_Worker] = []
        self._dead: list[_Worker] = []  # stopped, to be reaped
        self._fallback: ThreadDecoder | None = None
        self._closed = False
        self.replaced = 0  # workers that died and were started again
        try:
            for _ in range(workers):
                self._idle.put_nowait(self._start())
        except OSError as exc:
            self._fall_back(f"decode workers could not start ({exc})")

    @property
    def processes(self) -> list[subprocess.Popen[bytes]]:
        return [w.process for w in self._all if w.process.poll() is None]

    @property
    def fallen_back(self) -> bool:
        return self._fallback is not None

    def _start(self) -> _Worker:
        idle = self.idle_policy
        command = [*self._command, *(["--idle"] if idle else [])]
        worker = _Worker(command, self._store_failures, idle=idle)
        self._all.append(worker)
        return worker

    def _fall_back(self, why: str) -> ThreadDecoder:
        if self._fallback is None:
            log.error("%s: decoding on threads instead", why)
            self._fallback = ThreadDecoder(self.workers)
            self._idle.put_nowait(None)  # wakes whoever waits for a worker
        return self._fallback

    async def run(self, job: Job) -> DecodedImage:
        if self._fallback is not None:
            return await self._fallback.run(job)
        worker = await self._idle.get()
        if worker is None:
            self._idle.put_nowait(None)  # for the next one waiting
            return await self._run_fallback(job)
        task = asyncio.ensure_future(self._on(worker, job))
        # Cancelled meanwhile: the worker finishes the job in hand, then is free again.
        return await asyncio.shield(task)

    async def _on(self, worker: _Worker, job: Job) -> DecodedImage:
        # A worker that dies on a job is tried once more on a fresh one: a kill from
        # outside (the out-of-memory killer, a user) is not the bytes' fault; a second
        # death on the same bytes is. A starved one is no death: the job goes again.
        deaths = 0
        try:
            while True:
                if worker.ready and worker.process.poll() is not None:
                    worker = self._replace(worker, "ended while idle")  # not this job's doing
                elif worker.idle and not self.idle_policy:
                    fresh = self._swap(worker)  # decoding left the idle policy meanwhile
                    if fresh is None:
                        return await self._run_fallback(job)
                    worker = fresh
                try:
                    return await worker.call(job)
                except _Starved as exc:
                    self._leave_idle_policy(exc.waited)
                except _WorkerGone as exc:
                    if not worker.ready:
                        # It never started: workers cannot run here at all.
                        self._retire(worker)
                        return await self._fall_back(f"a decode worker {exc}").run(job)
                    worker = self._replace(worker, str(exc))
                    deaths += 1
                    if deaths == 2 or self._fallback is not None:
                        raise UndecodableImageError(
                            f"the image decoder {exc} on these bytes"
                        ) from exc
        finally:
            if not self._closed and worker in self._all and worker.process.poll() is None:
                self._idle.put_nowait(worker)

    def _leave_idle_policy(self, waited: float) -> None:
        if self.idle_policy:
            self.idle_policy = False
            log.warning(
                "image decoding waited %.1f s for a core behind other programs; decoding "
                "runs at niceness +%d from now on instead of on idle cores only",
                waited,
                self._niceness,
            )

    def _retire(self, worker: _Worker) -> None:
        if worker in self._all:
            self._all.remove(worker)
            self._dead.append(worker)

    async def _run_fallback(self, job: Job) -> DecodedImage:
        assert self._fallback is not None
        return await self._fallback.run(job)

    def _replace(self, dead: _Worker, why: str) -> _Worker:
        log.warning("a decode worker %s; starting another", why)
        self._retire(dead)
        self.replaced += 1
        self._dead = [w for w in self._dead if w.process.poll() is None]  # reaps the rest
        try:
            return self._start()
        except OSError as exc:
            self._fall_back(f"a decode worker could not start again ({exc})")
            return dead

    def _swap(self, old: _Worker) -> _Worker | None:
        """A worker at the current policy in place of ``old`` (stopped); None if none
        could start (decoding has fallen back to threads then)."""
        self._retire(old)
        old.stop()
        try:
            return self._start()
        except OSError as exc:
            self._fall_back(f"a decode worker could not start ({exc})")
            return None

    async def aclose(self) -> None:
        self._closed = True
        await asyncio.gather(*(w.aclose() for w in [*self._all, *self._dead]))
        if self._fallback is not None:
            await self._fallback.aclose()
