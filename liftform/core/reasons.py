"""A rep's verdict in one sentence a lifter understands, with the numbers that decided it (`reason_for`)."""

from __future__ import annotations

import numpy as np

from liftform.core.camera_pitch import RISE_DOUBT
from liftform.core.rep_metrics import (
    RepMetrics,
    head_led,
    hidden_where_judged,
    judged_on_descent,
    judged_rounded_s,
    lift_unseen_told,
    lowered_rounded,
    never_judged_in_part,
    squat_bottom,
    through_bottom,
    while_lowering,
)
from liftform.core.vocabulary import setting_number
from liftform.settings import VerdictSettings

# A rep's deepest lean this much (deg) beyond the lean at the bottom of the part judged was reached before the lift
# (reaching down, setting up): the hinge's reason says both. Within it the two are one lean read a frame or two apart
# (the rendered hinges: 1-2 deg).
LEAN_APART_DEG = 5.0


def _beside(angle_deg: float, limit_deg: float, sign: str = "") -> str:
    """``angle_deg`` in whole degrees (``sign`` "+": with its sign), or to a tenth where whole degrees would put it on
    the limit or the other side of it: 39.9 against a limit of 40 reads "39.9", not "40" (a rep said to lean "40°"
    had "stayed under 40°")."""
    whole = float(f"{angle_deg:.0f}")
    hidden = np.sign(angle_deg - limit_deg) != np.sign(whole - limit_deg)
    return f"{angle_deg:{sign}.1f}" if hidden else f"{angle_deg:{sign}.0f}"


def _limit(limit_deg: float) -> str:
    """A limit as every reason gives it beside the number it judged: "(limit 21°)"."""
    return f"(limit {setting_number(limit_deg)}°)"


def _signed(angle_deg: float, limit_deg: float = np.inf) -> str:
    """A whole number of degrees with its sign (a tenth beside ``limit_deg``: `_beside`), "0°" (not "-0°") when it
    rounds to zero, "--" when unknown."""
    if not np.isfinite(angle_deg):
        return "--"
    if int(round(angle_deg)) == 0:
        return "0°"
    return _beside(angle_deg, limit_deg, "+") + "°"


def reason_for(verdict: str, m: RepMetrics, settings: VerdictSettings, side_on_yaw_deg: float,
               lowers_load: bool = False) -> str:
    """One sentence a lifter understands, with the numbers that decided ``verdict``. ``side_on_yaw_deg``: up to
    this camera yaw the view is side-on (`SpineSettings.full_view_yaw_deg`): an undecided rep says whether the
    camera angle or the back's outline is what to fix. ``lowers_load``: the rep's descent lowers a load
    (`Rep.lowers_load`), so its rise may be empty-handed."""
    if verdict == "insufficient_data":
        return _undecided_reason(m, settings, side_on_yaw_deg)
    if verdict == "rounded_back":
        seen = ("" if m.trusted_share >= settings.min_trusted_share else
                f" (seen in {100 * m.trusted_share:.0f}% of the lift: the rest of the back was hidden)")
        if m.from_behind:
            seen += (" (filmed from behind at an angle, where the shoulder blades shape the back's outline: a flat "
                     "back can read rounded there)")
        if not m.seen_whole:            # as every rep the view cuts says (README): the rest of it was not judged
            seen += " (seen in part: the view cuts this rep)"
        did = _rounded_when(m, settings, lowers_load)
        # A lift quicker than min_rounded_s, counted with the frames before it its back was rounded in since
        # (`flags.rounding_carried_s`: a reach-down, a squat's or an RDL's way down, or over a load set down, whose
        # rise may be empty-handed): said, or "for 0.8 s" of a 0.2 s yank reads wrong.
        carried = ("" if not m.rounded_s >= settings.min_rounded_s > m.lift_rounded_s or m.lowering_rounded_s > 0
                   else " from before coming back up" if lowers_load else " from before the lift on")
        if head_led(m, settings):
            return (f"{did}: the head hung {_beside(m.peak_neck_deg, settings.head_hanging_neck_deg)}° toward the "
                    f"floor from the line of the back {_limit(settings.head_hanging_neck_deg)} for "
                    f"{m.rounded_s:.1f} s{carried}, the trunk leaning up to {m.peak_trunk_deg:.0f}°"
                    f"{_lift_lean(m, hips=False)}: the upper back rounds with it{seen}")
        if squat_bottom(m, settings):
            return (f"{did}: the lower back rounded {_beside(m.peak_spine_deg, settings.rounded_back_spine_deg)}° "
                    f"past neutral {_limit(settings.rounded_back_spine_deg)} for {m.rounded_s:.1f} s{carried} at the "
                    f"bottom of the squat, the hips bent {m.peak_hip_deg:.0f}° (the pelvis tucking under){seen}")
        return (f"{did}: the spine rounded {_beside(m.peak_spine_deg, settings.rounded_back_spine_deg)}° past "
                f"neutral {_limit(settings.rounded_back_spine_deg)} for {m.rounded_s:.1f} s{carried}, the trunk "
                # "up to": the rep's deepest lean, not the lean where the back rounded most ("while" had said so, and
                # a clinician found the still of its worst moment at 67° beside "while the trunk leaned 84°")
                f"leaning up to {m.peak_trunk_deg:.0f}°{_lift_lean(m, hips=False)}{seen}")
    on_descent = judged_on_descent(verdict, m, settings)
    spine = _spine_peak(m, settings) + _briefly_past(m, settings, on_descent)
    if m.shoulder_rise >= RISE_DOUBT:
        spine += " (filmed from a little above, where a rounded back can read flatter: less sure)"
    if on_descent:
        spine += f" on the way down (judged there only, for {m.judged_s:.2f} s: {_cut(m)}, before the lift)"
    elif not m.seen_whole:
        spine += f" (seen in part: the view cuts this rep, and the back was judged for {m.judged_s:.2f} s)"
    lean = _beside(m.peak_trunk_deg, settings.min_trunk_for_rounding_deg)
    if verdict == "lunge":
        return (f"lunge: feet split {m.stance_split:.1f} leg lengths apart, knees bent {m.knee_flexion_deg:.0f}°"
                f"{_guessed(m)}, {spine}")
    if verdict == "squat":
        # Knee flexion (0 = straight), as the report's table and README's rule give it: "bent to 96°" (the angle
        # at the knee) beside the table's 84° of flexion read as a contradiction.
        return f"squat: knees bent {m.knee_flexion_deg:.0f}°{_guessed(m)}, trunk leaned {lean}°, {spine}"
    # a hinge is told from a squat or lunge by the knees: where they were a guess, so is the word
    return f"hip hinge{_guessed(m)}: trunk leaned {lean}°{_lift_lean(m)}; {spine}"


