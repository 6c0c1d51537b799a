"""The rounded-back flag frame by frame: where the back is judged, how far past its limits, the flag itself.

The rule a frame is judged by, shared by the whole-clip verdict (`core.verdict`), the live per-frame path
(`live.state`), the annotated video, the report and the benchmarks: rounding counts only where the posture lets the
back's contour show flexion (the trunk leaning, or the hips deeply flexed), past the spine's limit or the head's,
in trusted frames, with hysteresis. Arrays are (T,) per analysed frame; degrees; NaN where unknown.
"""

from __future__ import annotations

import numpy as np

from liftform.core.filters import hysteresis, runs_s
from liftform.core.types import Kinematics, Rep
from liftform.settings import VerdictSettings


def rounding_excess_deg(kinematics: Kinematics, settings: VerdictSettings, frames: slice = slice(None)) -> np.ndarray:
    """(T,) degrees past the nearer of the two limits of rounding: the spine's flexion past
    ``rounded_back_spine_deg`` or the head hanging past ``head_hanging_neck_deg`` (a hunched upper back shows in the
    ears before the back's contour), whichever is further; positive = rounded. One signal, so one hysteresis.
    ``frames``: only those (one rep's), not the whole track's."""
    return _excess_deg(kinematics.spine_flexion_deg[frames], kinematics.neck_flexion_deg[frames], settings)


def _excess_deg(spine_flexion_deg: np.ndarray, neck_flexion_deg: np.ndarray, settings: VerdictSettings) -> np.ndarray:
    """`rounding_excess_deg` of arrays of one shape."""
    spine_excess = np.asarray(spine_flexion_deg, dtype=float) - settings.rounded_back_spine_deg
    head_excess = np.asarray(neck_flexion_deg, dtype=float) - settings.head_hanging_neck_deg
    return np.where(np.isnan(head_excess), spine_excess, np.fmax(spine_excess, head_excess))


def spine_judged(trunk_inclination_deg: np.ndarray | float, hip_flexion_deg: np.ndarray | float,
                 settings: VerdictSettings) -> np.ndarray:
    """Where the posture lets the back's contour show flexion: the trunk leaning at least
    ``min_trunk_for_rounding_deg`` (the load pulls on the spine), or the hips flexed at least
    ``min_hip_for_rounding_deg`` (the bottom of a squat, where the pelvis tucks under). Nearer upright with the hips
    open, the contour reads the standing lordosis, buttocks and arms as much as the spine. Same shape as the inputs
    (a 0-d array for one frame); NaN is not judged."""
    with np.errstate(invalid="ignore"):
        return ((np.asarray(trunk_inclination_deg) >= settings.min_trunk_for_rounding_deg)
                | (np.asarray(hip_flexion_deg) >= settings.min_hip_for_rounding_deg))


def past_limit_unjudged(spine_flexion_deg: np.ndarray | float, neck_flexion_deg: np.ndarray | float,
                        trunk_inclination_deg: np.ndarray | float, hip_flexion_deg: np.ndarray | float,
                        settings: VerdictSettings) -> np.ndarray:
    """Where the back reads past a limit of rounding (the spine's or the head's) in a posture it is not judged in
    (:func:`spine_judged`): drawn "not judged", never "neutral". Upright the contour reads the standing lordosis,
    buttocks and arms as much as the spine, so such a reading shows neither a rounded back nor a neutral one: a
    half-kneeling lifter whose back read past its limit had been drawn green, "Back: neutral". Same shape as the
    inputs (a 0-d array for one frame); NaN reads are not past."""
    with np.errstate(invalid="ignore"):
        past = _excess_deg(spine_flexion_deg, neck_flexion_deg, settings) >= 0.0
    return past & ~spine_judged(trunk_inclination_deg, hip_flexion_deg, settings)


def flag_rounded_frames(kinematics: Kinematics, settings: VerdictSettings) -> np.ndarray:
    """(T,) bool: the back is judged rounded (with hysteresis), only where the spine measure is trusted and the
    posture is one where the contour shows flexion (:func:`spine_judged`)."""
    trusted = ((kinematics.spine_flexion_confidence >= settings.min_confidence)
               & spine_judged(kinematics.trunk_inclination_deg, kinematics.hip_flexion_deg, settings))
    return hysteresis(rounding_excess_deg(kinematics, settings), 0.0, -settings.flag_hysteresis_deg, enabled=trusted)


def armed_within(flagged: np.ndarray, excess_deg: np.ndarray, part: np.ndarray,
                 arming: np.ndarray | None = None) -> np.ndarray:
    """``flagged`` (n,) bool within ``part`` (n,) bool, each run of it counted from its first frame in ``arming``
    (n,) bool (default: the part) that reads past the limit (``excess_deg`` (n,) >= 0, `rounding_excess_deg`). The
    hysteresis runs over the whole track, so a back rounded reaching down (not judged) stayed flagged into the lift
    while it read up to ``flag_hysteresis_deg`` under the limit: a lift never past its limit was called rounded, "the
    spine rounded 22° (limit 25°)". A run passing the limit inside the part counts as before, its hysteresis
    included. A rep's load resting on the floor between lowering and lift-off joins a rounding of the two (part, not
    arming): a back past the limit only while the load rested had flagged the lift's first frames just under it,
    told as "passed its limit for a moment (0.07 s)" beside "peaked at +19° (limit 21°)"."""
    inside = np.asarray(flagged, dtype=bool) & np.asarray(part, dtype=bool)
    arms = inside if arming is None else inside & np.asarray(arming, dtype=bool)
    with np.errstate(invalid="ignore"):
        past = arms & (np.asarray(excess_deg) >= 0.0)
    index = np.arange(len(inside))
    run_opened = np.maximum.accumulate(np.where(~inside, index, -1))      # the frame before each run
    last_past = np.maximum.accumulate(np.where(past, index, -1))
    return inside & (last_past > run_opened)


