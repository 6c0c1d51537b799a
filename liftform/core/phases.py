"""Phases of a rep: reach-down (or lowering), touch-down, lift-off, ascent, lockout.

A lift from the floor loads the spine from the moment the object leaves the floor (lift-off) through the ascent.
Before lift-off the person reaches down and sets up, and a back rounded there carries no load yet: many lifters
reach the bar with a rounded upper back, then set a flat back (chest up, hips down) and pull with a neutral spine.
So the verdict judges the spine from lift-off on, and the reach-down is reported as a finding of its own.

Lift-off is found from the hands: they come down to the object, stay there while the person sets up, then rise
with it. It is the last frame, before the hands have made half of their rise, at which they were still within
``rise_fraction`` of that rise above their lowest point (read through a running median of 5 frames: a one- or
two-frame dip of a wrist is the model's, not the floor). (MediaPipe places hands hidden by an object too, from the
arms.) Where the hands do not rise, the bottom of the rep stands in for lift-off. A set-up can show in the legs
more clearly than in the hands (the model may read the wrists higher while the hips go down and the chest comes
up): where the knees, after the hands' lift-off and before three quarters of their rise, flex clearly more and hold
there with the hands still, lift-off moves to the start of that hold, the set position (:func:`_setup_end`).

Some descents lower a load: down to touch-down, where the hands come to the floor, they are loaded too. From the
hands alone a held load cannot be told from empty hands, so only the descents that lower a load in every common
kind of lifting are judged so: the second, fourth, ... of a clip (:func:`lowers_load`). A barbell (or kettlebell)
set lowers the bar after every lift; box work alternates a pick-up, which reaches down empty-handed, and a set-down,
which lowers the box. Judging every descent after the first called a second pick-up's rounded reach-down a rounded
lift.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

MIN_RISE = 0.05        # a rise smaller than this share of standing height is no lift of the hands (or hips)
# The hands' height is read through a running median of this many frames: a dip of one or two frames (the pose
# model placing a wrist low for a moment, 0.03 of standing height under the hands' true rest on the object, seen
# with the lite model live) would otherwise be taken for the floor, and lift-off put there, at the bottom of the
# reach-down, judging a rounded reach-down as the lift.
DESPIKE_FRAMES = 5
# A clear set-up at the floor, read from the knees after the hands' lift-off: they flex this much more (the hips
# going down, the chest coming up) ... With the lite model seen at an angle the wrists may read 0.05 of standing
# height higher in the set-up than at the bottom of the reach-down, which the hands alone take for their rise.
SETUP_KNEE_FLEXION_DEG = 10.0
# ... and hold there (within this many degrees of their greatest flexion) for this many frames in a row (0.2 s at
# 30 fps) with the hands still (moving less than ``rise_fraction`` of their rise), the set position. Knees dipping
# into the pull (2-4 frames near their deepest on the real clips) or bending as the hands rise (a straight-legged
# stoop) leave lift-off with the hands: without these two real rounded clips and a rendered stoop's rep, live, lost
# their rounding (docs/DESIGN.md).
SETUP_HOLD_DEG = 5.0
SETUP_HOLD_FRAMES = 6
# The set-up is looked for up to this share of the hands' rise, not only to its half: live, the model once put the
# wrists near the floor for 5 frames at the bottom of the reach-down, and measured from there the set-up's hands
# were already half-way up.
SETUP_SEARCH_RISE = 0.75


def despiked(height: np.ndarray) -> np.ndarray:
    """(n,) ``height`` (NaN where unknown) without dips or peaks shorter than ``DESPIKE_FRAMES // 2 + 1`` frames:
    its running median over ``DESPIKE_FRAMES`` frames (NaN ignored, the ends padded with their edge values)."""
    if len(height) < DESPIKE_FRAMES:
        return height
    windows = np.sort(sliding_window_view(np.pad(height, DESPIKE_FRAMES // 2, mode="edge"), DESPIKE_FRAMES), axis=1)
    known = np.isfinite(windows).sum(axis=1)            # NaN sorts last: the known values come first
    low = np.take_along_axis(windows, np.maximum(known - 1, 0)[:, None] // 2, axis=1)[:, 0]
    high = np.take_along_axis(windows, np.minimum(known, DESPIKE_FRAMES - 1)[:, None] // 2, axis=1)[:, 0]
    return np.where(known > 0, 0.5 * (low + high), np.nan)     # odd counts: low and high are the same value


def _rep_hands(lift_height: np.ndarray, start: int, end: int) -> np.ndarray | None:
    """The rep's hands heights, despiked; None when they are unknown in most of its frames."""
    height = lift_height[start:end + 1]
    if np.isfinite(height).sum() < max(3, 0.5 * len(height)):
        return None
    return despiked(height)


