"""Rep phases (lift-off) and the verdict that judges the spine from lift-off on, on tracks with known phases."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from synthetic_tracks import (
    lift_profile,
    lift_track,
    lost_between,
    make_track,
    reach_then_set_track,
    set_of_lifts_track,
    set_up_track,
)

from liftform.core.kinematics import compute_kinematics
from liftform.core.phases import despiked, liftoff_index, touchdown_index
from liftform.core.rep_metrics import judged_and_counted_frames
from liftform.core.reps import bend_may_go_on, segment_reps
from liftform.core.run import run_core
from liftform.core.types import Rep
from liftform.core.verdict import judge_reps
from liftform.settings import Settings

SETTINGS = Settings()


def _judge(track):
    kin = compute_kinematics(track, SETTINGS.filter, SETTINGS.spine)
    reps = segment_reps(kin, SETTINGS.reps)
    _, verdicts = judge_reps(kin, reps, SETTINGS.verdict, SETTINGS.spine)
    return kin, reps, verdicts


def _flagged(kin, reps):
    return judge_reps(kin, reps, SETTINGS.verdict, SETTINGS.spine)[0]


def test_liftoff_is_the_last_frame_on_the_floor_before_the_rise():
    # Hands: down in 10 frames, 8 frames on the floor with jitter below the tolerance, up in 10 frames.
    height = np.concatenate([np.linspace(0.45, 0.05, 10), 0.05 + np.array([0, .01, 0, .02, .01, 0, .01, 0]),
                             np.linspace(0.06, 0.45, 10)])
    # Rise 0.40: within 10 % (0.04) of the lowest point up to frame 18 (0.06 + 0.0433 > 0.09 at frame 19).
    assert liftoff_index(height, 0, len(height) - 1, 0.1) == 18
    assert liftoff_index(height, 5, len(height) - 1, 0.1) == 18            # indices stay absolute


def test_despiked_is_the_running_median_of_5_frames_ignoring_unknown_ones():
    rng = np.random.default_rng(0)
    height = rng.random(40)
    height[rng.random(40) < 0.4] = np.nan
    height[10:16] = np.nan                                  # a window with nothing known stays unknown
    padded = np.pad(height, 2, mode="edge")
    for i, value in enumerate(despiked(height)):
        window = padded[i:i + 5][np.isfinite(padded[i:i + 5])]
        assert value == pytest.approx(np.median(window)) if len(window) else np.isnan(value)


def test_a_two_frame_dip_of_the_wrists_is_not_the_floor():
    # Hands down in 10 frames to 0.25 (the object's handles), a 2-frame dip to 0.22 as they arrive (a wrist placed
    # low for a moment, seen with the lite model live), 20 frames setting up at 0.25-0.27, then up. Taken at face
    # value the dip is the floor and lift-off lands on it, at the bottom of the reach-down.
    rest = 0.25 + 0.02 * (np.arange(20) % 2)
    height = np.concatenate([np.linspace(0.45, 0.26, 10), [0.23, 0.22], rest, np.linspace(0.27, 0.55, 10)])
    liftoff = liftoff_index(height, 0, len(height) - 1, 0.05)
    assert 12 + 15 <= liftoff <= 12 + 20                      # the end of the set-up, not the dip (frame 11)
    assert touchdown_index(height, 0, len(height) - 1, 0.05) <= 12   # arriving: the dip is on the way down anyway


def _bump_then_rise(knee_set: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hands down in 10 frames to 0.23, then (the set-up) read higher, 0.28 then 0.26, for len(knee_set) frames,
    then up to 0.57 in 10; the knees: 20 deg reaching down, ``knee_set`` setting up, extending in the rise."""
    n = len(knee_set)
    hands = np.concatenate([np.linspace(0.5, 0.23, 10), np.interp(np.arange(n), [0, n // 3, n - 1], [0.23, 0.28, 0.26]),
                            np.linspace(0.27, 0.57, 10)])
    knee = np.concatenate([np.full(10, 20.0), knee_set, np.linspace(knee_set[-1], 15, 10)])
    return hands, knee


def test_a_clear_set_up_in_the_legs_moves_liftoff_to_its_end():
    # Live (lite model) at 30 deg the wrists read 0.05 of standing height higher while the lifter sets up than at
    # the bottom of the reach-down: the hands alone put lift-off at the start of the set-up (frame 13). The knees
    # flex from 20 to 45 deg (hips down) and hold there 10 frames: lift-off is where the hold begins (within 5 deg of
    # it: frame 22).
    knee_set = np.concatenate([np.linspace(20, 45, 15), np.full(10, 45.0)])
    hands, knee = _bump_then_rise(knee_set)
    assert liftoff_index(hands, 0, len(hands) - 1, 0.05) <= 10 + 4
    assert 10 + 12 <= liftoff_index(hands, 0, len(hands) - 1, 0.05, knee) <= 10 + 15
    knee[24] = np.nan                                       # an unknown frame in the hold: the running median
    assert 10 + 12 <= liftoff_index(hands, 0, len(hands) - 1, 0.05, knee) <= 10 + 15


def test_a_set_up_after_a_false_floor_still_moves_liftoff():
    # Seen live: the model puts the wrists near the floor (0.03) and the knees at 55 deg for 5 frames at the bottom
    # of the reach-down. The hands' rise, measured from there, is half done by the set-up's 0.28, and the knees'
    # greatest flexion is the false one: the set-up is looked for up to 3/4 of the rise, at the deepest knees that
    # are 10 deg more flexed than they were before.
    knee_set = np.concatenate([np.linspace(20, 45, 15), np.full(10, 45.0)])
    hands, knee = _bump_then_rise(knee_set)
    hands[7:12], knee[7:12] = 0.03, 55.0
    assert liftoff_index(hands, 0, len(hands) - 1, 0.05) <= 12
    assert 10 + 12 <= liftoff_index(hands, 0, len(hands) - 1, 0.05, knee) <= 10 + 15


@pytest.mark.parametrize("knee_set", [np.full(25, 20.0),                                   # the knees stay
                                      np.r_[np.full(20, 20.0), 30, 45, 45, 30, 20],        # a dip, not held
                                      np.r_[np.linspace(20, 27, 15), np.full(10, 27.0)],   # held, flexing 7 deg
                                      np.full(25, np.nan)])                                # not seen
def test_no_set_up_without_the_knees_flexing_clearly_and_holding(knee_set):
    """A rounded pull's hands rise gradually from the floor and it rounds right at the start: lift-off moves only
    for a clear set-up (knees 10 deg more flexed, held 6 frames), never for a dip of the knees into the pull."""
    hands, knee = _bump_then_rise(knee_set)
    hands_only = liftoff_index(hands, 0, len(hands) - 1, 0.05)
    assert liftoff_index(hands, 0, len(hands) - 1, 0.05, knee) == hands_only


def test_knees_bending_as_the_hands_rise_are_no_set_up():
    """Seen live on the rendered big-buttocked stoop: the knees flex 6 -> 17 deg and stay there while the hands
    rise (straight-legged lifters bend the knees a little as they pull). Not a set-up: the hands move."""
    hands = np.concatenate([np.linspace(0.5, 0.2, 10), np.full(5, 0.2), np.linspace(0.2, 0.6, 20)])
    knee = np.concatenate([np.full(15, 6.0), np.linspace(6, 18, 6), np.full(14, 18.0)])
    assert liftoff_index(hands, 0, len(hands) - 1, 0.05, knee) == liftoff_index(hands, 0, len(hands) - 1, 0.05)


def test_a_rounded_reach_down_then_a_set_up_in_the_legs_is_a_safe_lift():
    """The rendered 'set-up fault (box)', live at 30 deg: rounded reaching the object, then hips down and chest up
    (the hands read higher), a flat pull. Judged from the hands alone the set-up's still-rounded start was the
    lift: rounded_back."""
    track, truth = set_up_track()
    kin, reps, verdicts = _judge(track)
    assert len(reps) == 1
    assert truth["set"] - 0.15 <= reps[0].liftoff_s <= truth["liftoff"]
    assert verdicts[0].verdict == "hip_hinge"
    assert verdicts[0].faults == ("rounded_reach_down",)


@pytest.mark.parametrize("height", [np.full(30, 0.3), np.r_[np.linspace(0.45, 0.05, 15), np.full(15, np.nan)]])
def test_no_liftoff_when_the_hands_never_rise_or_are_not_seen(height):
    assert liftoff_index(height, 0, len(height) - 1, 0.1) == -1


def test_touchdown_is_the_first_frame_on_the_floor_after_the_drop():
    # The lift-off test's hands, lowered: down in 10 frames, 8 on the floor with jitter, up in 10.
    height = np.concatenate([np.linspace(0.45, 0.06, 10), 0.05 + np.array([0, .01, 0, .02, .01, 0, .01, 0]),
                             np.linspace(0.05, 0.45, 10)])
    # Drop 0.40: within 10 % (0.04) of the lowest point from frame 9 (0.06), not at frame 8 (0.103).
    assert touchdown_index(height, 0, len(height) - 1, 0.1) == 9
    assert touchdown_index(height, 3, len(height) - 1, 0.1) == 9           # indices stay absolute
    assert touchdown_index(np.full(30, 0.3), 0, 29, 0.1) == -1


def test_the_second_and_fourth_descents_lower_a_load_the_first_and_third_reach_down():
    """The descents that lower a load in a barbell set (every one after the first) and in box work (the set-downs:
    2nd, 4th, ...) alike are judged as loaded down to touch-down: rounding there is rounding under load. The others
    may be a pick-up's reach-down (box work), so the same rounding there is the reach-down finding, never a rounded
    lift: four flat lifts, the 2nd and 3rd descents rounded."""
    kin, reps, verdicts = _judge(set_of_lifts_track([3.0, 40.0, 40.0, 3.0], [3.0] * 4))
    assert [r.lowers_load for r in reps] == [False, True, False, True]
    assert [r.touchdown for r in reps][::2] == [-1, -1]
    assert all(r.start < r.touchdown <= r.bottom for r in reps[1::2])
    t = kin.timestamps_s                                       # the times result.json writes beside them
    assert [r.touchdown_s for r in reps[1::2]] == [t[r.touchdown] for r in reps[1::2]]
    assert all(np.isnan(r.touchdown_s) for r in reps[::2])
    assert [v.verdict for v in verdicts] == ["hip_hinge", "rounded_back", "hip_hinge", "hip_hinge"]
    assert verdicts[1].while_lowering and verdicts[1].reason.startswith("lowered the load with the back")
    assert verdicts[2].faults == ("rounded_reach_down",) and not verdicts[3].faults



def test_a_lowering_judged_at_a_shallower_lean_says_it_lowered_the_load_there():
    """A set-down whose view ends with the load on the floor is judged on its lowering alone: the lean said beside
    the rep's deepest was "(64° in the lift)" (a real clip), of a rep whose lift was never seen."""
    from liftform.core.reasons import reason_for
    from liftform.core.rep_metrics import rep_metrics

    track = set_of_lifts_track([3.0, 40.0], [3.0, 3.0])
    _, whole, _ = _judge(track)
    cut = track[:whole[1].touchdown + 8]                  # the view ends with the load on the floor
    kin, reps, verdicts = _judge(cut)
    flagged = judge_reps(kin, reps, SETTINGS.verdict, SETTINGS.spine)[0]
    lowering, lifted = (rep_metrics(kin, r, flagged, SETTINGS.verdict) for r in (reps[1], whole[0]))
    assert reps[1].lowers_load and verdicts[1].verdict == "rounded_back"
    assert lowering.judged_bottom_lowering and not lifted.judged_bottom_lowering
    for m, where in ((lowering, "lowering the load"), (lifted, "in the lift")):
        deeper = dataclasses.replace(m, judged_bottom_trunk_deg=m.peak_trunk_deg - 19.0)
        said = reason_for("rounded_back", deeper, SETTINGS.verdict, SETTINGS.spine.full_view_yaw_deg)
        assert f"({m.peak_trunk_deg - 19.0:.0f}° {where})" in said, said


def test_a_live_window_counts_the_bends_of_the_reps_it_keeps_only():
    """Live judges each rep on a window of its own, from the last judged rep on, keeping only new whole reps
    (`LiveSession._judge`); the bends are counted from the session's first (``reps_before``). A rep the window's start
    cuts (the end of the rep just judged, where the model lost the lifter for a frame or two in a dim picture) is
    left out, and had counted as a bend all the same: the next rep, a rounded set-down, was taken for a reach-down
    and shown "safe hip hinge" where `analyze` and the saved session said ROUNDED BACK."""
    track = set_of_lifts_track([3.0, 40.0, 40.0, 3.0], [3.0] * 4)
    _, whole, _ = _judge(track)
    cut = (whole[0].bottom + whole[0].end) // 2             # the window starts inside the first rep
    window = run_core(track[cut:], SETTINGS, keep_reps=lambda reps: [r for r in reps if r.complete], reps_before=1)
    assert [r.lowers_load for r in window.reps] == [r.lowers_load for r in whole[1:]] == [True, False, True]
    assert [v.verdict for v in window.verdicts] == ["rounded_back", "hip_hinge", "hip_hinge"]

def _quick_set_track(n_reps: int = 2, fps: float = 30.0):
    """Quick rounded stoops one after the other: stand 0.8 s, down in 0.25 s (trunk to 80 deg, spine to 40), 0.2 s
    at the bottom, up in 0.25 s."""
    def ramp(k, a, b):
        return a + (b - a) * np.sin(np.linspace(0, np.pi / 2, k)) ** 2

    stand, move, hold = int(0.8 * fps), int(0.25 * fps), int(0.2 * fps)
    trunk = np.concatenate([np.zeros(stand), ramp(move, 0, 80), np.full(hold, 80.0), ramp(move, 80, 0)] * n_reps
                           + [np.zeros(stand)])
    return make_track(trunk, trunk * 30 / 80, trunk / 2, np.arange(len(trunk)) / fps)


def test_a_back_rounded_through_the_bottom_of_a_lowering_is_one_rounding():
    """A quick rounded stoop (the audit's, played 3x): the second rep lowers the load, rests it at the bottom and
    lifts it, rounded all through. Its two loaded halves were timed apart, each under min_rounded_s, and the rep
    cleared as a hip hinge "past its limit for only 0.13 s". The frames resting between join them (not counted)."""
    from liftform.core.filters import bridged_run_lengths_s, run_lengths_s

    kin, reps, verdicts = _judge(_quick_set_track())
    second = verdicts[1]
    assert second.rep.lowers_load and second.rep.start < second.rep.touchdown < second.rep.liftoff
    span = slice(second.rep.start, second.rep.end + 1)
    loaded_halves = [run_lengths_s(kin.spine_flexion_deg[s] > 21.0, kin.timestamps_s[s])
                     for s in (slice(second.rep.start, second.rep.touchdown + 1), slice(second.rep.liftoff,
                                                                                        second.rep.end + 1))]
    assert second.verdict == "rounded_back" and second.rounded_s >= sum(loaded_halves) - 0.04, loaded_halves
    assert second.rounded_s < kin.timestamps_s[span][-1] - kin.timestamps_s[span][0]       # the rest not counted
    t = np.arange(9) / 10.0
    mask = np.array([1, 1, 0, 0, 1, 1, 1, 0, 1], bool)
    bridge = np.array([0, 0, 1, 1, 0, 0, 0, 0, 0], bool)
    assert bridged_run_lengths_s(mask, bridge, t) == pytest.approx(0.5)      # 0.2 + 0.3 s, joined over 2 frames
    assert bridged_run_lengths_s(mask, ~bridge & False, t) == pytest.approx(0.3) == run_lengths_s(mask, t)
    assert bridged_run_lengths_s(mask & False, bridge, t) == 0.0


def test_a_back_past_its_limit_only_while_the_load_rests_does_not_arm_the_lift():
    """The load set down and lifted again: lowered under the limit, the back past it only while the load rested on
    the floor, lifted just under it (inside the flag's hysteresis). The rest joins a rounding of the two loaded
    halves, but is no part of one: the lift's first frames had counted as past the limit, told "passed its limit
    for a moment (0.07 s)" beside "peaked at +19° (limit 21°)" (a rendered big-buttocked stoop)."""
    limit = SETTINGS.verdict.rounded_back_spine_deg
    track = set_of_lifts_track([3.0, limit - 1.5], [3.0, limit - 1.5], rest_bumps_deg=[0.0, 5.0])
    kin, reps, verdicts = _judge(track)
    flagged, _ = judge_reps(kin, reps, SETTINGS.verdict, SETTINGS.spine)
    lowering = verdicts[1]
    rest = slice(lowering.rep.touchdown + 1, lowering.rep.liftoff)
    assert lowering.rep.lowers_load and kin.spine_flexion_deg[rest].max() > limit + 2
    assert flagged[lowering.rep.liftoff:lowering.rep.liftoff + 3].all()      # the flag itself goes on into the lift
    assert lowering.verdict == "hip_hinge" and lowering.rounded_s == 0.0, lowering.reason
    shown = run_core(track, SETTINGS).flagged
    assert not shown[lowering.rep.liftoff:lowering.rep.end + 1].any()
    # past the limit in the lowering too: one rounding through the rest, counted in the lift as before
    track = set_of_lifts_track([3.0, limit + 3.0], [3.0, limit - 1.5], rest_bumps_deg=[0.0, 5.0])
    rounded = _judge(track)[2][1]
    assert rounded.rounded_s > 0.0


def test_set_up_rounded_then_flat_pull_is_safe_with_its_reach_down_finding():
    track, truth = reach_then_set_track(reach_spine_deg=40.0, lift_spine_deg=3.0)
    kin, reps, verdicts = _judge(track)
    assert len(reps) == 1
    assert reps[0].liftoff_s == pytest.approx(truth["liftoff"], abs=0.15)
    assert verdicts[0].verdict == "hip_hinge"
    assert "rounded_reach_down" in verdicts[0].faults
    assert verdicts[0].peak_spine_flexion_deg < 10      # judged from lift-off: the flat pull, not the reach


def test_a_rounded_reach_down_held_just_under_the_limit_into_the_lift_is_no_rounded_lift():
    """The flag's hysteresis runs over the whole clip: a back rounded 40° reaching down, set to 20° and lifted so
    (under the 21° limit, above its 4° of hysteresis) stayed flagged through the lift's first 0.3 s, and the lift was
    called rounded, "the spine rounded 20° past neutral (limit 21°)": the set-up judged as the lift. Passing the
    limit in the lift still counts, its hysteresis included."""
    limit, hysteresis = SETTINGS.verdict.rounded_back_spine_deg, SETTINGS.verdict.flag_hysteresis_deg
    track, _ = reach_then_set_track(reach_spine_deg=40.0, lift_spine_deg=limit - 1.0, lift_s=2.0)
    kin, reps, verdicts = _judge(track)
    (v,) = verdicts
    flagged, _ = judge_reps(kin, reps, SETTINGS.verdict, SETTINGS.spine)
    carried = flagged[v.rep.liftoff:v.rep.end + 1]
    assert carried[:3].all() and hysteresis >= 2.0                      # the flag itself goes on into the lift
    assert v.verdict == "hip_hinge" and v.faults == ("rounded_reach_down",), v.reason
    # what the outputs draw red is what the verdict counted: the reach-down, not the lift it cleared
    shown = run_core(track, SETTINGS).flagged
    assert shown[v.rep.start:v.rep.liftoff].any() and not shown[v.rep.liftoff:v.rep.end + 1].any()
    # the same lift rounded past the limit in it: rounded, for as long as its flag holds (to limit - hysteresis)
    track, _ = reach_then_set_track(reach_spine_deg=40.0, lift_spine_deg=limit + 1.0, lift_s=2.0)
    (rounded,) = _judge(track)[2]
    assert rounded.verdict == "rounded_back" and rounded.rounded_s >= 0.15, rounded.reason
    shown = run_core(track, SETTINGS).flagged
    assert shown[rounded.rep.liftoff:rounded.rep.end + 1].any()


def test_the_frames_judged_are_the_lift_from_liftoff_and_a_lowering_to_touchdown():
    """`judged_and_counted_frames` (frames.csv's `judged`, the report's strip) holds exactly the frames the verdicts
    count: a
    pick-up from lift-off to its end, a lowering from its start to touch-down and its rise from lift-off; never the
    reach-down nor anything outside the reps. The rounded reach-down is flagged, but outside them."""
    kin, reps, verdicts = _judge(set_of_lifts_track([40.0, 3.0], [3.0, 3.0]))
    flagged, _ = judge_reps(kin, reps, SETTINGS.verdict, SETTINGS.spine)
    judged = judged_and_counted_frames(kin, reps, SETTINGS.verdict, flagged)[0]
    pick_up, lowering = reps
    expected = np.zeros(len(judged), dtype=bool)
    expected[pick_up.liftoff:pick_up.end + 1] = True
    expected[lowering.start:lowering.touchdown + 1] = True
    expected[lowering.liftoff:lowering.end + 1] = True
    assert pick_up.start < pick_up.liftoff and lowering.start < lowering.touchdown < lowering.liftoff
    assert np.array_equal(judged, expected)
    assert flagged[pick_up.start:pick_up.liftoff].any() and not (flagged & judged).any()
    assert verdicts[0].faults == ("rounded_reach_down",) and verdicts[0].verdict == "hip_hinge"


def test_rounded_pull_after_a_flat_reach_is_rounded():
    track, _ = reach_then_set_track(reach_spine_deg=3.0, lift_spine_deg=40.0)
    _, _, verdicts = _judge(track)
    assert verdicts[0].verdict == "rounded_back"
    assert "rounded_reach_down" not in verdicts[0].faults


def test_rounded_throughout_is_rounded_without_a_separate_reach_down_finding():
    track, _ = reach_then_set_track(reach_spine_deg=40.0, lift_spine_deg=40.0)
    _, _, verdicts = _judge(track)
    assert verdicts[0].verdict == "rounded_back"
    assert verdicts[0].faults == ()


def test_liftoff_of_a_lift_without_a_pause_is_at_the_bottom():
    track, _ = lift_track("hip_hinge", n_reps=2)
    kin, reps, _ = _judge(track)
    for rep in reps:
        assert rep.start < rep.liftoff <= rep.end
        assert abs(rep.liftoff_s - rep.bottom_s) <= 0.2


def _pull_with_back(spine_in_ascent, fps: float = 30.0):
    """Stand, reach down (trunk to 80 deg) in 1 s, hold 0.5 s, stand up in 1 s. ``spine_in_ascent(trunk_deg)`` gives
    the spine flexion (deg) while standing up; 0 elsewhere."""
    def ramp(n: int, a: float, b: float) -> np.ndarray:
        return a + (b - a) * np.sin(np.linspace(0, np.pi / 2, n)) ** 2

    stand, move, hold = int(0.8 * fps), int(1.0 * fps), int(0.5 * fps)
    trunk = np.concatenate([np.zeros(stand), ramp(move, 0, 80), np.full(hold, 80.0), ramp(move, 80, 0),
                            np.zeros(stand)])
    ascent = np.zeros(len(trunk), dtype=bool)
    ascent[stand + move + hold:stand + 2 * move + hold] = True
    spine = np.where(ascent, spine_in_ascent(trunk), 0.0)
    return make_track(trunk, trunk * 30 / 80, spine, np.arange(len(trunk)) / fps)


def test_a_back_that_rounds_as_the_load_passes_the_knees_is_caught():
    """Flat at the bottom, rounded (40 deg) while the trunk rises from 62 to 42 deg: the upper half of the ascent,
    still leaning and loaded. Judging only the lower half of the ascent (loaded_depth_fraction 0.5, as before) saw
    0.07 s of it and called the lift safe; a quick pull's lower half can be shorter than the 0.15 s rounding must
    last, so rounding there could never be called."""
    track = _pull_with_back(lambda trunk: np.where((trunk >= 42) & (trunk <= 62), 40.0, 0.0))
    _, _, verdicts = _judge(track)
    assert [v.verdict for v in verdicts] == ["rounded_back"]
    lower_half_only = dataclasses.replace(SETTINGS, verdict=dataclasses.replace(SETTINGS.verdict,
                                                                               loaded_depth_fraction=0.5))
    kin = compute_kinematics(track, lower_half_only.filter, lower_half_only.spine)
    _, old = judge_reps(kin, segment_reps(kin, lower_half_only.reps), lower_half_only.verdict, lower_half_only.spine)
    assert [v.verdict for v in old] == ["hip_hinge"]



def test_the_peak_a_safe_rep_reports_is_where_it_was_judged():
    """The contour near the top of the ascent (trunk under 35 deg) shows the upright posture (here it reads 30 deg),
    not flexion: the rep is safe, and its reason must not say the spine peaked past the limit."""
    track = _pull_with_back(lambda trunk: np.where(trunk < 35, 30.0, 2.0))
    _, _, verdicts = _judge(track)
    assert [v.verdict for v in verdicts] == ["hip_hinge"]
    assert verdicts[0].peak_spine_flexion_deg < 10 and "+30" not in verdicts[0].reason


def test_a_set_up_with_the_hands_unseen_through_the_hold_leaves_liftoff_with_the_hands():
    """The knees set (20 -> 35 deg, held 20 frames) but the hands are unknown there: nothing says they were still,
    so lift-off stays where the hands put it (no warning either)."""
    from liftform.core.phases import _setup_end

    knee = np.r_[np.full(10, 20.0), np.full(20, 35.0), np.full(10, 10.0)]
    assert _setup_end(knee, np.full(40, np.nan), 0.02, 0, 39) == 0
    assert _setup_end(knee, np.full(40, 0.1), 0.02, 0, 39) == 10        # seen still: the set position


def test_a_load_set_down_rounded_and_risen_from_rounded_says_it_was_lowered_with_the_back():
    """Box work: a box set down stooped, the lifter then standing up rounded (empty-handed, though the rise is judged
    as a lift: the hands cannot tell). Both halves were rounded long enough, and the set-down was told "lifted with
    the back", the set-down itself not named (the rendered `rounded_set_down` class, 2 reps, said so of each)."""
    kin, reps, verdicts = _judge(set_of_lifts_track([3.0, 40.0], [3.0, 40.0]))
    second = verdicts[1]
    assert second.rep.lowers_load and second.verdict == "rounded_back" and not second.while_lowering
    assert second.reason.startswith("lowered the load with the back and came back up rounded: the spine rounded")
    assert verdicts[0].reason.startswith("lifted with the back") or verdicts[0].verdict == "hip_hinge"
    # a first rep, which lowers nothing, rounded in its lift is still "lifted with the back"
    _, _, first_rounded = _judge(set_of_lifts_track([40.0, 3.0], [40.0, 3.0]))
    assert first_rounded[0].reason.startswith("lifted with the back")


def _staying_bent_track(fps: float = 30.0, between_deg: float = 40.0):
    """Box work without standing up between lifts: stand 0.8 s, bend to 80 deg in 1 s, 0.4 s there, up to
    ``between_deg`` of lean in 0.7 s, 0.6 s there, down again to 80 deg, 0.4 s there, up to standing in 1 s."""
    def ramp(k, a, b):
        return a + (b - a) * np.sin(np.linspace(0, np.pi / 2, k)) ** 2

    s, m, h = int(0.8 * fps), int(1.0 * fps), int(0.4 * fps)
    trunk = np.concatenate([np.zeros(s), ramp(m, 0, 80), np.full(h, 80.0), ramp(int(0.7 * fps), 80, between_deg),
                            np.full(int(0.6 * fps), between_deg), ramp(int(0.7 * fps), between_deg, 80),
                            np.full(h, 80.0), ramp(m, 80, 0), np.zeros(s)])
    return make_track(trunk, trunk * 30 / 80, np.full(len(trunk), 3.0), np.arange(len(trunk)) / fps)


def test_two_bends_without_standing_up_between_them_are_one_rep_and_a_note_says_so():
    """A lifter who sets a box down and reaches for the next without standing up (a rendered one came up only to 45
    deg of lean): the two bends are one rep, the second bend's reach-down judged as part of that rep's lift, and
    nothing said (three boxes moved read "4 rep(s)", a rounded reach-down inside such a rep "lifted with the back").
    The rep count is not changed (real lifts pause part way up); a note says where."""
    from liftform.analysis import ModelInfo, SourceInfo
    from liftform.pipeline import analyze_track

    track = _staying_bent_track()
    source = SourceInfo("x.mp4", "0" * 64, 30.0, len(track), 640, 640, float(track.timestamps_s[-1]))
    analysis = analyze_track(track, source, ModelInfo("none", ""), SETTINGS)
    assert len(analysis.verdicts) == 1
    notes = [w for w in analysis.quality.warnings if "two bends" in w]
    assert len(notes) == 1 and notes[0].startswith("rep 1 holds two bends"), analysis.quality.warnings
    assert "stand up fully between lifts" in notes[0]
    # coming up nearly to standing between them makes two reps, and no note
    two = analyze_track(_staying_bent_track(between_deg=5.0), source, ModelInfo("none", ""), SETTINGS)
    assert len(two.verdicts) == 2 and not [w for w in two.quality.warnings if "two bends" in w]


def test_bends_too_quick_to_count_are_said_not_left_out_in_silence():
    """Fast kettlebell swings (a real set at 2x its pace, ~0.5 s a swing) vanished from the count without a word, the
    clip called safe on its pick-up and park alone. A bend as deep as a rep's, leaning where the back is judged, that
    no rep holds is named in a note; a set at its own pace, and dips that never lean that far, get none."""
    def bends(rep_s: float, lean_deg: float):
        t, env = lift_profile(4, 30.0, 1.0, rep_s=rep_s)
        return run_core(make_track(lean_deg * env, 20.0 * env, np.full(len(t), 3.0), t), SETTINGS)

    quick = bends(0.4, 80.0)
    assert not quick.reps
    (note,) = [n for n in quick.notes if "not counted as reps" in n]
    assert note.startswith("4 bends (at ") and f"quicker than a rep ({SETTINGS.reps.min_duration_s:g} s" in note
    paced = bends(2.4, 80.0)
    assert len(paced.reps) == 4 and not [n for n in paced.notes if "not counted" in n]
    dips = bends(0.4, 30.0)
    assert not dips.reps and not [n for n in dips.notes if "not counted" in n]


def test_two_bends_are_two_reaches_to_the_floor_not_a_standing_depth_or_a_glitch():
    """The note's second bend must be a bend with the hands down: a squatter standing straight after his rep whose
    depth read 0.37 (a standing height that lagged), or a model glitch folding the trunk for three frames with the
    hands at 0.4 of standing height, was said to "hold two bends" on real clips."""
    from dataclasses import replace

    from liftform.core.reps import two_bends_note
    from liftform.core.run import run_core

    core = run_core(_staying_bent_track(), SETTINGS)
    kin, rep = core.kinematics, core.reps[0]
    assert two_bends_note(kin, core.reps, SETTINGS.reps) is not None
    later = np.arange(len(kin.depth)) > rep.bottom + int(1.2 / np.median(np.diff(kin.timestamps_s)))
    second = rep.start + int(np.argmax(np.where(later[rep.start:rep.end + 1],
                                                kin.depth[rep.start:rep.end + 1], -np.inf)))
    around = np.abs(np.arange(len(kin.depth)) - second) <= 3
    standing = replace(kin, trunk_inclination_deg=np.where(around, 5.0, kin.trunk_inclination_deg),
                       hip_flexion_deg=np.where(around, 5.0, kin.hip_flexion_deg),
                       knee_flexion_deg=np.where(around, 5.0, kin.knee_flexion_deg))
    assert two_bends_note(standing, core.reps, SETTINGS.reps) is None
    hands_up = replace(kin, hands_height=np.where(around, np.nanmin(kin.hands_height) + 0.4, kin.hands_height))
    assert two_bends_note(hands_up, core.reps, SETTINGS.reps) is None


def test_a_bend_the_pose_loses_at_its_bottom_counts_once_among_the_descents_that_lower_a_load():
    """A gap in the pose ends a rep, so a bend whose bottom the model lost (0.5 s: a blurred or compressed picture)
    is found as two reps, each judged on its part. They are one bend where every other bend lowers a load: counted
    as two, every later descent was taken for the other kind, and a rounded set-down for a rounded reach-down (told
    "safe hip hinge"). The 2nd bend's descent rounded, as in the set above."""
    track = set_of_lifts_track([3.0, 40.0, 40.0, 3.0], [3.0] * 4)
    _, whole, _ = _judge(track)
    gap = whole[0].bottom + np.arange(15)                     # the first bend's bottom, 0.5 s
    kin, reps, verdicts = _judge(lost_between(track, gap[0], gap[-1] + 1))
    assert len(reps) == 5 and reps[0].end <= gap[0] and reps[1].start >= gap[-1]     # cut in two by the gap
    assert [r.lowers_load for r in reps] == [False, False, True, False, True]
    assert [v.verdict for v in verdicts[2:]] == ["rounded_back", "hip_hinge", "hip_hinge"]
    assert verdicts[2].while_lowering and verdicts[3].faults == ("rounded_reach_down",)
    # Lost for longer than a second (`reps.SAME_BEND_GAP_S`), the lifter may have stood up and bent again unseen:
    # the part after the gap counts as a bend of its own.
    _, longer, _ = _judge(lost_between(track, gap[0], gap[0] + 30))           # 1.03 s from pose to pose
    assert len(longer) == 5 and [r.lowers_load for r in longer[:2]] == [False, True]


def test_a_rep_ending_where_the_pose_was_lost_may_go_on_until_the_gap_passes_a_second_or_the_bend_is_seen():
    """`reps.bend_may_go_on` on frames ending now (live's window), 30 fps: a rep ending in a gap still open may go on
    for up to `reps.SAME_BEND_GAP_S` from the last pose; one the next rep goes on from, while that one is unfinished."""
    t = np.arange(100) / 30.0
    rep = Rep(index=0, start=10, bottom=30, end=40, start_s=t[10], bottom_s=t[30], end_s=t[40], complete=True)
    after = dataclasses.replace(rep, index=1, start=55, bottom=60, end=99, complete=False)

    def posed(*gaps):
        out = np.ones(len(t), bool)
        for first, stop in gaps:
            out[first:stop] = False
        return out

    assert bend_may_go_on([rep], 0, posed((40, 100))[:60], t[:60])          # 0.67 s since the last pose
    assert not bend_may_go_on([rep], 0, posed((40, 100))[:72], t[:72])      # 1.07 s: the lifter may have gone
    assert not bend_may_go_on([rep], 0, posed((41, 100))[:60], t[:60])      # it ended on a pose
    assert not bend_may_go_on([rep], 0, posed((40, 50)), t)                 # seen again, no rep going on
    assert bend_may_go_on([rep, after], 0, posed((40, 56)), t)              # the bend going on, unfinished
    assert not bend_may_go_on([rep, dataclasses.replace(after, end=90, complete=True)], 0, posed((40, 56)), t)
    assert not bend_may_go_on([rep, after], 0, posed((40, 50)), t)         # the next starts after the pose came back


@pytest.mark.parametrize("fps", [30.0, 15.0, 60.0])
def test_a_back_rounded_reaching_down_and_yanked_up_rounded_is_a_rounded_lift(fps):
    """A lifter who reaches down rounded and yanks the load up in 0.2 s has the back past its limit for only ~0.1 s of
    the lift, under the 0.15 s a rounding must last: it had been cleared, "past its limit for only 0.10 s". The
    back the load came onto was rounded all along: the run counts from the reach-down on. A back set flat before
    the same yank, or rounded only past the lift's first moments, stays as it was."""
    track, _ = reach_then_set_track(reach_spine_deg=45.0, lift_spine_deg=45.0, lift_s=0.2, fps=fps)
    (yank,) = _judge(track)[2]
    assert yank.verdict == "rounded_back", yank.reason
    assert yank.reason.startswith("lifted with the back") and "rounded_reach_down" not in yank.faults
    if fps >= 30:       # 3 frames of the lift at 15 fps last 0.2 s: long enough on their own, and said so
        assert yank.rounded_s > 1.0 and "from before the lift on" in yank.reason
    else:
        assert yank.rounded_s == pytest.approx(0.2, abs=0.01) and "from before the lift on" not in yank.reason
    flat, _ = reach_then_set_track(reach_spine_deg=45.0, lift_spine_deg=3.0, lift_s=0.2, fps=fps)
    (set_flat,) = _judge(flat)[2]
    assert set_flat.verdict == "hip_hinge" and set_flat.faults == ("rounded_reach_down",), set_flat.reason


@pytest.mark.parametrize("fps", [24.0, 30.0, 60.0])
def test_a_load_lowered_flat_and_yanked_up_with_the_back_rounded_over_it_on_the_floor_is_a_rounded_lift(fps):
    """A set's next rep lowers the load flat, rounds over it on the floor and yanks it up in 0.2 s: the back the load
    came onto was rounded, as at a pick-up's reach-down (a tester's rendered set: its 2nd rep was cleared, "past its
    limit for only 0.13 s", while live called it rounded). Set flat again before the same yank, it is a hip hinge."""
    kin, reps, verdicts = _judge(set_of_lifts_track([3.0, 3.0], [45.0, 45.0], fps=fps, lift_s=0.2))
    assert [r.lowers_load for r in reps] == [False, True] and reps[1].touchdown >= 0
    assert [v.verdict for v in verdicts] == ["rounded_back"] * 2, verdicts[1].reason
    assert verdicts[1].reason.startswith("came back up rounded after lowering the load")
    assert "from before coming back up" in verdicts[1].reason and not verdicts[1].while_lowering
    # drawn red as counted (the outputs had shown 4 red frames of a rep said rounded "for 0.5 s"), judged from
    # lift-off on: its peak and worst moment are the lift's, as README says (a reach rounded 60° had been told of a
    # yank that peaked at 26°, "your back rounded 60° as you came up")
    span, lift = slice(reps[1].start, reps[1].end + 1), slice(reps[1].liftoff + 1, reps[1].end + 1)
    judged, shown = judged_and_counted_frames(kin, reps, SETTINGS.verdict, _flagged(kin, reps))
    assert shown[span].sum() / fps == pytest.approx(verdicts[1].rounded_s, abs=1.5 / fps)
    assert not (shown & judged)[span][:reps[1].liftoff - reps[1].start - 1].any() and (shown & judged)[lift].any()
    kin, reps, flat = _judge(set_of_lifts_track([3.0, 3.0], [3.0, 3.0], fps=fps, lift_s=0.2,
                                                rest_bumps_deg=[0.0, 45.0]))
    assert [v.verdict for v in flat] == ["hip_hinge"] * 2, flat[1].reason
    # its rounding over the resting load, which its advice tells of, is drawn red (not judged), as a reach-down's is
    judged, shown = judged_and_counted_frames(kin, reps, SETTINGS.verdict, _flagged(kin, reps))
    rested = shown[reps[1].start:reps[1].liftoff] & ~judged[reps[1].start:reps[1].liftoff]
    assert "rounded_reach_down" in flat[1].faults and rested.sum() / fps > 0.3


def test_a_carried_rounding_says_the_lifts_own_peak():
    """A reach rounded to 60°, set at 30° and yanked up in 0.2 s is a rounded lift counted from the reach-down, but
    its peak, its advice and its worst moment are the lift's: a version that judged the carried frames told of it
    "your back rounded 60° as you came up"."""
    track, _ = reach_then_set_track(reach_spine_deg=60.0, lift_spine_deg=30.0, lift_s=0.2)
    kin, reps, (yank,) = _judge(track)
    assert yank.verdict == "rounded_back" and "from before the lift on" in yank.reason, yank.reason
    lifted = kin.spine_flexion_deg[reps[0].liftoff:reps[0].end + 1]
    assert yank.peak_spine_flexion_deg == pytest.approx(np.nanmax(lifted), abs=0.5)
    assert yank.peak_spine_flexion_deg < 35.0 < np.nanmax(kin.spine_flexion_deg[reps[0].start:reps[0].liftoff])


def test_a_rounding_counts_from_its_reach_down_only_with_half_of_the_time_on_each_side_of_liftoff():
    """`flags.rounding_carried_s` at 30 fps, lift-off at frame 10: a back past its limit from frame 3 into the lift
    for 3 frames is one run of 10 frames; one past it on the single frame before lift-off (a lift's own rounding
    begun a frame early: a real oblique RDL's, mirrored), or only on lift-off's frame after a rounded reach-down (a
    rounded set-up, lift-off placed a frame early), is no run the lift carried. The run's frames come with it."""
    from liftform.core.flags import rounding_carried_s

    t = np.arange(20) / 30.0

    def carried(reach: range, lifted: range) -> float:
        flagged, counted = np.zeros(20, dtype=bool), np.zeros(20, dtype=bool)
        flagged[list(reach) + list(lifted)] = True
        flagged[16:18] = counted[16:18] = True                # a later rounding of the lift, not part of the run
        counted[list(lifted)] = True
        seconds, frames = rounding_carried_s(flagged, counted, 10, t, SETTINGS.verdict.min_rounded_s)
        assert frames.tolist() == [seconds > 0 and i in [*reach, *lifted] for i in range(20)]
        return seconds

    assert carried(range(3, 10), range(10, 13)) == pytest.approx(10 / 30)
    assert carried(range(9, 10), range(10, 14)) == 0.0
    assert carried(range(3, 10), range(10, 11)) == 0.0
    assert carried(range(3, 9), range(10, 14)) == 0.0         # flat on the frame before lift-off: nothing carried
    # timed on the rep's frames: at 10 fps one frame each side is 0.1 s (half of min_rounded_s is 0.075 s), and a gap
    # in the frames (frames dropped live) just before lift-off ends the reach's run there
    flagged = np.zeros(20, dtype=bool)
    flagged[5:12] = True
    slow = np.arange(20) / 10.0
    assert rounding_carried_s(flagged, flagged & (np.arange(20) >= 10), 10, slow, 0.15)[0] == pytest.approx(0.7)
    gapped = np.where(np.arange(20) >= 9, t + 0.6, t)
    assert rounding_carried_s(flagged, flagged & (np.arange(20) >= 10), 10, gapped, 0.15)[0] == 0.0


def test_a_flat_back_whose_head_hangs_through_liftoff_of_a_quick_lift_is_not_a_rounded_lift():
    """Only the spine's own rounding is carried from the reach-down into a quick lift: a flat-backed lifter may hang
    the head looking at the load as they reach it (a random rendered hinge, its head down through lift-off, was
    called rounded "by the head alone"). Its head, past its limit for only ~0.1 s of the lift, is told as such."""
    from synthetic_tracks import _phased_lift

    trunk, spine = _phased_lift(0.0, 0.0, 30.0, 0.8, 0.2)
    head = np.where(trunk >= 60.0, 60.0, 0.0)
    track = make_track(trunk, trunk * 30 / 80, spine, np.arange(len(trunk)) / 30.0, head_drop_deg=head)
    (v,) = _judge(track)[2]
    assert v.verdict == "hip_hinge" and v.head_briefly, v.reason
