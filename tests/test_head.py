"""The head hanging toward the floor as a sign of a rounded upper back, on tracks with a known neck angle."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic_tracks import lift_profile, make_track

from liftform.core.advice import advise
from liftform.core.kinematics import compute_kinematics
from liftform.core.reps import segment_reps
from liftform.core.verdict import judge_reps
from liftform.settings import Settings
from liftform.track import LEFT_EAR, RIGHT_EAR

SETTINGS = Settings()
HEAD_LIMIT_DEG = SETTINGS.verdict.head_hanging_neck_deg


def _hinge(head_drop_peak_deg: float, *, spine_peak_deg: float = 4.0, facing: int = 1, yaw_deg: float = 0.0):
    """Three hip hinges (trunk to 75 deg) whose head drops toward the chest with the bend, to its peak at the
    bottom; the back's contour bends ``spine_peak_deg``; the camera ``yaw_deg`` from side-on."""
    t, env = lift_profile(3, 30.0, 1.0)
    track = make_track(75.0 * env, 20.0 * env, spine_peak_deg * env, t, facing=facing, yaw_deg=yaw_deg,
                       head_drop_deg=head_drop_peak_deg * env)
    return track, env


def _judge(track):
    kin = compute_kinematics(track, SETTINGS.filter, SETTINGS.spine)
    _, verdicts = judge_reps(kin, segment_reps(kin, SETTINGS.reps), SETTINGS.verdict, SETTINGS.spine)
    return kin, verdicts


@pytest.mark.parametrize("facing", [1, -1])
@pytest.mark.parametrize("drop_deg", [-20.0, 0.0, 55.0])
def test_neck_flexion_reads_the_head_turned_toward_the_chest(facing, drop_deg):
    track, env = _hinge(drop_deg, facing=facing)
    kin, _ = _judge(track)
    # Smoothing rounds the peaks a little; the angle must match within a degree either way the lifter faces.
    np.testing.assert_allclose(kin.neck_flexion_deg, drop_deg * env, atol=1.0)


@pytest.mark.parametrize("yaw_deg", [30.0, 55.0])
def test_neck_flexion_reads_the_same_in_a_three_quarter_view(yaw_deg):
    """Seen at an angle the image shortens the body across; read as it is, a head hanging 30 deg would read 34
    at 30 deg of yaw and 50 at 55, and a safe lifter looking down would cross the limit."""
    track, env = _hinge(30.0, yaw_deg=yaw_deg)
    kin, _ = _judge(track)
    np.testing.assert_allclose(kin.neck_flexion_deg, 30.0 * env, atol=1.0)


def test_neck_flexion_is_unknown_where_the_ears_are_not_seen_or_cannot_be_a_head():
    track, _ = _hinge(55.0)
    track.visibility[:, [LEFT_EAR, RIGHT_EAR]] = 0.1
    kin, _ = _judge(track)
    assert np.isnan(kin.neck_flexion_deg).all()
    # Ears past a right angle to the trunk (a plate before the face taken for it): not read, never a rounded back.
    track, env = _hinge(130.0)
    kin, verdicts = _judge(track)
    assert np.isnan(kin.neck_flexion_deg[env > 0.7]).all() and {v.verdict for v in verdicts} == {"hip_hinge"}


def test_a_flat_back_with_the_head_hanging_past_its_limit_is_a_rounded_lift_said_in_words_of_the_head():
    track, _ = _hinge(HEAD_LIMIT_DEG + 15.0)          # the back's contour stays flat (4 deg)
    _, verdicts = _judge(track)
    assert len(verdicts) == 3 and all(v.verdict == "rounded_back" and v.head_led for v in verdicts)
    assert all(v.peak_spine_flexion_deg < SETTINGS.verdict.rounded_back_spine_deg for v in verdicts)
    assert all(abs(v.peak_neck_flexion_deg - (HEAD_LIMIT_DEG + 15.0)) < 2.0 for v in verdicts)
    assert "head hung" in verdicts[0].reason and "head hanging" in advise(verdicts[0])


