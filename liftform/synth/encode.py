"""Encode rendered frames to a browser-playable MP4 with PyAV, and write a sample video with its truth CSV."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import numpy as np

from liftform.pyav import av

# Codecs tried in order: H.264 (libx264) is the one browsers and every player read; the others are fallbacks
# for FFmpeg builds without it.
CODEC_PREFERENCE = ("libx264", "h264", "mpeg4")


def pick_codec() -> str:
    """First codec of ``CODEC_PREFERENCE`` that PyAV's FFmpeg can encode with."""
    for name in CODEC_PREFERENCE:
        try:
            if av.codec.Codec(name, "w"):
                return name
        except Exception:  # noqa: BLE001 - PyAV raises various errors for unknown/decoder-only codecs
            continue
    raise RuntimeError("no usable video encoder in PyAV's FFmpeg (tried " + ", ".join(CODEC_PREFERENCE) + ")")


def encode_mp4(frames: Iterable[np.ndarray], path: str | Path, fps: float, crf: int = 20) -> str:
    """Write RGB frames (H, W, 3) uint8 to an MP4 at ``fps`` (H.264 yuv420p when available); returns the
    codec used.

    ``crf``: x264 constant rate factor (higher = smaller file); the synthetic scenes compress very well.
    """
    codec = pick_codec()
    rate = Fraction(fps).limit_denominator(1001)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=rate)
        stream.pix_fmt = "yuv420p"
        if codec == "libx264":
            stream.options = {"crf": str(crf), "preset": "medium", "movflags": "+faststart"}
        else:
            stream.bit_rate = 1_000_000
        first = True
        for rgb in frames:
            if first:
                stream.height, stream.width = rgb.shape[:2]
                first = False
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return codec
