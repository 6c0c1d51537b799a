"""The decision logic through its public doors (`run_core`, `segment_reps`, `judge_reps`, `load_settings`): the
jerky-lift detector, rep segmentation at the edges, and settings layering (retired keys among them). Synthetic tracks
whose angles are known by construction; no model."""

from __future__ import annotations

import re

import numpy as np
import pytest
from synthetic_tracks import make_track, swing_track

from liftform.core.kinematics import compute_kinematics
from liftform.core.reps import segment_reps
from liftform.core.run import run_core
from liftform.core.verdict import judge_reps
from liftform.core.vocabulary import Verdict
from liftform.errors import ConfigError
from liftform.settings import Settings, load_settings

FPS = 30.0
SETTINGS = Settings()


def hinge(descent_s: float, ascent_s: float, *, stand_s: float = 1.0, lead_in: bool = True, tail: bool = True,
          set_s: float = 0.0):
    """One hip hinge (trunk to 75 deg, knees 20, spine neutral): a smooth descent and ascent of the given lengths,
    standing ``stand_s`` before and after. Without ``lead_in`` the video starts halfway down, without ``tail`` it
    ends halfway up. With ``set_s`` the descent stops at 0.9 of the depth and settles the rest of the way in that
    time (setting up at the bar) before the ascent."""
    def ramp(seconds: float) -> np.ndarray:
        return np.sin(np.linspace(0, np.pi / 2, max(2, int(round(seconds * FPS))))) ** 2

    stand = np.zeros(int(stand_s * FPS))
    down, up = ramp(descent_s), ramp(ascent_s)[::-1]
    if set_s:
        down = np.concatenate([0.9 * down, np.linspace(0.9, 1.0, int(round(set_s * FPS)) + 1)[1:]])
    env = np.concatenate([stand, down, up[1:], stand])
    first = 0 if lead_in else len(stand) + len(down) // 2
    last = len(env) if tail else len(stand) + len(down) + len(up) // 2
    env = env[first:last]
    return make_track(75.0 * env, 20.0 * env, np.zeros(len(env)), np.arange(len(env)) / FPS)


# -- jerky lift ------------------------------------------------------------------------------------------------------

def test_a_fast_ascent_is_a_jerky_lift_and_not_a_rounded_back():
    (verdict,) = run_core(hinge(descent_s=1.6, ascent_s=0.45), SETTINGS).verdicts
    assert "jerky_lift" in verdict.faults and verdict.verdict == "hip_hinge"
    assert verdict.ascent_s < SETTINGS.verdict.jerk_ascent_ratio * verdict.descent_s


def test_an_even_tempo_is_not_jerky():
    (verdict,) = run_core(hinge(descent_s=1.2, ascent_s=1.2), SETTINGS).verdicts
    assert "jerky_lift" not in verdict.faults and abs(verdict.ascent_s - verdict.descent_s) < 0.3


def test_a_slow_rise_after_a_slower_descent_is_not_jerky():
    """12.5 s down then 2.4 s up (a real squat's) is a slow eccentric, not a jerk; the same ratio in a quick rep
    is."""
    (slow,) = run_core(hinge(descent_s=10.0, ascent_s=3.0), SETTINGS).verdicts
    assert slow.ascent_s < SETTINGS.verdict.jerk_ascent_ratio * slow.descent_s
    assert slow.ascent_s > SETTINGS.verdict.jerk_max_ascent_s and "jerky_lift" not in slow.faults
    assert "jerky_lift" in run_core(hinge(descent_s=2.0, ascent_s=0.6), SETTINGS).verdicts[0].faults


def test_the_tempo_is_timed_through_the_same_stretch_each_way():
    """Down and up through the middle of the depth (20 to 80 % of the bottom's), so the same movement reads the
    same each way and settling at the bottom is neither: rendered box hinges that rose in 0.9 s after 1.0 s down
    had read 0.3 s up after 0.9 s down, a jerk, the descent counting the set at the bar and the ascent stopping a
    fifth of the way short of standing."""
    (even,) = run_core(hinge(descent_s=1.0, ascent_s=1.0), SETTINGS).verdicts
    assert even.ascent_s == pytest.approx(even.descent_s, abs=0.01) and 0.2 < even.descent_s < 0.6
    (settled,) = run_core(hinge(descent_s=1.0, ascent_s=1.0, set_s=0.5), SETTINGS).verdicts
    assert settled.ascent_s == pytest.approx(even.ascent_s, abs=0.01)
    # The set deepens the bottom, so the band ends a little later on the way down: not the set's whole 0.5 s.
    assert settled.descent_s - even.descent_s < 0.25 * 0.5
    (brisk,) = run_core(hinge(descent_s=1.0, ascent_s=0.6, set_s=0.5), SETTINGS).verdicts
    assert "jerky_lift" not in brisk.faults


