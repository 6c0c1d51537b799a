"""The numbers one rep is judged on (`RepMetrics`), read from the kinematics of its frames, and the questions
the verdict and its words ask of them (rounded while lowering? the lift unseen? cleared on the way down?).

Which frames carry the load: from lift-off (the hands and the object leave the floor, :mod:`liftform.core.phases`)
through the ascent, and the descent of a rep lowering a load down to touch-down. Where the view ends inside a rep
before its lift (the video stops, the person is lost), its whole lower part is what there is to judge."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from liftform.core.camera_pitch import looks_down, rep_rise
from liftform.core.filters import bridged_run_lengths_s, run_lengths_s
from liftform.core.flags import armed_within, rounding_carried_s, rounding_excess_deg, spine_judged
from liftform.core.reps import meets_view_edge, seen_whole
from liftform.core.spine import FRONT_VIEW_YAW_DEG
from liftform.core.types import Kinematics, Rep
from liftform.core.viewpoint import filmed_from_behind
from liftform.settings import VerdictSettings

# In a rep cut by the video without a lift-off from the hands, the lift starts once the shoulders have come back up
# this share of the rep's depth from the bottom.
RISE_START = 0.05
# A rep's tempo is the time the shoulders take through the same stretch of its depth each way, from this share of
# the bottom's depth to its complement: the pause at the bottom (a set, a set-down) and the slow ease into
# standing fall outside it on both sides. Timed from the rep's start to its bottom and from lift-off to its end, a
# rendered box hinge that rose in 0.87 s after 1.03 s down read 0.3 s up after 0.9 s down (a jerk).
TEMPO_BAND = (0.2, 0.8)
# A swing (or a clean) brings the hands up against the shoulders from hanging by more than an arm's length (~0.4 of
# standing shoulder height raises straight arms to level; 0.5 to about 25 deg above it), within this long after the
# rep ends. Real kettlebell swings rise 0.58-0.81 (as filmed and mirrored); every other development rep 0.42 at most
# (a deadlifter's hands misread near his face for a moment). A swing only to chest height is not told apart: it may
# be called jerky.
SWING_RISE = 0.5
SWING_AFTER_S = 0.5


def finite_reduce(reduce, values: np.ndarray) -> float:
    """``reduce`` (np.max, np.min, np.median) of the finite ``values``; NaN when there are none (no warning)."""
    finite = values[np.isfinite(values)]
    return float(reduce(finite)) if len(finite) else float("nan")


def _nanmax(values: np.ndarray) -> float:
    return finite_reduce(np.max, values)


@dataclass(frozen=True)
class RepMetrics:
    """The numbers one rep is judged on (degrees, seconds, shares in [0, 1]; NaN where unknown)."""

    peak_spine_deg: float           # highest trusted spine flexion over the judged frames where rounding shows
                                    # (`core.flags.spine_judged`; NaN: never judged)
    peak_neck_deg: float            # the same for neck flexion (the head hanging)
    peak_trunk_deg: float
    peak_hip_deg: float
    knee_flexion_deg: float         # deepest knee bend in the lower part of the movement
    stance_split: float             # widest ankle split there, leg lengths
    rounded_s: float                # time flagged rounded while loaded (and before, where the load came onto it)
    lift_rounded_s: float           # ... of it, from lift-off on (the rest was lowering the load)
    lowering_rounded_s: float       # ... of it, lowering the load before touch-down (0 in a rep lowering none)
    reach_rounded_s: float          # time flagged rounded unloaded (reaching down empty-handed, setting up)
    stoop_squat_index: float        # 0 = full squat ... 100 = full stoop
    lean_from_spine_pct: float      # share of the trunk lean made by the spine bending at the judged part's
                                    # deepest frame (`judged_bottom`), percent (NaN where its spine reading is not
                                    # trusted)
    trusted_share: float            # share of the judged frames (the loaded ones; all of the lower part where the
                                    # lift was not seen) where the spine measure is trusted
    mean_confidence: float          # mean spine-measure confidence over the judged frames
    view_yaw_deg: float             # median camera yaw over the judged frames (0 side-on, 90 facing the camera)
    descent_s: float                # the shoulders' time down through the middle of the rep's depth (`TEMPO_BAND`)
    ascent_s: float                 # ... and back up through the same stretch (NaN where the view cuts either)
    rise_seen: float                # in a rep the view ends in (no load lowered before its bottom), how far back
                                    # up from the bottom it was seen, share of its depth (1 for every other rep)
    seen_whole: bool                # seen from start to end (`core.reps.seen_whole`): the video does not start or
                                    # end inside it, nor is the person missing at either end
    judged_s: float                 # longest time the back was judged without a break (trusted, in a posture
                                    # where rounding shows: `core.flags.spine_judged`)
    posture_judged: bool            # the judged frames reached a posture where rounding shows, trusted or not
                                    # (False: a shallow bend; True with no spine peak: the back was not seen
                                    # clearly there, `hidden_where_judged`)
    from_behind: bool = False       # the judged frames were filmed from behind at an angle
                                    # (`viewpoint.filmed_from_behind`): the outline there is the shoulder blades'
    shoulder_rise: float = float("nan")  # how far above the camera is (`camera_pitch.rep_rise`)
    swung: bool = False             # the hands swung up past the shoulders (`SWING_RISE`): a swing or a clean,
                                    # where speed is the point, so never a jerky lift
    descent_seen: bool = True       # some frame before the bottom has a pose (False: the person was found only at
                                    # the bottom or on the way up, after a gap or as the video starts, or the view
                                    # stopped on the way down, the rep's deepest frame its last)
    rounding_at_edge: bool = False  # the rounding counted runs into where the view starts or ends (`meets_view_edge`)
    knee_guessed: bool = False      # the knee or ankle out of the picture in most of the lower part (`knee_guessed`)
    judged_bottom_trunk_deg: float = float("nan")  # the trunk's lean at the judged part's deepest frame (below
                                    # `peak_trunk_deg` where the rep leaned further before lift-off: a reach-down)
    judged_bottom_lowering: bool = False  # that frame lowers the load (before touch-down), not lifts it

    @property
    def from_above(self) -> bool:
        """Filmed from above (`camera_pitch.looks_down`): the outline there is the far side of the back, and a
        rounded back reads flat."""
        return looks_down(self.shoulder_rise)


@dataclass(frozen=True)
class RepParts:
    """Which of a rep's frames (``rep.start`` .. ``rep.end``, (n,) bool each) play which part."""

    low: np.ndarray                 # the shoulders at least ``loaded_depth_fraction`` of the rep's depth down
    lifting: np.ndarray             # from the lift's start (lift-off) on
    loaded: np.ndarray              # lifting, or lowering the load down to touch-down
    reaching: np.ndarray            # low and unloaded: reaching down, setting up
    judged: np.ndarray              # what the verdict is taken from: the loaded frames, or the whole lower part
                                    # where the view ends before the lift (its way down)
    counted: np.ndarray             # flagged frames that count for the rep: loaded or the load resting, past the
                                    # limit since its run entered them (`core.flags.armed_within`), or carried
    rounded_s: float                # the longest rounding in the loaded part, or carried into it (`RepMetrics`)
    lift_start: int                 # index (into the analysed frames) of the lift's first frame
    rise_seen: float                # `RepMetrics.rise_seen`
    descent_seen: bool              # `RepMetrics.descent_seen`


