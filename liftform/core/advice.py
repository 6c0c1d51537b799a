"""What to do next time: one piece of advice per rep, from the technique liftform checks.

The technique: bend at the hips and keep the back extended (chest up); a person who cannot reach the floor that way
rounds, so they should go down in a lunge or half-kneel and work on hip and hamstring flexibility first (`liftform
screen` measures how far they hinge with a neutral spine); set the back before the load leaves the floor; lift
slowly and breathe out as you lift; if the load is too heavy to lift safely, ask someone to help.

``advice_kind`` picks the one that matters most for a rep (a rounded back first: at the bottom of a squat a depth
to stop short of, while lowering the load the way down; then a back past its limit too briefly to count, a rounded
reach-down, a rushed ascent; an undecided rep, what to change in the filming),
``advise`` says it in one sentence with the rep's numbers (or without them: the words a set's reps share),
``ADVICE_CUES`` in a few words for the live screen and the annotated video. Pure functions of a :class:`RepVerdict`
and, when a screen profile was given, the trunk lean (deg) the person reached there with a neutral spine.
"""

from __future__ import annotations

import math

from liftform.core.types import ANGLE_DECIMALS, TIME_DECIMALS, RepVerdict
from liftform.core.vocabulary import JERKY_LIFT, ROUNDED_REACH_DOWN
from liftform.settings import AdviceSettings

# Knees straighter than this interior angle (deg) at the bottom: the person stooped instead of bending the knees.
STOOP_KNEE_ANGLE_DEG = 150.0
# A rep that leans this much (deg) beyond the lean where the screen's back rounded could not be reached flat.
BEYOND_SCREEN_DEG = 5.0
# A rep that lowers a load (a set-down, a bar lowered) seen only part way: it has no lift of its own to film.
# "Keep filming" had been said where the video went on and someone walking past hid the lifter: the view ends where
# the recording stops or loses the person (`reasons`), and the words fit both.
_KEEP_FILMING_LOWERING = ("Keep the camera running and on you until you have set the load down and stood up again: the "
                          "back is judged as you lower it.")

ADVICE_CUES = {
    "film_side_on": "Film side-on, back in view",
    "film_level": "Camera at hip height, level",
    "film_whole_lift": "Film all of it, stay in view",      # the video stopped, or lost the lifter
    "flat_way_down": "Flat going down - stay in view",
    "stay_in_sight": "Lost you low down: more light",
    "lunge_and_flexibility": "Lunge down; work on flexibility",
    "too_heavy": "Chest up - too heavy? Get help",
    "bend_knees_chest_up": "Bend hips and knees, chest up",
    "squat_depth": "Squat less deep, back flat",
    "lower_flat": "Lower it with a flat back",
    "chest_up": "Chest up; too heavy? Get help",     # the advice's "if you can't ... ask someone"
    "flat_all_the_way": "Keep your back flat all the way",
    "head_in_line": "Head in line with your back",
    "reach_down_flat": "Reach down with a flat back",
    "flat_at_bottom": "Flat back at the bottom too",   # a rep lowering a load: rounded over it on the floor
    "lift_slowly": "Slower up, breathe out",
    "near_limit": "Back near its limit: chest up",
    "good": "Good lift",
}
# Praise said less surely, as `advise` says it (live and the video had shown "Good lift" under a three-quarter view's
# verdict that the terminal and report hedge): a lift judged at an angle, a lift seen only in part.
HEDGED_GOOD_CUES = {"at_an_angle": "Good? Turn side-on to be sure", "in_part": "Good? Only part of it seen"}


def _screened(screen_hinge_depth_deg: float) -> bool:
    """Whether the lifter's profile holds a depth from `liftform screen` (NaN or 0: none)."""
    return math.isfinite(screen_hinge_depth_deg) and screen_hinge_depth_deg > 0