def test_the_tempo_reads_the_crossings_between_frames():
    """At 4 frames/s, the depth rising evenly to its bottom in 1 s and back in 2 s: the band (20 to 80 % of the
    depth) is crossed (0.8 - 0.2) x 1 s apart on the way down and x 2 s on the way up, each crossing between two
    frames (read at a frame, the times would be off by up to a frame, 0.25 s)."""
    from liftform.core.rep_metrics import TEMPO_BAND, _tempo_s

    t = np.arange(13) * 0.25
    depth = np.where(t <= 1.0, t, 1.0 - (t - 1.0) / 2.0)
    band = TEMPO_BAND[1] - TEMPO_BAND[0]
    tempo = _tempo_s(depth, t, bottom=4)
    assert tempo["descent_s"] == pytest.approx(band * 1.0) and tempo["ascent_s"] == pytest.approx(band * 2.0)


def test_a_kettlebell_swing_is_fast_by_design_not_a_jerky_lift():
    """Hands swung up past the shoulders (0.5 of standing shoulder height against them) are a swing: real
    kettlebell swings had been told to lift slowly. The same hinges with the arms hanging are jerky lifts."""
    swings = run_core(swing_track(), SETTINGS).verdicts
    assert len(swings) == 3 and all(v.verdict == "hip_hinge" and "jerky_lift" not in v.faults for v in swings)
    # (a rep lowering a load is not judged for a jerk: its rise may be empty-handed, a box set down)
    hanging = [v for v in run_core(swing_track(arm_raise_deg=0.0), SETTINGS).verdicts if v.rep.complete]
    assert hanging and all(("jerky_lift" in v.faults) is not v.rep.lowers_load for v in hanging)
    # arms only to level bring the hands no higher than the shoulders: not told apart from a jerk
    for level in (45.0, 90.0):
        low = [v for v in run_core(swing_track(arm_raise_deg=level), SETTINGS).verdicts if v.rep.complete]
        assert low and all(("jerky_lift" in v.faults) is not v.rep.lowers_load for v in low)


def test_a_set_down_is_not_told_to_lift_slowly_nor_a_glitch_taken_for_a_jerk():
    """A box lowered slowly and stood up from quickly, empty-handed: its rise had been a "jerky lift", told "Lift
    slowly and breathe out as you lift" (a trainer's rendered set-down). And a rise through the middle of the rep in
    a frame or two (a skeleton misread: 0.04-0.08 s on real clips) is no lifter's."""
    import dataclasses

    from liftform.core.rep_metrics import rep_metrics
    from liftform.core.verdict import FASTEST_RISE_S, rep_faults

    kin = compute_kinematics(hinge(descent_s=1.6, ascent_s=0.45), SETTINGS.filter, SETTINGS.spine)
    (rep,) = segment_reps(kin, SETTINGS.reps)
    flagged, (v,) = judge_reps(kin, [rep], SETTINGS.verdict, SETTINGS.spine)
    m = rep_metrics(kin, rep, flagged, SETTINGS.verdict)
    assert "jerky_lift" in v.faults and "jerky_lift" in rep_faults(v.verdict, m, SETTINGS.verdict)
    assert "jerky_lift" not in rep_faults(v.verdict, m, SETTINGS.verdict, lowers_load=True)
    glitch = dataclasses.replace(m, ascent_s=FASTEST_RISE_S / 2)
    assert "jerky_lift" not in rep_faults(v.verdict, glitch, SETTINGS.verdict)


def test_the_jerk_ratio_is_the_settings():
    track = hinge(descent_s=1.6, ascent_s=0.45)
    lenient = load_settings(None, {"verdict": {"jerk_ascent_ratio": 0.2}})
    assert "jerky_lift" not in run_core(track, lenient).verdicts[0].faults


