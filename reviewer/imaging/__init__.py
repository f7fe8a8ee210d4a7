"""Pixels from bytes with Pillow: decoding and scaling, and the decode worker processes.

Nothing here imports asyncio, Qt or the rest of the app (an import contract enforces it):
a decode worker loads only this and Pillow, and starts in a fraction of the app's time."""

from typing import Final

# The hidden command a frozen build's executable takes to be a decode worker.
WORKER_COMMAND: Final = "__decode-worker"