def rounded_cause(rv: RepVerdict, screen_hinge_depth_deg: float = math.nan) -> str:
    """Why a rounded rep's back rounded, as far as the screen and the knees tell (a key of ``ADVICE_CUES``): the
    load pulled it round (``too_heavy``, the screen reached this deep flat; ``chest_up``, the knees bent), or the
    floor was out of reach with a flat back (``lunge_and_flexibility``, deeper than the screen stayed flat;
    ``bend_knees_chest_up``, a stoop). A lift and a set-down are told the same cause."""
    if _screened(screen_hinge_depth_deg):
        if rv.peak_trunk_inclination_deg <= screen_hinge_depth_deg + BEYOND_SCREEN_DEG:
            return "too_heavy"                # reached flat in the screen: the load pulled it round
        # Deeper than the screen's depth: out of reach with a flat back only where the screen saw the back round
        # there (the profile then holds the range it reached: `rv.spine_flexion_pct_of_max`). A back flat down to
        # the deepest the screen went (every checked rep of `screen --neutral`) set no limit: a flexible lifter
        # screened flat to 78 deg had been told to work on flexibility for a stoop leaning 93.
        if math.isfinite(rv.spine_flexion_pct_of_max):
            return "lunge_and_flexibility"
    # Knees guessed (out of the picture) are not taken as bent: the advice names hips and knees both.
    stooped = (rv.knee_guessed or not math.isfinite(rv.min_knee_angle_deg)
               or rv.min_knee_angle_deg >= STOOP_KNEE_ANGLE_DEG)
    return "bend_knees_chest_up" if stooped else "chest_up"


def advice_kind(rv: RepVerdict, screen_hinge_depth_deg: float = math.nan) -> str:
    """The key of ``ADVICE_CUES`` that matters most for this rep. ``screen_hinge_depth_deg``: trunk lean (deg) the
    person reached with a neutral spine in `liftform screen` (NaN = no screen): where the back rounded there, or the
    deepest the screen went where it stayed flat (then no limit: the rep's range, ``spine_flexion_pct_of_max``, is
    unknown, and a rep leaning deeper is advised as without a screen)."""
    if rv.verdict == "insufficient_data":    # what to change in the filming, as the reason says why
        if rv.lift_unseen or rv.view_cut:      # not seen: the video stopped, or the pose lost the lifter mid-rep
            return "stay_in_sight" if rv.pose_lost_s > 0 else "film_whole_lift"
        return "film_level" if rv.from_above else "film_side_on"
    if rv.is_rounded:
        if rv.squat_bottom and not rv.head_led:   # the pelvis tucked under at the bottom: a depth, not a hinge, fault
            return "squat_depth"
        # Rounded setting the load down, not in this rep's rise: that rise may be empty-handed (a box set down), and
        # the lift that raised the load (the rep before) may have rounded too, so the advice claims no good lift.
        return "lower_flat" if rv.while_lowering else rounded_cause(rv, screen_hinge_depth_deg)
    if rv.rounded_s > 0:                          # past the limit, too briefly to count: no praise for a flat back
        # the head, not the back's contour, passed its limit: "keep your back extended" had been said of it
        return "head_in_line" if rv.head_briefly else "flat_all_the_way"
    if rv.judged_on_descent:                      # cleared on the way down only: the lift was not filmed (or seen)
        return "stay_in_sight" if rv.pose_lost_s > 0 else "flat_way_down"
    if ROUNDED_REACH_DOWN in rv.faults:           # before a rep's lift that lowered a load, the load rested there
        return "flat_at_bottom" if rv.rep.lowers_load else "reach_down_flat"
    if JERKY_LIFT in rv.faults:
        return "lift_slowly"
    return "near_limit" if rv.near_limit else "good"


def _flat_all_the_way(rv: RepVerdict, own_numbers: bool = True) -> str:
    how_long = f" ({_s(rv.rounded_s)} s)" if own_numbers else ""
    if rv.judged_on_descent:     # the spike was on the way down, the lift not filmed
        return (f"Keep your back extended all the way down and up: it passed its limit for a moment on the way down"
                f"{how_long}, too briefly to count - and keep the camera running and on you until you stand up with "
                "the load.")
    return (f"Keep your back extended all through the lift: it passed its limit for a moment{how_long}, "
            "too briefly to count as a rounded lift - a heavier load would pull it further.")


def _deg(value: float) -> str:
    return f"{round(value, ANGLE_DECIMALS):.0f}°" if math.isfinite(value) else "--"


