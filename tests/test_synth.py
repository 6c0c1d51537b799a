"""The synthetic-lift renderer: truth angles agree with the 3D skeleton, the picture agrees with the truth.

Fast and MediaPipe-free: angles are recomputed here from the renderer's 3D joints by independent formulas, and
the rendered body mask is measured directly.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from liftform.synth import LiftSpec, SynthScene, read_truth_csv, write_sample
from liftform.synth.body import SHIN_M, THIGH_M

LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP = 11, 12, 23, 24
NEAR = {
    "right": {"shoulder": 12, "hip": 24, "knee": 26, "ankle": 28},
    "left": {"shoulder": 11, "hip": 23, "knee": 25, "ankle": 27},
}


@pytest.fixture(scope="module")
def scenes() -> dict[str, SynthScene]:
    return {
        m: SynthScene(LiftSpec(motion=m, reps=2)) for m in ("hip_hinge", "rounded_back", "squat", "lunge")
    }


def _bottom(scene: SynthScene) -> int:
    return int(np.argmax(scene.schedule.weight))


def _included_deg(a, b, c) -> float:
    """Angle at b by the law of cosines (deliberately not the renderer's dot-product formula)."""
    ab, cb, ac = np.linalg.norm(a - b), np.linalg.norm(c - b), np.linalg.norm(a - c)
    return float(np.degrees(np.arccos(np.clip((ab**2 + cb**2 - ac**2) / (2 * ab * cb), -1, 1))))


def _sagittal_deg(v) -> float:
    return float(np.degrees(np.arctan2(v[0], v[1])))


@pytest.mark.parametrize("motion", ["hip_hinge", "rounded_back", "squat", "lunge"])
def test_truth_angles_equal_what_the_skeleton_implies(scenes, motion):
    scene = scenes[motion]
    truth, side = scene.truth, scene.truth.near_side
    neutral = scene.skeletons[0].spine_nodes  # frame 0 stands with a neutral spine
    neutral_deg = _sagittal_deg(neutral[-1] - neutral[-2]) - _sagittal_deg(neutral[1] - neutral[0])
    for i in range(0, len(scene), 7):
        j = scene.skeletons[i].joints
        sh, hip, knee, ankle = (j[f"{side}_{n}"] for n in ("shoulder", "hip", "knee", "ankle"))
        trunk = (j["left_shoulder"] + j["right_shoulder"] - j["left_hip"] - j["right_hip"]) / 2
        nodes = scene.skeletons[i].spine_nodes
        spine = _sagittal_deg(nodes[-1] - nodes[-2]) - _sagittal_deg(nodes[1] - nodes[0]) - neutral_deg
        assert truth.trunk_inclination_deg[i] == pytest.approx(
            np.degrees(np.arctan2(np.hypot(trunk[0], trunk[2]), trunk[1])) * np.sign(trunk[0] or 1), abs=1e-6
        )
        assert truth.hip_flexion_deg[i] == pytest.approx(180 - _included_deg(sh, hip, knee), abs=1e-6)
        flat = np.array([1.0, 1.0, 0.0])
        assert truth.hip_flexion_sagittal_deg[i] == pytest.approx(
            180 - _included_deg(sh * flat, hip * flat, knee * flat), abs=1e-6
        )
        assert truth.knee_flexion_deg[i] == pytest.approx(180 - _included_deg(hip, knee, ankle), abs=1e-6)
        assert truth.spine_flexion_deg[i] == pytest.approx(spine, abs=1e-6)
        # The skeleton is rigid where it should be: segment lengths never change.
        assert np.linalg.norm(knee - hip) == pytest.approx(THIGH_M, abs=1e-9)
        assert np.linalg.norm(ankle - knee) == pytest.approx(SHIN_M, abs=1e-9)


@pytest.mark.parametrize(
    ("motion", "ranges"),
    [
        (
            "hip_hinge",
            {"trunk_inclination_deg": (70, 80), "knee_flexion_deg": (15, 25), "spine_flexion_deg": (0, 5)},
        ),
        (
            "rounded_back",
            {"trunk_inclination_deg": (80, 90), "knee_flexion_deg": (5, 15), "spine_flexion_deg": (40, 50)},
        ),
        (
            "squat",
            {"trunk_inclination_deg": (30, 45), "knee_flexion_deg": (100, 110), "spine_flexion_deg": (0, 5)},
        ),
        (
            "lunge",
            {"trunk_inclination_deg": (0, 15), "knee_flexion_deg": (85, 105), "spine_flexion_deg": (0, 5)},
        ),
    ],
)
def test_motion_reaches_its_documented_bottom_and_starts_upright(scenes, motion, ranges):
    scene, truth = scenes[motion], scenes[motion].truth
    b = _bottom(scene)
    for name, (lo, hi) in ranges.items():
        assert lo <= getattr(truth, name)[b] <= hi, (name, getattr(truth, name)[b])
    assert abs(truth.trunk_inclination_deg[0]) < 3 and abs(truth.spine_flexion_deg[0]) < 1e-9
    if motion != "lunge":
        assert truth.knee_flexion_deg[0] < 5 and truth.hip_flexion_sagittal_deg[0] < 5
        # The 3D hip angle also sees the shoulder's lateral offset from the hip (wider shoulders than hips).
        assert 5 < truth.hip_flexion_deg[0] < 12


def test_rep_schedule(scenes):
    truth = scenes["squat"].truth
    assert len(truth) == pytest.approx(30 * (0.7 + 2 * 2.8), rel=0.06)
    assert set(np.unique(truth.rep_index)) == {-1, 0, 1}
    assert set(truth.phase) == {"stand", "descent", "bottom", "ascent"}
    assert np.all((truth.phase == "stand") == (truth.rep_index == -1))
    assert truth.phase[0] == "stand" and truth.phase[-1] == "stand"
    assert np.all(np.diff(truth.time_s) == pytest.approx(1 / 30))
    # Angles move smoothly: no jump larger than a few degrees between frames.
    assert np.max(np.abs(np.diff(truth.knee_flexion_deg))) < 8


def test_spine_flexion_override():
    scene = SynthScene(LiftSpec(motion="hip_hinge", reps=1, spine_flexion_peak_deg=-10.0))
    assert scene.truth.spine_flexion_deg[_bottom(scene)] == pytest.approx(-10.0, abs=1e-6)


@pytest.mark.parametrize(
    ("motion", "yaw", "faces"),
    [("rounded_back", 0, "right"), ("squat", 30, "left"), ("hip_hinge", 60, "right"), ("lunge", 0, "left")],
)
def test_figure_is_drawn_where_the_truth_landmarks_are(motion, yaw, faces):
    scene = SynthScene(LiftSpec(motion=motion, reps=1, yaw_deg=yaw, faces=faces))
    near = NEAR[scene.truth.near_side]
    for i in (0, _bottom(scene)):
        frame = scene.render(i)
        assert frame.rgb.shape == (480, 640, 3) and frame.rgb.dtype == np.uint8
        xy = scene.truth.image_xy[i]
        for idx in (*near.values(), 0):
            x, y = int(xy[idx, 0]), int(xy[idx, 1])
            assert frame.label[y, x] == 1, (i, idx)
        assert frame.label[5, 5] == 0 and frame.label[-3, 5] == 0  # corners are background
        # The person fills a good part of the frame and stays inside it.
        ys, xs = np.nonzero(frame.body_mask)
        assert xs.min() > 0 and xs.max() < 639 and ys.min() > 0
        if i == 0:
            assert 0.6 * 480 <= ys.max() - ys.min() <= 0.85 * 480


def test_side_view_projects_limbs_at_true_length():
    scene = SynthScene(LiftSpec(motion="squat", reps=1))
    near = NEAR["right"]
    for i in (0, _bottom(scene)):
        xy = scene.truth.image_xy[i]
        thigh_px = np.linalg.norm(xy[near["knee"]] - xy[near["hip"]])
        assert thigh_px == pytest.approx(THIGH_M * scene.camera.px_per_m, rel=1e-6)
    # Facing right: the nose is to the right of the hips when standing; facing left, to the left.
    for faces, sign in (("right", 1), ("left", -1)):
        xy = SynthScene(LiftSpec(motion="squat", reps=1, faces=faces)).truth.image_xy[0]
        assert sign * (xy[0, 0] - xy[[LEFT_HIP, RIGHT_HIP], 0].mean()) > 5


@pytest.mark.parametrize("pitch", [-20.0, 35.0])
def test_a_pitched_camera_shortens_upright_limbs_and_lifts_the_far_side(pitch):
    """A camera looking down (or up) by the pitch sees a standing side-on figure's vertical limbs shortened by its
    cosine and the far hip above (below) the near one, the figure still drawn where the truth's landmarks are."""
    scene = SynthScene(LiftSpec(motion="hip_hinge", reps=1, pitch_deg=pitch))
    near, xy = NEAR[scene.truth.near_side], scene.truth.image_xy[0]
    thigh_px = np.linalg.norm(xy[near["knee"]] - xy[near["hip"]])
    assert thigh_px == pytest.approx(THIGH_M * np.cos(np.radians(pitch)) * scene.camera.px_per_m, rel=0.02)
    far_hip = LEFT_HIP if near["hip"] == RIGHT_HIP else RIGHT_HIP
    assert np.sign(xy[near["hip"], 1] - xy[far_hip, 1]) == np.sign(pitch)
    frame = scene.render(_bottom(scene))
    for idx in (*near.values(), 0):
        x, y = scene.truth.image_xy[_bottom(scene), idx].astype(int)
        assert frame.label[y, x] == 1, idx
    ys, _ = np.nonzero(frame.body_mask)
    assert ys.min() > 0 and ys.max() < 479
    assert "_pitch" in scene.spec.name


def _dorsal_bow_px(mask: np.ndarray, hip: np.ndarray, shoulder: np.ndarray, faces_right: bool) -> float:
    """How far the back's silhouette edge bulges out beyond its chord, in pixels, between 20 % and 80 % of the
    way from the hip midpoint to the shoulder midpoint (the back is found by walking from the trunk axis away
    from the front until the mask ends)."""
    u = (shoulder - hip) / np.linalg.norm(shoulder - hip)
    anterior = np.array([-u[1], u[0]]) if faces_right else np.array([u[1], -u[0]])
    back, length = -anterior, np.linalg.norm(shoulder - hip)
    edge = []
    for s in np.linspace(0.2, 0.8, 25):
        p, d = hip + s * length * u, 0.0
        while mask[int(p[1] + (d + 0.5) * back[1]), int(p[0] + (d + 0.5) * back[0])]:
            d += 0.5
        edge.append(p + d * back)
    edge = np.array(edge)
    chord = (edge[-1] - edge[0]) / np.linalg.norm(edge[-1] - edge[0])
    out = np.array([-chord[1], chord[0]])
    out = out if out @ back > 0 else -out
    return float(((edge - edge[0]) @ out).max())


@pytest.mark.parametrize("faces", ["right", "left"])
def test_flexed_spine_bows_the_dorsal_silhouette_and_neutral_keeps_it_straight(faces):
    bows = {}
    for flex in (0.0, 40.0):
        scene = SynthScene(LiftSpec(motion="hip_hinge", reps=1, faces=faces, spine_flexion_peak_deg=flex))
        i = _bottom(scene)
        xy = scene.truth.image_xy[i]
        mask = scene.render(i).body_mask
        bows[flex] = _dorsal_bow_px(
            mask,
            xy[[LEFT_HIP, RIGHT_HIP]].mean(0),
            xy[[LEFT_SHOULDER, RIGHT_SHOULDER]].mean(0),
            faces == "right",
        )
    assert bows[0.0] < 1.5
    assert bows[40.0] > 3.0
    assert bows[40.0] > bows[0.0] + 2.0


def test_buttocks_flatten_in_a_hinge_as_real_ones_do():
    """Standing, the buttocks bulge behind the back's line (the contour reads hollow); in a neutral hinge they are
    stretched flat and the outline runs on from the sacrum, as in real lifters' silhouettes. Measured with liftform's
    own contour bend on the exact mask and landmarks (no pose model)."""
    from liftform.core.silhouette import back_profile_from_mask
    from liftform.core.spine import contour_bend_deg, dorsal_profile

    scene = SynthScene(LiftSpec(motion="hip_hinge", reps=1))
    bends = {}
    for name, i in (("standing", 0), ("hinge", _bottom(scene))):
        xy = scene.truth.image_xy[i]
        shoulder, hip = xy[[LEFT_SHOULDER, RIGHT_SHOULDER]].mean(0), xy[[LEFT_HIP, RIGHT_HIP]].mean(0)
        profile = back_profile_from_mask(scene.render(i).body_mask.astype(np.float32), shoulder, hip)
        trunk_px = np.array([np.linalg.norm(shoulder - hip)])
        bends[name] = contour_bend_deg(dorsal_profile(profile[None], 1), trunk_px)[0][0]
    assert bends["standing"] < -8.0
    assert -5.0 < bends["hinge"] < 12.0
    assert bends["hinge"] > bends["standing"] + 10.0


def test_yaw_widens_the_shoulders_in_the_image():
    widths_truth, widths_mask = [], []
    for yaw in (0, 45, 90):
        scene = SynthScene(LiftSpec(motion="hip_hinge", reps=1, yaw_deg=yaw, prop="none"))
        xy = scene.truth.image_xy[0]
        widths_truth.append(abs(xy[LEFT_SHOULDER, 0] - xy[RIGHT_SHOULDER, 0]))
        mask = scene.render(0).body_mask
        row = mask[
            int(xy[[LEFT_SHOULDER, RIGHT_SHOULDER], 1].mean()) + 12
        ]  # chest height, between the arms' tops
        xs = np.nonzero(row)[0]
        widths_mask.append(xs.max() - xs.min())
    assert widths_truth[0] < 3 < widths_truth[1] < widths_truth[2]
    assert widths_truth[2] == pytest.approx(2 * 0.185 * scene.camera.px_per_m, rel=0.02)
    assert widths_mask[0] < widths_mask[1] < widths_mask[2]
    assert widths_mask[2] > 1.4 * widths_mask[0]


def test_loose_shirt_changes_the_silhouette_not_the_truth():
    tight = SynthScene(LiftSpec(motion="rounded_back", reps=1))
    loose = SynthScene(LiftSpec(motion="rounded_back", reps=1, loose_shirt=True))
    i = _bottom(tight)
    np.testing.assert_allclose(tight.truth.spine_flexion_deg, loose.truth.spine_flexion_deg)
    assert loose.render(i).body_mask.sum() > 1.03 * tight.render(i).body_mask.sum()


def test_invalid_specs_are_refused():
    with pytest.raises(ValueError, match="motion"):
        LiftSpec(motion="deadlift")
    with pytest.raises(ValueError, match="yaw"):
        LiftSpec(yaw_deg=120)
    with pytest.raises(ValueError, match="faces"):
        LiftSpec(faces="up")
    with pytest.raises(ValueError, match="pitch"):
        LiftSpec(pitch_deg=75)


def test_write_sample_encodes_video_and_truth_csv(tmp_path):
    av = pytest.importorskip("av")
    spec = LiftSpec(motion="squat", reps=1, width_px=320, height_px=240, stand_s=0.2, supersample=1)
    out = tmp_path / "squat.mp4"
    truth = write_sample(spec, out)
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        assert stream.codec_context.name in ("h264", "mpeg4")
    assert len(frames) == len(truth) and frames[0].shape == (240, 320, 3)
    csv = read_truth_csv(tmp_path / "squat.truth.csv")
    np.testing.assert_allclose(csv["knee_flexion_deg"], truth.knee_flexion_deg, atol=1e-3)
    np.testing.assert_allclose(csv["right_hip_x_px"], truth.image_xy[:, RIGHT_HIP, 0], atol=1e-2)
    assert list(csv["phase"]) == list(truth.phase)
    # The decoded video still shows the figure at the truth's hip.
    x, y = truth.image_xy[-1, RIGHT_HIP].astype(int)
    assert np.abs(frames[-1][y, x].astype(int) - frames[-1][5, 5].astype(int)).sum() > 40


def test_a_render_stopped_part_way_leaves_the_sample_it_replaces_whole(tmp_path, monkeypatch, capsys):
    """`python -m liftform.synth sample_videos` stopped by Ctrl-C part-way through a sample had left a shorter video,
    a valid MP4 that looks finished, beside the truth CSV of the sample it replaced, and a traceback. The sample
    there stays as it was, nothing half-written is left, and one line says so (exit 130)."""
    from liftform.synth import __main__ as synth_cli
    from liftform.synth import scene

    spec = LiftSpec(motion="squat", reps=1, width_px=160, height_px=120, stand_s=0.2, supersample=1)
    monkeypatch.setitem(synth_cli.SAMPLES, "squat", spec)
    assert synth_cli.main([str(tmp_path), "--only", "squat"]) == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    drawn = scene.SynthScene.render

    def stopped(self, i):
        if i == 10:
            raise KeyboardInterrupt
        return drawn(self, i)

    monkeypatch.setattr(scene.SynthScene, "render", stopped)
    capsys.readouterr()
    assert synth_cli.main([str(tmp_path), "--only", "squat"]) == 130
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert capsys.readouterr().err == f"interrupted: {tmp_path / 'squat.mp4'} is as it was; the samples listed above " \
                                      "are written\n"


def test_synth_does_not_import_mediapipe():
    import os
    from pathlib import Path

    import liftform

    root = str(Path(liftform.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    code = "import sys, liftform.synth.scene, liftform.synth.encode; sys.exit('mediapipe' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], env=env).returncode == 0


@pytest.mark.parametrize(
    ("faces", "lead_leg", "front"),
    [
        ("right", "far", "left"),
        ("left", "far", "right"),
        ("right", "near", "right"),
        ("left", "left", "left"),
    ],
)
def test_lunge_lead_leg(faces, lead_leg, front):
    scene = SynthScene(LiftSpec(motion="lunge", reps=1, faces=faces, lead_leg=lead_leg))
    rear = "right" if front == "left" else "left"
    j = scene.skeletons[_bottom(scene)].joints
    assert j[f"{front}_ankle"][0] > j[f"{rear}_ankle"][0] + 0.5  # split stance, the front foot ahead
    assert j[f"{rear}_heel"][1] > 0.08  # the rear heel is raised
    assert j[f"{rear}_knee"][1] < 0.2  # the rear knee drops towards the floor


def test_same_spec_same_output():
    a, b = (
        SynthScene(LiftSpec(motion="rounded_back", reps=1)),
        SynthScene(LiftSpec(motion="rounded_back", reps=1)),
    )
    np.testing.assert_array_equal(a.truth.image_xy, b.truth.image_xy)
    np.testing.assert_array_equal(a.render(40).rgb, b.render(40).rgb)
    c = SynthScene(LiftSpec(motion="rounded_back", reps=1, seed=5))
    assert not np.array_equal(a.truth.spine_flexion_deg, c.truth.spine_flexion_deg) or len(a) != len(c)
