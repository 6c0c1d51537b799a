"""Renderer variations with known truth: bodies, spine patterns, a hoodie, object lifts and the set-up fault.

MediaPipe-free: checked against the renderer's 3D skeleton and the rendered labels.
"""

from __future__ import annotations

import numpy as np
import pytest

from liftform.synth import Build, LiftSpec, SynthScene, read_truth_csv, write_sample
from liftform.synth.objects import object_primitives

LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP, NOSE, RIGHT_WRIST = 11, 12, 23, 24, 0, 16


def _bottom(scene: SynthScene) -> int:
    return int(np.argmax(scene.schedule.weight))


def _hollow_m(nodes: np.ndarray, lo: int, hi: int) -> float:
    """Signed depth (m) of the dorsal line's nodes between ``lo`` and ``hi`` in front of (+, hollow) the chord."""
    a, b = nodes[lo, :2], nodes[hi, :2]
    chord = (b - a) / np.linalg.norm(b - a)
    forward = np.array([chord[1], -chord[0]])  # the chord rotated -90 deg: anterior for an upright body facing +x
    return float(max((p[:2] - a) @ forward for p in nodes[lo + 1 : hi]))


def test_builds_change_the_neutral_back_not_the_truth():
    scenes = {
        name: SynthScene(LiftSpec(motion="hip_hinge", reps=1, build=build))
        for name, build in {
            "default": Build(),
            "lordotic": Build(lordosis_deg=20.0),
            "flat": Build(lordosis_deg=-10.0),
            "kyphotic": Build(kyphosis_deg=20.0),
        }.items()
    }
    for scene in scenes.values():  # each body's own standing posture is its zero
        assert scene.truth.spine_flexion_deg[0] == pytest.approx(0.0, abs=1e-6)
        bottom = _bottom(scene)
        assert scene.truth.spine_flexion_deg[bottom] == pytest.approx(2.0, abs=1e-6)
    lumbar = {k: _hollow_m(s.skeletons[0].spine_nodes, 0, 3) for k, s in scenes.items()}
    assert lumbar["lordotic"] > lumbar["default"] + 0.01 > lumbar["flat"] + 0.01
    hunch = {k: -_hollow_m(s.skeletons[0].spine_nodes, 2, 6) for k, s in scenes.items()}
    assert hunch["kyphotic"] > hunch["default"] + 0.01
    # The trunk line is kept: a lordotic body tips its pelvis forward instead.
    assert scenes["lordotic"].truth.trunk_inclination_deg[0] == pytest.approx(1.0, abs=1e-6)
    assert scenes["lordotic"].skeletons[0].pelvis_deg > scenes["default"].skeletons[0].pelvis_deg + 5


def _back_extent_px(scene: SynthScene, i: int, row_y: float) -> int:
    """Image x of the body's rearmost pixel on row ``row_y`` (facing right: the smallest x)."""
    return int(np.nonzero(scene.render(i).body_mask[int(row_y)])[0].min())


def test_bigger_buttocks_and_girth_widen_the_silhouette():
    base = SynthScene(LiftSpec(motion="hip_hinge", reps=1, prop="none"))
    big = SynthScene(LiftSpec(motion="hip_hinge", reps=1, prop="none", build=Build(buttock_m=0.05)))
    row = base.truth.image_xy[0, [LEFT_HIP, RIGHT_HIP], 1].mean() + 4
    shift = _back_extent_px(base, 0, row) - _back_extent_px(big, 0, row)
    assert shift == pytest.approx(0.05 * base.camera.px_per_m, abs=3)
    np.testing.assert_allclose(base.truth.spine_flexion_deg, big.truth.spine_flexion_deg)
    wide = SynthScene(LiftSpec(motion="hip_hinge", reps=1, prop="none", build=Build(girth=1.25)))
    assert wide.render(0).body_mask.sum() > 1.08 * base.render(0).body_mask.sum()
    with pytest.raises(ValueError, match="spine_pattern"):
        Build(spine_pattern="twisted")