def _guessed(m: RepMetrics) -> str:
    return " (a guess: the knees were hidden or out of the picture)" if m.knee_guessed else ""


def _lift_lean(m: RepMetrics, hips: bool = True) -> str:
    """The lean where the rep was judged, said where the rep leaned further before the lift (a reach-down): a back
    rounded in the lift rounded at that lean, not the reach-down's; where that part is the load's lowering (a
    set-down whose lift is not seen, or judged flatter), it is said so. With ``hips``, what the hips made of it
    (`RepMetrics.lean_from_spine_pct`: said only where the spine's reading there was trusted, never "nan%"): the
    share is of the lift's lean, not of the deeper one said before it."""
    hips = (f"{100.0 - m.lean_from_spine_pct:.0f}% of it from the hips"
            if hips and np.isfinite(m.lean_from_spine_pct) else "")
    if not m.peak_trunk_deg - m.judged_bottom_trunk_deg >= LEAN_APART_DEG:
        return f", {hips}" if hips else ""
    where = "lowering the load" if m.judged_bottom_lowering else "in the lift"
    return f" ({m.judged_bottom_trunk_deg:.0f}° {where}" + (f", {hips})" if hips else ")")


def _cut(m: RepMetrics) -> str:
    """Where the view stopped on the way back up."""
    return f"the recording stops (or loses the person) {_way_up(m)}"


def _way_up(m: RepMetrics) -> str:
    """How far back up from the bottom the view went ("0% of the way back up" had been said of its bottom)."""
    return (f"{100 * m.rise_seen:.0f}% of the way back up from the bottom" if round(100 * m.rise_seen) > 0
            else "at the bottom of the bend")


def rounded_whenever_judged(m: RepMetrics, settings: VerdictSettings) -> bool:
    """The back read rounded for less than ``min_rounded_s``, and in all the time it was judged
    (`RepMetrics.judged_s`): no flat back was seen to clear it, and so short a look could not have called it
    rounded. A clip starting 0.13 s before a rounded back came up had been cleared, "past its limit for only
    0.13 s", the rounding begun before the video (`rounding_at_edge`: how long it lasted was not seen); a real
    squat whose back could be judged in one frame, read 29° past neutral there, had been called a safe hip hinge,
    and live, dropping frames on a busy machine, cleared a real rounded deadlift judged for 0.07 s. Seen flat where
    still judged, the back is cleared from the part seen, as every rep the view cuts (a real safe pull, its first 2
    frames at 22-26°)."""
    return 0.0 < m.rounded_s < settings.min_rounded_s and m.rounded_s >= m.judged_s


