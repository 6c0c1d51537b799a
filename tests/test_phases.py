"""Rep phases (lift-off) and the verdict that judges the spine from lift-off on, on tracks with known phases."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic_tracks import lift_track, reach_then_set_track

from liftform.core.kinematics import compute_kinematics
from liftform.core.phases import liftoff_index
from liftform.core.reps import segment_reps
from liftform.core.verdict import judge_reps
from liftform.settings import Settings

SETTINGS = Settings()


def _judge(track):
    kin = compute_kinematics(track, SETTINGS.filter, SETTINGS.spine)
    reps = segment_reps(kin, SETTINGS.reps)
    _, verdicts = judge_reps(kin, reps, SETTINGS.verdict, SETTINGS.spine)
    return kin, reps, verdicts


def test_liftoff_is_the_last_frame_on_the_floor_before_the_rise():
    # Hands: down in 10 frames, 8 frames on the floor with jitter below the tolerance, up in 10 frames.
    height = np.concatenate([np.linspace(0.45, 0.05, 10), 0.05 + np.array([0, .01, 0, .02, .01, 0, .01, 0]),
                             np.linspace(0.06, 0.45, 10)])
    # Rise 0.40: within 10 % (0.04) of the lowest point up to frame 18 (0.06 + 0.0433 > 0.09 at frame 19).
    assert liftoff_index(height, 0, len(height) - 1, 0.1) == 18
    assert liftoff_index(height, 5, len(height) - 1, 0.1) == 18            # indices stay absolute


@pytest.mark.parametrize("height", [np.full(30, 0.3), np.r_[np.linspace(0.45, 0.05, 15), np.full(15, np.nan)]])
def test_no_liftoff_when_the_hands_never_rise_or_are_not_seen(height):
    assert liftoff_index(height, 0, len(height) - 1, 0.1) == -1


def test_set_up_rounded_then_flat_pull_is_safe_with_its_reach_down_finding():
    track, truth = reach_then_set_track(reach_spine_deg=40.0, lift_spine_deg=3.0)
    kin, reps, verdicts = _judge(track)
    assert len(reps) == 1
    assert reps[0].liftoff_s == pytest.approx(truth["liftoff"], abs=0.15)
    assert verdicts[0].verdict == "hip_hinge"
    assert "rounded_reach_down" in verdicts[0].faults
    assert verdicts[0].peak_spine_flexion_deg < 10      # judged from lift-off: the flat pull, not the reach


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
