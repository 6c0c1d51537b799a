"""Flexibility screen: from one slow bend towards the floor, how far a person can hinge before the spine rounds.

The back is read with the instrument `liftform analyze` uses (the same zero, limits and flag: `core.flags`), so what
the screen finds is what an analysis of the person's lifts will say. The hinge depth is the trunk lean at which the
back is first flagged rounded for ``min_rounded_s`` on the way down to the deepest bend; the maximum flexion there
is the person's range. The advice follows the seed's: hinge if the hips give enough range, else lunge or squat down
to the load, or first work on flexibility.

Until the nineteenth session the screen took the person's own zero from the early part of the bend (trunk at
25-50 deg, "neutral by nearly everyone") and wrote it into the profile. On the real development clips that zero read
a neutral back about 10 deg lower than it reads in a hinge (the contour rises with the lean), and a lifter who rounds
early read high: analysed with it, 21 of 30 neutral lifters and 3 of 11 rounded ones were right, against 28 and 11
with the shipped zero (DESIGN, "The flexibility screen"). A zero of the person's own is read only from a bend
someone who knows their back checked as neutral (`own_neutral_bend_deg`, `liftform screen --neutral`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from liftform.core.camera_pitch import RISE_DOUBT, median_rise
from liftform.core.filters import frame_interval_s, runs_s
from liftform.core.flags import flag_rounded_frames, spine_judged
from liftform.core.framing import PART_NAMES, parts_in_picture
from liftform.core.kinematics import compute_kinematics
from liftform.core.reps import segment_reps
from liftform.core.spine import view_label
from liftform.core.types import Kinematics
from liftform.settings import Settings, VerdictSettings, value_range
from liftform.track import PoseTrack

HINGE_DEPTH_DEG = 70.0       # a hinge reaching this lean with the back flat reaches loads near the floor
LUNGE_DEPTH_DEG = 45.0       # rounding before this lean: flexibility first
# Thighs this far from upright where the trunk leans most: the hips went down and forward with the knees (a squat, a
# sit-to-stand, a lift from the floor), not back. A bend at the hips keeps them near upright: the rendered hinges and
# stoops 10-29 deg, the real stoops and Romanian deadlifts 11-23; the rendered squats 61-73, a rendered sit-to-stand
# 58 (its knees, bent 95 deg, read 70: under the squat's 75), real deadlifts from the floor 40-67.
MAX_THIGH_DEG = 45.0
LEGS = [PART_NAMES.index("knees"), PART_NAMES.index("feet")]   # `core.framing`'s parts a bend at the hips is told by
MIN_NEUTRAL_S = 0.5          # seconds of a checked-neutral bend, judged and trusted, to read a person's own zero from
# How the screen's bend is asked for: as far as is comfortable, for the older patient after back pain it is also
# given to ("bend slowly all the way down towards the floor" had been said to them, a home-care therapist's review).
BEND_DOWN = "bend forward slowly, as far down towards the floor as is comfortable (stop if it hurts)"


@dataclass(frozen=True)
class ScreenResult:
    """What a flexibility screen found. Angles in degrees; ``advice`` one of hip_hinge | lunge | flexibility_first |
    insufficient_data."""

    hinge_depth_deg: float           # trunk lean reached before the back rounded (the deepest lean if it never did)
    hip_flexion_at_onset_deg: float
    max_spine_flexion_deg: float     # the person's range: peak trusted spine flexion where it is judged
    max_trunk_inclination_deg: float
    advice: str
    reason: str
    confidence: float
    rounded: bool = False            # the back was flagged rounded (spine or head) before the deepest bend
    # the spine's outline itself passed its limit there: ``max_spine_flexion_deg`` is the person's range (a bend
    # stopped by the head alone reached no range: its flat back's few degrees, written as one, made a later rounded
    # rep "2000% of your range")
    spine_rounded: bool = False
    head_led: bool = False           # the head hanging past its limit, the spine inside its own, stopped the bend
    max_neck_flexion_deg: float = float("nan")   # the head hung furthest where the back is judged on the way down
    notes: tuple[str, ...] = ()      # about the video it was read from (a dark picture, a damaged file)
    # the person's own zero (raw contour bend, deg), read from a bend checked neutral; NaN when not asked for
    own_neutral_bend_deg: float = float("nan")
    neutral_rep_span_s: tuple[float, float] | None = None     # the rep it was read from (start, end s), if one
    # what it was read from, for the profile to say whose it is: the video's path and SHA-256, the rep named (from 1)
    read_from: str = ""
    source_sha256: str = ""
    rep: int | None = None


def screen_bend(kinematics: Kinematics, all_settings: Settings, within: tuple[int, int] | None = None,
                track: PoseTrack | None = None) -> ScreenResult:
    """Screen one slow bend (the deepest one in ``kinematics``, or in its frames ``within`` (first, last): one rep
    of several; its way down, from the start of the rep it is in) with the verdict's rule for a rounded back.
    ``track``: the poses ``kinematics`` was computed from (the same frames), where the person was found and whether
    their legs were in the picture (`_out_of_view`); None: taken as seen wherever ``kinematics`` is valid."""
    k, settings = kinematics, all_settings.verdict
    trusted = k.spine_flexion_confidence >= settings.min_confidence
    frame = np.arange(len(k))
    looked_at = k.valid if within is None else k.valid & (frame >= within[0]) & (frame <= within[1])
    bottom = int(np.nanargmax(np.where(looked_at, k.trunk_inclination_deg, -np.inf))) if looked_at.any() else 0
    # Only the deepest bend's own way down: a warm-up bend before it (or its way back up) is not the screen.
    start = next((rep.start for rep in segment_reps(k, all_settings.reps) if rep.start <= bottom <= rep.end), 0)
    descent = (frame >= start) & (frame <= bottom)
    judged = descent & spine_judged(k.trunk_inclination_deg, k.hip_flexion_deg, settings)
    max_trunk = float(k.trunk_inclination_deg[bottom]) if k.valid.any() else float("nan")
    # The depth the back stays flat to is only known from a bend seen from its start: a clip that begins already
    # bent over (judged from its first measured frame) cannot tell where a rounding began.
    seen = np.flatnonzero(descent & k.valid)
    started_bent = bool(len(seen)) and bool(judged[seen[0]])
    reason = (_out_of_view(k, bottom, track, settings)
              or _why_undecided(k, bottom, started_bent, judged, trusted, all_settings))
    if reason is not None:
        nan = float("nan")
        return ScreenResult(nan, nan, nan, max_trunk, "insufficient_data", reason,
                            float(np.mean(trusted[descent])))
    onset = _rounding_onset(k, flag_rounded_frames(k, settings) & descent, settings.min_rounded_s)
    rounded = onset is not None
    onset = bottom if onset is None else onset
    depth = float(k.trunk_inclination_deg[onset])
    max_flexion = float(np.nanmax(np.where(trusted & judged, k.spine_flexion_deg, np.nan)))
    with np.errstate(invalid="ignore"):     # a neck not seen is NaN: not the head's doing
        head_led = rounded and not k.spine_flexion_deg[onset] >= settings.rounded_back_spine_deg
        max_neck = float(np.nanmax(np.where(trusted & judged, k.neck_flexion_deg, -np.inf)))
    advice, reason = _advice(depth, rounded, head_led)
    if head_led:
        reason += (f" (your head hung past its limit there, the neck flexed up to {max_neck:.0f}°, while your back's "
                   "outline stayed within its own: keep your head in line with your back)")
    elif rounded and onset == int(np.flatnonzero(trusted & judged)[0]):
        # Past the limit on the first frame the back is judged: where it began to round is not seen, and a back
        # whose outline reads rounded when flat (a rounded upper back's build, a hood) reads so too. From most
        # people's zero the two cannot be told apart; a bend someone checked flat can.
        reason += (f" (it read rounded from the first moment it is judged, at {depth:.0f}°: if someone who knows "
                   "backs sees it flat there, your back's outline reads rounded in this view or clothing; have them "
                   "watch one bend and run `liftform screen --neutral`)")
    elif rounded:
        # From most people's zero a build reads as rounding too (a rendered 30° kyphosis, its hinge flat, "starts to
        # round at 66°" and was told to lunge): a bend someone checked flat tells the two apart.
        reason += (f" (an upper back rounded by build reads so too: if someone who knows backs saw yours stay flat "
                   f"past {depth:.0f}°, have them watch one bend and run `liftform screen --neutral`)")
    return ScreenResult(depth, float(k.hip_flexion_deg[onset]), max_flexion, max_trunk, advice, reason,
                        float(np.mean(k.spine_flexion_confidence[judged])), rounded,
                        spine_rounded=rounded and max_flexion >= settings.rounded_back_spine_deg, head_led=head_led,
                        max_neck_flexion_deg=max_neck if np.isfinite(max_neck) else float("nan"))


def _out_of_view(k: Kinematics, bottom: int, track: PoseTrack | None, settings: VerdictSettings) -> str | None:
    """Why the deepest bend seen, at frame ``bottom``, may not be the bend: the person not found for ``min_rounded_s``
    or more (a rounding lasting that long could hide there) at or right after it, or on the way down to it where the
    back is judged (`_unseen_while_bent`); or their knees or feet out of the picture there (where last seen nearest
    it); None where neither. A lifter bending out of the frame's side had been told "the trunk never leaned 40°: bend
    slowly all the way down", or "flat down to 52°, the deepest you went"; one lost on the way down, "you hinge to
    80°" (rounding from 65°: the frames filled in across a short gap are not trusted, so no rounding is flagged
    there) or "the video begins bent over"; one whose feet were cut off, that their knees bent as in a sit-to-stand
    (MediaPipe's guess of the knees)."""
    seen = k.valid if track is None else k.valid & track.has_pose
    if not seen.any():
        return None
    t, dt = k.timestamps_s, frame_interval_s(k.timestamps_s)
    for first, end in _unseen_while_bent(seen, k.trunk_inclination_deg, bottom, settings.min_trunk_for_rounding_deg):
        lasted_s = float(t[end - 1] - t[first]) + dt
        if lasted_s >= settings.min_rounded_s:
            return (f"you were not seen for {lasted_s:.1f} s from {t[first]:.1f} s as you bent (out of the "
                    "picture, or hidden): how far you went and whether your back rounded then is not known; keep "
                    "the whole body in view, side-on, all the way down and up")
    # The legs where the person was last seen nearest the deepest lean: it may be a frame filled across a short gap
    # (`[filter] max_gap_s`), with no landmarks of its own (read there, the legs had been said out of the picture).
    seen_frames = np.flatnonzero(seen)
    nearest = int(seen_frames[np.argmin(np.abs(seen_frames - bottom))])
    if track is not None and not parts_in_picture(track.image_xy[[nearest]], track.frame_size_wh)[0, LEGS].all():
        return ("your knees or feet were out of the picture where you bent furthest, so whether you bent at the hips "
                "or the knees cannot be told: keep the whole body in view, feet included, and bend slowly all the way "
                "down towards the floor")
    return None


def _unseen_while_bent(seen: np.ndarray, trunk_deg: np.ndarray, bottom: int,
                       judged_from_deg: float) -> list[tuple[int, int]]:
    """The stretches of frames [first, end) the person was not ``seen`` (T,) in at frame ``bottom`` (whole: a short
    gap filled across can hold the deepest lean) or right after it, and on the way down to it once seen, where the
    trunk (``trunk_deg`` (T,)) leaned ``judged_from_deg`` or more from the first frame seen after them to ``bottom``
    (the back was judged there: its rounding may have begun unseen)."""
    stretches = []
    if not seen[bottom] or (bottom + 1 < len(seen) and not seen[bottom + 1]):
        seen_before, seen_again = np.flatnonzero(seen[:bottom + 1]), np.flatnonzero(seen[bottom + 1:])
        stretches.append((int(seen_before[-1]) + 1 if len(seen_before) else 0,
                          bottom + 1 + int(seen_again[0]) if len(seen_again) else len(seen)))
    seen_frames = np.flatnonzero(seen[:bottom + 1])
    gaps = np.flatnonzero(np.diff(seen_frames) > 1)
    least_lean_on = np.fmin.accumulate(trunk_deg[:bottom + 1][::-1])[::-1]    # from each frame to the bottom
    bent = least_lean_on[seen_frames[gaps + 1]] >= judged_from_deg
    stretches.extend(zip((seen_frames[gaps][bent] + 1).tolist(), seen_frames[gaps + 1][bent].tolist(), strict=True))
    return stretches


def _why_undecided(k: Kinematics, bottom: int, started_bent: bool, judged: np.ndarray, trusted: np.ndarray,
                   all_settings: Settings) -> str | None:
    """Why the bend down to frame ``bottom`` (``judged``: its way down where the back is judged) tells no hinge depth,
    in words that say what to film instead; None where it does."""
    settings = all_settings.verdict
    if not k.valid.any():
        return "no pose of the person could be measured"
    if not (trusted & judged).any() and view_label(k.view_yaw_deg, all_settings.spine) == "front":
        # From the front the lean and the back's bend do not show: "bend further" was said to a full bend.
        return ("the camera saw you from the front, where the lean and the back's bend do not show: film the screen "
                "side-on, the whole body in view")
    # Knees bent this far leave the hamstrings slack: a squat, a lunge, a sit-to-stand tells nothing of how far the
    # hips hinge, however far the trunk leans (a sit-to-stand leaning 60 deg had read as "flat down to 60 deg").
    knee, trunk, split = k.knee_flexion_deg[bottom], k.trunk_inclination_deg[bottom], k.stance_split[bottom]
    thigh = k.hip_flexion_deg[bottom] - trunk      # the thigh's angle from upright: hip flexion is trunk + thigh
    if knee >= settings.squat_knee_flexion_deg or thigh >= MAX_THIGH_DEG:
        if split >= settings.lunge_stance_split:
            what = f"that was a lunge (feet split {split:.1f} leg lengths apart, knees bent {knee:.0f}°)"
        elif trunk <= settings.squat_max_trunk_deg:
            what = f"that was a squat (knees bent {knee:.0f}°, trunk leaned {trunk:.0f}°)"
        else:
            what = (f"the hips went down with the knees bent (knees {knee:.0f}°, thighs {thigh:.0f}° from upright) as "
                    f"the trunk leaned {trunk:.0f}°: a sit-to-stand, or a lift from the floor")
        return f"{what}, not a bend at the hips: for the screen, keep the knees soft and {BEND_DOWN}"
    if started_bent:
        return ("the start of the bend was not seen (the video begins bent over): start the screen standing upright "
                f"in view, then {BEND_DOWN}")
    if not judged.any():
        lean = settings.min_trunk_for_rounding_deg
        return f"the trunk never leaned {lean:.0f}°, where the back is judged: {BEND_DOWN}"
    if (trusted & judged).sum() < settings.min_trusted_share * judged.sum():
        return f"the back was not seen clearly during the bend: film side-on, {BEND_DOWN}"
    if median_rise(k.far_shoulder_rise[judged]) >= RISE_DOUBT:
        # From above a rounded back reads flat (`core.camera_pitch`), so it rounds later than it does, if at all: a
        # rendered stoop rounding from 40 deg of lean, filmed from 35 deg above, was told "HIP HINGE - you hinge to
        # 92 deg with a flat back", where `analyze` judges no rep. A little above is enough for the screen, whose
        # depth a profile keeps and every later lift's advice reads: a stoop rounding at 62 deg, filmed from 25 deg
        # above, was "HIP HINGE ... 93 deg with a flat back", and that profile told its rounded lifts "too heavy".
        return ("the camera looked down on you from above, where a rounded back reads flat, so how far your back "
                "stays flat cannot be told: film the screen side-on with the camera level, at hip height")
    return None


def _rounding_onset(kinematics: Kinematics, flagged: np.ndarray, min_rounded_s: float) -> int | None:
    """First frame of the first run of ``flagged`` (T,) lasting ``min_rounded_s``, as a rep's rounding must
    (`core.filters.runs_s`)."""
    starts, durations_s = runs_s(flagged, kinematics.timestamps_s)
    lasting = np.flatnonzero(durations_s >= min_rounded_s)
    return int(starts[lasting[0]]) if len(lasting) else None


def _advice(depth_deg: float, rounded: bool, head_led: bool) -> tuple[str, str]:
    rounds = "your head hangs past its limit" if head_led else "your back starts to round"
    if not rounded and depth_deg < HINGE_DEPTH_DEG:
        return "lunge", (f"your back stayed flat down to {depth_deg:.0f}° of trunk lean, the deepest you went: for "
                         "loads lower than that, go down in a lunge or squat (or repeat the screen bending further, "
                         "if that is comfortable)")
    if depth_deg >= HINGE_DEPTH_DEG:
        # Past a rounding's onset the hinge ends: the headline had said "with a flat back" alone, and the person's
        # lifts analysed with the profile were then told "you cannot yet reach this low with a flat back".
        if rounded:
            return "hip_hinge", (f"you hinge to {depth_deg:.0f}° of trunk lean with a flat back, then {rounds}: "
                                 "hinge no lower than that, back flat, load close; for loads lower still, bend your "
                                 "knees more or go down in a lunge")
        return "hip_hinge", (f"you hinge to {depth_deg:.0f}° of trunk lean with a flat back: lift from low with a "
                             "hip hinge, back flat, load close")
    if depth_deg >= LUNGE_DEPTH_DEG:
        return "lunge", (f"{rounds} at {depth_deg:.0f}° of trunk lean: for loads near the floor, go "
                         "down to them in a lunge (one knee towards the floor) or a squat, load close, rather than "
                         "bending over")
    return "flexibility_first", (f"{rounds} already at {depth_deg:.0f}° of trunk lean: work on hip and "
                                 "hamstring flexibility first (if bending hurts, see a clinician first), and lift from "
                                 "a raised surface meanwhile")


def own_neutral_bend_deg(kinematics: Kinematics, settings: VerdictSettings) -> float:
    """The raw bend of this person's back contour (deg) in a bend someone who knows their back checked as neutral:
    the median over the frames where the spine is judged (`flags.spine_judged`: the trunk leaning 40 deg or the hips
    flexed 80) and the measure trusted, as the shipped zero is the median of the real neutral hinges' medians. Used
    as the zero (`[spine] neutral_bend_deg`), a lift is judged by how far it bends past that person's own neutral in
    the same clothes and view. NaN where those frames add up to less than ``MIN_NEUTRAL_S``.

    Never read from an unchecked bend: a back that rounds as it bends carries its rounding into the zero and hides
    it (what the screen's early-bend zero did until the nineteenth session)."""
    k = kinematics
    contour = k.spine_flexion_deg + k.spine_baseline_deg
    with np.errstate(invalid="ignore"):
        used = (spine_judged(k.trunk_inclination_deg, k.hip_flexion_deg, settings)
                & (k.spine_flexion_confidence >= settings.min_confidence) & np.isfinite(contour))
    if used.sum() * frame_interval_s(k.timestamps_s) < MIN_NEUTRAL_S:
        return float("nan")
    return float(np.median(contour[used]))


def checked_rep_zero_deg(rep_track: PoseTrack, settings: Settings) -> float:
    """`own_neutral_bend_deg` of one rep someone checked flat among others (live's key n, `liftform screen --neutral
    --rep N`): ``rep_track`` holds that rep's frames only, and its angles are computed on them alone, as live computes
    each rep's. NaN as `own_neutral_bend_deg`."""
    return own_neutral_bend_deg(compute_kinematics(rep_track, settings.filter, settings.spine), settings.verdict)


def unusable_zero(zero_deg: float) -> str | None:
    """Why a zero read from a checked bend or rep cannot be used, in words (None where it can): the back not seen
    bent long enough (NaN), or a reading outside ``[spine] neutral_bend_deg``'s range, which no neutral back gives
    and a profile could not hold. The screen and live's key n refuse on it alike."""
    if math.isnan(zero_deg):
        return "the back was not seen bent over (the trunk leaning 40° or more) long enough to read its neutral"
    if not value_range("spine", "neutral_bend_deg").contains(zero_deg):
        return f"the back's outline there reads {zero_deg:.0f}°, not a neutral back's bend"
    return None
