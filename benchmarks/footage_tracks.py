"""How `benchmarks/footage.py` makes a real clip's pose track: as `liftform analyze` does, and as it would from the
same clip mirrored, at low quality, dim, tilted, at half its frame rate, framed as other people's uploads frame a
lift (boxed in the other orientation, the lifter small in a larger frame), or played live. Each variant
writes the clip again (H.264) and runs the pose stage on it; the labels hold, what moves is what the model sees."""

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

# `boxed_track`: the picture in a frame of the other orientation (9:16 or 16:9) this many px on its longer side (a
# 720p upload); `distant_track`: the picture at this fraction of each side of its frame, the frame's longer side at
# most this many px (a 1080p camera), its background a plain wall of this grey or the picture itself blurred (an
# editor's fill) by a Gaussian of this fraction of the frame's longer side
BOXED_LONG_SIDE_PX = 1280
DISTANT_SCALE, DISTANT_MAX_SIDE_PX, DISTANT_GREY, DISTANT_BLUR = 1 / 3, 1920, 118, 0.03
PICTURE_BOX_FRAMES = 12         # frames spread over a clip to find its picture inside black bars

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


def _even(value: float) -> int:
    return max(2, 2 * round(value / 2))


def _picture_box(path: Path) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of ``path``'s picture inside any black bars, read off frames spread over the clip."""
    from liftform.video import open_video
    from liftform.video_tools import detect_content_box

    with open_video(path) as video:
        step = max(1, video.n_frames // PICTURE_BOX_FRAMES)
        return detect_content_box([f.rgb for f in video.frames(step) if f.rgb is not None])


def _fitted(rgb: np.ndarray, size_wh: tuple[int, int]) -> np.ndarray:
    """``rgb`` resized to the largest size inside ``size_wh`` of its own aspect."""
    height, width = rgb.shape[:2]
    scale = min(size_wh[0] / width, size_wh[1] / height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)


def _centred(picture: np.ndarray, canvas: np.ndarray) -> np.ndarray:
    """``canvas`` with ``picture`` pasted at its centre."""
    top, left = (canvas.shape[0] - picture.shape[0]) // 2, (canvas.shape[1] - picture.shape[1]) // 2
    canvas[top:top + picture.shape[0], left:left + picture.shape[1]] = picture
    return canvas


def boxed_track(path: Path, settings: Settings) -> PoseTrack:
    """The pose track `liftform analyze` makes of ``path``'s picture (any black bars taken off) in a frame of the
    other orientation than the file's, BOXED_LONG_SIDE_PX on its longer side, black around it (H.264 at crf 12): a
    landscape clip letterboxed into 9:16 and a portrait one pillarboxed into 16:9, as a phone video re-uploaded is;
    a portrait picture that came pillarboxed in a landscape file gets its phone's own 9:16 frame back, bare. The
    lift is the same; what moves is where and how large the lifter is, and the bars the pose stage must see past."""
    x0, y0, x1, y1 = _picture_box(path)
    long_side, short_side = BOXED_LONG_SIDE_PX, _even(BOXED_LONG_SIDE_PX * 9 / 16)

    def picture(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        return _centred(_fitted(rgb[y0:y1, x0:x1], size), np.zeros((size[1], size[0], 3), np.uint8))

    return _rewritten_track(path, settings, picture, crf=12, size_wh=lambda w, h: (
        (short_side, long_side) if w >= h else (long_side, short_side)))


def distant_track(path: Path, settings: Settings) -> PoseTrack:
    """The pose track `liftform analyze` makes of ``path``'s picture (any black bars taken off) at DISTANT_SCALE of
    each side of a frame three times its size (its longer side at most DISTANT_MAX_SIDE_PX), centred on a plain
    grey wall or on the picture itself enlarged and blurred (an editor's fill), by clip (H.264 at crf 12): a camera
    at the back of the gym. The lift is the same; what moves is how small the lifter is, and the pose stage's
    search for them in a large frame."""
    x0, y0, x1, y1 = _picture_box(path)
    blurred = zlib.crc32(path.name.encode()) % 2 == 1
    frame_wh = shrunk_size_wh(_even((x1 - x0) / DISTANT_SCALE), _even((y1 - y0) / DISTANT_SCALE), DISTANT_MAX_SIDE_PX)

    def picture(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        inner = rgb[y0:y1, x0:x1]
        if blurred:     # blurred small, then enlarged: the same look at a fraction of the cost
            small = cv2.resize(inner, (max(1, size[0] // 8), max(1, size[1] // 8)), interpolation=cv2.INTER_AREA)
            small = cv2.GaussianBlur(small, (0, 0), DISTANT_BLUR * max(size) / 8)
            canvas = cv2.resize(small, size, interpolation=cv2.INTER_LINEAR)
        else:
            canvas = np.full((size[1], size[0], 3), DISTANT_GREY, np.uint8)
        return _centred(_fitted(inner, (round(size[0] * DISTANT_SCALE), round(size[1] * DISTANT_SCALE))), canvas)

    return _rewritten_track(path, settings, picture, crf=12, size_wh=lambda w, h: frame_wh)

