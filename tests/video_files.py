"""Test videos and frames made on the spot: frames (H, W, 3) uint8 RGB, H.264 MP4s of them or cut from the samples."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path

import av
import numpy as np


def write_h264(path: Path, frames: Iterable[np.ndarray], fps: int = 30) -> None:
    """Encode ``frames`` (each (H, W, 3) uint8 RGB; a generator keeps a long clip out of memory) as an H.264 MP4 at
    ``fps``."""
    frames = iter(frames)
    first = next(frames)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.height, stream.width = first.shape[:2]
        stream.pix_fmt = "yuv420p"
        for rgb in itertools.chain([first], frames):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        out.mux(stream.encode())


def first_seconds(src: Path, dst: Path, seconds: float, level_gain: float = 1.0,
                  size_wh: tuple[int, int] = (640, 480)) -> Path:
    """The first ``seconds`` of ``src`` as H.264 at ``size_wh``, frames copied as they are (or their levels times
    ``level_gain``)."""
    width, height = size_wh
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for frame in inp.decode(video=0):
            if frame.time >= seconds:
                break
            if level_gain != 1.0:
                rgb = (frame.to_ndarray(format="rgb24") * level_gain).astype(np.uint8)
                frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            out.mux(stream.encode(frame.reformat(width, height, format="yuv420p")))
        out.mux(stream.encode())
    return dst


def lit_lifter_frame(track, row: int, level: int) -> np.ndarray:
    """A black frame of ``track``'s size with the box of row ``row``'s landmarks lit at grey ``level``: a lifter as
    bright as ``level`` in a dark room."""
    from liftform.follow import person_box

    width, height = track.frame_size_wh
    rgb = np.zeros((height, width, 3), np.uint8)
    x0, y0, x1, y1 = (int(v) for v in person_box(track.image_xy[row]))
    rgb[y0:y1, x0:x1] = level
    return rgb


def with_cover_art_first(path: Path, frames: Iterable[np.ndarray] = (), fps: int = 30) -> Path:
    """An MP4 at ``path`` of ``frames`` (none: a sound only) and a cover picture, whose tags come before its tracks
    as some taggers write them: FFmpeg then lists the cover (a one-frame "attached picture") as video stream 0."""
    import struct

    import cv2

    frames = list(frames)
    with av.open(str(path), "w") as out:
        cover = out.add_stream("png", rate=1)
        cover.width, cover.height, cover.pix_fmt = 40, 30, "rgb24"
        cover.disposition = av.stream.Disposition.attached_pic
        if frames:
            video = out.add_stream("libx264", rate=fps)
            video.height, video.width = frames[0].shape[:2]
            video.pix_fmt = "yuv420p"
            packets = [*(p for rgb in frames for p in video.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24"))),
                       *video.encode()]
        else:
            sound = out.add_stream("aac", rate=8000)
            samples = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            samples.sample_rate, samples.pts = 8000, 0
            packets = [*sound.encode(samples), *sound.encode()]
        picture = av.Packet(cv2.imencode(".png", np.full((30, 40, 3), 200, np.uint8))[1].tobytes())
        picture.stream, picture.pts, picture.dts = cover, 0, 0
        out.mux([picture, *packets])

    def boxes(data: bytes, start: int, end: int):
        while start < end:
            size, kind = struct.unpack(">I4s", data[start:start + 8])
            yield kind, data[start:start + size]
            start += size

    data = path.read_bytes()   # moov follows mdat, so moving its boxes moves no chunk offset
    moov_at = data.index(b"moov") - 4
    moov_size = struct.unpack(">I", data[moov_at:moov_at + 4])[0]
    kids = list(boxes(data, moov_at + 8, moov_at + moov_size))
    first = [box for kind, box in kids if kind in (b"mvhd", b"udta")]
    moov = data[moov_at:moov_at + 8] + b"".join(first + [box for kind, box in kids if kind not in (b"mvhd", b"udta")])
    path.write_bytes(data[:moov_at] + moov + data[moov_at + moov_size:])
    return path