def _s(value: float) -> str:
    """Seconds to the hundredth, as result.json's value (to the ms) reads."""
    return f"{round(value, TIME_DECIMALS):.2f}"


def advise(rv: RepVerdict, screen_hinge_depth_deg: float = math.nan, *, own_numbers: bool = True) -> str:
    """One sentence for the lifter about this rep (see :func:`advice_kind` for the choice). Without
    ``own_numbers``, the sentence leaves out this rep's own angles, times, share of the range and when in the rep it
    rounded (each in its row of the report, its reason or result.json): the words a long set's reps share, said once
    for all of them (the report's list of advice)."""
    kind = advice_kind(rv, screen_hinge_depth_deg)
    sentence = _sentence(kind, rv, screen_hinge_depth_deg, own_numbers)
    # A three-quarter view's flat back had been told, at 26 % confidence, "your back was flat from lift-off on, but
    # you reached down rounded" (a tester's clinician read it as a set-up fault): what it claims is said less surely.
    if _hedged_at_an_angle(rv, kind):
        sentence += " Filmed at an angle, the back's outline is less sure than side-on: film side-on to be sure."
    if _hedged_in_part(rv, kind):
        sentence += " Only part of this rep was seen: keep your whole body in view all through the lift to be sure."
    if rv.is_rounded and rv.from_behind:   # a flat back filmed so had been told "the load is too heavy", unhedged
        sentence += (" Filmed from behind at an angle, the shoulder blades can make a flat back look rounded: film "
                     "side-on to be sure.")
    return sentence


def _hedged_at_an_angle(rv: RepVerdict, kind: str) -> bool:
    """Whether what the advice of ``kind`` claims is said less surely for the view: a three-quarter view's flat back
    had been told, at 26 % confidence, "your back was flat from lift-off on, but you reached down rounded" (a tester's
    clinician read it as a set-up fault)."""
    # not of a back never judged (a lunge too upright): turning side-on would not judge it either
    return (rv.at_an_angle and not rv.from_behind and not rv.cleared_unread
            and kind in ("good", "near_limit", "reach_down_flat", "flat_at_bottom"))


def _hedged_in_part(rv: RepVerdict, kind: str) -> bool:
    """Whether praise is said of a rep seen only in part: a lifter lost for 0.8 s at the bottom, judged for 0.17 s,
    had been told "you bent at the hips with a flat back" in every place a user looks, unhedged."""
    return kind in ("good", "near_limit") and (not rv.rep.complete or not rv.seen_whole or rv.pose_lost_s > 0)


