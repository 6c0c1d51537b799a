"""A reflection of the lifter (a gym's mirror) is not a second lifter: synthetic tracks whose timing and backs are
known by construction for the rule; the real model on a rendered lifter beside their own mirror image."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest
from synthetic_tracks import lift_track, make_track
from video_files import write_h264

from liftform.analysis import ModelInfo, SourceInfo
from liftform.core import reflection
from liftform.core.run import run_core
from liftform.people import PeopleFound
from liftform.pipeline import analyze_people, analyze_video
from liftform.settings import Settings
from liftform.video import open_video

SETTINGS = Settings()


def _kinematics(track):
    return run_core(track, SETTINGS).kinematics


def _frames(kinematics, start: int, stop: int):
    """Frames ``start`` to ``stop`` (exclusive) of ``kinematics``."""
    return dataclasses.replace(kinematics, **{f.name: getattr(kinematics, f.name)[start:stop]
                                              for f in dataclasses.fields(kinematics)
                                              if isinstance(getattr(kinematics, f.name), np.ndarray)})


def _judge(*tracks):
    """`analyze_people` on ``tracks`` (the first the main lifter), all in view at once."""
    first = tracks[0]
    source = SourceInfo("mirror.mp4", "0" * 64, 30.0, len(first), 640, 640, float(first.timestamps_s[-1]))
    return analyze_people(PeopleFound(tuple(tracks), len(tracks)), source, ModelInfo("full", "0" * 64), SETTINGS, [])


def _late(kind: str, frames: int, facing: int = -1):
    """The lift ``kind`` started ``frames`` analysed frames later (another person, a beat behind)."""
    track, truth = lift_track(kind)
    return make_track(*(np.roll(truth[k], frames) for k in ("trunk", "knee", "spine")), track.timestamps_s,
                      facing=facing)


def test_the_lifters_mirror_image_is_a_reflection():
    stoop, _ = lift_track("rounded_back")
    mirrored, _ = lift_track("rounded_back", facing=-1)       # the same angles, facing the other way
    assert reflection.is_reflection(_kinematics(stoop), _kinematics(mirrored))


@pytest.mark.parametrize("frames", [3, 5])
def test_the_same_lift_a_tenth_of_a_second_behind_is_another_lifter(frames):
    stoop, _ = lift_track("rounded_back")
    assert not reflection.is_reflection(_kinematics(stoop), _kinematics(_late("rounded_back", frames)))
    assert reflection.is_reflection(_kinematics(stoop), _kinematics(_late("rounded_back", 0)))


def test_two_lifters_in_lockstep_whose_backs_differ_stay_two_lifters():
    """The same timing to the frame, but one stoops with a rounded back and one hinges: setting either aside would
    change the clip's verdict, so they are judged apart."""
    stoop, _ = lift_track("rounded_back")
    hinge, _ = lift_track("hip_hinge", facing=-1)
    assert not reflection.is_reflection(_kinematics(stoop), _kinematics(hinge))


def test_a_back_not_seen_is_not_taken_for_a_reflection():
    stoop, _ = lift_track("rounded_back")
    frontal, _ = lift_track("rounded_back", yaw_deg=85.0)    # the same lift seen from the front: no back to compare
    assert not reflection.is_reflection(_kinematics(stoop), _kinematics(frontal))


def test_someone_standing_still_or_a_short_clip_is_not_a_reflection():
    stoop, _ = lift_track("rounded_back")
    zeros = np.zeros(len(stoop))
    standing = make_track(zeros, zeros, zeros, stoop.timestamps_s)
    assert not reflection.is_reflection(_kinematics(stoop), _kinematics(standing))
    assert not reflection.is_reflection(_kinematics(standing), _kinematics(standing))
    mirrored = _kinematics(lift_track("rounded_back", facing=-1)[0])
    assert reflection.is_reflection(_kinematics(stoop), mirrored)
    assert not reflection.is_reflection(_frames(_kinematics(stoop), 0, 45), _frames(mirrored, 0, 45))   # 1.5 s only
    # 1.5 s from halfway down the first rep: the backs read bent over alike for 0.8 s, but so short a stretch
    # says little of two people's timing (a pair lifting in step for a moment): each is still judged.
    assert not reflection.is_reflection(_frames(_kinematics(stoop), 20, 65), _frames(mirrored, 20, 65))