def rep_parts(kinematics: Kinematics, rep: Rep, settings: VerdictSettings, flagged: np.ndarray) -> RepParts:
    """The parts of one rep. The loaded part is from lift-off through the ascent to the end of the rep, and the
    descent down to touch-down where it lowers a load (``Rep.lowers_load``); with ``loaded_depth_fraction`` > 0,
    only while the shoulders are at least that share of the rep's depth down. ``flagged`` (T,): the frames read
    rounded (`core.flags.flag_rounded_frames`)."""
    k = kinematics
    span = slice(rep.start, rep.end + 1)
    frame = np.arange(rep.start, rep.end + 1)
    with np.errstate(invalid="ignore"):
        low = k.depth[span] >= settings.loaded_depth_fraction * k.depth[rep.bottom]
    ends_in_rep = _view_ends_inside(k.depth, rep)
    lift_start = _lift_start(k.depth, rep) if ends_in_rep else rep.loaded_start
    lifting = low & (frame >= lift_start)
    # A rep lowering a load whose view stops before touch-down (a clip cut, a live session quit): all of its descent
    # in view lowered the load (unloaded, a set-down's rounding was told as "reached down rounded", never judged).
    lowering_end = rep.end if rep.lowers_load and rep.touchdown < 0 and ends_in_rep else rep.lowering_end
    loaded = lifting | (low & (frame <= lowering_end))
    # A lowering seen to touch-down was judged (the set's last bar lowered as the video ends): only a rep with
    # nothing loaded before its bottom needs its lift seen.
    rise_seen = _rise_seen(k.depth[rep.bottom:rep.end + 1]) if ends_in_rep and rep.lowering_end < 0 else 1.0
    # Where the lift was not seen, the way down is what there is to judge: a back held flat there can be cleared
    # (`classify`), one rounded there cannot be called a rounded lift (it may be an empty-handed reach-down). Where
    # the way down was not seen either (the person found after a gap at the bottom or on the way up, and lost again
    # before coming half-way up), there is nothing to judge: a lifter lost mid-rep and found again for one frame had
    # been cleared "on the way down" from that frame, and the clip called safe. Rounding seen in the part of the
    # lift in view is still an answer (`classify`), and its numbers are read there: such a rep had been called
    # rounded while saying its spine "rounded nan°", "seen in 0% of the lift", with a confidence of 0.
    # A view that stops on the way down (the rep's deepest frame its last) did not see the descent's deepest part,
    # where a back rounds: a flat start of it clears nothing (a clip cut 0.3 s into a rounded bend, trunk at 50 of
    # its 95 deg, had been cleared from 0.1 s of it).
    descent_seen = bool(np.isfinite(k.depth[rep.start:rep.bottom]).any()) and not (ends_in_rep and
                                                                                 rep.bottom >= rep.end)
    # A back rounded through the bottom of a rep lowering the load is one rounding: the load resting on the floor
    # joins its loaded halves, uncounted (apart, a quick rounded stoop's halves each stayed under min_rounded_s).
    resting = (low & (frame > rep.lowering_end) & (frame < lift_start) if rep.lowering_end >= 0
               else np.zeros_like(low))
    counted = armed_within(flagged[span], rounding_excess_deg(k, settings, span), loaded | resting, loaded)
    rounded_s = bridged_run_lengths_s(counted & loaded, counted & resting, k.timestamps_s[span])
    spine = np.nan_to_num(k.spine_flexion_deg[span], nan=-np.inf) >= settings.rounded_back_spine_deg
    carried_s, carried = (rounding_carried_s(flagged[span] & spine, counted & lifting & spine, lift_start - rep.start,
                                             k.timestamps_s[span], settings.min_rounded_s)
                          if rounded_s < settings.min_rounded_s else (0.0, np.zeros_like(low)))   # a lift too quick
    rounded_s, counted = max(rounded_s, carried_s), counted | carried
    if rise_seen >= settings.min_rise_seen:
        judged = loaded
    elif descent_seen:
        judged = low
    else:
        judged = loaded if rounded_s >= settings.min_rounded_s else np.zeros_like(low)
    return RepParts(low=low, lifting=lifting, loaded=loaded, reaching=low & ~loaded, judged=judged,
                    counted=counted,
                    rounded_s=rounded_s, lift_start=lift_start, rise_seen=rise_seen, descent_seen=descent_seen)


