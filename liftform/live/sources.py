"""Frame sources for the live view: a webcam, or a video file played *as* a camera. Both hand out the newest frame.

A camera does not wait for its reader: a frame not taken before the next one arrives is gone. `LatestFrame` is that
one-frame mailbox (never a queue that can grow), and both sources publish into it from a capture thread:

    with CameraSource(0) as source:           # CameraError (one line) if the camera is missing or busy
        frame = source.read(timeout_s=0.1)    # newest frame, or None if none arrived in time
        source.ended, source.frames_dropped

`FileCameraSource(path)` plays a file at its own frame rate against the wall clock (paced by its timestamps),
dropping frames exactly like a camera when the reader falls behind; ``paced=False`` hands out every frame in order
instead (deterministic, for tests and rescoring).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from liftform.errors import InputError


class CameraError(InputError):
    """The camera cannot be opened, is busy, or stopped sending frames."""


@dataclass(frozen=True)
class CapturedFrame:
    """One frame from a live source.

    index: frame number at the source (camera: frames read since start; file: decode index), int.
    timestamp_s: presentation time, seconds (camera: since the source started; file: the container's time).
    rgb: (H, W, 3) uint8 RGB, C-contiguous and writable; the reader owns it (the overlay is drawn on it in place).
    captured_at_s: ``time.perf_counter()`` when the frame was captured (camera) or due to be shown (file).
    """

    index: int
    timestamp_s: float
    rgb: np.ndarray
    captured_at_s: float


class LatestFrame:
    """A thread-safe one-frame mailbox. ``put`` replaces a frame nobody took (counted in ``dropped``); ``get`` waits
    for a frame newer than the last one taken, or a ``wake`` (from any thread: something else the reader waits for
    is done). ``close(error)`` ends the stream; ``get`` then raises ``error`` once (if given) and returns None."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: CapturedFrame | None = None
        self._closed = False
        self._woken = False
        self._error: BaseException | None = None
        self.dropped = 0
        self.published = 0

    def put(self, frame: CapturedFrame) -> None:
        with self._cond:
            if self._frame is not None:
                self.dropped += 1
            self._frame = frame
            self.published += 1
            self._cond.notify_all()

    def wake(self) -> None:
        """End the wait of a `get` now waiting, or of the next one (which then returns the waiting frame or None)."""
        with self._cond:
            self._woken = True
            self._cond.notify_all()

    def count_drop(self) -> None:
        """Count a frame that was skipped before it reached the mailbox."""
        with self._cond:
            self.dropped += 1

    def close(self, error: BaseException | None = None) -> None:
        with self._cond:
            self._closed = True
            self._error = self._error or error
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        """No frame will come any more (a frame still waiting can be taken)."""
        return self._closed and self._frame is None

    def wait_ready(self, timeout_s: float) -> bool:
        """Wait until a frame is waiting or the stream is closed; True if so."""
        with self._cond:
            return self._cond.wait_for(lambda: self._frame is not None or self._closed, timeout_s)

    def get(self, timeout_s: float | None = None) -> CapturedFrame | None:
        """The newest frame not yet taken, waiting up to ``timeout_s``; None on timeout, on a `wake` or when
        closed."""
        with self._cond:
            self._cond.wait_for(lambda: self._frame is not None or self._closed or self._woken, timeout_s)
            frame, self._frame, self._woken = self._frame, None, False
            if frame is None and self._error is not None:
                error, self._error = self._error, None
                raise error
            return frame


class FrameSource:
    """Base of the live sources: a capture thread publishing into a `LatestFrame`. Use as a context manager."""

    description = "source"          # e.g. "camera 0" or the file path (for messages and result.json)
    warnings: tuple[str, ...] = ()  # what the source noticed about its input (a file's damage; none for a camera)
    paced = True                    # frames come in real time (one not taken before the next is dropped)

    def __init__(self) -> None:
        self._mailbox = LatestFrame()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.fps = 30.0                  # nominal frame rate, frames/s
        self.frame_size_wh: tuple[int, int] = (0, 0)

    def __enter__(self) -> FrameSource:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"liftform-{type(self).__name__}", daemon=True)
        self._thread.start()

    def _run(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def read(self, timeout_s: float = 0.1) -> CapturedFrame | None:
        """The newest frame (None if none arrived within ``timeout_s``, on a `wake`, or when the stream has ended:
        see ``ended``). Raises CameraError once if the device failed mid-stream."""
        return self._mailbox.get(timeout_s)

    def wake(self) -> None:
        """End a `read` waiting now (or the next one) early: callable from any thread."""
        self._mailbox.wake()

    @property
    def ended(self) -> bool:
        return self._mailbox.closed

    @property
    def frames_dropped(self) -> int:
        """Frames the reader never saw: replaced in the mailbox, or (file) already late when decoded."""
        return self._mailbox.dropped

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        self._mailbox.close()


class CameraSource(FrameSource):
    """A webcam through OpenCV (V4L2 on Linux, AVFoundation on macOS, Media Foundation on Windows).

    Args:
        index: camera number (0 = the default webcam).
        size_wh: resolution to ask the driver for, pixels (the driver may pick another).
        open_timeout_s: how long to wait for the first frame before calling the camera busy.
        lost_after_s: no frame for this long after frames were flowing ends the stream with a CameraError.
    """

    def __init__(self, index: int = 0, size_wh: tuple[int, int] = (640, 480), open_timeout_s: float = 5.0,
                 lost_after_s: float = 2.0) -> None:
        super().__init__()
        self.index = int(index)
        self.description = f"camera {self.index}"
        self._size_wh = size_wh
        self._open_timeout_s = open_timeout_s
        self._lost_after_s = lost_after_s
        self._capture: cv2.VideoCapture | None = None
        self._t0 = 0.0

    def start(self) -> None:
        level = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)   # OpenCV logs failed opens to stderr
        try:
            capture = cv2.VideoCapture(self.index)
        finally:
            cv2.utils.logging.setLogLevel(level)
        if not capture.isOpened():
            capture.release()
            raise CameraError(f"no camera {self.index} found: plug a webcam in, pick another with --camera N, or play "
                              "a video file with --source FILE")
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self._size_wh[0])
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self._size_wh[1])
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)                            # keep the driver's queue short too
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if 1.0 <= fps <= 240.0 else 30.0
        self._capture = capture
        self._t0 = time.perf_counter()
        super().start()
        if not self._mailbox.wait_ready(self._open_timeout_s) or self._mailbox.closed:
            self.close()
            raise CameraError(f"camera {self.index} sends no frames: it may be busy in another application (close "
                              "video calls and browsers using it) or pick another with --camera N")

    def _run(self) -> None:
        capture, index, last_ok = self._capture, 0, time.perf_counter()
        while not self._stop.is_set():
            ok, bgr = capture.read()
            now = time.perf_counter()
            if not ok or bgr is None:
                if index and now - last_ok > self._lost_after_s:
                    self._mailbox.close(CameraError(f"camera {self.index} stopped sending frames (unplugged?)"))
                    return
                self._stop.wait(0.01)
                continue
            if index == 0:
                self.frame_size_wh = (bgr.shape[1], bgr.shape[0])
            self._mailbox.put(CapturedFrame(index, now - self._t0, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), now))
            index, last_ok = index + 1, now
        self._mailbox.close()

    def close(self) -> None:
        super().close()
        # Release only once the thread has left read(): releasing under a blocked read can crash the driver.
        if self._capture is not None and (self._thread is None or not self._thread.is_alive()):
            self._capture.release()
            self._capture = None


