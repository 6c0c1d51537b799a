"""Helpers around decoded frames that need no decoder: the picture inside black padding bars, and reading ahead in
a thread. Re-exported by `liftform.video`."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator

import numpy as np

CONTENT_MIN_FRACTION = 0.02  # a row/column of a content box has more than this share of non-black pixels


def detect_content_box(frames_rgb: list[np.ndarray], threshold: int = 16) -> tuple[int, int, int, int]:
    """Find the region inside black padding bars (letterbox or pillarbox) of same-sized RGB frames.

    Returns `(x0, y0, x1, y1)` in pixels, end exclusive; the full frame `(0, 0, W, H)` when there are no bars (or
    when every frame is black). A pixel counts as content when any channel exceeds `threshold` in any of the frames;
    a row or column counts as content when more than 2% of its pixels do (so compression noise and stray pixels in
    a bar do not count). Use several frames spread over the clip: one dark frame can look like bars.
    """
    if not frames_rgb:
        raise ValueError("detect_content_box needs at least one frame")
    peak = np.zeros(frames_rgb[0].shape[:2], dtype=np.uint8)
    for rgb in frames_rgb:
        np.maximum(peak, rgb.max(axis=2), out=peak)
    bright = peak > threshold
    height, width = bright.shape
    rows = np.flatnonzero(bright.mean(axis=1) > CONTENT_MIN_FRACTION)
    cols = np.flatnonzero(bright.mean(axis=0) > CONTENT_MIN_FRACTION)
    if rows.size == 0 or cols.size == 0:
        return 0, 0, width, height
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


_END = object()


def prefetch(items: Iterable, depth: int = 4) -> Iterator:
    """Iterate ``items`` (e.g. a `VideoSource`) in a background thread, at most ``depth`` items ahead, so decoding
    overlaps the pose model (PyAV and MediaPipe both release the GIL). Order is kept; an exception raised while
    reading is re-raised here; leaving the loop early stops the thread. Memory stays bounded by ``depth`` frames."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_END)
        except BaseException as exc:  # handed to the consumer, who re-raises it
            put(exc)

    thread = threading.Thread(target=read, name="liftform-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)
