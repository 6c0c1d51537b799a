"""From angles and reps to a verdict per rep, with the numbers that decided it.

Per rep, in four steps: the numbers (`core.rep_metrics`), the verdict (:func:`classify`), the reason in words
(`core.reasons`) and the other faults (:func:`rep_faults`); the rounded-back flag of each frame is `core.flags`'.
The rule, in order: ``rounded_back`` when the spine was seen (in trusted frames) flexed past the threshold for long
enough while it carried the load; else ``insufficient_data`` when the back was not seen well enough then (or only
from a camera looking down, where a rounded back reads flat: `core.camera_pitch`), or the view cuts the rep and its
back was never judged in the part seen, or read rounded where the view starts or ends for too short a time to
count (how long it lasted was not seen), or the video ends before the lift and the back rounded on the way down
(that may be an empty-handed reach-down; held flat there, it is cleared from the way down, ``judged_on_descent``);
otherwise ``lunge`` (split stance, knees bent, trunk upright), ``squat`` (knees deeply bent, trunk fairly upright)
or ``hip_hinge``. A back cleared from part of a rep says so, with half the confidence.

The spine carries the load from lift-off (the hands and the object leave the floor, :mod:`liftform.core.phases`)
through the ascent, in the lower part of the movement. A back rounded only while reaching down, before lift-off,
is the ``rounded_reach_down`` fault, not a rounded-back lift. A jerky lift is a fault too, never rounding.
"""

from __future__ import annotations

import numpy as np

from liftform.core.camera_pitch import clearing_trust
from liftform.core.flags import flag_rounded_frames
from liftform.core.reasons import reason_for, rounded_whenever_judged, undecided_cause
from liftform.core.rep_metrics import (
    RepMetrics,
    head_led,
    hidden_where_judged,
    judged_on_descent,
    judged_rounded_s,
    lift_unseen,
    lift_unseen_told,
    lowered_rounded,
    never_judged_in_part,
    rep_metrics,
    squat_bottom,
    through_bottom,
    while_lowering,
)
from liftform.core.types import Kinematics, Rep, RepVerdict
from liftform.core.vocabulary import JERKY_LIFT, ROUNDED_REACH_DOWN
from liftform.settings import SpineSettings, VerdictSettings


