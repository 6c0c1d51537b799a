"""A reflection of the lifter is not a second lifter.

Gyms line their walls with mirrors, and a lifter filmed in front of one is followed twice: the person and their
reflection, each with the same reps (a rendered lifter beside their mirror image: "6 rep(s) by 2 lifters", the clip's
verdict covering both). A reflection moves with the lifter to the frame: their trunks lean and their hips flex by the
same angles at the same instant. Two people lifting together do not. Measured as the mean difference of the trunks'
lean (its largest tenth left out: the model's misreadings) with one of them delayed by up to 0.3 s either way: real
and rendered clips beside their own mirror image, or beside a copy at 0.7 of their size (a mirror behind them), match
best at no delay, 0.3-2.8 deg apart there (the hips 0.5-6.1 deg); the same real clips beside their mirror image 0.1 s
late match best 0.10 s apart (4.2-6.8 deg at no delay, the hips 8.3-9.8), two real lifters side by side 0.17 s apart
(9.1 deg, the hips 12.4). The backs of a reflection read alike too (median spine flexion 1-3 deg apart); a pair whose
backs do not stays two lifters, each judged.
"""

from __future__ import annotations

import numpy as np

from liftform.core.filters import frame_interval_s
from liftform.core.types import Kinematics

MAX_LAG_S = 0.04                 # a reflection matches best within a frame of 30 fps of no delay
LAG_SEARCH_S = 0.3               # delays tried, either way
MAX_TRUNK_DIFFERENCE_DEG = 5.0   # of the trunks' lean at no delay (mean of the closest nine tenths)
MAX_HIP_DIFFERENCE_DEG = 8.0     # of the hips' flexion, the same way
MAX_SPINE_DIFFERENCE_DEG = 8.0   # of the spine's flexion (median where both bend): the same back
BENT_TRUNK_DEG = 40.0            # the backs are compared where both trunks lean this far (where rounding is judged)
MIN_SHARED_S = 2.0               # both seen this long (a short pair says little of its timing)
MIN_BACKS_SEEN_S = 0.5           # both backs read, bent over, at least this long
MIN_SPREAD_DEG = 10.0            # the trunk's lean must vary this much (SD) for its timing to tell
TRIM_QUANTILE = 90.0             # the differences above this percentile are left out (the model's misreadings)

NOTE = ("a reflection of the lifter (a mirror) moved with them to the frame and read their back alike: it is not "
        "counted as another lifter")


def _trimmed_mean(values: np.ndarray) -> float:
    """Mean of the finite values up to their ``TRIM_QUANTILE`` percentile (NaN with fewer than 3)."""
    values = values[np.isfinite(values)]
    if len(values) < 3:
        return np.nan
    return float(values[values <= np.percentile(values, TRIM_QUANTILE)].mean())


def _differences_by_lag(x: np.ndarray, y: np.ndarray, max_lag: int) -> np.ndarray:
    """(2 * max_lag + 1,) trimmed mean |x[t] - y[t + lag]|, lag = -max_lag .. max_lag frames."""
    n = len(x)
    return np.array([_trimmed_mean(np.abs(x[max(0, -lag):n - max(0, lag)] - y[max(0, lag):n + min(0, lag)]))
                     for lag in range(-max_lag, max_lag + 1)])


def is_reflection(lifter: Kinematics, other: Kinematics) -> bool:
    """Whether ``other`` moved with ``lifter`` to the frame (both (T,) over the same analysed frames): the trunks'
    lean differs least with no delay (within ``MAX_LAG_S``, of delays up to ``LAG_SEARCH_S``) and then by at most
    ``MAX_TRUNK_DIFFERENCE_DEG``, the hips' flexion by at most ``MAX_HIP_DIFFERENCE_DEG``, over at least
    ``MIN_SHARED_S`` of frames where both were seen and the lean varied; and the backs read alike (median spine
    flexion apart at most ``MAX_SPINE_DIFFERENCE_DEG`` over at least ``MIN_BACKS_SEEN_S`` where both trunks lean
    ``BENT_TRUNK_DEG``): a "reflection" whose back reads otherwise, or is not seen, stays a lifter of its own."""
    if len(lifter.timestamps_s) != len(other.timestamps_s) or len(lifter.timestamps_s) < 3:
        return False
    trunk_a, trunk_b = lifter.trunk_inclination_deg, other.trunk_inclination_deg
    shared = np.isfinite(trunk_a) & np.isfinite(trunk_b)
    frame_s = frame_interval_s(lifter.timestamps_s)
    if shared.sum() * frame_s < MIN_SHARED_S or np.std(trunk_a[shared]) < MIN_SPREAD_DEG:
        return False
    max_lag = max(1, int(round(LAG_SEARCH_S / frame_s)))
    by_lag = _differences_by_lag(trunk_a, trunk_b, max_lag)
    if not np.isfinite(by_lag).any() or abs(int(np.nanargmin(by_lag)) - max_lag) * frame_s > MAX_LAG_S:
        return False
    hips = _trimmed_mean(np.abs(lifter.hip_flexion_deg - other.hip_flexion_deg))
    with np.errstate(invalid="ignore"):
        bent = shared & (np.fmin(trunk_a, trunk_b) >= BENT_TRUNK_DEG)
    spine_gap = np.abs(lifter.spine_flexion_deg - other.spine_flexion_deg)[bent]
    spine_gap = spine_gap[np.isfinite(spine_gap)]
    if len(spine_gap) * frame_s < MIN_BACKS_SEEN_S:
        return False                  # backs not compared: two people, as far as anyone can tell
    return bool(by_lag[max_lag] <= MAX_TRUNK_DIFFERENCE_DEG and hips <= MAX_HIP_DIFFERENCE_DEG
                and float(np.median(spine_gap)) <= MAX_SPINE_DIFFERENCE_DEG)
