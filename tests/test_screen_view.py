"""What the flexibility screen tells the person: what it did not see (a lifter who bent out of the picture, or whose
legs were cut off, is told to film again, not given a depth or a bend at the knees read from MediaPipe's guesses), and
where a hinge ends."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from synthetic_tracks import lift_profile, make_track

from liftform.core.kinematics import compute_kinematics
from liftform.core.screen import screen_bend
from liftform.settings import Settings
from liftform.track import LEFT_ANKLE, LEFT_HEEL, LEFT_KNEE, RIGHT_ANKLE, RIGHT_HEEL, RIGHT_KNEE

SETTINGS = Settings()


def _flat_bend(peak_deg: float = 85.0):
    """One slow bend to ``peak_deg`` of lean, the back flat, soft knees; and its trunk lean per frame."""
    t, env = lift_profile(1, 30.0, 1.0)
    return make_track(env * peak_deg, env * 15.0, env * 2.0, t), env * peak_deg


def _not_seen(track, where: np.ndarray):
    """``track`` with no pose in the frames ``where`` (T,) bool, as where the lifter left the picture."""
    return replace(track, image_xy=np.where(where[:, None, None], np.nan, track.image_xy),
                   world_xyz=np.where(where[:, None, None], np.nan, track.world_xyz),
                   visibility=np.where(where[:, None], 0.0, track.visibility),
                   back_profile_px=np.where(where[:, None, None], np.nan, track.back_profile_px))


@pytest.mark.parametrize("lost_past_deg", [30.0, 55.0])
def test_a_bend_out_of_the_picture_is_undecided_not_bend_further_or_flat_to_where_it_was_lost(lost_past_deg):
    """A lifter bending to 85 deg, lost from view past 30 deg of lean (the trunk leaving the frame's side), had been
    told "the trunk never leaned 40°: bend slowly all the way down"; lost past 55 deg, "your back stayed flat down to
    52°, the deepest you went: lunge". Neither was seen: where they were lost is said, and what to film."""
    track, trunk = _flat_bend()
    seen = compute_kinematics(track, SETTINGS.filter, SETTINGS.spine)
    assert screen_bend(seen, SETTINGS, track=track).advice == "hip_hinge"
    lost_track = _not_seen(track, trunk > lost_past_deg)
    lost = compute_kinematics(lost_track, SETTINGS.filter, SETTINGS.spine)
    for result in (screen_bend(lost, SETTINGS), screen_bend(lost, SETTINGS, track=lost_track)):
        assert result.advice == "insufficient_data", result.reason
        assert "you were not seen for" in result.reason and "keep the whole body in view" in result.reason
        assert "never leaned" not in result.reason and "deepest you went" not in result.reason


@pytest.mark.parametrize(("lost_from_deg", "lost_to_deg"), [(45.0, 75.0), (55.0, 80.0)])
def test_a_bend_lost_on_its_way_down_is_undecided(lost_from_deg, lost_to_deg):
    """A back rounding from 50 deg of lean (past the limit at 63 deg: "your back starts to round at 65°"), the lifter
    lost from view on the way down between 55 and 80 deg, was told "you hinge to 80° of trunk lean with a flat back":
    the frames filled in across the short gap are not trusted, so its rounding went unflagged; lost between 45 and 75
    deg, "the start of the bend was not seen (the video begins bent over)". Where it was lost is said."""
    t, env = lift_profile(1, 30.0, 1.0)
    trunk = env * 90.0
    track = make_track(trunk, env * 15.0, np.clip((trunk - 50) / 25, 0, 1) * 40, t)
    result = screen_bend(compute_kinematics(track, SETTINGS.filter, SETTINGS.spine), SETTINGS, track=track)
    assert result.advice == "lunge" and 60 <= result.hinge_depth_deg <= 70, result.reason
    down = np.arange(len(t)) < np.argmax(trunk)
    lost = _not_seen(track, down & (trunk > lost_from_deg) & (trunk < lost_to_deg))
    result = screen_bend(compute_kinematics(lost, SETTINGS.filter, SETTINGS.spine), SETTINGS, track=lost)
    assert result.advice == "insufficient_data" and "you were not seen for" in result.reason, result.reason
    # Lost while still upright, before the back is judged: screened as when seen.
    upright_lost = _not_seen(track, down & (trunk > 10) & (trunk < 30))
    result = screen_bend(compute_kinematics(upright_lost, SETTINGS.filter, SETTINGS.spine), SETTINGS,
                         track=upright_lost)
    assert result.advice == "lunge", result.reason


def test_a_frame_missed_beside_the_deepest_bend_is_no_lost_bend():
    """One frame without a pose at the bottom hides no rounding (it lasts `min_rounded_s`): screened as before."""
    track, trunk = _flat_bend()
    bottom = int(np.argmax(trunk))
    missed = np.zeros(len(trunk), dtype=bool)
    missed[bottom + 1] = True
    missed_track = _not_seen(track, missed)
    result = screen_bend(compute_kinematics(missed_track, SETTINGS.filter, SETTINGS.spine), SETTINGS,
                         track=missed_track)
    assert result.advice == "hip_hinge", result.reason


@pytest.mark.parametrize(("missed", "advice"), [(3, "hip_hinge"), (4, "hip_hinge"), (7, "insufficient_data")])
def test_frames_missed_at_the_deepest_lean_are_measured_whole_and_the_legs_read_where_seen(missed, advice):
    """The pose lost for a few frames at the deepest lean (where MediaPipe loses it most): filled across and
    smoothed, the deepest lean falls inside the gap, in a frame with no landmarks of its own. The legs had been read
    there, out of the picture ("your knees or feet were out of the picture"), for 0.1 s missed; a gap lasting
    `min_rounded_s` or more is said to be one, its whole length."""
    track, _ = _flat_bend()
    seen_trunk = compute_kinematics(track, SETTINGS.filter, SETTINGS.spine).trunk_inclination_deg
    bottom = int(np.argmax(seen_trunk))
    where = np.zeros(len(track), dtype=bool)
    where[bottom - missed // 2:bottom - missed // 2 + missed] = True
    missed_track = _not_seen(track, where)
    kinematics = compute_kinematics(missed_track, SETTINGS.filter, SETTINGS.spine)
    assert where[int(np.nanargmax(kinematics.trunk_inclination_deg))]      # the deepest lean: in the gap
    result = screen_bend(kinematics, SETTINGS, track=missed_track)
    assert result.advice == advice, result.reason
    assert "knees or feet" not in result.reason
    if advice == "insufficient_data":
        assert f"you were not seen for {missed / 30:.1f} s" in result.reason, result.reason


def test_legs_out_of_the_picture_are_said_not_read_as_a_bend_at_the_knees(monkeypatch):
    """A flat hinge filmed with the feet and knees below the frame's edge (a camera too close) was told "the hips went
    down with the knees bent (knees 83°): a sit-to-stand, or a lift from the floor": the knees' angles were
    MediaPipe's guess out of the picture. `screen_video` reads where the legs were and the screen says so."""
    import liftform.screening as screening
    from liftform.analysis import ModelInfo, SourceInfo

    track, _ = _flat_bend()
    width, height = track.frame_size_wh
    legs = [LEFT_KNEE, RIGHT_KNEE, LEFT_ANKLE, RIGHT_ANKLE, LEFT_HEEL, RIGHT_HEEL]
    image_xy = track.image_xy.copy()
    image_xy[:, legs, 1] += height        # below the picture, where MediaPipe guesses them
    source = SourceInfo("bend.mp4", "", 30.0, len(track), width, height, len(track) / 30.0)
    for shown, advice in ((track, "hip_hinge"), (replace(track, image_xy=image_xy), "insufficient_data")):
        monkeypatch.setattr(screening, "estimate_video_track",
                            lambda *args, shown=shown, **kwargs: (shown, source, ModelInfo("none", ""), []))
        result = screening.screen_video("bend.mp4")
        assert result.advice == advice, result.reason
    assert "knees or feet were out of the picture" in result.reason and "feet included" in result.reason
    assert "sit-to-stand" not in result.reason


def test_a_hinge_that_rounds_past_its_depth_says_so_and_what_to_do_lower():
    """A bend flat to 75 deg of lean that rounds past it was told "HIP HINGE - you hinge to 75° of trunk lean with a
    flat back: lift from low with a hip hinge", with no word that the back rounded lower (its lifts analysed with
    the profile were then told "you cannot yet reach this low with a flat back"). It says where the hinge ends and
    what to do for loads lower still; a back flat all the way down is told as before."""
    t, env = lift_profile(1, 30.0, 1.0)
    trunk = env * 90.0
    rounds = compute_kinematics(make_track(trunk, env * 15.0, np.clip((trunk - 60) / 30, 0, 1) * 42, t),
                                SETTINGS.filter, SETTINGS.spine)
    result = screen_bend(rounds, SETTINGS)
    assert result.advice == "hip_hinge" and result.rounded, result.reason
    assert f"{result.hinge_depth_deg:.0f}° of trunk lean with a flat back, then your back starts to round" \
        in result.reason
    assert "hinge no lower than that" in result.reason and "lunge" in result.reason
    flat = screen_bend(compute_kinematics(_flat_bend(90.0)[0], SETTINGS.filter, SETTINGS.spine), SETTINGS)
    assert flat.advice == "hip_hinge" and "round" not in flat.reason and "lunge" not in flat.reason


def test_an_undecided_screen_asked_for_a_profile_says_why_once(tmp_path, monkeypatch):
    """`screen squat.mp4 --save-profile me.toml` printed the reason ("that was a squat (knees bent 85°, trunk leaned
    43°), not a bend at the hips: for the screen, keep the knees soft ...") and then an error repeating it whole. The
    error says no profile was written, in one short line, and exits 1; no file is left."""
    from rich.console import Console
    from typer.testing import CliRunner

    import liftform.cli.common
    import liftform.cli.single
    import liftform.screening
    from liftform.cli import app
    from liftform.core.screen import ScreenResult

    reason = "that was a squat (knees bent 85°, trunk leaned 43°), not a bend at the hips"
    nan = float("nan")
    monkeypatch.setattr(liftform.screening, "screen_video", lambda *args, **kwargs: ScreenResult(
        nan, nan, nan, 43.0, "insufficient_data", reason, 0.0))
    console = Console(width=300, highlight=False)
    monkeypatch.setattr(liftform.cli.single, "out", console)
    monkeypatch.setattr(liftform.cli.common, "err", console)
    video, profile = tmp_path / "squat.mp4", tmp_path / "me.toml"
    video.write_bytes(b"not decoded here")
    with console.capture() as captured:
        result = CliRunner().invoke(app, ["screen", str(video), "--save-profile", str(profile)])
    printed = captured.get()
    assert result.exit_code == 1 and printed.count(reason) == 1, printed
    error = printed[printed.index("error:"):]
    assert len(error.strip().splitlines()) == 1 and "no profile written" in error, printed
    assert not profile.exists()


def test_a_profile_without_a_zero_passed_to_the_screen_is_said_to_give_none(tmp_path, monkeypatch):
    """`screen bend.mp4 --profile me.toml` with a profile from an unchecked screen (a hinge depth, no zero) said
    nothing of it: the screen was judged from most people's zero as if the profile's were used. It says so."""
    from rich.console import Console
    from typer.testing import CliRunner

    import liftform.cli.single
    import liftform.screening
    from liftform.cli import app
    from liftform.core.screen import ScreenResult

    monkeypatch.setattr(liftform.screening, "screen_video", lambda *args, **kwargs: ScreenResult(
        85.0, 100.0, 2.0, 85.0, "hip_hinge", "you hinge to 85°", 0.9))
    console = Console(width=300, highlight=False)
    monkeypatch.setattr(liftform.cli.single, "out", console)
    video, profile = tmp_path / "bend.mp4", tmp_path / "me.toml"
    video.write_bytes(b"not decoded here")
    profile.write_text("[advice]\nscreen_hinge_depth_deg = 60.0\n")
    with console.capture() as captured:
        result = CliRunner().invoke(app, ["screen", str(video), "--profile", str(profile)])
    assert result.exit_code == 0, result.output
    assert "me.toml holds no zero of your own" in captured.get() and "judged from 6°" in captured.get()


def test_a_screen_filmed_from_above_is_undecided_not_a_flat_hinge():
    """A rendered stoop rounding from 40 deg of lean, filmed from 35 deg above, read flat (from above the outline is
    the far side of the back) and was told "HIP HINGE - you hinge to 92° with a flat back: lift from low with a hip
    hinge", where `analyze` judges none of its reps. The far shoulder risen as from there makes the screen undecided;
    from a level camera the same bend is screened as before."""
    from liftform.core.camera_pitch import RISE_DOUBT, RISE_FROM_ABOVE

    kinematics = compute_kinematics(_flat_bend(90.0)[0], SETTINGS.filter, SETTINGS.spine)
    bent = kinematics.trunk_inclination_deg >= 60.0
    # A little above is enough (a rendered stoop rounding at 62 deg, filmed from 25 deg above, was "HIP HINGE ...
    # 93 deg with a flat back", a profile then telling its rounded lifts "too heavy"): the screen's depth lasts.
    for rise, advice in ((0.02, "hip_hinge"), (RISE_DOUBT + 0.02, "insufficient_data"),
                         (RISE_FROM_ABOVE + 0.07, "insufficient_data")):
        seen = replace(kinematics, far_shoulder_rise=np.where(bent, rise, np.nan))
        result = screen_bend(seen, SETTINGS)
        assert result.advice == advice, result.reason
    assert "from above" in result.reason and "camera level, at hip height" in result.reason
