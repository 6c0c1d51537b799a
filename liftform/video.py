"""The video source: upright RGB frames with their real container timestamps, decoded by PyAV.

    with open_video("lift.mp4") as video:        # InputError (one line) if it cannot be a video
        for frame in video:                       # streams: one frame in memory at a time
            frame.index, frame.timestamp_s, frame.rgb   # rgb: (H, W, 3) uint8, already upright
        for frame in video.frames(step=2):        # every frame decoded, every 2nd converted (others: rgb None)
        video.warnings                            # e.g. "video ended early at frame 57: ..."

What real footage needs, and what this module does about it:
- phone clips store a rotation in the container (display matrix): frames are rotated so they come out upright, and
  `width`/`height` are the upright size;
- pixels that are not square (a camcorder's 1440x1080 shown at 1920x1080, an anamorphic DVD): frames are stretched
  to square pixels, the size they are shown at, so angles in them are the lifter's (`square_pixel_size_wh`); a
  frame of another size than the first (a stream that changes size part-way) is fitted into their picture, not
  stretched (`upright_rgb`);
- variable frame rate: timestamps come from each frame's pts x time_base (relative to the first frame), never from
  index / fps; they are made strictly increasing (a repeated pts is bumped by 1 ms, a missing one gets the nominal
  frame duration);
- a header whose frame rate is not the frames' (a browser's WebM recording states its millisecond clock, 1000
  frames/s): `fps` is read from the first packets' timestamps where the two differ by half or more, since the
  analysed frames, the annotated video and the report's clips all follow it;
- truncated or damaged files: the frames that decode are yielded, then iteration stops with a note in `warnings`;
- black letterbox/pillarbox bars: `detect_content_box`; very large frames: `downscale_for_pose`; a crop for the model:
  `resize_for_pose`.
"""

from __future__ import annotations

import math
from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from liftform import hdr, video_header
from liftform.errors import InputError
from liftform.pyav import av
from liftform.video_header import check_video_file  # noqa: F401  (part of this module's interface)
from liftform.video_tools import (  # noqa: F401  (part of this module's interface)
    detect_content_box,
    downscale_for_pose,
    i420_to_rgb,
    prefetch,
    prefetched,
    resize_for_pose,
    shrink_interpolation,
    shrunk_size_wh,
    upright_rgb,
)

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11

TIMESTAMP_BUMP_S = 0.001  # added to a timestamp that does not increase (repeated pts)
_REEXPORT = "re-export it as MP4 (H.264) and try again"
MIN_SPLIT_S = 3.0  # shorter videos are decoded in one piece
KEYFRAME_SLACK = 0.4  # a keyframe within this share of a piece's length from a cut becomes the cut
DECODE_THREADS = 2  # `_FrameReader`: fixed, not one per CPU


@dataclass(frozen=True)
class VideoFrame:
    """One decoded frame: `index` from 0 in decoder output order, `timestamp_s` seconds since the first frame,
    `rgb` (H, W, 3) uint8 upright; None only for the frames `VideoSource.frames(step)` decodes without converting
    (decoding every frame is needed to decode the next; turning it into RGB is not). `shot_start`: the video cuts
    to another shot here (set by `shots.mark_cuts`, never by the decoder)."""

    index: int
    timestamp_s: float
    rgb: np.ndarray | None
    shot_start: bool = False


