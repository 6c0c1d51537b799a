"""Sitting down on a chair between lifts is no lift (`core.balance`, `reps.seat_at`): the body's weight is behind
the feet there, as no free-standing lift puts it."""

from __future__ import annotations

import dataclasses

import numpy as np
from synthetic_tracks import lost_between, make_track

from liftform.core.balance import SEATED_BEHIND_FEET, seated
from liftform.core.run import run_core
from liftform.settings import Settings

SETTINGS = Settings()
FPS = 30.0


def _ramp(n: int, a: float, b: float) -> np.ndarray:
    return a + (b - a) * np.sin(np.linspace(0, np.pi / 2, n)) ** 2


def _hinge(down_s: float = 1.5, hold_s: float = 0.5) -> tuple[np.ndarray, ...]:
    """(trunk, knee, shin lean) of a flat hip hinge to the floor: ``down_s`` down, ``hold_s`` at the bottom, as long
    up as down."""
    down, hold = int(down_s * FPS), int(hold_s * FPS)
    trunk = np.concatenate([_ramp(down, 0, 80), np.full(hold, 80.0), _ramp(down, 80, 0)])
    knee = trunk * 20 / 80
    return trunk, knee, knee / 2


def _sit(seated_s: float = 6.0) -> tuple[np.ndarray, ...]:
    """(trunk, knee, shin lean) of sitting down on a chair in 1.5 s, seated ``seated_s``, standing up in 1.5 s: the
    shins upright, the thighs level, the trunk leaning 10°."""
    move, seated = int(1.5 * FPS), int(seated_s * FPS)
    knee = np.concatenate([_ramp(move, 0, 88), np.full(seated, 88.0), _ramp(move, 88, 0)])
    return knee * 10 / 88, knee, np.zeros_like(knee)


def _stand(s: float = 1.5) -> tuple[np.ndarray, ...]:
    return (np.zeros(int(s * FPS)),) * 3


def _track(*parts, yaw_deg: float = 0.0):
    trunk, knee, shin = (np.concatenate([p[i] for p in parts]) for i in range(3))
    return make_track(trunk, knee, np.zeros_like(trunk), np.arange(len(trunk)) / FPS, shin_lean_deg=shin,
                      yaw_deg=yaw_deg)


def test_a_sit_between_two_lifts_is_no_rep_and_keeps_the_set_down_a_set_down():
    core = run_core(_track(_stand(), _hinge(), _stand(), _sit(), _stand(), _hinge(), _stand()), SETTINGS)
    assert [v.verdict for v in core.verdicts] == ["hip_hinge", "hip_hinge"]
    # the box picked up, then set down: the sit counted as a bend had made the set-down a pick-up
    assert [r.lowers_load for r in core.reps] == [False, True]
    (note,) = [n for n in core.notes if n.startswith("sat down")]
    assert note.startswith("sat down once (at ") and "not counted as a lift" in note
    assert not [n for n in core.notes if "not counted as reps" in n]      # not a bend too quick for a rep
    seated = core.kinematics.mass_behind_feet[np.isclose(core.kinematics.knee_flexion_deg, 88.0, atol=1.0)]
    assert len(seated) and (seated > SEATED_BEHIND_FEET).all()
    # standing, hinging and squatting free, the weight is over the feet
    lifting = core.kinematics.mass_behind_feet[core.kinematics.trunk_inclination_deg > 20]
    assert (lifting < 0).all()


def test_a_squat_of_the_same_depth_standing_free_is_a_rep():
    """The same knees and trunk with the shins leaning forward, the hips over the feet: a squat, counted."""
    trunk, knee, _ = _sit(seated_s=0.5)
    core = run_core(_track(_stand(), (trunk + 25 * knee / 88, knee, knee / 2), _stand()), SETTINGS)
    assert [v.verdict for v in core.verdicts] == ["squat"]
    assert not [n for n in core.notes if n.startswith("sat down")]


