"""A whole synthetic lift: the spec, per-frame skeletons, the static camera, the truth, frame rendering."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import cv2
import numpy as np

from liftform.synth.body import HEAD_RADIUS_M, Build, Skeleton, balance_shin_deg, solve_pose
from liftform.synth.camera import Camera, fit_camera
from liftform.synth.encode import encode_mp4
from liftform.synth.face import face_points_m, make_head_texture
from liftform.synth.figure import Look, Prim3D, build_figure, look_for_seed
from liftform.synth.lifts import OBJECT_MOTIONS, OBJECTS, HeldObject, lift_poses, plan_object_lift
from liftform.synth.motions import HEADS, MOTIONS, Timeline, keyframes, lerp_pose, rep_scales, timeline
from liftform.synth.objects import object_extent_points, object_primitives
from liftform.synth.raster import Canvas, Capsule2D, as_uint8
from liftform.synth.truth import ANGLE_COLUMNS, Truth, TruthRow, angles_from_joints, landmarks_world

HELD_PROPS = ("bar", "dumbbell")
# The lift phase of each coarse phase when a load is held from the start (a bar, dumbbells; or nothing, a lunge).
HELD_LIFT_PHASES = {"stand": "lockout", "descent": "lowering", "bottom": "bottom", "ascent": "ascent"}


@dataclass(frozen=True)
class LiftSpec:
    """What to render. Angles in degrees, sizes in pixels, durations in seconds.

    ``motion``: one of ``MOTIONS`` (bends holding a bar, dumbbells or nothing) or ``OBJECT_MOTIONS`` (an object
    lifted from the floor to the waist, held, set down: each rep is two bends); ``yaw_deg``: 0 side-on .. 90
    facing the camera; ``faces``: 'right' or 'left' (image direction the person faces at yaw 0);
    ``spine_flexion_peak_deg`` / ``trunk_peak_deg`` override the motion's bottom pose; ``seed`` varies colours (0 =
    defaults), rep depth (0-5 %) and timing (+-6 %); ``prop``: 'bar' (a light bar in both hands), 'dumbbell' (one
    in each hand), 'none', or for object lifts 'box', 'bag', 'kettlebell'; 'auto' is a bar (nothing in the lunge,
    a box in object lifts); ``build``: the body (``body.Build``: lordosis, kyphosis, buttocks, girth, where the
    spine bends; a "thoracic" spine pattern also drops the head towards the floor at the bottom); ``hoodie``: a
    dark loose hoodie (wins over ``loose_shirt``); ``head``: where the head is at the bottom, one of
    ``motions.HEADS`` ("auto": the motion's own, hanging with a thoracic spine pattern; "hang"; "feet", looking
    down at the feet with a flat back);
    ``pitch_deg``: the camera's elevation, positive looking down from above (a ceiling camera), negative looking up
    (a phone on the floor), within [-60, 60];
    ``lead_leg``: the lunge's front leg, 'left', 'right', 'far' (from the camera; default) or 'near'.
    MediaPipe swaps the legs' left/right labels in a side-view lunge led by the near leg, so the sample leads
    with the far leg; ``supersample``: anti-aliasing factor.
    """

    motion: str = "hip_hinge"
    fps: float = 30.0
    width_px: int = 640
    height_px: int = 480
    reps: int = 3
    yaw_deg: float = 0.0
    pitch_deg: float = 0.0
    faces: str = "right"
    loose_shirt: bool = False
    prop: str = "auto"
    spine_flexion_peak_deg: float | None = None
    trunk_peak_deg: float | None = None
    lead_leg: str = "far"
    seed: int = 0
    stand_s: float = 0.7
    supersample: int = 2
    build: Build = Build()
    hoodie: bool = False
    head: str = "auto"

    def __post_init__(self) -> None:
        if self.motion not in MOTIONS + OBJECT_MOTIONS:
            raise ValueError(f"unknown motion {self.motion!r}: choose one of {', '.join(MOTIONS + OBJECT_MOTIONS)}")
        if not 0.0 <= self.yaw_deg <= 90.0:
            raise ValueError(f"yaw_deg must be within [0, 90], not {self.yaw_deg}")
        if not -60.0 <= self.pitch_deg <= 60.0:
            raise ValueError(f"pitch_deg must be within [-60, 60], not {self.pitch_deg}")
        if self.head not in HEADS:
            raise ValueError(f"head must be one of {', '.join(HEADS)}, not {self.head!r}")
        if self.faces not in ("left", "right"):
            raise ValueError(f"faces must be 'left' or 'right', not {self.faces!r}")
        if self.lead_leg not in ("left", "right", "far", "near"):
            raise ValueError(f"lead_leg must be 'left', 'right', 'far' or 'near', not {self.lead_leg!r}")
        allowed = ("auto", *OBJECTS) if self.motion in OBJECT_MOTIONS else ("auto", *HELD_PROPS, "none")
        if self.prop not in allowed:
            raise ValueError(f"prop of a {self.motion} must be one of {', '.join(allowed)}, not {self.prop!r}")

    @property
    def resolved_prop(self) -> str:
        """The prop 'auto' stands for: a box in object lifts, nothing in the lunge, else a bar."""
        if self.prop != "auto":
            return self.prop
        return "box" if self.motion in OBJECT_MOTIONS else "none" if self.motion == "lunge" else "bar"

    @property
    def name(self) -> str:
        """A file stem describing the spec, e.g. ``rounded_back_yaw30_left``."""
        stem = (
            self.motion
            + (f"_yaw{self.yaw_deg:g}" if self.yaw_deg else "")
            + (f"_pitch{self.pitch_deg:g}" if self.pitch_deg else "")
            + ("_left" if self.faces == "left" else "")
        )
        b = self.build
        stem += f"_{b.spine_pattern}" if b.spine_pattern != "even" else ""
        stem += "".join(f"_{k}{v:g}" for k, v in (("lordosis", b.lordosis_deg), ("kyphosis", b.kyphosis_deg),
                                                   ("buttock", b.buttock_m * 100)) if v)
        stem += f"_girth{b.girth:g}" if b.girth != 1.0 else ""
        stem += f"_head-{self.head}" if self.head != "auto" else ""
        return stem + ("_hoodie" if self.hoodie else "_loose" if self.loose_shirt else "")


@dataclass(frozen=True)
class Rendered:
    """One rendered frame: ``rgb`` (H, W, 3) uint8, ``body_coverage`` (H, W) float32 in [0, 1] (fraction of
    each pixel covered by the body, prop excluded), ``label`` (H, W) uint8 (0 background, 1 body, 2 prop)."""

    rgb: np.ndarray
    body_coverage: np.ndarray
    label: np.ndarray

    @property
    def body_mask(self) -> np.ndarray:
        """(H, W) bool: pixels at least half covered by the body."""
        return self.label == 1


class SynthScene:
    """The planned lift of a ``LiftSpec``: skeletons, camera and truth are computed up front (cheap); frames
    are rendered on demand."""

    def __init__(self, spec: LiftSpec):
        self.spec = spec
        prop = spec.resolved_prop
        self.look: Look = look_for_seed(spec.seed, spec.loose_shirt, prop if prop in HELD_PROPS else "none",
                                        spec.hoodie)
        near = "right" if spec.faces == "right" else "left"
        far = "left" if near == "right" else "right"
        lead = {"near": near, "far": far}.get(spec.lead_leg, spec.lead_leg)
        head = "hang" if spec.head == "auto" and spec.build.spine_pattern == "thoracic" else spec.head
        self.objects: list[HeldObject | None]
        if spec.motion in OBJECT_MOTIONS:
            poses = lift_poses(spec.motion, spec.spine_flexion_peak_deg, spec.trunk_peak_deg, lead, head)
            lift = plan_object_lift(spec.motion, prop, spec.fps, spec.reps, spec.stand_s, spec.seed, spec.build,
                                    poses)
            self.schedule, self.skeletons, self.objects = lift.schedule, lift.skeletons, list(lift.objects)
            self.lift_phase, self.loaded = lift.lift_phase, lift.loaded
        else:
            self.schedule, self.skeletons = _plan_bends(spec, lead, head)
            self.objects = [None] * len(self.skeletons)
            self.lift_phase = np.array([HELD_LIFT_PHASES[p] if prop in HELD_PROPS else p for p in self.schedule.phase])
            self.loaded = np.full(len(self.skeletons), prop in HELD_PROPS)
        standing = self.skeletons[0]
        top = standing["head_center"][1] + HEAD_RADIUS_M
        self.camera: Camera = fit_camera(
            self._extent_points(), top, spec.width_px, spec.height_px, spec.yaw_deg, spec.faces,
            pitch_deg=spec.pitch_deg)
        # The wall stands 1.5 m behind the lifter: a camera looking down sees its foot higher up the frame.
        wall_foot_y = self.camera.floor_y_px - np.sin(np.radians(spec.pitch_deg)) * 1.5 * self.camera.px_per_m
        self._background = _background(spec.width_px, spec.height_px, wall_foot_y, spec.seed)
        self._drawn: tuple[int, Rendered] | None = None       # the frame rasterized last, and its number

    def __len__(self) -> int:
        return len(self.skeletons)

    def _extent_points(self) -> np.ndarray:
        pts = []
        for sk in self.skeletons[:: max(1, len(self.skeletons) // 60)] + self.skeletons[-1:]:
            pts += list(sk.joints.values())
            pts += [sk["head_center"] + d * HEAD_RADIUS_M * 1.4 for d in np.eye(3)]
            pts += [sk["head_center"] - d * HEAD_RADIUS_M * 1.4 for d in np.eye(3)]
            pts += [sk["left_hand"] + [0, 0, -0.7], sk["right_hand"] + [0, 0, 0.7]]  # the bar's ends
        for obj in {id(o): o for o in self.objects[:: max(1, len(self.objects) // 60)] if o is not None}.values():
            pts += list(object_extent_points(obj))
        return np.array(pts)

    def face_points(self, i: int) -> dict[str, np.ndarray]:
        sk = self.skeletons[i]
        return face_points_m(sk["head_center"], sk.head_frame, HEAD_RADIUS_M)

    @cached_property
    def truth(self) -> Truth:
        """Per-frame truth (see ``liftform.synth.truth`` for the conventions)."""
        near = "right" if self.spec.faces == "right" else "left"
        n = len(self)
        angles = {k: np.empty(n) for k in ANGLE_COLUMNS}
        world = np.empty((n, 33, 3))
        for i, sk in enumerate(self.skeletons):
            for k, v in angles_from_joints(sk.joints, sk.spine_dirs, near, sk.build.neutral_deg).items():
                angles[k][i] = v
            world[i] = landmarks_world(sk, self.face_points(i))
        image = self.camera.project(world)[..., :2]
        s = self.schedule
        return Truth(
            s.time_s,
            **angles,
            view_yaw_deg=np.full(n, float(self.spec.yaw_deg)),
            rep_index=s.rep_index,
            phase=s.phase,
            lift_phase=self.lift_phase,
            loaded=self.loaded,
            image_xy=image,
            world_xyz=world,
            near_side=near,
            fps=self.spec.fps,
            frame_size_wh=(self.spec.width_px, self.spec.height_px),
        )

    def primitives(self, i: int) -> list[Prim3D]:
        obj = self.objects[i]
        return build_figure(self.skeletons[i], self.look) + ([] if obj is None else object_primitives(obj))

    def empty_room(self) -> np.ndarray:
        """The room without the lifter (H, W, 3) uint8 RGB, as the frames show it (the lifter walked off)."""
        return as_uint8(self._background)

    def render(self, i: int) -> Rendered:
        """Frame ``i``. One posed as the frame rasterized last (standing still between reps: a third of a sample's
        frames) is a copy of it, not drawn again (~70 ms a frame supersampled)."""
        if self._drawn is not None and self.objects[i] is None and self.objects[self._drawn[0]] is None \
                and _posed_alike(self.skeletons[i], self.skeletons[self._drawn[0]]):
            return _copied(self._drawn[1])
        rendered = self._rasterize(i)
        self._drawn = (i, _copied(rendered))
        return rendered

    def _rasterize(self, i: int) -> Rendered:
        """Rasterize frame ``i`` (supersampled only inside the figure's bounding box)."""
        sk, cam, ss = self.skeletons[i], self.camera, self.spec.supersample
        w, h = self.spec.width_px, self.spec.height_px
        bg = self._background.copy()
        _shadow(bg, cam, sk)
        head_tex = make_head_texture(
            cam,
            sk["head_center"],
            sk.head_frame,
            np.array(self.look.skin),
            np.array(self.look.hair),
            np.array(self.look.lips),
        )
        caps = []
        for p in self.primitives(i):
            a, b = cam.project(p.p0), cam.project(p.p1)
            caps.append(
                Capsule2D(
                    a,
                    b,
                    p.r0 * cam.px_per_m,
                    p.r1 * cam.px_per_m,
                    p.rgb,
                    p.specular,
                    p.label,
                    head_tex if p.part == "head" else None,
                    p.group,
                )
            )
        lo = np.min([np.minimum(c.a[:2], c.b[:2]) - max(c.ra, c.rb) for c in caps], axis=0) - 2
        hi = np.max([np.maximum(c.a[:2], c.b[:2]) + max(c.ra, c.rb) for c in caps], axis=0) + 2
        x0, y0 = max(int(np.floor(lo[0])), 0), max(int(np.floor(lo[1])), 0)
        x1, y1 = min(int(np.ceil(hi[0])), w), min(int(np.ceil(hi[1])), h)
        rgb = as_uint8(bg)
        cov, label = np.zeros((h, w), np.float32), np.zeros((h, w), np.uint8)
        if x1 > x0 and y1 > y0:
            crop = cv2.resize(
                bg[y0:y1, x0:x1], ((x1 - x0) * ss, (y1 - y0) * ss), interpolation=cv2.INTER_NEAREST
            )
            canvas = Canvas(crop, ss, origin_px=(x0, y0))
            for c in caps:
                canvas.draw(c)
            rgb[y0:y1, x0:x1], cov[y0:y1, x0:x1], label[y0:y1, x0:x1] = canvas.resolve()
        return Rendered(rgb, cov, label)

    def frames(self) -> Iterator[tuple[np.ndarray, TruthRow]]:
        truth = self.truth
        for i in range(len(self)):
            yield self.render(i).rgb, truth.row(i)


def _posed_alike(a: Skeleton, b: Skeleton) -> bool:
    """Whether two skeletons are the same pose to the bit (so draw the same frame)."""
    return (a.pelvis_deg == b.pelvis_deg and a.build == b.build and a.joints.keys() == b.joints.keys()
            and all(np.array_equal(a.joints[k], b.joints[k]) for k in a.joints)
            and all(np.array_equal(getattr(a, f), getattr(b, f))
                    for f in ("spine_nodes", "spine_normals", "spine_dirs", "head_frame")))


def _copied(frame: Rendered) -> Rendered:
    """``frame`` with arrays of its own (a caller may draw on the one it was given)."""
    return Rendered(frame.rgb.copy(), frame.body_coverage.copy(), frame.label.copy())


def _plan_bends(spec: LiftSpec, lead: str, head: str) -> tuple[Timeline, list[Skeleton]]:
    """The schedule and per-frame skeletons of a bend between a standing and a bottom key pose (``MOTIONS``)."""
    schedule = timeline(spec.fps, spec.reps, stand_s=spec.stand_s, seed=spec.seed)
    kf = keyframes(spec.motion, spec.spine_flexion_peak_deg, spec.trunk_peak_deg, lead, head)
    scales = rep_scales(spec.reps, spec.seed)
    depth = schedule.weight * np.where(schedule.rep_index >= 0, scales[schedule.rep_index], 1.0)
    # The balancing shin angle is a smooth function of the depth: solve it on a grid and interpolate.
    grid = np.linspace(0.0, max(float(depth.max()), 1e-9), 33)
    shin_grid = [balance_shin_deg(lerp_pose(kf.stand, kf.bottom, float(g)), build=spec.build) for g in grid]
    skeletons = []
    for d in depth:
        pose = lerp_pose(kf.stand, kf.bottom, float(d))
        if pose.hip_xy_m is None:
            pose = replace(pose, shin_deg=float(np.interp(d, grid, shin_grid)))
        skeletons.append(solve_pose(pose, spec.build))
    return schedule, skeletons


def render_frames(spec: LiftSpec) -> Iterator[tuple[np.ndarray, TruthRow]]:
    """Frames (H, W, 3) uint8 RGB and their ``TruthRow``, in order."""
    return SynthScene(spec).frames()


def _background(w: int, h: int, floor_y: float, seed: int = 0) -> np.ndarray:
    """A plain room: a softly lit, faintly mottled wall above the floor line and a darker wooden floor below.
    (h, w, 3) float32 RGB in [0, 1]; static over the video."""
    rng = np.random.default_rng(seed + 7)
    y = np.arange(h, dtype=np.float32)[:, None, None]
    x = np.arange(w, dtype=np.float32)[None, :, None]
    wall_top, wall_bottom = np.array([0.80, 0.79, 0.76]), np.array([0.70, 0.69, 0.66])
    wall = wall_top + (wall_bottom - wall_top) * (y / max(floor_y, 1.0))
    wall = wall * (1.0 - 0.08 * (x / w - 0.4) ** 2)
    mottle = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 9)
    wall = wall * (1.0 + 0.12 * mottle[..., None])
    floor_near, floor_far = np.array([0.47, 0.40, 0.33]), np.array([0.55, 0.47, 0.39])
    fy = np.clip((y - floor_y) / max(h - floor_y, 1.0), 0, 1)
    grain = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), sigmaX=25, sigmaY=0.8)
    floor = (floor_far + (floor_near - floor_far) * fy) * (1.0 + 0.6 * grain[..., None])
    img = np.where(y < floor_y, wall, floor).astype(np.float32)
    base = int(round(floor_y))
    img[max(base - 6, 0) : base] *= 0.85  # skirting board
    return np.clip(img, 0.0, 1.0)


