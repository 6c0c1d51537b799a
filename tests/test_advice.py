"""Advice per rep: the rule picks what matters most, the sentence carries the rep's numbers, the outputs carry it."""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import replace

import numpy as np
import pytest
from synthetic_tracks import lift_track, make_track, set_of_lifts_track, set_up_track

from liftform.core.advice import ADVICE_CUES, HEDGED_GOOD_CUES, advice_kind, advise, rep_advice, rep_cue
from liftform.core.run import run_core
from liftform.core.types import Rep, RepVerdict
from liftform.errors import ConfigError
from liftform.settings import AdviceSettings, Settings, load_settings

REP = Rep(0, 0, 30, 60, 0.0, 1.0, 2.0)


def verdict(kind: str = "hip_hinge", *, spine: float = 5.0, trunk: float = 70.0, knee_angle: float = 140.0,
            faults: tuple[str, ...] = (), pct: float = math.nan, ascent_s: float = 1.0) -> RepVerdict:
    return RepVerdict(rep=REP, verdict=kind, confidence=0.9, reason="", peak_spine_flexion_deg=spine,
                      peak_trunk_inclination_deg=trunk, peak_hip_flexion_deg=trunk, min_knee_angle_deg=knee_angle,
                      stoop_squat_index=60.0, lean_from_spine_pct=5.0, rounded_s=0.0, descent_s=1.0,
                      ascent_s=ascent_s, faults=faults, spine_flexion_pct_of_max=pct)


def test_rounded_stoop_is_told_to_bend_hips_and_knees_and_keep_the_chest_up():
    rv = verdict("rounded_back", spine=41.0, trunk=92.0, knee_angle=170.0)
    assert advice_kind(rv) == "bend_knees_chest_up"
    text = advise(rv)
    assert "Bend at the hips and knees" in text and "chest up" in text and "41°" in text
    assert "lunge or half-kneel" in text and "liftform screen" in text


def test_rounded_with_bent_knees_is_told_chest_up_or_get_help():
    rv = verdict("rounded_back", spine=30.0, trunk=60.0, knee_angle=100.0)
    assert advice_kind(rv) == "chest_up"
    assert "ask someone to help" in advise(rv) and "30°" in advise(rv)


def test_a_back_called_rounded_from_behind_at_an_angle_is_told_to_film_side_on_to_be_sure():
    """A real flat-backed deadlift filmed from behind at an angle reads rounded (the shoulder blades bow the
    outline): its reason hedged, and its advice had said only that the load was too heavy."""
    rv = verdict("rounded_back", spine=30.0, trunk=60.0, knee_angle=100.0)
    behind = replace(rv, from_behind=True)
    assert advise(behind).startswith(advise(rv)) and "ask someone to help" in advise(behind)
    assert advise(behind).endswith("the shoulder blades can make a flat back look rounded: film side-on to be sure.")
    assert "side-on" not in advise(rv)
    assert "side-on" not in advise(replace(verdict(spine=5.0), from_behind=True))      # a safe rep: nothing to hedge


def test_a_back_never_seen_reliably_says_so_in_words():
    """A front view: "the spine measure was reliable in only 0% of the lift"."""
    (rv,) = run_core(lift_track("hip_hinge", n_reps=1, yaw_deg=85.0)[0], Settings()).verdicts
    assert rv.verdict == "insufficient_data" and "reliable at no moment of the lift" in rv.reason, rv.reason
    assert "0%" not in rv.reason


def test_knees_out_of_the_picture_are_not_taken_as_bent():
    """A webcam cutting off the feet: MediaPipe guessed a stiff-legged stoop's knees bent 29-33 deg, either side of
    the stoop's line, and its reps were told in turn to bend their knees and that the load was too heavy."""
    guessed = replace(verdict("rounded_back", spine=30.0, trunk=90.0, knee_angle=140.0), knee_guessed=True)
    assert advice_kind(guessed) == "bend_knees_chest_up"
    assert advice_kind(replace(guessed, knee_guessed=False)) == "chest_up"


def test_the_screen_tells_cannot_reach_from_too_heavy():
    rv = verdict("rounded_back", spine=35.0, trunk=88.0, knee_angle=168.0, pct=80.0)
    # The screen found a neutral hinge only down to 60 deg of lean: this rep leaned 88, out of reach with a flat back.
    assert advice_kind(rv, 60.0) == "lunge_and_flexibility"
    text = advise(rv, 60.0)
    assert "lunge or half-kneel" in text and "flexibility" in text and "60°" in text and "88°" in text
    # The screen reached 95 deg with a flat back: the person could have, so the load rounded them.
    assert advice_kind(rv, 95.0) == "too_heavy"
    text = advise(rv, 95.0)
    assert "too heavy" in text and "ask someone to help" in text and "80% of your range" in text
    # A setting of 0 means no screen.
    assert rep_advice(rv, AdviceSettings()) == advise(rv)
    assert rep_advice(rv, AdviceSettings(screen_hinge_depth_deg=60.0)) == advise(rv, 60.0)


def test_a_screen_flat_to_its_deepest_bend_sets_no_limit_to_reach():
    """A screen whose back stayed flat down to the deepest it went (78 deg: "HIP HINGE - you hinge to 78° ... lift
    from low with a hip hinge"; every checked rep of `screen --neutral` is one) found no limit, and its profile holds
    no range. A rounded stoop leaning 93 deg had been told "You cannot yet reach this low with a flat back ... work on
    hip and hamstring flexibility", against the screen's own words: it gets the advice of a stoop without a screen.
    Within the screened depth the lifter reached it flat, so the load rounded them, as before."""
    stoop = verdict("rounded_back", spine=40.0, trunk=93.0, knee_angle=168.0)          # no range: screen never rounded
    assert advice_kind(stoop, 78.0) == "bend_knees_chest_up" == advice_kind(stoop)
    # the same advice, told what the screen found rather than to run it
    assert "cannot yet reach" not in advise(stoop, 78.0)
    assert advise(stoop, 78.0).split(" (")[0] == advise(stoop).split(" (")[0]
    assert advice_kind(verdict("rounded_back", spine=40.0, trunk=93.0, knee_angle=100.0), 78.0) == "chest_up"
    assert advice_kind(verdict("rounded_back", spine=40.0, trunk=80.0, knee_angle=168.0), 78.0) == "too_heavy"
    # Where the screen saw the back round (the profile holds the range it reached), deeper is out of reach flat.
    assert advice_kind(replace(stoop, spine_flexion_pct_of_max=93.0), 56.0) == "lunge_and_flexibility"


def test_a_back_rounded_at_the_bottom_of_a_squat_is_told_to_stop_higher():
    rv = replace(verdict("rounded_back", spine=25.0, trunk=33.0, knee_angle=80.0), squat_bottom=True)
    assert advice_kind(rv) == "squat_depth"
    text = advise(rv)
    assert text.startswith("Squat only as deep as your lower back stays flat") and "25°" in text
    assert "pelvis tucked under" in text and "flexibility" in text
    # The screen measures a hinge, not a squat's depth: the squat's own advice still stands.
    assert advice_kind(rv, 60.0) == "squat_depth"
    # Rounded with the head hanging is told about the head, as any head-led rep.
    assert advice_kind(replace(rv, head_led=True)) == "chest_up"


