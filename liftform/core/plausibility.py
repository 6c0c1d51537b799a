"""Poses that cannot be the lifter: the model's mistakes, found from the pose alone and dropped before any angle is
read (`kinematics.compute_kinematics`), and videos whose lifter lies on their side or upside down throughout.

A plate, the floor, a reflection or a passer-by is sometimes taken for the person for a few frames: the skeleton
then stands on its head, or is suddenly half or twice the person's size. With the head out of the picture (a lifter
standing tall under its top edge) or a back turned to the camera, the model may fold the skeleton's trunk down over
the legs, the shoulders under the hips. Read as angles, such a frame gives a trunk lean of 130-180° or a sudden drop
of the shoulders, and can make or break a rep. Arrays are time-first; image y is down.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from liftform.core.filters import frame_interval_s
from liftform.track import (
    LEFT_ANKLE,
    LEFT_HIP,
    LEFT_KNEE,
    LEFT_SHOULDER,
    NOSE,
    RIGHT_ANKLE,
    RIGHT_HIP,
    RIGHT_KNEE,
    RIGHT_SHOULDER,
    trunk_midpoints,
)


def body_axis_from_up_deg(image_xy: np.ndarray) -> np.ndarray:
    """(T,) angle (deg) of the line from the ankles' midpoint up to the hips' midpoint from the image's up: near 0
    standing, up to ~40 in a deep squat, 90 lying on one side, 180 upside down; NaN without a pose or
    without legs (hips and ankles at one point).
    Shapes: image_xy (T, 33, 2) pixels, y down."""
    legs = image_xy[:, [LEFT_HIP, RIGHT_HIP]].mean(axis=1) - image_xy[:, [LEFT_ANKLE, RIGHT_ANKLE]].mean(axis=1)
    axis = np.degrees(np.arctan2(np.abs(legs[:, 0]), -legs[:, 1]))
    # Legs of no length point nowhere (arctan2(0, -0) is 180: a skeleton of one point had read as upside down).
    return np.where((legs == 0).all(axis=1), np.nan, axis)


# The line from the hips up to the shoulders within this of straight down (180 - FOLDED_TRUNK_DEG) is no lift: the
# chest would lie on the thighs. On the real development clips the deepest real stoop reads 140 deg in the image
# (a rounded deadlift filmed at an angle); the folded skeletons 150-180 (DESIGN, "Poses that cannot be the lifter").
FOLDED_TRUNK_DEG = 150.0
_FOLDED_TAN = float(np.tan(np.radians(180.0 - FOLDED_TRUNK_DEG)))


def trunk_from_up_deg(image_xy: np.ndarray) -> np.ndarray:
    """(T,) angle (deg) of the line from the hips' midpoint to the shoulders' midpoint from the image's up: 0
    standing, ~90 bent level, 180 the shoulders straight under the hips; NaN without a pose.
    Shapes: image_xy (T, 33, 2) pixels, y down."""
    shoulder, hip = trunk_midpoints(image_xy)
    trunk = shoulder - hip
    return np.degrees(np.arctan2(np.abs(trunk[:, 0]), -trunk[:, 1]))


def upside_down_parts(image_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T,) bool each: the pose has the nose below both ankles or the hips below the ankles; the trunk folded down
    (`FOLDED_TRUNK_DEG`), in the image. No lift puts the head or the hips below the feet, so such a pose is the
    model's mistake (a plate or the floor taken for a person), never the lifter; nor the shoulders under the hips,
    unless the lifter bent on into it frame by frame (`folded_by_bending`, `bent_into_fold`): else it is the model's
    skeleton folded over the legs. NaN: False. Shapes: image_xy (T, 33, 2) pixels, y down.

    The same rules as `body_axis_from_up_deg` > 90 and `trunk_from_up_deg` > `FOLDED_TRUNK_DEG`, as comparisons of
    the vectors' parts: live calls this on every frame, and the angles' dozen NumPy calls cost ~15 us there."""
    ankle_y = np.maximum(image_xy[:, LEFT_ANKLE, 1], image_xy[:, RIGHT_ANKLE, 1])    # NaN where either is missing
    head_down = image_xy[:, NOSE, 1] > ankle_y
    shoulder, hip = trunk_midpoints(image_xy)
    down = shoulder - hip                                         # (T, 2) hips -> shoulders; y > 0 points down
    folded = np.abs(down[:, 0]) < down[:, 1] * _FOLDED_TAN        # within 180 - FOLDED_TRUNK_DEG of straight down
    hips_mid_y = (image_xy[:, LEFT_HIP, 1] + image_xy[:, RIGHT_HIP, 1]) * 0.5
    hips_below_feet = hips_mid_y > (image_xy[:, LEFT_ANKLE, 1] + image_xy[:, RIGHT_ANKLE, 1]) * 0.5
    return head_down | hips_below_feet, folded


