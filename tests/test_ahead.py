"""Frames run ahead on the spare cores (`liftform.ahead`) give the landmarks of the one-at-a-time tracker: the rule
that says when the detector's region is the tracker's, the read-ahead window, and the real model on a rendered
lift with the lifter's head hidden for half a second (the detector misses it; the tracker must take over)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from liftform import ahead, landmarkers, people
from liftform.ahead import regions, same_region
from liftform.settings import Settings
from liftform.track import N_LANDMARKS
from liftform.video import VideoFrame, open_video


def _result(*centres_px, size_px=100.0, model_hw=(400, 400)):
    """A stand-in MediaPipe result: one person per centre, landmarks spread over a square of ``size_px``."""
    rng = np.random.default_rng(0)
    poses = []
    for cx, cy in centres_px:
        xy = np.column_stack([cx, cy]) + rng.uniform(-size_px / 2, size_px / 2, (N_LANDMARKS, 2))
        norm = xy / [model_hw[1], model_hw[0]]
        poses.append([SimpleNamespace(x=x, y=y) for x, y in norm])
    return SimpleNamespace(pose_landmarks=poses)


def test_a_region_is_a_square_in_pixels_around_the_hips_in_normalised_coordinates():
    (box,) = regions(_result((200, 100), model_hw=(400, 800)), (400, 800))
    x0, y0, x1, y1 = box
    assert (x1 - x0) * 800 == pytest.approx((y1 - y0) * 400)      # square in pixels on a 2:1 image
    assert 0.15 < (x0 + x1) / 2 < 0.35 and 0.1 < (y0 + y1) / 2 < 0.4


def test_the_detector_s_region_is_taken_only_where_the_tracker_would_take_it():
    here = regions(_result((200, 200)), (400, 400))
    moved_a_little = regions(_result((210, 205)), (400, 400))
    elsewhere = regions(_result((360, 60)), (400, 400))
    two = regions(_result((100, 200), (300, 200)), (400, 400))
    assert same_region([], here) and same_region([], [])           # nobody before: the detector's regions
    assert same_region(here, moved_a_little)
    assert not same_region(here, elsewhere)                         # the tracker keeps its own region beside it
    assert not same_region(here, [])                                # the detector missed: the tracker follows
    assert not same_region(two, here) and not same_region(here, two)


def _frames(n: int, analysed_every: int = 1) -> list[VideoFrame]:
    return [VideoFrame(i, i / 30, np.zeros((2, 2, 3), np.uint8) if i % analysed_every == 0 else None)
            for i in range(n)]


@pytest.mark.parametrize("depth, every", [(0, 1), (2, 1), (3, 2), (4, 3)])
def test_every_frame_comes_once_in_order_with_the_analysed_frames_after_it(depth, every):
    frames = _frames(17, every)
    out = list(people.with_upcoming(iter(frames), depth))
    assert [f.index for f, _ in out] == list(range(17))
    for frame, upcoming in out:
        expected = [f.index for f in frames[frame.index + 1:] if f.rgb is not None][:depth]
        assert [f.index for f in upcoming] == expected


def _hidden_head(video, first: int, last: int, frames: int = 150) -> list[VideoFrame]:
    with open_video(video) as source:
        decoded = [f for _, f in zip(range(frames), source, strict=False)]
    out = []
    for f in decoded:
        rgb = f.rgb.copy()
        if first <= f.index < last:
            rgb[: int(rgb.shape[0] * 0.3)] = 0      # the head and shoulders out of sight
        out.append(VideoFrame(f.index, f.timestamp_s, rgb))
    return out


@pytest.mark.slow
@pytest.mark.model
def test_frames_run_ahead_give_the_one_at_a_time_landmarks_where_the_tracker_takes_over(sample_videos, monkeypatch):
    from liftform.models import resolve_model

    frames = _hidden_head(sample_videos["rounded_back"], 60, 75)
    model, settings = resolve_model("full").path, Settings().pose
    followed = []
    real_follow = ahead.AheadRunner._follow
    monkeypatch.setattr(ahead.AheadRunner, "_follow", lambda self, *a: followed.append(1) or real_follow(self, *a))
    runs = {workers: people.follow_people(frames, model, settings, (0, 0, 640, 480), ahead_workers=workers)
            for workers in (0, 1, 2)}                   # 0: the VIDEO-mode tracker alone, one frame at a time
    assert 0 < len(followed) < 60     # the tracker took the frames the detector missed, IMAGE mode the others
    rows = {workers: run.people[0].rows for workers, run in runs.items() if len(run.people) == 1}
    assert sorted(rows) == [0, 1, 2] and all(k in rows[0] for k in range(60, 75))
    for workers in (1, 2):
        assert sorted(rows[workers]) == sorted(rows[0])
        for k, row in rows[0].items():
            assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(row, rows[workers][k], strict=True)), k
    # Run again in this process, the tracker is the one kept from before (emptied by a blank frame, its clock
    # going on), not a new one: the same landmarks.
    made, followed_before = [], len(followed)
    real_create = landmarkers.create_landmarker
    monkeypatch.setattr(landmarkers, "create_landmarker",
                        lambda *a, **k: made.append(k["video"]) or real_create(*a, **k))
    again = people.follow_people(frames, model, settings, (0, 0, 640, 480), ahead_workers=2).people[0].rows
    assert len(followed) > followed_before and True not in made and sorted(again) == sorted(rows[0])
    for k, row in rows[0].items():
        assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(row, again[k], strict=True)), k


def test_a_model_that_cannot_load_fails_in_one_line_and_leaves_no_worker_running(tmp_path):
    # The read-ahead workers start loading their models before the people finder loads its own: when that fails,
    # the workers must not outlive the error.
    import threading
    import zipfile

    from liftform.errors import ModelError
    from liftform.settings import PoseSettings

    bundle = tmp_path / "broken.task"
    with zipfile.ZipFile(bundle, "w") as zf:
        zf.writestr("pose_detector.tflite", b"not a model")
        zf.writestr("pose_landmarks_detector.tflite", b"not a model")
    with pytest.raises(ModelError, match="cannot load pose model") as info:
        people._Followers(bundle, PoseSettings(), (0, 0, 64, 64), ahead_workers=2)
    assert "\n" not in str(info.value)
    assert not [t for t in threading.enumerate() if t.name.startswith("liftform-ahead") and t.is_alive()]
