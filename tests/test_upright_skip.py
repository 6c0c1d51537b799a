"""Upright, still frames left to their neighbours (`[pose] upright_lean_deg`): which frames the model skips
(`liftform.upright.UprightSkipper`), how they are filled and marked (PoseTrack.pose_filled, frames.csv), and the real
model on a rendered lift: fewer runs, the frames it runs unchanged."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from liftform import track as lm
from liftform.follow import PersonRows
from liftform.track import PoseTrack
from liftform.upright import (
    UPRIGHT_LAG,
    UprightSkipper,
    fill_skipped,
    frames_to_run_ahead,
    upright_and_still,
    upright_run_every,
)

FPS = 30.0


def pose(lean_deg: float, shift_px: float = 0.0, hip_deg: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """image_xy (33, 2) px and world_xyz (33, 3) m (y down) of a trunk leaning ``lean_deg`` forward with the hips
    flexed ``hip_deg`` (default: the thighs vertical), moved ``shift_px`` to the right; trunk 200 px / 0.5 m long."""
    xy, world = np.full((33, 2), 500.0), np.zeros((33, 3))
    lean = np.radians(lean_deg)
    thigh = np.radians((lean_deg if hip_deg is None else hip_deg) - lean_deg)   # forward from straight down
    for side, dx in ((0, -5.0), (1, 5.0)):
        world[[lm.LEFT_KNEE, lm.RIGHT_KNEE][side]] = (dx / 100 + 0.45 * np.sin(thigh), 0.45 * np.cos(thigh), 0)
        xy[[lm.LEFT_HIP, lm.RIGHT_HIP][side]] = (500 + dx + shift_px, 600)
        xy[[lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER][side]] = (500 + dx + shift_px + 200 * np.sin(lean),
                                                          600 - 200 * np.cos(lean))
        world[[lm.LEFT_HIP, lm.RIGHT_HIP][side]] = (dx / 100, 0, 0)
        world[[lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER][side]] = (dx / 100 + 0.5 * np.sin(lean), -0.5 * np.cos(lean), 0)
    return xy, world


def test_upright_and_still_needs_both_a_near_vertical_trunk_and_little_motion():
    t0, t1 = 0.0, 1 / FPS
    standing = (t1, *pose(5.0))
    assert upright_and_still(standing, (t0, *pose(5.0, shift_px=1.0)), 20.0, 1.0)       # 0.15 trunk lengths/s
    assert not upright_and_still((t1, *pose(30.0)), (t0, *pose(30.0)), 20.0, 1.0)       # leaning
    squat = pose(10.0, hip_deg=85.0)                   # an upright trunk at the bottom of a squat: judged there
    assert upright_and_still((t1, *pose(10.0, hip_deg=30.0)), (t0, *pose(10.0, hip_deg=30.0)), 20.0, 1.0)
    assert not upright_and_still((t1, *squat), (t0, *squat), 20.0, 1.0)
    assert not upright_and_still(standing, (t0, *pose(5.0, shift_px=10.0)), 20.0, 1.0)  # 1.5 trunk lengths/s
    nan_pose = (t1, np.full((33, 2), np.nan), np.full((33, 3), np.nan))
    assert not upright_and_still(nan_pose, standing, 20.0, 1.0)


def test_the_upright_rate_is_a_time_between_frames_run_not_a_count_of_frames():
    # 0.2 s: every 6th frame at 30 frames/s, every 3rd at 15 (a 15 fps clip at every 6th had 0.4 s gaps, and its
    # reps started late), every 5th at 25; never fewer than every frame; off at 0 s or an unknown rate.
    assert [upright_run_every(0.2, fps) for fps in (30.0, 29.97, 25.0, 15.0, 10.0, 4.0, 1.0)] == [6, 6, 5, 3, 2, 1, 1]
    assert upright_run_every(0.0, 30.0) == upright_run_every(0.2, float("nan")) == upright_run_every(0.2, 0.0) == 1


def _decisions(leans: list[float | None], depth: int, lean_limit: float = 20.0, every: int = 2,
               gated: bool = True, run_ahead: list[int] | None = None) -> list[bool]:
    """Run a skipper (the model on every ``every``-th frame while upright and still) over frames whose trunk leans
    ``leans`` (None: person not found), asking up to ``depth`` frames ahead of the one taken as the pose stage does:
    only as far as their skips are known from the frames taken (``gated``). ``run_ahead`` collects each frame
    known to be run while an earlier frame is still to be taken (the frames run ahead)."""
    skipper, decisions = UprightSkipper(lean_limit, 1.0, every), []
    for k in range(len(leans)):
        for j in range(depth + 1):
            if gated and not skipper.decidable(k + j, k):
                break
            if not skipper.skips(k + j) and j > 0 and run_ahead is not None and k + j not in run_ahead:
                run_ahead.append(k + j)
        decisions.append(skipper.skips(k))
        if not decisions[-1]:
            found = leans[k] is not None
            skipper.taken(k, k / FPS, *(pose(leans[k]) if found else (None, None)))
    return decisions


def test_an_upright_still_person_is_run_every_second_frame_the_same_however_far_ahead_frames_are_asked():
    leans = [5.0] * 20 + [35.0] * 10 + [5.0] * 10
    plain = _decisions(leans, depth=0)
    assert plain == _decisions(leans, depth=2)            # the read-ahead window does not change which frames
    skipped = np.flatnonzero(plain)
    assert skipped[0] == UPRIGHT_LAG + 1                  # two frames seen before the first decision
    assert not np.any(np.diff(skipped) == 1)              # never two frames in a row
    assert len(skipped) >= 7 and all(k < 20 + UPRIGHT_LAG or k >= 30 + UPRIGHT_LAG for k in skipped)
    assert not any(_decisions(leans, depth=0, lean_limit=0.0))          # 0 turns it off
    assert not any(_decisions([35.0] * 20, depth=0))                   # leaning: every frame run


@pytest.mark.parametrize("every", [3, 4])
def test_an_upright_still_person_is_run_every_nth_frame_the_same_however_far_ahead_frames_are_asked(every):
    leans = [5.0] * 30 + [35.0] * 10 + [5.0] * 20
    plain = _decisions(leans, depth=0, every=every)
    assert plain == _decisions(leans, depth=2, every=every)
    run = np.flatnonzero(~np.array(plain))
    assert np.max(np.diff(run)) == every                  # at most every - 1 frames in a row left out, and as many
    skipped = np.flatnonzero(plain)
    # A lean is first seen on the first frame run after it starts (at most every - 1 frames late), and decides the
    # frames UPRIGHT_LAG after that one: from then on, and while leaning, every frame is run.
    assert all(k < 30 + UPRIGHT_LAG + every - 1 or k >= 40 + UPRIGHT_LAG for k in skipped)
    assert not any(plain[30 + UPRIGHT_LAG + every - 1:40 + UPRIGHT_LAG])
    assert len(skipped) >= (every - 1) * (len(leans) - 10 - 4 * UPRIGHT_LAG) // every
    assert not any(_decisions(leans, depth=0, every=1))   # every frame run


def test_frames_are_asked_as_far_ahead_as_their_skips_are_known_and_so_run_beside_the_frame_taken():
    every = 3
    leans = [5.0] * 30 + [35.0] * 10 + [5.0] * 20
    plain = _decisions(leans, depth=0, every=every)
    run_ahead: list[int] = []
    assert _decisions(leans, depth=2 * every, every=every, run_ahead=run_ahead) == plain
    # Asked that far without knowing, a frame is decided before the frames its decision reads are taken.
    assert _decisions(leans, depth=2 * every, every=every, gated=False) != plain
    # While the person stands still, the next frame run (the every-th) is known at once: it runs ahead beside the
    # frame taken; leaning, every frame is run and only the frames decided from frames taken run ahead.
    run = np.flatnonzero(~np.array(plain))
    still_run = [k for k in run if 20 <= k < 30 or 50 <= k]
    assert still_run and all(k in run_ahead for k in still_run)
    assert all(k - j in run_ahead for k in range(35, 40) for j in (1, 2))   # two frames ahead, as before


def _handed_over(leans: list[float], every: int, ahead: int) -> tuple[list[bool], dict[int, int], set[int]]:
    """The pose stage's hand-over on its own: at each frame, `frames_to_run_ahead` over the frame and the 2 x every
    read ahead, then the frame taken. Returns the decisions, for each frame run how many frames handed over were
    not taken yet when it was taken (it and those running beside it), and the frames handed over never run."""
    skipper, decisions, in_flight = UprightSkipper(20.0, 1.0, every), [], {}
    pending: set[int] = set()
    handed: set[int] = set()
    for k in range(len(leans)):
        now = frames_to_run_ahead(skipper, k, min(2 * every + 1, len(leans) - k), ahead)
        pending |= set(now)
        handed |= set(now)
        decisions.append(skipper.skips(k))
        if not decisions[-1]:
            assert k in pending                               # every frame run was handed over by its turn
            in_flight[k] = len(pending)
            skipper.taken(k, k / FPS, *pose(leans[k]))
        pending = {j for j in pending if j > k}               # left out before being taken: dropped
    return decisions, in_flight, handed - {k for k, skip in enumerate(decisions) if not skip}


def test_while_the_person_stands_still_the_frame_run_next_runs_beside_the_one_taken_and_nothing_changes():
    every = 6
    leans = [5.0] * 40 + [35.0] * 20 + [5.0] * 40 + [35.0] * 10
    plain = _decisions(leans, depth=0, every=every)
    decisions, in_flight, never_run = _handed_over(leans, every, ahead=2)
    assert decisions == plain                                 # the same frames run and left out
    still_run = [k for k, skip in enumerate(plain) if not skip and (12 <= k < 40 or 72 <= k < 100)]
    assert len(still_run) >= 8 and all(in_flight[k] >= 2 for k in still_run)   # two at once, not one by one
    # Handed over and then left out: only where the person stops (a frame run next had they stayed still).
    assert len(never_run) <= 2 and all(60 <= k < 72 for k in never_run)
    one_worker, in_flight_one, never_run_one = _handed_over(leans, every, ahead=0)
    assert one_worker == plain and not never_run_one and max(in_flight_one.values()) == 1


def test_frames_decided_from_a_frame_where_the_person_was_lost_are_run():
    lost = 11                                   # a frame that is run (frames 4, 6, 8, 10 are skipped)
    leans = [5.0] * lost + [None] + [5.0] * 10
    decisions = _decisions(leans, depth=2)
    assert decisions[lost - 1] and not decisions[lost]
    # Frames k whose decision looks at the lost frame (k - UPRIGHT_LAG, or the frame before that) are run; the
    # frames before them were decided earlier, from frames where the person was seen.
    assert not any(decisions[lost + UPRIGHT_LAG:lost + UPRIGHT_LAG + 2])
    assert any(decisions[lost + UPRIGHT_LAG + 2:])


def _row(value: float) -> tuple[np.ndarray, ...]:
    return np.full((33, 2), value), np.full((33, 3), value), np.full(33, value), np.full((21, 2), value)


def test_a_skipped_frame_gets_its_neighbours_pose_interpolated_in_time():
    person = PersonRows({0: _row(0.0), 2: _row(3.0), 4: _row(6.0)}, filled={1, 3, 5, 7})   # nobody at 6
    timestamps = [0.0, 0.1, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9]
    fill_skipped(person, timestamps)
    assert np.allclose(person.rows[1][0], 1.0)                  # a third of the way from 0.0 s to 0.3 s
    assert np.allclose(person.rows[3][3], 4.0)                  # half-way
    assert 5 not in person.rows                                  # its neighbour is missing: it stays missing
    assert 7 not in person.rows                                  # the last frame, nobody before it


def test_frames_skipped_in_a_row_are_interpolated_between_the_frames_run_either_side():
    person = PersonRows({0: _row(0.0), 3: _row(3.0), 6: _row(9.0)}, filled={1, 2, 4, 5, 7, 8})
    timestamps = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
    fill_skipped(person, timestamps)
    assert [float(person.rows[k][0][0, 0]) for k in range(9)] == pytest.approx([0, 1, 2, 3, 5, 7, 9, 9, 9])


def test_the_last_frame_skipped_takes_the_pose_before_it():
    person = PersonRows({0: _row(2.0)}, filled={1})
    fill_skipped(person, [0.0, 0.033])
    assert np.allclose(person.rows[1][1], 2.0)


def _track(n: int, filled: np.ndarray | None) -> PoseTrack:
    t = np.arange(n) / FPS
    return PoseTrack(np.zeros((n, 33, 2)), np.zeros((n, 33, 3)), np.ones((n, 33)), t, np.arange(n), (640, 480),
                     None, filled)


def test_pose_filled_is_kept_in_poses_npz_and_checked():
    from liftform.errors import InputError

    filled = np.arange(6) % 2 == 1
    back = PoseTrack.from_npz(_track(6, filled).to_npz_dict())
    assert np.array_equal(back.pose_filled, filled) and np.array_equal(back[1:4].pose_filled, filled[1:4])
    assert PoseTrack.from_npz(_track(6, None).to_npz_dict()).pose_filled is None
    with pytest.raises(InputError, match="pose_filled"):
        _track(6, filled[:5])


def test_frames_csv_marks_the_filled_frames_and_reads_them_back(tmp_path):
    from synthetic_tracks import lift_track

    from liftform import read_analysis
    from liftform.analysis import ModelInfo, SourceInfo
    from liftform.pipeline import analyze_track, save_result
    from liftform.settings import Settings

    base, _ = lift_track("rounded_back", n_reps=1)
    filled = np.zeros(len(base), dtype=bool)
    filled[[3, 5, 7]] = True
    track = PoseTrack(base.image_xy, base.world_xyz, base.visibility, base.timestamps_s, base.frame_index,
                      base.frame_size_wh, base.back_profile_px, filled)
    source = SourceInfo("clip.mp4", "0" * 64, FPS, len(track), 640, 480, len(track) / FPS)
    analysis = analyze_track(track, source, ModelInfo("full", "0" * 64), Settings())
    out = tmp_path / "clip"
    save_result(analysis, track, out, write_video=False, report=False)
    with open(out / "frames.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["frame"]) for r in rows if r["pose_filled"] == "1"] == [3, 5, 7]
    assert np.array_equal(read_analysis(out).pose_filled, filled)
    assert np.array_equal(np.load(out / "poses.npz")["pose_filled"], filled)


@pytest.mark.slow
@pytest.mark.model
def test_the_model_skips_upright_still_frames_and_runs_the_others_as_before(sample_videos, monkeypatch):
    from dataclasses import replace

    from liftform import ahead, people
    from liftform.core.geometry import inclination_from_vertical_deg
    from liftform.core.kinematics import WORLD_UP
    from liftform.models import resolve_model
    from liftform.settings import Settings
    from liftform.video import open_video

    with open_video(sample_videos["rounded_back"]) as source:      # stands, bends over, stands again
        frames = [f for _, f in zip(range(120), source, strict=False)]
    bounds = (0, 0, frames[0].rgb.shape[1], frames[0].rgb.shape[0])
    model, runs = resolve_model("full").path, []
    real_run = ahead.AheadPool._run
    monkeypatch.setattr(ahead.AheadPool, "_run", lambda self, *a: runs.append(1) or real_run(self, *a))

    def follow(lean_deg: float, workers: int) -> tuple[PersonRows, int]:
        runs.clear()
        settings = replace(Settings().pose, upright_lean_deg=lean_deg)
        (person,) = people.follow_people(frames, model, settings, bounds, ahead_workers=workers).people
        return person, len(runs)

    every, every_runs = follow(0.0, 2)
    upright, upright_runs = follow(20.0, 2)
    filled = sorted(upright.filled)
    run_every = upright_run_every(Settings().pose.upright_run_every_s, 30.0)   # the sample is 30 frames/s
    assert run_every > 2 and not every.filled and len(filled) >= 30
    assert np.max(np.diff(sorted(set(range(120)) - upright.filled))) <= run_every   # one frame in run_every run
    assert upright_runs <= every_runs - len(filled)               # each skipped frame is a model run saved
    world = np.array([every.rows[k][1] for k in filled])
    shoulders, hips = (world[:, [a, b]].mean(axis=1) for a, b in ((lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER),
                                                                  (lm.LEFT_HIP, lm.RIGHT_HIP)))
    trunk = shoulders - hips
    assert np.all(np.abs(inclination_from_vertical_deg(trunk, 1.0, WORLD_UP)) < 40)   # never where the spine counts
    for k, row in every.rows.items():
        if k in upright.filled:       # between the frames run either side (30 fps), near what the model gives
            before = max(j for j in upright.rows if j < k and j not in upright.filled)
            after = min(j for j in upright.rows if j > k and j not in upright.filled)
            w = (k - before) / (after - before)
            assert all(np.allclose(a, b + w * (c - b), equal_nan=True)
                       for a, b, c in zip(upright.rows[k], upright.rows[before], upright.rows[after], strict=True))
            assert np.nanmax(np.abs(upright.rows[k][0] - row[0])) < 0.05 * bounds[3]
        else:                         # the frames run are the every-frame run's, bit for bit
            assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(row, upright.rows[k], strict=True)), k
    one_worker, _ = follow(20.0, 1)   # no frame run ahead: the same frames skipped, the same poses
    assert one_worker.filled == upright.filled
    assert all(np.array_equal(a, b, equal_nan=True)
               for k in every.rows for a, b in zip(one_worker.rows[k], upright.rows[k], strict=True))


def test_a_pose_whose_shoulders_lie_on_its_hips_in_the_picture_is_not_taken_for_still():
    """Upright in the world but no trunk in the picture (a camera straight above, a collapsed pose): its motion
    cannot be measured against its trunk's length, so it is run (not a division by zero)."""
    xy, world = pose(5.0)
    xy[[lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER]] = xy[[lm.LEFT_HIP, lm.RIGHT_HIP]]
    assert not upright_and_still((1 / FPS, xy, world), (0.0, xy, world), 20.0, 1.0)


def test_with_skipping_off_the_workers_are_handed_as_many_frames_ahead_as_they_take():
    """`[pose] upright_lean_deg` 0: no frame is left out, so every frame is known to run at once and the workers
    get the frame taken and ``ahead`` more, however many frames an upright person's rhythm would have held."""
    skipper = UprightSkipper(0.0, 1.0, upright_run_every(0.2, FPS))
    assert frames_to_run_ahead(skipper, 0, 13, 4) == [0, 1, 2, 3, 4]
    assert not any(skipper.skips(k) for k in range(13))
    assert frames_to_run_ahead(skipper, 5, 8, 4) == [5, 6, 7, 8, 9]