def rounding_carried_s(flagged: np.ndarray, counted: np.ndarray, first: int, timestamps_s: np.ndarray,
                       min_rounded_s: float) -> tuple[float, np.ndarray]:
    """How long the back that took the load had been rounded (s), and that run's frames ((n,) bool): where it is
    ``flagged`` (n,) through the frames just before the lift's ``first`` (reaching down empty-handed, or over a
    lowered load resting on the floor; the caller gives the spine flagged and past its own limit: not held by the
    hysteresis alone, nor by the head, which a flat-backed lifter may hang looking at the load, a random rendered
    hinge called rounded so) and ``counted`` (n,) from ``first`` on, each for at least half of ``min_rounded_s``,
    the whole run, the reach's part and the lift's (drawn red as the verdict counts it); else 0 and none. A lifter
    who reached down rounded and yanked the load up in 0.2 s had the back past its limit for 0.10 s of the lift and
    was cleared, "past its limit for only 0.10 s": the most harmful lift there is. Half on each side, so that a
    lift-off placed a frame or two off does not make a rounded set-up, set flat, a rounded lift, nor a lift's brief
    rounding that began a frame before its lift-off (a real oblique RDL's, mirrored) one long enough."""
    flagged, counted = np.asarray(flagged, dtype=bool), np.asarray(counted, dtype=bool)
    index = np.arange(len(flagged))
    none = (0.0, np.zeros(len(flagged), dtype=bool))
    if not 0 < first < len(flagged) or not (flagged[first - 1] and counted[first]):
        return none
    # Timed as any run is, on the whole rep's frames: one frame has its interval, a gap in the frames ends a run.
    joined = np.where(index < first, flagged, counted)
    starts, durations = runs_s(joined, timestamps_s)
    run = np.searchsorted(starts, first, side="right") - 1          # the run holding lift-off's frame
    if starts[run] == first:                                        # a gap just before lift-off: nothing carried
        return none
    reach_s = runs_s(flagged & (index >= starts[run]) & (index < first), timestamps_s)[1]
    lift_s = durations[run] - reach_s[-1]
    if min(reach_s[-1], lift_s) < 0.5 * min_rounded_s:
        return none
    return float(durations[run]), joined & (np.searchsorted(starts, index, side="right") - 1 == run)


def head_flagged(flagged: np.ndarray | bool, neck_flexion_deg: np.ndarray | float,
                 head_hanging_neck_deg: float) -> np.ndarray:
    """Where the head hanging past its limit is (part of) why the back is flagged: (T,) bool, or a 0-d array for one
    frame. The overlays, the live panel and the report's plot name the head there, so a red back over a spine angle
    inside its own limit is explained."""
    with np.errstate(invalid="ignore"):
        return np.asarray(flagged, dtype=bool) & (np.asarray(neck_flexion_deg) >= head_hanging_neck_deg)


def shown_spine_flexion_deg(spine_flexion_deg: np.ndarray | float, trunk_inclination_deg: np.ndarray | float,
                            hip_flexion_deg: np.ndarray | float, settings: VerdictSettings) -> np.ndarray:
    """Spine flexion (deg) where it is judged (:func:`spine_judged`), NaN elsewhere: what panels show, same shape as
    the input."""
    return np.where(spine_judged(trunk_inclination_deg, hip_flexion_deg, settings), spine_flexion_deg, np.nan)


def quick_rounding_note(flagged: np.ndarray, reps: list[Rep] | tuple[Rep, ...], timestamps_s: np.ndarray,
                        min_rounded_s: float, min_rep_s: float) -> str | None:
    """What to say of the stretches ``flagged`` (T,) rounded for ``min_rounded_s`` or longer outside every rep (None
    without one): a bend the rep finder left out, shorter than the ``min_rep_s`` a rep takes (too quick, or the
    video sped up), whose rounding had gone unsaid (a 4x sped-up clip's first rounded bend vanished, the clip safe)."""
    outside = np.asarray(flagged, dtype=bool).copy()
    for rep in reps:
        outside[rep.start:rep.end + 1] = False
    starts, durations = runs_s(outside, timestamps_s)
    at = timestamps_s[starts[durations >= min_rounded_s]]
    if not len(at):
        return None
    return (f"the back read rounded at {', '.join(f'{t:.1f}' for t in at)} s outside the reps counted (a bend too "
            f"quick, under {min_rep_s:g} s, or too shallow to count as a lift; or the video is sped up): not judged")