@pytest.mark.parametrize(("pattern", "lumbar_share"), [("even", 0.48), ("thoracic", 0.06), ("lumbar", 0.85)])
def test_spine_patterns_split_the_same_flexion(pattern, lumbar_share):
    scene = SynthScene(LiftSpec(motion="rounded_back", reps=1, build=Build(spine_pattern=pattern)))
    t, i = scene.truth, _bottom(scene)
    assert t.spine_flexion_deg[i] == pytest.approx(46.0, abs=1e-6)
    assert t.lumbar_flexion_deg[i] + t.thoracic_flexion_deg[i] == pytest.approx(46.0, abs=1e-6)
    assert t.lumbar_flexion_deg[i] / 46.0 == pytest.approx(lumbar_share, abs=1e-6)


def test_thoracic_rounding_drops_the_head_towards_the_floor():
    even = SynthScene(LiftSpec(motion="rounded_back", reps=1))
    hunched = SynthScene(LiftSpec(motion="rounded_back", reps=1, build=Build(spine_pattern="thoracic")))
    i = _bottom(even)
    neck_from_down_deg, head_y = {}, {}
    for name, scene in (("even", even), ("thoracic", hunched)):
        sk = scene.skeletons[i]
        v = sk["head_center"] - sk["neck_base"]
        neck_from_down_deg[name] = 180.0 - np.degrees(np.arctan2(v[0], v[1]))
        head_y[name] = sk["head_center"][1]
    assert neck_from_down_deg["thoracic"] < 20 < neck_from_down_deg["even"]  # the head hangs straight down
    assert head_y["thoracic"] < head_y["even"] - 0.04


def _head_turn_deg(scene: SynthScene, i: int) -> float:
    """Angle (deg) of neck_base -> head_center from the trunk line (hip mid -> neck base), + toward the chest
    (the body faces +x, y up: a turn toward the chest is clockwise)."""
    sk = scene.skeletons[i]
    trunk = sk["neck_base"] - 0.5 * (sk["left_hip"] + sk["right_hip"])
    head = sk["head_center"] - sk["neck_base"]
    return float(np.degrees(np.arctan2(trunk[1] * head[0] - trunk[0] * head[1], trunk[:2] @ head[:2])))


def test_the_head_can_look_at_the_feet_or_hang_with_the_back_flat():
    """A flat hinge keeps its back whatever the head does; looking at the feet turns the head less than hanging."""
    scenes = {head: SynthScene(LiftSpec(motion="hip_hinge", reps=1, head=head)) for head in ("auto", "feet", "hang")}
    i = _bottom(scenes["auto"])
    turn = {head: _head_turn_deg(scene, i) for head, scene in scenes.items()}
    assert turn["auto"] < 0 < turn["feet"] < turn["hang"]      # the hinge looks ahead; then down; then hangs
    truths = [scene.truth.spine_flexion_deg[i] for scene in scenes.values()]
    assert max(truths) - min(truths) < 1e-9                       # the back is the same flat back
    with pytest.raises(ValueError, match="head must be one of"):
        LiftSpec(head="down")


def test_a_hunched_upper_back_can_look_ahead():
    """A thoracic hunch with the neck extended to look forward (the "eyes up" of a deadlift): the head does not hang
    (the head's cue cannot flag it: the back's contour must), the spine's truth is the same hunch."""
    build = Build(spine_pattern="thoracic")
    scenes = {head: SynthScene(LiftSpec(motion="rounded_back", reps=1, build=build, head=head))
              for head in ("auto", "ahead")}
    i = _bottom(scenes["auto"])
    turn = {head: _head_turn_deg(scene, i) for head, scene in scenes.items()}
    # From the trunk line the hunch itself turns the neck's base down (~45 deg); the hanging head adds ~45 more.
    assert turn["ahead"] < 30 < 60 < turn["auto"]
    assert scenes["ahead"].truth.spine_flexion_deg[i] == pytest.approx(scenes["auto"].truth.spine_flexion_deg[i])
    assert scenes["ahead"].truth.spine_flexion_deg[i] > 40


