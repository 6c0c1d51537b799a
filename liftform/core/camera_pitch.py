"""A camera looking down on the lifter from above: told from the shoulders, so the back is not judged from there.

Seen from above (a camera on a shelf, a workplace's ceiling camera), the silhouette's upper edge over a bent trunk is
no longer the spine's line but the far side of the back, which runs straight from the shoulder to the hip: a rounded
back reads flat. Rendered stoops rounded 46° read 28° short from 35° above (and from 35° below) and were called
safe hip hinges; from 20° above or below every rendered class was still called right, from 27° above too.

The cue is geometric: seen from a camera pitched by e, the shoulders' left-right axis (horizontal, and across the
view when side-on) shows the far shoulder above the near one by the shoulders' width times sin e: about
0.66 sin e trunk lengths (times the cosine of the camera's yaw). It is read where the trunk leans past
``BENT_LEAN_DEG`` in the image, where the trunk's image length is its own (upright, a pitched camera shortens it).
Rendered: 0.01-0.03 from a level camera, 0.06-0.12 from 20° above, 0.13-0.31 from 27°, 0.34-0.47 from 35°. The
real development clips (level or a little above, as filmed) read -0.07 to 0.18. From below the far shoulder sinks as
much, but real three-quarter views read as much that way (0.27, a level camera): only "from above" is told.
"""

from __future__ import annotations

import numpy as np

from liftform.core.geometry import vector_length

LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP = 11, 12, 23, 24
# Where the trunk leans this far in the image its length there is its own, not shortened by the camera's pitch.
BENT_LEAN_DEG = 60.0
# The rise is read over this window around each frame (the live view: over its recent frames), from at least this
# many bent-over frames.
RISE_WINDOW_S = 3.0
RISE_MIN_FRAMES = 3
# The spine measure is trusted fully up to this rise (about 22° of pitch) and not at all from this one (about 37°):
# past the real clips' highest (0.18) and short of 35° above's lowest on the rendered figure (0.34).
RISE_TRUSTED = 0.25
RISE_UNTRUSTED = 0.40


def far_shoulder_rise(image_xy: np.ndarray, side: str) -> np.ndarray:
    """(T,) how far the far shoulder appears above the near one, in trunk lengths, where the trunk leans at least
    ``BENT_LEAN_DEG`` in the image; NaN elsewhere. ``image_xy`` (T, 33, 2) pixels; ``side``: the near side
    ("left" | "right")."""
    near, far = (LEFT_SHOULDER, RIGHT_SHOULDER) if side == "left" else (RIGHT_SHOULDER, LEFT_SHOULDER)
    trunk = image_xy[:, [LEFT_SHOULDER, RIGHT_SHOULDER]].mean(axis=1) - image_xy[:, [LEFT_HIP, RIGHT_HIP]].mean(axis=1)
    length = vector_length(trunk)
    with np.errstate(invalid="ignore", divide="ignore"):
        lean = np.degrees(np.arctan2(np.abs(trunk[:, 0]), -trunk[:, 1]))
        rise = (image_xy[:, near, 1] - image_xy[:, far, 1]) / length
    return np.where(lean >= BENT_LEAN_DEG, np.clip(rise, -1.0, 1.0), np.nan)


def rise_around(rise: np.ndarray, timestamps_s: np.ndarray) -> np.ndarray:
    """(T,) the mean `far_shoulder_rise` over the ``RISE_WINDOW_S`` around each frame, NaN where fewer than
    ``RISE_MIN_FRAMES`` bent-over frames are in it."""
    known = np.isfinite(rise)
    sums = np.concatenate([[0.0], np.cumsum(np.where(known, rise, 0.0))])
    counts = np.concatenate([[0], np.cumsum(known)])
    lo = np.searchsorted(timestamps_s, timestamps_s - RISE_WINDOW_S / 2)
    hi = np.searchsorted(timestamps_s, timestamps_s + RISE_WINDOW_S / 2, side="right")
    n = counts[hi] - counts[lo]
    return np.where(n >= RISE_MIN_FRAMES, (sums[hi] - sums[lo]) / np.maximum(n, 1), np.nan)


def pitch_trust(rise: np.ndarray | float) -> np.ndarray:
    """How far the spine measure can be trusted at this rise (`rise_around`): 1 up to ``RISE_TRUSTED``, 0 from
    ``RISE_UNTRUSTED``, linear between; 1 where it is unknown (no bent-over frame near: nothing to doubt)."""
    rise = np.asarray(rise, dtype=float)
    trust = np.clip((RISE_UNTRUSTED - rise) / (RISE_UNTRUSTED - RISE_TRUSTED), 0.0, 1.0)
    return np.where(np.isfinite(rise), trust, 1.0)


def filmed_from_above(rise: np.ndarray) -> bool:
    """Whether frames with these `rise_around` values (n,) were filmed from above, as far as the measure doubts
    itself: their median past ``RISE_TRUSTED``."""
    known = rise[np.isfinite(rise)]
    return bool(len(known) and np.median(known) > RISE_TRUSTED)
