"""A camera looking down on the lifter from above: told from the shoulders, so a back is not cleared from there.

Seen from above (a camera on a shelf, a workplace's ceiling camera), the silhouette's upper edge over a bent trunk is
no longer the spine's line but the far side of the back, which runs straight from the shoulder to the hip: a rounded
back reads flat. Rendered stoops rounded 46° read 28° short from 35° above (and from 35° below) and were called
safe hip hinges; from 20° above or below the classes tried were still called right, from 27° above all but a
big-buttocked stoop (`RISE_DOUBT`). A reading from above errs flat, so rounding seen there is still an answer; a
back that reads flat there is not cleared.

The cue is geometric: seen from a camera pitched by e, the shoulders' left-right axis (horizontal, and across the
view when side-on) shows the far shoulder above the near one by the shoulders' width times sin e: about
0.66 sin e trunk lengths. It is read where the trunk leans past ``BENT_LEAN_DEG`` in the image (upright, a pitched
camera shortens the trunk) and the view is side-on (in a three-quarter view the model's guess of the far shoulder
moves it as much: a real rear three-quarter deadlift from a low camera read 0.33), as each rep's median over its
judged frames. Rendered side-on: 0.00-0.03 from a level camera, 0.05-0.14 from 20° above, 0.10-0.33 from 27°,
0.32-0.46 from 35° (the wrongly cleared stoops 0.42-0.46); the real development clips' 104 reps with a reading (as
filmed and mirrored) at most 0.27. From below the far shoulder sinks as much (rendered, 35° below: -0.11 to -0.39),
but real reps read down to -0.44 that way (the model's guess of the far shoulder): only "from above" is told.
"""

from __future__ import annotations

import numpy as np

from liftform.core.geometry import angle_between_deg
from liftform.core.silhouette import trunk_axes
from liftform.track import LEFT_SHOULDER, RIGHT_SHOULDER, trunk_midpoints

# Where the trunk leans this far in the image its length there is its own, not shortened by the camera's pitch.
BENT_LEAN_DEG = 60.0
IMAGE_UP = np.array([0.0, -1.0])
# Frames whose median rise reaches this were filmed from above (about 32° of pitch): midway between the real reps'
# highest (0.27) and the lowest of the rendered stoops cleared from 35° above (0.42); told from at least this many.
RISE_FROM_ABOVE = 0.35
RISE_MIN_FRAMES = 3
# From this rise (about 18°) a camera looks down a little: a back cleared there is cleared with less certainty, down
# to half at RISE_FROM_ABOVE (a rendered big-buttocked stoop from 27° above read 41° short, rise 0.27, called safe).
RISE_DOUBT = 0.20


def far_shoulder_rise(image_xy: np.ndarray, side: str, view_yaw_deg: np.ndarray, side_on_yaw_deg: float) -> np.ndarray:
    """(T,) how far the far shoulder appears above the near one, in trunk lengths, where the trunk leans at least
    ``BENT_LEAN_DEG`` in the image and the camera's yaw (``view_yaw_deg`` (T,)) is within ``side_on_yaw_deg``; NaN
    elsewhere. ``image_xy`` (T, 33, 2) pixels; ``side``: the near side ("left" | "right")."""
    near, far = (LEFT_SHOULDER, RIGHT_SHOULDER) if side == "left" else (RIGHT_SHOULDER, LEFT_SHOULDER)
    axis, _, length = trunk_axes(*trunk_midpoints(image_xy))
    with np.errstate(invalid="ignore", divide="ignore"):
        rise = (image_xy[:, near, 1] - image_xy[:, far, 1]) / length
        readable = (angle_between_deg(axis, IMAGE_UP) >= BENT_LEAN_DEG) & (view_yaw_deg <= side_on_yaw_deg)
    return np.where(readable, np.clip(rise, -1.0, 1.0), np.nan)


def median_rise(rise: np.ndarray) -> float:
    """The median of these `far_shoulder_rise` values (n,), NaN with fewer than ``RISE_MIN_FRAMES`` known."""
    known = rise[np.isfinite(rise)]
    return float(np.median(known)) if len(known) >= RISE_MIN_FRAMES else float("nan")


def rep_rise(track_rise: np.ndarray, judged_rise: np.ndarray) -> float:
    """How far above a rep the camera looks: the `median_rise` of its judged frames' `far_shoulder_rise` values
    ``judged_rise`` (n,) or of the whole track's ``track_rise`` (T,), whichever is higher. The pitch is the camera's: a
    rendered stoop filmed from 30° above, its clip told "the camera looks down a little", had a rep read 18° cleared
    as a sure good hinge, that rep's own few frames reading lower."""
    return float(np.fmax(median_rise(judged_rise), median_rise(track_rise)))


def looks_down(median: float) -> bool:
    """Whether a camera whose frames' `median_rise` is ``median`` looks down on the lifter from above: it reaches
    ``RISE_FROM_ABOVE`` (False where unknown, NaN)."""
    return bool(median >= RISE_FROM_ABOVE)


def filmed_from_above(rise: np.ndarray) -> bool:
    """Whether frames with these `far_shoulder_rise` values (n,) were filmed from above (`looks_down`)."""
    return looks_down(median_rise(rise))


def pitch_note(median: float) -> str | None:
    """What to say of a clip whose frames' `median_rise` is ``median`` (None: the camera was level enough)."""
    if looks_down(median):
        return ("the camera looks down on the lifter from above: from there the back's outline is not the spine's and "
                "a rounded back reads flat, so a back is not cleared there (film level, from hip height)")
    if median >= RISE_DOUBT:
        return ("the camera looks down on the lifter a little: a rounded back can read flatter from above, so a back "
                "cleared here is cleared less surely (film level, from hip height)")
    return None


def clearing_trust(median: float) -> float:
    """How sure a back cleared at this `median_rise` can be: 1 under ``RISE_DOUBT`` (or unknown), falling to 0.5 at
    ``RISE_FROM_ABOVE`` (from there a back is not cleared at all)."""
    if not median >= RISE_DOUBT:
        return 1.0
    return float(max(0.5, 1.0 - 0.5 * (median - RISE_DOUBT) / (RISE_FROM_ABOVE - RISE_DOUBT)))