def test_a_rep_cut_by_the_end_of_the_video_is_not_called_jerky():
    """Its ascent is not over: a short ascent there is the video ending, not the lifter."""
    result = run_core(hinge(descent_s=1.6, ascent_s=0.45, tail=False), SETTINGS)
    assert all("jerky_lift" not in v.faults for v in result.verdicts if not v.rep.complete)


# -- a rep the video ends in ----------------------------------------------------------------------------------------

def _ends_at(rise_share: float, spine_peak_deg: float) -> object:
    """Standing 1 s, down in 1.2 s (trunk to 75 deg, the spine flexing to ``spine_peak_deg`` with it), 0.5 s at the
    bottom, then up: the video ends once the person is ``rise_share`` of the way back up."""
    ramp = np.sin(np.linspace(0, np.pi / 2, int(1.2 * FPS))) ** 2
    up = ramp[::-1][: max(1, int(round(len(ramp) * rise_share)))]
    env = np.concatenate([np.zeros(int(FPS)), ramp, np.ones(int(0.5 * FPS)), up])
    return make_track(75.0 * env, 20.0 * env, spine_peak_deg * env, np.arange(len(env)) / FPS)


def test_a_video_ending_before_the_lift_is_not_called_safe():
    """Cut at the bottom of a rounded reach-down: what was seen is not a lift, whatever the spine did on the way
    down. Not cleared (it was called a safe hip hinge), said in words, and advised to film the whole lift."""
    from liftform.core.advice import advice_kind

    (verdict,) = run_core(_ends_at(0.0, 40.0), SETTINGS).verdicts
    assert not verdict.rep.complete
    assert verdict.verdict == "insufficient_data" and verdict.lift_unseen
    assert "the lift was not seen" in verdict.reason and advice_kind(verdict) == "film_whole_lift"
    assert "rounded_reach_down" in verdict.faults                    # the reach-down is still told


def test_a_video_ending_most_of_the_way_up_is_judged():
    (neutral,) = run_core(_ends_at(0.5, 0.0), SETTINGS).verdicts       # the shoulders 2/3 of the way back up
    assert not neutral.rep.complete and neutral.verdict == "hip_hinge" and not neutral.lift_unseen
    (rounded,) = run_core(_ends_at(0.3, 40.0), SETTINGS).verdicts      # rounding seen before the end is an answer
    assert rounded.verdict == "rounded_back" and not rounded.lift_unseen


def test_a_person_lost_at_the_bottom_for_good_is_not_called_safe():
    """The lifter bends down rounded and is never seen again (walks out of the picture, the model loses them): the
    gap ends the rep like a person standing up would, but nothing of the lift was seen, and a back rounded on the
    way down may be an empty-handed reach-down. A real clip whose lifter was lost at the bottom of its only bend
    was called a safe hip hinge from its bottom frames alone."""
    seen = _ends_at(0.0, 40.0)
    (verdict,) = run_core(_with_lost_tail(seen, lost_s=1.5), SETTINGS).verdicts
    assert verdict.rep.end >= len(seen)                                 # the rep ends in the gap
    assert verdict.verdict == "insufficient_data" and verdict.lift_unseen and not verdict.judged_on_descent
    assert "loses the person" in verdict.reason and "rounded on the way down" in verdict.reason
    assert "jerky_lift" not in verdict.faults                       # the view stopped, not a fast ascent


def test_a_back_held_flat_on_the_way_down_of_a_cut_lift_is_cleared_from_it_and_says_so():
    """Cut at the bottom (or the person lost there) after a descent with a flat back: the way down is what there
    is to judge, and a back held flat while bending is the technique, load or not. Cleared, with half the
    confidence, saying it was judged on the way down, and advised to film the lift next time."""
    from liftform.core.advice import advice_kind

    whole = run_core(hinge(1.2, 1.2), SETTINGS).verdicts[0]
    for track in (_ends_at(0.0, 0.0), _with_lost_tail(_ends_at(0.0, 0.0), lost_s=1.5)):
        (verdict,) = run_core(track, SETTINGS).verdicts
        assert verdict.verdict == "hip_hinge" and verdict.judged_on_descent and not verdict.lift_unseen
        assert "on the way down (judged there only" in verdict.reason and "before the lift" in verdict.reason
        assert abs(verdict.peak_spine_flexion_deg) < 5.0                 # read on the descent
        assert verdict.confidence <= 0.5 * whole.confidence + 1e-9
        assert advice_kind(verdict) == "flat_way_down"
    # A rep whose lift was seen is judged on the lift, not the way down.
    assert not whole.judged_on_descent and not run_core(_ends_at(0.5, 0.0), SETTINGS).verdicts[0].judged_on_descent


