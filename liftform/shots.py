"""Cuts between shots. An edited video jumps from one picture to another: a compilation of lifters, an intro frame
before the lift, a clip joined to itself. A person followed across the jump would carry on as someone else (the
crop around the last lifter finds whoever stands there in the next shot), and one track would hold two people's
reps, depths and backs: a rounded lifter after a cut was judged as the rep of the flat lifter before it, and the
clip called safe. `mark_cuts` marks the first analysed frame of each new shot; the pose stage (`people`) then
starts afresh there, so each shot's people are followed, and judged, on their own.

A cut is a change of the whole picture (inside the black bars) that a small shift does not explain and that lasts:
the frame after it differs from the frame before it too (a flash, one odd frame, is not a cut). A blank picture (black:
a lens covered, a gap in the recording) shows nobody and starts no shot: the picture after it is compared with the
one before it, so a lifter filmed on after a black gap stays the one lifter, missing from the frames of the gap.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence

import cv2
import numpy as np

from liftform.video import VideoFrame

THUMB_WH = (32, 18)          # the picture compared, shrunk to this (any aspect ratio)
SHIFT_PX = 2                 # thumbnail pixels (6 % of its width) a camera may move between two frames
# Mean |difference| of two thumbnails at their best shift, in levels of 255. The development clips' frames
# within a shot reach 13.7 (a handheld camera swinging round a lifter; 17 without the shift); their cuts (an intro
# frame, a cut to a close-up, an end card) read 26-128, and real clips joined to another or to themselves 21-92.
CUT_CHANGE = 17.0
# Spread (standard deviation, levels of 255) of a thumbnail under which the picture is blank: black, or one flat
# colour. Any filmed place has more (shapes, light and shade); a black H.264 frame has under 1.
BLANK_SPREAD = 3.0


def thumbnail(rgb: np.ndarray, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """(18, 32, 3) int16: ``rgb`` (H, W, 3) uint8 inside ``box`` (x0, y0, x1, y1 px; None: all of it), shrunk.
    Inside the box: black bars around a narrow picture would dilute the change a cut makes."""
    if box is not None:
        x0, y0, x1, y1 = box
        rgb = rgb[y0:y1, x0:x1]
    # Every k-th pixel, at least 4 a thumbnail pixel each way: 0.1 ms for a 720p frame where all of them take 1.3,
    # and within half a level of it (mean over a real clip's frame).
    k = max(1, min(rgb.shape[0] // (4 * THUMB_WH[1]), rgb.shape[1] // (4 * THUMB_WH[0])))
    return cv2.resize(rgb[::k, ::k], THUMB_WH, interpolation=cv2.INTER_AREA).astype(np.int16)


def is_blank(thumb: np.ndarray) -> bool:
    """Whether a `thumbnail` shows nothing: one flat level (black, a covered lens)."""
    return float(thumb.std()) < BLANK_SPREAD


def picture_change(before: np.ndarray, after: np.ndarray) -> float:
    """Mean |difference| of two `thumbnail`s (levels of 255), at the shift of up to SHIFT_PX that makes it least
    (a pan or a shake moves the picture, a cut replaces it)."""
    height, width = before.shape[:2]
    plain = float(np.abs(before - after).mean())
    if plain < CUT_CHANGE:
        return plain                                    # no shift can make it more
    return min(float(np.abs(before[max(0, dy):height + min(0, dy), max(0, dx):width + min(0, dx)]
                            - after[max(0, -dy):height + min(0, -dy), max(0, -dx):width + min(0, -dx)]).mean())
               for dy in range(-SHIFT_PX, SHIFT_PX + 1) for dx in range(-SHIFT_PX, SHIFT_PX + 1))


def shot_numbers(timestamps_s: np.ndarray, cuts_s: Sequence[float] | np.ndarray) -> np.ndarray:
    """(T,) the shot each of ``timestamps_s`` (s) is in: 0 before the first of ``cuts_s`` (the times of the frames
    that start a shot, `mark_cuts`), k from the k-th on. A cut counts from 1 ms before its time: result.json keeps
    times to the millisecond, and a rescore reads them so (frames are further apart)."""
    return np.searchsorted(np.asarray(cuts_s, dtype=float) - 1e-3, timestamps_s, side="right")


def mark_cuts(frames: Iterable[VideoFrame], box: tuple[int, int, int, int] | None = None) -> Iterator[VideoFrame]:
    """``frames`` in order, the first analysed frame (``rgb`` not None) of each new shot with ``shot_start`` set.
    Each analysed frame is held back until the next one is decoded (with the unanalysed frames between): it starts
    a shot when it and the next differ from the one before it, and it from the one before that, by CUT_CHANGE
    (`picture_change`): one odd frame (a flash) is no cut, nor is the frame after it."""
    seen: list[np.ndarray] = []               # thumbnails of the analysed frames given out, the last two
    held: list[VideoFrame] = []
    held_thumb = None
    for frame in frames:
        if frame.rgb is None:
            if held:
                held.append(frame)
            else:
                yield frame
            continue
        thumb = thumbnail(frame.rgb, box)
        if is_blank(thumb) and (held or seen):
            # No shot starts here, nor is it a picture to compare the next with: the frame held is decided against it
            # as against any frame after it (a flash guard), and the first picture after the blank against the last
            # two before it. Not held: a long black stretch is not kept in memory.
            if held:
                yield from _decided(held, held_thumb, thumb, seen)
                seen = [*seen, held_thumb][-2:]
            held, held_thumb = [], None
            yield frame
            continue
        if held:
            yield from _decided(held, held_thumb, thumb, seen)
            seen = [*seen, held_thumb][-2:]
        held, held_thumb = [frame], thumb
    yield from held


def _decided(held: list[VideoFrame], held_thumb: np.ndarray, next_thumb: np.ndarray,
             seen: list[np.ndarray]) -> Iterator[VideoFrame]:
    """The frames ``held`` (an analysed frame and the unanalysed ones after it), the first marked as starting a shot
    where it and the next analysed frame differ from the last picture given out, and it from the one before that."""
    cut = len(seen) > 0 and all(picture_change(a, b) >= CUT_CHANGE
                                for a, b in ((seen[-1], held_thumb), (seen[-1], next_thumb), (seen[0], held_thumb)))
    yield dataclasses.replace(held[0], shot_start=True) if cut else held[0]
    yield from held[1:]
