"""A bend the pose lost at its bottom is one rep (`core.bend_parts`): its parts judged apart, told as one."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from synthetic_tracks import lost_between, set_of_lifts_track

from liftform.core.advice import advice_kind
from liftform.core.bend_parts import merged_bend, one_rep_per_bend
from liftform.core.rep_metrics import judged_and_counted_frames
from liftform.core.reps import segment_reps
from liftform.core.run import run_core
from liftform.core.types import Rep, RepVerdict
from liftform.settings import Settings

SETTINGS = Settings()


def part(start: int, end: int, kind: str = "hip_hinge", **flags) -> RepVerdict:
    """A judged part of a rep, frames ``start``..``end`` at 30 frames/s."""
    rep = Rep(index=start, start=start, bottom=(start + end) // 2, end=end, start_s=start / 30, bottom_s=0.0,
              end_s=end / 30)
    return RepVerdict(rep=rep, verdict=kind, confidence=0.8, reason=f"part {start}", peak_spine_flexion_deg=5.0,
                      peak_trunk_inclination_deg=70.0, peak_hip_flexion_deg=70.0, min_knee_angle_deg=150.0,
                      stoop_squat_index=60.0, lean_from_spine_pct=5.0, rounded_s=0.0, descent_s=1.0, ascent_s=1.0,
                      **flags)


def test_a_bend_the_pose_cut_in_two_is_one_rep_judged_on_its_parts():
    """Four lifts, the first bend's bottom lost for 0.5 s: found as five reps, told as four, the first spanning the
    gap and saying so; the lifter's verdict and every other rep as without the merge."""
    track = set_of_lifts_track([3.0, 40.0, 40.0, 3.0], [3.0] * 4)
    whole = run_core(track, SETTINGS).verdicts
    bottom = whole[0].rep.bottom
    cut = run_core(lost_between(track, bottom, bottom + 15), SETTINGS)
    assert [v.rep.index for v in cut.verdicts] == [0, 1, 2, 3] and cut.reps == tuple(v.rep for v in cut.verdicts)
    first = cut.verdicts[0]
    assert first.rep.start < bottom < bottom + 15 <= first.rep.end
    assert "the pose lost the lifter at" in first.reason and math.isclose(first.pose_lost_s, 14 / 30, abs_tol=0.01)
    assert [v.verdict for v in cut.verdicts] == [v.verdict for v in whole] == [
        "hip_hinge", "rounded_back", "hip_hinge", "hip_hinge"]
    assert [v.rep.lowers_load for v in cut.verdicts] == [False, True, False, True]
    assert all(v.pose_lost_s == 0 for v in cut.verdicts[1:])
    # The frames its verdict was taken from are the parts' (frames.csv's `judged`, the report's strip and stills),
    # which the one rep's span, judged as a whole, would not give.
    parts = segment_reps(cut.kinematics, SETTINGS.reps)
    assert len(parts) == 5
    assert np.array_equal(cut.judged, judged_and_counted_frames(cut.kinematics, parts, SETTINGS.verdict,
                                                                cut.flagged)[0])
    assert not np.array_equal(cut.judged, judged_and_counted_frames(cut.kinematics, cut.reps, SETTINGS.verdict,
                                                                    cut.flagged)[0])


def test_the_bend_takes_its_rounded_part_else_the_part_that_judged_the_lift():
    down = part(0, 20, judged_on_descent=True)
    up = part(30, 60, "insufficient_data", view_cut=True)
    rounded = replace(part(30, 60, "rounded_back"), rounded_s=0.4, faults=("jerky_lift",))
    assert merged_bend([down, rounded]).verdict == merged_bend([replace(rounded, rep=replace(rounded.rep, start=0,
                                                                                          end=20)), up]).verdict \
        == "rounded_back"
    bend = merged_bend([replace(down, faults=("rounded_reach_down",)), rounded])
    assert bend.faults == ("rounded_reach_down", "jerky_lift") and bend.rounded_s == 0.4
    assert (bend.rep.start, bend.rep.end, bend.rep.bottom) == (0, 60, rounded.rep.bottom)
    assert bend.descent_s == down.descent_s and bend.reason.startswith("part 30; the pose lost the lifter at 0.7-1.0 s")
    # Flat on the way down, the lift lost: safe as the way down was, and told the pose lost them, not to film on.
    seen_down = merged_bend([down, up])
    assert seen_down.verdict == "hip_hinge" and seen_down.judged_on_descent
    assert math.isclose(seen_down.pose_lost_s, 10 / 30) and advice_kind(seen_down) == "stay_in_sight"
    assert advice_kind(down) == "flat_way_down"
    # Neither part judged: no answer, and the same advice.
    unseen = merged_bend([part(0, 20, "insufficient_data", lift_unseen=True), up])
    assert unseen.verdict == "insufficient_data" and advice_kind(unseen) == "stay_in_sight"
    # A part that judged the lift decides over one cleared on the way down.
    lift = part(30, 60)
    assert merged_bend([down, lift]).reason.startswith("part 30")


def test_only_neighbouring_parts_of_one_bend_are_merged_and_the_reps_numbered_again():
    parts = [part(0, 20), part(30, 60), part(90, 120), part(150, 170), part(175, 200)]
    reps = one_rep_per_bend(parts, [0, 0, 1, 2, 2])
    assert [v.rep.index for v in reps] == [0, 1, 2]
    assert [(v.rep.start, v.rep.end) for v in reps] == [(0, 60), (90, 120), (150, 200)]
    assert reps[1].reason == "part 90" and reps[1].pose_lost_s == 0
    assert one_rep_per_bend(parts, [0, 1, 2, 3, 4]) == tuple(replace(v, rep=replace(v.rep, index=k))
                                                              for k, v in enumerate(parts))
    assert np.isclose(reps[2].pose_lost_s, 5 / 30)