def test_a_spike_on_the_way_down_of_a_cut_lift_is_timed_where_it_was():
    """Cut at the bottom after a descent whose back passes its limit for a moment (0.1 s, too short to count): the
    rep is cleared on its way down, and says how long the back was past the limit there. A real clip's such rep
    said "past its limit for only 0.00 s": the time was read from the lift, which was not seen, and was advised that
    its back "stayed flat on the way down"."""
    import re

    from liftform.core.advice import advice_kind, advise

    ramp = np.sin(np.linspace(0, np.pi / 2, int(1.2 * FPS))) ** 2
    env = np.concatenate([np.zeros(int(FPS)), ramp, np.ones(int(0.5 * FPS))])    # as `_ends_at(0.0, ...)`
    spine = np.zeros(len(env))
    spine[int(FPS) + len(ramp) - 8:int(FPS) + len(ramp) - 5] = 45.0     # 3 frames (0.1 s), the trunk past 60 deg
    spiked = make_track(75.0 * env, 20.0 * env, spine, np.arange(len(env)) / FPS)
    (verdict,) = run_core(spiked, SETTINGS).verdicts
    assert verdict.verdict == "hip_hinge" and verdict.judged_on_descent
    assert verdict.peak_spine_flexion_deg >= SETTINGS.verdict.rounded_back_spine_deg
    past_s = float(re.search(r"past its limit for only ([0-9.]+) s", verdict.reason).group(1))
    assert 0.0 < past_s < SETTINGS.verdict.min_rounded_s
    # The verdict carries that time, and the advice does not say the back stayed flat on the way down (it had).
    assert abs(verdict.rounded_s - past_s) < 0.006
    assert advice_kind(verdict) == "flat_all_the_way"
    text = advise(verdict)
    assert "stayed flat" not in text and "on the way down" in text and "keep the camera running" in text
    assert f"{verdict.rounded_s:.2f} s" in text


def test_a_glimpse_after_the_person_was_lost_mid_rep_clears_nothing():
    """A rounded descent, the person lost at the bottom, found again for a frame or two on the way up with the back
    reading flat, lost again for good: neither the way down nor the lift of that glimpse was seen, so it is no
    answer. A small lifter in a GIF (10 fps), lost for 0.7 s mid-rep and found for one frame, was cleared "on the
    way down" from that frame, and the clip called safe."""
    ramp = np.sin(np.linspace(0, np.pi / 2, int(1.2 * FPS))) ** 2
    env = np.concatenate([np.zeros(int(FPS)), ramp, ramp[::-1], np.zeros(int(FPS))])
    going_down = np.arange(len(env)) < int(FPS) + len(ramp)
    track = make_track(75.0 * env, 20.0 * env, np.where(going_down, 40.0 * env, 0.0), np.arange(len(env)) / FPS)
    bottom = int(FPS) + len(ramp) - 1
    glimpse_at = bottom + 1 + int(np.argmax(ramp[::-1] < 0.9))        # the trunk at ~67 deg on the way up
    for glimpse in (1, 2):
        seen = np.arange(len(env)) <= bottom - 6                          # lost 0.2 s before the bottom
        seen[glimpse_at:glimpse_at + glimpse] = True
        lost = _lost_where(track, ~seen)
        result = run_core(lost, SETTINGS)
        assert not any(v.rep.start <= glimpse_at <= v.rep.end and v.verdict != "insufficient_data"
                       for v in result.verdicts), glimpse
        assert not any(Verdict(v.verdict).is_safe for v in result.verdicts), [v.reason for v in result.verdicts]
        # The way down and the glimpse are one bend the pose cut: told as one rep, and why it is no answer is the
        # glimpse's own part's, judged apart.
        (bend,) = [v for v in result.verdicts if v.rep.start <= glimpse_at <= v.rep.end]
        assert "the pose lost the lifter" in bend.reason and bend.rep.start < bottom - 6
        kinematics = compute_kinematics(lost, SETTINGS.filter, SETTINGS.spine)
        _, parts = judge_reps(kinematics, segment_reps(kinematics, SETTINGS.reps), SETTINGS.verdict, SETTINGS.spine)
        glimpsed = next(v for v in parts if v.rep.start <= glimpse_at <= v.rep.end)
        assert "only around its bottom" in glimpsed.reason and not glimpsed.judged_on_descent
        assert "neither on the way down nor in the lift" in glimpsed.reason
    # Seen from the bottom on, most of the way up, the same flat back is a lift seen in part, and cleared.
    seen = (np.arange(len(env)) <= bottom - 6) | (np.arange(len(env)) >= glimpse_at)
    cleared = [v for v in run_core(_lost_where(track, ~seen), SETTINGS).verdicts if v.rep.end >= glimpse_at]
    assert [v.verdict for v in cleared] == ["hip_hinge"] and "seen in part" in cleared[0].reason