def classify(m: RepMetrics, settings: VerdictSettings) -> str:
    """The verdict of a rep from its numbers (one of ``core.types.VERDICTS``)."""
    # Rounding seen in trusted frames is an answer however little of the lift was seen; a safe back needs most of it,
    # or, where the video ends before the lift, most of the way down seen flat, and some of it seen where the lift
    # leaned far enough for rounding to show (a back seen only upright was cleared "safe" with nothing judged).
    if m.rounded_s >= settings.min_rounded_s:
        return "rounded_back"
    # Seen from above a rounded back reads flat (`core.camera_pitch`): rounding seen there is an answer, flat is not.
    if (m.from_above or m.trusted_share < settings.min_trusted_share or never_judged_in_part(m)
            or hidden_where_judged(m) or (lift_unseen(m, settings) and m.reach_rounded_s >= settings.min_rounded_s)
            or rounded_whenever_judged(m, settings)):
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
    within ``confidence_margin_deg`` of it), and halved again for a back cleared from part of a rep (the view cuts
    it: the video starts or ends inside it, the person is lost; `judged_on_descent` is one such) or called rounded
    from behind at an angle (`RepMetrics.from_behind`: a flat back can read rounded there), or cleared where its
    back was never judged (`RepMetrics.posture_judged` False: too upright for rounding to show; a rendered half-kneel
    rounded 40° read 28° past neutral there, and was a "safe lunge" at 100 %). A back cleared although its peak
    passed the limit was cleared by the rounding's duration, not its size: the margin is then how far that time
    stayed under ``min_rounded_s`` (0.13 s past the limit, 35° against 21°, had read as a sure safe hinge)."""
    if verdict == "insufficient_data":
        return m.mean_confidence
    seen = 0.5 if verdict != "rounded_back" and (not m.seen_whole or not m.posture_judged) else 1.0
    if verdict == "rounded_back" and m.from_behind:   # the shoulder blades may be what bowed the outline
        seen = 0.5
    if verdict != "rounded_back":       # a camera a little above reads a rounded back flatter (`core.camera_pitch`)
        seen *= clearing_trust(m.shoulder_rise)
    excess = (m.peak_neck_deg - settings.head_hanging_neck_deg if head_led(m, settings)
              else m.peak_spine_deg - settings.rounded_back_spine_deg)
    if verdict != "rounded_back" and excess > 0:
        margin = float(np.clip(1.0 - m.rounded_s / settings.min_rounded_s, 0.0, 1.0))
    else:
        margin = min(1.0, abs(excess) / settings.confidence_margin_deg) if np.isfinite(excess) else 1.0
    return float(np.clip(seen * m.mean_confidence * (0.5 + 0.5 * margin), 0.0, 1.0))


# Through the middle of a rep's depth (20-80 %) no lifter rises faster than in about 3 frames at 30 fps: a quicker
# "ascent" is the pose jumping for a frame or two (real clips' 0.04-0.08 s, each at a skeleton misread), not a jerk
# to advise against.
FASTEST_RISE_S = 0.1


def rep_faults(verdict: str, m: RepMetrics, settings: VerdictSettings, lowers_load: bool = False) -> tuple[str, ...]:
    """Faults other than a rounded-back lift: ``rounded_reach_down`` (rounded before lift-off, not after) and
    ``jerky_lift`` (came up through the middle of the rep much faster than it went down through it, and in under
    ``jerk_max_ascent_s``: `RepMetrics.ascent_s`; not a swing, where speed is the point: `RepMetrics.swung`; not a
    rep that lowers a load (``lowers_load``), whose rise may be empty-handed: a box set down slowly, then a quick
    stand-up, had been told "Lift slowly and breathe out as you lift"; not faster than `FASTEST_RISE_S`).

    Arching at lockout is not among them: the contour does not read a few degrees of arch near upright (it flagged
    12 reps of 11 real clips, squat demos among them, and neither lift captioned as arched: DESIGN, "What the
    footage taught")."""
    faults = []
    if verdict != "rounded_back" and m.reach_rounded_s >= settings.min_rounded_s:
        faults.append(ROUNDED_REACH_DOWN)
    # Only a rep seen whole: one the view stops inside (the video ends, the person is lost) has a short "ascent"
    # because the view stopped, not because the lifter stood up fast.
    # A slow eccentric makes any rise look quick beside it: 12.5 s down and 2.4 s up is not a jerk.
    if (m.seen_whole and not m.swung and not lowers_load and m.ascent_s < settings.jerk_ascent_ratio * m.descent_s
            and FASTEST_RISE_S <= m.ascent_s < settings.jerk_max_ascent_s):
        faults.append(JERKY_LIFT)
    return tuple(faults)


def judge_rep(kinematics: Kinematics, rep: Rep, flagged: np.ndarray, settings: VerdictSettings,
              spine: SpineSettings) -> RepVerdict:
    """The verdict on one rep. ``flagged`` is :func:`flag_rounded_frames` of the same kinematics; ``spine``: its
    ``personal_max_flexion_deg`` (from a flexibility screen, 0 = unknown) adds flexion as % of the person's range,
    its ``full_view_yaw_deg`` is side-on for the reason of an undecided rep."""
    m = rep_metrics(kinematics, rep, flagged, settings)
    verdict = classify(m, settings)
    on_descent = judged_on_descent(verdict, m, settings)
    return RepVerdict(
        rep=rep, verdict=verdict, confidence=verdict_confidence(verdict, m, settings),
        reason=reason_for(verdict, m, settings, spine.full_view_yaw_deg, rep.lowers_load),
        peak_spine_flexion_deg=m.peak_spine_deg,
        peak_neck_flexion_deg=m.peak_neck_deg, head_led=verdict == "rounded_back" and head_led(m, settings),
        head_briefly=verdict != "rounded_back" and m.rounded_s > 0 and head_led(m, settings),
        squat_bottom=verdict == "rounded_back" and squat_bottom(m, settings),
        while_lowering=verdict == "rounded_back" and while_lowering(m, settings),
        through_bottom=verdict == "rounded_back" and through_bottom(m, settings),
        lowered_rounded=verdict == "rounded_back" and lowered_rounded(m, settings),
        lift_unseen=verdict == "insufficient_data" and lift_unseen_told(m, settings),
        view_cut=verdict == "insufficient_data" and undecided_cause(m, settings) in ("view_cut", "rounding_cut"),
        judged_on_descent=on_descent, from_behind=m.from_behind,
        at_an_angle=bool(np.isfinite(m.view_yaw_deg) and m.view_yaw_deg > spine.full_view_yaw_deg),
        near_limit=verdict not in ("rounded_back", "insufficient_data") and bool(
            m.peak_spine_deg >= settings.rounded_back_spine_deg - settings.flag_hysteresis_deg),   # NaN: False
        from_above=m.from_above, knee_guessed=m.knee_guessed, seen_whole=m.seen_whole,
        peak_trunk_inclination_deg=m.peak_trunk_deg, peak_hip_flexion_deg=m.peak_hip_deg,
        min_knee_angle_deg=180.0 - m.knee_flexion_deg if np.isfinite(m.knee_flexion_deg) else float("nan"),
        stoop_squat_index=m.stoop_squat_index, lean_from_spine_pct=m.lean_from_spine_pct,
        rounded_s=judged_rounded_s(m, on_descent), descent_s=m.descent_s, ascent_s=m.ascent_s,
        faults=rep_faults(verdict, m, settings, rep.lowers_load),
        spine_flexion_pct_of_max=100.0 * m.peak_spine_deg / range_of_rounding_deg(spine, settings),
    )


def range_of_rounding_deg(spine: SpineSettings, settings: VerdictSettings) -> float:
    """The person's range of spine flexion (``personal_max_flexion_deg``, deg) where it is one: the flexion a screen
    saw their spine reach past its limit (``rounded_back_spine_deg``); NaN where none is set (0) or the value lies
    inside the limit. No screen's spine rounded there: an older `liftform screen` wrote the flat back's 2 deg of a
    bend the head stopped, and a rounded rep was "2000% of your range"."""
    own = spine.personal_max_flexion_deg
    return own if own > 0 and own >= settings.rounded_back_spine_deg else float("nan")


def judge_reps(kinematics: Kinematics, reps: list[Rep], settings: VerdictSettings,
               spine: SpineSettings) -> tuple[np.ndarray, tuple[RepVerdict, ...]]:
    """Flagged frames (T,) bool and a verdict for each rep (``spine``: see :func:`judge_rep`)."""
    flagged = flag_rounded_frames(kinematics, settings)
    return flagged, tuple(judge_rep(kinematics, rep, flagged, settings, spine) for rep in reps)


def straight_back_note(verdicts: list[RepVerdict] | tuple[RepVerdict, ...], settings: VerdictSettings) -> str | None:
    """What to say of a clip whose every hip hinge read at least as far under most people's neutral back as the
    limit is over it (peak spine flexion <= -``rounded_back_spine_deg``), none rounded: the lifter's own neutral
    reads that much lower (a deep lower-back curve, big buttocks), so a rounding of the limit's size would read
    neutral to them. A rendered big-buttocked body's flat hinges read -28° and its 46° stoops 13-19°, cleared as flat
    backs without a word; a bend someone checked flat gives the lifter's own zero. Squats read low by their deep hips
    (the lordosis gone), and hinges seen at an angle or from behind by the view (a real kettlebell set at 47° of yaw
    read -25 to -33°, and a zero read there would build the view into it), so neither is counted. None where no
    hinge was judged side-on or one read higher. (Said only where the back is judged from most people's zero: the
    caller's to check.)"""
    hinges = [v for v in verdicts if v.verdict == "hip_hinge" and not (v.at_an_angle or v.from_behind)]
    if not hinges or any(v.is_rounded for v in verdicts):
        return None
    peaks = np.array([v.peak_spine_flexion_deg for v in hinges])
    highest = float(np.max(peaks)) if np.isfinite(peaks).all() else float("nan")
    if not highest <= -settings.rounded_back_spine_deg:     # a hinge never judged (NaN): nothing said
        return None
    return (f"every hip hinge seen side-on read {-highest:.0f}° or more straighter than most people's neutral back: "
            "your back's outline reads straighter than most (a deep lower-back curve, big buttocks), so it could round "
            f"about that much before it reads past the limit ({settings.rounded_back_spine_deg:.0f}°); to be judged "
            "from your own back, have someone who knows backs watch one flat bend and run `liftform screen BEND.mp4 "
            "--neutral --save-profile me.toml`, then pass --profile me.toml")