@dataclass
class VideoSource:
    """A readable video file and what its container says about it. Iterate it for `VideoFrame`s.

    Attributes (set by `open_video`):
    - `fps`: average frame rate in frames/s as the container states it (a nominal figure under VFR), or as its
      timestamps show where the two differ by half or more (`video_header.fps_of`);
    - `n_frames`: frame count from the header, else duration x fps (an estimate; `frames_decoded` is the truth
      once iterated);
    - `width`, `height`: size in pixels of the frames as yielded, i.e. square pixels after rotation;
    - `rotation_deg`: 0, 90, 180 or 270, the clockwise rotation applied to the coded frames to make them upright
      (the convention of the legacy `rotate` tag: a portrait phone clip is usually 90);
    - `duration_s`: duration in seconds from the header (0.0 if unknown); `codec`: decoder name, e.g. "h264";
    - `capture_fps`: frames/s it was filmed at, where the file says so (a phone's slow motion), else None;
    - `warnings`: one-line notes on the file (played slower or faster than filmed, `video_header.speed_note`; other
      videos in it, `video_header.other_videos_note`) and gathered while reading (truncation, damaged packets).

    Each iteration re-opens the file and decodes from the start; `close()` (or leaving the `with` block) releases
    a container left open by an unfinished iteration.
    """

    path: Path
    fps: float
    n_frames: int
    width: int
    height: int
    rotation_deg: int
    duration_s: float
    codec: str
    capture_fps: float | None = None
    warnings: list[str] = field(default_factory=list)
    frames_decoded: int | None = None
    _header_frames: int = 0
    _stream_index: int = 0                  # the video's stream in the file (`video_header.video_stream_of`)
    _coded_wh: tuple[int, int] | None = None    # the first frame's coded size (before turning)
    _shown_wh: tuple[int, int] | None = None    # ... and the size it is shown at, in square pixels
    _sdr_levels: np.ndarray | None = field(default=None, repr=False)   # an HDR video's levels as SDR's (`hdr`)
    _file_notes: tuple[str, ...] = ()       # the notes on the file itself, which every reading starts from
    _late_start_s: float = 0.0              # the stream's start before its first frame (`video_header.late_start_s`)
    _origin_s: float | None = None          # container time of the first frame (None: it has no pts)
    _tail: tuple | None = field(default=None, repr=False)   # the last segment's reader and its last time
    _skipped_before: int = field(default=0, repr=False)     # damaged packets skipped in the segments before it
    _container: av.container.InputContainer | None = field(default=None, repr=False)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None

    def __iter__(self) -> Iterator[VideoFrame]:
        return self.frames()

    @property
    def _picture(self) -> tuple:
        """How a coded frame becomes the picture shown (`upright_rgb`'s arguments after the frame)."""
        return self.rotation_deg, self._coded_wh, self._shown_wh, self._sdr_levels

    def frames(self, step: int = 1, *, max_side_px: int | None = None,
               only: Container[int] | None = None) -> Iterator[VideoFrame]:
        """Every frame in order; only every ``step``-th (index 0, step, 2 step, ...), and with ``only`` only those
        of its indices, is converted to RGB, the others come with ``rgb`` None (their index and timestamp are still
        right: a frame is decoded either way). ``max_side_px``: RGB shrunk to `shrunk_size_wh` as it is converted,
        by OpenCV (the annotated video's frames; the pose stage's keep FFmpeg's conversion)."""
        self.close()
        self.warnings[:] = self._file_notes
        container = _open_container(self.path)
        self._container = container
        reader = _FrameReader(container, self._video_stream(container))
        clock = _Clock(nominal_dt_s=1.0 / self.fps)
        index = 0
        try:
            for raw in reader:
                wanted = index % step == 0 and (only is None or index in only)
                rgb = upright_rgb(raw, *self._picture, max_side_px) if wanted else None
                yield VideoFrame(index=index, timestamp_s=clock.timestamp_s(raw), rgb=rgb)
                index += 1
        finally:
            self.frames_decoded = index
            if container is self._container:
                self.close()
        if index == 0:
            raise InputError(f"no frame of {self.path} could be decoded; {_REEXPORT}")
        self._note_damage(reader, index, clock.last_s)

    def _video_stream(self, container: av.container.InputContainer) -> av.video.stream.VideoStream:
        return container.streams.get(self._stream_index)[0]

    def split_points_s(self, parts: int) -> list[float]:
        """Container times (s) that cut the video into ``parts`` pieces of similar length, for decoding them
        independently (`segment`): a keyframe near each cut where there is one (nothing is decoded twice), else
        the cut itself (its piece is decoded from the keyframe before it). Empty when the video is too short or
        cannot be cut (no timestamps, damaged index): decode it whole then. The cuts depend only on the file."""
        if parts < 2 or self.duration_s < MIN_SPLIT_S or self._origin_s is None:
            return []
        try:
            container = _open_container(self.path)
        except InputError:
            return []
        try:
            stream = self._video_stream(container)
            keys = [float(p.pts * stream.time_base) for p in container.demux(stream)
                    if p.is_keyframe and p.pts is not None]
        except (av.FFmpegError, OSError, ValueError):
            return []
        finally:
            container.close()
        cuts = []
        for k in range(1, parts):
            target = self._origin_s + self.duration_s * k / parts
            near = [t for t in keys if abs(t - target) <= KEYFRAME_SLACK * self.duration_s / parts]
            cuts.append(min(near, key=lambda t: abs(t - target)) if near else target)
        return cuts

    def time_since_start_s(self, container_s: float) -> float:
        """A container time (as `split_points_s` gives) as a frame timestamp: seconds since the first frame."""
        return container_s - (self._origin_s or 0.0)

    def segment(self, start_s: float | None, stop_s: float | None, step: int = 1) -> Iterator[VideoFrame]:
        """The frames with container time in [start_s, stop_s) (None: from the first / to the last), decoded from
        the keyframe at ``start_s`` (a cut from `split_points_s`). Indices count from 0 within the segment;
        timestamps are from the video's first frame, as when iterating the whole video; every ``step``-th frame of
        the segment is converted to RGB (`frames`). Damage notes of the segment are added to `warnings`
        (truncation only for the last segment)."""
        container = _open_container(self.path)
        try:
            stream = self._video_stream(container)
            if start_s is not None:
                container.seek(int(start_s / stream.time_base), stream=stream, backward=True, any_frame=False)
            reader = _FrameReader(container, stream, count_from_s=start_s)
            clock = _Clock(nominal_dt_s=1.0 / self.fps, origin_s=self._origin_s)
            index = 0
            for raw in reader:
                pts_s = None if raw.pts is None or raw.time_base is None else float(raw.pts * raw.time_base)
                if start_s is not None and (pts_s is None or pts_s < start_s - 1e-6):
                    continue            # frames before the cut belong to the previous segment
                if stop_s is not None and pts_s is not None and pts_s >= stop_s - 1e-6:
                    break
                rgb = upright_rgb(raw, *self._picture) if index % step == 0 else None
                yield VideoFrame(index=index, timestamp_s=clock.timestamp_s(raw), rgb=rgb)
                index += 1
        finally:
            container.close()
        if stop_s is None:
            self._tail = (reader, clock.last_s)     # judged by `end_segments` once the total is known
        else:
            self._skipped_before += reader.bad_packets
            if reader.bad_packets:
                self.warnings.append(self._skipped_note(reader))

    def end_segments(self, n_decoded: int) -> None:
        """After decoding the video as segments: ``n_decoded`` frames in all; note truncation as `__iter__` does."""
        self.frames_decoded = n_decoded
        if self._tail is not None:
            reader, last_s = self._tail
            self._tail = None
            self._note_damage(reader, n_decoded + self._skipped_before, last_s)
        self._skipped_before = 0

    def _note_damage(self, reader: _FrameReader, n_decoded: int, last_s: float) -> None:
        """Add a warning if the stream stopped early (error, or well short of what the header promised). Packets
        skipped as damaged count towards the header's frames: a file damaged in the middle but whole to its end
        had been called truncated ("video ended early at frame 267 (header says 274 frames)")."""
        header = self._header_frames
        end_s = last_s + 1.0 / self.fps + self._late_start_s     # the duration counts from the stream's start
        short_of_duration = self.duration_s > 0 and end_s < self.duration_s - max(0.25, 0.05 * self.duration_s)
        # Short of the header's frames only where the duration agrees: a clip cut without re-encoding (an edit list,
        # `ffmpeg -ss 3 -c copy`) counts the frames before its start too (274 counted, 184 shown), and had been
        # called truncated. The duration alone only where the header counts no frames: every frame of an animated
        # GIF with frames of different lengths decoded, yet its end read short of its duration.
        short_of_header = (header > 0 and n_decoded + reader.bad_packets < header - max(2.0, 0.02 * header)
                           and (self.duration_s <= 0 or short_of_duration))
        if reader.stopped_by_error or short_of_header or (header <= 0 and short_of_duration):
            expected = f"{header} frames" if header > 0 else f"{self.duration_s:.2f} s"
            self.warnings.append(f"video ended early at frame {n_decoded} (header says {expected}): "
                                 "file may be truncated")
        elif reader.bad_packets:  # damage inside the file (at its end, truncation explains it)
            self.warnings.append(self._skipped_note(reader))

    def _skipped_note(self, reader: _FrameReader) -> str:
        """The note for damaged packets skipped: how many, and where in the video (seconds since its first frame)."""
        note = f"{reader.bad_packets} damaged packet(s) could not be decoded and were skipped"
        if not reader.bad_times_s:
            return note
        first, last = (self.time_since_start_s(t) for t in (min(reader.bad_times_s), max(reader.bad_times_s)))
        where = f"at {first:.1f} s" if round(first, 1) == round(last, 1) else f"between {first:.1f} and {last:.1f} s"
        return f"{note} ({where}: the frames there are missing or damaged)"