def test_a_back_rounded_only_while_lowering_the_load_is_told_to_lower_it_with_a_flat_back():
    """And what to try, by the same cause a lift rounded is told: a stoop's set-down (and one deeper than the screen
    stayed flat) had been told the load was too heavy, beside lifts of the same bend told to lunge."""
    bent_knees = replace(verdict("rounded_back", spine=30.0, trunk=80.0, knee_angle=100.0), while_lowering=True)
    assert advice_kind(bent_knees) == "lower_flat"
    text = advise(bent_knees)
    assert text.startswith("Lower the load bending at the hips") and "30°" in text and "on the way down" in text
    assert "ask someone to help" in text and "lunge" not in text
    stoop = replace(bent_knees, min_knee_angle_deg=160.0)
    assert advice_kind(stoop) == "lower_flat" and "ask someone" not in advise(stoop)
    assert "if you can't reach that low with a flat back, set it down in a lunge or half-kneel" in advise(stoop)
    deeper = replace(bent_knees, spine_flexion_pct_of_max=80.0)        # the screen: flat down to 56 deg of lean
    assert advice_kind(replace(deeper, while_lowering=False), 56.0) == "lunge_and_flexibility"
    assert "cannot yet reach this low with a flat back (your screen: 56° of lean, here 80°)" in advise(deeper, 56.0)
    assert "too heavy" in advise(deeper, 78.0)                      # reached this deep flat in the screen


def test_rounded_reach_down_then_a_flat_lift_is_told_to_reach_down_flat():
    rv = verdict("hip_hinge", faults=("rounded_reach_down",))
    assert advice_kind(rv) == "reach_down_flat"
    assert advise(rv).startswith("Reach down the way you lift")
    # a rep lowering a load rested it on the floor before its lift: no reach-down to tell of (a tester's finding)
    rested = replace(rv, rep=replace(rv.rep, lowers_load=True))
    assert advice_kind(rested) == "flat_at_bottom" and "rounded over the load on the floor" in advise(rested)
    assert "reached down" not in advise(rested)
    assert rep_cue(rested, AdviceSettings()) == "Flat back at the bottom too"   # the live screen's and the video's
    # It outranks a rushed ascent; a rounded lift outranks both.
    assert advice_kind(replace(rv, faults=("jerky_lift", "rounded_reach_down"))) == "reach_down_flat"
    assert advice_kind(replace(rv, verdict="rounded_back", peak_spine_flexion_deg=35.0)) == "chest_up"


def test_a_lifter_who_set_a_flat_back_before_lift_off_is_not_told_to_set_it():
    """The lifter reaches down rounded (35°), then drops the hips (knees 20 -> 60°), lifts the chest (trunk 80 ->
    60°) and flattens the back (3°) before the load leaves the floor, and lifts flat: the advice had told them to do
    just that ("Set your back before you lift ... drop your hips and lift your chest before the load leaves the
    floor"). What they did not do is reach down flat."""
    track, _ = set_up_track(reach_spine_deg=35.0)
    (rv,) = run_core(track, Settings()).verdicts
    assert rv.verdict == "hip_hinge" and rv.faults == ("rounded_reach_down",)
    text = rep_advice(rv, Settings().advice)
    assert "drop your hips" not in text and "Set your back" not in text
    assert "flat from lift-off on" in text and "reached down rounded" in text


def test_a_rounded_lift_is_not_said_to_be_under_a_load_it_was_not_seen_to_carry():
    """A stoop whose back rounds 40° as it comes up, by a figure holding nothing: liftform sees no load (it
    times the lift from the hands rising), so the advice names the part of the rep, not a load ("under the load")."""
    track, _ = lift_track("rounded_back", n_reps=1)
    (rv,) = run_core(track, Settings()).verdicts
    text = rep_advice(rv, Settings().advice)
    assert rv.verdict == "rounded_back" and text.startswith("Bend at the hips and knees")
    assert "under the load" not in text and "rounded 39° as you came up" in text


def test_a_set_down_rounded_after_a_rounded_lift_is_not_told_to_lower_it_the_way_it_was_lifted():
    """Two lifts from the floor: the first raises the load with the spine flexed 40°, the second bend lowers it
    with the spine flexed 40° and rises flat. The second rep's advice is about its lowering; it had said "Lower the
    load the way you lift it", praising a lift that the rep before it rounded."""
    lifted, lowered = run_core(set_of_lifts_track([0.0, 40.0], [40.0, 0.0]), Settings()).verdicts
    assert lifted.verdict == lowered.verdict == "rounded_back" and lowered.while_lowering
    text = rep_advice(lowered, Settings().advice)
    assert "the way you lift" not in text
    assert text.startswith("Lower the load bending at the hips and knees with your back extended")


def test_a_back_rounded_through_the_bottom_is_told_it_rounded_lowering_and_lifting_as_its_reason_says():
    """The load lowered with the spine flexed 40°, the back still rounded past its limit for a moment into the lift
    (long enough only counted through the bottom): the reason said "lowered and lifted the load with the back,
    rounded through the bottom", the advice only that it rounded "on the way down" (a new user's audit)."""
    lifted, through = run_core(set_of_lifts_track([0.0, 40.0], [0.0, 19.0]), Settings()).verdicts
    assert through.while_lowering and through.through_bottom and "rounded through the bottom" in through.reason
    text = rep_advice(through, Settings().advice)
    assert "through the bottom, lowering and lifting" in text and "on the way down" not in text
    _, lowered = run_core(set_of_lifts_track([0.0, 40.0], [0.0, 5.0]), Settings()).verdicts
    assert lowered.while_lowering and not lowered.through_bottom
    assert lowered.reason.startswith("lowered the load with the back:") and "on the way down" in rep_advice(
        lowered, Settings().advice)


def test_a_set_down_rounded_and_risen_rounded_is_told_it_rounded_lowering_the_load():
    """Box work: a box lifted, then set down stooped, the lifter standing up from it rounded. The set-down's reason
    says "lowered the load with the back and came back up rounded"; its advice had said only that the back rounded
    "as you came up", the empty-handed rise, and not a word of the lowering that carried the box (the rendered
    box stoop, reps 2 and 4). A rep lifted rounded lowers nothing and is told of its lift alone."""
    lifted, lowered = run_core(set_of_lifts_track([3.0, 40.0], [3.0, 40.0]), Settings()).verdicts
    assert lowered.verdict == "rounded_back" and lowered.lowered_rounded and not lowered.while_lowering
    assert "lower" in rep_advice(lowered, Settings().advice).lower()
    (alone,) = run_core(lift_track("rounded_back", n_reps=1)[0], Settings()).verdicts
    assert alone.verdict == "rounded_back" and not alone.lowered_rounded
    assert "lower" not in rep_advice(alone, Settings().advice).lower()
    # the same whichever advice the rounded rep gets: a stoop's, bent knees', or too heavy for a screened lifter
    for rv, screened in ((lowered, math.nan), (replace(lowered, min_knee_angle_deg=100.0), math.nan),
                         (lowered, 120.0)):
        assert advice_kind(rv, screened) in ("bend_knees_chest_up", "chest_up", "too_heavy")
        assert "lower" in advise(rv, screened).lower(), advise(rv, screened)


def test_jerky_lift_is_told_to_lift_slowly_and_breathe_out():
    rv = verdict("squat", faults=("jerky_lift",), ascent_s=0.3)
    assert advise(rv) == ("Lift slowly and breathe out as you lift: you came up in 0.30 s through the stretch you went "
                           "down in 1.00 s.")


@pytest.mark.parametrize(("kind", "word"), [("hip_hinge", "hip hinge"), ("squat", "squat"), ("lunge", "lunge")])
def test_good_reps_are_named(kind, word):
    assert advise(verdict(kind)).lower().startswith(f"good {word}")
    assert "flat" in advise(verdict(kind))