def test_a_good_morning_holds_the_load_at_the_chest_through_the_hinge():
    """The hands stay by the chest (never hanging toward the floor, where the phases look for lift-off), the trunk
    hinges to ~80 deg with a neutral back."""
    scene = SynthScene(LiftSpec(motion="good_morning", reps=1, prop="dumbbell"))
    i = _bottom(scene)
    for k in (0, i):
        sk = scene.skeletons[k]
        shoulder, hip = sk["right_shoulder_joint"], 0.5 * (sk["left_hip"] + sk["right_hip"])
        wrist = sk["right_wrist"]
        assert np.linalg.norm(wrist - shoulder) < 0.35                  # held by the chest, not at arm's length
        assert wrist[1] > hip[1] - 0.25                                   # never down by the knees
    assert scene.truth.spine_flexion_deg[i] < 5


def test_lumbar_flexion_in_a_squat_tucks_the_pelvis_under():
    neutral = SynthScene(LiftSpec(motion="squat", reps=1, prop="dumbbell"))
    tucked = SynthScene(LiftSpec(motion="squat", reps=1, prop="dumbbell", spine_flexion_peak_deg=30.0,
                                 build=Build(spine_pattern="lumbar")))
    i = _bottom(neutral)
    assert tucked.truth.lumbar_flexion_deg[i] == pytest.approx(25.5, abs=1e-6)
    # The same trunk line with the lower back flexed: the pelvis is tilted back (posteriorly) by the flexion.
    assert tucked.truth.trunk_inclination_deg[i] == pytest.approx(neutral.truth.trunk_inclination_deg[i], abs=1e-6)
    assert tucked.skeletons[i].pelvis_deg < neutral.skeletons[i].pelvis_deg - 10
    assert (tucked.render(i).label == 2).sum() > 200  # the dumbbells are drawn


def test_hoodie_is_dark_and_spans_the_lower_back():
    fitted = SynthScene(LiftSpec(motion="hip_hinge", reps=1, prop="none"))
    hoodie = SynthScene(LiftSpec(motion="hip_hinge", reps=1, prop="none", hoodie=True))
    np.testing.assert_allclose(fitted.truth.spine_flexion_deg, hoodie.truth.spine_flexion_deg)
    frame = hoodie.render(0)
    xy = hoodie.truth.image_xy[0]
    chest = frame.rgb[int(xy[[LEFT_SHOULDER, RIGHT_SHOULDER], 1].mean()) + 25, int(xy[RIGHT_SHOULDER, 0])]
    assert chest.max() < 90  # dark fabric
    # Standing, the lumbar hollow is filled: the back's edge at the waist sits further out than in a fitted shirt.
    waist = xy[[LEFT_HIP, RIGHT_HIP], 1].mean() - 0.18 * hoodie.camera.px_per_m
    assert _back_extent_px(fitted, 0, waist) - _back_extent_px(hoodie, 0, waist) >= 0.03 * hoodie.camera.px_per_m


@pytest.fixture(scope="module")
def setup_fault() -> SynthScene:
    return SynthScene(LiftSpec(motion="reach_rounded_then_flat", reps=1))


def test_set_up_fault_truth_says_when_the_load_is_on(setup_fault):
    t = setup_fault.truth
    phase = t.lift_phase
    reach = np.flatnonzero(phase == "reach_down")
    assert not t.loaded[reach].any() and t.spine_flexion_deg[reach[-1]] > 35  # rounded, unloaded
    lifted = np.isin(phase, ["lift_off", "ascent"])
    assert t.loaded[lifted][1:].all() and np.abs(t.spine_flexion_deg[lifted]).max() < 2.5  # flat under load
    assert set(phase[t.loaded]) <= {"lift_off", "ascent", "lockout", "lowering"}
    assert set(np.unique(t.rep_index)) == {-1, 0, 1}  # pick-up and set-down are bends of their own
    hip_y = t.world_xyz[:, RIGHT_HIP, 1]
    set_end = np.flatnonzero(phase == "set")[-1]
    assert hip_y[set_end] < hip_y[reach[-1]] - 0.1  # the hips came down to set the back
    for i in range(len(t)):  # the object sits on the floor unless it is held up
        obj = setup_fault.objects[i]
        assert (obj.bottom_y_m > 0.01) == (t.loaded[i] and obj.bottom_y_m > 0.01)
        assert obj.bottom_y_m >= -1e-9
    assert max(o.bottom_y_m for o in setup_fault.objects) > 0.4  # carried at the waist


