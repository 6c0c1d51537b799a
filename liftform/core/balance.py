"""Where the body's weight lies against the feet: a person sitting down is told from a person lifting.

Standing free, a body keeps its centre of mass over its feet: a hinge's hips go back as its chest goes forward, a
squat's knees go forward as its hips go down. Seated on a chair (or a stool, a bench, the edge of a bed), the weight
is on the seat, behind the feet: the trunk upright over hips a thigh's length behind the ankles. A patient sitting
down between lifts had each sit counted as a rep, "Good squat lift: chest up, back flat", and every later pick-up
told as a set-down (`phases.lowers_load` counts the bends).

The centre of mass is estimated from the landmarks in the picture: each segment's at its midpoint (the head's at
the ears, a foot's between heel and toes), weighted by the usual share of body mass (Winter's tables, rounded), and
compared with the rearmost point of the feet (heels and toes, either foot) along the way the person faces, in trunk
lengths. Rendered seated rests read 0.42; every rep of the real development clips (as filmed and mirrored), of the
rendered classes and of the random rendered lifters 0.12 or less (a rep's median over its bottom), most under 0.
"""

from __future__ import annotations

import numpy as np

from liftform.core.geometry import vector_length
from liftform.track import trunk_midpoints

# (landmarks averaged for one end, landmarks for the other end or () for a point segment, share of body mass)
_SEGMENTS: tuple[tuple[tuple[int, ...], tuple[int, ...], float], ...] = (
    ((7, 8), (), 0.081),                                        # head: between the ears
    ((11,), (13,), 0.028), ((12,), (14,), 0.028),               # upper arms
    ((13,), (15,), 0.022), ((14,), (16,), 0.022),               # forearms and hands
    ((23,), (25,), 0.100), ((24,), (26,), 0.100),               # thighs
    ((25,), (27,), 0.0465), ((26,), (28,), 0.0465),             # shanks
    ((29, 31), (), 0.0145), ((30, 32), (), 0.0145),             # feet: heel and toes
)
TRUNK_MASS = 0.497
FEET = [29, 30, 31, 32]          # heels and toes (foot index), both feet
# A rep whose bottom has the centre of mass further behind the feet than this (trunk lengths, about 12 cm) was sat
# down, not lifted: midway between the most any free-standing rep read (0.12: a held load in front and the model's
# guess of the far leg move it) and a seated rest (0.42).
SEATED_BEHIND_FEET = 0.25
# ... in nearly all of them (a share), for a rest at least this long, sitting up: a real deadlift's misread poses at
# a clip's edge (the trunk read upright over hips flexed 111°) put it past 0.25 for a moment, in 6 of 10 frames; a
# box squat's pause on the box (shins upright: 0.26-0.29) leans the trunk forward over the knees, 35°, for a second.
SEATED_SHARE = 0.8
SEATED_MIN_S = 2.0
# A trunk leaning less than this sits (or walks) upright; a lift leans further (`reps.seat_claim`, `crossed_the_edge`).
UPRIGHT_LEAN_DEG = 25.0


def mass_behind_feet(image_xy: np.ndarray, facing: np.ndarray, view_yaw_deg: np.ndarray,
                     side_on_yaw_deg: float) -> np.ndarray:
    """(T,) how far the body's centre of mass lies behind the rearmost point of the feet, along the way the person
    faces, in trunk lengths: negative over or in front of the feet (standing, bending, squatting), positive behind
    them (seated). ``image_xy`` (T, 33, 2) pixels, ``facing`` (T,) +1 image-right, -1 image-left, 0 unknown; NaN
    where the facing or a landmark is unknown, or the camera's yaw (``view_yaw_deg`` (T,)) is past
    ``side_on_yaw_deg``: turned, the picture shortens the distance and mixes the feet's spread across the view into
    it (a rendered seat read 0.42 side-on, 0.29 at 30°, 0.17 at 45°, counted again as a squat)."""
    shoulders, hips = trunk_midpoints(image_xy)
    centre = TRUNK_MASS * 0.5 * (shoulders + hips)
    for first, second, share in _SEGMENTS:
        end = image_xy[:, list(first)].mean(axis=1)
        centre = centre + share * (end if not second else 0.5 * (end + image_xy[:, list(second)].mean(axis=1)))
    centre /= TRUNK_MASS + sum(share for *_, share in _SEGMENTS)
    with np.errstate(invalid="ignore"):
        forward = np.where((facing == 0) | ~(view_yaw_deg <= side_on_yaw_deg), np.nan, facing)
    rearmost = np.min(forward[:, None] * image_xy[:, FEET, 0], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (rearmost - forward * centre[:, 0]) / vector_length(shoulders - hips)


def seated(behind_at_bottom: np.ndarray, trunk_inclination_deg: np.ndarray, timestamps_s: np.ndarray) -> bool:
    """Whether a bend whose bottom frames read these `mass_behind_feet` values (n,), trunk leans (n,, degrees) at
    ``timestamps_s`` (n,) was sat down, not lifted: ``SEATED_SHARE`` of the known ones past ``SEATED_BEHIND_FEET``,
    for ``SEATED_MIN_S`` or more, the trunk there leaning under ``UPRIGHT_LEAN_DEG`` (their median). False where
    none is known."""
    known = np.isfinite(behind_at_bottom)
    behind = known & (np.where(known, behind_at_bottom, 0.0) > SEATED_BEHIND_FEET)
    if not behind.any() or behind.sum() < SEATED_SHARE * known.sum():
        return False
    lean = trunk_inclination_deg[behind]
    if not (np.isfinite(lean).any() and np.nanmedian(lean) < UPRIGHT_LEAN_DEG):
        return False
    at = timestamps_s[behind]
    return bool(at[-1] - at[0] >= SEATED_MIN_S)