@pytest.mark.parametrize("kind", ["hip_hinge", "squat", "lunge"])
def test_a_flat_back_is_praised_only_where_the_spine_was_judged(kind):
    """A shallow bend (its spine never judged: too upright for rounding to show) is still good, but nothing was
    seen to say its back stayed flat."""
    shallow = verdict(kind, spine=math.nan, trunk=25.0)
    assert advice_kind(shallow) == "good"
    assert advise(shallow).lower().startswith("good") and "flat" not in advise(shallow)
    # Nor does a shallow "hip hinge" (the verdict of a bend neither squat nor lunge) claim it bent at the hips.
    assert "bent at the hips" not in advise(shallow) and "you bent" not in advise(shallow)


def test_insufficient_data_asks_to_film_side_on():
    assert "side-on" in advise(verdict("insufficient_data", spine=math.nan, trunk=math.nan))


def test_a_back_past_its_limit_too_briefly_to_count_is_not_praised_as_flat():
    """A 3x sped-up rendered stoop read 40° for 0.13 s a rep (rounding counts from 0.15 s): cleared, with the reason
    saying so, and had been praised "with a flat back"."""
    brief = replace(verdict(spine=40.0), rounded_s=0.13)
    assert advice_kind(brief) == "flat_all_the_way"
    text = advise(brief)
    assert "flat back" not in text and "0.13 s" in text
    assert "flat back" in advise(verdict(spine=5.0))


def test_a_rep_filmed_from_above_asks_for_a_level_camera_at_hip_height():
    text = advise(replace(verdict("insufficient_data", spine=math.nan), from_above=True))
    assert "hip height" in text and "level" in text


def test_a_video_ending_before_the_lift_asks_to_film_the_whole_lift():
    text = advise(replace(verdict("insufficient_data", spine=math.nan), lift_unseen=True))
    assert "stand up with the load" in text and "side-on" not in text


def _filmed_from_the_rise(seen_share: float, trunk_deg: float, knee_deg: float) -> RepVerdict:
    """The first rep of a video that starts ``seen_share`` of the way down from standing on the rise of a bend (trunk
    to ``trunk_deg``, knees to ``knee_deg``, the spine flat), a whole rep after it."""
    fps = 30.0
    ramp = np.sin(np.linspace(0, np.pi / 2, int(1.2 * fps))) ** 2
    rise = ramp[::-1][-int(round(len(ramp) * seen_share)):]
    env = np.concatenate([rise, np.zeros(int(fps)), ramp, np.ones(int(0.3 * fps)), ramp[::-1], np.zeros(int(fps))])
    track = make_track(trunk_deg * env, knee_deg * env, 3.0 * env, np.arange(len(env)) / fps)
    first, whole = run_core(track, Settings()).verdicts
    assert whole.rep.complete and advice_kind(whole) == "good"    # the same bend filmed whole is praised
    return first


def test_a_rep_undecided_because_the_view_cuts_it_asks_for_the_whole_rep_not_a_side_on_camera():
    """A squat filmed from 70% of the way up: too little of the rep was in view where the back is judged, the camera
    side-on all along. It had been advised "Film side-on with your whole back in view", which the lifter had done;
    what to change is to film the whole rep. A back not seen clearly is still asked for side-on."""
    rv = _filmed_from_the_rise(0.7, 35.0, 100.0)
    assert rv.verdict == "insufficient_data" and rv.view_cut and not rv.lift_unseen
    assert rv.reason.startswith("too little of the rep was in view")
    text = advise(rv)
    assert "side-on" not in text and "whole rep" in text and "standing" in text, text
    unseen = verdict("insufficient_data", spine=math.nan)
    assert not unseen.view_cut and "side-on" in advise(unseen)


def one_of_each_kind() -> list[RepVerdict]:
    """A rep for each kind of advice but those a screen's depth picks (`advice_kind`)."""
    return [verdict("insufficient_data"), verdict("rounded_back", spine=40.0, knee_angle=170.0),
            verdict("rounded_back", spine=40.0, knee_angle=100.0), verdict(faults=("rounded_reach_down",)),
            replace(verdict(faults=("rounded_reach_down",)), rep=replace(REP, lowers_load=True)),
            verdict(faults=("jerky_lift",)), verdict(),
            replace(verdict("rounded_back", spine=25.0, trunk=33.0, knee_angle=80.0), squat_bottom=True),
            replace(verdict("rounded_back", spine=30.0), while_lowering=True),
            replace(verdict("insufficient_data"), lift_unseen=True), replace(verdict(), judged_on_descent=True),
            replace(verdict("insufficient_data"), from_above=True), replace(verdict(spine=40.0), rounded_s=0.13),
            replace(verdict(spine=5.0), rounded_s=0.07, head_briefly=True),
            replace(verdict("insufficient_data"), view_cut=True),
            replace(verdict(), judged_on_descent=True, pose_lost_s=0.4), replace(verdict(spine=19.0), near_limit=True)]


def test_every_kind_has_a_short_cue_and_a_sentence():
    cases = one_of_each_kind()
    kinds = {advice_kind(rv) for rv in cases} | {advice_kind(replace(cases[1], spine_flexion_pct_of_max=90.0), 50.0),
                                                 advice_kind(cases[1], 120.0)}
    assert kinds == set(ADVICE_CUES)
    for rv in cases:
        assert advise(rv).endswith(".") and len(rep_cue(rv, AdviceSettings())) <= 32


def test_the_live_cue_hedges_praise_as_the_advice_does():
    """A flat lift judged at an angle, or seen in part, is praised less surely in the full advice; live and the video
    had shown the cue "Good lift" under it, unhedged (filmed 30-45 deg off side-on live asks nothing of the view)."""
    settings = AdviceSettings()
    flat = verdict()
    assert rep_cue(flat, settings) == ADVICE_CUES["good"]
    at_angle, in_part = replace(flat, at_an_angle=True), replace(flat, pose_lost_s=0.3)
    assert "film side-on to be sure" in advise(at_angle) and "Only part of this rep" in advise(in_part)
    assert rep_cue(at_angle, settings) == HEDGED_GOOD_CUES["at_an_angle"]
    assert rep_cue(in_part, settings) == HEDGED_GOOD_CUES["in_part"]
    assert rep_cue(replace(flat, rep=replace(REP, complete=False)), settings) == HEDGED_GOOD_CUES["in_part"]
    # a rep the video starts inside, though not at its edge (a real clip starting at 55 deg of lean: its reason said
    # "seen in part", its praise and cue did not)
    cut = replace(flat, seen_whole=False)
    assert rep_cue(cut, settings) == HEDGED_GOOD_CUES["in_part"] and "Only part of this rep" in advise(cut)
    # A back never judged (a lunge too upright) is not told that turning side-on would settle it.
    unread = replace(at_angle, peak_spine_flexion_deg=math.nan)
    assert rep_cue(unread, settings) == ADVICE_CUES["good"] and "film side-on" not in advise(unread)
    # From behind at an angle a flat back reads rounded if anything: its praise stands, as in the advice.
    assert rep_cue(replace(at_angle, from_behind=True), settings) == ADVICE_CUES["good"]
    assert all(len(cue) <= 32 for cue in HEDGED_GOOD_CUES.values())


