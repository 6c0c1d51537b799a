"""Whether the lifter's whole body is in the picture.

MediaPipe places every landmark even where the body leaves the frame: a knee or an ankle below the picture's edge
is its guess from the rest of the body. The hips' and knees' angles, the standing height a rep's depth is measured
against and the squat/hinge call all read those landmarks, so a lifter filmed from the thighs up (a webcam on a
desk) gets reps and angles made from guesses: a rendered squat cut at mid-thigh was found as six reps instead of
three, a rendered stoop as four, one of them a "safe hip hinge" (thirty-fourth session). Live prompts the lifter
to step back (`live.state.framing_problem`); a recorded video says it in a note (`out_of_picture_note`), and
its reps are measured from one floor where the feet were out of the picture (`with_feet_on_a_floor`).
"""

from __future__ import annotations

import numpy as np

from liftform.track import (
    LEFT_ANKLE,
    LEFT_EAR,
    LEFT_HEEL,
    LEFT_HIP,
    LEFT_KNEE,
    LEFT_SHOULDER,
    NOSE,
    RIGHT_ANKLE,
    RIGHT_EAR,
    RIGHT_HEEL,
    RIGHT_HIP,
    RIGHT_KNEE,
    RIGHT_SHOULDER,
)

# The body's parts, each in the picture where any of its landmarks is (one row per part; repeats pad the rows).
PART_NAMES = ("head", "shoulders", "hips", "knees", "feet")
PART_LANDMARKS = np.array([(NOSE, LEFT_EAR, RIGHT_EAR, RIGHT_EAR), (LEFT_SHOULDER, RIGHT_SHOULDER) * 2,
                           (LEFT_HIP, RIGHT_HIP) * 2, (LEFT_KNEE, RIGHT_KNEE) * 2,
                           (LEFT_ANKLE, RIGHT_ANKLE, LEFT_HEEL, RIGHT_HEEL)])
# A part out of the picture in this share of the frames with a pose or more is said. The real development clips'
# lifters are out of it in 8 % of their frames at most (a few misplaced poses); a rendered lifter cut at mid-thigh
# has their feet out in every frame.
OUT_SHARE = 0.2
# A knee MediaPipe scores under this is hidden (behind the load, furniture, someone): where it is, is a guess. On the
# real development clips the near knee scores under it in 5-29 % of the frames, and in 80 % of one whose plates hide
# the knees; a rendered lifter kneeling behind a table, 94 %.
KNEE_SEEN = 0.5


def parts_in_picture(image_xy: np.ndarray, frame_size_wh: tuple[int, int], margin: float = 0.0,
                     visibility: np.ndarray | None = None, min_visibility: float = 0.5) -> np.ndarray:
    """(T, len(PART_NAMES)) bool: each part has a landmark inside the frame (``margin`` of its size from the edges)
    and, with ``visibility`` (T, 33), seen (>= ``min_visibility``). image_xy (T, 33, 2) px; NaN counts as out."""
    inside = landmarks_in_picture(image_xy, frame_size_wh, margin)
    if visibility is not None:
        with np.errstate(invalid="ignore"):
            inside &= visibility >= min_visibility
    return inside[:, PART_LANDMARKS].any(axis=2)


def landmarks_in_picture(image_xy: np.ndarray, frame_size_wh: tuple[int, int], margin: float = 0.0) -> np.ndarray:
    """(T, N) bool: each landmark of ``image_xy`` (T, N, 2) px inside the frame, ``margin`` of its size from the
    edges; NaN counts as out."""
    width, height = frame_size_wh
    x, y = image_xy[..., 0], image_xy[..., 1]
    with np.errstate(invalid="ignore"):
        return (x >= margin * width) & (x <= (1 - margin) * width) & (y >= margin * height) \
            & (y <= (1 - margin) * height)


def out_of_picture_note(image_xy: np.ndarray, frame_size_wh: tuple[int, int]) -> str | None:
    """What to tell when parts of the lifter were out of the picture (by where MediaPipe put them) in OUT_SHARE or
    more of the frames with a pose (``image_xy`` (T, 33, 2) px, NaN without one); None when they were in it."""
    posed = np.isfinite(image_xy[:, [LEFT_HIP, RIGHT_HIP], 0]).any(axis=1)
    if not posed.any():
        return None
    out_share = 1.0 - parts_in_picture(image_xy[posed], frame_size_wh).mean(axis=0)     # (parts,)
    out = [(name, share) for name, share in zip(PART_NAMES, out_share, strict=True) if share >= OUT_SHARE]
    if not out:
        return None
    said = [f"the {name} in {share:.0%}" for name, share in out]
    said[0] += " of the frames"
    return (f"the lifter was partly out of the picture ({', '.join(said)}): MediaPipe guessed where, so the reps and "
            "the angles read from there may be wrong; keep the whole body in view")


