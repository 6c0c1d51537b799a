"""Rep segmentation: find each descent-bottom-ascent in the depth signal (how far the shoulders come down)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from liftform.core.balance import UPRIGHT_LEAN_DEG, seated
from liftform.core.filters import runs_s
from liftform.core.kinematics import upright
from liftform.core.phases import liftoff_index, lowers_load, touchdown_index
from liftform.core.types import Kinematics, Rep
from liftform.core.vocabulary import counted
from liftform.settings import RepSettings

# A lowering the view stops in (the video, the live window, the person lost) was seen to touch-down only where the
# hands had come to rest at least this long before: else its lowest point is where the view stopped, on the way down
# (a clip cut 0.3 s into a rounded lowering had it "lowered to touch-down" and cleared from 0.1 s of a 50 deg lean).
TOUCHDOWN_SEEN_S = 0.1
MISSING_DEPTH = -1e9   # stands in for missing depth: below any real depth, and finite so differences stay finite
# The model loses a lifter for a moment at the bottom of a bend now and then (a blurred or compressed picture, the
# lifter folded over the bar). A gap in the pose ends a rep, so such a bend is found as two reps, each judged on what
# was seen of it as a rep the view cuts; where every other bend lowers a load (`phases.lowers_load`) they count as one
# bend, the one the gap cut: a rep ending in a gap of at most this long and the next starting in it. Counted as two,
# every later descent had been taken for the other kind (an MPEG-4 copy of a sample, its lifter lost for 0.43 s at
# a bottom, judged its next bend's lowering as a reach-down).
SAME_BEND_GAP_S = 1.0
# Out of view this long between two reps, the lifter may have carried the load away or fetched another: the
# pick-up/set-down order after it is a guess, and said so (`order_after_absence_note`).
LEFT_PICTURE_S = 3.0


def one_bend_cut_by_a_gap(posed: np.ndarray, timestamps_s: np.ndarray, end: int, start: int) -> bool:
    """Whether a rep ending at frame ``end`` and the next starting at ``start`` are one bend a gap in the pose cut:
    no frame ``end``..``start`` has a pose, and the gap, from the last pose before it to the first after it, lasts at
    most `SAME_BEND_GAP_S`. ``posed`` (T,) bool, ``timestamps_s`` (T,); a gap at either end of them is no such gap."""
    if not (0 < end <= start < len(posed) - 1) or posed[end:start + 1].any():
        return False
    before = np.flatnonzero(posed[:end])
    after = np.flatnonzero(posed[start + 1:])
    return bool(len(before) and len(after)
                and timestamps_s[start + 1 + after[0]] - timestamps_s[before[-1]] <= SAME_BEND_GAP_S)


def bend_may_go_on(reps: Sequence[Rep], k: int, posed: np.ndarray, timestamps_s: np.ndarray) -> bool:
    """Whether rep ``k`` of ``reps`` (found in time order on frames that end now: the live session's window) ends in
    a gap in the pose that may yet prove to have cut its bend in two (`one_bend_cut_by_a_gap`): the gap still open
    and not yet `SAME_BEND_GAP_S` long, or the rep after it going on from inside it, not finished. Told then, the
    first part is told as a rep of its own, its lift unseen, while the lifter is still lifting it. ``posed`` (T,)
    bool and ``timestamps_s`` (T,) are the window's."""
    end = reps[k].end
    if not 0 < end < len(posed) or posed[end]:
        return False
    if k + 1 < len(reps):
        after = reps[k + 1]
        return not after.complete and one_bend_cut_by_a_gap(posed, timestamps_s, end, after.start)
    before = np.flatnonzero(posed[:end])
    return bool(len(before)) and not posed[end:].any() and \
        timestamps_s[-1] - timestamps_s[before[-1]] <= SAME_BEND_GAP_S


def bent_deep(kinematics: Kinematics, settings: RepSettings) -> np.ndarray:
    """(T,) bool: the shoulders down by a rep's ``settings.min_depth`` of standing height or more, in a bend. With
    the trunk, hips and knees all nearly straight it is no bend: the shoulders came down in the picture because the
    person did (walking away from the camera faster than the standing height follows). NaN depth: not bent."""
    straight = upright(kinematics.trunk_inclination_deg, kinematics.hip_flexion_deg, kinematics.knee_flexion_deg)
    with np.errstate(invalid="ignore"):
        return (kinematics.depth >= settings.min_depth) & ~straight


def _local_maxima(signal: np.ndarray) -> np.ndarray:
    """Indices where ``signal`` (T,) has a local maximum (a plateau counts once, at its first frame)."""
    left = np.concatenate([[-np.inf], signal[:-1]])
    # Walk plateaus: a frame equal to its right neighbour takes the next different value as its right side.
    next_diff = np.flatnonzero(np.diff(signal) != 0)
    right_value = np.full(len(signal), -np.inf)
    idx = np.searchsorted(next_diff, np.arange(len(signal)))
    has_next = idx < len(next_diff)
    right_value[has_next] = signal[next_diff[idx[has_next]] + 1]
    return np.flatnonzero((signal > left) & (signal > right_value))


def seen_whole(depth: np.ndarray, start: int, end: int, complete: bool) -> bool:
    """Whether the view holds the rep from its start to its end (frames ``start``..``end`` of ``depth`` (T,),
    `Kinematics.depth`, NaN where no pose): the video neither starts nor ends inside it (``complete``), and the
    person is seen at both ends (a gap the kinematics did not bridge cuts a rep as the video's edge does). The one
    test of a cut rep: segmentation keeps it however short, the verdict judges it on the part seen."""
    return complete and bool(np.isfinite(depth[start]) and np.isfinite(depth[end]))


def meets_view_edge(depth: np.ndarray, start: int, end: int, frames: np.ndarray) -> bool:
    """Whether ``frames`` (n,) bool of the rep ``start``..``end`` of ``depth`` (T,) hold its first frame with a pose
    where the view starts there (the video's first frame, or the person found after a gap) or its last where the
    view ends there: what they show may have gone on out of view (a back rounded as a clip begins)."""
    posed = np.flatnonzero(np.isfinite(depth[start:end + 1]))
    if not len(posed):
        return False
    first, last = start + posed[0], start + posed[-1]
    opens = first == 0 or not np.isfinite(depth[first - 1])
    closes = last == len(depth) - 1 or not np.isfinite(depth[last + 1])
    return bool((opens and frames[posed[0]]) or (closes and frames[posed[-1]]))


def bend_numbers(reps: Sequence[Rep], posed: np.ndarray, timestamps_s: np.ndarray, bends_before: int = 0,
                 last: Rep | None = None) -> list[int]:
    """Each rep's bend (0-based), counted on from ``bends_before``: a rep a gap in the pose cut from the bend of the
    rep before it (`one_bend_cut_by_a_gap`; ``last``: the rep before the first, the live session's last judged)
    goes on with that bend. The reps index ``posed`` (T,) bool and ``timestamps_s`` (T,)."""
    numbers: list[int] = []
    for k, rep in enumerate(reps):                 # a loop over reps, not frames
        before = reps[k - 1] if k else last
        goes_on = before is not None and one_bend_cut_by_a_gap(posed, timestamps_s, before.end, rep.start)
        numbers.append((numbers[-1] if numbers else bends_before - 1) + (not goes_on))
    return numbers


def segment_reps(kinematics: Kinematics, settings: RepSettings, reps_before: int = 0,
                 keep: Callable[[list[Rep]], list[Rep]] | None = None) -> list[Rep]:
    """Reps in ``kinematics``, in time order.

    A bottom is a local maximum of depth of at least ``settings.min_depth``; its rep starts at the last frame
    before it, and ends at the first frame after it, where depth is below ``start_end_fraction`` of the bottom's
    depth. A deeper bottom claims the span around it first, so wobbles near the bottom are not extra reps. A rep
    shorter than ``min_duration_s`` is dropped, unless the view cuts it: a rep cut by the start or end of the video
    is kept (however short: its length is unknown) and marked incomplete, as is one ending where the person is
    lost. Each rep's lift-off is found from the hands
    (:mod:`liftform.core.phases`), and where its descent lowers a load (:func:`~liftform.core.phases.lowers_load`;
    two reps a gap in the pose cut from one bend count once, `one_bend_cut_by_a_gap`; ``reps_before``: the bends
    that came before the track, in the live session), its touch-down. ``keep`` chooses
    the reps to return (the live session's new, finished ones) before the bends are counted: a rep it leaves out
    (one the live window's start cuts, a rep already judged) is no bend of the session's count.
    """
    t = kinematics.timestamps_s
    depth = np.where(np.isfinite(kinematics.depth), kinematics.depth, MISSING_DEPTH)
    n = len(depth)
    bent = bent_deep(kinematics, settings)
    candidates = [i for i in _local_maxima(depth) if bent[i]]
    candidates.sort(key=lambda i: -depth[i])
    claimed = np.zeros(n, dtype=bool)
    spans: list[tuple[int, int, int, bool]] = []
    for bottom in candidates:                      # a loop over candidate bottoms, not over frames
        if claimed[bottom]:
            continue
        below = depth < settings.start_end_fraction * depth[bottom]
        before = np.flatnonzero(below[:bottom])
        after = np.flatnonzero(below[bottom + 1:])
        start = int(before[-1]) if len(before) else 0
        end = int(bottom + 1 + after[0]) if len(after) else n - 1
        complete = bool(len(before) and len(after))
        if claimed[start:end + 1].any():
            # Overlaps a deeper rep: trim to the free span on this bottom's side.
            free = ~claimed
            start = bottom - int(np.argmin(free[start:bottom + 1][::-1])) if not free[start:bottom + 1].all() else start
            stop = np.flatnonzero(~free[bottom:end + 1])
            end = bottom + int(stop[0]) - 1 if len(stop) else end
            half_s = settings.min_separation_s / 2
            if t[bottom] - t[start] < half_s or t[end] - t[bottom] < half_s:
                continue
        # A rep the view cuts is not too short: its length is unknown. What of its back was seen decides whether it
        # can be judged (`core.verdict`).
        if t[end] - t[start] < settings.min_duration_s and seen_whole(kinematics.depth, start, end, complete):
            continue
        if (seat := seat_at(kinematics, bottom)) is not None:     # no lift, and no bend of the count
            claimed |= seat_claim(kinematics, start, end, seat)
            continue
        if crossed_the_edge(kinematics, start, end, settings):
            claimed[start:end + 1] = True
            continue
        claimed[start:end + 1] = True
        spans.append((start, bottom, end, complete))
    spans.sort()
    reps = []
    for k, (s, b, e, c) in enumerate(spans):
        liftoff = liftoff_index(kinematics.hands_height, s, e, settings.liftoff_rise_fraction,
                                kinematics.knee_flexion_deg)
        reps.append(Rep(index=k, start=s, bottom=int(b), end=e, start_s=float(t[s]), bottom_s=float(t[b]),
                        end_s=float(t[e]), complete=c, liftoff=liftoff,
                        liftoff_s=float(t[liftoff]) if liftoff >= 0 else float("nan")))
    if keep is not None:
        reps = keep(reps)
    bends = bend_numbers(reps, np.isfinite(kinematics.depth), t, reps_before)
    return [_with_touchdown(rep, lowers_load(bend), kinematics, settings)
            for bend, rep in zip(bends, reps, strict=True)]


def _with_touchdown(rep: Rep, lowers: bool, kinematics: Kinematics, settings: RepSettings) -> Rep:
    """``rep`` marked as lowering a load or not, and where it does, with its touch-down."""
    t = kinematics.timestamps_s
    touchdown = touchdown_index(kinematics.hands_height, rep.start, rep.end, settings.liftoff_rise_fraction) \
        if lowers else -1
    if touchdown >= 0 and not rep.complete and t[rep.end] - t[touchdown] < TOUCHDOWN_SEEN_S:
        touchdown = -1      # the view stopped on the way down: the hands' lowest point then is no touch-down
    return replace(rep, lowers_load=lowers, touchdown=touchdown,
                   touchdown_s=float(t[touchdown]) if touchdown >= 0 else float("nan"))


# Two bends inside one rep: two bottoms at least this share of the rep's bottom depth, at least
# `RepSettings.min_separation_s` apart, the shoulders coming back up between them to under this share of the
# shallower one (a lifter who sets a box down and reaches for the next without standing up; a rendered one came up to
# 36 % of the depth). A set-up (hips down, chest up: ~75 %) or a pause on the way up (no second bottom) is not one.
TWO_BENDS_BOTTOM_SHARE = 0.6
TWO_BENDS_DIP_SHARE = 0.5
# ... and the hands down at both bottoms, within this share of standing height of their lowest in the rep: two
# reaches to the floor. On the real clips mirrored or at half rate, two "bottoms" a glitch of the model made (the
# trunk 14 -> 66 -> 49 deg in three frames, the hands at 0.4) were said to be two bends in 5 of 55 clips.
TWO_BENDS_HANDS_AT_FLOOR = 0.1


def two_bends_note(kinematics: Kinematics, reps: list[Rep] | tuple[Rep, ...], settings: RepSettings) -> str | None:
    """What to say of reps that hold two bends (None without one): the person came up only part way between them,
    so the rep finder counted one rep, and the second bend's way down (empty-handed, in box work) is judged as part
    of its lift. The count is not changed: said, so the lifter can stand up. A bottom where the trunk, hips and
    knees are all nearly straight is no bend, as for the rep finder (`segment_reps`): a real squatter standing after
    his rep, his depth read 0.37 by a standing height that lagged, was said to hold a second bend."""
    depth, timestamps_s = kinematics.depth, kinematics.timestamps_s
    straight = upright(kinematics.trunk_inclination_deg, kinematics.hip_flexion_deg, kinematics.knee_flexion_deg)
    found = []
    for rep in reps:                               # a loop over reps, not frames
        d = np.where(np.isfinite(depth[rep.start:rep.end + 1]), depth[rep.start:rep.end + 1], -np.inf)
        t = timestamps_s[rep.start:rep.end + 1]
        tops = _local_maxima(d)
        tops = tops[(d[tops] >= max(settings.min_depth, TWO_BENDS_BOTTOM_SHARE * depth[rep.bottom]))
                    & ~straight[rep.start + tops]]
        hands = kinematics.hands_height[rep.start:rep.end + 1]
        for a, b in zip(tops[:-1], tops[1:], strict=True):
            dip = a + int(np.argmin(d[a:b + 1]))
            at_floor = max(hands[a], hands[b]) <= np.nanmin(hands) + TWO_BENDS_HANDS_AT_FLOOR   # NaN: not there
            if (t[b] - t[a] >= settings.min_separation_s and d[dip] < TWO_BENDS_DIP_SHARE * min(d[a], d[b])
                    and at_floor):
                found.append(f"rep {rep.index + 1} holds two bends (the lifter came up only part way at "
                             f"{t[dip]:.1f} s)")
                break
    if not found:
        return None
    return ("; ".join(found) + ": counted and judged as one rep, the second bend's reach-down perhaps as part of the "
            "lift - stand up fully between lifts")


def order_after_absence_note(kinematics: Kinematics, reps: list[Rep] | tuple[Rep, ...]) -> str | None:
    """What to say where the person was out of view for `LEFT_PICTURE_S` or more between two reps (None where never):
    the bends after it are still taken in turn as pick-ups and set-downs (`phases.lowers_load`), not knowing
    whether the load left or came back with them. A trainee who carried a box out of the picture and came back
    empty-handed had the next pick-up told "lowered the load with the back" without a word."""
    t = kinematics.timestamps_s
    after_gap = []
    for before, after in zip(reps[:-1], reps[1:], strict=True):          # a loop over reps, not frames
        between = slice(before.end, after.start + 1)
        durations = runs_s(~np.isfinite(kinematics.depth[between]), t[between])[1]
        if len(durations) and durations.max() >= LEFT_PICTURE_S:
            after_gap.append((float(durations.max()), after))
    if not after_gap:
        return None
    gone_s, rep = after_gap[0]
    more = f" (and {counted(len(after_gap) - 1, 'time')} more)" if len(after_gap) > 1 else ""
    return (f"the lifter was out of the picture for {gone_s:.0f} s before rep {rep.index + 1}{more}: the bends after "
            f"it are still taken in turn as pick-ups and set-downs (rep {rep.index + 1} as "
            f"{'a set-down' if rep.lowers_load else 'a pick-up'}), not knowing whether the load left or came back "
            "with them: read its words on lowering or lifting with that in mind")


def seat_span(kinematics: Kinematics, bottom: int) -> slice:
    """The frames of a seat whose deepest frame is ``bottom``: from half-way down to half-way up, across gaps in the
    pose shorter than `SAME_BEND_GAP_S` (a seat the model lost for 0.5 s had been two halves, each too short a rest,
    one counted as a squat). Half-way, not the deepest frames: leaning forward for a moment while seated (for a cup,
    a shoe) had made those frames the bottom, and the sit a rep."""
    depth, t = kinematics.depth, kinematics.timestamps_s
    known = np.isfinite(depth)
    index = np.arange(len(depth))
    before = np.maximum.accumulate(np.where(known, index, -1))
    after = np.minimum.accumulate(np.where(known, index, len(depth))[::-1])[::-1]
    inside = (before >= 0) & (after < len(depth))
    gap_s = np.where(inside, t[np.clip(after, 0, len(t) - 1)] - t[np.clip(before, 0, len(t) - 1)], np.inf)
    with np.errstate(invalid="ignore"):
        high = (depth >= 0.5 * depth[bottom]) | (~known & (gap_s < SAME_BEND_GAP_S))
    low_before, low_after = np.flatnonzero(~high[:bottom]), np.flatnonzero(~high[bottom:])
    return slice(int(low_before[-1]) + 1 if len(low_before) else 0,
                 bottom + int(low_after[0]) if len(low_after) else len(depth))


def seat_at(kinematics: Kinematics, bottom: int) -> slice | None:
    """The seat (`seat_span`) of the bend whose deepest frame is ``bottom`` where it sat down rather than lifted:
    those frames hold the body's weight behind the feet, sitting up, for seconds (`balance.seated`); else None."""
    if not np.isfinite(kinematics.depth[bottom]):
        return None
    span = seat_span(kinematics, bottom)
    sat = seated(kinematics.mass_behind_feet[span], kinematics.trunk_inclination_deg[span],
                 kinematics.timestamps_s[span])
    return span if sat else None


def seat_claim(kinematics: Kinematics, start: int, end: int, seat: slice) -> np.ndarray:
    """(T,) bool: the frames a ``seat`` (`seat_at`; its bend ``start``..``end``) takes from every other rep: the
    seat itself and the rest of its bend but where the trunk leans forward as a lift's does (``UPRIGHT_LEAN_DEG`` or
    more). A rounded pick-up from a low table made before standing up fully is a rep (the whole bend claimed, it had
    gone uncounted); a pause on the way down to a low seat is not (the seat alone claimed, it had been a "Good hip
    hinge")."""
    claim = np.zeros(len(kinematics.depth), dtype=bool)
    claim[start:end + 1] = ~(kinematics.trunk_inclination_deg[start:end + 1] >= UPRIGHT_LEAN_DEG)
    claim[seat] = True
    return claim


def _lost_beside(kinematics: Kinematics, start: int, end: int) -> bool:
    """Whether the person is lost for `SAME_BEND_GAP_S` or more right after frame ``end`` or right before ``start``,
    or the track ends or starts there: a view left or entered, not a moment lost at a bend's bottom."""
    known = np.flatnonzero(np.isfinite(kinematics.depth))
    t = kinematics.timestamps_s
    if not len(known):
        return False
    later, earlier = known[known > end], known[known < start]
    last_seen = known[known <= end]
    first_seen = known[known >= start]
    leaves = (not len(later) or not len(last_seen) or t[later[0]] - t[last_seen[-1]] >= SAME_BEND_GAP_S)
    enters = (not len(earlier) or not len(first_seen) or t[first_seen[0]] - t[earlier[-1]] >= SAME_BEND_GAP_S)
    return bool(leaves or enters)


def crossed_the_edge(kinematics: Kinematics, start: int, end: int, settings: RepSettings) -> bool:
    """Whether the "rep" over frames ``start``..``end`` is a person leaving (or entering) the picture, not a bend:
    the person lost for a second or more right after it (or found right before it, `_lost_beside`; a moment lost at
    a bend's bottom cuts two halves, each as short, of one bend), seen for less than a rep takes (``min_duration_s``),
    the near knee out of the picture or hidden (`Kinematics.knee_in_picture` 0: MediaPipe guessed the legs) in
    every frame as deep as a rep's bottom, and the trunk upright throughout (`UPRIGHT_LEAN_DEG`: walking, not
    bending; a real quick bend the video cut had been dropped, told as "quicker than a rep"). A patient walking out
    of a live view between lifts read 26 % of their height down in 0.13 s as the legs left it, was lost, and was
    told "not enough data: the lift was not seen" for a bend never made; counted, it turned every later pick-up into
    a set-down."""
    depth = kinematics.depth
    if (kinematics.timestamps_s[end] - kinematics.timestamps_s[start] >= settings.min_duration_s
            or not _lost_beside(kinematics, start, end)):
        return False
    with np.errstate(invalid="ignore"):
        deep = depth[start:end + 1] >= settings.min_depth
        leaning = (kinematics.trunk_inclination_deg[start:end + 1] >= UPRIGHT_LEAN_DEG).any()
    return bool(deep.any()) and not leaning and bool((kinematics.knee_in_picture[start:end + 1][deep] == 0).all())


def _bends_outside(kinematics: Kinematics, reps: list[Rep] | tuple[Rep, ...],
                   settings: RepSettings) -> list[tuple[int, int]]:
    """The runs (first, past-last frame) of bends as deep as a rep's (`bent_deep`) outside every rep."""
    bent = bent_deep(kinematics, settings)
    for rep in reps:
        bent[rep.start:rep.end + 1] = False
    edges = np.diff(np.concatenate([[0], bent.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def _deepest(kinematics: Kinematics, run: tuple[int, int]) -> int:
    """The deepest frame of the run (first, past-last) of frames (NaN depth: never the deepest)."""
    a, b = run
    return a + int(np.argmax(np.where(np.isfinite(kinematics.depth[a:b]), kinematics.depth[a:b], -np.inf)))


def _at_deepest(kinematics: Kinematics, runs: list[tuple[int, int]]) -> str:
    """The runs' deepest moments, as said in a note: "12.3, 15.0 s and 2 more"."""
    at = [kinematics.timestamps_s[_deepest(kinematics, run)] for run in runs]
    return ", ".join(f"{when:.1f}" for when in at[:5]) + " s" + (f" and {len(at) - 5} more" if len(at) > 5 else "")


def seated_note(kinematics: Kinematics, reps: list[Rep] | tuple[Rep, ...], settings: RepSettings) -> str | None:
    """What to say of the bends `segment_reps` left out as sat down (`seat_at`; None without one): a patient's sits
    on a chair between lifts had been counted, and praised, as squat lifts."""
    bottoms = [_deepest(kinematics, run) for run in _bends_outside(kinematics, reps, settings)]
    seats = [seat for seat in (seat_at(kinematics, bottom) for bottom in bottoms) if seat is not None]
    runs = sorted({(seat.start, seat.stop) for seat in seats})   # one seat the pose lost for a moment is one seat
    if not runs:
        return None
    return (f"sat down {'once' if len(runs) == 1 else f'{len(runs)} times'} (at {_at_deepest(kinematics, runs)}): "
            f"not counted as {'a lift' if len(runs) == 1 else 'lifts'} (the body's weight was behind the feet, on a "
            "seat)")


def uncounted_bends_note(kinematics: Kinematics, reps: list[Rep] | tuple[Rep, ...], settings: RepSettings,
                         judged_posture: np.ndarray) -> str | None:
    """What to say of bends as deep as a rep's (`bent_deep`, as `segment_reps`' bottoms are), leaning
    where the back is judged at some moment (``judged_posture`` (T,) bool, `flags.spine_judged`), outside every rep
    counted (None without one): too quick for a rep (``min_duration_s``) or too close to the rep beside them, so
    never judged. Fast kettlebell swings (2x a real set's pace, ~0.5 s each) had vanished from the count without a
    word, the clip called safe on its pick-up and park alone. Each run of such frames is one bend, said by its
    deepest moment; a run that never leans so far is no lift (a real deadlifter's dips nearing the bar, 32 deg), nor
    is one sat down (`seated_note` says those)."""
    runs = [(a, b) for a, b in _bends_outside(kinematics, reps, settings)   # a loop over bends, not frames
            if judged_posture[a:b].any() and seat_at(kinematics, _deepest(kinematics, (a, b))) is None]
    if not runs:
        return None
    return (f"{counted(len(runs), 'bend')} (at {_at_deepest(kinematics, runs)}) {'was' if len(runs) == 1 else 'were'} "
            "not counted as reps and not "
            f"judged: quicker than a rep ({settings.min_duration_s:g} s or more, [reps] min_duration_s: fast swings, "
            "or a sped-up video), or too close to the rep beside them")