def open_video(path: str | Path) -> VideoSource:
    """Open a video file, check that at least one frame decodes, and read its metadata.

    Raises InputError (one line, saying what to do) for a missing path, a directory, an empty or unreadable file,
    a file that is not a video, a file with no video stream, and one with no decodable frame.
    """
    path = Path(path)
    check_video_file(path)
    container = _open_container(path)
    try:
        stream = video_header.video_stream_of(container)
        if stream is None:
            raise InputError(f"{path} has no video stream (audio only?); pass a video file")
        reader = _FrameReader(container, stream)
        first = next(iter(reader), None)
        if first is None and not reader.packets:
            raise InputError(f"{path} has no video frame (its video stream is empty: audio only?); pass a video file")
        if first is None:
            raise InputError(f"no frame of {path} could be decoded (damaged or truncated file); {_REEXPORT}")
        rotation_deg = video_header.rotation_deg_of(first, stream)
        header_frames = max(int(stream.frames or 0), 0)
        fps = video_header.fps_of(stream, video_header.packet_rate(container, stream))
        duration_s = video_header.duration_s_of(container, stream)
        n_frames = header_frames or round(duration_s * fps)
        coded_wh = (first.width, first.height)
        shown_wh = video_header.square_pixel_size_wh(stream, *coded_wh) or coded_wh
        width, height = shown_wh[::-1] if rotation_deg in (90, 270) else shown_wh
        codec, stream_index = stream.codec_context.name, stream.index
        sdr_levels = hdr.sdr_levels(stream.codec_context.color_trc)     # known once a frame is decoded
        origin_s = None if first.pts is None or first.time_base is None else float(first.pts * first.time_base)
        capture_fps, late_s = video_header.capture_fps_of(container, stream), video_header.late_start_s(stream, first)
        notes = video_header.file_notes(container, capture_fps, fps, width, height, late_s)
    finally:
        container.close()
    return VideoSource(path=path, fps=fps, n_frames=n_frames, width=width, height=height, rotation_deg=rotation_deg,
                       duration_s=duration_s, codec=codec, capture_fps=capture_fps, warnings=list(notes),
                       _header_frames=header_frames, _stream_index=stream_index, _file_notes=notes,
                       _late_start_s=late_s, _origin_s=origin_s, _coded_wh=coded_wh, _shown_wh=shown_wh,
                       _sdr_levels=sdr_levels)