def test_rounding_seen_in_a_glimpse_of_the_lift_is_told_with_its_numbers():
    """As above, but the back reads rounded in the frames seen on the way up (0.4 s of them, then the person is
    lost for good): rounding seen is an answer however little of the lift was seen, and the rep says how far it
    rounded, read from those frames, with the confidence they had. A real clip's last rep was called rounded
    while saying the spine "rounded nan°", "seen in 0% of the lift", with a confidence of 0."""
    from liftform.core.rep_metrics import judged_and_counted_frames

    ramp = np.sin(np.linspace(0, np.pi / 2, int(1.2 * FPS))) ** 2
    env = np.concatenate([np.zeros(int(FPS)), ramp, ramp[::-1], np.zeros(int(FPS))])
    track = make_track(75.0 * env, 20.0 * env, 40.0 * env, np.arange(len(env)) / FPS)
    bottom = int(FPS) + len(ramp) - 1
    glimpse_at = bottom + 1 + int(np.argmax(ramp[::-1] < 0.9))
    seen = (np.arange(len(env)) <= bottom - 6) | ((np.arange(len(env)) >= glimpse_at)
                                                   & (np.arange(len(env)) < glimpse_at + int(0.4 * FPS)))
    result = run_core(_lost_where(track, ~seen), SETTINGS)
    glimpsed = next(v for v in result.verdicts if v.rep.start <= glimpse_at <= v.rep.end)
    assert glimpsed.verdict == "rounded_back"
    assert 30.0 < glimpsed.peak_spine_flexion_deg < 45.0 and glimpsed.confidence > 0.5
    assert "nan" not in glimpsed.reason and "seen in 0%" not in glimpsed.reason
    judged = judged_and_counted_frames(result.kinematics, [glimpsed.rep], SETTINGS.verdict, result.flagged)[0]
    assert (judged & result.flagged).any()              # frames.csv marks the frames the call was made on


def test_a_rep_is_seen_whole_only_inside_the_video_with_the_person_at_both_ends():
    """One test of a cut rep, for segmentation and verdict alike: lost at the start counts as lost at the end."""
    from liftform.core.reps import seen_whole

    depth = np.array([0.0, 0.1, 0.5, 0.1, 0.0])
    assert seen_whole(depth, 0, 4, complete=True)
    assert not seen_whole(depth, 0, 4, complete=False)                     # the video starts or ends inside it
    for lost in (0, 4):                                                    # a gap where it starts, or where it ends
        assert not seen_whole(np.where(np.arange(5) == lost, np.nan, depth), 0, 4, complete=True)


def _lost_where(track, lost: np.ndarray):
    """``track`` with the person missing (NaN landmarks, visibility 0) in the frames where ``lost`` (T,) is True."""
    import dataclasses

    blank = lambda a, value: np.where(lost.reshape(-1, *[1] * (a.ndim - 1)), value, a)  # noqa: E731
    return dataclasses.replace(
        track, image_xy=blank(track.image_xy, np.nan), world_xyz=blank(track.world_xyz, np.nan),
        visibility=blank(track.visibility, 0.0),
        back_profile_px=None if track.back_profile_px is None else blank(track.back_profile_px, np.nan))


