"""Flexibility screen: from one slow bend towards the floor, how far a person can hinge before the spine rounds.

The early part of a slow bend (trunk leaning 25-50 deg) is done with the spine still neutral by nearly everyone, so
the back's contour there is the person's own neutral reference. From there the spine's flexion is followed down:
the hinge depth is the trunk lean at which it first rounds past ``onset_deg``, and the maximum flexion at the bottom
is the person's range. The advice follows the seed's: hinge if the hips give enough range, else lunge or squat down
to the load, or first work on flexibility.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from liftform.core.types import Kinematics

NEUTRAL_WINDOW_DEG = (25.0, 50.0)   # trunk lean at which the spine is taken to be still neutral


@dataclass(frozen=True)
class ScreenResult:
    """What a flexibility screen found. Angles in degrees; ``advice`` one of hip_hinge | lunge | flexibility_first."""

    neutral_bend_deg: float          # the person's own contour bend of a neutral back (replaces the default)
    hinge_depth_deg: float           # trunk lean reached before the spine rounded past the onset
    hip_flexion_at_onset_deg: float
    max_spine_flexion_deg: float     # the person's range: peak flexion relative to their own neutral
    max_trunk_inclination_deg: float
    advice: str
    reason: str
    confidence: float
    notes: tuple[str, ...] = ()      # about the video it was read from (a dark picture, a damaged file)


def screen_bend(kinematics: Kinematics, onset_deg: float = 10.0, min_confidence: float = 0.4) -> ScreenResult:
    """Screen one slow bend. ``onset_deg``: spine flexion (above the own neutral) that counts as starting to round."""
    k = kinematics
    trusted = k.spine_flexion_confidence >= min_confidence
    raw_bend = k.spine_flexion_deg + k.spine_baseline_deg
    bottom = int(np.nanargmax(np.where(k.valid, k.trunk_inclination_deg, -np.inf))) if k.valid.any() else 0
    descent = np.arange(len(k)) <= bottom
    with np.errstate(invalid="ignore"):
        early = descent & trusted & (k.trunk_inclination_deg >= NEUTRAL_WINDOW_DEG[0]) & (
            k.trunk_inclination_deg <= NEUTRAL_WINDOW_DEG[1])
    if early.sum() < 3 or not trusted[descent].any():
        nan = float("nan")
        return ScreenResult(nan, nan, nan, nan, float(np.nanmax(k.trunk_inclination_deg, initial=np.nan)),
                            "insufficient_data", "the back was not seen clearly during the bend: film side-on, "
                            "bend slowly all the way down", float(np.mean(trusted)))
    neutral = float(np.median(raw_bend[early]))
    flexion = raw_bend - neutral
    with np.errstate(invalid="ignore"):
        rounding = descent & trusted & (flexion > onset_deg) & (k.trunk_inclination_deg > NEUTRAL_WINDOW_DEG[0])
    rounded = bool(rounding.any())
    onset = int(np.argmax(rounding)) if rounded else bottom
    hinge_depth = float(k.trunk_inclination_deg[onset])
    max_flexion = float(np.nanmax(np.where(trusted, flexion, np.nan)))
    max_trunk = float(k.trunk_inclination_deg[bottom])

    if not rounded and hinge_depth < 70:
        advice = "lunge"
        reason = (f"your spine stayed neutral down to {hinge_depth:.0f}° of trunk lean, the deepest you went: "
                  "for loads lower than that, go down in a lunge or squat (or repeat the screen bending further)")
    elif hinge_depth >= 70:
        advice = "hip_hinge"
        reason = (f"you hinge to {hinge_depth:.0f}° of trunk lean with a neutral spine: lift from low with a hip "
                  "hinge, back flat, load close")
    elif hinge_depth >= 45:
        advice = "lunge"
        reason = (f"your spine starts to round at {hinge_depth:.0f}° of trunk lean: for loads near the floor, "
                  "go down to them in a lunge or squat (one knee towards the floor, load close), not by bending")
    else:
        advice = "flexibility_first"
        reason = (f"your spine rounds already at {hinge_depth:.0f}° of trunk lean: work on hip and hamstring "
                  "flexibility first, and lift from a raised surface meanwhile")
    confidence = float(np.mean(k.spine_flexion_confidence[descent]))
    return ScreenResult(neutral, hinge_depth, float(k.hip_flexion_deg[onset]), max_flexion, max_trunk, advice,
                        reason, confidence)
