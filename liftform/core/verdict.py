"""From angles and reps to a verdict per rep, with the numbers that decided it.

The rule, in order: a rep is ``insufficient_data`` when the back was not seen well enough during the loaded part
(the lower half of the movement, where the load pulls on the spine); ``rounded_back`` when the spine stayed flexed
past the threshold for long enough there; otherwise ``lunge`` (split stance, knees bent, trunk upright), ``squat``
(knees deeply bent, trunk fairly upright) or ``hip_hinge``. Jerky lifts and hyper-extension at lockout
(the back arched more than when standing) are reported as extra faults, never as rounding.
"""

from __future__ import annotations

import numpy as np

from liftform.core.filters import hysteresis, run_lengths_s
from liftform.core.types import Kinematics, Rep, RepVerdict
from liftform.settings import VerdictSettings


def flag_rounded_frames(kinematics: Kinematics, settings: VerdictSettings) -> np.ndarray:
    """(T,) bool: the back is judged rounded (with hysteresis), only where the spine measure is trusted and the trunk
    leans forward enough for the load to pull on the spine."""
    with np.errstate(invalid="ignore"):
        trusted = ((kinematics.spine_flexion_confidence >= settings.min_confidence)
                   & (kinematics.trunk_inclination_deg >= settings.min_trunk_for_rounding_deg))
    return hysteresis(kinematics.spine_flexion_deg, settings.rounded_back_spine_deg,
                      settings.rounded_back_spine_deg - settings.flag_hysteresis_deg, enabled=trusted)


def shown_spine_flexion_deg(spine_flexion_deg: np.ndarray | float, trunk_inclination_deg: np.ndarray | float,
                            min_trunk_deg: float) -> np.ndarray:
    """Spine flexion (deg) where it is judged, NaN where the trunk leans less than ``min_trunk_deg`` (the verdict's
    ``min_trunk_for_rounding_deg``: the contour of an upright back reads lordosis, buttocks and arms as much as the
    spine): what panels show, same shape as the input."""
    with np.errstate(invalid="ignore"):
        judged = np.asarray(trunk_inclination_deg) >= min_trunk_deg
    return np.where(judged, spine_flexion_deg, np.nan)


def _nanmax(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.max()) if len(finite) else float("nan")


def _signed(angle_deg: float) -> str:
    """A whole number of degrees with its sign, "0°" (not "-0°") when it rounds to zero, "--" when unknown."""
    if not np.isfinite(angle_deg):
        return "--"
    whole = int(round(angle_deg))
    return f"{whole:+d}°" if whole else "0°"


def _nanmin(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.min()) if len(finite) else float("nan")


def standing_spine_deg(kinematics: Kinematics, settings: VerdictSettings) -> float:
    """Median spine flexion over the trusted near-upright frames of the clip (NaN if none): the person's own
    standing contour, which lockout is compared with (the upright contour is far from the neutral-bend reference)."""
    k = kinematics
    with np.errstate(invalid="ignore"):
        upright = (np.abs(k.trunk_inclination_deg) < 20) & (k.spine_flexion_confidence >= settings.min_confidence)
    return float(np.median(k.spine_flexion_deg[upright])) if upright.sum() >= 5 else float("nan")


