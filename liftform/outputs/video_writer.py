"""H.264 MP4 writing with PyAV: browser-playable, at the source's own frame times, written atomically.

libx264 ships in the FFmpeg bundled with PyAV's wheels; if a PyAV build lacks it, the next available H.264
encoder is used, then MPEG-4 Part 2 (plays in most desktop players, not in browsers). The choice is logged as a
warning and exposed as :attr:`H264Writer.codec_name`. Frames are encoded on a thread of the writer's own, so that
the caller decodes and draws the next frame meanwhile.
"""

from __future__ import annotations

import contextlib
import logging
import math
import queue
import threading
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from liftform.errors import OutputError
from liftform.outputs.atomic import atomic_path
from liftform.pyav import av
from liftform.video_tools import BT709, LIMITED_RANGE, SMPTE170M

if TYPE_CHECKING:
    from typing_extensions import Self

log = logging.getLogger(__name__)

# Encoders in order of preference: (codec name, options).
_ENCODERS = (
    # superfast: a fifth less CPU than veryfast for a file about twice as large (still ~1.5 Mbit/s at 720p)
    ("libx264", {"preset": "superfast", "tune": "film"}),
    ("libopenh264", {}),
    ("h264", {}),
    ("mpeg4", {"qscale": "3"}),
)
TIME_BASE = Fraction(1, 90000)  # pts unit: 1/90000 s, exact for common frame rates and fine for VFR
# Frames handed to the encoder thread and not yet encoded (a 720p frame is 1.4 MB in YUV): enough to ride out a
# slow frame on either side, few enough to keep the memory flat.
QUEUE_FRAMES = 4


def _has_encoder(name: str) -> bool:
    """FFmpeg can encode with ``name`` (some names are decoder-only)."""
    try:
        av.codec.Codec(name, "w")
    except (av.FFmpegError, ValueError):
        return False
    return True


def pick_encoder() -> tuple[str, dict[str, str]]:
    """(codec name, options) of the best video encoder in PyAV's FFmpeg. Raises OutputError if none."""
    available = av.codecs_available
    for name, options in _ENCODERS:
        if name in available and _has_encoder(name):
            return name, dict(options)
    raise OutputError("no H.264 or MPEG-4 encoder in PyAV's FFmpeg; reinstall PyAV from its wheels (pip install av)")


def even_size(width: int, height: int) -> tuple[int, int]:
    """The encoded size: width and height rounded up to even numbers (yuv420p needs even dimensions)."""
    return width + width % 2, height + height % 2