def _with_lost_tail(track, lost_s: float):
    """``track`` followed by ``lost_s`` of frames without a pose (NaN landmarks, visibility 0)."""
    import dataclasses

    extra = int(round(lost_s * FPS))
    pad = lambda a, value: np.concatenate([a, np.full((extra, *a.shape[1:]), value)])  # noqa: E731
    times = np.concatenate([track.timestamps_s, track.timestamps_s[-1] + np.arange(1, extra + 1) / FPS])
    return dataclasses.replace(
        track, image_xy=pad(track.image_xy, np.nan), world_xyz=pad(track.world_xyz, np.nan),
        visibility=pad(track.visibility, 0.0), timestamps_s=times,
        frame_index=np.arange(len(times), dtype=np.int64),
        back_profile_px=None if track.back_profile_px is None else pad(track.back_profile_px, np.nan))


# -- retired settings --------------------------------------------------------------------------------------------

def test_a_config_with_the_retired_lockout_arch_keys_is_refused_with_the_reason(tmp_path):
    """`liftform config` of an older version wrote them: the file is refused with why and what to do, not as an
    unknown key."""
    config = tmp_path / "old.toml"
    config.write_text("[verdict]\nhyperextension_deg = -11.0\n")
    with pytest.raises(ConfigError, match=r"'hyperextension_deg' in \[verdict\] is no longer used .* remove the line"):
        load_settings(config)


# -- rep segmentation at the edges -----------------------------------------------------------------------------------

def test_standing_still_has_no_rep():
    t = np.arange(90) / FPS
    assert run_core(make_track(np.zeros(90), np.zeros(90), np.zeros(90), t), SETTINGS).reps == ()


def test_a_shallow_dip_is_not_a_rep():
    """Shoulders coming down by less than [reps] min_depth of standing height is not a lift."""
    t = np.arange(120) / FPS
    trunk = 12.0 * np.sin(np.pi * t / t[-1]) ** 2          # a nod of the trunk, knees straight
    assert run_core(make_track(trunk, np.zeros(len(t)), np.zeros(len(t)), t), SETTINGS).reps == ()


def test_a_video_starting_or_ending_inside_a_rep_marks_it_incomplete():
    starts_inside = run_core(hinge(1.2, 1.2, lead_in=False), SETTINGS).reps
    ends_inside = run_core(hinge(1.2, 1.2, tail=False), SETTINGS).reps
    whole = run_core(hinge(1.2, 1.2), SETTINGS).reps
    assert len(whole) == 1 and whole[0].complete
    assert all(not r.complete for r in starts_inside) and all(not r.complete for r in ends_inside)


def test_two_reps_back_to_back_are_two_reps_with_ordered_bounds():
    t = np.arange(int(5.6 * FPS)) / FPS
    env = np.sin(np.pi * t / 2.4) ** 2 * (t < 4.8)           # two 2.4 s reps, no pause between them
    reps = run_core(make_track(75.0 * env, 20.0 * env, np.zeros(len(t)), t), SETTINGS).reps
    assert len(reps) == 2
    assert reps[0].start < reps[0].bottom < reps[0].end <= reps[1].start < reps[1].bottom < reps[1].end
    assert [round(r.bottom_s, 1) for r in reps] == [1.2, 3.6]


# -- settings layering -----------------------------------------------------------------------------------------------

def test_settings_layers_defaults_file_profile_flags(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[verdict]\nrounded_back_spine_deg = 30\n[spine]\nneutral_bend_deg = 2\n"
                      "personal_max_flexion_deg = 20\n")
    profile = tmp_path / "me.toml"
    profile.write_text("[spine]\npersonal_max_flexion_deg = 45.5\n")
    assert load_settings().verdict.rounded_back_spine_deg == Settings().verdict.rounded_back_spine_deg
    layered = load_settings(config, {"verdict": {"rounded_back_spine_deg": 25}}, profile)
    assert layered.verdict.rounded_back_spine_deg == 25          # the flag over the file
    assert layered.spine.personal_max_flexion_deg == 45.5        # the profile over the file
    assert layered.spine.neutral_bend_deg == 2                   # the file over the defaults
    assert layered.reps == Settings().reps                       # untouched sections keep the defaults


@pytest.mark.parametrize(("text", "where"), [("[verdict]\nrounded_back_spine_deg = 50\n",
                                              "[verdict] rounded_back_spine_deg"),
                                             ('[pose]\nmodel = "lite"\n', "[pose] model"),
                                             ("rounded_back_spine_deg = 50\n", "'rounded_back_spine_deg'")])
