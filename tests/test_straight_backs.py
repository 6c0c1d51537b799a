"""A lifter whose flat hinges read far under most people's neutral back is told so: their rounding would read short
by as much (`core.verdict.straight_back_note`, said through `personal.zero_notes`)."""

from __future__ import annotations

from synthetic_tracks import NEUTRAL_BEND_DEG, lift_track

from liftform.analysis import ModelInfo, SourceInfo
from liftform.pipeline import analyze_track
from liftform.settings import Settings, apply_overrides

SETTINGS = Settings()
LIMIT = SETTINGS.verdict.rounded_back_spine_deg


def _analysis(kind: str, natural_bend_deg: float, settings: Settings = SETTINGS, yaw_deg: float = 0.0):
    track, _ = lift_track(kind, natural_bend_deg=natural_bend_deg, yaw_deg=yaw_deg)
    source = SourceInfo("synthetic", "", 30.0, len(track), *track.frame_size_wh, 1.0)
    return analyze_track(track, source, ModelInfo("none", ""), settings)


def _said(analysis) -> list[str]:
    return [n for n in analysis.quality.warnings if "straighter than most people's neutral back" in n]


def test_flat_hinges_reading_a_limit_under_most_peoples_neutral_are_told_to_set_their_own_zero():
    analysis = _analysis("hip_hinge", NEUTRAL_BEND_DEG - LIMIT - 6.0)
    assert {v.verdict for v in analysis.verdicts} == {"hip_hinge"}
    assert max(v.peak_spine_flexion_deg for v in analysis.verdicts) <= -LIMIT
    (note,) = _said(analysis)
    assert "--neutral" in note and "--profile" in note and f"({LIMIT:.0f}°)" in note
    # the same back's rounding, as large as the limit and more, reads neutral from most people's zero: what it warns of
    rounded = _analysis("rounded_back", NEUTRAL_BEND_DEG - LIMIT - 6.0)
    assert not any(v.is_rounded for v in rounded.verdicts)


def test_hinges_reading_near_most_peoples_neutral_or_any_rounded_rep_say_nothing():
    assert not _said(_analysis("hip_hinge", NEUTRAL_BEND_DEG))
    assert not _said(_analysis("hip_hinge", NEUTRAL_BEND_DEG - LIMIT + 3.0))
    turned = _analysis("hip_hinge", NEUTRAL_BEND_DEG - LIMIT - 6.0, yaw_deg=45.0)    # the view reads low there
    assert all(v.at_an_angle for v in turned.verdicts if v.verdict == "hip_hinge") and not _said(turned)
    squats = _analysis("squat", NEUTRAL_BEND_DEG - LIMIT - 6.0)      # a squat reads low by its deep hips
    assert {v.verdict for v in squats.verdicts} == {"squat"} and not _said(squats)
    assert not _said(_analysis("rounded_back", NEUTRAL_BEND_DEG))


def test_a_lifter_judged_from_their_own_zero_gets_that_zero_said_instead():
    own = apply_overrides(SETTINGS, {"spine": {"neutral_bend_deg": NEUTRAL_BEND_DEG - 20.0}})
    analysis = _analysis("hip_hinge", NEUTRAL_BEND_DEG - 20.0 - LIMIT - 6.0, own)
    assert not _said(analysis)
    assert any("personal zero" in n for n in analysis.quality.warnings)