class H264Writer:
    """Context manager writing RGB frames to an H.264 MP4 at ``path``.

    The file appears under ``path`` only when the block exits without an exception (temporary file + rename);
    otherwise nothing is left behind. Odd frame sizes are padded by one pixel (edge copied) to even.

    `write` converts the frame (a copy: the caller may reuse its array at once) and hands it to an encoder thread:
    x264 releases the GIL, so encoding overlaps with whatever the caller does next (decoding and drawing the next
    frame: the annotated video's pass takes about the time of the larger of the two instead of their sum on two
    cores). The file is the same bit for bit (one thread encodes the frames in order). An error of the encoder
    thread is raised by the next `write` or at the end of the block.

    Args:
        path: output file (.mp4; .mov/.mkv also work).
        fps: nominal frame rate (rate control, and the fallback clock when no timestamps are given).
        width, height: size of the frames that will be written, pixels.
        crf: quality for libx264 (lower is better/larger; 23 is the x264 default).

    Example::

        with H264Writer(out, fps, w, h) as writer:
            for frame in frames:
                writer.write(frame.rgb, frame.timestamp_s)
    """

    def __init__(self, path: str | Path, fps: float, width: int, height: int, *, crf: int = 23,
                 fragmented: bool = False) -> None:
        if not (width > 0 and height > 0):
            raise ValueError(f"frame size must be positive, got {width}x{height}")
        self.path = Path(path)
        self.fps = float(fps) if fps and math.isfinite(fps) and fps > 0 else 30.0
        self.width, self.height = int(width), int(height)
        self.crf = crf
        # Fragmented (MP4/MOV): written as it goes, a keyframe every 2 s, so a file cut off by a crash or a power cut
        # plays up to its last fragment (a live recording's whole session had been lost: a "moov atom not found").
        self.fragmented = fragmented and self.path.suffix.lower() != ".mkv"      # Matroska streams as it is
        self.codec_name, self._options = pick_encoder()
        self.frames_written = 0
        self._t0: float | None = None
        self._last_pts = -1
        self._stack: contextlib.ExitStack | None = None
        self._container = None
        self._stream = None
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def __enter__(self) -> Self:
        if self.codec_name != "libx264":
            log.warning("libx264 is not in PyAV's FFmpeg; writing %s with %s instead", self.path, self.codec_name)
        stack = contextlib.ExitStack()
        tmp = stack.enter_context(atomic_path(self.path))
        try:
            layout = ({"movflags": "+frag_keyframe+empty_moov+default_base_moof", "flush_packets": "1"}
                      if self.fragmented else {"movflags": "+faststart"})       # each fragment on disk as it is made
            container = av.open(str(tmp), mode="w", container_options=layout)
            stack.callback(container.close)
            rate = Fraction(self.fps).limit_denominator(1001)
            stream = container.add_stream(self.codec_name, rate=rate)
            stream.width, stream.height = even_size(self.width, self.height)
            stream.pix_fmt = "yuv420p"
            stream.codec_context.time_base = TIME_BASE
            # Said in the file: the frames are converted with BT.601's matrix at limited range (`write`). Untagged,
            # players take an HD video for BT.709 and show its reds darker and its greens brighter.
            codec = stream.codec_context
            codec.colorspace, codec.color_range = SMPTE170M, LIMITED_RANGE
            codec.color_primaries, codec.color_trc = BT709, BT709    # the RGB's own: sRGB primaries, as decoded
            options = dict(self._options)
            if self.codec_name == "libx264":
                options["crf"] = str(self.crf)
            if self.fragmented:
                options["g"] = str(max(1, round(2 * self.fps)))
            stream.options = options
        except BaseException as exc:
            stack.__exit__(type(exc), exc, exc.__traceback__)
            if isinstance(exc, (OSError, av.FFmpegError)) and not isinstance(exc, OutputError):
                raise OutputError(f"cannot write video {self.path}: {exc}") from None
            raise
        self._stack, self._container, self._stream = stack, container, stream
        self._queue = queue.Queue(maxsize=QUEUE_FRAMES)
        self._thread = threading.Thread(target=self._encode_frames, name="liftform-encoder", daemon=True)
        self._thread.start()
        return self

    def _encode_frames(self) -> None:
        """The encoder thread: encode and mux the queued frames in order until None; after an error, keep taking
        frames (so that `write` never blocks on a full queue) without encoding them."""
        while (frame := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._mux(self._stream.encode(frame))
                except BaseException as exc:   # raised again in the caller's thread
                    self._error = exc

    def _stop_thread(self) -> None:
        """Wait for the frames queued to be encoded and end the encoder thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _pts(self, timestamp_s: float | None) -> int:
        """Strictly increasing pts in :data:`TIME_BASE` units, from the first frame's time (or index / fps)."""
        if timestamp_s is None or not math.isfinite(timestamp_s):
            seconds = self.frames_written / self.fps
        else:
            if self._t0 is None:
                self._t0 = float(timestamp_s)
            seconds = float(timestamp_s) - self._t0
        pts = max(round(seconds / TIME_BASE), self._last_pts + 1)
        self._last_pts = pts
        return pts

    def write(self, rgb: np.ndarray, timestamp_s: float | None = None, *, keyframe: bool = False) -> float:
        """Encode one frame: rgb (height, width, 3) uint8; timestamp_s its presentation time in seconds. Returns
        the frame's time in the file (s). ``keyframe``: the frame starts a new closed group of pictures (an IDR
        frame), so the file can be cut there without re-encoding (`copy_segment`).

        Times are taken relative to the first frame's, so the video starts at 0 and keeps the source's spacing
        (VFR included). Without timestamps, frames are spaced 1 / fps apart.
        """
        if self._stream is None:
            raise RuntimeError("H264Writer.write() outside its `with` block")
        self._raise_error()
        if rgb.shape != (self.height, self.width, 3) or rgb.dtype != np.uint8:
            raise ValueError(f"expected a ({self.height}, {self.width}, 3) uint8 frame, got {rgb.shape} {rgb.dtype}")
        if self.width % 2 or self.height % 2:
            rgb = np.pad(rgb, ((0, self.height % 2), (0, self.width % 2), (0, 0)), mode="edge")
        if self._stream.pix_fmt == "yuv420p":
            # OpenCV's conversion (BT.601, limited range, as FFmpeg's default) takes a fifth of the time
            # FFmpeg's swscale would inside encode(): 1 ms instead of 2.4 ms a 720p frame.
            yuv = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YUV_I420)
            frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        else:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        frame.pts = self._pts(timestamp_s)
        frame.time_base = TIME_BASE
        if keyframe:
            frame.pict_type = av.video.frame.PictureType.I   # libx264: an IDR frame (closed GOPs by default)
        self._queue.put(frame)      # from_ndarray copied the pixels: the encoder thread owns the frame
        self.frames_written += 1
        return float(frame.pts * TIME_BASE)

    def _mux(self, packets) -> None:
        try:
            self._container.mux(packets)
        except OSError as exc:
            raise OutputError(f"cannot write video {self.path}: {exc.strerror or exc}") from None

    def __exit__(self, exc_type, exc, tb) -> bool:
        stack, self._stack = self._stack, None
        if stack is None:
            return False
        try:
            self._stop_thread()
            if exc_type is None:
                self._raise_error()
                self._mux(self._stream.encode(None))   # flush the encoder's delayed frames
        except BaseException as err:
            stack.__exit__(type(err), err, err.__traceback__)
            raise
        finally:
            self._stream = None
        # Closes the container (writes the index), then renames the temp file, or removes it on an exception.
        stack.__exit__(exc_type, exc, tb)
        self._container = None
        return False