def test_hands_hold_the_object_and_it_hides_them(setup_fault):
    scene, t = setup_fault, setup_fault.truth
    for i in np.flatnonzero(np.isin(t.lift_phase, ["set", "ascent", "lockout", "lowering", "set_down"])):
        hands = 0.5 * (scene.skeletons[i]["left_hand"] + scene.skeletons[i]["right_hand"])
        assert np.linalg.norm(hands - scene.objects[i].grip_xyz_m) < 0.015
    i = int(np.flatnonzero(t.lift_phase == "lockout")[0])
    x, y = t.image_xy[i, RIGHT_WRIST]
    assert scene.render(i).label[int(y), int(x)] == 2  # the near wrist is behind the box
    assert object_primitives(scene.objects[i])  # and the box is made of primitives


@pytest.mark.parametrize(
    ("motion", "prop"),
    [(m, "box") for m in ("stoop_lift", "hinge_lift", "squat_lift", "half_kneel_lift", "rounded_set_down")]
    + [("stoop_lift", "bag"), ("squat_lift", "kettlebell")],
)
def test_object_lifts_reach_the_object_and_show_it(motion, prop):
    scene = SynthScene(LiftSpec(motion=motion, prop=prop, reps=1, stand_s=0.2, width_px=320, height_px=240,
                                supersample=1))
    t = scene.truth
    held = np.isin(t.lift_phase, ["set", "lockout", "set_down"])
    gaps = [np.linalg.norm(0.5 * (scene.skeletons[i]["left_hand"] + scene.skeletons[i]["right_hand"])
                           - scene.objects[i].grip_xyz_m) for i in np.flatnonzero(held)]
    assert max(gaps) < 0.015
    frame = scene.render(_bottom(scene))
    assert (frame.label == 2).sum() > 100 and (frame.label == 1).sum() > 1000
    if motion == "half_kneel_lift":  # one knee comes down to the floor
        assert t.world_xyz[:, [25, 26], 1].min() < 0.07


@pytest.mark.slow
@pytest.mark.parametrize(
    "spec",
    [
        LiftSpec(motion="rounded_back", yaw_deg=45.0, build=Build(spine_pattern="thoracic", kyphosis_deg=15.0)),
        LiftSpec(motion="squat", yaw_deg=30.0, faces="left", prop="dumbbell", build=Build(spine_pattern="lumbar")),
        LiftSpec(motion="hip_hinge", yaw_deg=45.0, hoodie=True, build=Build(lordosis_deg=15.0, buttock_m=0.04)),
        LiftSpec(motion="reach_rounded_then_flat", yaw_deg=45.0, faces="left"),
        LiftSpec(motion="half_kneel_lift", yaw_deg=30.0, prop="bag"),
    ],
    ids=lambda s: s.name,
)
def test_variations_render_at_any_yaw_where_the_truth_is(spec):
    scene = SynthScene(spec)
    near = {"right": (12, 24, 26, 28), "left": (11, 23, 25, 27)}[scene.truth.near_side]
    for i in (0, _bottom(scene)):
        frame = scene.render(i)
        xy = scene.truth.image_xy[i]
        for idx in near[:3]:
            assert frame.label[int(xy[idx, 1]), int(xy[idx, 0])] >= 1, (i, idx)
        ys, xs = np.nonzero(frame.label)
        assert xs.min() > 0 and xs.max() < spec.width_px - 1 and ys.min() > 0


@pytest.mark.slow   # renders and encodes a whole clip (~13 s)
def test_truth_csv_has_the_lift_phase_and_load(tmp_path):
    spec = LiftSpec(motion="reach_rounded_then_flat", reps=1, width_px=320, height_px=240, stand_s=0.2,
                    supersample=1)
    truth = write_sample(spec, tmp_path / "setup.mp4")
    csv = read_truth_csv(tmp_path / "setup.truth.csv")
    assert list(csv["lift_phase"]) == list(truth.lift_phase)
    np.testing.assert_array_equal(csv["loaded"], truth.loaded.astype(float))
    np.testing.assert_allclose(csv["lumbar_flexion_deg"] + csv["thoracic_flexion_deg"], csv["spine_flexion_deg"],
                               atol=2e-3)