def liftoff_index(lift_height: np.ndarray, start: int, end: int, rise_fraction: float,
                  knee_flexion: np.ndarray | None = None) -> int:
    """Lift-off of the rep spanning frames ``start``..``end`` (inclusive), as an index into ``lift_height``.

    Args:
        lift_height: (T,) height of the hands (or hips) as a fraction of standing height, NaN where unknown.
        rise_fraction: how close to their lowest point (as a share of their rise after it) the hands still count
            as on the floor.
        knee_flexion: (T,) knee flexion in degrees, NaN where unknown; given, a clear set-up after the hands'
            lift-off moves it later (:func:`_setup_end`).
    Returns:
        the frame index, or -1 when the hands do not rise by at least ``MIN_RISE`` after their lowest point (or are
        not seen in most of the rep).
    """
    height = _rep_hands(lift_height, start, end)
    if height is None:
        return -1
    known = np.isfinite(height)
    lowest = int(np.nanargmin(height))
    after = np.where(known[lowest:], height[lowest:], -np.inf)      # unknown frames never count as risen
    rise = float(after.max() - height[lowest])
    if rise < MIN_RISE:
        return -1
    half_up = lowest + int(np.argmax(after >= height[lowest] + 0.5 * rise))
    still_down = np.flatnonzero(height[lowest:half_up + 1] <= height[lowest] + rise_fraction * rise)
    liftoff = start + lowest + int(still_down[-1])
    if knee_flexion is None:
        return liftoff
    most_up = lowest + int(np.argmax(after >= height[lowest] + SETUP_SEARCH_RISE * rise))
    hands_still = rise_fraction * rise
    return _setup_end(knee_flexion, height[liftoff - start:most_up + 1], hands_still, liftoff, start + most_up)


def _setup_end(knee_flexion: np.ndarray, hands: np.ndarray, hands_still: float, liftoff: int, most_up: int) -> int:
    """``liftoff`` (the hands'), or later, the end of a clear set-up: the first frame of the knees' hold at their
    greatest flexion among the frames, from the hands' lift-off to ``most_up``, where they flex at least
    ``SETUP_KNEE_FLEXION_DEG`` more than at their least before, if they stay within ``SETUP_HOLD_DEG`` of it for
    ``SETUP_HOLD_FRAMES`` in a row while the ``hands`` (despiked, from lift-off on) move less than ``hands_still``
    (knees bending as the hands rise are the pull's, not a set-up). Knees read through the running median, NaN
    ignored."""
    knee = despiked(knee_flexion[liftoff:most_up + 1])
    with np.errstate(invalid="ignore"):
        setting_up = knee - np.fmin.accumulate(knee) >= SETUP_KNEE_FLEXION_DEG
        if not setting_up.any():
            return liftoff
        deepest = int(np.argmax(np.where(setting_up, knee, -np.inf)))
        off = ~(knee >= knee[deepest] - SETUP_HOLD_DEG)             # unknown frames break the hold
    first = int(np.flatnonzero(off[:deepest])[-1]) + 1 if off[:deepest].any() else 0
    last = deepest + int(np.argmax(off[deepest:])) - 1 if off[deepest:].any() else len(knee) - 1
    held_hands = hands[first:first + SETUP_HOLD_FRAMES]
    held_hands = held_hands[np.isfinite(held_hands)]          # hands unseen through the hold: no set-up to tell
    if last - first + 1 < SETUP_HOLD_FRAMES or not len(held_hands) or np.ptp(held_hands) >= hands_still:
        return liftoff
    return liftoff + first


def lowers_load(bend: int) -> bool:
    """Whether the descent of bend ``bend`` (0-based, counted from the start of the clip or live session) lowers a
    load in every common kind of lifting: the odd ones (see the module's docstring)."""
    return bend % 2 == 1


def touchdown_index(lift_height: np.ndarray, start: int, end: int, rise_fraction: float) -> int:
    """Touch-down of the rep spanning frames ``start``..``end``: the first frame at which the hands come within
    ``rise_fraction`` of their drop (from their highest point before it) above their lowest point. A load lowered is
    on the spine until then; after it the person may set up again at the floor (the hands settling lower as they
    grip: so the first arrival, not the lowest point, as lift-off is the last frame before the rise). -1 when the
    hands drop less than ``MIN_RISE`` or are not seen in most of the rep."""
    height = _rep_hands(lift_height, start, end)
    if height is None:
        return -1
    lowest = int(np.nanargmin(height))
    before = height[:lowest + 1]                  # NaN (unknown) never compares as down
    drop = float(np.nanmax(before) - height[lowest])
    if drop < MIN_RISE:
        return -1
    with np.errstate(invalid="ignore"):
        return start + int(np.argmax(before <= height[lowest] + rise_fraction * drop))