def _shadow(bg: np.ndarray, cam: Camera, sk: Skeleton) -> None:
    """Darken a soft ellipse on the floor under the body (in place; ``bg`` (H, W, 3) float32 output frame)."""
    names = ("left_heel", "right_heel", "left_foot_index", "right_foot_index", "hip_mid", "head_center")
    xs = cam.project(np.array([sk[n] * [1, 0, 1] for n in names]))[:, 0]
    cx, half = (xs.min() + xs.max()) / 2, (xs.max() - xs.min()) / 2 + 10
    cy, blur = cam.floor_y_px, 4.0
    x0, x1 = max(int(cx - half - 4 * blur), 0), min(int(cx + half + 4 * blur), bg.shape[1])
    y0, y1 = max(int(cy - 7 - 4 * blur), 0), min(int(cy + 7 + 4 * blur), bg.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.float32)
    cv2.ellipse(mask, (int(cx) - x0, int(cy) - y0), (int(half), 7), 0, 0, 360, 1.0, -1, cv2.LINE_AA)
    mask = cv2.GaussianBlur(mask, (0, 0), blur)
    bg[y0:y1, x0:x1] *= (1.0 - 0.35 * mask)[..., None]


def write_sample(spec: LiftSpec, out_mp4_path: str | Path, crf: int = 20) -> Truth:
    """Render ``spec`` to ``out_mp4_path`` (H.264 MP4, see ``encode.encode_mp4``) and write
    ``<stem>.truth.csv`` beside it. Returns the truth."""
    from liftform.outputs.atomic import atomic_path

    out = Path(out_mp4_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    scene = SynthScene(spec)
    # Both in place at the end: a render stopped part-way (Ctrl-C) had left a shorter video, a valid MP4 looking
    # finished, beside the truth of the one it replaced.
    with atomic_path(out) as video, atomic_path(out.with_name(out.stem + ".truth.csv")) as truth:
        encode_mp4((scene.render(i).rgb for i in range(len(scene))), video, spec.fps, crf=crf)
        scene.truth.to_csv(truth)
    return scene.truth
