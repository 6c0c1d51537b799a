"""Test videos written on the spot: frames (H, W, 3) uint8 RGB to an H.264 MP4."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np


def write_h264(path: Path, frames: list[np.ndarray], fps: int = 30) -> None:
    """Encode ``frames`` (each (H, W, 3) uint8 RGB) as an H.264 MP4 at ``fps``."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        for rgb in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        out.mux(stream.encode())