def test_a_head_held_inside_its_limit_leaves_a_flat_hinge_safe():
    track, _ = _hinge(HEAD_LIMIT_DEG - 15.0)
    _, verdicts = _judge(track)
    assert [v.verdict for v in verdicts] == ["hip_hinge"] * 3 and not any(v.head_led for v in verdicts)


def test_a_rounded_back_is_said_in_words_of_the_back_whatever_the_head_does():
    track, _ = _hinge(HEAD_LIMIT_DEG + 15.0, spine_peak_deg=40.0)
    _, verdicts = _judge(track)
    assert all(v.verdict == "rounded_back" and not v.head_led for v in verdicts)
    assert "spine rounded" in verdicts[0].reason


def test_a_head_led_rep_reads_back_with_its_words(tmp_path):
    """result.json keeps what decided the rep, so the report and a rescore, which read it back, say the same."""
    from liftform import read_analysis
    from liftform.analysis import ModelInfo, SourceInfo
    from liftform.outputs import write_outputs
    from liftform.outputs.result_json import rep_to_dict
    from liftform.pipeline import analyze_track

    track, _ = _hinge(HEAD_LIMIT_DEG + 15.0)
    source = SourceInfo("lift.mp4", "ab" * 32, 30.0, len(track), *track.frame_size_wh, float(track.timestamps_s[-1]))
    written = analyze_track(track, source, ModelInfo("full", "cd" * 32), SETTINGS)
    write_outputs(written, track, tmp_path / "lift", write_video=False)
    read = read_analysis(tmp_path / "lift")
    assert [v.head_led for v in read.verdicts] == [True] * 3
    assert all("head hanging" in rep_to_dict(read, v)["advice"] for v in read.verdicts)
    np.testing.assert_allclose(read.kinematics.neck_flexion_deg, written.kinematics.neck_flexion_deg, atol=0.006)


def test_the_annotated_video_names_the_head_where_it_flagged_the_back():
    from liftform.analysis import ModelInfo, SourceInfo
    from liftform.outputs.annotated import head_hanging_shown_deg
    from liftform.outputs.overlay import panel_lines
    from liftform.pipeline import analyze_track

    for drop_deg, named in ((HEAD_LIMIT_DEG + 15.0, True), (HEAD_LIMIT_DEG - 15.0, False)):
        track, _ = _hinge(drop_deg)
        source = SourceInfo("lift.mp4", "", 30.0, len(track), *track.frame_size_wh, float(track.timestamps_s[-1]))
        analysis = analyze_track(track, source, ModelInfo("full", ""), SETTINGS)
        shown = head_hanging_shown_deg(analysis)
        assert np.isfinite(shown).any() == named
        assert not np.isfinite(shown[~np.asarray(analysis.flagged, dtype=bool)]).any()
    text = [line for line, _ in panel_lines("rounded", {"spine": 4.0, "head": 55.0}, None, None, ())]
    assert "Head hanging: 55 deg" in text


