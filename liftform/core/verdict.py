"""From angles and reps to a verdict per rep, with the numbers that decided it.

Per rep, in four steps: the numbers (:func:`rep_metrics`), the verdict (:func:`classify`), the reason in words
(:func:`reason_for`) and the other faults (:func:`rep_faults`). The rule, in order: ``rounded_back`` when the spine
was seen (in trusted frames) flexed past the threshold for long enough while it carried the load; else
``insufficient_data`` when the back was not seen well enough then (or the video ends before the lift, and the back
rounded on the way down: that may be an empty-handed reach-down; held flat there, it is cleared from the way down,
``judged_on_descent``); otherwise ``lunge`` (split stance, knees bent,
trunk upright), ``squat`` (knees deeply bent, trunk fairly upright) or ``hip_hinge``.

The spine carries the load from lift-off (the hands and the object leave the floor, :mod:`liftform.core.phases`)
through the ascent, in the lower part of the movement. A back rounded only while reaching down, before lift-off,
is the ``rounded_reach_down`` fault, not a rounded-back lift. Jerky lifts and hyper-extension at lockout (the back
arched more than when standing) are faults too, never rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from liftform.core.filters import hysteresis, run_lengths_s
from liftform.core.types import Kinematics, Rep, RepVerdict
from liftform.settings import SpineSettings, VerdictSettings

# In a rep cut by the video without a lift-off from the hands, the lift starts once the shoulders have come back up
# this share of the rep's depth from the bottom.
RISE_START = 0.05


def rounding_excess_deg(kinematics: Kinematics, settings: VerdictSettings) -> np.ndarray:
    """(T,) degrees past the nearer of the two limits of rounding: the spine's flexion past
    ``rounded_back_spine_deg`` or the head hanging past ``head_hanging_neck_deg`` (a hunched upper back shows in the
    ears before the back's contour), whichever is further; positive = rounded. One signal, so one hysteresis."""
    spine_excess = kinematics.spine_flexion_deg - settings.rounded_back_spine_deg
    head_excess = kinematics.neck_flexion_deg - settings.head_hanging_neck_deg
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


def flag_rounded_frames(kinematics: Kinematics, settings: VerdictSettings) -> np.ndarray:
    """(T,) bool: the back is judged rounded (with hysteresis), only where the spine measure is trusted and the
    posture is one where the contour shows flexion (:func:`spine_judged`)."""
    trusted = ((kinematics.spine_flexion_confidence >= settings.min_confidence)
               & spine_judged(kinematics.trunk_inclination_deg, kinematics.hip_flexion_deg, settings))
    return hysteresis(rounding_excess_deg(kinematics, settings), 0.0, -settings.flag_hysteresis_deg, enabled=trusted)


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


def _finite(reduce, values: np.ndarray) -> float:
    """``reduce`` (np.max, np.min, np.median) of the finite ``values``; NaN when there are none (no warning)."""
    finite = values[np.isfinite(values)]
    return float(reduce(finite)) if len(finite) else float("nan")


def _nanmax(values: np.ndarray) -> float:
    return _finite(np.max, values)


def _signed(angle_deg: float) -> str:
    """A whole number of degrees with its sign, "0°" (not "-0°") when it rounds to zero, "--" when unknown."""
    if not np.isfinite(angle_deg):
        return "--"
    whole = int(round(angle_deg))
    return f"{whole:+d}°" if whole else "0°"


def standing_spine_deg(kinematics: Kinematics, settings: VerdictSettings) -> float:
    """Median spine flexion over the trusted near-upright frames of the clip (NaN if fewer than five): the person's
    own standing contour, which lockout is compared with (the upright contour is far from the neutral-bend
    reference)."""
    k = kinematics
    with np.errstate(invalid="ignore"):
        upright = ((np.abs(k.trunk_inclination_deg) < settings.standing_max_trunk_deg)
                   & (k.spine_flexion_confidence >= settings.min_confidence))
    return float(np.median(k.spine_flexion_deg[upright])) if upright.sum() >= 5 else float("nan")


@dataclass(frozen=True)
class RepMetrics:
    """The numbers one rep is judged on (degrees, seconds, shares in [0, 1]; NaN where unknown)."""

    peak_spine_deg: float           # highest trusted spine flexion while loaded where judged (NaN: never judged)
    peak_neck_deg: float            # the same for neck flexion (the head hanging)
    peak_trunk_deg: float
    peak_hip_deg: float
    knee_flexion_deg: float         # deepest knee bend in the lower part of the movement
    stance_split: float             # widest ankle split there, leg lengths
    rounded_s: float                # time flagged rounded while loaded
    lift_rounded_s: float           # ... of it, from lift-off on (the rest was lowering the load)
    reach_rounded_s: float          # time flagged rounded unloaded (reaching down empty-handed, setting up)
    stoop_squat_index: float        # 0 = full squat ... 100 = full stoop
    lean_from_spine_pct: float      # share of the bottom's trunk lean made by the spine bending, percent
    trusted_share: float            # share of the judged frames (the loaded ones; all of the lower part where the
                                    # lift was not seen) where the spine measure is trusted
    mean_confidence: float          # mean spine-measure confidence over the judged frames
    view_yaw_deg: float             # median camera yaw over the judged frames (0 side-on, 90 facing the camera)
    descent_s: float                # from the start down to the bottom
    ascent_s: float                 # from lift-off (else the bottom) up to the end: standing up with the load
    rise_seen: float                # in a rep the view ends in (no load lowered before its bottom), how far back
                                    # up from the bottom it was seen, share of its depth (1 for every other rep)
    seen_whole: bool                # seen from start to end: the video does not start or end inside it, nor is the
                                    # person lost before it ends (`_view_ends_inside`)


def rep_metrics(kinematics: Kinematics, rep: Rep, flagged: np.ndarray, settings: VerdictSettings) -> RepMetrics:
    """The numbers of one rep. ``flagged`` is :func:`flag_rounded_frames` of the same kinematics. The loaded part
    is from lift-off through the ascent to the end of the rep, and the descent down to touch-down where it lowers a
    load (``Rep.lowers_load``); with ``loaded_depth_fraction`` > 0, only while the shoulders are at least that
    share of the rep's depth down."""
    k = kinematics
    span = slice(rep.start, rep.end + 1)
    t = k.timestamps_s[span]
    frame = np.arange(rep.start, rep.end + 1)
    with np.errstate(invalid="ignore"):
        low = k.depth[span] >= settings.loaded_depth_fraction * k.depth[rep.bottom]
    ends_in_rep = _view_ends_inside(k.depth, rep)
    lift_start = _lift_start(k.depth, rep) if ends_in_rep else rep.loaded_start
    lifting = low & (frame >= lift_start)
    loaded = lifting | (low & (frame <= rep.lowering_end))
    reaching = low & ~loaded
    # A lowering seen to touch-down was judged (the set's last bar lowered as the video ends): only a rep with
    # nothing loaded before its bottom needs its lift seen.
    rise_seen = _rise_seen(k.depth[rep.bottom:rep.end + 1]) if ends_in_rep and rep.lowering_end < 0 else 1.0
    # Where the lift was not seen, the way down is what there is to judge: a back held flat there can be cleared
    # (`classify`), one rounded there cannot be called a rounded lift (it may be an empty-handed reach-down).
    judged = low if rise_seen < settings.min_rise_seen else loaded
    conf = k.spine_flexion_confidence[span]
    trusted = judged & (conf >= settings.min_confidence)
    # The peaks reported are those of the frames where rounding is judged (leaning, or the hips deeply flexed):
    # nearer upright the contour shows the posture, not flexion (a shallow squat has none: its spine is not judged).
    peak_at = trusted & spine_judged(k.trunk_inclination_deg[span], k.hip_flexion_deg[span], settings)

    peak_trunk = _nanmax(k.trunk_inclination_deg[span])
    knee_flex = _nanmax(np.where(low, k.knee_flexion_deg[span], np.nan))
    trunk_pos = max(peak_trunk, 0.0) if np.isfinite(peak_trunk) else np.nan
    knee_pos = max(knee_flex, 0.0) if np.isfinite(knee_flex) else np.nan
    ssi = 100.0 * trunk_pos / (trunk_pos + knee_pos) if (trunk_pos + knee_pos) > 0 else float("nan")
    bottom_trunk = float(k.trunk_inclination_deg[rep.bottom])
    bottom_spine = float(k.spine_flexion_deg[rep.bottom])
    spine_share = (100.0 * np.clip((bottom_spine / 2.0) / bottom_trunk, 0.0, 1.0)
                   if np.isfinite(bottom_spine) and bottom_trunk > 5 else float("nan"))
    return RepMetrics(
        peak_spine_deg=_nanmax(np.where(peak_at, k.spine_flexion_deg[span], np.nan)), peak_trunk_deg=peak_trunk,
        peak_neck_deg=_nanmax(np.where(peak_at, k.neck_flexion_deg[span], np.nan)),
        peak_hip_deg=_nanmax(k.hip_flexion_deg[span]), knee_flexion_deg=knee_flex,
        stance_split=_nanmax(np.where(low, k.stance_split[span], np.nan)),
        rounded_s=run_lengths_s(flagged[span] & loaded, t), lift_rounded_s=run_lengths_s(flagged[span] & lifting, t),
        reach_rounded_s=run_lengths_s(flagged[span] & reaching, t),
        stoop_squat_index=float(ssi), lean_from_spine_pct=float(spine_share),
        trusted_share=float(trusted.sum() / max(judged.sum(), 1)),
        mean_confidence=float(np.mean(conf[judged])) if judged.any() else 0.0,
        view_yaw_deg=_finite(np.median, np.where(judged, k.view_yaw_deg[span], np.nan)),
        descent_s=float(k.timestamps_s[rep.bottom] - k.timestamps_s[rep.start]),
        ascent_s=float(k.timestamps_s[rep.end] - k.timestamps_s[min(lift_start, rep.end)]),
        rise_seen=rise_seen,
        seen_whole=rep.complete and not ends_in_rep)


def _view_ends_inside(depth: np.ndarray, rep: Rep) -> bool:
    """The view of the rep stops before it ends: the video (or live window) stops inside it, or the person was lost
    for good before coming back up (its end is a frame without a pose: a gap the kinematics did not bridge, which
    counts as below any depth). A clip that lost its lifter at the bottom of the only bend was called a safe hip
    hinge from the descent alone. ``depth`` (T,) is `Kinematics.depth`."""
    return (not rep.complete and rep.end == len(depth) - 1) or not np.isfinite(depth[rep.end])


def _lift_start(depth: np.ndarray, rep: Rep) -> int:
    """First frame of the lift of a rep the video ends in: its lift-off; where the hands were not seen to rise, not
    its bottom (`Rep.loaded_start`) but where the shoulders start back up (by ``RISE_START`` of the rep's depth), and
    past its end if they never do: a pause at the bottom of a cut clip was judged as a lift, and its rounded
    reach-down called a rounded lift. ``depth`` (T,) is `Kinematics.depth`."""
    if rep.liftoff >= 0:
        return rep.liftoff
    with np.errstate(invalid="ignore"):
        up = np.flatnonzero(depth[rep.bottom:rep.end + 1] <= (1.0 - RISE_START) * depth[rep.bottom])
    return rep.bottom + int(up[0]) if len(up) else rep.end + 1


def _rise_seen(depth: np.ndarray) -> float:
    """Share of the rep's depth (``depth`` (n,) from its bottom to its end) it came back up within view."""
    bottom = float(depth[0])
    if not (np.isfinite(bottom) and bottom > 0):
        return 1.0                        # nothing to measure: not a reason to withhold a verdict
    return float(np.clip((bottom - _finite(np.min, depth)) / bottom, 0.0, 1.0))


def classify(m: RepMetrics, settings: VerdictSettings) -> str:
    """The verdict of a rep from its numbers (one of ``core.types.VERDICTS``)."""
    # Rounding seen in trusted frames is an answer however little of the lift was seen; a safe back needs most of it,
    # or, where the video ends before the lift, most of the way down seen flat.
    if m.rounded_s >= settings.min_rounded_s:
        return "rounded_back"
    if m.trusted_share < settings.min_trusted_share or (lift_unseen(m, settings) and
                                                        m.reach_rounded_s >= settings.min_rounded_s):
        return "insufficient_data"
    if (np.isfinite(m.stance_split) and m.stance_split >= settings.lunge_stance_split
            and m.knee_flexion_deg >= settings.lunge_min_knee_flexion_deg
            and m.peak_trunk_deg <= settings.lunge_max_trunk_deg):
        return "lunge"
    if (np.isfinite(m.knee_flexion_deg) and m.knee_flexion_deg >= settings.squat_knee_flexion_deg
            and m.peak_trunk_deg <= settings.squat_max_trunk_deg):
        return "squat"
    return "hip_hinge"


def verdict_confidence(verdict: str, m: RepMetrics, settings: VerdictSettings) -> float:
    """0..1: the measure's mean confidence while loaded, halved when the peak sits right at the threshold (full
    within ``confidence_margin_deg`` of it), and halved again for a back cleared on the way down of a lift the
    video cut (`judged_on_descent`)."""
    if verdict == "insufficient_data":
        return m.mean_confidence
    seen = 0.5 if judged_on_descent(verdict, m, settings) else 1.0
    excess = (m.peak_neck_deg - settings.head_hanging_neck_deg if head_led(m, settings)
              else m.peak_spine_deg - settings.rounded_back_spine_deg)
    margin = min(1.0, abs(excess) / settings.confidence_margin_deg) if np.isfinite(excess) else 1.0
    return float(np.clip(seen * m.mean_confidence * (0.5 + 0.5 * margin), 0.0, 1.0))


def reason_for(verdict: str, m: RepMetrics, settings: VerdictSettings, side_on_yaw_deg: float) -> str:
    """One sentence a lifter understands, with the numbers that decided ``verdict``. ``side_on_yaw_deg``: up to
    this camera yaw the view is side-on (`SpineSettings.full_view_yaw_deg`): an undecided rep says whether the
    camera angle or the back's outline is what to fix."""
    cut = (f"the recording stops (or loses the person) {100 * m.rise_seen:.0f}% of the way back up from the "
           "bottom")
    if verdict == "insufficient_data":
        if lift_unseen(m, settings) and m.trusted_share >= settings.min_trusted_share:
            return (f"the lift was not seen: {cut}, and the back rounded on the way down, which is no rounded lift "
                    "if the load was still on the floor (a reach-down)")
        if lift_unseen(m, settings):
            return f"the lift was not seen: {cut}, and the back was not seen clearly on the way down either"
        return _unseen_reason(m, side_on_yaw_deg)
    if verdict == "rounded_back":
        seen = ("" if m.trusted_share >= settings.min_trusted_share else
                f" (seen in {100 * m.trusted_share:.0f}% of the lift: the rest of the back was hidden)")
        did = "lowered the load with the back" if while_lowering(m, settings) else "lifted with the back"
        if head_led(m, settings):
            return (f"{did}: the head hung {m.peak_neck_deg:.0f}° toward the floor from the line of "
                    f"the back (limit {settings.head_hanging_neck_deg:.0f}°) for {m.rounded_s:.1f} s while the trunk "
                    f"leaned {m.peak_trunk_deg:.0f}°: the upper back rounds with it{seen}")
        if squat_bottom(m, settings):
            return (f"{did}: the lower back rounded {m.peak_spine_deg:.0f}° past neutral (limit "
                    f"{settings.rounded_back_spine_deg:.0f}°) for {m.rounded_s:.1f} s at the bottom of the squat, "
                    f"the hips bent {m.peak_hip_deg:.0f}° (the pelvis tucking under){seen}")
        return (f"{did}: the spine rounded {m.peak_spine_deg:.0f}° past neutral (limit "
                f"{settings.rounded_back_spine_deg:.0f}°) for {m.rounded_s:.1f} s while the trunk leaned "
                f"{m.peak_trunk_deg:.0f}°{seen}")
    spine = (f"the spine peaked at {_signed(m.peak_spine_deg)} from neutral" if np.isfinite(m.peak_spine_deg) else
             f"the spine was not judged (the trunk stayed under {settings.min_trunk_for_rounding_deg:.0f}° and the "
             f"hips under {settings.min_hip_for_rounding_deg:.0f}°)") + _briefly_past(m, settings)
    if judged_on_descent(verdict, m, settings):
        spine += f" on the way down (judged there only: {cut}, before the lift)"
    if verdict == "lunge":
        return (f"lunge: feet split {m.stance_split:.1f} leg lengths apart, knees bent to "
                f"{180 - m.knee_flexion_deg:.0f}°, {spine}")
    if verdict == "squat":
        return f"squat: knees bent to {180 - m.knee_flexion_deg:.0f}°, trunk leaned {m.peak_trunk_deg:.0f}°, {spine}"
    hips_pct = 100.0 - m.lean_from_spine_pct if np.isfinite(m.lean_from_spine_pct) else float("nan")
    return f"hip hinge: trunk leaned {m.peak_trunk_deg:.0f}°, {hips_pct:.0f}% of it from the hips; {spine}"


def _briefly_past(m: RepMetrics, settings: VerdictSettings) -> str:
    """For a rep not rounded whose peak still passed a limit (a spike, too short to count): how briefly, so the
    number does not read as a rounded back that was missed."""
    past_spine = m.peak_spine_deg >= settings.rounded_back_spine_deg
    if not (past_spine or m.peak_neck_deg >= settings.head_hanging_neck_deg):
        return ""
    what = "past its limit" if past_spine else f"with the head hanging {m.peak_neck_deg:.0f}° (past its limit)"
    return (f", {what} for only {m.rounded_s:.2f} s (rounding counts from "
            f"{settings.min_rounded_s:.2f} s)")


def while_lowering(m: RepMetrics, settings: VerdictSettings) -> bool:
    """The rounding lasted long enough only while the load was lowered (before touch-down), not in the lift."""
    return m.rounded_s >= settings.min_rounded_s > m.lift_rounded_s


def lift_unseen(m: RepMetrics, settings: VerdictSettings) -> bool:
    """The video ends before the rep's lift was seen: the person came back up less than ``min_rise_seen`` of the
    way from the bottom."""
    return m.rise_seen < settings.min_rise_seen


def judged_on_descent(verdict: str, m: RepMetrics, settings: VerdictSettings) -> bool:
    """A back cleared (``verdict`` not rounded, not undecided) from the way down alone: the video ends (or loses
    the person) before the rep's lift, and the back was seen held flat while bending down. What is seen of a lift
    is judged; a rounded way down may be an empty-handed reach-down, so it is left undecided (`classify`)."""
    return verdict not in ("rounded_back", "insufficient_data") and lift_unseen(m, settings)


def squat_bottom(m: RepMetrics, settings: VerdictSettings) -> bool:
    """The trunk never leaned far enough for rounding to be judged from the lean, so where it was judged the hips
    were deeply flexed: the bottom of a squat (:func:`spine_judged`)."""
    return not m.peak_trunk_deg >= settings.min_trunk_for_rounding_deg


def head_led(m: RepMetrics, settings: VerdictSettings) -> bool:
    """The rounding was seen in the head hanging, not in the back's contour (which stayed inside its limit)."""
    return not m.peak_spine_deg >= settings.rounded_back_spine_deg and m.peak_neck_deg >= settings.head_hanging_neck_deg


def _unseen_reason(m: RepMetrics, side_on_yaw_deg: float) -> str:
    """Why a rep is undecided, in words that say what to change when filming."""
    reliable = f"the spine measure was reliable in only {100 * m.trusted_share:.0f}% of the lift"
    if not np.isfinite(m.view_yaw_deg):
        return f"the back was not seen clearly enough: {reliable} (keep the whole lifter in the picture)"
    if m.view_yaw_deg > side_on_yaw_deg:
        return (f"the back was not seen clearly enough: the camera was {m.view_yaw_deg:.0f}° off side-on and "
                f"{reliable} (turn the camera side-on to the lifter)")
    return (f"the back was not seen clearly enough: the camera was side-on, but the back's outline was hidden or "
            f"ragged and {reliable} (loose clothing, an arm or the load against the back? keep the whole back in "
            "view)")


def rep_faults(kinematics: Kinematics, rep: Rep, verdict: str, m: RepMetrics, settings: VerdictSettings,
               standing_deg: float) -> tuple[str, ...]:
    """Faults other than a rounded-back lift: ``rounded_reach_down`` (rounded before lift-off, not after),
    ``jerky_lift`` (stood up much faster than it went down), ``hyperextension_at_lockout`` (arched more than when
    standing by ``hyperextension_deg``, at the top of the ascent)."""
    faults = []
    if verdict != "rounded_back" and m.reach_rounded_s >= settings.min_rounded_s:
        faults.append("rounded_reach_down")
    # Only a rep seen whole: one the view stops inside (the video ends, the person is lost) has a short "ascent"
    # because the view stopped, not because the lifter stood up fast.
    if m.seen_whole and m.descent_s > 0 and m.ascent_s < settings.jerk_ascent_ratio * m.descent_s:
        faults.append("jerky_lift")
    k = kinematics
    span = slice(rep.start, rep.end + 1)
    with np.errstate(invalid="ignore"):
        lockout = ((np.arange(rep.start, rep.end + 1) > rep.bottom)
                   & (k.depth[span] < settings.lockout_depth_fraction * k.depth[rep.bottom])
                   & (k.spine_flexion_confidence[span] >= settings.min_confidence))
    lockout_min_deg = _finite(np.min, np.where(lockout, k.spine_flexion_deg[span], np.nan))
    if lockout_min_deg - standing_deg <= settings.hyperextension_deg:
        faults.append("hyperextension_at_lockout")
    return tuple(faults)


def judge_rep(kinematics: Kinematics, rep: Rep, flagged: np.ndarray, settings: VerdictSettings,
              spine: SpineSettings, standing_deg: float) -> RepVerdict:
    """The verdict on one rep. ``flagged`` is :func:`flag_rounded_frames` of the same kinematics; ``spine``: its
    ``personal_max_flexion_deg`` (from a flexibility screen, 0 = unknown) adds flexion as % of the person's range,
    its ``full_view_yaw_deg`` is side-on for the reason of an undecided rep; ``standing_deg``
    (:func:`standing_spine_deg`) is the contour lockout is compared with for hyper-extension."""
    m = rep_metrics(kinematics, rep, flagged, settings)
    verdict = classify(m, settings)
    return RepVerdict(
        rep=rep, verdict=verdict, confidence=verdict_confidence(verdict, m, settings),
        reason=reason_for(verdict, m, settings, spine.full_view_yaw_deg), peak_spine_flexion_deg=m.peak_spine_deg,
        peak_neck_flexion_deg=m.peak_neck_deg, head_led=verdict == "rounded_back" and head_led(m, settings),
        squat_bottom=verdict == "rounded_back" and squat_bottom(m, settings),
        while_lowering=verdict == "rounded_back" and while_lowering(m, settings),
        lift_unseen=verdict == "insufficient_data" and lift_unseen(m, settings),
        judged_on_descent=judged_on_descent(verdict, m, settings),
        peak_trunk_inclination_deg=m.peak_trunk_deg, peak_hip_flexion_deg=m.peak_hip_deg,
        min_knee_angle_deg=180.0 - m.knee_flexion_deg if np.isfinite(m.knee_flexion_deg) else float("nan"),
        stoop_squat_index=m.stoop_squat_index, lean_from_spine_pct=m.lean_from_spine_pct,
        rounded_s=float(m.rounded_s), descent_s=m.descent_s, ascent_s=m.ascent_s,
        faults=rep_faults(kinematics, rep, verdict, m, settings, standing_deg),
        spine_flexion_pct_of_max=(100.0 * m.peak_spine_deg / spine.personal_max_flexion_deg
                                  if spine.personal_max_flexion_deg > 0 else float("nan")),
    )


def judge_reps(kinematics: Kinematics, reps: list[Rep], settings: VerdictSettings,
               spine: SpineSettings) -> tuple[np.ndarray, tuple[RepVerdict, ...]]:
    """Flagged frames (T,) bool and a verdict for each rep (``spine``: see :func:`judge_rep`)."""
    flagged = flag_rounded_frames(kinematics, settings)
    standing = standing_spine_deg(kinematics, settings)
    return flagged, tuple(judge_rep(kinematics, rep, flagged, settings, spine, standing) for rep in reps)