def copy_segment(source: str | Path, out_path: str | Path, start_s: float, stop_s: float | None) -> bool:
    """Copy the frames of ``source`` (an MP4 written by `H264Writer`) shown from ``start_s`` up to ``stop_s``
    (exclusive; None: the end) into ``out_path`` without re-encoding (atomic; times start at 0).

    The segment must start at a keyframe written with ``keyframe=True`` and ``stop_s`` must be one too (or the
    end): such a segment decodes on its own. Returns False, writing nothing, when no keyframe is at ``start_s``
    or ``stop_s`` (e.g. an encoder that ignored the request); the caller then encodes the segment itself.
    Raises OutputError when the file cannot be written.
    """
    tolerance_s = float(TIME_BASE)   # times are written in TIME_BASE units, rounded: a keyframe's is within one
    try:
        with av.open(str(source)) as container:
            stream = container.streams.video[0]
            # From the keyframe at (or before) the start, not from the file's first packet: a report's clips, one
            # per flagged rep, had each read the annotated video from its start (an hour's 1,180 clips: ~6 min).
            container.seek(max(0, round(start_s / stream.time_base)), stream=stream, backward=True)
            packets, started = [], False
            for packet in container.demux(stream):
                if packet.size == 0 or packet.pts is None:
                    continue
                time_s = float(packet.pts * packet.time_base)
                if packet.is_keyframe and not started and abs(time_s - start_s) <= tolerance_s:
                    started = True
                elif packet.is_keyframe and started and stop_s is not None and time_s >= stop_s - tolerance_s:
                    if abs(time_s - stop_s) > tolerance_s:
                        return False
                    break
                if started:
                    packets.append(packet)
            else:
                if stop_s is not None and started:
                    return False   # the keyframe that ends the segment was not found
            if not packets:
                return False
            origin = packets[0].pts
            with atomic_path(Path(out_path)) as tmp, av.open(str(tmp), mode="w",
                                                              container_options={"movflags": "+faststart"}) as out:
                copy = out.add_stream_from_template(stream)
                for packet in packets:
                    packet.pts -= origin
                    packet.dts = None if packet.dts is None else packet.dts - origin
                    packet.stream = copy
                    out.mux(packet)
    except OSError as exc:
        raise OutputError(f"cannot write video {out_path}: {exc.strerror or exc}") from None
    except av.FFmpegError:
        return False
    return True