def test_a_screen_stopped_by_the_head_names_the_head_and_writes_no_range():
    """A slow bend to 95 deg with the back's outline flat (3 deg) and the head dropping past its limit from about
    60 deg of lean: the flag (spine or head) puts the hinge depth there, as `analyze` would flag it, but the spine
    never passed its limit, so there is no range of spine flexion. Written, it was the flat back's 3 deg, and a
    later rounded rep of 40 deg was told "1300% of your range". The screen says the head stopped the bend."""
    from liftform.core.screen import screen_bend
    from liftform.screening import profile_toml

    t = np.arange(0, 5, 1 / 30)
    trunk = np.clip(t / 4, 0, 1) * 95
    head = np.clip((trunk - 40) / 30, 0, 1) * 60              # past 40 deg of neck flexion from 60 deg of lean
    kin = compute_kinematics(make_track(trunk, np.full_like(t, 10.0), np.full_like(t, 3.0), t, head_drop_deg=head),
                             SETTINGS.filter, SETTINGS.spine)
    result = screen_bend(kin, SETTINGS)
    assert result.rounded and result.head_led and not result.spine_rounded
    assert result.hinge_depth_deg == pytest.approx(60, abs=4)
    assert result.max_neck_flexion_deg == pytest.approx(60, abs=3)
    assert "head" in result.reason
    assert "personal_max_flexion_deg" not in profile_toml(result)
    # The same bend whose back rounds too (past its limit after the head) keeps its range: the spine itself passed.
    spine = np.clip((trunk - 70) / 20, 0, 1) * 35
    kin = compute_kinematics(make_track(trunk, np.full_like(t, 10.0), spine, t, head_drop_deg=head),
                             SETTINGS.filter, SETTINGS.spine)
    both = screen_bend(kin, SETTINGS)
    assert both.head_led and both.spine_rounded and both.hinge_depth_deg == pytest.approx(60, abs=4)
    assert "personal_max_flexion_deg = 3" in profile_toml(both)          # ~35 deg


def test_a_head_hanging_past_its_limit_too_briefly_to_count_is_advised_about_the_head():
    """The head dipped to 50° for a few frames at the bottom of each hinge (the back's contour at 4°): too briefly to
    count, the rep is cleared as its reason says ("with the head hanging 50° ... for only 0.07 s"), and had been
    advised "Keep your back extended all through the lift: it passed its limit", of a back that never did."""
    t, env = lift_profile(3, 30.0, 1.0)
    _, verdicts = _judge(make_track(75.0 * env, 20.0 * env, 4.0 * env, t, head_drop_deg=55.0 * (env >= 0.95)))
    assert [v.verdict for v in verdicts] == ["hip_hinge"] * 3
    assert all(0 < v.rounded_s < SETTINGS.verdict.min_rounded_s and v.head_briefly for v in verdicts)
    for v in verdicts:
        assert "with the head hanging" in v.reason
        text = advise(v)
        assert text.startswith("Keep your head in line with your back") and "back extended" not in text, text
    # The back's own brief spike is still told about the back (the lifts; the set-down between, lowered and
    # lifted past the limit, counts as rounded).
    _, spiked = _judge(make_track(75.0 * env, 20.0 * env, 4.0 + 40.0 * (env >= 0.95), t))
    cleared = [v for v in spiked if v.verdict == "hip_hinge"]
    assert len(cleared) == 2 and all(0 < v.rounded_s and not v.head_briefly for v in cleared)
    assert all(advise(v).startswith("Keep your back extended") for v in cleared)


def test_the_brief_heads_advice_is_the_same_read_back_in_the_report(tmp_path):
    """The report judges its advice from result.json: without ``head_briefly`` there it told the rep of a head
    that dipped for a moment to keep the back extended, beside the terminal's "keep your head in line"."""
    import html

    from liftform import read_analysis
    from liftform.analysis import ModelInfo, SourceInfo
    from liftform.outputs import write_outputs
    from liftform.pipeline import analyze_track
    from liftform.report.page import write_report

    t, env = lift_profile(3, 30.0, 1.0)
    track = make_track(75.0 * env, 20.0 * env, 4.0 * env, t, head_drop_deg=55.0 * (env >= 0.95))
    source = SourceInfo("lift.mp4", "ab" * 32, 30.0, len(track), *track.frame_size_wh, float(t[-1]))
    written = analyze_track(track, source, ModelInfo("full", "cd" * 32), SETTINGS)
    write_outputs(written, track, tmp_path / "lift", write_video=False)
    read = read_analysis(tmp_path / "lift")
    assert [v.head_briefly for v in read.verdicts] == [v.head_briefly for v in written.verdicts] == [True] * 3
    write_report(tmp_path / "lift")         # no source video here: a report without frames
    page = html.unescape((tmp_path / "lift" / "report.html").read_text())
    assert "Keep your head in line with your back" in page and "Keep your back extended" not in page
