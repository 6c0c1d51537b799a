"""Cuts between shots (`liftform.shots`): pictures made to be a cut or not by construction."""

from __future__ import annotations

import cv2
import numpy as np

from liftform.shots import CUT_CHANGE, mark_cuts, picture_change, shot_numbers, thumbnail
from liftform.video import VideoFrame

H, W = 180, 320


def scene(seed: int) -> np.ndarray:
    """A place filmed: smooth shapes of any colour and fine grain (random, one per seed: another shot)."""
    rng = np.random.default_rng(seed)
    coarse = cv2.resize(rng.integers(0, 256, (4, 7, 3)).astype(np.float32), (W, H), interpolation=cv2.INTER_CUBIC)
    return np.clip(coarse + rng.integers(-20, 20, (H, W, 3)), 0, 255).astype(np.uint8)


def frames_of(pictures: list[np.ndarray], step: int = 1) -> list[VideoFrame]:
    """Frames at 30 fps; with ``step`` only every step-th carries its picture (the others are not analysed)."""
    return [VideoFrame(k, k / 30, p if k % step == 0 else None) for k, p in enumerate(pictures)]


def starts(frames: list[VideoFrame]) -> list[int]:
    return [f.index for f in frames if f.shot_start]


def test_a_cut_marks_the_first_frame_of_the_new_shot_and_passes_every_frame_in_order():
    pictures = [scene(1)] * 10 + [scene(2)] * 10 + [scene(3)] * 5
    for step, first_analysed in ((1, [10, 20]), (3, [12, 21])):    # with step 3, frames 12 and 21 are the first seen
        out = list(mark_cuts(frames_of(pictures, step)))
        assert [f.index for f in out] == list(range(25))
        assert starts(out) == first_analysed


def test_a_moving_camera_a_flash_and_a_fade_are_no_cut():
    base = scene(4)
    # A handheld camera: the view moves up to 8 px (2.5 % of the width) a frame, 18 px in all.
    path = [(0, 0), (3, -5), (-1, 2), (4, 8), (0, 4), (-5, 2), (2, -6), (0, -10)] * 3
    shaken = [base[12 + dy:H - 12 + dy, 14 + dx:W - 14 + dx] for dy, dx in path]
    flash = [base] * 5 + [np.full_like(base, 250)] + [base] * 5        # one white frame (a camera flash)
    fade = [(base * (k / 20)).astype(np.uint8) for k in range(21)]      # in from black over 0.7 s
    for pictures in (shaken, flash, fade):
        assert starts(list(mark_cuts(frames_of(pictures)))) == []
    assert picture_change(thumbnail(shaken[0]), thumbnail(shaken[1])) < CUT_CHANGE


def test_a_camera_panning_across_a_busy_gym_is_no_cut_though_every_frame_differs_as_much_as_at_one():
    """Racks and plates fine enough that a pan of 10 px a frame (3 % of the width) changes the picture as much as a
    cut (compared in place); compared at the shift that matches it best, the picture is the same one moved."""
    rng = np.random.default_rng(7)
    gym = cv2.resize(rng.integers(0, 256, (9, 16, 3)).astype(np.float32), (W + 100, H), interpolation=cv2.INTER_CUBIC)
    gym = np.clip(gym, 0, 255).astype(np.uint8)
    panned = [gym[:, 10 * k:10 * k + W] for k in range(10)]
    first, second = thumbnail(panned[0]), thumbnail(panned[1])
    assert float(np.abs(first - second).mean()) >= CUT_CHANGE > picture_change(first, second)
    assert starts(list(mark_cuts(frames_of(panned)))) == []


def test_a_narrow_picture_between_black_bars_is_compared_inside_them():
    """A vertical phone clip inside a wide frame: a cut changes a third of the frame, diluted under the threshold
    by the bars if the whole frame were compared."""
    def framed(picture: np.ndarray) -> np.ndarray:
        frame = np.zeros((H, 3 * W // 2 * 2, 3), np.uint8)
        frame[:, W:W + W // 3] = picture[:, :W // 3]
        return frame

    a, b = framed(scene(5)), framed(scene(6))
    box = (W, 0, W + W // 3, H)
    whole, inside = picture_change(thumbnail(a), thumbnail(b)), picture_change(thumbnail(a, box), thumbnail(b, box))
    assert whole < CUT_CHANGE <= inside
    assert starts(list(mark_cuts(frames_of([a] * 5 + [b] * 5), box))) == [5]


def test_each_time_gets_its_shot_a_cut_frame_the_new_one():
    t = np.arange(6) / 10.0                               # frames at 0.0 .. 0.5 s
    assert shot_numbers(t, [0.2, 0.4]).tolist() == [0, 0, 1, 1, 2, 2]
    assert shot_numbers(t, [0.4005]).tolist() == [0, 0, 0, 0, 1, 1]   # a time read back to the millisecond
    assert shot_numbers(t, []).tolist() == [0] * 6


def test_a_black_gap_in_one_shot_is_no_cut_but_a_cut_through_black_is():
    """A stretch of black (a lens covered, a gap in the recording) shows nobody: the picture after it is compared with
    the one before it. Taken for two cuts, the same lifter before and after was judged as two lifters, and the reps
    in the gap were lost without a word (the lifter was not missing from either shot)."""
    black = np.zeros_like(scene(7))
    same = [scene(7)] * 10 + [black] * 30 + [scene(7)] * 10
    assert starts(list(mark_cuts(frames_of(same)))) == []
    assert starts(list(mark_cuts(frames_of(same, step=3)))) == []
    other = [scene(7)] * 10 + [black] * 30 + [scene(8)] * 10
    assert starts(list(mark_cuts(frames_of(other)))) == [40]
    grey = np.full_like(black, 128)                       # a blank picture of any level
    assert starts(list(mark_cuts(frames_of([scene(7)] * 10 + [grey] * 30 + [scene(7)] * 10)))) == []
