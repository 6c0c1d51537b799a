"""What a video file says about itself, checked against its frames: rotation, frame rate, duration, and the rate it
was filmed at where that is not the rate it plays at (slow motion, time-lapse); and whether the path is a video file
to open at all (`check_video_file`).

Read once when a video is opened (`video.open_video`); each function takes the open PyAV container or stream.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np

from liftform.errors import InputError
from liftform.pyav import av

FALLBACK_FPS = 30.0  # used only when the file states no frame rate at all
RATE_PACKETS = 120  # packets whose timestamps give the frames' own rate (4 s at 30 fps)
RATE_AGREES = 1.5  # the header's rate stands unless it is this many times the frames' own, or under 1 / this
# Where a phone writes the rate it filmed at (Android's MediaRecorder: a slow-motion clip filmed at 240 frames/s and
# played at 30 says 240); FFmpeg reads it among the container's tags.
CAPTURE_RATE_KEYS = ("com.android.capture.fps",)
# A web address given as a video (a link copied from a site); a path made of one has lost a slash ("https:/...").
WEB_ADDRESS = re.compile(r"^(https?|rtsps?|rtmps?|ftp):/+(?=[^/])", re.IGNORECASE)
LATE_START_S = 0.5  # a first frame decoded this long after the stream starts: its start could not be decoded
TS_PACKET_SIZES = (188, 192, 204)  # MPEG-TS packets: plain, with a timecode (AVCHD, .m2ts), with error codes
# Pixel shapes (width / height) taken as the file states them; one outside is a damaged header's, taken as square.
# Real ones lie well inside (an NTSC DV's 10/11, HDV's 1440x1080 shown at 1920x1080: 4/3, 1280x1080 at 1920: 3/2).
PIXEL_ASPECT_RANGE = (0.25, 4.0)


def video_stream_of(container: av.container.InputContainer) -> av.video.stream.VideoStream | None:
    """The stream holding the video: the first video stream that is not an attached picture (the cover picture or
    thumbnail a tagger or phone stores as a one-frame video stream, which FFmpeg lists first where the file's tags
    come before its tracks: a tagged lift had been refused as "only 1 frame(s)"). None: no such stream."""
    return next(iter(moving_video_streams(container)), None)


def moving_video_streams(container: av.container.InputContainer) -> list[av.video.stream.VideoStream]:
    return [stream for stream in container.streams.video
            if not stream.disposition & av.stream.Disposition.attached_pic]


def file_notes(container: av.container.InputContainer, capture_fps: float | None, fps: float, width: int,
               height: int, late_start_s: float) -> tuple[str, ...]:
    """The notes on the file itself, for every reading of it: played slower or faster than filmed (`speed_note`),
    other videos in it (`other_videos_note`), cut off part-way through a packet (`cut_packet_note`), its start not
    decodable (`late_start_s`)."""
    late = (f"the video's first {late_start_s:.1f} s could not be decoded (the file starts part-way through its "
            "video, as a piece cut from a longer recording can): a lift there is not seen, and times count from "
            "the first frame decoded") if late_start_s >= LATE_START_S else None
    notes = (speed_note(capture_fps, fps), other_videos_note(container, width, height), cut_packet_note(container),
             late)
    return tuple(note for note in notes if note)


def late_start_s(stream: av.video.stream.VideoStream, first: av.VideoFrame) -> float:
    """Seconds from the stream's first packet to its first decoded frame: a file cut from the middle of a recording
    (a transport stream's tail) starts without a keyframe, and nothing before the next one decodes (5.5 s of a
    rendered lift's 6.3; it had been called "ended early"). 0 where either time is unknown."""
    if stream.start_time is None or first.pts is None or first.time_base is None:
        return 0.0
    return max(0.0, float(first.pts * first.time_base) - float(stream.start_time * stream.time_base))


def cut_packet_note(container: av.container.InputContainer) -> str | None:
    """A note where an MPEG transport stream (a recorder's .ts, a camcorder's .mts) holds part of one of its
    fixed-size packets: it was cut off (at its end; or at its start, which `late_start_s` notes too). Such a file
    states no length (its duration is read from the packets it has), so a recording cut in half had been judged
    on its first half without a word."""
    if container.format.name != "mpegts":
        return None
    size = Path(container.name).stat().st_size
    if all(size % packet for packet in TS_PACKET_SIZES):
        return "the file ends (or starts) part-way through a packet: it may be truncated, and a lift may go on past it"
    return None


def other_videos_note(container: av.container.InputContainer, width: int, height: int) -> str | None:
    """A note where the file holds more than one video (a camera's second view or low-resolution copy): only the
    first is read, and the lifter may be in another."""
    count = len(moving_video_streams(container))
    if count < 2:
        return None
    return (f"the file holds {count} video streams: only the first ({width}x{height}) was read; if the lift is in "
            "another, export that one alone")


def rotation_deg_of(frame: av.VideoFrame, stream: av.video.stream.VideoStream) -> int:
    """Clockwise rotation (0/90/180/270) that makes the coded frames upright.

    FFmpeg turns the display matrix (or a legacy `rotate` tag) into frame side data; `frame.rotation` is the
    counter-clockwise angle of that matrix. Older files may only carry the `rotate` stream tag (clockwise).
    """
    ccw = frame.rotation
    if ccw:
        clockwise = -float(ccw)
    else:
        try:
            clockwise = float(stream.metadata.get("rotate", 0))
        except ValueError:
            clockwise = 0.0
    return round(clockwise / 90.0) % 4 * 90


def square_pixel_size_wh(stream: av.video.stream.VideoStream, width: int, height: int) -> tuple[int, int] | None:
    """The coded ``width`` x ``height`` frame's size in square pixels, where the file says its pixels are not square
    (its sample aspect ratio: a camcorder's 1440x1080 shown at 1920x1080, a DVD's 720x480 at 16:9): widened where
    the pixels are wide, made taller where they are narrow, so no detail is lost; each side even. None where the
    pixels are square or the ratio is unknown. Angles read in stored pixels are wrong on such a video: squeezed to
    3/4 of its width, a rendered rounded lift read 51° of rounding against 40° (the trunk's lean too)."""
    ratio = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
    low, high = PIXEL_ASPECT_RANGE
    if not ratio or not low <= ratio <= high or abs(float(ratio) - 1.0) < 0.01:
        return None
    wide, tall = (width * float(ratio), height) if ratio > 1 else (width, height / float(ratio))
    return max(2, 2 * round(wide / 2)), max(2, 2 * round(tall / 2))


def fps_of(stream: av.video.stream.VideoStream, frames_fps: float | None = None) -> float:
    """Frames/s: the header's, unless ``frames_fps`` (the timestamps' rate, `packet_rate`) is known and differs
    from it by a factor of `RATE_AGREES` or more (then ``frames_fps``); `FALLBACK_FPS` where neither is known.
    Frames without timestamps (a raw .h264 or .hevc stream) are timed by FFmpeg's guess, which reads the codec's
    own timing: the average rate is then its demuxer's default, 25, and a 30 fps camera's reps were timed 1.2x late
    (6.7 s read 8.0 s)."""
    header_first = (stream.average_rate, stream.guessed_rate, stream.base_rate)
    for rate in header_first if frames_fps is not None else (stream.guessed_rate, *header_first):
        if rate and float(rate) > 0 and math.isfinite(float(rate)):
            header = float(rate)
            if frames_fps is None or 1 / RATE_AGREES < header / frames_fps < RATE_AGREES:
                return header
            return frames_fps
    return frames_fps or FALLBACK_FPS


def packet_rate(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> float | None:
    """Frames/s the stream's timestamps show: 1 / the median step between the distinct pts of its next
    `RATE_PACKETS` packets (demuxed, not decoded; decode order sorted). None with fewer than 5 steps (a still, a
    damaged or timestamp-less file): the header is all there is."""
    pts = []
    try:
        for packet in container.demux(stream):
            if packet.pts is not None and packet.size:
                pts.append(packet.pts)
                if len(pts) >= RATE_PACKETS:
                    break
    except (av.FFmpegError, OSError, ValueError):
        pass                                    # damage: what was read so far
    steps_s = np.diff(np.unique(pts)) * float(stream.time_base or 0)
    if len(steps_s) < 5 or not np.median(steps_s) > 0:
        return None
    return float(1.0 / np.median(steps_s))


def duration_s_of(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> float:
    """Video stream duration in seconds; the container's if the stream states none and it has no other stream."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration and len(container.streams) == 1:
        return container.duration / av.time_base
    return 0.0


def capture_fps_of(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> float | None:
    """Frames/s the camera filmed at, where the file or ``stream`` says (`CAPTURE_RATE_KEYS`); else None."""
    tags = [container.metadata, stream.metadata]
    for metadata in tags:
        for key in CAPTURE_RATE_KEYS:
            try:
                rate = float(metadata.get(key, ""))
            except ValueError:
                continue
            if math.isfinite(rate) and rate > 0:
                return rate
    return None


def speed_note(capture_fps: float | None, fps: float) -> str | None:
    """A note where the video plays slower (slow motion) or faster (time-lapse) than it was filmed, by a factor of
    `RATE_AGREES` or more: its times are the video's, not the lift's, and the reps are read from the motion as it
    plays (a rendered rounded lift as Android's 8x slow motion: each lift-off was found late, and the first rep's
    rounding read 32 deg against 41 in real time). None where the two agree or the filming rate is not known."""
    if not capture_fps or not fps > 0:
        return None
    slower = capture_fps / fps
    played = f"filmed at {capture_fps:.4g} frames/s and played at {fps:.4g}"
    if slower >= RATE_AGREES:
        return (f"slow motion ({played}: {slower:.2g}x slower than the lift): times and durations are the video's, "
                f"{slower:.2g}x the real ones, and a lift may be found to start late (rounding early in it missed): "
                "film at normal speed")
    if slower <= 1 / RATE_AGREES:
        return (f"time-lapse ({played}: {1 / slower:.2g}x faster than the lift): times and durations are the "
                "video's, not the real ones, and a quick bend may be missed: film at normal speed")
    return None


def check_video_file(path: Path) -> None:
    """InputError (one line, how to fix it) unless ``path`` is a non-empty regular file."""
    if not path.exists() and path.is_symlink():     # said as "not found", a link in a folder of videos puzzled
        raise InputError(f"video not found: {path} is a link to {os.readlink(path)}, which leads nowhere (moved, on a "
                         "drive not mounted, or a loop of links); fix or remove the link")
    if not path.exists() and (scheme := WEB_ADDRESS.match(str(path))):
        address = WEB_ADDRESS.sub(f"{scheme[1]}://", str(path), count=1)
        raise InputError(f"{address} is a web address, not a file: liftform reads video files; download the video "
                         "and pass the file")
    if not path.exists():
        raise InputError(f"video not found: {path}; check the path")
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a video; pass the video files inside it")
    if not path.is_file():
        raise InputError(f"{path} is not a regular file; pass a video file")
    if path.stat().st_size == 0:
        raise InputError(f"{path} is empty (0 bytes); copy or export the video again")