def judged_and_counted_frames(kinematics: Kinematics, reps: list[Rep] | tuple[Rep, ...], settings: VerdictSettings,
                              flagged: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two (T,) bool: the frames some rep's verdict is taken from (`RepParts.judged`), False outside every rep, so a
    back flagged rounded elsewhere (reaching down, setting up, standing) is told apart from a rounded lift; and
    ``flagged`` (`core.flags.flag_rounded_frames`) as the verdicts count it, what the outputs draw red (frames.csv,
    result.json's flagged frames, the annotated video, the report): inside a rep's loaded part from the frame its
    run first reads past the limit there (`RepParts.counted`; a back rounded reaching down and set just under the
    limit had stayed red into a lift the verdict cleared), elsewhere as flagged (reaching down; the load resting,
    whose rounding its advice tells). Live draws ``flagged`` itself: it cannot know lift-off as the frame comes."""
    judged = np.zeros(len(kinematics.timestamps_s), dtype=bool)
    shown = np.asarray(flagged, dtype=bool).copy()
    for rep in reps:
        parts = rep_parts(kinematics, rep, settings, flagged)
        judged[rep.start:rep.end + 1] |= parts.judged
        shown[rep.start:rep.end + 1] &= ~parts.loaded | parts.counted
    return judged, shown


def rep_metrics(kinematics: Kinematics, rep: Rep, flagged: np.ndarray, settings: VerdictSettings) -> RepMetrics:
    """The numbers of one rep (:func:`rep_parts` says which frames count for what). ``flagged`` is
    `core.flags.flag_rounded_frames` of the same kinematics."""
    k = kinematics
    span = slice(rep.start, rep.end + 1)
    t = k.timestamps_s[span]
    parts = rep_parts(k, rep, settings, flagged)
    low, lifting, judged = parts.low, parts.lifting, parts.judged
    rise_seen = parts.rise_seen
    conf = k.spine_flexion_confidence[span]
    trusted = judged & (conf >= settings.min_confidence)
    # The peaks reported are those of the frames where rounding is judged (leaning, or the hips deeply flexed):
    # nearer upright the contour shows the posture, not flexion (a shallow squat has none: its spine is not judged).
    posture = spine_judged(k.trunk_inclination_deg[span], k.hip_flexion_deg[span], settings)
    peak_at = trusted & posture

    peak_trunk = _nanmax(k.trunk_inclination_deg[span])
    knee_flex = _nanmax(np.where(low, k.knee_flexion_deg[span], np.nan))
    trunk_pos = max(peak_trunk, 0.0) if np.isfinite(peak_trunk) else np.nan
    knee_pos = max(knee_flex, 0.0) if np.isfinite(knee_flex) else np.nan
    ssi = 100.0 * trunk_pos / (trunk_pos + knee_pos) if (trunk_pos + knee_pos) > 0 else float("nan")
    # The spine's share of the lean is read at the bottom of the part judged, as the spine's peak is: read at the
    # rep's own bottom, a reach-down's (rounded 40 deg, before a flat back was set for the lift) had said "76% of it
    # from the hips" beside "the spine peaked at 0°". Only from a reading the measure trusts: an untrusted bottom (the
    # back hidden, the camera turned) had said "17% of it from the hips" of a flat-backed hinge whose trusted frames
    # read -11 deg.
    bottom = judged_bottom(k.depth[span], judged, rep.bottom - rep.start) + rep.start
    bottom_trunk = float(k.trunk_inclination_deg[bottom])
    bottom_trusted = k.spine_flexion_confidence[bottom] >= settings.min_confidence
    bottom_spine = float(k.spine_flexion_deg[bottom]) if bottom_trusted else float("nan")
    spine_share = (100.0 * np.clip((bottom_spine / 2.0) / bottom_trunk, 0.0, 1.0)
                   if np.isfinite(bottom_spine) and bottom_trunk > 5 else float("nan"))
    return RepMetrics(
        peak_spine_deg=_nanmax(np.where(peak_at, k.spine_flexion_deg[span], np.nan)), peak_trunk_deg=peak_trunk,
        peak_neck_deg=_nanmax(np.where(peak_at, k.neck_flexion_deg[span], np.nan)),
        peak_hip_deg=_nanmax(k.hip_flexion_deg[span]), knee_flexion_deg=knee_flex,
        stance_split=_nanmax(np.where(low, k.stance_split[span], np.nan)),
        rounded_s=parts.rounded_s, lift_rounded_s=run_lengths_s(parts.counted & lifting, t),
        lowering_rounded_s=run_lengths_s(parts.counted & parts.loaded & ~lifting, t),
        reach_rounded_s=run_lengths_s(flagged[span] & parts.reaching, t),
        stoop_squat_index=float(ssi), lean_from_spine_pct=float(spine_share),
        trusted_share=float(trusted.sum() / max(judged.sum(), 1)),
        mean_confidence=float(np.mean(conf[judged])) if judged.any() else 0.0,
        view_yaw_deg=finite_reduce(np.median, np.where(judged, k.view_yaw_deg[span], np.nan)),
        **_tempo_s(k.depth[span], t, rep.bottom - rep.start), swung=_swung(k, rep),
        from_behind=filmed_from_behind(k.view_yaw_deg[span][judged], k.camera_behind[span][judged]),
        shoulder_rise=rep_rise(k.far_shoulder_rise, k.far_shoulder_rise[span][judged]), rise_seen=rise_seen,
        seen_whole=seen_whole(k.depth, rep.start, rep.end, rep.complete), judged_s=run_lengths_s(peak_at, t),
        posture_judged=bool((judged & posture).any()),
        descent_seen=parts.descent_seen, judged_bottom_trunk_deg=bottom_trunk,
        judged_bottom_lowering=bool(parts.loaded[bottom - rep.start] and not lifting[bottom - rep.start]),
        rounding_at_edge=meets_view_edge(k.depth, rep.start, rep.end, parts.counted),
        knee_guessed=knee_guessed(k.knee_in_picture[span][low]))


def knee_guessed(knee_in_picture: np.ndarray) -> bool:
    """The knee angle of a rep's lower part was MediaPipe's guess in most frames (``knee_in_picture`` (n,) 1/0/NaN)."""
    return bool(np.mean(knee_in_picture == 0) > 0.5) if len(knee_in_picture) else False


def judged_bottom(depth: np.ndarray, judged: np.ndarray, bottom: int) -> int:
    """Index (into the rep's frames) of the deepest of its ``judged`` frames (n,) bool by ``depth`` (n,): where the
    lift's lean is read; the rep's ``bottom`` where none is judged or has a depth."""
    with np.errstate(invalid="ignore"):
        deepest = np.where(judged & np.isfinite(depth), depth, -np.inf)
    return int(np.argmax(deepest)) if np.isfinite(deepest).any() else bottom


def _swung(k: Kinematics, rep: Rep) -> bool:
    """Whether the hands rose against the shoulders by ``SWING_RISE`` from the rep's way down to its top (up to
    ``SWING_AFTER_S`` after its end: the bell floats up as the hips lock)."""
    stop = int(np.searchsorted(k.timestamps_s, k.timestamps_s[rep.end] + SWING_AFTER_S, side="right"))
    # hands' height above the shoulders, standing shoulder heights (~ -0.4 with the arms hanging), from the rep's
    # start to the top after it (indices from rep.start)
    reach = k.hands_height[rep.start:stop] + k.depth[rep.start:stop] - 1.0
    bottom = rep.bottom - rep.start
    rise = finite_reduce(np.max, reach[bottom:]) - finite_reduce(np.min, reach[:bottom + 1])
    return bool(rise >= SWING_RISE)


def _crossing_s(t: np.ndarray, depth: np.ndarray, before: int, level: float) -> float:
    """When ``depth`` crosses ``level`` between frames ``before`` and ``before + 1`` (linear in time)."""
    d0, d1 = depth[before], depth[before + 1]
    share = (level - d0) / (d1 - d0) if d1 != d0 else 0.0
    return float(t[before] + share * (t[before + 1] - t[before]))


def _tempo_s(depth: np.ndarray, t: np.ndarray, bottom: int) -> dict[str, float]:
    """``descent_s`` and ``ascent_s`` of one rep: the time from the last frame under ``TEMPO_BAND[0]`` of the
    bottom's depth to the first at ``TEMPO_BAND[1]`` on the way down, and from the last at ``TEMPO_BAND[1]`` to the
    first under ``TEMPO_BAND[0]`` on the way up (crossings interpolated; each the other's mirror in time). ``depth``
    and ``t`` (n,) are the rep's frames (NaN where no pose: left out), ``bottom`` its index among them. NaN where a
    side never leaves the band (the view cuts the rep)."""
    finite = np.isfinite(depth)
    bottom = int(np.count_nonzero(finite[:bottom]))
    depth, t = depth[finite], t[finite]
    lo, hi = (share * depth[bottom] for share in TEMPO_BAND)
    first_hi = int(np.argmax(depth[:bottom + 1] >= hi))
    under = np.flatnonzero(depth[:first_hi] < lo)
    descent = (_crossing_s(t, depth, first_hi - 1, hi) - _crossing_s(t, depth, int(under[-1]), lo)
               if len(under) else np.nan)
    after = np.flatnonzero(depth[bottom:] < lo)
    if not len(after):
        return {"descent_s": float(descent), "ascent_s": float("nan")}
    first_lo = bottom + int(after[0])
    last_hi = bottom + int(np.flatnonzero(depth[bottom:first_lo] >= hi)[-1])
    ascent = _crossing_s(t, depth, first_lo - 1, lo) - _crossing_s(t, depth, last_hi, hi)
    return {"descent_s": float(descent), "ascent_s": float(ascent)}


def _view_ends_inside(depth: np.ndarray, rep: Rep) -> bool:
    """The view of the rep stops before it ends: the video (or live window) stops inside it, or the person was lost
    for good before coming back up (its end is a frame without a pose: a gap the kinematics did not bridge, which
    counts as below any depth): then its lift was not seen, and its way down is judged instead (a clip that lost
    its lifter at the bottom of the only bend had been cleared from its bottom frames, as if lifted). ``depth``
    (T,) is `Kinematics.depth`."""
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
    return float(np.clip((bottom - finite_reduce(np.min, depth)) / bottom, 0.0, 1.0))


def while_lowering(m: RepMetrics, settings: VerdictSettings) -> bool:
    """The rounding lasted long enough only while the load was lowered (before touch-down), not in the lift."""
    return m.rounded_s >= settings.min_rounded_s > m.lift_rounded_s and m.lowering_rounded_s > 0


def through_bottom(m: RepMetrics, settings: VerdictSettings) -> bool:
    """Rounded `while_lowering`, and on into the lift: long enough only counted through the bottom of the rep."""
    return while_lowering(m, settings) and m.lift_rounded_s > 0


def lowered_rounded(m: RepMetrics, settings: VerdictSettings) -> bool:
    """The back rounded long enough while the load was lowered (before touch-down), whatever the lift did."""
    return m.lowering_rounded_s >= settings.min_rounded_s


def lift_unseen(m: RepMetrics, settings: VerdictSettings) -> bool:
    """The video ends before the rep's lift was seen: the person came back up less than ``min_rise_seen`` of the
    way from the bottom."""
    return m.rise_seen < settings.min_rise_seen


def lift_unseen_told(m: RepMetrics, settings: VerdictSettings) -> bool:
    """An undecided rep is told its lift was not seen (`lift_unseen`), unless its back was not seen clearly enough
    with the camera facing the lifter (the view past `FRONT_VIEW_YAW_DEG`): then the camera is what to change, whatever
    the view cut besides (a front-view deadlift's rep was told to keep filming until the lifter stood up, where the
    recording went on)."""
    from_the_front = m.trusted_share < settings.min_trusted_share and m.view_yaw_deg >= FRONT_VIEW_YAW_DEG
    return lift_unseen(m, settings) and not from_the_front


def judged_on_descent(verdict: str, m: RepMetrics, settings: VerdictSettings) -> bool:
    """A back cleared (``verdict`` not rounded, not undecided) from the way down alone: the video ends (or loses
    the person) before the rep's lift, and the back was seen held flat while bending down. What is seen of a lift
    is judged; a rounded way down may be an empty-handed reach-down, so it is left undecided (`classify`)."""
    return verdict not in ("rounded_back", "insufficient_data") and lift_unseen(m, settings)


def judged_rounded_s(m: RepMetrics, on_descent: bool) -> float:
    """Seconds the back spent past its limit where the rep was judged: the loaded part, or the way down for a rep
    judged there alone (``on_descent``, `judged_on_descent`; its lift was not seen)."""
    return float(max(m.rounded_s, m.reach_rounded_s) if on_descent else m.rounded_s)


def hidden_where_judged(m: RepMetrics) -> bool:
    """The lift leaned far enough for rounding to show (trunk or hips: `core.flags.spine_judged`), but the back was
    never seen clearly there: nothing can clear it, however much of the rest of the lift was seen."""
    return m.posture_judged and not np.isfinite(m.peak_spine_deg)


def never_judged_in_part(m: RepMetrics) -> bool:
    """A rep the view cuts whose back was never judged in the part seen (the trunk never leaned far enough, nor
    were the hips flexed enough, while it was trusted): nothing to clear it on. A rep seen whole may bend too little
    for its spine to be judged (a shallow squat) and is still a safe lift."""
    return not m.seen_whole and not m.judged_s > 0


def squat_bottom(m: RepMetrics, settings: VerdictSettings) -> bool:
    """The trunk never leaned far enough for rounding to be judged from the lean, so where it was judged the hips
    were deeply flexed: the bottom of a squat (:func:`spine_judged`)."""
    return not m.peak_trunk_deg >= settings.min_trunk_for_rounding_deg


def head_led(m: RepMetrics, settings: VerdictSettings) -> bool:
    """The rounding was seen in the head hanging, not in the back's contour (which stayed inside its limit)."""
    return not m.peak_spine_deg >= settings.rounded_back_spine_deg and m.peak_neck_deg >= settings.head_hanging_neck_deg
