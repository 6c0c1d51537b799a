"""Motions: keyframed poses (stand and bottom of each lift), a rep timeline, and smooth interpolation.

Each sample is: stand ``stand_s``, then ``reps`` repetitions of descent, bottom hold, ascent and a short
stand. Angles are interpolated with a minimum-jerk profile between the standing pose and the bottom pose of
the rep.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from liftform.synth.body import ANKLE_HEIGHT_M, Pose

MOTIONS = ("hip_hinge", "rounded_back", "squat", "lunge", "good_morning")
PHASES = ("stand", "descent", "bottom", "ascent")

# Lunge (split squat) geometry, body frame, metres: fixed ankles and the hip path's two ends.
LUNGE_FRONT_ANKLE_XY_M = (0.40, ANKLE_HEIGHT_M)
LUNGE_REAR_ANKLE_XY_M = (-0.44, 0.16)  # heel raised: on the ball of the foot
LUNGE_HIP_TOP_XY_M = (0.0, 0.85)
LUNGE_HIP_BOTTOM_XY_M = (0.05, 0.535)
# Where the head is at the bottom, as (neck, head) flexion in degrees: "hang", dropped towards the floor (with a
# rounded upper back); "feet", looking down at the feet with the back flat (a novice's gaze: a safe lift); "ahead",
# the neck extended to look forward (the "eyes up" of a deadlift: a hunched upper back then shows no hanging head).
HEAD_POSES = {"hang": (35.0, 15.0), "feet": (15.0, 10.0), "ahead": (-22.0, -8.0)}
HEADS = ("auto", *HEAD_POSES)   # "auto": the motion's own head


@dataclass(frozen=True)
class Keyframes:
    """The standing pose and the bottom pose of a motion (``Pose`` parameters, degrees)."""

    stand: Pose
    bottom: Pose


def keyframes(
    motion: str,
    spine_flexion_peak_deg: float | None = None,
    trunk_peak_deg: float | None = None,
    lead_leg: str = "left",
    head: str = "auto",
) -> Keyframes:
    """Standing and bottom poses of ``motion`` (one of ``MOTIONS``); optional overrides of the bottom's spine
    flexion and trunk inclination (deg); ``lead_leg`` ('left' or 'right') is the lunge's front leg; ``head``:
    where the head is at the bottom (``HEADS``: "hang", chin to chest; "feet", looking at the feet; "auto", the
    motion's own)."""
    stand = Pose(trunk_deg=1.0, spine_flexion_deg=0.0, knee_flexion_deg=2.0)
    if motion == "hip_hinge":  # RDL-like: neutral spine, hips back, soft knees, gaze a little ahead
        bottom = Pose(
            trunk_deg=76.0,
            spine_flexion_deg=2.0,
            knee_flexion_deg=20.0,
            neck_flexion_deg=-22.0,
            head_flexion_deg=-8.0,
            arm_forward_deg=0.0,
        )
    elif motion == "rounded_back":  # stoop: straight-ish knees, the spine flexes, the head hangs
        bottom = Pose(
            trunk_deg=86.0,
            spine_flexion_deg=46.0,
            knee_flexion_deg=10.0,
            neck_flexion_deg=8.0,
            head_flexion_deg=4.0,
            arm_forward_deg=0.0,
        )
    elif motion == "squat":  # squat lift: deep knees, upright-ish neutral trunk
        bottom = Pose(
            trunk_deg=40.0,
            spine_flexion_deg=2.0,
            knee_flexion_deg=105.0,
            neck_flexion_deg=-25.0,
            head_flexion_deg=-5.0,
            arm_forward_deg=4.0,
            elbow_flexion_deg=8.0,
        )
    elif motion == "lunge":  # split squat: both legs by inverse kinematics, upright trunk
        front, rear = LUNGE_FRONT_ANKLE_XY_M, LUNGE_REAR_ANKLE_XY_M
        feet = dict(
            left_ankle_xy_m=front if lead_leg == "left" else rear,
            right_ankle_xy_m=front if lead_leg == "right" else rear,
        )
        stand = Pose(trunk_deg=2.0, spine_flexion_deg=0.0, hip_xy_m=LUNGE_HIP_TOP_XY_M, **feet)
        bottom = Pose(
            trunk_deg=8.0,
            spine_flexion_deg=1.0,
            hip_xy_m=LUNGE_HIP_BOTTOM_XY_M,
            neck_flexion_deg=-6.0,
            arm_forward_deg=2.0,
            **feet,
        )
    elif motion == "good_morning":  # a hinge with the load held at the chest: the hands never hang or reach down
        hinge = keyframes("hip_hinge")
        stand = replace(stand, arm_forward_deg=10.0, elbow_flexion_deg=130.0)
        # Arm angles are from the world's vertical: the upper arm stays along the chest as the trunk tips forward.
        bottom = replace(hinge.bottom, trunk_deg=80.0, knee_flexion_deg=18.0, arm_forward_deg=-55.0,
                         elbow_flexion_deg=130.0)
    else:
        raise ValueError(f"unknown motion {motion!r}: choose one of {', '.join(MOTIONS)}")
    if spine_flexion_peak_deg is not None:
        bottom = replace(bottom, spine_flexion_deg=float(spine_flexion_peak_deg))
    if trunk_peak_deg is not None:
        bottom = replace(bottom, trunk_deg=float(trunk_peak_deg))
    return Keyframes(stand, with_head(bottom, head))


def with_head(pose: Pose, head: str) -> Pose:
    """``pose`` with its neck and head set for ``head`` (one of ``HEADS``; "auto" keeps the pose's own)."""
    if head not in HEAD_POSES:
        return pose
    neck_deg, head_deg = HEAD_POSES[head]
    return replace(pose, neck_flexion_deg=neck_deg, head_flexion_deg=head_deg)


def min_jerk(u: np.ndarray | float) -> np.ndarray | float:
    """Minimum-jerk ease 10u^3 - 15u^4 + 6u^5 of u in [0, 1] (clipped)."""
    u = np.clip(u, 0.0, 1.0)
    return u**3 * (10 - 15 * u + 6 * u**2)


def lerp_pose(a: Pose, b: Pose, w: float) -> Pose:
    """Pose at weight ``w`` between ``a`` (0) and ``b`` (1): every numeric field (and tuple) interpolated."""
    out = {}
    for f in fields(Pose):
        va, vb = getattr(a, f.name), getattr(b, f.name)
        if va is None or vb is None:
            out[f.name] = va if vb is None else vb
        elif isinstance(va, tuple):
            out[f.name] = tuple(float(x + w * (y - x)) for x, y in zip(va, vb, strict=True))
        else:
            out[f.name] = float(va + w * (vb - va))
    return Pose(**out)


@dataclass(frozen=True)
class Timeline:
    """Per-frame schedule: ``weight`` (T,) in [0, 1] (0 standing, 1 bottom), ``rep_index`` (T,) int (-1
    standing), ``phase`` (T,) str from ``PHASES``, ``time_s`` (T,)."""

    time_s: np.ndarray
    weight: np.ndarray
    rep_index: np.ndarray
    phase: np.ndarray


def timeline(
    fps: float,
    reps: int,
    stand_s: float = 0.7,
    descent_s: float = 1.0,
    bottom_s: float = 0.3,
    ascent_s: float = 1.0,
    rest_s: float = 0.5,
    seed: int = 0,
) -> Timeline:
    """Rep schedule with small seeded jitter of each phase's duration (+-6 %)."""
    rng = np.random.default_rng(seed)
    segs: list[tuple[str, float, int]] = [("stand", stand_s, -1)]
    for r in range(reps):
        j = 1.0 + rng.uniform(-0.06, 0.06, size=4)
        segs += [
            ("descent", descent_s * j[0], r),
            ("bottom", bottom_s * j[1], r),
            ("ascent", ascent_s * j[2], r),
            ("stand", rest_s * j[3], -1),
        ]
    total_s = sum(d for _, d, _ in segs)
    n = int(round(total_s * fps))
    t = np.arange(n) / fps
    weight, rep, phase = np.zeros(n), np.full(n, -1, dtype=np.int64), np.empty(n, dtype=object)
    start = 0.0
    for name, dur, r in segs:
        sel = (t >= start - 1e-9) & (t < start + dur - 1e-9)
        u = (t[sel] - start) / dur
        weight[sel] = (
            {"stand": 0.0, "bottom": 1.0}.get(name, 0.0)
            if name in ("stand", "bottom")
            else (min_jerk(u) if name == "descent" else 1.0 - min_jerk(u))
        )
        rep[sel], phase[sel] = r, name
        start += dur
    phase[phase == None] = "stand"  # noqa: E711  (float round-off at the very end)
    return Timeline(t, weight, rep, phase.astype(str))


def rep_scales(reps: int, seed: int) -> np.ndarray:
    """Per-rep depth scale (reps,): the first rep reaches the keyframed bottom exactly (1.0), later ones go
    0-5 % less deep, so the reps are not identical and no rep exceeds the keyframe."""
    s = 1.0 - np.random.default_rng(seed + 1).uniform(0.0, 0.05, size=reps)
    s[:1] = 1.0
    return s