class FileCameraSource(FrameSource):
    """A video file played as a camera.

    Args:
        path: the video file (any format `liftform.video.open_video` reads).
        paced: True: frames are published at their own timestamps against the wall clock, and a frame the reader
            has not taken when the next one is due is dropped, as a camera would. The file starts playing when the
            reader first asks for a frame (while the model loads a camera's frames are lost, not a file's start).
            False: every frame, in order, as fast as the reader takes them (no thread).
        repeat: play the file this many times in a row (timestamps keep increasing), e.g. for a benchmark.
    """

    def __init__(self, path: str | Path, paced: bool = True, repeat: int = 1) -> None:
        from liftform.video import open_video

        super().__init__()
        self.path = Path(path)
        self.description = str(self.path.absolute())   # result.json's source path: found again from anywhere
        self.paced = paced
        self.repeat = max(1, int(repeat))
        self._video = open_video(self.path)          # InputError (one line) for a missing or unreadable file
        self.fps = float(self._video.fps) or 30.0
        self.frame_size_wh = (self._video.width, self._video.height)
        self._frames: Iterator[CapturedFrame] | None = None
        self._ended = False
        self._go = threading.Event()

    def _decoded(self) -> Iterator[CapturedFrame]:
        """Every frame of every repeat with continuous indices and timestamps (captured_at_s set on publishing)."""
        frame_s = 1.0 / self.fps
        offset_s, offset_index = 0.0, 0
        for _ in range(self.repeat):
            last = None
            for frame in self._video:
                rgb = frame.rgb if frame.rgb.flags.writeable and frame.rgb.flags.c_contiguous else \
                    np.array(frame.rgb, order="C")
                last = frame
                yield CapturedFrame(offset_index + frame.index, offset_s + frame.timestamp_s, rgb, 0.0)
            if last is None:
                return
            offset_s += last.timestamp_s + frame_s
            offset_index += last.index + 1

    @property
    def warnings(self) -> tuple[str, ...]:
        """What the decoder noticed about the file so far (damage, an early end), as `analyze` says it."""
        return tuple(self._video.warnings)

    def start(self) -> None:
        self._frames = self._decoded()
        if self.paced:
            super().start()

    def _run(self) -> None:
        frame_s, t0_wall, first_s = 1.0 / self.fps, 0.0, None
        try:
            for frame in self._frames:
                if first_s is None:          # the clock starts when the reader first asks for a frame
                    while not self._go.wait(0.05):
                        if self._stop.is_set():
                            return
                    t0_wall, first_s = time.perf_counter(), frame.timestamp_s
                if self._stop.is_set():
                    break
                due = t0_wall + (frame.timestamp_s - first_s)
                now = time.perf_counter()
                if now < due:
                    if self._stop.wait(due - now):
                        break
                elif now > due + frame_s:                  # decoding fell behind: a camera would have moved on
                    self._mailbox.count_drop()
                    continue
                self._mailbox.put(CapturedFrame(frame.index, frame.timestamp_s, frame.rgb, due))
        except InputError as exc:
            self._mailbox.close(exc)
        finally:
            self._mailbox.close()

    def read(self, timeout_s: float = 0.1) -> CapturedFrame | None:
        if self.paced:
            self._go.set()
            return super().read(timeout_s)
        if self._frames is None:
            self.start()
        frame = next(self._frames, None)
        if frame is None:
            self._ended = True
            return None
        return CapturedFrame(frame.index, frame.timestamp_s, frame.rgb, time.perf_counter())

    @property
    def ended(self) -> bool:
        return self._ended if not self.paced else super().ended

    def close(self) -> None:
        super().close()
        self._video.close()