def knee_in_picture(image_xy: np.ndarray, visibility: np.ndarray, frame_size_wh: tuple[int, int],
                    side: str) -> np.ndarray:
    """(T,) float: 1 where the ``side`` ("left" | "right", nearer the camera) knee and ankle, the points the knee's
    angle is read from below the hip, are inside the picture and the knee is not hidden (`knee_hidden`); 0 where
    not; NaN without a pose. Elsewhere they are MediaPipe's guesses: a webcam on a desk cutting off the feet read a
    stiff-legged stoop's knees bent 29-33 deg, either side of where the advice tells a stoop from a bent-kneed lift
    (seventieth session); a patient kneeling behind a table (knees scored 0.2) was told to bend at the hips."""
    leg = image_xy[:, [LEFT_KNEE, LEFT_ANKLE] if side == "left" else [RIGHT_KNEE, RIGHT_ANKLE]]     # (T, 2, 2)
    inside = landmarks_in_picture(leg, frame_size_wh).all(axis=1) & ~knee_hidden(visibility, side)
    return np.where(np.isfinite(leg).all(axis=(1, 2)), inside, np.nan)


def knee_hidden(visibility: np.ndarray, side: str) -> np.ndarray:
    """(T,) bool: the ``side`` knee scored under `KNEE_SEEN` (``visibility`` (T, 33); NaN, a pose filled in from
    its neighbours, is not read as hidden)."""
    with np.errstate(invalid="ignore"):
        return visibility[:, LEFT_KNEE if side == "left" else RIGHT_KNEE] < KNEE_SEEN


def hidden_knees_note(image_xy: np.ndarray, visibility: np.ndarray, frame_size_wh: tuple[int, int],
                      side: str) -> str | None:
    """What to tell where the near knee was hidden inside the picture (`knee_hidden`; out of it is
    `out_of_picture_note`'s) in OUT_SHARE or more of the frames with a pose of their own (``visibility`` (T, 33)
    finite there); None otherwise. ``image_xy`` (T, 33, 2) px."""
    own = np.isfinite(visibility).all(axis=1)
    knee = image_xy[:, [LEFT_KNEE if side == "left" else RIGHT_KNEE]]
    hidden = knee_hidden(visibility, side) & landmarks_in_picture(knee, frame_size_wh)[:, 0]
    share = float(np.mean(hidden[own])) if own.any() else 0.0
    if share < OUT_SHARE:
        return None
    return (f"the lifter's knees were hidden in {share:.0%} of the frames (behind the load, furniture or someone "
            "passing): MediaPipe guessed where, so whether a rep was a squat, a lunge or a bend at the hips, and the "
            "advice that depends on it, may be wrong; film with nothing between the camera and the legs")


# Where the feet are out of the picture, the floor is read from the frames the trunk stands within this many
# degrees of vertical (where MediaPipe's guess of the feet sits under the body, the legs straight).
FLOOR_UPRIGHT_DEG = 20.0


def with_feet_on_a_floor(image_xy: np.ndarray, frame_size_wh: tuple[int, int], trunk_deg: np.ndarray) -> np.ndarray:
    """``image_xy`` (T, 33, 2) px, unchanged where the feet were in the picture; where they were out of it in
    OUT_SHARE or more of the frames with a pose (a webcam on a desk), a copy whose ankles stand on one floor: the
    median height MediaPipe guessed for them while the trunk stood upright (``trunk_deg`` (T,), within
    FLOOR_UPRIGHT_DEG). A rep's depth and the hands' height are measured from the ankles: guessed afresh in every
    frame, they wandered with the bend, and a rendered hinge filmed from the hips up made five reps of two (the
    camera is taken to stand still, as a webcam does)."""
    posed = np.isfinite(image_xy[:, [LEFT_HIP, RIGHT_HIP], 0]).any(axis=1)
    feet = PART_NAMES.index("feet")
    if not posed.any() or parts_in_picture(image_xy[posed], frame_size_wh)[:, feet].mean() > 1.0 - OUT_SHARE:
        return image_xy
    ankle_y = np.fmax(image_xy[:, LEFT_ANKLE, 1], image_xy[:, RIGHT_ANKLE, 1])
    with np.errstate(invalid="ignore"):
        standing = posed & (np.abs(trunk_deg) < FLOOR_UPRIGHT_DEG) & np.isfinite(ankle_y)
    if not standing.any():
        return image_xy
    pinned = image_xy.copy()
    rows = np.flatnonzero(posed)
    pinned[rows[:, None], [LEFT_ANKLE, RIGHT_ANKLE], 1] = float(np.median(ankle_y[standing]))
    return pinned
