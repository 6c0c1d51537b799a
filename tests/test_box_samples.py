"""The everyday-lift samples (sample_videos/box_*.mp4): each gets the verdict it was made to show, and advice."""

from __future__ import annotations

import numpy as np
import pytest

from liftform.core.advice import rep_advice
from liftform.pipeline import analyze_video
from liftform.settings import Settings
from liftform.synth import read_truth_csv

# name -> (clip verdict, the verdicts its reps may get). Each rep of a sample is a pick-up or a set-down of the box.
EXPECTED = {
    "box_stoop_rounded": ("rounded_back", {"rounded_back"}),
    "box_hinge": ("safe", {"hip_hinge"}),
    "box_squat": ("safe", {"squat", "hip_hinge"}),
    "box_half_kneel": ("safe", {"lunge", "squat"}),
    # Reaches down with a rounded back, sets a flat back, pulls neutral: safe, with the reach-down as a finding.
    "box_reach_rounded_then_flat": ("safe", {"hip_hinge"}),
}


@pytest.mark.slow
@pytest.mark.model
@pytest.mark.parametrize("name", list(EXPECTED))
def test_box_sample_gets_the_verdict_it_was_made_to_show(sample_videos, name):
    video = sample_videos[name]
    truth = read_truth_csv(video.with_name(name + ".truth.csv"))
    analysis = analyze_video(video, None, Settings())
    clip, allowed = EXPECTED[name]
    bends = int(truth["rep_index"].max()) + 1
    assert analysis.verdict == clip
    assert len(analysis.verdicts) == bends          # every pick-up and every set-down
    assert {v.verdict for v in analysis.verdicts} <= allowed
    advice = [rep_advice(v, analysis.settings.advice) for v in analysis.verdicts]
    assert all(a.endswith(".") for a in advice)
    if clip == "rounded_back":
        assert all("chest up" in a for a in advice)
    # The truth says when the box is off the floor: from lift-off to the end of the lowering, never on the floor.
    assert set(np.unique(truth["lift_phase"][truth["loaded"] == 1])) <= {"lift_off", "ascent", "lockout", "lowering"}
    # Each pick-up of the set-up sample (reached down rounded) carries the finding; no set-down does.
    reached_rounded = ["rounded_reach_down" in v.faults for v in analysis.verdicts]
    assert sum(reached_rounded) == (bends // 2 if name == "box_reach_rounded_then_flat" else 0)