def undecided_cause(m: RepMetrics, settings: VerdictSettings) -> str:
    """Why a rep is ``insufficient_data``, the first of `verdict.classify`'s reasons that holds: "from_above" (a
    camera looking down), "unseen" (the back not seen clearly enough in the lift), "hidden" (`hidden_where_judged`),
    "view_cut" (`never_judged_in_part`: the view cuts the rep, and in the part seen it never bent far enough for its
    back to be judged), "rounding_cut" (`rounded_whenever_judged` where the view starts or ends: film the whole
    rep), "rounding_glimpsed" (`rounded_whenever_judged` elsewhere: the back seen too little) or "reach_rounded" (the
    lift not seen, the back rounded on the way down). The reason says it in words, the advice what to change
    (`RepVerdict.view_cut`: film the whole rep, not the camera's angle)."""
    if m.from_above:
        return "from_above"
    if m.trusted_share < settings.min_trusted_share:
        return "unseen"
    if hidden_where_judged(m):
        return "hidden"
    if never_judged_in_part(m):
        return "view_cut"
    if rounded_whenever_judged(m, settings):
        return "rounding_cut" if m.rounding_at_edge else "rounding_glimpsed"
    return "reach_rounded"


def _undecided_reason(m: RepMetrics, settings: VerdictSettings, side_on_yaw_deg: float) -> str:
    """Why a rep is ``insufficient_data`` (`undecided_cause`), in words."""
    cause = undecided_cause(m, settings)
    if cause == "from_above":
        return ("the back could not be judged: the camera looked down on the lifter from above, where a rounded "
                "back reads flat (lower the camera to hip height and level it)")
    if cause == "unseen":
        if lift_unseen_told(m, settings) and not m.descent_seen:
            return _too_little_reason(m)
        if lift_unseen_told(m, settings):
            return f"the lift was not seen: {_cut(m)}, and the back was not seen clearly on the way down either"
        return _unseen_reason(m, side_on_yaw_deg)
    if cause == "hidden":
        return _hidden_where_judged_reason(m, settings, side_on_yaw_deg)
    if cause == "view_cut":
        return ("too little of the rep was in view: the video starts or ends inside it (or loses the person), "
                f"and in the part seen the trunk never leaned {settings.min_trunk_for_rounding_deg:.0f}° nor the "
                f"hips bent {settings.min_hip_for_rounding_deg:.0f}°, where the back is judged")
    if cause == "rounding_cut":
        return (f"the back read rounded {_beside(m.peak_spine_deg, settings.rounded_back_spine_deg)}° past neutral "
                f"{_limit(settings.rounded_back_spine_deg)} for the {m.rounded_s:.2f} s seen, where the video starts "
                "or ends (or loses the person) inside the rep: how long it lasted was not seen (rounding counts "
                f"from {settings.min_rounded_s:.2f} s)")
    if cause == "rounding_glimpsed":
        return (f"the back read rounded {_beside(m.peak_spine_deg, settings.rounded_back_spine_deg)}° past neutral "
                f"{_limit(settings.rounded_back_spine_deg)} in the only {m.judged_s:.2f} s it could be judged, too "
                f"briefly to count (rounding counts from {settings.min_rounded_s:.2f} s), and was never seen flat: "
                "nothing cleared it")
    return (f"the lift was not seen: {_cut(m)}, and the back rounded on the way down, which is no rounded lift "
            "if the load was still on the floor (a reach-down)")


def _rounded_when(m: RepMetrics, settings: VerdictSettings, lowers_load: bool = False) -> str:
    """What the back rounded in: the lift, the lowering of the load (a set-down), or both; after a lowering, the
    rise (a bar's next lift, or a box's empty-handed stand-up: the hands cannot tell, so it is not called a lift)."""
    if while_lowering(m, settings):     # long enough only with the lowering: through the bottom, or before it
        return ("lowered and lifted the load with the back, rounded through the bottom" if through_bottom(m, settings)
                else "lowered the load with the back")
    if lowered_rounded(m, settings):    # a set-down rounded, then the rise (a box's empty-handed, a bar's lift)
        return "lowered the load with the back and came back up rounded"
    return "came back up rounded after lowering the load" if lowers_load else "lifted with the back"


