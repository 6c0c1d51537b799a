"""Synthetic `PoseTrack`s whose angles are known by construction (for core tests; no model, no images).

A stick figure in the sagittal plane: ankle on the floor, shin and thigh tilted symmetrically so the knee bends by
``knee_flexion_deg``, the hip-to-shoulder chord at ``trunk_inclination_deg`` from vertical, arms hanging straight
down. The back's edge is a parabola whose contour bend, as the core defines it (tangent at the shoulder minus tangent
at the hip, over the fit's response to an even bend: `core.spine.EVEN_BEND_RESPONSE`), is the spine flexion plus the
contour bend of the person's neutral back: half-width d(s) = w + tan(R * bend / 2) * s * (1 - s) in trunk lengths.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from liftform import track as lm
from liftform.core.spine import EVEN_BEND_RESPONSE
from liftform.settings import Settings
from liftform.track import BACK_PROFILE_STATIONS, PoseTrack

SHIN_M, THIGH_M, TRUNK_M, ARM_M = 0.45, 0.45, 0.55, 0.6
HALF_WIDTH_M = 0.12          # left-right offset of paired landmarks
PX_PER_M = 300.0
NEUTRAL_BEND_DEG = Settings().spine.neutral_bend_deg   # the raw contour bend the core takes as neutral
IMAGE_WH = (640, 640)


def lift_profile(n_reps: int, fps: float, peak: float, rep_s: float = 2.4,
                 stand_s: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """Timestamps (T,) and a 0..1..0 envelope per rep (T,), standing pauses in between; multiply by ``peak``."""
    per_rep = int(round(rep_s * fps))
    stand = int(round(stand_s * fps))
    phase = np.sin(np.linspace(0, np.pi, per_rep)) ** 2
    env = np.concatenate([np.zeros(stand)] + [np.concatenate([phase, np.zeros(stand)]) for _ in range(n_reps)])
    return np.arange(len(env)) / fps, env * peak


def make_track(trunk_deg: np.ndarray, knee_deg: np.ndarray, spine_deg: np.ndarray, timestamps_s: np.ndarray, *,
               facing: int = 1, yaw_deg: float = 0.0, natural_bend_deg: float = NEUTRAL_BEND_DEG,
               split_deg: np.ndarray | None = None, visibility: float = 0.95,
               head_drop_deg: np.ndarray | float = 0.0, arm_raise_deg: np.ndarray | float = 0.0,
               shin_lean_deg: np.ndarray | float | None = None) -> PoseTrack:
    """A track with the given angles per frame (all (T,) degrees).

    ``head_drop_deg`` turns the head (the ears) from the line of the trunk toward the chest: the neck flexion.
    ``arm_raise_deg`` swings the straight arms forward from hanging (0; 90 level with the shoulders, as at the top
    of a kettlebell swing).

    ``split_deg`` swings the far (rear) thigh backwards by that angle, as in a lunge; its knee bends as much as the
    near one, so the rear foot comes up behind.

    ``shin_lean_deg``: the shins' lean forward from vertical, both legs alike (``split_deg`` unused; default half the
    knee flexion, the hips over the ankles, and the far leg as above); 0 with the knees bent 90° sits, the hips a
    thigh's length behind the feet.
    """
    n = len(timestamps_s)
    split = np.zeros(n) if split_deg is None else np.radians(split_deg)
    world = np.zeros((n, 33, 3))

    half = np.radians(knee_deg) / 2
    shin_forward = half if shin_lean_deg is None else np.radians(np.broadcast_to(shin_lean_deg, half.shape))
    near_thigh_back = 2 * half - shin_forward
    knee_near = np.stack([SHIN_M * np.sin(shin_forward), SHIN_M * np.cos(shin_forward)], -1)  # (forward, up), ankle's
    hip_near = knee_near + np.stack([-THIGH_M * np.sin(near_thigh_back), THIGH_M * np.cos(near_thigh_back)], -1)
    # Rear leg hangs from the same hip: thigh back by half the knee flexion + split, shin bent by the knee flexion.
    thigh_back = half + split
    knee_far = hip_near + THIGH_M * np.stack([-np.sin(thigh_back), -np.cos(thigh_back)], -1)
    shin_angle = thigh_back - 2 * half          # the knee bends the shin forward relative to the thigh
    ankle_far = knee_far + SHIN_M * np.stack([-np.sin(shin_angle), -np.cos(shin_angle)], -1)
    if shin_lean_deg is not None:               # seated or standing free: both legs alike
        knee_far, ankle_far = knee_near, 0 * knee_near
    theta = np.radians(trunk_deg)
    shoulder = hip_near + TRUNK_M * np.stack([np.sin(theta), np.cos(theta)], -1)
    raise_ = np.radians(np.broadcast_to(arm_raise_deg, theta.shape))
    arm = ARM_M * np.stack([np.sin(raise_), -np.cos(raise_)], -1)
    wrist, elbow = shoulder + arm, shoulder + arm / 2
    drop = np.radians(np.broadcast_to(head_drop_deg, theta.shape))
    along, toward_chest = np.stack([np.sin(theta), np.cos(theta)], -1), np.stack([np.cos(theta), -np.sin(theta)], -1)
    ear = shoulder + 0.2 * (np.cos(drop)[:, None] * along + np.sin(drop)[:, None] * toward_chest)

    sagittal = {  # landmark pairs (near=left, far=right) -> (forward, up) positions
        (lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER): (shoulder, shoulder), (lm.LEFT_HIP, lm.RIGHT_HIP): (hip_near, hip_near),
        (lm.LEFT_KNEE, lm.RIGHT_KNEE): (knee_near, knee_far),
        (lm.LEFT_ANKLE, lm.RIGHT_ANKLE): (0 * knee_near, ankle_far),
        (lm.LEFT_HEEL, lm.RIGHT_HEEL): (0 * knee_near - [0.05, 0], ankle_far - [0.05, 0]),
        (lm.LEFT_FOOT_INDEX, lm.RIGHT_FOOT_INDEX): (0 * knee_near + [0.15, 0], ankle_far + [0.15, 0]),
        (lm.LEFT_WRIST, lm.RIGHT_WRIST): (wrist, wrist), (lm.LEFT_ELBOW, lm.RIGHT_ELBOW): (elbow, elbow),
        (lm.LEFT_EAR, lm.RIGHT_EAR): (ear, ear),
    }
    yaw = np.radians(yaw_deg)
    for (left, right), (pos_near, pos_far) in sagittal.items():
        for index, pos, z in ((left, pos_near, HALF_WIDTH_M), (right, pos_far, -HALF_WIDTH_M)):
            forward = pos[..., 0] * facing
            # Rotate the body about the vertical axis by yaw: side-on (yaw 0) puts left-right along camera z.
            world[:, index, 0] = forward * np.cos(yaw) + z * np.sin(yaw)
            world[:, index, 2] = -forward * np.sin(yaw) + z * np.cos(yaw)
            world[:, index, 1] = -pos[..., 1]                                         # world y points down
    world[:, lm.NOSE] = world[:, lm.LEFT_EAR] * 0.5 + world[:, lm.RIGHT_EAR] * 0.5
    hip_mid = world[:, [lm.LEFT_HIP, lm.RIGHT_HIP]].mean(axis=1, keepdims=True)
    image_xy = world[..., :2] * PX_PER_M + [IMAGE_WH[0] / 2, IMAGE_WH[1] * 0.875]   # ankle near the bottom
    world = world - hip_mid                                                            # MediaPipe: hip-centred

    # The back's edge: an arc with total bend natural + flexion, on the side opposite the chest.
    bend = np.radians(natural_bend_deg + spine_deg) * EVEN_BEND_RESPONSE
    s = BACK_PROFILE_STATIONS
    trunk_px = TRUNK_M * PX_PER_M                      # the chord length in the image (side-on)
    dorsal = (0.18 + np.tan(bend / 2)[:, None] * s * (1 - s)) * trunk_px
    chest = np.full_like(dorsal, 0.22 * trunk_px)
    back_index = 1 if facing > 0 else 0
    profile = np.empty((n, len(s), 2))
    profile[..., back_index] = dorsal
    profile[..., 1 - back_index] = chest

    return PoseTrack(image_xy=image_xy, world_xyz=world, visibility=np.full((n, 33), visibility),
                     timestamps_s=np.asarray(timestamps_s, float), frame_index=np.arange(n),
                     frame_size_wh=IMAGE_WH, back_profile_px=profile)


LIFT_PEAKS = {  # kind of lift: the peaks of its trunk lean, knee flexion, spine flexion, rear-thigh split (deg)
    "hip_hinge": (75.0, 20.0, 4.0, 0.0),
    "rounded_back": (85.0, 10.0, 40.0, 0.0),
    "squat": (35.0, 110.0, 3.0, 0.0),
    "lunge": (10.0, 90.0, 2.0, 60.0),
}


def lift_track(kind: str, *, n_reps: int = 3, fps: float = 30.0, facing: int = 1, yaw_deg: float = 0.0,
               natural_bend_deg: float = NEUTRAL_BEND_DEG) -> tuple[PoseTrack, dict[str, np.ndarray]]:
    """A whole lift of ``kind`` (hip_hinge | rounded_back | squat | lunge) and its truth angles."""
    t, env = lift_profile(n_reps, fps, 1.0)
    trunk, knee, spine, split = (env * p for p in LIFT_PEAKS[kind])
    track = make_track(trunk, knee, spine, t, facing=facing, yaw_deg=yaw_deg, natural_bend_deg=natural_bend_deg,
                       split_deg=split)
    return track, {"trunk": trunk, "knee": knee, "spine": spine, "env": env}


def mixed_set_track(kinds: list[str], fps: float = 30.0) -> PoseTrack:
    """A set whose rep k is a lift of ``kinds[k]`` (keys of `LIFT_PEAKS`; the spine's peak may be given as
    "rounded_back:36" for a rounded rep of another depth), timed as `lift_profile`'s."""
    t, env = lift_profile(len(kinds), fps, 1.0)
    per_rep, stand = int(round(2.4 * fps)), int(round(0.8 * fps))      # lift_profile's
    rep_of_frame = np.clip((np.arange(len(t)) - stand) // (per_rep + stand), 0, len(kinds) - 1)
    peaks = np.array([LIFT_PEAKS[kind.split(":")[0]] for kind in kinds])
    for k, kind in enumerate(kinds):
        if ":" in kind:
            peaks[k, 2] = float(kind.split(":")[1])
    trunk, knee, spine, split = (env * peaks[rep_of_frame, i] for i in range(4))
    return make_track(trunk, knee, spine, t, split_deg=split)


def reach_then_set_track(*, reach_spine_deg: float, lift_spine_deg: float, fps: float = 30.0,
                         setup_s: float = 0.8, lift_s: float = 1.0) -> tuple[PoseTrack, dict[str, float]]:
    """One lift from the floor in phases, with known times: stand 0.8 s, reach down in 1.0 s (trunk to 80°, knees
    30°, the spine flexing to ``reach_spine_deg``), set up for ``setup_s`` at the bottom (the spine going to
    ``lift_spine_deg``; the trunk, knees and so the hands do not move), lift in ``lift_s`` (the spine from
    ``lift_spine_deg`` back to 0 as the trunk rises), stand 0.8 s. Returns the track and the true phase times (s):
    ``bottom``, ``liftoff``."""
    trunk, spine = _phased_lift(reach_spine_deg, lift_spine_deg, fps, setup_s, lift_s)
    stand, move, setup = int(0.8 * fps), int(1.0 * fps), int(setup_s * fps)
    track = make_track(trunk, trunk * 30 / 80, spine, np.arange(len(trunk)) / fps)
    return track, {"bottom": (stand + move - 1) / fps, "liftoff": (stand + move + setup - 1) / fps}


def set_of_lifts_track(reach_spines_deg: list[float], lift_spines_deg: list[float], fps: float = 30.0,
                       rest_bumps_deg: list[float] | None = None, lift_s: float = 1.0) -> PoseTrack:
    """Lifts from the floor one after the other, each as in :func:`reach_then_set_track` (the descent's spine
    flexing to ``reach_spines_deg[i]``, the pull's from ``lift_spines_deg[i]``, 0.8 s of set-up between): in a set,
    every descent after the first lowers the load the lift before raised, and its set-up is the load resting on the
    floor. ``rest_bumps_deg[i]``: the spine flexes that much more in the middle of lift i's set-up (a half sine).
    ``lift_s``: each lift's time from lift-off to standing."""
    parts = [_phased_lift(reach, lift, fps, 0.8, lift_s)
             for reach, lift in zip(reach_spines_deg, lift_spines_deg, strict=True)]
    stand, move, setup = int(0.8 * fps), int(1.0 * fps), int(0.8 * fps)
    for (_, spine), bump in zip(parts, rest_bumps_deg or [0.0] * len(parts), strict=True):
        spine[stand + move:stand + move + setup] += bump * np.sin(np.linspace(0, np.pi, setup))
    trunk, spine = (np.concatenate([p[i] for p in parts]) for i in (0, 1))
    return make_track(trunk, trunk * 30 / 80, spine, np.arange(len(trunk)) / fps)


def _phased_lift(reach_spine_deg: float, lift_spine_deg: float, fps: float, setup_s: float,
                 lift_s: float) -> tuple[np.ndarray, np.ndarray]:
    """(trunk, spine) degrees (T,) of :func:`reach_then_set_track`'s lift."""
    def ramp(n: int, a: float, b: float) -> np.ndarray:
        return a + (b - a) * np.sin(np.linspace(0, np.pi / 2, n)) ** 2

    stand, move, setup, up = int(0.8 * fps), int(1.0 * fps), int(setup_s * fps), int(lift_s * fps)
    trunk = np.concatenate([np.zeros(stand), ramp(move, 0, 80), np.full(setup, 80.0), ramp(up, 80, 0),
                            np.zeros(stand)])
    lift = trunk[stand + move + setup:stand + move + setup + up] / 80      # 1 at lift-off, 0 standing
    spine = np.concatenate([np.zeros(stand), ramp(move, 0, reach_spine_deg),
                            ramp(setup, reach_spine_deg, lift_spine_deg), lift_spine_deg * lift, np.zeros(stand)])
    return trunk, spine


def set_up_track(*, reach_spine_deg: float = 35.0, set_spine_deg: float = 3.0,
                 fps: float = 30.0) -> tuple[PoseTrack, dict[str, float]]:
    """A lift from the floor whose set-up is clear in the legs, not in the hands: stand 0.8 s, reach down in 1.0 s
    (trunk to 80°, knees to 20°, the spine flexing to ``reach_spine_deg``), set up in 0.6 s (the hips down: knees to
    60°; the chest up: trunk to 60°; the spine to ``set_spine_deg``), hold the set position 0.4 s, lift in 1.0 s,
    stand 0.8 s. The set-up raises the hands by 0.04 of standing height above the bottom of the reach-down, beyond the
    5 % of their rise the hands alone take for the floor (so does the lite model at an angle). Returns the track and the
    true times (s): ``set`` (the knees reach the set position), ``liftoff`` (the end of the hold)."""
    def ramp(n: int, a: float, b: float) -> np.ndarray:
        return a + (b - a) * np.sin(np.linspace(0, np.pi / 2, n)) ** 2

    stand, move, setup, hold = int(0.8 * fps), int(1.0 * fps), int(0.6 * fps), int(0.4 * fps)

    def phases(reach: float, set_to: float, end: float) -> np.ndarray:
        return np.concatenate([np.full(stand, end), ramp(move, end, reach), ramp(setup, reach, set_to),
                               np.full(hold, set_to), ramp(move, set_to, end), np.full(stand, end)])

    trunk, knee, spine = phases(80.0, 60.0, 0.0), phases(20.0, 60.0, 0.0), phases(reach_spine_deg, set_spine_deg, 0.0)
    track = make_track(trunk, knee, spine, np.arange(len(trunk)) / fps)
    return track, {"set": (stand + move + setup - 1) / fps, "liftoff": (stand + move + setup + hold - 1) / fps}


def swing_track(reps: int = 3, arm_raise_deg: float = 120.0, fps: float = 30.0) -> PoseTrack:
    """Kettlebell swings: hinge down in 0.9 s, snap up in 0.25 s, the arms swinging from hanging to
    ``arm_raise_deg`` as the hips lock and back down with the next hinge."""
    period = 1.6
    t = np.arange(int(round((2.0 + period * reps) * fps))) / fps
    outside = (t < 1.0) | (t > 1.0 + period * reps)
    phase = np.clip(t - 1.0, 0, period * reps) % period
    down = np.clip(phase / 0.9, 0, 1)
    up = np.clip((phase - 0.9) / 0.25, 0, 1)
    hinge_env = np.where(phase < 0.9, np.sin(np.pi / 2 * down) ** 2, np.cos(np.pi / 2 * up) ** 2)
    # the arms rise as the hips snap through and peak 0.25 s after they lock, then fall before the next hinge
    arms = np.where(phase >= 0.9, np.sin(np.pi * np.clip((phase - 1.05) / 0.7, 0, 1)), 0.0)
    hinge_env[outside] = arms[outside] = 0.0
    return make_track(75.0 * hinge_env, 20.0 * hinge_env, np.zeros(len(t)), t, arm_raise_deg=arm_raise_deg * arms)


def lost_between(track: PoseTrack, first: int, stop: int) -> PoseTrack:
    """``track`` with no pose in frames ``first:stop`` (the model lost the lifter there)."""
    arrays = {name: getattr(track, name).copy() for name in ("image_xy", "world_xyz", "back_profile_px")}
    for array in arrays.values():
        array[first:stop] = np.nan
    visibility = track.visibility.copy()
    visibility[first:stop] = 0.0
    return dataclasses.replace(track, visibility=visibility, **arrays)


def replayed_poses(track: PoseTrack):
    """A live pose estimator (rgb, timestamp_s) -> FramePose | None that hands back the frames of ``track`` in turn
    (no model): a live session replayed from known poses."""
    from liftform.pose import FramePose

    frames = iter(range(len(track)))

    def estimate(rgb, timestamp_s):
        i = next(frames)
        if not track.has_pose[i]:
            return None
        return FramePose(track.image_xy[i], track.world_xyz[i], track.visibility[i], track.back_profile_px[i])
    return estimate
