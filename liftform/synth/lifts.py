"""Lifting an object from the floor: key poses, the lift's phases, the hands on the object, the object's path.

One cycle is two bends: reach down to the object on the floor (unloaded), set (grip; in the set-up fault also drop
the hips and set a flat back), lift it (the first 0.2 s are the lift-off) to the waist, hold it standing (lockout),
lower it (loaded) back to the floor, set it down and stand up without it. The arms hang under gravity while the
hands are free and follow the object by two-link inverse kinematics while they hold it. Body frame, metres.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from liftform.synth.body import (
    ANKLE_HEIGHT_M,
    FOREARM_M,
    HAND_M,
    UPPER_ARM_M,
    Build,
    Pose,
    Skeleton,
    balance_shin_deg,
    solve_pose,
)
from liftform.synth.motions import Timeline, lerp_pose, min_jerk, with_head

OBJECT_MOTIONS = ("stoop_lift", "hinge_lift", "squat_lift", "half_kneel_lift", "reach_rounded_then_flat",
                  "rounded_set_down")
OBJECTS = ("box", "bag", "kettlebell")
# (lift phase, coarse phase, nominal duration s, pose from, pose to, which bend of the cycle: 0 pick-up, 1 set-down,
# -1 none). Poses: "stand", "reach" (hands at the object), "set" (at lift-off), "lower" (setting it down).
CYCLE = (
    ("reach_down", "descent", 1.0, "stand", "reach", 0),
    ("set", "bottom", 0.25, "reach", "set", 0),
    ("ascent", "ascent", 1.1, "set", "stand", 0),
    ("lockout", "stand", 0.8, "stand", "stand", -1),
    ("lowering", "descent", 1.0, "stand", "lower", 1),
    ("set_down", "bottom", 0.25, "lower", "lower", 1),
    ("rise", "ascent", 0.9, "lower", "stand", 1),
    ("stand", "stand", 0.5, "stand", "stand", -1),
)
SETUP_S = 0.8  # the set-up fault's "set": hips down, chest up, back flattened, hands on the object
LIFT_OFF_S = 0.2
# Where the object is held standing (its grip point, body frame: forward, up), m: at the waist, elbows bent.
CARRY_GRIP_XY_M = (0.31, 0.93)
# Half the distance between the hands on each object (m): the box by hand-holds in its sides (hidden inside it),
# the bag by its gathered neck, the kettlebell by its handle.
GRIP_HALF_SPAN_M = {"box": 0.15, "bag": 0.05, "kettlebell": 0.05}
# Each object's grip height as a share of its height: the object is sized so that the hands reach the grip in the
# motion's reach pose (a box's hand-holds near its top, a bag's neck and a kettlebell's handle at the top).
GRIP_SHARE = {"box": 0.78, "bag": 1.0, "kettlebell": 1.0}
HALF_KNEEL_FRONT_ANKLE_XY_M = (0.45, ANKLE_HEIGHT_M)
HALF_KNEEL_REAR_ANKLE_XY_M = (-0.40, 0.14)  # the rear knee comes down to the floor


@dataclass(frozen=True)
class HeldObject:
    """Where the object is in one frame: ``kind`` (``OBJECTS``), its grip point ``grip_xyz_m`` (3,) body frame (the
    middle between the hands), its height ``height_m`` (its bottom is ``grip_share`` of it below the grip)."""

    kind: str
    grip_xyz_m: np.ndarray
    height_m: float

    @property
    def bottom_y_m(self) -> float:
        return float(self.grip_xyz_m[1] - self.height_m * GRIP_SHARE[self.kind])


def lift_poses(
    motion: str, spine_flexion_peak_deg: float | None, trunk_peak_deg: float | None, lead_leg: str, head: str
) -> dict[str, Pose]:
    """The key poses of an object lift (deg, m): stand, reach, set, lower. Overrides apply to the pose in which the
    back is judged (``reach`` for the stoop, hinge, squat and half-kneel; the rounded reach in the set-up fault; the
    rounded set-down, ``lower``, after a flat lift)."""
    stand = Pose(trunk_deg=1.0, spine_flexion_deg=0.0, knee_flexion_deg=2.0)
    if motion == "stoop_lift":
        reach = Pose(trunk_deg=86.0, spine_flexion_deg=46.0, knee_flexion_deg=10.0, neck_flexion_deg=8.0,
                     head_flexion_deg=4.0, arm_forward_deg=0.0)
    elif motion in ("hinge_lift", "reach_rounded_then_flat", "rounded_set_down"):
        # the set-up fault's flat back: hips lower and chest higher than the hinge, the hands at the same place
        trunk, knee = (74.0, 50.0) if motion == "hinge_lift" else (68.0, 65.0)
        reach = Pose(trunk_deg=trunk, spine_flexion_deg=2.0, knee_flexion_deg=knee, neck_flexion_deg=-22.0,
                     head_flexion_deg=-8.0, arm_forward_deg=0.0)
    elif motion == "squat_lift":
        reach = Pose(trunk_deg=40.0, spine_flexion_deg=2.0, knee_flexion_deg=110.0, neck_flexion_deg=-25.0,
                     head_flexion_deg=-5.0, arm_forward_deg=4.0, elbow_flexion_deg=8.0)
    elif motion == "half_kneel_lift":
        front, rear = HALF_KNEEL_FRONT_ANKLE_XY_M, HALF_KNEEL_REAR_ANKLE_XY_M
        feet = dict(left_ankle_xy_m=front if lead_leg == "left" else rear,
                    right_ankle_xy_m=front if lead_leg == "right" else rear)
        stand = Pose(trunk_deg=2.0, spine_flexion_deg=0.0, hip_xy_m=(0.0, 0.85), **feet)
        reach = Pose(trunk_deg=25.0, spine_flexion_deg=2.0, hip_xy_m=(0.02, 0.50), neck_flexion_deg=-10.0,
                     arm_forward_deg=0.0, **feet)
    else:
        raise ValueError(f"unknown object lift {motion!r}: choose one of {', '.join(OBJECT_MOTIONS)}")
    flat = reach
    # Stooped and rounded, the hands where the flat set-up pose has them: the set-up fault reaches down so (then
    # sets the flat back), the rounded set-down lowers the box so (after a flat lift).
    rounded = Pose(trunk_deg=84.0, spine_flexion_deg=40.0, knee_flexion_deg=20.0, neck_flexion_deg=10.0,
                   head_flexion_deg=4.0, arm_forward_deg=0.0)
    judged = rounded if motion in ("reach_rounded_then_flat", "rounded_set_down") else reach
    if spine_flexion_peak_deg is not None:
        judged = replace(judged, spine_flexion_deg=float(spine_flexion_peak_deg))
    if trunk_peak_deg is not None:
        judged = replace(judged, trunk_deg=float(trunk_peak_deg))
    judged = with_head(judged, head)  # the head hangs towards the floor, or looks at the feet
    if motion == "rounded_set_down":
        return {"stand": stand, "reach": flat, "set": flat, "lower": judged}
    if motion == "reach_rounded_then_flat":
        return {"stand": stand, "reach": judged, "set": flat, "lower": flat}
    return {"stand": stand, "reach": judged, "set": judged, "lower": judged}


def cycle_segments(reps: int, stand_s: float, setup: bool, seed: int) -> list[tuple]:
    """The timeline's segments: (lift phase, coarse phase, duration s, pose from, pose to, rep index or -1), with a
    seeded +-6 % jitter of each duration."""
    rng = np.random.default_rng(seed)
    segs = [("stand", "stand", stand_s, "stand", "stand", -1)]
    for cycle in range(reps):
        for name, coarse, dur, a, b, bend in CYCLE:
            if name == "set" and setup:
                dur = SETUP_S
            segs.append((name, coarse, dur * (1.0 + rng.uniform(-0.06, 0.06)), a, b,
                         -1 if bend < 0 else 2 * cycle + bend))
    return segs


def _two_link_elbow(shoulder: np.ndarray, target: np.ndarray, pole: np.ndarray) -> np.ndarray:
    """Elbow (3,) of an arm from ``shoulder`` reaching ``target`` (upper arm, then forearm + hand), bending towards
    ``pole`` (3,), a direction; an unreachable target gets a straight arm pointing at it."""
    lo, hi = UPPER_ARM_M, FOREARM_M + HAND_M
    d = target - shoulder
    dist = float(np.clip(np.linalg.norm(d), hi - lo + 1e-4, lo + hi - 1e-6))
    u = d / max(float(np.linalg.norm(d)), 1e-9)
    perp = pole - (pole @ u) * u
    perp /= max(float(np.linalg.norm(perp)), 1e-9)
    along = (lo**2 - hi**2 + dist**2) / (2 * dist)
    return shoulder + along * u + np.sqrt(max(lo**2 - along**2, 0.0)) * perp


def hold_with_hands(sk: Skeleton, grip_xyz_m: np.ndarray, half_span_m: float) -> Skeleton:
    """``sk`` with both hands on the grip point (3,) (one each side, ``half_span_m`` from it): the elbows bend the
    way the hanging arms bend (behind the shoulder-hand line)."""
    joints = dict(sk.joints)
    for side, sgn in (("left", -1.0), ("right", 1.0)):
        shoulder = sk[f"{side}_shoulder_joint"]
        target = grip_xyz_m + np.array([0.0, 0.0, sgn * half_span_m])
        pole = sk[f"{side}_elbow"] - shoulder + np.array([-0.05, 0.0, sgn * 0.03])
        elbow = _two_link_elbow(shoulder, target, pole)
        fore = (target - elbow) / np.linalg.norm(target - elbow)
        joints[f"{side}_elbow"] = elbow
        joints[f"{side}_wrist"] = elbow + FOREARM_M * fore
        joints[f"{side}_hand"] = elbow + (FOREARM_M + HAND_M) * fore
    return replace(sk, joints=joints)


def _hands_mid(sk: Skeleton) -> np.ndarray:
    return 0.5 * (sk["left_hand"] + sk["right_hand"])


@dataclass(frozen=True)
class ObjectLift:
    """The planned object lift: ``schedule`` (coarse phases, rep index per bend, weight 0 standing .. 1 at the
    object), ``lift_phase`` (T,) str and ``loaded`` (T,) bool, ``skeletons`` and ``objects`` per frame."""

    schedule: Timeline
    lift_phase: np.ndarray
    loaded: np.ndarray
    skeletons: list[Skeleton]
    objects: list[HeldObject]


def _balanced(pose: Pose, build: Build) -> Pose:
    return pose if pose.hip_xy_m is not None else replace(pose, shin_deg=balance_shin_deg(pose, build=build))


def plan_object_lift(motion: str, kind: str, fps: float, reps: int, stand_s: float, seed: int, build: Build,
                     poses: dict[str, Pose]) -> ObjectLift:
    """Per-frame skeletons, object and phases of ``reps`` cycles of ``motion`` with the object ``kind``."""
    segs = cycle_segments(reps, stand_s, motion == "reach_rounded_then_flat", seed)
    key = {name: _balanced(p, build) for name, p in poses.items()}
    hang = {name: _hands_mid(solve_pose(p, build)) for name, p in key.items()}
    floor_grip = np.array([hang["reach"][0], hang["reach"][1], 0.0])
    height = float(floor_grip[1]) / GRIP_SHARE[kind]
    carry = np.array([CARRY_GRIP_XY_M[0], CARRY_GRIP_XY_M[1], 0.0])
    span = GRIP_HALF_SPAN_M[kind]
    n = int(round(sum(s[2] for s in segs) * fps))
    t = np.arange(n) / fps
    weight, rep = np.zeros(n), np.full(n, -1, dtype=np.int64)
    phase, lift_phase = np.empty(n, dtype=object), np.empty(n, dtype=object)
    loaded = np.zeros(n, dtype=bool)
    skeletons: list[Skeleton] = []
    objects: list[HeldObject] = []
    start = 0.0
    for name, coarse, dur, a, b, r in segs:
        sel = np.flatnonzero((t >= start - 1e-9) & (t < start + dur - 1e-9))
        # The shin that balances the body is smooth along a segment: solve it on a few points and interpolate.
        grid = np.linspace(0.0, 1.0, 5)
        shins = [_balanced(lerp_pose(key[a], key[b], float(min_jerk(g))), build).shin_deg for g in grid]
        for i in sel:
            u = (t[i] - start) / dur
            pose = replace(lerp_pose(key[a], key[b], float(min_jerk(u))), shin_deg=float(np.interp(u, grid, shins)))
            sk = solve_pose(pose, build)
            grip, held = _grip(name, u, t[i] - start, sk, hang, a, b, floor_grip, carry)
            if grip is not None:
                sk = hold_with_hands(sk, grip, span)
            loaded[i] = held
            lift_phase[i] = "lift_off" if name == "ascent" and t[i] - start < LIFT_OFF_S else name
            skeletons.append(sk)
            objects.append(HeldObject(kind, grip if held else floor_grip, height))
            weight[i] = {"descent": min_jerk(u), "bottom": 1.0, "ascent": 1.0 - min_jerk(u)}.get(coarse, 0.0)
        rep[sel], phase[sel] = r, coarse
        start += dur
    return ObjectLift(Timeline(t, weight, rep, phase.astype(str)), lift_phase.astype(str), loaded, skeletons, objects)


def _grip(name: str, u: float, elapsed_s: float, sk: Skeleton, hang: dict, a: str, b: str, floor_grip: np.ndarray,
          carry: np.ndarray) -> tuple[np.ndarray | None, bool]:
    """Where the hands hold in this frame (None: they hang free) and whether the object is off the floor."""
    free = _hands_mid(sk)
    if name == "stand":
        return None, False
    if name == "reach_down":  # the free hands come onto the object over the second half of the reach
        return free + float(min_jerk((u - 0.5) / 0.5)) * (floor_grip - free), False
    if name in ("set", "set_down"):
        return floor_grip, False
    if name == "rise":
        return free + float(1.0 - min_jerk(u / 0.5)) * (floor_grip - free), False
    if name == "lockout":
        return carry, True
    # ascent / lowering: the object rises (sinks) with the hanging hands, and is drawn in to the waist near the top
    bottom_pose = a if name == "ascent" else b
    path = floor_grip + (free - hang[bottom_pose])
    path[1] = max(path[1], floor_grip[1])
    top_share = u if name == "ascent" else 1.0 - u
    w = float(min_jerk((top_share - 0.35) / 0.65))
    return path + w * (carry - path), name == "lowering" or elapsed_s > 0.0 or u > 0.0