def _too_little_reason(m: RepMetrics) -> str:
    """Why a rep seen neither on the whole way down nor in its lift is undecided: the view stopped on the way down
    (some of the descent timed), or it held only the bottom (the person found there)."""
    if m.descent_s > 0:
        return ("too little of the rep was in view: the recording stops (or loses the person) on the way down, "
                "before the bottom of the bend, so neither its deepest part nor the lift was seen")
    return ("too little of the rep was in view: only around its bottom (the recording starts there or finds the "
            f"person again there, and stops or loses them {_way_up(m)}), neither on "
            "the way down nor in the lift")


def _spine_peak(m: RepMetrics, settings: VerdictSettings) -> str:
    """The spine's peak beside its limit, as a rounded rep's reason gives both (a cleared "+19°" had not said whether
    that was near the limit or far under it), or why a rep cleared had none: the lift stayed too upright for rounding
    to show (a shallow bend; one that leaned further with its back hidden there is undecided: `hidden_where_judged`)."""
    if np.isfinite(m.peak_spine_deg):
        limit = settings.rounded_back_spine_deg
        return f"the spine peaked at {_signed(m.peak_spine_deg, limit)} from neutral {_limit(limit)}"
    return (f"the spine was not judged (in the lift the trunk stayed under {settings.min_trunk_for_rounding_deg:.0f}° "
            f"and the hips under {settings.min_hip_for_rounding_deg:.0f}°)")


def _briefly_past(m: RepMetrics, settings: VerdictSettings, on_descent: bool) -> str:
    """For a rep not rounded whose peak still passed a limit (a spike, too short to count): how briefly, so the
    number does not read as a rounded back that was missed. ``on_descent``: the rep was judged on its way down
    (`judged_on_descent`), where the time past the limit is the reach's (a cut rep's had read "for only 0.00 s")."""
    past_spine = m.peak_spine_deg >= settings.rounded_back_spine_deg
    if not (past_spine or m.peak_neck_deg >= settings.head_hanging_neck_deg):
        return ""
    what = "past its limit" if past_spine else f"with the head hanging {m.peak_neck_deg:.0f}° (past its limit)"
    return (f", {what} for only {judged_rounded_s(m, on_descent):.2f} s (rounding counts from "
            f"{settings.min_rounded_s:.2f} s)")


def _hidden_where_judged_reason(m: RepMetrics, settings: VerdictSettings, side_on_yaw_deg: float) -> str:
    """Why a rep whose back was seen, but never where the lift leaned far enough for rounding to show, is undecided
    (a rep leaning 65 deg had been cleared, saying the trunk stayed under 40)."""
    return (f"the back was not seen clearly where it is judged: only where the trunk leaned under "
            f"{settings.min_trunk_for_rounding_deg:.0f}° with the hips under {settings.min_hip_for_rounding_deg:.0f}°, "
            f"not where the lift leaned further ({_what_to_fix(m, side_on_yaw_deg)})")


def _unseen_reason(m: RepMetrics, side_on_yaw_deg: float) -> str:
    """Why a rep is undecided, in words that say what to change when filming."""
    share = round(100 * m.trusted_share)     # "reliable in only 0% of the lift" had been said of a frontal view
    reliable = (f"the spine measure was reliable in only {share}% of the lift" if share > 0 else
                "the spine measure was reliable at no moment of the lift")
    fix = _what_to_fix(m, side_on_yaw_deg)
    if not np.isfinite(m.view_yaw_deg):
        return f"the back was not seen clearly enough: {reliable} ({fix})"
    if m.view_yaw_deg > side_on_yaw_deg:
        return (f"the back was not seen clearly enough: the camera was {m.view_yaw_deg:.0f}° off side-on and "
                f"{reliable} ({fix})")
    return (f"the back was not seen clearly enough: the camera was side-on, but the back's outline was hidden or "
            f"ragged and {reliable} ({fix})")


def _what_to_fix(m: RepMetrics, side_on_yaw_deg: float) -> str:
    """What to change when filming, where the back was not seen clearly: the camera's angle off side-on, or, seen
    side-on, what hides the outline."""
    if not np.isfinite(m.view_yaw_deg):
        return "keep the whole lifter in the picture"
    if m.view_yaw_deg > side_on_yaw_deg:
        return "turn the camera side-on to the lifter"
    return "loose clothing, an arm or the load against the back? keep the whole back in view"