@pytest.mark.parametrize("screen_depth", [math.nan, 60.0, 120.0])
def test_advice_without_a_reps_own_numbers_is_the_same_for_reps_that_differ_only_in_them(screen_depth):
    """A long set's report gives each advice once for the reps it applies to: two reps told the same thing with
    other angles, times, share of the range or moment of rounding get the same words, which carry none of a rep's
    numbers (the screen's depth, the lifter's, stays); with them, each rep's sentence is its own."""
    head_led = replace(verdict("rounded_back", spine=12.0, knee_angle=170.0), head_led=True, peak_neck_flexion_deg=48.0)
    for rv in [*one_of_each_kind(), head_led, replace(one_of_each_kind()[1], spine_flexion_pct_of_max=90.0)]:
        other = replace(rv, peak_spine_flexion_deg=rv.peak_spine_flexion_deg + 3.0,
                        peak_trunk_inclination_deg=rv.peak_trunk_inclination_deg + 4.0,
                        rounded_s=rv.rounded_s and rv.rounded_s + 0.01, ascent_s=rv.ascent_s - 0.2,
                        spine_flexion_pct_of_max=rv.spine_flexion_pct_of_max + 5.0,
                        peak_neck_flexion_deg=rv.peak_neck_flexion_deg + 6.0, lowered_rounded=not rv.lowered_rounded)
        assert advice_kind(other, screen_depth) == advice_kind(rv, screen_depth)
        shared = advise(rv, screen_depth, own_numbers=False)
        assert advise(other, screen_depth, own_numbers=False) == shared
        screens = f"{screen_depth:.0f}°"      # the lifter's own, said in every rep's words alike
        assert not re.search(r"\d", shared.replace(screens, "")), shared
        assert "  " not in shared and " ;" not in shared and " ," not in shared and shared.endswith("."), shared
        if re.search(r"\d", advise(rv, screen_depth).replace(screens, "")):     # a sentence with the rep's numbers
            assert advise(other, screen_depth) != advise(rv, screen_depth)
    assert advise(head_led, own_numbers=False).startswith(
        "Bend at the hips and knees and keep your chest up: your back rounded with your head hanging (keep your head "
        "in line)")


def test_a_screen_profile_sets_the_hinge_depth(tmp_path):
    from liftform.core.screen import ScreenResult
    from liftform.screening import profile_toml

    screen = ScreenResult(62.0, 70.0, 48.0, 95.0, "lunge", "", 0.9, rounded=True, spine_rounded=True)
    path = tmp_path / "me.toml"
    path.write_text(profile_toml(screen))
    settings = load_settings(None, None, path)
    assert settings.advice.screen_hinge_depth_deg == 62.0 and Settings().advice.screen_hinge_depth_deg == 0.0
    assert settings.spine.personal_max_flexion_deg == 48.0
    # The profile never moves the spine's zero: a zero from the early bend read neutral real lifters as rounded.
    assert settings.spine.neutral_bend_deg == Settings().spine.neutral_bend_deg
    assert "neutral_bend_deg" not in profile_toml(screen)
    flat = ScreenResult(85.0, 100.0, 9.0, 88.0, "hip_hinge", "", 0.9, rounded=False)
    assert "personal_max_flexion_deg" not in profile_toml(flat)    # a back that never rounded shows no range
    # A profile from an older screen, with its own zero, is refused in one line, not applied silently.
    older = tmp_path / "old.toml"
    older.write_text("[spine]\nneutral_bend_deg = -8.5\npersonal_max_flexion_deg = 30.0\n")
    with pytest.raises(ConfigError, match="record the screen again"):
        load_settings(None, None, older)
    config = tmp_path / "config.toml"                               # meant by hand: a config file may set it
    config.write_text("[spine]\nneutral_bend_deg = -8.5\n")
    assert load_settings(config).spine.neutral_bend_deg == -8.5
    # A zero from a bend someone checked neutral (`liftform screen --neutral`) is written, marked so, and applied.
    checked = tmp_path / "checked.toml"
    checked.write_text(profile_toml(replace(flat, own_neutral_bend_deg=31.25)))
    own = load_settings(None, None, checked)
    assert own.spine.neutral_bend_deg == 31.25 and own.advice.screen_hinge_depth_deg == 85.0
    with pytest.raises(ConfigError, match="pass it with --profile"):    # a profile passed as a config file
        load_settings(checked)
    by_hand = checked.read_text().replace("neutral_checked = true", 'neutral_checked = "yes"')
    checked.write_text(by_hand)              # had been told it was "a zero from an older `liftform screen`"
    with pytest.raises(ConfigError, match="neutral_checked must be true or false, not 'yes'"):
        load_settings(None, None, checked)
    marked = by_hand.replace('neutral_checked = "yes"', "neutral_checked = false")
    checked.write_text(marked)                                      # the mark is what lets the zero through
    with pytest.raises(ConfigError, match="record the screen again"):
        load_settings(None, None, checked)


def test_every_rep_carries_its_advice_in_result_json_reps_csv_and_the_terminal(tmp_path, capsys):
    import csv
    import json

    from test_outputs import synthetic_analysis

    from liftform.cli.show import print_summary
    from liftform.outputs.result_json import write_result_json
    from liftform.outputs.tables import write_reps_csv

    analysis = synthetic_analysis()
    expected = [rep_advice(rv, analysis.settings.advice) for rv in analysis.verdicts]
    assert expected[0].startswith("Bend at the hips and knees") and "side-on" in expected[1]
    doc = json.loads(write_result_json(analysis, tmp_path).read_text())
    assert doc["schema_version"] >= 2 and [r["advice"] for r in doc["reps"]] == expected   # advice since 2
    with open(write_reps_csv(analysis, tmp_path), newline="") as fh:
        assert [row["advice"] for row in csv.DictReader(fh)] == expected
    print_summary(analysis, None)
    printed = " ".join(capsys.readouterr().out.split())
    for text in expected:
        assert "advice: " + " ".join(text.split()) in printed


@pytest.mark.parametrize(("natural_offset_deg", "refused"), [
    (25.0, None),                                   # a build whose outline reads 25 deg over most people's: taken
    (70.0, "not a neutral back's bend"),            # past any neutral back's reading: refused, no profile written
])
def test_screen_neutral_reads_the_zero_of_a_checked_hinge_and_refuses_one_no_back_reads(
        monkeypatch, natural_offset_deg, refused):
    """`screen_video(neutral=True)` on a flat hinge (the pose stage replaced by a synthetic track with a known
    outline): the zero is the outline's bend where the spine is judged; one outside the setting's range is refused
    in one line (a profile holding it could not be loaded)."""
    import liftform.screening as screening
    from liftform.analysis import ModelInfo, SourceInfo
    from liftform.errors import InputError

    natural = Settings().spine.neutral_bend_deg + natural_offset_deg
    track, truth = lift_track("hip_hinge", n_reps=2, natural_bend_deg=natural)
    source = SourceInfo("hinge.mp4", "", 30.0, len(track), *track.frame_size_wh, len(track) / 30.0)
    monkeypatch.setattr(screening, "estimate_video_track",
                        lambda *args, **kwargs: (track, source, ModelInfo("none", ""), []))
    if refused:
        with pytest.raises(InputError, match=refused):
            screening.screen_video("hinge.mp4", neutral=True)
        return
    result = screening.screen_video("hinge.mp4", neutral=True)
    assert natural <= result.own_neutral_bend_deg <= natural + truth["spine"].max()
    assert f"neutral_bend_deg = {result.own_neutral_bend_deg:.2f}" in screening.profile_toml(result)