def test_a_profile_sets_only_the_persons_own_values(tmp_path, text, where):
    """`analyze --profile strict.toml` where strict.toml set `[verdict] rounded_back_spine_deg = 50` ran with it (a
    rounded back called safe) while `--config profile.toml` is refused: a profile holds the person's values, what
    `liftform screen --save-profile` writes, and anything else is refused in one line naming it."""
    profile = tmp_path / "strict.toml"
    profile.write_text(text + "[spine]\npersonal_max_flexion_deg = 45.5\n")   # a key before any section: top level
    with pytest.raises(ConfigError, match=rf"profile .*strict.toml sets {re.escape(where)}, which a personal profile "
                                          r"does not hold \(only \[spine\] neutral_bend_deg, .*\): pass other "
                                          "settings with --config"):
        load_settings(profile_path=profile)
    profile.write_text("[spine]\npersonal_max_flexion_deg = 45.5\n")                   # what a profile holds
    assert load_settings(profile_path=profile).spine.personal_max_flexion_deg == 45.5


@pytest.mark.parametrize(("text", "says"), [("rounded_back_spine_deg = 30\n", "under [verdict]"),
                                            ("speed = 3\n[verdict]\nmin_rounded_s = 1\n", "under its [section]")])
def test_a_key_outside_any_section_is_told_where_it_belongs(tmp_path, text, says):
    """A top-level `rounded_back_spine_deg = 30` was "unknown config section [rounded_back_spine_deg]"."""
    config = tmp_path / "flat.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=rf"config key '\w+' is outside any section: put it {re.escape(says)}"):
        load_settings(config)


@pytest.mark.parametrize(("text", "word"), [("[verdict]\nrounded_back_spine_dg = 20\n", "rounded_back_spine_dg"),
                                            ("[nonsense]\nx = 1\n", "nonsense"),
                                            ("[verdict]\nrounded_back_spine_deg = 'high'\n", "rounded_back_spine_deg"),
                                            ("[verdict]\nmin_confidence = 7\n", "min_confidence")])
def test_a_bad_setting_is_one_config_error_naming_it(tmp_path, text, word):
    config = tmp_path / "bad.toml"
    config.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    assert word in str(info.value) and "\n" not in str(info.value)


def test_a_settings_file_that_is_a_folder_or_cannot_be_read_is_one_line(tmp_path, monkeypatch):
    """`liftform config some_folder` said "config file not found: some_folder" (it is there: a folder), and a config
    or profile that could not be read (no permission, an I/O error) ended in a traceback."""
    from pathlib import Path

    from typer.testing import CliRunner

    from liftform.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["config", str(tmp_path)])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert result.stderr.strip() == f"error: config file {tmp_path} is a folder, not a file; pass a .toml file"
    unreadable = tmp_path / "locked.toml"
    unreadable.write_text("[verdict]\nmin_confidence = 0.5\n")

    opened = Path.open

    def denied(self, *args, **kwargs):
        if self.name != unreadable.name:
            return opened(self, *args, **kwargs)
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", denied)
    for command in (["config", str(unreadable)], ["rescore", str(tmp_path), "--profile", str(unreadable)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        what = "config" if command[0] == "config" else "profile"
        assert result.stderr.strip() == f"error: cannot read {what} file {unreadable} (Permission denied)", command


def test_a_bad_value_names_the_file_and_what_kind_of_file_it_is_in(tmp_path):
    """`analyze --config c.toml --profile me.toml` with `neutral_bend_deg = 500` in the profile said "config [spine]
    neutral_bend_deg must be ..." (not the config, and neither file named)."""
    config, profile = tmp_path / "c.toml", tmp_path / "me.toml"
    config.write_text("[verdict]\nmin_confidence = 0.5\n")
    profile.write_text("[profile]\nneutral_checked = true\n[spine]\nneutral_bend_deg = 500\n")
    with pytest.raises(ConfigError) as info:
        load_settings(config, profile_path=profile)
    assert str(info.value) == (f"{profile}: profile [spine] neutral_bend_deg must be at least -60 and at most 60, "
                               "got 500.0")
    profile.write_text("[spine]\npersonal_max_flexion_deg = 'a lot'\n")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(profile))}: profile \[spine\] personal_max_flexion_deg "
                                          "must be a number, got 'a lot'$"):
        load_settings(config, profile_path=profile)
    config.write_text("[pose]\nnum_poses = 50\n")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(config))}: config \[pose\] num_poses must be a whole "
                                          "number at least 1 and at most 10, got 50$"):
        load_settings(config, profile_path=profile)