# A trunk folded past FOLDED_TRUNK_DEG is the lifter's where they bent into it and back out: the frames with a pose
# just before and just after the fold (at most FOLD_ENTRY_S away) have the trunk within FOLD_ENTRY_DEG of the fold.
# The model's folded skeletons jump there from, or back to, a standing or half-bent trunk (real clips: 1-93 deg, or
# the clip ends; up to 2 s long); a trunk bent on past 150 deg (a stiff-legged reach to the floor, a toe touch, a
# rounded deadlift: real clips read 150-155 deg between 143-149) moves at most ~15 deg a frame at 15 frames/s or more.
FOLD_ENTRY_DEG = 30.0
FOLD_ENTRY_S = 0.2


def bent_into_fold(trunk_deg: np.ndarray | float, gap_s: np.ndarray | float) -> np.ndarray | bool:
    """Whether a frame whose trunk leans ``trunk_deg`` from up (`trunk_from_up_deg`), ``gap_s`` seconds before (or
    after) a fold, shows the trunk bending into (or out of) it rather than the model's jump: within `FOLD_ENTRY_DEG`
    of the fold, at most `FOLD_ENTRY_S` away. Arrays or plain numbers, broadcast."""
    with np.errstate(invalid="ignore"):                           # NaN: no frame there
        return (trunk_deg >= FOLDED_TRUNK_DEG - FOLD_ENTRY_DEG) & (gap_s <= FOLD_ENTRY_S)


def folded_by_bending(image_xy: np.ndarray, timestamps_s: np.ndarray, folded: np.ndarray) -> np.ndarray:
    """(T,) bool: the ``folded`` frames (`upside_down_parts`' fold: the trunk past `FOLDED_TRUNK_DEG`) where the
    lifter bent into the fold and came back out of it: each run of folded frames (frames with a pose at most
    `FOLD_ENTRY_S` apart) is entered from, and left to, a frame at most `FOLD_ENTRY_S` before its first and after its
    last that leans within `FOLD_ENTRY_DEG` of the fold.
    Shapes: image_xy (T, 33, 2) pixels, y down; timestamps_s (T,) seconds; folded (T,) bool."""
    trunk = trunk_from_up_deg(image_xy)
    posed = np.flatnonzero(np.isfinite(trunk))                    # a fold has both trunk ends, so a trunk angle
    reached = np.zeros(len(trunk), bool)
    if not len(posed):
        return reached
    lean, fold, t = trunk[posed], folded[posed], np.asarray(timestamps_s, dtype=float)[posed]
    gap_s = np.r_[np.inf, np.diff(t)]                             # each posed frame from the posed frame before it
    linked = gap_s <= FOLD_ENTRY_S
    start = fold & ~(np.r_[False, fold[:-1]] & linked)            # the first frame of each run of folds
    end = fold & ~(np.r_[fold[1:], False] & np.r_[linked[1:], False])     # ... and the last
    entered = start & bent_into_fold(np.r_[np.nan, lean[:-1]], gap_s)
    left = end & bent_into_fold(np.r_[lean[1:], np.nan], np.r_[gap_s[1:], np.inf])
    run = np.cumsum(start)                                        # each fold's run, numbered from 1
    run_entered, run_left = np.zeros((2, run[-1] + 1), bool)
    run_entered[run[start]], run_left[run[end]] = entered[start], left[end]
    reached[posed] = fold & run_entered[run] & run_left[run]
    return reached