def test_the_clip_is_judged_on_the_lifter_with_a_note_and_no_second_lifter():
    stoop, _ = lift_track("rounded_back")
    mirrored, _ = lift_track("rounded_back", facing=-1)
    analysis, track = _judge(stoop, mirrored)
    assert track.image_xy is stoop.image_xy and analysis.others == () and analysis.people_in_view == 2
    assert np.array_equal(track.others_head_xy[0], mirrored.image_xy[:, :11], equal_nan=True)   # its face: blurred
    assert [v.verdict for v in analysis.verdicts] == ["rounded_back"] * 3
    assert reflection.NOTE in analysis.quality.warnings
    assert not any("people lifted in view" in w for w in analysis.quality.warnings)


def test_a_rescore_keeps_the_reflection_set_aside(tmp_path):
    """A reflection's landmarks are not saved (only the lifters'); rescoring them must still say one was in view."""
    from liftform.batch.rescore import rescore_folder
    from liftform.outputs import write_outputs

    stoop, _ = lift_track("rounded_back")
    mirrored, _ = lift_track("rounded_back", facing=-1)
    analysis, track = _judge(stoop, mirrored)
    write_outputs(analysis, track, tmp_path / "mirror", write_video=False)
    old, new = rescore_folder(tmp_path / "mirror", SETTINGS)
    assert reflection.NOTE in old.quality.warnings and reflection.NOTE in new.quality.warnings
    assert new.people_in_view == 2 and new.others == () and new.verdict == "rounded_back"
    # and beside another lifter (a hinger at the next bar), judged again from their saved track, with both notes
    hinge, _ = lift_track("hip_hinge")
    analysis, track = _judge(stoop, mirrored, hinge)
    assert [o.lifter_verdict for o in analysis.others] == ["safe"] and reflection.NOTE in analysis.quality.warnings
    write_outputs(analysis, track, tmp_path / "three", write_video=False)
    _, new = rescore_folder(tmp_path / "three", SETTINGS)
    assert [o.lifter_verdict for o in new.others] == ["safe"] and new.people_in_view == 3
    assert reflection.NOTE in new.quality.warnings and "3 people lifted in view" not in " ".join(new.quality.warnings)
    assert "2 people lifted in view" in " ".join(new.quality.warnings)
    assert not any("kept as first scored" in w for w in new.quality.warnings)


def _behind(rgb: np.ndarray) -> np.ndarray:
    """The frame at 0.7 of its size on the same background: the lifter in a mirror behind them, facing the camera
    (farther, facing the same way)."""
    h, w = rgb.shape[:2]
    small = cv2.resize(rgb, (int(w * 0.7), int(h * 0.7)), interpolation=cv2.INTER_AREA)
    canvas = np.zeros_like(rgb) + rgb[:1, :1]
    y0, x0 = (h - small.shape[0]) // 3, (w - small.shape[1]) // 2
    canvas[y0:y0 + small.shape[0], x0:x0 + small.shape[1]] = small
    return canvas


@pytest.mark.slow
@pytest.mark.model
@pytest.mark.parametrize("mirror", ["beside", "behind"])
def test_a_rendered_lifter_beside_their_reflection_is_one_lifter(sample_videos, tmp_path, mirror):
    """As a gym's mirror wall shows them: before, "6 rep(s) by 2 lifters", the reflection judged as a second
    lifter and the clip's verdict covering both."""
    reflect = (lambda rgb: rgb[:, ::-1]) if mirror == "beside" else _behind
    with open_video(sample_videos["rounded_back"]) as video:     # its first rep and the stand after (of three)
        frames = [np.ascontiguousarray(np.hstack([f.rgb, reflect(f.rgb)])) for f in video if f.timestamp_s < 3.3]
    clip = tmp_path / "mirror.mp4"
    write_h264(clip, frames)
    analysis = analyze_video(clip, tmp_path / "out", write_video=False, report=False)
    assert analysis.people_in_view == 2 and analysis.others == ()
    assert [v.verdict for v in analysis.verdicts] == ["rounded_back"]
    assert reflection.NOTE in analysis.quality.warnings
