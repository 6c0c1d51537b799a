"""Analysing at a capped rate (`[pose] analysis_fps`): which frames are analysed, that every source frame is still
decoded, drawn and numbered as in the source, and that the verdicts of a rendered lift do not change."""

from __future__ import annotations

import dataclasses

import av
import numpy as np
import pytest
from test_outputs import (
    BACK_X,
    BACK_Y,
    SOURCE_TIMES_S,
    _is_green,
    _is_red,
    decode_all,
    synthetic_analysis,
    synthetic_track,
)
from video_files import write_h264

from liftform.core.types import Kinematics
from liftform.outputs.annotated import write_annotated_video
from liftform.people import analysis_step
from liftform.pipeline import analyze_track, analyze_video, estimate_video_track
from liftform.settings import Settings, load_settings
from liftform.track import PoseTrack, rows_for_frames
from liftform.video import open_video


@pytest.mark.parametrize(("fps", "analysis_fps", "step"), [
    (30.0, 15.0, 2), (29.97, 15.0, 2), (59.94, 15.0, 4), (60.0, 15.0, 4), (25.0, 15.0, 1), (24.0, 15.0, 1),
    (120.0, 15.0, 8), (30.0, 0.0, 1), (30.0, 60.0, 1), (0.0, 15.0, 1)])
def test_analysis_step_keeps_the_rate_near_the_setting(fps, analysis_fps, step):
    assert analysis_step(fps, analysis_fps) == step


def test_each_source_frame_is_drawn_with_its_own_or_the_nearest_analysed_row():
    np.testing.assert_array_equal(rows_for_frames(np.arange(4)), [0, 1, 2, 3])          # every frame: its own
    np.testing.assert_array_equal(rows_for_frames(np.array([0, 2, 4])), [0, 0, 1, 1, 2, 2])
    # every 4th frame: the nearest row (the earlier on a tie), and the last analysed row to the video's end
    np.testing.assert_array_equal(rows_for_frames(np.array([0, 4, 8])), [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2])
    # a gap longer than the step (no pose stage row there) stays undrawn
    np.testing.assert_array_equal(rows_for_frames(np.array([0, 1, 2, 6, 7])), [0, 1, 2, -1, -1, -1, 3, 4])
    assert len(rows_for_frames(np.zeros(0, np.int64))) == 0


def test_frames_step_and_only_decode_every_frame_and_convert_those_asked_for(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "ten.mp4"
    write_h264(path, [rng.integers(0, 255, (48, 64, 3), dtype=np.uint8) for _ in range(10)])
    with open_video(path) as video:
        every = list(video)
        stepped = list(video.frames(step=3))
        assert video.frames_decoded == 10
    assert [f.index for f in stepped] == list(range(10))
    assert [f.timestamp_s for f in stepped] == [f.timestamp_s for f in every]
    assert [f.rgb is not None for f in stepped] == [i % 3 == 0 for i in range(10)]
    for frame in stepped[::3]:
        np.testing.assert_array_equal(frame.rgb, every[frame.index].rgb)
    with open_video(path) as video:                # the report's: only the frames it draws on
        chosen = list(video.frames(only={1, 4, 5}, max_side_px=32))
        shrunk = list(video.frames(max_side_px=32))
    assert [f.timestamp_s for f in chosen] == [f.timestamp_s for f in every]
    assert [i for i, f in enumerate(chosen) if f.rgb is not None] == [1, 4, 5]
    for i in (1, 4, 5):
        np.testing.assert_array_equal(chosen[i].rgb, shrunk[i].rgb)


def _every_other_row(analysis, track):
    """``analysis`` and ``track`` as if only the even source frames had been analysed."""
    keep = np.flatnonzero(track.frame_index % 2 == 0)
    kin = analysis.kinematics
    sliced = {f.name: getattr(kin, f.name)[keep] for f in dataclasses.fields(Kinematics)
              if isinstance(getattr(kin, f.name), np.ndarray) and len(getattr(kin, f.name)) == len(kin)}
    analysis = dataclasses.replace(analysis, kinematics=dataclasses.replace(kin, **sliced),
                                   flagged=analysis.flagged[keep], verdicts=())
    return analysis, track[keep]


def test_annotated_video_draws_every_frame_from_the_nearest_analysed_row(tmp_path):
    video = tmp_path / "lift.mp4"
    write_h264(video, [np.full((240, 320, 3), 128, np.uint8)] * len(SOURCE_TIMES_S), fps=10)
    analysis, track = _every_other_row(synthetic_analysis(source_path=str(video)), synthetic_track())
    assert list(track.frame_index) == [0, 2, 4, 6, 8]
    out = write_annotated_video(video, analysis, track, tmp_path / "annotated.mp4")
    frames, _, _ = decode_all(out)
    assert len(frames) == len(SOURCE_TIMES_S)
    # analysed frames 2 and 4 are flagged (red); 0, 6, 8 are not (green). Frame 3 shows row 2 (tie: the earlier),
    # 5 shows 4, 7 shows 6, and 9, after the last analysed frame, shows 8: every frame has the back drawn.
    red = [_is_red(frame[BACK_Y, BACK_X]) for frame in frames]
    green = [_is_green(frame[BACK_Y, BACK_X]) for frame in frames]
    assert red == [False, False, True, True, True, True, False, False, False, False]
    assert green == [not r for r in red]


@pytest.mark.slow
@pytest.mark.model
def test_a_rendered_lift_analysed_at_15_fps_keeps_its_verdicts_and_source_frames(sample_videos, tmp_path):
    video = sample_videos["rounded_back"]                     # 640x480, 30 fps: every 2nd frame analysed
    every_settings = load_settings(overrides={"pose": {"analysis_fps": 0}})
    full_track, source, model, warnings = estimate_video_track(video, every_settings)
    full = analyze_track(full_track, source, model, every_settings, warnings)
    capped = analyze_video(video, tmp_path, load_settings(overrides={"pose": {"analysis_fps": 15}}),
                           write_video=True, report=False)
    with np.load(tmp_path / video.stem / "poses.npz") as data:
        track = PoseTrack.from_npz(data)
    assert [v.verdict for v in capped.verdicts] == [v.verdict for v in full.verdicts] == ["rounded_back"] * 3
    for a, b in zip(capped.verdicts, full.verdicts, strict=True):   # reps found at the same time (within a frame)
        assert abs(a.rep.start_s - b.rep.start_s) <= 0.07 and abs(a.rep.end_s - b.rep.end_s) <= 0.07
    # The track holds the analysed frames with the source's frame numbers and timestamps; the source keeps its own.
    np.testing.assert_array_equal(track.frame_index, np.arange(0, len(full_track), 2))
    np.testing.assert_array_equal(track.timestamps_s, full_track.timestamps_s[track.frame_index])
    assert capped.source.frames == source.frames == len(full_track)
    assert capped.source.duration_s == pytest.approx(source.duration_s)
    assert capped.quality.frames_total == len(track) == len(capped.kinematics)
    # The annotated video has every source frame, and each has a row to draw.
    with av.open(str(tmp_path / video.stem / "annotated.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == source.frames
    assert (rows_for_frames(track.frame_index)[:source.frames] >= 0).all()


def test_by_default_60_fps_is_analysed_at_30_and_30_fps_at_every_frame():
    rate = Settings().pose.analysis_fps
    assert [analysis_step(fps, rate) for fps in (60.0, 59.94, 30.0, 29.97, 25.0)] == [2, 2, 1, 1, 1]