# A lifter stands on the floor: when the legs lie further than this from the image's up in most frames, the video is
# on its side or upside down (rotation metadata missing), not a lift, and its angles mean nothing.
ROTATED_AXIS_DEG = 60.0


def looks_rotated(image_xy: np.ndarray) -> bool:
    """True when in most frames with a pose the legs lie more than ``ROTATED_AXIS_DEG`` from the image's up."""
    axis = body_axis_from_up_deg(image_xy)
    seen = np.isfinite(axis)
    return bool(seen.any() and np.mean(axis[seen] > ROTATED_AXIS_DEG) > 0.5)


# A skeleton less than half or more than twice the size of the same person a moment around it is another thing taken
# for them (a plate, a reflection, someone passing by): a person's image cannot change size that fast. Two seconds,
# not one: a mistake lasting a clip's last 0.4 s was most of its own last half-second, and set the size it was read
# against (DESIGN, "Poses that cannot be the lifter").
SIZE_JUMP = 2.0
SIZE_WINDOW_S = 2.0


def body_size_px(image_xy: np.ndarray) -> np.ndarray:
    """(T,) median length (px) of the trunk, thigh and shin segments, both sides: the skeleton's size in the image,
    little changed by bending or by the camera's yaw; NaN without a pose."""
    pairs = np.array([(LEFT_SHOULDER, LEFT_HIP), (RIGHT_SHOULDER, RIGHT_HIP), (LEFT_HIP, LEFT_KNEE),
                      (RIGHT_HIP, RIGHT_KNEE), (LEFT_KNEE, LEFT_ANKLE), (RIGHT_KNEE, RIGHT_ANKLE)])
    return _row_nanmedian(np.linalg.norm(image_xy[:, pairs[:, 0]] - image_xy[:, pairs[:, 1]], axis=-1))


def _row_nanmedian(values: np.ndarray) -> np.ndarray:
    """(T,) median of each row of ``values`` (T, K) over its finite entries; NaN for a row with none (no warning)."""
    known = np.isfinite(values).any(axis=1)
    median = np.full(len(values), np.nan)
    if known.any():
        median[known] = np.nanmedian(values[known], axis=1)
    return median


def implausible_poses(image_xy: np.ndarray, timestamps_s: np.ndarray) -> np.ndarray:
    """(T,) bool: poses that cannot be the lifter: upside down (`upside_down_parts`; but for a fold the trunk bent
    into, `folded_by_bending`), or a skeleton more than
    ``SIZE_JUMP`` times smaller or larger than the median over ``SIZE_WINDOW_S`` around it (:func:`body_size_px`).
    Shapes: image_xy (T, 33, 2) pixels; timestamps_s (T,) seconds."""
    size = body_size_px(image_xy)
    step_s = frame_interval_s(timestamps_s, default=1.0)
    half = max(1, int(round(SIZE_WINDOW_S / 2 / max(step_s, 1e-3))))
    windows = sliding_window_view(np.pad(size, half, constant_values=np.nan), 2 * half + 1)   # (T, 2*half+1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = size / _row_nanmedian(windows)
        jumped = (ratio > SIZE_JUMP) | (ratio < 1.0 / SIZE_JUMP)
    head_or_hips_down, folded = upside_down_parts(image_xy)
    return head_or_hips_down | (folded & ~folded_by_bending(image_xy, timestamps_s, folded)) | jumped
