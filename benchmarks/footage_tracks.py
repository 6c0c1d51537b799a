"""How `benchmarks/footage.py` makes a real clip's pose track: as `liftform analyze` does, and as it would from the
same clip mirrored, at low quality, dim, tilted, at half its frame rate, or played live. Each variant writes the
clip again (H.264) and runs the pose stage on it; the labels hold, what moves is what the model sees."""

from __future__ import annotations

import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from liftform.errors import LiftformError
from liftform.pipeline import estimate_video_track
from liftform.settings import Settings
from liftform.track import PoseTrack
from liftform.video_tools import shrunk_size_wh

# `low_quality_track`: each side halved (the longer kept at this many px or more), H.264 at this crf
LOW_QUALITY_SCALE, LOW_QUALITY_MIN_SIDE_PX, LOW_QUALITY_CRF = 0.5, 360, 30
# `dim_track`: two stops under-exposed (linear light x 0.25: 8-bit levels x 0.25 ** (1 / 2.2) = 0.53 under an
# sRGB-like gamma), sensor noise (sd in 8-bit levels), H.264 at this crf
DIM_LEVEL_GAIN, DIM_NOISE_SD, DIM_CRF = 0.25 ** (1 / 2.2), 3.0, 23
# `tilted_track`: the picture turned this many degrees about its centre (a phone held crooked), either way by clip
TILT_DEG = 12.0

# How a clip's PoseTrack is made: `analyze`'s pose stage by default, or `live_track` (the live coaching path).
Estimate = Callable[[Path, Settings], PoseTrack]


def analyze_pose_track(path: Path, settings: Settings) -> PoseTrack:
    """The pose track `liftform analyze` makes of ``path``."""
    return estimate_video_track(path, settings)[0]


def _rewritten_track(path: Path, settings: Settings, picture: Callable[[np.ndarray, tuple[int, int]], np.ndarray],
                     crf: int, size_wh: Callable[[int, int], tuple[int, int]] = lambda w, h: (w, h),
                     every: int = 1) -> PoseTrack:
    """The pose track `liftform analyze` makes of ``path`` written again as H.264 at ``crf`` (the source's frame
    times kept), each frame ``picture(rgb, size)`` at ``size_wh(width, height)`` (default: the source's size); with
    ``every`` > 1 only every such frame (from the first), at that fraction of the frame rate."""
    from liftform.outputs.video_writer import H264Writer
    from liftform.video import open_video

    with tempfile.TemporaryDirectory() as tmp, open_video(path) as video:
        size = size_wh(video.width, video.height)
        rewritten = Path(tmp) / f"{path.stem}.mp4"
        with H264Writer(rewritten, video.fps / every, *size, crf=crf) as writer:
            for index, frame in enumerate(video.frames()):
                if index % every == 0:
                    writer.write(picture(frame.rgb, size), frame.timestamp_s)
        return estimate_video_track(rewritten, settings)[0]


def mirrored_track(path: Path, settings: Settings) -> PoseTrack:
    """The pose track `liftform analyze` makes of ``path`` mirrored left to right (written again as H.264 at crf 12):
    the same lift filmed from the lifter's other side. The verdict should not depend on which side the camera
    stood; the model's landmarks and masks of a mirrored frame are not the mirror of the frame's, so this measures
    how far its noise moves the verdicts (a camera the clips were not chosen on)."""
    return _rewritten_track(path, settings, lambda rgb, _: np.ascontiguousarray(rgb[:, ::-1]), crf=12)


def low_quality_track(path: Path, settings: Settings) -> PoseTrack:
    """The pose track `liftform analyze` makes of ``path`` at half its resolution (its longer side kept at 360 px or
    more) and web compression (H.264 at crf 30): a phone clip sent on, a distant or cheap camera. The labels hold;
    what moves is how well the model finds the lifter and the mask's edge."""
    def size_wh(width: int, height: int) -> tuple[int, int]:
        longest = max(LOW_QUALITY_MIN_SIDE_PX, round(LOW_QUALITY_SCALE * max(width, height)))
        return shrunk_size_wh(width, height, longest)

    return _rewritten_track(path, settings, lambda rgb, size: cv2.resize(rgb, size, interpolation=cv2.INTER_AREA),
                            crf=LOW_QUALITY_CRF, size_wh=size_wh)


def dim_track(path: Path, settings: Settings) -> PoseTrack:
    """The pose track `liftform analyze` makes of ``path`` two stops under-exposed, with sensor noise (H.264 at
    crf 23): a dim gym or garage, a camera that does not brighten it. The labels hold; what moves is how well the
    model finds the lifter and separates a dark back from a dark room."""
    rng = np.random.default_rng(zlib.crc32(path.name.encode()))     # the same noise on every run

    def picture(rgb: np.ndarray, _size: tuple[int, int]) -> np.ndarray:
        noisy = DIM_LEVEL_GAIN * rgb + rng.normal(0.0, DIM_NOISE_SD, rgb.shape)
        return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)

    return _rewritten_track(path, settings, picture, crf=DIM_CRF)


def tilted_track(path: Path, settings: Settings) -> PoseTrack:
    """The pose track `liftform analyze` makes of ``path`` with every frame turned TILT_DEG about its centre
    (clockwise or anticlockwise, fixed per clip by its name; the corners black, H.264 at crf 12): a phone held
    crooked, or a camera on an uneven shelf. The back's bend is the same in any turned picture; what moves is what
    is read against the image's vertical (the trunk's lean, the floor)."""
    degrees = TILT_DEG if zlib.crc32(path.name.encode()) % 2 else -TILT_DEG

    def picture(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        turn = cv2.getRotationMatrix2D((size[0] / 2, size[1] / 2), degrees, 1.0)
        return cv2.warpAffine(rgb, turn, size, flags=cv2.INTER_LINEAR)

    return _rewritten_track(path, settings, picture, crf=12)


def half_rate_track(path: Path, settings: Settings) -> PoseTrack:
    """The pose track `liftform analyze` makes of ``path`` at half its frame rate (every other frame, their times
    kept; H.264 at crf 12): a webcam or phone that drops to 15 frames/s in a dim room, a clip exported at a lower
    rate. The lift is the same; the model sees each pose twice as far from the last."""
    return _rewritten_track(path, settings, lambda rgb, _: rgb, crf=12, every=2)


def live_track(path: Path, settings: Settings) -> PoseTrack:
    """The pose track `liftform live` makes of ``path`` played as a camera without pacing (every frame, in order:
    a machine that keeps up), with the live model and settings; what the saved session holds."""
    from liftform.live import LiveConfig, run_live

    result = run_live(LiveConfig(source=path, paced=False, window=False, output_dir=None, settings=settings))
    if result.track is None:
        raise LiftformError(f"no frame of {path.name} was processed live")
    return result.track
