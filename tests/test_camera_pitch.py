"""A camera looking down on the lifter from above: the back's outline there is the far side of the back, and a
rounded back reads flat (rendered stoops rounded 46° read 28° short from 35° above and were called safe). Told from
the shoulders: such a camera shows the far shoulder above the near one where the trunk is bent over. A back that
reads flat there is not cleared; rounding seen there is still an answer (the reading errs flat). Synthetic tracks
raise the far side's landmarks by a known share of the trunk's length, as a pitched camera does; the rendered case
runs the real model on a stoop filmed from 35° above."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic_tracks import PX_PER_M, TRUNK_M, lift_track, replayed_poses

from liftform.analysis import ModelInfo, SourceInfo
from liftform.core.advice import advice_kind
from liftform.core.camera_pitch import far_shoulder_rise, filmed_from_above
from liftform.live import CapturedFrame, LiveSession, RepJudged
from liftform.live.state import PROMPT_FROM_ABOVE
from liftform.outputs.read import read_analysis
from liftform.pipeline import analyze_track, save_result
from liftform.settings import Settings
from liftform.track import PoseTrack

FAR_SIDE = [12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32]   # the synthetic figure's right side is the far one
SETTINGS = Settings()


def seen_from_above(kind: str, rise: float, n_reps: int = 2) -> PoseTrack:
    """An ``n_reps`` ``kind`` lift whose far side's landmarks sit ``rise`` trunk lengths higher in the image."""
    track, _ = lift_track(kind, n_reps=n_reps)
    image_xy = track.image_xy.copy()
    image_xy[:, FAR_SIDE, 1] -= rise * TRUNK_M * PX_PER_M
    return PoseTrack(image_xy=image_xy, world_xyz=track.world_xyz, visibility=track.visibility,
                     timestamps_s=track.timestamps_s, frame_index=track.frame_index,
                     frame_size_wh=track.frame_size_wh, back_profile_px=track.back_profile_px)


def _analysis(track: PoseTrack):
    source = SourceInfo("synthetic", "", 30.0, len(track), *track.frame_size_wh, 1.0)
    return analyze_track(track, source, ModelInfo("none", ""), SETTINGS)


def test_the_rise_is_read_only_bent_over_and_side_on():
    track = seen_from_above("hip_hinge", 0.35)
    side_on, turned = np.zeros(len(track)), np.full(len(track), 45.0)
    rise = far_shoulder_rise(track.image_xy, "left", side_on, 30.0)
    bent = np.isfinite(rise)
    assert bent.any() and not bent.all()                   # upright frames say nothing (their trunk is shortened)
    np.testing.assert_allclose(rise[bent], 0.35, atol=0.02)
    assert filmed_from_above(rise) and not filmed_from_above(rise[bent][:2])   # told from 3 frames
    assert np.isnan(far_shoulder_rise(track.image_xy, "left", turned, 30.0)).all()   # a three-quarter view: not read
    assert not filmed_from_above(far_shoulder_rise(seen_from_above("hip_hinge", 0.2).image_xy, "left", side_on, 30.0))


def test_a_flat_back_filmed_from_above_is_not_cleared_and_the_reason_says_to_lower_the_camera(tmp_path):
    above = _analysis(seen_from_above("hip_hinge", 0.45))
    assert [v.verdict for v in above.verdicts] == ["insufficient_data"] * 2 and above.verdict == "insufficient_data"
    for v in above.verdicts:
        assert v.from_above and "from above" in v.reason and "hip height" in v.reason
        assert advice_kind(v) == "film_level"
    assert any("looks down on the lifter from above" in note for note in above.quality.warnings)
    save_result(above, seen_from_above("hip_hinge", 0.45), tmp_path, write_video=False)
    back = read_analysis(tmp_path)
    assert all(v.from_above for v in back.verdicts)
    np.testing.assert_allclose(back.kinematics.far_shoulder_rise, above.kinematics.far_shoulder_rise, atol=1e-3)
    assert "side, from above" in (tmp_path / "report.html").read_text()   # the view, beside the note


def test_rounding_seen_from_above_is_still_an_answer():
    above, level = _analysis(seen_from_above("rounded_back", 0.45)), _analysis(seen_from_above("rounded_back", 0.0))
    assert [v.verdict for v in above.verdicts] == [v.verdict for v in level.verdicts] == ["rounded_back"] * 2
    assert all(v.from_above for v in above.verdicts) and not any(v.from_above for v in level.verdicts)