def test_walking_out_of_the_picture_between_lifts_is_no_rep():
    """The legs leaving the picture read as a quick bend (MediaPipe guesses them), then the person is lost for 3 s and
    comes back for the set-down: no rep between, and the set-down stays a set-down (a patient fetching the basket
    had been told "not enough data: the lift was not seen")."""
    out = int(0.2 * FPS)
    leaving = (np.zeros(out), np.linspace(0, 130, out), np.linspace(0, 65, out))  # knees "bending" as they leave
    parts = (_stand(), _hinge(), _stand(), leaving, _stand(3.0), _stand(), _hinge(), _stand())
    track = _track(*parts)
    first_out = sum(len(p[0]) for p in parts[:3])
    gone = first_out + out
    visibility = track.visibility.copy()
    visibility[first_out:gone, 25:29] = 0.1                                          # knees and ankles guessed
    track = lost_between(dataclasses.replace(track, visibility=visibility), gone, gone + int(3.0 * FPS))
    core = run_core(track, SETTINGS)
    assert core.kinematics.depth[first_out:gone].max() >= SETTINGS.reps.min_depth    # read as deep as a rep's bottom
    assert [v.verdict for v in core.verdicts] == ["hip_hinge", "hip_hinge"]
    assert [r.lowers_load for r in core.reps] == [False, True]
    # the same dip with the legs seen is a bend the view cut (a rep of its own, its lift unseen): the guess decides
    seen = run_core(lost_between(_track(*parts), gone, gone + int(3.0 * FPS)), SETTINGS)
    assert [v.verdict for v in seen.verdicts] == ["hip_hinge", "insufficient_data", "hip_hinge"]


def test_a_moment_past_the_line_a_pause_leaning_forward_or_a_brief_sit_is_no_seat():
    """A real deadlift's misread poses at a clip's edge (the trunk read upright over hips flexed 111°) put the centre
    of mass behind the feet in 6 of 10 bottom frames, their median past the line: no seat. Nor is a box squat's
    pause on the box, the trunk leaning forward over the knees (shins upright read 0.26-0.29), nor a moment's sit. A
    rest sitting up for seconds is."""
    t = np.arange(90) / FPS
    upright, forward = np.full(90, 10.0), np.full(90, 35.0)
    misread = np.array([1.03, 1.06, 0.99, 1.13, 1.3, 0.68, 0.02, -0.25, -0.39, -0.46])
    assert np.median(misread) > SEATED_BEHIND_FEET and not seated(misread, upright[:10], t[:10])
    assert not seated(np.full(90, 0.28), forward, t)                   # a box squat's pause
    assert not seated(np.full(45, 0.42), upright[:45], t[:45])         # 1.5 s behind the feet in all: too short
    assert seated(np.full(90, 0.42), upright, t) and not seated(np.full(90, np.nan), upright, t)


def test_a_rounded_pick_up_made_before_standing_up_from_a_seat_is_a_rep():
    """Up from the chair only half-way, then bent over rounded to a low table: the seat's span (to where the depth
    falls to a fifth of it) had taken the pick-up's bottom, and the rounded lift went uncounted."""
    move, seated_n, reach = int(1.0 * FPS), int(3.0 * FPS), int(1.2 * FPS)
    knee = np.concatenate([_ramp(move, 0, 95), np.full(seated_n, 95.0), _ramp(move, 95, 55), np.full(reach, 55.0),
                           _ramp(move, 55, 0)])
    trunk = np.concatenate([_ramp(move, 0, 10), np.full(seated_n, 10.0), _ramp(move, 10, 20), _ramp(reach, 20, 60),
                            _ramp(move, 60, 0)])
    shin = np.concatenate([np.zeros(move + seated_n), _ramp(move, 0, 25), np.full(reach, 25.0), _ramp(move, 25, 0)])
    spine = np.where(trunk > 30, 40.0 * (trunk - 30) / 30, 0.0)
    stand = np.zeros(int(1.5 * FPS))
    track = make_track(*(np.concatenate([stand, x, stand]) for x in (trunk, knee, spine)),
                       np.arange(len(trunk) + 2 * len(stand)) / FPS,
                       shin_lean_deg=np.concatenate([stand, shin, stand]))
    core = run_core(track, SETTINGS)
    depth = core.kinematics.depth
    up = int(1.5 * FPS) + move + seated_n                                       # the seat's last frame
    seat, risen = depth.max(), depth[up:up + move + reach].min()
    assert SETTINGS.reps.start_end_fraction * seat < risen < 0.5 * seat        # up half-way only, not to a fifth
    assert [n for n in core.notes if n.startswith("sat down once")]
    assert [v.verdict for v in core.verdicts] == ["rounded_back"]


