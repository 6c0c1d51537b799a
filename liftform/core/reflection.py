"""A reflection of the lifter is not a second lifter.

Gyms line their walls with mirrors, and a lifter filmed in front of one is followed twice: the person and their
reflection, each with the same reps (a rendered lifter beside their mirror image: "6 rep(s) by 2 lifters", the clip's
verdict covering both). A reflection moves with the lifter to the frame: their trunks lean and their hips flex by
the same angles at the same instant. Two people lifting together do not: on real clips put beside their own mirror
image (and a rendered one) the trunk's lean matches best at no delay, or a frame from it, with a correlation of
0.98-1.00 there and a median difference of 1-3 deg; the same clips beside their mirror image 0.1 s late match best
0.10-0.17 s apart (0.80-0.96 at no delay, 4.6-6.5 deg apart), two real lifters side by side 0.13 s apart (0.91 at
no delay, 10 deg apart). Their backs read 1-3 deg apart (median spine flexion) on the reflections, 16 deg on the
two lifters.
"""

from __future__ import annotations

import numpy as np

from liftform.core.types import Kinematics

MAX_LAG_S = 0.04                 # a reflection matches best within a frame of 30 fps
MIN_CORRELATION = 0.97           # of the trunk's lean and of the hips' flexion, at no delay
MAX_MEDIAN_DIFFERENCE_DEG = 5.0  # of the trunk's lean
MAX_SPINE_DIFFERENCE_DEG = 8.0   # of the spine's flexion (median where both bend): the same back
BENT_TRUNK_DEG = 40.0            # the backs are compared where both trunks lean this far (where rounding is judged)
MIN_BACKS_SEEN_S = 0.5           # both backs read, bent over, at least this long
MIN_SHARED_S = 2.0               # both seen this long, moving (a still pair says nothing)
MIN_SPREAD_DEG = 10.0            # the trunk's lean must vary this much (SD) for its timing to tell
LAG_SEARCH_S = 0.3               # delays tried, either way

NOTE = ("a reflection of the lifter (a mirror) moved with them to the frame: it is not judged as another lifter "
        "(film with no mirror behind or beside the lifter for a clean picture)")


def _correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation over the pairs where both are finite (NaN with fewer than 3 or no spread)."""
    both = np.isfinite(x) & np.isfinite(y)
    if both.sum() < 3 or np.std(x[both]) == 0 or np.std(y[both]) == 0:
        return np.nan
    return float(np.corrcoef(x[both], y[both])[0, 1])


def _lagged_correlations(x: np.ndarray, y: np.ndarray, max_lag: int) -> np.ndarray:
    """(2 * max_lag + 1,) correlation of x[t] with y[t + lag], lag = -max_lag .. max_lag frames."""
    n = len(x)
    return np.array([_correlation(x[max(0, -lag):n - max(0, lag)], y[max(0, lag):n + min(0, lag)])
                     for lag in range(-max_lag, max_lag + 1)])


def is_reflection(lifter: Kinematics, other: Kinematics) -> bool:
    """Whether ``other`` moved with ``lifter`` to the frame (both (T,) over the same analysed frames): their trunks'
    lean matches best within ``MAX_LAG_S`` of no delay, correlates by ``MIN_CORRELATION`` or more there (the hips'
    flexion too) and differs by at most ``MAX_MEDIAN_DIFFERENCE_DEG`` (median), over at least ``MIN_SHARED_S`` of
    frames where both were seen and the lean varied; and their backs read alike (median spine flexion apart at most
    ``MAX_SPINE_DIFFERENCE_DEG`` over at least ``MIN_BACKS_SEEN_S`` where both trunks lean ``BENT_TRUNK_DEG``): a
    reflection whose back reads otherwise, or is not seen, stays a lifter of its own, judged."""
    if len(lifter.timestamps_s) != len(other.timestamps_s) or len(lifter.timestamps_s) < 3:
        return False
    trunk_a, trunk_b = lifter.trunk_inclination_deg, other.trunk_inclination_deg
    shared = np.isfinite(trunk_a) & np.isfinite(trunk_b)
    t = lifter.timestamps_s
    frame_s = float(np.median(np.diff(t)))
    if shared.sum() * frame_s < MIN_SHARED_S or np.std(trunk_a[shared]) < MIN_SPREAD_DEG:
        return False
    lags = _lagged_correlations(trunk_a, trunk_b, max(1, int(round(LAG_SEARCH_S / frame_s))))
    if not np.isfinite(lags).any():
        return False
    best_lag_s = abs(int(np.nanargmax(lags)) - (len(lags) - 1) // 2) * frame_s
    at_zero = lags[(len(lags) - 1) // 2]
    hips = _correlation(lifter.hip_flexion_deg, other.hip_flexion_deg)
    difference = float(np.median(np.abs(trunk_a - trunk_b)[shared]))
    with np.errstate(invalid="ignore"):
        bent = shared & (np.fmin(trunk_a, trunk_b) >= BENT_TRUNK_DEG)
    spine_gap = np.abs(lifter.spine_flexion_deg - other.spine_flexion_deg)[bent]
    spine_gap = spine_gap[np.isfinite(spine_gap)]
    if len(spine_gap) * frame_s < MIN_BACKS_SEEN_S:
        return False                  # backs not compared: two people, as far as anyone can tell
    spine_difference = float(np.median(spine_gap))
    return bool(best_lag_s <= MAX_LAG_S and at_zero >= MIN_CORRELATION and hips >= MIN_CORRELATION
                and difference <= MAX_MEDIAN_DIFFERENCE_DEG and spine_difference <= MAX_SPINE_DIFFERENCE_DEG)