def test_screen_neutral_rep_reads_the_zero_of_the_rep_that_was_checked(monkeypatch):
    """A set of two hinges, the first flat (4 deg of flexion), the second rounded (40 deg): with ``rep`` the zero is
    read from that rep's frames only, so the checked flat rep gives the outline's own neutral and the rounded one
    reads 30 deg and more higher, and the screen is the checked rep's bend; a rep the video does not have is
    refused in one line. The CLI refuses --rep without --neutral (usage, exit 2) before any video is read."""
    from synthetic_tracks import lift_profile, make_track
    from typer.testing import CliRunner

    import liftform.screening as screening
    from liftform.analysis import ModelInfo, SourceInfo
    from liftform.cli import app
    from liftform.errors import InputError

    t, env = lift_profile(2, 30.0, 1.0)
    second = t >= t[len(t) // 2]
    spine = env * np.where(second, 40.0, 4.0)
    natural = Settings().spine.neutral_bend_deg
    track = make_track(env * np.where(second, 85.0, 75.0), env * np.where(second, 10.0, 20.0), spine, t)
    source = SourceInfo("set.mp4", "", 30.0, len(track), *track.frame_size_wh, float(t[-1]))
    monkeypatch.setattr(screening, "estimate_video_track",
                        lambda *args, **kwargs: (track, source, ModelInfo("none", ""), []))
    flat = screening.screen_video("set.mp4", neutral=True, rep=1)
    rounded = screening.screen_video("set.mp4", neutral=True, rep=2)
    assert natural <= flat.own_neutral_bend_deg <= natural + 4.0
    assert rounded.own_neutral_bend_deg >= flat.own_neutral_bend_deg + 30.0
    start_s, end_s = flat.neutral_rep_span_s
    assert 0.0 <= start_s < end_s <= t[len(t) // 2]                  # the first rep's span
    # The screen itself is the checked rep's bend too (it was the set's deepest, the unchecked rounded one: the
    # profile then told the checked lifter they "cannot reach" the depth they had just reached flat)
    assert not flat.rounded and flat.advice == "hip_hinge" and 70.0 <= flat.hinge_depth_deg <= 76.0
    assert flat.max_trunk_inclination_deg <= 76.0 < rounded.max_trunk_inclination_deg
    with pytest.raises(InputError, match=r"has 2 reps \(numbered from 1"):
        screening.screen_video("set.mp4", neutral=True, rep=3)
    refused = CliRunner().invoke(app, ["screen", "set.mp4", "--rep", "1"])
    assert refused.exit_code == 2 and "--rep goes with --neutral" in refused.output


def test_screen_neutral_of_a_set_without_rep_says_every_rep_was_taken_as_checked(monkeypatch):
    """`screen set.mp4 --neutral` of a set of two reps read the zero over both and said "your back's outline bends
    ...° in the checked bend": a physiotherapist who had checked one rep of the set was not told the other, unchecked
    one went into the client's zero too. The screen says so and names --rep."""
    import liftform.screening as screening
    from liftform.analysis import ModelInfo, SourceInfo

    track, _ = lift_track("hip_hinge", n_reps=2)
    source = SourceInfo("set.mp4", "", 30.0, len(track), *track.frame_size_wh, len(track) / 30.0)
    monkeypatch.setattr(screening, "estimate_video_track",
                        lambda *args, **kwargs: (track, source, ModelInfo("none", ""), []))
    notes = " ".join(screening.screen_video("set.mp4", neutral=True).notes)
    assert "read from all 2 reps" in notes and "--rep N" in notes, notes
    assert "read from all" not in " ".join(screening.screen_video("set.mp4", neutral=True, rep=1).notes)
    one, _ = lift_track("hip_hinge", n_reps=1)
    monkeypatch.setattr(screening, "estimate_video_track",
                        lambda *args, **kwargs: (one, source, ModelInfo("none", ""), []))
    assert "read from all" not in " ".join(screening.screen_video("set.mp4", neutral=True).notes)


def test_screen_with_a_profile_judges_from_its_zero_and_keeps_it(monkeypatch, tmp_path):
    """A lifter whose outline reads 25 deg over most people's when flat (a kyphotic build) screened from most
    people's zero reads as rounding early; `screen` took no profile, so they could not screen from their own zero
    (checked flat: `screen --neutral`, live's key n). With --profile it judges from that zero, and --save-profile
    keeps it beside the depth read from it. --profile with --neutral (a new zero) is refused."""
    from synthetic_tracks import lift_track
    from typer.testing import CliRunner

    import liftform.screening as screening
    from liftform.analysis import ModelInfo, SourceInfo
    from liftform.cli import app
    from liftform.screening import personal_profile_toml

    natural = Settings().spine.neutral_bend_deg + 25.0
    track, _ = lift_track("hip_hinge", n_reps=1, natural_bend_deg=natural)
    source = SourceInfo("bend.mp4", "", 30.0, len(track), *track.frame_size_wh, float(track.timestamps_s[-1]))
    monkeypatch.setattr(screening, "estimate_video_track",
                        lambda *args, **kwargs: (track, source, ModelInfo("none", ""), []))
    assert screening.screen_video("bend.mp4").rounded                      # from most people's zero
    mine = tmp_path / "mine.toml"
    mine.write_text(personal_profile_toml("# test\n", neutral_bend_deg=natural))
    runner = CliRunner()
    saved = tmp_path / "again.toml"
    result = runner.invoke(app, ["screen", "bend.mp4", "--profile", str(mine), "--save-profile", str(saved)])
    assert result.exit_code == 0, result.output
    assert "HIP HINGE" in result.stdout and f"judged from your own zero, {natural:.0f}° (most" in result.stdout
    kept = load_settings(profile_path=saved)
    assert kept.spine.neutral_bend_deg == pytest.approx(natural, abs=0.01)
    assert kept.advice.screen_hinge_depth_deg >= 70.0
    refused = runner.invoke(app, ["screen", "bend.mp4", "--profile", str(mine), "--neutral"])
    assert refused.exit_code == 2 and "use one" in refused.output


def test_a_zero_near_most_peoples_is_told_apart_from_it_where_the_screen_says_it(monkeypatch, tmp_path, capsys):
    """A zero of 6.47° was said as "your back's outline bends 6° in the checked rep (most people's: 6°)" (live's key
    n, `screen --neutral`) and "judged from your own zero, 6°" (`screen --profile`), beside the result's note "a
    neutral bend of 6.5° ..., not most people's 6.0°": one session said the same zero two ways, the first as none of
    one's own. Each says it to the decimals that tell it from most people's, as the note does."""
    from synthetic_tracks import lift_track
    from typer.testing import CliRunner

    import liftform.screening as screening
    from liftform.analysis import ModelInfo, SourceInfo
    from liftform.cli import app
    from liftform.cli.show import print_own_zero
    from liftform.screening import personal_profile_toml

    print_own_zero(6.47, Settings(), "judged from it", "the checked rep")
    assert "bends 6.5° in the checked rep (most people's: 6.0°)" in " ".join(capsys.readouterr().out.split())
    track, _ = lift_track("hip_hinge", n_reps=1)
    source = SourceInfo("bend.mp4", "", 30.0, len(track), *track.frame_size_wh, float(track.timestamps_s[-1]))
    monkeypatch.setattr(screening, "estimate_video_track",
                        lambda *args, **kwargs: (track, source, ModelInfo("none", ""), []))
    mine = tmp_path / "mine.toml"
    mine.write_text(personal_profile_toml("# test\n", neutral_bend_deg=6.47))
    result = CliRunner().invoke(app, ["screen", "bend.mp4", "--profile", str(mine)], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "judged from your own zero, 6.5° (most people's: 6.0°; from" in result.stdout, result.stdout


def test_a_squat_is_no_screen_and_makes_no_profile():
    """A squat filmed for the screen read as "LUNGE - your back stayed flat down to 41°" and the profile kept 41°
    as the hinge depth: every later lift leaning past 46° was told "you cannot yet reach this low". A squat tells
    nothing of how far the hips hinge: no answer, said so, and no profile."""
    from liftform.core.kinematics import compute_kinematics
    from liftform.core.screen import screen_bend
    from liftform.errors import InputError
    from liftform.screening import profile_toml

    settings = Settings()
    track, _ = lift_track("squat", n_reps=1)
    result = screen_bend(compute_kinematics(track, settings.filter, settings.spine), settings)
    assert result.advice == "insufficient_data" and result.reason.startswith("that was a squat (knees bent")
    with pytest.raises(InputError, match="no profile from this screen: that was a squat"):
        profile_toml(result)
    track, _ = lift_track("hip_hinge", n_reps=1)               # a bend at the hips is screened as before
    assert screen_bend(compute_kinematics(track, settings.filter, settings.spine), settings).advice == "hip_hinge"


def test_a_checked_squat_gives_a_profile_of_its_zero_alone(monkeypatch, tmp_path):
    """README asks for a checked rep of the lift one is judged on: a squatter's `screen --neutral --save-profile` read
    the zero, said "your lifts are judged from it with --profile", then refused: "no profile written ... this screen
    tells no hinge depth" (exit 1). The profile holds the zero alone, and the lifts are judged from it."""
    from typer.testing import CliRunner

    import liftform.screening as screening
    from liftform.analysis import ModelInfo, SourceInfo
    from liftform.cli import app
    from liftform.settings import load_settings

    natural = Settings().spine.neutral_bend_deg - 20.0
    track, _ = lift_track("squat", n_reps=1, natural_bend_deg=natural)
    source = SourceInfo("squat.mp4", "", 30.0, len(track), *track.frame_size_wh, len(track) / 30.0)
    monkeypatch.setattr(screening, "estimate_video_track",
                        lambda *args, **kwargs: (track, source, ModelInfo("none", ""), []))
    saved = tmp_path / "me.toml"
    result = CliRunner().invoke(app, ["screen", "squat.mp4", "--neutral", "--save-profile", str(saved), "-q"])
    assert result.exit_code == 0 and f"profile written to {saved}" in " ".join(result.stdout.split()), result.output
    text = saved.read_text()
    assert "the checked rep tells no hinge depth" in text and "screen_hinge_depth_deg" not in text
    zero = load_settings(profile_path=saved).spine.neutral_bend_deg
    assert natural - 2.0 <= zero <= natural + 6.0
    # Not checked, a squat is still no screen and no profile; nor, screened from that profile's zero, a profile of
    # the zero again (read from no rep of this video).
    for given in ([], ["--profile", str(saved)]):
        result = CliRunner().invoke(app, ["screen", "squat.mp4", *given, "--save-profile", str(tmp_path / "not.toml"),
                                          "-q"])
        assert result.exit_code == 1 and not (tmp_path / "not.toml").exists(), result.output
        assert "no profile written" in " ".join(result.output.split())


def test_a_sit_to_stand_or_a_lunge_is_no_screen_and_each_is_named():
    """A sit-to-stand filmed for the screen (knees bent 95 deg, the trunk leaning 60 deg at seat-off) read as "LUNGE
    - your back stayed flat down to 60 deg of trunk lean" and wrote a profile: the squat check let a trunk leaning past
    50 deg through, though knees bent that far say nothing of how far the hips hinge. A lunge was told "that was a
    squat". Knees bent that far at the deepest lean are no screen, whatever the trunk; a split stance is a lunge."""
    from synthetic_tracks import lift_profile, make_track

    from liftform.core.kinematics import compute_kinematics
    from liftform.core.screen import screen_bend

    settings = Settings()
    t, env = lift_profile(1, 30.0, 1.0)
    seated = compute_kinematics(make_track(env * 60.0, env * 95.0, env * 4.0, t), settings.filter, settings.spine)
    result = screen_bend(seated, settings)
    assert result.advice == "insufficient_data", result.reason
    assert "knees 95°" in result.reason and "sit-to-stand" in result.reason
    # The rendered sit-to-stand's knees, bent 95 deg, read 70 (under the squat's 75); its thighs, 58 deg from upright
    # (hip flexion 118 at 60 deg of lean), show where the hips went: down, not back.
    under_read = replace(seated, knee_flexion_deg=seated.knee_flexion_deg * 70 / 95,
                         hip_flexion_deg=seated.trunk_inclination_deg + env * 58.0)
    result = screen_bend(under_read, settings)
    assert result.advice == "insufficient_data" and "thighs 58° from upright" in result.reason, result.reason
    track, _ = lift_track("lunge", n_reps=1)
    result = screen_bend(compute_kinematics(track, settings.filter, settings.spine), settings)
    assert result.advice == "insufficient_data" and "that was a lunge" in result.reason
    soft = make_track(env * 80.0, env * 30.0, env * 4.0, t)                   # a bend with soft knees: screened
    assert screen_bend(compute_kinematics(soft, settings.filter, settings.spine), settings).advice == "hip_hinge"


def test_a_screen_filmed_from_the_front_says_so_not_bend_further():
    """A full bend filmed from the front was told "the trunk never leaned 40°, where the back is judged: bend slowly
    all the way down towards the floor": the client had bent all the way down; the camera could not see it."""
    from synthetic_tracks import lift_profile, make_track

    from liftform.core.kinematics import compute_kinematics
    from liftform.core.screen import screen_bend

    settings = Settings()
    t, env = lift_profile(1, 30.0, 1.0)
    frontal = make_track(env * 80.0, env * 20.0, env * 4.0, t, yaw_deg=88.0)
    result = screen_bend(compute_kinematics(frontal, settings.filter, settings.spine), settings)
    assert result.advice == "insufficient_data"
    assert "from the front" in result.reason and "side-on" in result.reason, result.reason
    assert "bend slowly all the way down" not in result.reason


def test_a_profile_whose_zero_reads_rounded_says_so_in_the_file(tmp_path):
    """`screen --neutral --rep N` of a rounded rep warned on screen, but the profile it wrote (a zero of 45 deg) kept
    no trace of it for whoever opens the file later. The file says so; it still loads as before."""
    from liftform.personal import rounded_from_deg
    from liftform.screening import personal_profile_toml

    onset = rounded_from_deg()
    for zero, said in ((onset + 18.0, True), (onset - 1.0, False)):
        text = personal_profile_toml("# test\n", neutral_bend_deg=zero, hinge_depth_deg=90.0)
        assert ("reads as most people's rounded backs do" in text) is said, text
        path = tmp_path / f"p{zero:.0f}.toml"
        path.write_text(text)
        assert load_settings(None, profile_path=path).spine.neutral_bend_deg == pytest.approx(round(zero, 2))


def test_a_range_of_spine_flexion_inside_the_limit_is_no_range(tmp_path):
    """An older `liftform screen` wrote `personal_max_flexion_deg = 1.96` where the head, not the back, stopped the
    bend: every rounded rep was then "2000% of your range", and a deeper one told it could not be reached flat. A
    range is the flexion a spine reached past its limit: a file setting one inside the limit in force is refused in
    one line saying what to do, and a result that holds one (rescored) gives no percentage of it."""
    from liftform.core.verdict import judge_rep
    from liftform.personal import own_values_words
    from liftform.settings import apply_overrides

    profile = tmp_path / "me.toml"
    profile.write_text("[spine]\npersonal_max_flexion_deg = 1.96\n[advice]\nscreen_hinge_depth_deg = 70.4\n")
    with pytest.raises(ConfigError, match=r"me.toml: \[spine\] personal_max_flexion_deg 1.96 is inside the limit of "
                                          r"rounding \(\[verdict\] rounded_back_spine_deg 21\).*remove the line"):
        load_settings(None, None, profile)
    config = tmp_path / "config.toml"
    config.write_text("[spine]\npersonal_max_flexion_deg = 0.5\n")
    with pytest.raises(ConfigError, match="config.toml: .* inside the limit"):
        load_settings(config)
    profile.write_text("[spine]\npersonal_max_flexion_deg = 35.0\n")
    assert load_settings(None, None, profile).spine.personal_max_flexion_deg == 35.0
    with pytest.raises(ConfigError, match=r"inside the limit of rounding \(\[verdict\] rounded_back_spine_deg 40\)"):
        load_settings(None, {"verdict": {"rounded_back_spine_deg": 40}}, profile)
    # A result scored with such a profile and rescored keeps its values (`personal.with_personal`): no percentage.
    core = run_core(lift_track("rounded_back", n_reps=1)[0], Settings())
    rep = core.reps[0]
    for own, pct in ((1.96, False), (50.0, True)):
        settings = apply_overrides(Settings(), {"spine": {"personal_max_flexion_deg": own},
                                                "advice": {"screen_hinge_depth_deg": 70.4}})
        rv = judge_rep(core.kinematics, rep, core.flagged, settings.verdict, settings.spine)
        assert rv.verdict == "rounded_back" and math.isfinite(rv.spine_flexion_pct_of_max) == pct
        if pct:                                                # the rep's peak as a share of the person's range
            assert rv.spine_flexion_pct_of_max == pytest.approx(100.0 * rv.peak_spine_flexion_deg / own)
        # 85 deg of lean, past the screen's 70: out of reach flat only where the screen's spine rounded
        assert rep_cue(rv, settings.advice) == ADVICE_CUES["lunge_and_flexibility" if pct else "bend_knees_chest_up"]
        assert "% of your range" not in rep_advice(rv, settings.advice)
        assert ("range of spine flexion" in own_values_words(settings, {})) == pct


def test_a_profile_says_whose_it_is_and_still_loads(tmp_path):
    """A clinic with many clients' profiles could not tell them apart: a profile named no video, rep, date or
    version. The [profile] table says them; loading reads none of them, and a profile written before still loads."""
    import datetime

    from liftform.build import liftform_build
    from liftform.core.screen import ScreenResult
    from liftform.screening import profile_toml
    from liftform.toml_files import tomllib  # tomli on Python 3.10

    screen = ScreenResult(78.0, 90.0, 9.0, 88.0, "hip_hinge", "", 0.9, own_neutral_bend_deg=31.25,
                          read_from="/clinic/S01/checked.mp4", source_sha256="ab" * 32, rep=2)
    text = profile_toml(screen)
    about = tomllib.loads(text)["profile"]
    assert about["read_from"] == "/clinic/S01/checked.mp4" and about["source_sha256"] == "ab" * 32
    assert about["rep"] == 2 and about["liftform_version"] == liftform_build() and about["neutral_checked"] is True
    written = datetime.datetime.fromisoformat(about["written"])
    assert abs((datetime.datetime.now(datetime.timezone.utc) - written).total_seconds()) < 60
    path = tmp_path / "S01.toml"
    path.write_text(text)
    assert load_settings(None, None, path).spine.neutral_bend_deg == 31.25
    # Without a zero of its own (a plain screen of a whole video), it says whose it is too: no rep named.
    plain = tomllib.loads(profile_toml(replace(screen, own_neutral_bend_deg=math.nan, rep=None)))
    assert "rep" not in plain["profile"] and "neutral_checked" not in plain["profile"]
    assert plain["profile"]["read_from"] == "/clinic/S01/checked.mp4"
    # A profile written before (no [profile] facts, or only the checked mark) loads as it did.
    path.write_text("[profile]\nneutral_checked = true\n[spine]\nneutral_bend_deg = 31.25\n"
                    "[advice]\nscreen_hinge_depth_deg = 78.0\n")
    assert load_settings(None, None, path).spine.neutral_bend_deg == 31.25


def test_a_personal_zero_near_most_peoples_is_told_apart_from_it():
    """A screened zero of 6.47 deg was said "a neutral bend of 6°, not most people's 6°" (and "zero 6° (most
    people's 6°)"): both rounded to whole degrees. Each is written to the decimals that tell them apart."""
    from liftform.personal import own_values_words, personal_zero_note, told_apart
    from liftform.settings import SpineSettings, apply_overrides

    usual = SpineSettings().neutral_bend_deg
    assert told_apart(usual + 0.47, usual) == (f"{usual + 0.47:.1f}", f"{usual:.1f}")
    assert told_apart(usual + 0.004, usual) == (f"{usual + 0.004:.2f}", f"{usual:.2f}")
    assert told_apart(usual + 9.2, usual) == (f"{usual + 9.2:.0f}", f"{usual:.0f}")
    assert f"neutral bend of {usual + 0.47:.1f}°" in personal_zero_note(usual + 0.47)
    assert f"not most people's {usual:.1f}°" in personal_zero_note(usual + 0.47)
    assert personal_zero_note(usual) is None
    settings = apply_overrides(Settings(), {"spine": {"neutral_bend_deg": usual + 0.47}})
    assert f"zero {usual + 0.47:.1f}° (most people's {usual:.1f}°)" in own_values_words(settings, {})


def test_a_screened_lifter_stooping_past_the_screens_depth_is_told_what_the_screen_found_not_to_run_it():
    """Someone whose profile says their back stayed flat down to 79° of lean, stooping rounded to 94°, had been told
    to "lunge or half-kneel (`liftform screen` checks it)", the screen they had just done (a new user's audit)."""
    rv = verdict("rounded_back", spine=40.0, trunk=94.0, knee_angle=170.0)
    assert advice_kind(rv, 79.0) == advice_kind(rv) == "bend_knees_chest_up"
    assert advise(rv, 79.0).endswith("lunge or half-kneel (your screen: a flat back to 79° of lean, here 94°).")
    assert advise(rv).endswith("(`liftform screen` checks it).")


def test_results_judged_from_a_zero_that_reads_as_a_rounded_back_say_it_may_hide_rounding(tmp_path, capsys):
    """`screen --neutral --rep 2` of a rounded set warned that its zero of 44° reads as most people's rounded backs
    do; `analyze --profile` then called the rounded lift SAFE, its note and the report saying only "judged from a
    neutral bend of 44°". The result's note now carries the warning (the terminal prints it in full); a zero under
    the onset of rounding says nothing of the kind."""
    from synthetic_tracks import lift_track

    from liftform.analysis import ModelInfo, SourceInfo
    from liftform.cli.show import print_summary
    from liftform.personal import from_profile, rounded_from_deg
    from liftform.pipeline import analyze_track
    from liftform.settings import apply_overrides

    track, _ = lift_track("rounded_back", n_reps=1)
    source = SourceInfo("lift.mp4", "ab" * 32, 30.0, len(track), *track.frame_size_wh, float(track.timestamps_s[-1]))
    onset = rounded_from_deg()
    for zero, warned in ((onset + 17.0, True), (onset - 5.0, False)):
        settings = apply_overrides(Settings(), {"spine": {"neutral_bend_deg": zero}})
        analysis = analyze_track(track, source, ModelInfo("full", "cd" * 32), settings)
        analysis = dataclasses.replace(analysis, personal_from=from_profile("--profile rb.toml"))
        (note,) = [w for w in analysis.quality.warnings if "neutral bend of" in w]
        assert (f"most people's backs read as rounded from {onset:.0f}°" in note) is warned, note
        assert ("it may hide rounding" in note) is warned, note
        print_summary(analysis, None)
        printed = " ".join(capsys.readouterr().out.split())
        assert ("it may hide rounding" in printed) is warned, printed
        assert f"zero {zero:.0f}° (most people's" in printed, printed


@pytest.mark.parametrize("spine", [5.0, math.nan])
def test_a_safe_set_down_in_a_lunge_is_not_told_to_keep_the_load_close_as_you_stand(spine):
    """A box set down in a lunge is stood up from empty-handed: "keep the load close as you stand" had been said of
    it (a trainer's rendered set-down). The lunge that picks it up is still told so."""
    pick_up = verdict("lunge", spine=spine, trunk=20.0)
    set_down = replace(pick_up, rep=replace(pick_up.rep, lowers_load=True))
    assert advise(pick_up).endswith("the load close as you stand.")
    assert "as you stand" not in advise(set_down) and advise(set_down).endswith("the load close.")


def test_a_set_down_whose_rise_alone_rounded_is_not_told_it_lifted_rounded():
    """Box work: a box lifted flat, set down flat, the lifter standing up from it rounded. The set-down's rise may be
    empty-handed (a box's) or the next lift (a bar's): the hands cannot tell. It had read "lifted with the back" and
    "as you came up", which an ergonomist took for the pick-up (a tester's set-down filmed from above, its lowering
    read flat). Both now say it came back up after lowering the load; a rep that lowers nothing is told of its lift."""
    lifted, lowered = run_core(set_of_lifts_track([0.0, 0.0], [0.0, 40.0]), Settings()).verdicts
    assert lifted.verdict != "rounded_back" and lowered.verdict == "rounded_back"
    assert lowered.rep.lowers_load and not (lowered.lowered_rounded or lowered.while_lowering)
    assert lowered.reason.startswith("came back up rounded after lowering the load:"), lowered.reason
    assert "as you came back up after lowering the load" in rep_advice(lowered, Settings().advice)
    (alone,) = run_core(lift_track("rounded_back", n_reps=1)[0], Settings()).verdicts
    assert alone.reason.startswith("lifted with the back:") and "as you came up" in rep_advice(alone, Settings().advice)


def test_a_back_cleared_at_an_angle_is_advised_less_surely_than_side_on():
    """A clinician read a three-quarter view's "your back was flat from lift-off on, but you reached down rounded"
    (26 % confidence) as a set-up fault. A rep judged further off side-on than `full_view_yaw_deg` is `at_an_angle`,
    in result.json too, and a cleared back's advice (a good hinge, a rounded reach-down) says it is less sure there.
    Side-on, as before."""
    from liftform.outputs.result_json import REP_FIELDS

    hedge = "Filmed at an angle, the back's outline is less sure than side-on: film side-on to be sure."
    for yaw, angled in ((0.0, False), (50.0, True)):
        track, _ = lift_track("hip_hinge", n_reps=1, yaw_deg=yaw)
        (rv,) = run_core(track, Settings()).verdicts
        assert rv.verdict == "hip_hinge" and rv.at_an_angle is angled, (yaw, rv.verdict, rv.reason)
        assert (hedge in rep_advice(rv, Settings().advice)) is angled
    assert "at_an_angle" in REP_FIELDS


def test_a_back_cleared_near_its_limit_is_not_praised_as_flat():
    """A rendered half-kneel rounded 40° read 20° against a limit of 21°: "Good lunge: your back stayed flat". Within
    the flag's hysteresis of the limit, where a flagged frame would not yet clear, the praise says it came near."""
    for kind in ("lunge", "squat", "hip_hinge"):
        rv = replace(verdict(kind, spine=20.0, knee_angle=90.0), near_limit=True)
        assert advice_kind(rv) == "near_limit"
        text = advise(rv)
        assert "near its limit" in text and "flat" not in text.split(":")[0] and "stayed flat" not in text, text
    assert "stayed flat" in advise(verdict("lunge", spine=10.0, knee_angle=90.0))


def test_near_limit_is_set_by_the_verdict_within_the_hysteresis_of_the_limit():
    """On a track whose hinge reads a known spine flexion: 2° under the limit is near it, 8° under is not."""
    settings = Settings()
    limit, band = settings.verdict.rounded_back_spine_deg, settings.verdict.flag_hysteresis_deg
    fps = 30.0
    ramp = np.sin(np.linspace(0, np.pi / 2, int(1.0 * fps))) ** 2
    env = np.concatenate([np.zeros(int(fps)), ramp, np.ones(int(0.5 * fps)), ramp[::-1], np.zeros(int(fps))])
    found = {}
    for under in (2.0, band + 4.0):
        track = make_track(70.0 * env, 20.0 * env, (limit - under) * env, np.arange(len(env)) / fps)
        [rv] = run_core(track, settings).verdicts
        assert rv.verdict == "hip_hinge" and rv.peak_spine_flexion_deg == pytest.approx(limit - under, abs=1.5)
        found[under] = (rv.near_limit, advice_kind(rv))
    assert found == {2.0: (True, "near_limit"), band + 4.0: (False, "good")}


def test_praise_after_a_glimpse_says_only_part_was_seen():
    """A lifter lost for 0.8 s at the bottom, the back judged for 0.17 s, was told "you bent at the hips with a flat
    back" in the terminal, the report and live, unhedged."""
    lost = replace(verdict(), pose_lost_s=0.8)
    cut = replace(verdict(), rep=replace(REP, complete=False))
    for rv in (lost, cut):
        assert advise(rv).endswith("keep your whole body in view all through the lift to be sure."), advise(rv)
    assert "Only part" not in advise(verdict())


def test_a_rounded_bent_knee_lift_is_offered_a_lunge_and_the_screen_is_said_as_what_it_measured():
    """A rounded squat was told only that the load was too heavy (a lifter short of range can lunge down to it), and
    with a profile "although your hips reach this low with a flat back": the screen compared the trunk's lean, and a
    squat's hips flex further than the screen's hinge did."""
    squat = verdict("rounded_back", spine=37.0, trunk=45.0, knee_angle=90.0)
    assert advice_kind(squat) == "chest_up" and "lunge or half-kneel" in advise(squat)
    screened = advise(squat, 79.0)
    assert advice_kind(squat, 79.0) == "too_heavy" and "your hips" not in screened
    assert "your screen kept it flat to 79° of lean, here 45°" in screened, screened


def test_a_profile_saved_as_a_folders_profile_says_it_judges_the_videos_beside_it_only(monkeypatch, tmp_path):
    """`screen --save-profile study/P01/profile.toml` said "score the videos of its folder with `liftform score
    study/P01 --folder-profiles`": a clinician's weekly folders below it were judged without it, without a word."""
    from typer.testing import CliRunner

    import liftform.screening as screening
    from liftform.analysis import ModelInfo, SourceInfo
    from liftform.cli import app

    track, _ = lift_track("squat", n_reps=1)
    source = SourceInfo("squat.mp4", "", 30.0, len(track), *track.frame_size_wh, len(track) / 30.0)
    monkeypatch.setattr(screening, "estimate_video_track",
                        lambda *args, **kwargs: (track, source, ModelInfo("none", ""), []))
    saved = tmp_path / "P01" / "profile.toml"
    saved.parent.mkdir()
    result = CliRunner().invoke(app, ["screen", "squat.mp4", "--neutral", "--save-profile", str(saved), "-q"])
    said = " ".join(result.stdout.split())
    assert result.exit_code == 0 and "--folder-profiles` (the videos beside it, not those in folders below it" in said


def test_advice_reads_the_same_from_a_fresh_rep_and_from_its_result_json():
    """A rescore with nothing changed said a rep's advice changed, and a report advised "here 94°" where reps.csv
    said "here 93°": a lean of 93.4996 is stored as 93.5, and read back rounded the other way."""
    fresh = replace(verdict("rounded_back", spine=40.4996, trunk=93.4996, knee_angle=100.0), rounded_s=0.12549,
                    spine_flexion_pct_of_max=61.4999)
    stored = replace(fresh, peak_spine_flexion_deg=40.5, peak_trunk_inclination_deg=93.5, rounded_s=0.125,
                     spine_flexion_pct_of_max=61.5)
    for depth in (math.nan, 60.0, 120.0):
        assert advise(fresh, depth) == advise(stored, depth)
    assert advise(replace(verdict(spine=40.0), rounded_s=0.12549)) == advise(replace(verdict(spine=40.0),
                                                                                     rounded_s=0.125))