def test_a_webcam_lifter_lost_for_a_moment_at_a_bottom_keeps_the_bend():
    """Knees guessed throughout (a webcam cutting off the legs) and the pose lost 0.4 s at the bottom of the second
    of three quick hinges: the two halves the gap cuts are each shorter than a rep, as a walk out of the picture is,
    but the person is back within `SAME_BEND_GAP_S`: the bend is kept, and the third is still a pick-up."""
    from liftform.core.reps import SAME_BEND_GAP_S

    parts = (_stand(), _hinge(0.6, 0.0), _stand(), _hinge(0.6, 0.0), _stand(), _hinge(0.6, 0.0), _stand())
    track = _track(*parts)
    visibility = track.visibility.copy()
    visibility[:, 25:29] = 0.1
    bottom = sum(len(p[0]) for p in parts[:3]) + int(0.6 * FPS)                   # the second hinge's bottom
    lost = int(0.4 * FPS)
    assert SETTINGS.filter.max_gap_s < lost / FPS < SAME_BEND_GAP_S              # not bridged, not a walk out
    core = run_core(lost_between(dataclasses.replace(track, visibility=visibility), bottom - lost // 2,
                                 bottom + lost // 2), SETTINGS)
    assert (core.kinematics.knee_in_picture[np.isfinite(core.kinematics.depth)] == 0).all()
    gap_s = bottom / FPS
    assert any(r.start_s < gap_s < r.end_s or abs(r.end_s - gap_s) < 0.3 for r in core.reps), core.reps
    assert [r.lowers_load for r in core.reps][-1] is False                             # the third: a pick-up


def test_a_video_of_sitting_down_only_says_so_not_that_its_bends_were_too_brief():
    from liftform.analysis import ModelInfo, SourceInfo
    from liftform.pipeline import analyze_track

    track = _track(_stand(), _sit(), _stand(), _sit(), _stand())
    analysis = analyze_track(track, SourceInfo("synthetic", "", FPS, len(track), *track.frame_size_wh, 1.0),
                             ModelInfo("none", ""), SETTINGS)
    assert analysis.verdicts == ()
    notes = analysis.quality.warnings
    assert "no lift was found: the person sat down (said in another note), which is not counted as a lift" in notes
    assert any(n.startswith("sat down 2 times") for n in notes) and not any("for less than" in n for n in notes)


def _seated_between_lifts(seat_parts) -> list:
    return [_stand(), _hinge(), _stand(), *seat_parts, _stand(), _hinge(), _stand()]


def _sitting(seated: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """Down onto a chair in 1.5 s, ``seated`` (trunk, knee, shin lean), up in 1.5 s."""
    move = int(1.5 * FPS)
    return tuple(np.concatenate([_ramp(move, 0, x[0]), x, _ramp(move, x[-1], 0)]) for x in seated)


def test_a_seat_is_one_seat_whatever_happens_in_it():
    """Leaning forward for a moment while seated (for a cup, a shoe) had made those frames the bend's bottom, the sit
    a squat rep; the model losing the lifter 0.5 s mid-seat had made it two halves, each too short a rest, one a
    rep; a pause on the way down to a low seat had been a "Good hip hinge". Each is one seat, the set-down still a
    set-down."""
    n = int(6.0 * FPS)
    lean = np.full(n, 10.0)
    lean[n // 2:n // 2 + int(0.5 * FPS)] = 35.0                                   # a moment leaning forward
    leaning = _sitting((lean, np.full(n, 95.0), np.zeros(n)))
    staged = (np.concatenate([_ramp(30, 0, 5), np.full(21, 5.0), _ramp(30, 5, 10), np.full(n, 10.0), _ramp(45, 10, 0)]),
              np.concatenate([_ramp(30, 0, 60), np.full(21, 60.0), _ramp(30, 60, 110), np.full(n, 110.0),
                              _ramp(45, 110, 0)]),
              np.concatenate([_ramp(30, 0, 30), np.full(21, 30.0), _ramp(30, 30, 0), np.zeros(n), np.zeros(45)]))
    for name, seat in (("leaning", leaning), ("staged", staged)):
        core = run_core(_track(*_seated_between_lifts([seat])), SETTINGS)
        assert [v.verdict for v in core.verdicts] == ["hip_hinge"] * 2, name
        assert [r.lowers_load for r in core.reps] == [False, True], name
        assert [m for m in core.notes if m.startswith("sat down once")], (name, core.notes)
    plain = _track(*_seated_between_lifts([_sit(seated_s=3.5)]))
    middle = int(np.flatnonzero(np.isclose(plain.image_xy[:, 25, 1], plain.image_xy[:, 25, 1].min()))[0] + 2 * FPS)
    core = run_core(lost_between(plain, middle, middle + int(0.5 * FPS)), SETTINGS)
    assert [v.verdict for v in core.verdicts] == ["hip_hinge"] * 2
    assert [r.lowers_load for r in core.reps] == [False, True]
    assert [m for m in core.notes if m.startswith("sat down once")], core.notes


def test_the_seat_is_read_side_on_only():
    """At an angle the picture shortens the distance and mixes the feet's spread into it (a seat read 0.17 at 45°):
    unknown there, as a rep the seat is counted, as before."""
    side, turned = (run_core(_track(_stand(), _sit(), _stand(), yaw_deg=yaw), SETTINGS) for yaw in (0.0, 45.0))
    assert np.nanmax(side.kinematics.mass_behind_feet) > SEATED_BEHIND_FEET
    assert np.isnan(turned.kinematics.mass_behind_feet).all()


def test_most_of_a_long_bottom_must_be_behind_the_feet():
    """6 of every 10 bottom frames past the line over 3 s (the model's guess of the legs flickering) is no seat."""
    t = np.arange(90) / FPS
    flicker = np.where(np.arange(90) % 10 < 6, 0.4, -0.1)
    assert not seated(flicker, np.full(90, 10.0), t) and seated(np.full(90, 0.4), np.full(90, 10.0), t)


def test_the_pick_up_and_set_down_order_after_the_lifter_left_the_picture_is_said_to_be_a_guess():
    """A trainee carried a box out of the picture and came back empty-handed: the next pick-up was told "lowered the
    load with the back", the bends counted in turn, without a word. Out of view 4 s between two reps, it is said."""
    from liftform.core.reps import LEFT_PICTURE_S

    parts = (_stand(), _hinge(), _stand(6.0), _hinge(), _stand())
    track = _track(*parts)
    away = sum(len(p[0]) for p in parts[:2]) + int(1.0 * FPS)
    for gone_s, said in ((LEFT_PICTURE_S + 1.0, True), (LEFT_PICTURE_S - 1.0, False)):
        core = run_core(lost_between(track, away, away + int(gone_s * FPS)), SETTINGS)
        assert [r.lowers_load for r in core.reps] == [False, True]
        notes = [n for n in core.notes if "out of the picture" in n]
        assert bool(notes) is said, (gone_s, core.notes)
        if said:
            assert notes[0].startswith(f"the lifter was out of the picture for {gone_s:.0f} s before rep 2")
            assert "(rep 2 as a set-down)" in notes[0]