def judge_rep(kinematics: Kinematics, rep: Rep, flagged: np.ndarray, settings: VerdictSettings,
              personal_max_flexion_deg: float = 0.0, standing_deg: float = float("nan")) -> RepVerdict:
    """The verdict on one rep. ``flagged`` is :func:`flag_rounded_frames` of the same kinematics;
    ``personal_max_flexion_deg`` (from a flexibility screen, 0 = unknown) adds flexion as % of the person's range;
    ``standing_deg`` (:func:`standing_spine_deg`) is the contour lockout is compared with for hyper-extension."""
    k = kinematics
    span = slice(rep.start, rep.end + 1)
    t = k.timestamps_s[span]
    depth = k.depth[span]
    peak_depth = float(k.depth[rep.bottom])
    with np.errstate(invalid="ignore"):
        loaded = depth >= 0.5 * peak_depth
    conf = k.spine_flexion_confidence[span]
    trusted = loaded & (conf >= settings.min_confidence)
    trusted_share = trusted.sum() / max(loaded.sum(), 1)

    spine = k.spine_flexion_deg[span]
    peak_spine = _nanmax(np.where(trusted, spine, np.nan))
    peak_trunk = _nanmax(k.trunk_inclination_deg[span])
    peak_hip = _nanmax(k.hip_flexion_deg[span])
    knee_flex = _nanmax(np.where(loaded, k.knee_flexion_deg[span], np.nan))
    split = _nanmax(np.where(loaded, k.stance_split[span], np.nan))
    rounded_s = run_lengths_s(flagged[span] & loaded, t)

    trunk_pos = max(peak_trunk, 0.0) if np.isfinite(peak_trunk) else np.nan
    knee_pos = max(knee_flex, 0.0) if np.isfinite(knee_flex) else np.nan
    ssi = 100.0 * trunk_pos / (trunk_pos + knee_pos) if (trunk_pos + knee_pos) > 0 else float("nan")
    bottom_trunk = float(k.trunk_inclination_deg[rep.bottom])
    bottom_spine = float(k.spine_flexion_deg[rep.bottom])
    spine_share = (100.0 * np.clip((bottom_spine / 2.0) / bottom_trunk, 0.0, 1.0)
                   if np.isfinite(bottom_spine) and bottom_trunk > 5 else float("nan"))

    threshold = settings.rounded_back_spine_deg
    mean_conf = float(np.mean(conf[loaded])) if loaded.any() else 0.0
    if trusted_share < 0.5 or not np.isfinite(peak_spine):
        verdict = "insufficient_data"
        confidence = mean_conf
        reason = (f"the back was not seen clearly enough: the spine measure was reliable in only "
                  f"{100 * trusted_share:.0f}% of the lift (turn the camera side-on, keep the back in view)")
    else:
        margin = min(1.0, abs(peak_spine - threshold) / 10.0)
        confidence = float(np.clip(mean_conf * (0.5 + 0.5 * margin), 0.0, 1.0))
        if rounded_s >= settings.min_rounded_s:
            verdict = "rounded_back"
            reason = (f"lifted with the back: the spine rounded {peak_spine:.0f}° past neutral (limit "
                      f"{threshold:.0f}°) for {rounded_s:.1f} s while the trunk leaned {peak_trunk:.0f}°")
        elif (np.isfinite(split) and split >= settings.lunge_stance_split and knee_flex >= 45
              and peak_trunk <= settings.lunge_max_trunk_deg):
            verdict = "lunge"
            reason = (f"lunge: feet split {split:.1f} leg lengths apart, knees bent to {180 - knee_flex:.0f}°, "
                      f"the spine peaked at {_signed(peak_spine)} from neutral")
        elif (np.isfinite(knee_flex) and knee_flex >= settings.squat_knee_flexion_deg
              and peak_trunk <= settings.squat_max_trunk_deg):
            verdict = "squat"
            reason = (f"squat: knees bent to {180 - knee_flex:.0f}°, trunk leaned {peak_trunk:.0f}°, the spine "
                      f"peaked at {_signed(peak_spine)} from neutral")
        else:
            verdict = "hip_hinge"
            hips_pct = 100.0 - spine_share if np.isfinite(spine_share) else float("nan")
            reason = (f"hip hinge: trunk leaned {peak_trunk:.0f}°, {hips_pct:.0f}% of it from the hips; the spine "
                      f"peaked at {_signed(peak_spine)} from neutral")

    faults = []
    descent_s, ascent_s = rep.bottom_s - rep.start_s, rep.end_s - rep.bottom_s
    if rep.complete and descent_s > 0 and ascent_s < settings.jerk_ascent_ratio * descent_s:
        faults.append("jerky_lift")
    with np.errstate(invalid="ignore"):
        lockout = ((np.arange(rep.start, rep.end + 1) > rep.bottom) & (depth < 0.25 * peak_depth)
                   & (conf >= settings.min_confidence))
    if _nanmin(np.where(lockout, spine, np.nan)) - standing_deg <= settings.hyperextension_deg:
        faults.append("hyperextension_at_lockout")

    return RepVerdict(
        rep=rep, verdict=verdict, confidence=float(confidence), reason=reason,
        peak_spine_flexion_deg=peak_spine, peak_trunk_inclination_deg=peak_trunk, peak_hip_flexion_deg=peak_hip,
        min_knee_angle_deg=180.0 - knee_flex if np.isfinite(knee_flex) else float("nan"),
        stoop_squat_index=float(ssi), lean_from_spine_pct=float(spine_share), rounded_s=float(rounded_s),
        descent_s=float(descent_s), ascent_s=float(ascent_s), faults=tuple(faults),
        spine_flexion_pct_of_max=(100.0 * peak_spine / personal_max_flexion_deg
                                  if personal_max_flexion_deg > 0 else float("nan")),
    )


def judge_reps(kinematics: Kinematics, reps: list[Rep], settings: VerdictSettings,
               personal_max_flexion_deg: float = 0.0) -> tuple[np.ndarray, tuple[RepVerdict, ...]]:
    """Flagged frames (T,) bool and a verdict for each rep."""
    flagged = flag_rounded_frames(kinematics, settings)
    standing = standing_spine_deg(kinematics, settings)
    return flagged, tuple(judge_rep(kinematics, rep, flagged, settings, personal_max_flexion_deg, standing)
                          for rep in reps)