@pytest.mark.parametrize("rise", [0.0, 0.12])
def test_a_level_camera_or_one_barely_above_changes_nothing(rise):
    level, raised = _analysis(seen_from_above("hip_hinge", 0.0)), _analysis(seen_from_above("hip_hinge", rise))
    assert [v.verdict for v in raised.verdicts] == ["hip_hinge"] * 2
    assert [v.confidence for v in raised.verdicts] == pytest.approx([v.confidence for v in level.verdicts])
    assert [v.reason for v in raised.verdicts] == [v.reason for v in level.verdicts]
    assert not any(v.from_above for v in raised.verdicts)
    assert not any("looks down" in note for note in raised.quality.warnings)


def test_a_back_cleared_from_a_little_above_is_cleared_less_surely_and_says_why():
    """Between a camera near level and one clearly above (a rendered big-buttocked stoop from 27° above read flat,
    its rise 0.27) a cleared back keeps its verdict with less confidence, the reason and a note saying why."""
    level, raised = _analysis(seen_from_above("hip_hinge", 0.0)), _analysis(seen_from_above("hip_hinge", 0.3))
    assert [v.verdict for v in raised.verdicts] == ["hip_hinge"] * 2 and not any(v.from_above for v in raised.verdicts)
    for r, v in zip(raised.verdicts, level.verdicts, strict=True):
        assert 0.5 * v.confidence < r.confidence < 0.75 * v.confidence
        assert "from a little above" in r.reason and "above" not in v.reason
    assert any("looks down on the lifter a little" in note for note in raised.quality.warnings)
    rounded = _analysis(seen_from_above("rounded_back", 0.3))
    assert [v.verdict for v in rounded.verdicts] == ["rounded_back"] * 2


def test_the_pitch_is_the_cameras_so_a_rep_that_reads_lower_than_its_clip_is_cleared_as_its_clip():
    """A rendered stoop filmed from 30° above: its clip told "the camera looks down a little", yet a rep whose own
    frames read lower was cleared as a sure "good hip hinge". Each rep takes its own frames' rise or the whole
    track's, whichever is higher."""
    from liftform.core.camera_pitch import rep_rise

    assert rep_rise(np.full(20, 0.3), np.full(4, 0.1)) == rep_rise(np.full(20, 0.1), np.full(4, 0.3)) == 0.3
    assert np.isnan(rep_rise(np.full(20, np.nan), np.full(2, 0.3)))           # fewer than 3 frames: unknown
    track = seen_from_above("hip_hinge", 0.3, n_reps=3)
    first_end = _analysis(track).verdicts[0].rep.end
    track.image_xy[:first_end + 1, FAR_SIDE, 1] += 0.2 * TRUNK_M * PX_PER_M   # the first rep's frames: 0.1
    verdicts = _analysis(track).verdicts
    assert [v.verdict for v in verdicts] == ["hip_hinge"] * 3
    assert all("from a little above" in v.reason for v in verdicts), verdicts[0].reason


@pytest.mark.parametrize(("rise", "asked"), [(0.45, True), (0.0, False)])
def test_live_asks_for_a_level_camera_and_does_not_clear_a_back_from_above(rise, asked):
    track = seen_from_above("hip_hinge", rise)
    session = LiveSession(replayed_poses(track), SETTINGS, track.frame_size_wh)
    image = np.zeros((8, 8, 3), np.uint8)
    frames = [session.process(CapturedFrame(i, float(t), image, 0.0)) for i, t in enumerate(track.timestamps_s)]
    events = [e for f in frames for e in f.events] + session.finish()
    assert any(f.prompt == PROMPT_FROM_ABOVE for f in frames) == asked
    judged = [e.verdict.verdict for e in events if isinstance(e, RepJudged)]
    assert judged == (["insufficient_data"] * 2 if asked else ["hip_hinge"] * 2)


@pytest.mark.slow
@pytest.mark.model
def test_a_rendered_stoop_filmed_from_above_is_not_called_safe_and_from_hip_height_is_rounded(tmp_path):
    """The rendered stoop (46° of flexion) read 28° short from 35° above and was called a safe hip hinge, both reps;
    from 20° above it reads 12° short and is still rounded."""
    from liftform.pipeline import analyze_video
    from liftform.synth import LiftSpec, write_sample

    verdicts = {}
    for pitch in (35.0, 20.0):
        video = tmp_path / f"stoop{pitch:.0f}.mp4"
        write_sample(LiftSpec(motion="rounded_back", reps=1, stand_s=0.5, supersample=1, pitch_deg=pitch), video)
        analysis = analyze_video(video, tmp_path / "out", write_video=False, report=False)
        verdicts[pitch] = analysis
    above = verdicts[35.0]
    assert above.verdict == "insufficient_data" and all(v.from_above for v in above.verdicts)
    assert any("from above" in note for note in above.quality.warnings)
    assert verdicts[20.0].verdict == "rounded_back" and not any(v.from_above for v in verdicts[20.0].verdicts)
