"""Decoding in worker processes: the frames, the workers' lives, and what a worker gone
wrong can and cannot do to the app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from reviewer.imaging import WORKER_COMMAND
from reviewer.imaging.cache_file import (
    CacheEntryDamaged,
    CacheEntryMissing,
    read_entry,
    write_entry,
)
from reviewer.imaging.decode import (
    DecodedImage,
    ImageTooLargeError,
    UndecodableImageError,
    decode_image,
)
from reviewer.imaging.scheduling import SLICE_NS, short_slice
from reviewer.imaging.worker import (
    Decode,
    FrameError,
    Rescale,
    answer,
    job_of,
    parse_header,
    read_answer,
    request,
    split_lengths,
)
from reviewer.review.images import DiskCache, ProcessDecoder, ThreadDecoder, default_decoder
from reviewer.review.images._decoders import worker_command

from .conftest import FakeAurous, MakePipeline, png

pytestmark = pytest.mark.anyio

MAX = 64_000_000


def exchange(job: Decode | Rescale) -> DecodedImage:
    """The job through the frames both ways, as over the pipes, in this process."""
    head_raw, body = _frame_parts(request(job))
    out_head, out_body = _frame_parts(answer(parse_header(head_raw), body))
    return read_answer(job, parse_header(out_head), out_body)


def _frame_parts(parts: list[bytes]) -> tuple[bytes, bytes]:
    prefix, head, body = parts
    assert split_lengths(prefix, max_body=len(body)) == (len(head), len(body))
    return head, body


def test_a_decode_through_the_frames_is_the_decode_in_process() -> None:
    data = png(300, 200, seed=3)
    expected = decode_image(data, max_side=128, max_pixels=MAX)
    assert exchange(Decode(data, 128, MAX)) == expected
    full = decode_image(data, max_side=None, max_pixels=MAX)
    assert exchange(Decode(data, None, MAX)) == full
    smaller = exchange(Rescale(full, 50))
    assert (smaller.width, smaller.height, smaller.source_width) == (50, 33, 300)


def test_errors_come_back_as_the_errors_raised_in_process() -> None:
    with pytest.raises(ImageTooLargeError) as too_large:
        exchange(Decode(png(64, 48), 32, 1000))
    assert (too_large.value.width, too_large.value.height, too_large.value.max_pixels) == (
        64,
        48,
        1000,
    )
    with pytest.raises(UndecodableImageError, match="not a readable image"):
        exchange(Decode(b"<html>not an image</html>", 32, MAX))


def test_the_cache_is_read_and_written_where_the_bytes_are_decoded(tmp_path: Path) -> None:
    data = png(300, 200, seed=4)
    expected = decode_image(data, max_side=64, max_pixels=MAX)
    entry = tmp_path / "ab" / "abcdef"
    assert exchange(Decode(data, 64, MAX, store=str(entry))) == expected
    assert read_entry(entry) == data
    assert exchange(Decode(b"", 64, MAX, source=str(entry))) == expected


def test_an_entry_missing_or_damaged_comes_back_as_such(tmp_path: Path) -> None:
    with pytest.raises(CacheEntryMissing):
        exchange(Decode(b"", 64, MAX, source=str(tmp_path / "gone")))
    entry = tmp_path / "entry"
    write_entry(entry, png())
    entry.write_bytes(entry.read_bytes()[:-1])
    with pytest.raises(CacheEntryDamaged):
        exchange(Decode(b"", 64, MAX, source=str(entry)))


@pytest.mark.parametrize(
    "header",
    [
        {"op": "decode", "max_side": 8, "max_pixels": 64, "source": "/a", "store": "/b"},
        {"op": "decode", "max_side": 8, "max_pixels": 64, "source": 7},
        {"op": "decode", "max_side": 8, "max_pixels": 64, "store": ""},
        {"op": "decode", "max_side": 8, "max_pixels": 64, "store": "/a\0b"},
    ],
)
def test_a_request_the_protocol_does_not_allow_is_refused(header: dict[str, object]) -> None:
    with pytest.raises(FrameError):
        job_of(header, b"")


async def test_a_store_that_fails_costs_only_the_cache(
    decoders: Callable[..., ProcessDecoder], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("no folder can be made under a file")
    decoder = decoders(1)
    data = png(seed=6)
    with caplog.at_level(logging.WARNING):
        for n in range(2):
            job = Decode(data, 32, MAX, store=str(blocker / "ab" / f"abc{n}"))
            assert await decoder.run(job) == decode_image(data, max_side=32, max_pixels=MAX)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "cannot write the image cache" in warnings[0]


@pytest.mark.parametrize(
    ("header", "body"),
    [
        ({"ok": True, "width": 2, "height": 2, "source_width": 2, "source_height": 2}, b""),
        (
            {
                "ok": True,
                "width": 2,
                "height": 2,
                "source_width": 2,
                "source_height": 2,
                "format": "PNG",
            },
            b"\0" * 15,  # one byte short of 2×2 RGBA
        ),
        (
            {
                "ok": True,
                "width": 200,
                "height": 200,
                "source_width": 200,
                "source_height": 200,
                "format": "PNG",
            },
            b"\0" * 160_000,  # more pixels than asked for
        ),
        (
            {
                "ok": True,
                "width": True,
                "height": 1,
                "source_width": 1,
                "source_height": 1,
                "format": "PNG",
            },
            b"\0" * 4,
        ),
        ({"ok": False, "error": "shell", "message": "rm -rf"}, b""),
        ({"ok": False, "error": "too_large", "width": -1, "height": 1, "max_pixels": 1}, b""),
        ({"exploit": "__import__('os')"}, b""),
    ],
)
def test_an_answer_the_protocol_does_not_allow_is_refused(
    header: dict[str, object], body: bytes
) -> None:
    with pytest.raises(FrameError):
        read_answer(Decode(b"", 100, 10_000), header, body)


def test_frames_out_of_bounds_or_not_json_are_refused() -> None:
    with pytest.raises(FrameError):
        split_lengths((70_000).to_bytes(4, "big") + (0).to_bytes(4, "big"), max_body=10)
    with pytest.raises(FrameError):
        split_lengths((2).to_bytes(4, "big") + (11).to_bytes(4, "big"), max_body=10)
    for raw in (b"\xff\xfe", b"[1, 2]", b"{"):
        with pytest.raises(FrameError):
            parse_header(raw)


@pytest.fixture
async def decoders() -> AsyncIterator[Callable[..., ProcessDecoder]]:
    made: list[ProcessDecoder] = []

    def make(workers: int = 1, **kwargs: object) -> ProcessDecoder:
        decoder = ProcessDecoder(workers, **kwargs)  # type: ignore[arg-type]
        made.append(decoder)
        return decoder

    yield make
    for decoder in made:
        await decoder.aclose()
        assert decoder.processes == []


async def test_workers_decode_what_the_app_would_and_run_nicer(
    decoders: Callable[..., ProcessDecoder],
) -> None:
    decoder = decoders(2)
    data = [png(200, 150, seed=n) for n in range(6)]
    images = await asyncio.gather(*(decoder.run(Decode(d, 64, MAX)) for d in data))
    assert images == [decode_image(d, max_side=64, max_pixels=MAX) for d in data]
    assert not decoder.fallen_back
    if hasattr(os, "getpriority"):
        mine = os.getpriority(os.PRIO_PROCESS, 0)
        for process in decoder.processes:
            assert os.getpriority(os.PRIO_PROCESS, process.pid) == min(19, mine + 10)
    if decoder.idle_policy:  # Linux, where their waits for a core can be read
        for process in decoder.processes:
            assert os.sched_getscheduler(process.pid) == os.SCHED_IDLE


async def test_workers_sharing_one_free_core_are_not_starved(
    decoders: Callable[..., ProcessDecoder],
) -> None:
    # Each waits about as long as it runs: that is sharing, not another program's load.
    if not hasattr(os, "sched_setaffinity"):
        pytest.skip("needs Linux")
    decoder = decoders(2)
    if not decoder.idle_policy:
        pytest.skip("no schedstat here: workers stay on the normal policy")
    await asyncio.gather(*(decoder.run(Decode(png(seed=n), 16, MAX)) for n in (1, 2)))
    core = min(os.sched_getaffinity(0))
    for process in decoder.processes:
        os.sched_setaffinity(process.pid, {core})
    big = [png(4200, 4200, seed=n) for n in (3, 4)]
    images = await asyncio.gather(*(decoder.run(Decode(b, None, MAX)) for b in big))
    assert [i.width for i in images] == [4200, 4200]
    assert decoder.idle_policy


def _busy_loop() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


async def test_a_worker_starved_by_other_programs_hands_decoding_to_nicer_workers(
    decoders: Callable[..., ProcessDecoder], caplog: pytest.LogCaptureFixture
) -> None:
    """On the idle policy a worker runs only on a core nothing else wants: behind a
    program keeping its core busy (a render, a build) it hardly runs, and the image
    would wait for as long as that program runs."""
    if not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs Linux and two cores: one kept busy, one for the fresh worker")
    decoder = decoders(1)
    on_idle_policy = decoder.idle_policy
    if not on_idle_policy:
        pytest.skip("no schedstat here: workers stay on the normal policy")
    await decoder.run(Decode(png(seed=1), 16, MAX))  # started, and on the idle policy
    (starved,) = decoder.processes
    core = min(os.sched_getaffinity(0))
    hog = _busy_loop()
    try:
        os.sched_setaffinity(hog.pid, {core})
        os.sched_setaffinity(starved.pid, {core})
        big = png(1600, 1600, seed=2)
        with caplog.at_level(logging.WARNING):
            image = await asyncio.wait_for(decoder.run(Decode(big, 64, MAX)), 30)
    finally:
        hog.kill()
        hog.wait()
    assert image == decode_image(big, max_side=64, max_pixels=MAX)
    assert not decoder.idle_policy
    (fresh,) = decoder.processes
    assert fresh.pid != starved.pid
    assert os.sched_getscheduler(fresh.pid) == os.SCHED_OTHER
    assert os.getpriority(os.PRIO_PROCESS, fresh.pid) > os.getpriority(os.PRIO_PROCESS, 0)
    assert "waited" in caplog.text
    assert "niceness +10 from now on" in caplog.text
    assert decoder.replaced == 0  # no worker died: the job went again, not a retry


async def test_a_worker_killed_while_idle_or_on_a_job_is_replaced_and_the_job_retried(
    decoders: Callable[..., ProcessDecoder],
) -> None:
    decoder = decoders(1)
    data = png(seed=1)
    await decoder.run(Decode(data, 32, MAX))
    decoder.processes[0].kill()  # the out-of-memory killer, say
    decoder.processes[0].wait()
    assert (await decoder.run(Decode(data, 32, MAX))).width == 32
    assert decoder.replaced == 1
    assert len(decoder.processes) == 1


def _fake_worker(body: str) -> list[str]:
    """A worker that says it is ready, then does ``body`` for each request."""
    script = textwrap.dedent(
        """
        import json, os, struct, sys
        out = sys.stdout.buffer
        def send(header, body=b""):
            head = json.dumps(header).encode()
            out.write(struct.pack("!II", len(head), len(body)) + head + body)
            out.flush()
        send({"ready": 1})
        while True:
            prefix = sys.stdin.buffer.read(8)
            if len(prefix) < 8:
                sys.exit(0)
            head_len, body_len = struct.unpack("!II", prefix)
            sys.stdin.buffer.read(head_len + body_len)
        """
    )
    return [sys.executable, "-c", script + textwrap.indent(textwrap.dedent(body), " " * 4)]


async def test_a_worker_answering_nonsense_fails_the_job_and_is_stopped(
    decoders: Callable[..., ProcessDecoder],
) -> None:
    nonsense = {"ok": True, "width": 9999, "height": 9999, "format": "PNG"}
    decoder = decoders(1, command=_fake_worker(f"send({nonsense!r}, b'x' * 16)"))
    with pytest.raises(UndecodableImageError, match="does not allow"):
        await decoder.run(Decode(png(), 32, MAX))
    assert decoder.replaced == 2  # the job was tried once more, on a fresh worker


async def test_a_worker_never_sees_the_api_key(
    decoders: Callable[..., ProcessDecoder], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUROUS_API_KEY", "sk-live-secret")
    key = 'os.environ.get("AUROUS_API_KEY", "none")'
    says = f'send({{"ok": False, "error": "undecodable", "message": {key}}})'
    decoder = decoders(1, command=_fake_worker(says))
    with pytest.raises(UndecodableImageError, match=r"^none$"):
        await decoder.run(Decode(png(), 32, MAX))


async def test_bytes_a_worker_dies_on_twice_are_undecodable_and_the_app_goes_on(
    decoders: Callable[..., ProcessDecoder],
) -> None:
    decoder = decoders(1, command=_fake_worker("os.kill(os.getpid(), 11)"))
    with pytest.raises(UndecodableImageError, match="signal 11"):
        await decoder.run(Decode(png(), 32, MAX))
    assert not decoder.fallen_back
    assert len(decoder.processes) == 1  # a fresh one, ready for the next job


async def test_workers_that_cannot_start_fall_back_to_threads(
    decoders: Callable[..., ProcessDecoder], caplog: pytest.LogCaptureFixture
) -> None:
    decoder = decoders(2, command=[sys.executable, "-c", "raise SystemExit(3)"])
    data = png(seed=2)
    images = await asyncio.gather(*(decoder.run(Decode(data, 32, MAX)) for _ in range(3)))
    assert images == [decode_image(data, max_side=32, max_pixels=MAX)] * 3
    assert decoder.fallen_back
    assert "exit code 3" in caplog.text


async def test_a_cancelled_job_leaves_its_worker_free_for_the_next(
    decoders: Callable[..., ProcessDecoder],
) -> None:
    decoder = decoders(1)
    big = png(2048, 2048, seed=4)
    task = asyncio.ensure_future(decoder.run(Decode(big, None, MAX)))
    await asyncio.sleep(0)  # under way
    task.cancel()
    small = png(seed=5)
    assert await decoder.run(Decode(small, 16, MAX)) == decode_image(
        small, max_side=16, max_pixels=MAX
    )
    assert decoder.replaced == 0


async def test_the_pipeline_loads_through_worker_processes(
    fake: FakeAurous,
    make_pipeline: MakePipeline,
    decoders: Callable[..., ProcessDecoder],
    tmp_path: Path,
) -> None:
    c = fake.add("char_1", png(120, 90, seed=7))
    pipeline = make_pipeline(decoder=decoders(2), disk_cache=DiskCache(tmp_path))
    image = await pipeline.load(c, "front", max_side=64)
    assert image == decode_image(png(120, 90, seed=7), max_side=64, max_pixels=MAX)
    # The worker stored the bytes; a later run's worker reads them back from the disk.
    later = make_pipeline(decoder=decoders(1), disk_cache=DiskCache(tmp_path))
    again = await later.load(c, "front", max_side=(100, 40))  # at least that: (128, 64)
    assert again == decode_image(png(120, 90, seed=7), max_side=(128, 64), max_pixels=MAX)
    assert (again.width, again.height) == (85, 64)
    assert (later.stats.disk_hits, later.stats.downloads) == (1, 0)
    assert len(fake.storage_requests) == 1


def test_the_app_decodes_in_processes_where_it_can() -> None:
    decoder = default_decoder(1)
    try:
        expected = ProcessDecoder if os.name == "posix" else ThreadDecoder
        assert isinstance(decoder, expected)
    finally:
        asyncio.run(decoder.aclose())


def test_a_frozen_build_starts_its_own_executable_as_the_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert worker_command() == [sys.executable, "-m", "reviewer.imaging.worker"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert worker_command() == [sys.executable, WORKER_COMMAND]


async def test_the_reviewer_command_serves_as_a_worker(
    decoders: Callable[..., ProcessDecoder],
) -> None:
    # What a frozen build runs: the launcher with the hidden command.
    command = [sys.executable, "-c", "import sys; from reviewer.launch import main; "
               f"sys.exit(main([{WORKER_COMMAND!r}, *sys.argv[1:]]))"]  # fmt: skip
    decoder = decoders(1, command=command)
    data = png(seed=8)
    assert await decoder.run(Decode(data, 24, MAX)) == decode_image(
        data, max_side=24, max_pixels=MAX
    )
    assert not decoder.fallen_back


def _slice_of(pid: int) -> int | None:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/sched", encoding="ascii") as stats:
        for line in stats:
            if line.startswith("se.slice"):
                return int(line.split(":")[1])
    return None


def _kernel_takes_slices() -> bool:
    # Asked on a thread of its own: a slice is per thread, and this one ends here.
    took: list[bool] = []
    probe = threading.Thread(target=lambda: took.append(short_slice()))
    probe.start()
    probe.join()
    return took == [True]


async def test_workers_off_the_idle_policy_give_their_core_up_sooner(
    decoders: Callable[..., ProcessDecoder],
) -> None:
    # Where starving made them leave the idle policy (or it was never used).
    if not _kernel_takes_slices():
        pytest.skip("this kernel has no per-task slices (Linux 6.12 and later)")
    decoder = decoders(2, idle=False)
    # A worker asks once it has started (Pillow loaded): two jobs at once, one each, so
    # both have answered.
    await asyncio.gather(*(decoder.run(Decode(png(seed=n), 32, MAX)) for n in (3, 4)))
    slices = [_slice_of(process.pid) for process in decoder.processes]
    if None in slices:
        pytest.skip("/proc does not show the scheduler's slices here")
    assert slices == [SLICE_NS, SLICE_NS]
