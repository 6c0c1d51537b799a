"""Recording the annotated session to H.264 without slowing the live loop: frames go to an encoder thread through a
short bounded queue; when the encoder falls behind, frames are left out of the recording (counted), never queued
without bound. The file appears only when complete (`H264Writer` writes atomically); until then it is written, in
fragments, to a hidden file beside it (``.NAME.<8 hex>.tmp.mp4``), which plays up to its last fragment (2 s) if the
session is killed or the power fails.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path

import numpy as np

from liftform.errors import LiftformError, OutputError
from liftform.outputs.atomic import ensure_writable_dir
from liftform.outputs.video_writer import H264Writer

_STOP = object()
# Containers that hold H.264 and that FFmpeg tells from the file's extension (the muxer is chosen by it).
RECORD_SUFFIXES = (".mp4", ".mov", ".mkv", ".m4v")


def check_record_path(path: str | Path) -> Path:
    """Check, before a session starts, that the recording can be written at ``path`` when it ends: a file named
    .mp4 (.mov, .mkv, .m4v), not a folder nor a file already there (an earlier session's recording would be
    replaced at the end), in a folder that can be made and written. Raises OutputError (one line); a recording
    refused only at the end would cost the user the whole session's video."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"cannot record to {path}: it is a folder; name a video file, e.g. --record "
                          f"{path / 'session.mp4'}")
    if path.exists() or path.is_symlink():
        raise OutputError(f"cannot record to {path}: a file of that name is already there (an earlier "
                          f"recording?); name a new file, or move that one away first")
    if path.suffix.lower() not in RECORD_SUFFIXES:
        raise OutputError(f"cannot record to {path}: the recording is H.264 video, so its name must end in "
                          f"{', '.join(RECORD_SUFFIXES)} (e.g. --record {path.with_suffix('.mp4')})")
    ensure_writable_dir(path.parent, option="place to record to (--record)")
    return path


class Recorder:
    """Encode frames on a background thread.

    Args:
        path: the .mp4 to write. fps: nominal frame rate (frames carry their own timestamps).
        max_pending: frames waiting for the encoder before new ones are left out.
    """

    def __init__(self, path: str | Path, fps: float, max_pending: int = 8) -> None:
        self.path = Path(path)
        self.fps = fps
        self.frames_written = 0
        self.frames_skipped = 0
        self.error: BaseException | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=max_pending)
        self._thread: threading.Thread | None = None

    def write(self, rgb: np.ndarray, timestamp_s: float) -> None:
        """Queue one frame (H, W, 3) uint8 RGB; the recorder owns it from now on (do not draw on it again)."""
        if self.error is not None:
            return
        if self._thread is None:
            height, width = rgb.shape[:2]
            self._thread = threading.Thread(target=self._run, args=(width, height), name="liftform-recorder",
                                            daemon=True)
            self._thread.start()
        try:
            self._queue.put_nowait((rgb, timestamp_s))
        except queue.Full:
            self.frames_skipped += 1

    def _run(self, width: int, height: int) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with H264Writer(self.path, self.fps, width, height, fragmented=True) as writer:
                while (item := self._queue.get()) is not _STOP:
                    writer.write(*item)
                    self.frames_written += 1
        except BaseException as exc:  # noqa: BLE001 - reported by close()
            self.error = exc if isinstance(exc, LiftformError) else OutputError(f"cannot write {self.path}: {exc}")
            while self._queue.get() is not _STOP:   # keep draining so write() never blocks
                pass

    def close(self) -> Path | None:
        """Finish the file; returns its path (None if nothing was recorded). Raises the encoder's error, if any,
        as a LiftformError (OutputError for anything unexpected)."""
        if self._thread is None:
            return None
        self._queue.put(_STOP)
        self._thread.join()
        self._thread = None
        if self.error is not None:
            raise self.error
        return self.path if self.frames_written else None
