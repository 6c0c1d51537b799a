"""How bright the lifter is: a dark picture is said, since the back's edge is read less surely in it.

Measured on the real development clips made two stops darker (`benchmarks/accuracy.py --footage --dim`): the
rounded backs read within 3 deg of their readings as filmed, but safe backs spread by up to 40 deg and two lifts
turned undecided; brightening the dark picture before the model does not bring them back (the detail went when the
dark picture was compressed). So liftform does not correct a dark picture: it says so, and the lifter can light it.

The level is the lifter's brightest 1 % of pixels (the 99th percentile of luma, 0-255, inside the box of their
landmarks) in the first frames where they are found (thumbnails kept as the pose stage decodes the first seconds,
`ThumbnailKeeper`): a lit lifter in a dark gym is bright enough; a lifter two stops under is not. Not the video's
first frames: a lifter who walks in, or whom a dark picture hides at first, would then never be measured. As filmed,
the development clips' lifters reach 159-255 by this measure; a well-exposed highlight sits near 240.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

import cv2
import numpy as np

from liftform.follow import person_box
from liftform.track import PoseTrack

if TYPE_CHECKING:
    from liftform.video import VideoFrame

# The lifter's brightest 1 % under this (of 255): more than a stop under a well-exposed highlight.
DARK_LUMA = 128.0
THUMB_STEP = 4          # thumbnails keep every 4th pixel each way (a 1280x720 frame: 320x180, 58 kB)
MIN_PIXELS = 64         # a lifter's box smaller than this in a thumbnail says nothing about the picture
FIRST_SEEN = 8          # the lifter's first frames with a thumbnail that decide
KEEP_S = 10.0           # thumbnails are kept of the first seconds only (a lifter found later is not measured)
KEEP_EVERY_S = 0.1      # and at most one in this time (at most 100 thumbnails, 6 MB at 1280 px)


class ThumbnailKeeper:
    """Luma thumbnails (`luma_thumbnail`) of the first ``KEEP_S`` seconds' analysed frames, one in ``KEEP_EVERY_S``,
    kept as the frames pass on their way to the model: ``by_time_s`` maps a frame's timestamp (s, as the track's)
    to its thumbnail. The pose stage may pass two pieces of the video at once (parallel halves): both are kept."""

    def __init__(self) -> None:
        self.by_time_s: dict[float, np.ndarray] = {}
        self._last_kept_s = -np.inf

    def keep(self, frames: Iterable[VideoFrame]) -> Iterator[VideoFrame]:
        for frame in frames:
            t = frame.timestamp_s
            if frame.rgb is not None and t < KEEP_S and abs(t - self._last_kept_s) >= KEEP_EVERY_S - 1e-6:
                self.by_time_s[t] = luma_thumbnail(frame.rgb)
                self._last_kept_s = t
            yield frame


def luma_thumbnail(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` (H, W, 3) uint8 as luma (BT.601, 0-255) at every ``THUMB_STEP``-th pixel each way: (h, w) uint8."""
    return cv2.cvtColor(np.ascontiguousarray(rgb[::THUMB_STEP, ::THUMB_STEP]), cv2.COLOR_RGB2GRAY)


def lifter_brightness(thumbnails: Mapping[float, np.ndarray], track: PoseTrack) -> float:
    """The median of the 99th percentile of luma inside the lifter's landmark box over the first ``FIRST_SEEN``
    frames where ``track`` found them and a thumbnail was kept (``thumbnails``: timestamp s -> `luma_thumbnail` in
    the pixels the track was measured in, `ThumbnailKeeper.by_time_s`). NaN when there is no such frame (the lifter
    first found after the kept seconds, or never)."""
    kept = np.fromiter(thumbnails, dtype=float, count=len(thumbnails))
    rows = np.flatnonzero(track.has_pose & np.isin(track.timestamps_s, kept))[:FIRST_SEEN]
    return median_brightness([brightness_in_box(thumbnails[float(track.timestamps_s[row])], track.image_xy[row])
                              for row in rows])


def median_brightness(levels: list[float]) -> float:
    """The median of the measured ``levels`` (`brightness_in_box`; NaN ones left out), NaN without any."""
    measured = [level for level in levels if np.isfinite(level)]
    return float(np.median(measured)) if measured else float("nan")


def brightness_in_box(thumbnail: np.ndarray, image_xy: np.ndarray) -> float:
    """The 99th percentile of ``thumbnail``'s luma (a `luma_thumbnail`) inside the box of the landmarks ``image_xy``
    (33, 2), in the pixels of the frame the thumbnail was made of. NaN where the box is unknown or too small."""
    box = person_box(image_xy)
    if box is None:
        return float("nan")
    x0, y0 = (max(0, int(v // THUMB_STEP)) for v in box[:2])
    x1, y1 = (int(np.ceil(v / THUMB_STEP)) + 1 for v in box[2:])
    return picture_brightness(thumbnail[y0:y1, x0:x1])


def picture_brightness(thumbnail: np.ndarray) -> float:
    """The 99th percentile of the luma of ``thumbnail`` (a `luma_thumbnail`, or a part of one): the brightness
    `is_dark` judges. NaN where it has too few pixels to say anything. Of a whole frame where nobody is found: a
    picture whose brightest parts are dark (lights off, the lens covered) hides the lifter."""
    return float(np.percentile(thumbnail, 99)) if thumbnail.size >= MIN_PIXELS else float("nan")


def is_dark(brightness: float) -> bool:
    """A lifter this bright (`lifter_brightness`, `brightness_in_box`) is in a dark picture; NaN (unknown) is not."""
    return bool(brightness < DARK_LUMA)


def dark_picture_note(brightness: float) -> str | None:
    """The note for a dark picture (`lifter_brightness` under ``DARK_LUMA``); None otherwise or when unknown."""
    if not is_dark(brightness):
        return None
    return (f"the picture is dark (the lifter's brightest parts at {brightness:.0f} of 255): light the lifter - in a "
            "dim picture the back's edge is read less surely")