# --- opening -------------------------------------------------------------------------------------------------------

# FFmpeg's demuxer that shows a text file as a video of its characters (ANSI art): a README given as a video had
# played in live for 22 s ("NOT ENOUGH DATA", exit 0), and analyze found "no person" in 558 frames of it
TEXT_AS_VIDEO_FORMATS = ("tty",)


def _open_container(path: Path) -> av.container.InputContainer:
    try:
        container = av.open(str(path), mode="r")
    except PermissionError:
        raise InputError(f"cannot read {path}: permission denied; check the file's permissions") from None
    except (av.FFmpegError, OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError(f"{path} is not a readable video ({reason}); it may be damaged, truncated or not a "
                         f"video at all: {_REEXPORT}") from None
    if container.format.name in TEXT_AS_VIDEO_FORMATS:
        container.close()
        raise InputError(f"{path} is a text file, not a video: give the video of the lift (MP4, MOV, ...)")
    return container


class _FrameReader:
    """Decoded `av.VideoFrame`s of one stream, surviving damage: a packet that fails to decode is skipped and
    counted; a demuxing error ends the stream (truncated file) and sets `stopped_by_error`."""

    def __init__(self, container: av.container.InputContainer, stream: av.video.stream.VideoStream,
                 count_from_s: float | None = None):
        self.container, self.stream = container, stream
        self.count_from_s = count_from_s    # damage before this container time is another segment's: not counted
        stream.thread_type = "AUTO"
        # A fixed number of decoding threads, not one per CPU: frame threading drops the last frames before a
        # damaged end, as many as it has threads, so a truncated file gave `analyze` (2 CPUs) 160 frames and a
        # `score` worker (pinned to one CPU) 162, and different reps. Whole files decode the same either way.
        stream.codec_context.thread_count = DECODE_THREADS
        self.packets = self.bad_packets = 0     # demuxed (none at all: the stream is empty, not damaged), damaged
        self.bad_times_s: list[float] = []      # container times of the damaged packets that had one
        self.stopped_by_error = False

    def _packets(self) -> Iterator[av.Packet | None]:
        """The stream's packets; after a demuxing error, None (which drains the decoder) and stop."""
        packets = self.container.demux(self.stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except (av.FFmpegError, OSError):
                self.stopped_by_error = True
                yield None
                return
            self.packets += bool(packet.size)     # the demuxer ends with an empty packet
            yield packet

    def __iter__(self) -> Iterator[av.VideoFrame]:
        for packet in self._packets():
            try:
                frames = self.stream.decode(packet)
            except (av.FFmpegError, OSError):
                at_s = None if packet is None or packet.pts is None else float(packet.pts * packet.time_base)
                if self.count_from_s is None or at_s is None or at_s >= self.count_from_s - 1e-6:
                    self.bad_packets += 1
                    self.bad_times_s += [] if at_s is None else [at_s]
                continue
            yield from frames


# --- frames --------------------------------------------------------------------------------------------------------

class _Clock:
    """Turns each frame's pts into seconds since the first frame, strictly increasing."""

    def __init__(self, nominal_dt_s: float, origin_s: float | None = None):
        self.nominal_dt_s = nominal_dt_s
        self.origin_s: float | None = origin_s
        self.last_s = -math.inf

    def timestamp_s(self, frame: av.VideoFrame) -> float:
        if frame.pts is None or frame.time_base is None:
            t = 0.0 if self.last_s == -math.inf else self.last_s + self.nominal_dt_s
        else:
            raw = float(frame.pts * frame.time_base)
            if self.origin_s is None:  # the first frame with a pts sets the origin (frames before it: no pts)
                self.origin_s = raw - (0.0 if self.last_s == -math.inf else self.last_s + self.nominal_dt_s)
            t = raw - self.origin_s
        if t <= self.last_s:
            t = self.last_s + TIMESTAMP_BUMP_S
        self.last_s = t
        return t