def _sentence(kind: str, rv: RepVerdict, screen_hinge_depth_deg: float, own_numbers: bool) -> str:
    """:func:`advise`'s sentence of ``kind`` (`advice_kind`)."""
    spine, trunk = _deg(rv.peak_spine_flexion_deg), _deg(rv.peak_trunk_inclination_deg)
    of_range = (f" ({round(rv.spine_flexion_pct_of_max, ANGLE_DECIMALS):.0f}% of your range)"
                if math.isfinite(rv.spine_flexion_pct_of_max) else "")
    if rv.head_led:   # the rounding was seen in the head hanging: say that, not the contour's reading
        spine, of_range = f"with your head hanging {_deg(rv.peak_neck_flexion_deg)}", " (keep your head in line)"
    # A set-down rounded and risen from rounded names the lowering, as its reason does: a box set down stooped had
    # been told only that the back rounded "as you came up", the empty-handed rise after it.
    # A set-down's rise alone rounded: a bar's next lift or a box's empty-handed stand-up (a tester's box set-down
    # filmed from above, its lowering read flat, had been told its back rounded "as you came up": the pick-up).
    when = ("as you lowered the load and came back up" if rv.lowered_rounded else
            "as you came back up after lowering the load" if rv.rep.lowers_load else "as you came up")
    here = f", here {trunk}"
    if not own_numbers:
        spine = "with your head hanging" if rv.head_led else ""
        of_range, when, here = (" (keep your head in line)" if rv.head_led else ""), "", ""
    # a lifter who has done the screen is told what it found, not to run it ("`liftform screen` checks it")
    checks_it = (f"your screen: a flat back to {_deg(screen_hinge_depth_deg)} of lean{here}"
                 if _screened(screen_hinge_depth_deg) else "`liftform screen` checks it")
    rounded = " ".join(words for words in ("rounded", spine + of_range) if words)     # "rounded 42° (61% of ...)"
    rounded_when = " ".join(words for words in (rounded, when) if words)
    sentences = {
        "film_side_on": "Film side-on with your whole back in view, so the next rep can be judged.",
        "film_level": ("Put the camera at hip height and level, side-on: from above, a rounded back looks flat, so "
                       "this rep could not be judged."),
        "film_whole_lift": ((_KEEP_FILMING_LOWERING if rv.rep.lowers_load else
                             "Keep the camera running and on you until you stand up with the load: the back is judged "
                             "as you lift it.")
                            if rv.lift_unseen else
                            "Keep the whole rep in view, from standing before you bend down to standing up "
                            "again: too little of this one was seen to judge the back."),
        "flat_way_down": ("Your back stayed flat lowering the load - keep the camera running and on you until it is "
                          "down and you stand up again, so all of it is judged." if rv.rep.lowers_load else
                          "Your back stayed flat on the way down - keep the camera running and on you until you "
                          "stand up with the load, so the lift itself is judged too."),
        "stay_in_sight": ("liftform lost sight of you at the bottom of this rep, so your lift was not judged: film in "
                          "brighter light, your whole body in view and standing out from the background."),
        "lunge_and_flexibility": (
            f"You cannot yet reach this low with a flat back (your screen: {_deg(screen_hinge_depth_deg)} of lean"
            f"{here}): go down in a lunge or half-kneel, and work on hip and hamstring flexibility."),
        # what the screen compared is the trunk's lean, not the hips' flexion (a squat's hips flex further than the
        # screen's hinge at the same lean: "your hips reach this low" had been said of a rounded box squat)
        "too_heavy": (
            f"Keep your chest up and your back extended: it {rounded_when} although your screen kept it flat to "
            f"{_deg(screen_hinge_depth_deg)} of lean{here}, so if the load pulls you round it is too heavy - ask "
            "someone to help."),
        "bend_knees_chest_up": (
            f"Bend at the hips and knees and keep your chest up: your back {rounded_when}; if you "
            f"can't reach that low with a flat back, lunge or half-kneel ({checks_it})."),
        "squat_depth": (
            f"Squat only as deep as your lower back stays flat: at the bottom it {rounded} as your "
            "pelvis tucked under - stop a little higher, and work on hip and ankle flexibility."),
        "lower_flat": (
            f"Lower the load bending at the hips and knees with your back extended: it {rounded} "
            # rounded through the bottom: its reason says "lowered and lifted the load with the back"
            f"{'through the bottom, lowering and lifting' if rv.through_bottom else 'on the way down'}; "
            f"{_lowering_tail(rv, screen_hinge_depth_deg, here)}"),
        # not the load alone: a lifter who cannot keep it flat that low can lunge down to it instead
        "chest_up": (
            f"Keep your chest up and your back extended: it {rounded_when}; if you can't, go down in a lunge or "
            "half-kneel, or the load is too heavy - ask someone to help."),
        "flat_all_the_way": _flat_all_the_way(rv, own_numbers),
        "head_in_line": ("Keep your head in line with your back: it hung toward the floor past its limit for a "
                         f"moment{f' ({_s(rv.rounded_s)} s)' if own_numbers else ''}, too briefly to count - a "
                         "hanging head pulls the upper back round with it."),
        "reach_down_flat": (
            "Reach down the way you lift: your back was flat from lift-off on, but you reached down rounded - bend at "
            "the hips and knees with your chest up on the way down too."),
        # no reach-down to tell of: the load lowered rested on the floor (a tester's finding)
        "flat_at_bottom": (
            "Keep your back flat at the bottom too: it was flat from lift-off on, but it rounded over the load on the "
            "floor - keep your chest up while the load is down, not only as you lift."),
        "lift_slowly": (
            "Lift slowly and breathe out as you lift: you came up "
            + (f"in {_s(rv.ascent_s)} s through the stretch you went down in {_s(rv.descent_s)} s." if own_numbers
               else "much faster than you went down.")),
        "near_limit": _near_limit(rv),
        "good": _good(rv),
    }
    return sentences[kind]


