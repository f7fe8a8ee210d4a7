"""Reference images for review: download, disk and memory caches, decoding off the event
loop, prefetch, and renewal of expired storage URLs. No Qt here: the UI turns the pixels
of a ``DecodedImage`` (already in Qt's own layout) into a pixmap on the GUI thread."""

from reviewer.imaging.decode import DecodedImage

from ._decoders import Decoder, ProcessDecoder, ThreadDecoder, default_decoder
from ._disk_cache import DiskCache
from ._errors import ImageLoadError
from ._keys import image_key, size_bucket
from ._pipeline import ImagePipeline, PipelineStats
from ._priority import Priority
from ._sources import DownloadFn, ProgressFn, RefreshFn, client_downloader

__all__ = [
    "DecodedImage",
    "Decoder",
    "DiskCache",
    "DownloadFn",
    "ImageLoadError",
    "ImagePipeline",
    "PipelineStats",
    "Priority",
    "ProcessDecoder",
    "ProgressFn",
    "RefreshFn",
    "ThreadDecoder",
    "client_downloader",
    "default_decoder",
    "image_key",
    "size_bucket",
]