def _lowering_tail(rv: RepVerdict, screen_hinge_depth_deg: float, here: str) -> str:
    """What a set-down rounded should try, by the same cause a lift rounded is told (`rounded_cause`): a stoop's
    or a back deeper than its screen stayed flat had been told the load was too heavy, beside lifts of the same
    bend told to lunge."""
    cause = rounded_cause(rv, screen_hinge_depth_deg)
    if cause == "lunge_and_flexibility":
        return (f"you cannot yet reach this low with a flat back (your screen: {_deg(screen_hinge_depth_deg)} of "
                f"lean{here}), so set it down in a lunge or half-kneel.")
    if cause == "bend_knees_chest_up":
        return "if you can't reach that low with a flat back, set it down in a lunge or half-kneel."
    return "if you can't keep it flat, the load is too heavy - ask someone to help."


def _good(rv: RepVerdict) -> str:
    """Praise for a safe rep: a flat back is claimed only where the spine was judged (a shallow bend's was not, the
    lift too upright for rounding to show), and a shallow bend that is neither squat nor lunge is praised as one, not
    as a bend at the hips (a real clip's 0.5 s dip with the trunk at -5 deg had been told "you bent at the hips")."""
    # a set-down's rise may be empty-handed: no "load close as you stand" there (a box set down had been told so)
    stand = "" if rv.rep.lowers_load else " as you stand"
    if rv.knee_guessed:      # squat, lunge or hinge is a guess: a patient kneeling behind a table was told to hinge
        return ("Good: your back stayed flat - keep the load close." if not rv.cleared_unread else
                "Good: keep the load close (your back was not judged in this rep).")
    if not rv.cleared_unread:
        return {
            "lunge": f"Good lunge: your back stayed flat - keep the load close{stand}.",
            "squat": "Good squat lift: chest up, back flat - keep the load close.",
        }.get(rv.verdict, "Good hip hinge: you bent at the hips with a flat back - keep the load close.")
    return {
        "lunge": f"Good lunge: keep your chest up and the load close{stand}.",
        "squat": "Good squat lift: chest up - keep the load close.",
    }.get(rv.verdict, "Good: a shallow bend - keep the load close; to reach lower, bend at the hips with your back "
                      "extended.")


def _near_limit(rv: RepVerdict) -> str:
    """A safe rep whose back came within the flag's hysteresis of the limit (`RepVerdict.near_limit`): not praised
    as flat (a rendered half-kneel rounded 40 deg, read 20 against a limit of 21, had been told "your back stayed
    flat")."""
    stand = "" if rv.rep.lowers_load else " as you stand"
    return {
        "lunge": f"Good lunge, but your back came near its limit: keep your chest up and the load close{stand}.",
        "squat": "Good squat lift, but your back came near its limit: keep your chest up and the load close.",
    }.get(rv.verdict, "Good hip hinge, but your back came near its limit: bend at the hips with your chest up and "
                      "your back extended - keep the load close.")


def rep_advice(rv: RepVerdict, settings: AdviceSettings, *, own_numbers: bool = True) -> str:
    """:func:`advise` with the screen's hinge depth from the settings (0 there = no screen)."""
    depth = settings.screen_hinge_depth_deg
    return advise(rv, depth if depth > 0 else math.nan, own_numbers=own_numbers)


def rep_cue(rv: RepVerdict, settings: AdviceSettings) -> str:
    """The advice for the live screen, in a few words (``ADVICE_CUES``)."""
    depth = settings.screen_hinge_depth_deg
    kind = advice_kind(rv, depth if depth > 0 else math.nan)
    if kind == "good" and _hedged_at_an_angle(rv, kind):
        return HEDGED_GOOD_CUES["at_an_angle"]
    if kind == "good" and _hedged_in_part(rv, kind):
        return HEDGED_GOOD_CUES["in_part"]
    return ADVICE_CUES[kind]
