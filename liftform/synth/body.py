"""A 3D articulated body: dimensions, pose parameters and forward kinematics.

Coordinates are the **body frame**, in metres: x forward (the way the person faces), y up (floor at y = 0), z
to the person's right. All sagittal angles are measured from vertical, positive = the distal end leans
forward.

The spine is a chain of ``N_SPINE_SEGMENTS`` straight segments running along the **dorsal skin line** (the
back's surface in the mid-sagittal plane), from the sacrum up to the base of the neck (C7). Segment 0
(sacral/low lumbar) is rigid with the pelvis; the spine's flexion is spread over the joints between segments,
so the angle between the lowest and the topmost segment minus its neutral value equals
``Pose.spine_flexion_deg`` exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

N_SPINE_SEGMENTS = 6
# Lengths of the spine segments along the dorsal line, sacrum -> C7 (m).
SPINE_SEGMENT_LENGTHS_M = np.array([0.085, 0.09, 0.09, 0.09, 0.095, 0.095])
# Neutral (upright) direction of each segment relative to the pelvis' up axis (deg): a mild lordosis/kyphosis.
SPINE_NEUTRAL_DEG = np.array([-2.0, -4.0, -3.0, -1.0, 1.0, 3.0])
# Share of the spine's flexion taken by each joint between segments i-1 and i (i = 1..5), by the spine's pattern
# of bending (``Build.spine_pattern``): "even" (the default, a little lumbar-heavy), "thoracic" (the upper back
# hunches, the lower back stays nearly straight) and "lumbar" (the lower back flexes and the pelvis tucks under,
# the upper back stays straight). Each sums to 1, so the whole spine flexes by ``Pose.spine_flexion_deg`` either way.
SPINE_FLEXION_SHARES = {
    "even": np.array([0.24, 0.24, 0.20, 0.16, 0.16]),
    "thoracic": np.array([0.02, 0.04, 0.14, 0.40, 0.40]),
    "lumbar": np.array([0.45, 0.40, 0.15, 0.0, 0.0]),
}
SPINE_FLEXION_SHARE = SPINE_FLEXION_SHARES["even"]
# The spine segments counted as lumbar (0..LUMBAR_TOP) and thoracic (LUMBAR_TOP..5) in the truth's split of flexion.
LUMBAR_TOP_SEGMENT = 2
# Torso cross-section at each spine node (N_SPINE_SEGMENTS + 1 nodes): half-depth and half-width (m).
TORSO_HALF_DEPTH_M = np.array([0.095, 0.088, 0.086, 0.094, 0.106, 0.108, 0.076])
TORSO_HALF_WIDTH_M = np.array([0.160, 0.145, 0.138, 0.148, 0.160, 0.165, 0.105])

ANKLE_HEIGHT_M = 0.085
SHIN_M = 0.43
THIGH_M = 0.44
HIP_HALF_WIDTH_M = 0.095  # legs stay in parallel sagittal planes, so 3D segment lengths are exact
KNEE_HALF_WIDTH_M = HIP_HALF_WIDTH_M
ANKLE_HALF_WIDTH_M = HIP_HALF_WIDTH_M
SHOULDER_HALF_WIDTH_M = 0.185
UPPER_ARM_M = 0.30
FOREARM_M = 0.26
HAND_M = 0.085
NECK_M = 0.09
HEAD_RADIUS_M = 0.098
# Sacral skin point (spine node 0) relative to the hip midpoint, in the pelvis frame (forward, up), m.
SACRUM_IN_PELVIS_M = (-0.105, 0.065)
# Shoulder (glenohumeral) joint centre relative to spine node 6 (C7 skin point), in the top segment's frame
# (forward, up), m. The arms hang from it.
SHOULDER_IN_TOP_M = (0.085, -0.055)
# The shoulder *landmark* (what MediaPipe and human annotators call "shoulder": the top of the shoulder, near
# the acromion) relative to the joint centre, in the same frame (forward, up), m.
ACROMION_FROM_JOINT_M = (0.008, 0.035)
NECK_BASE_IN_TOP_M = (0.05, 0.0)


@dataclass(frozen=True)
class Build:
    """How one body differs from the default figure (all zero / one = the default, whose samples are unchanged).

    ``lordosis_deg``: extra hollow of the lower back standing (+ more lordosis, - flatter), spread over the two
    lumbar joints (the pelvis tips forward to keep the trunk's line); ``kyphosis_deg``: extra rounding of the upper
    back standing (+ rounder), over the three thoracic joints. Both change the person's *neutral* spine: the truth's
    spine flexion stays measured from it. ``buttock_m``: the buttocks stand out this much further (+) or less (-);
    ``girth``: scale of the torso's depth and width; ``spine_pattern``: where the spine bends when it flexes, a key
    of ``SPINE_FLEXION_SHARES``.
    """

    lordosis_deg: float = 0.0
    kyphosis_deg: float = 0.0
    buttock_m: float = 0.0
    girth: float = 1.0
    spine_pattern: str = "even"

    def __post_init__(self) -> None:
        if self.spine_pattern not in SPINE_FLEXION_SHARES:
            raise ValueError(
                f"spine_pattern must be one of {', '.join(SPINE_FLEXION_SHARES)}, not {self.spine_pattern!r}"
            )
        if not 0.6 <= self.girth <= 1.6:
            raise ValueError(f"girth must be within [0.6, 1.6], not {self.girth}")
        if not -0.05 <= self.buttock_m <= 0.08:
            raise ValueError(f"buttock_m must be within [-0.05, 0.08], not {self.buttock_m}")
        if max(abs(self.lordosis_deg), abs(self.kyphosis_deg)) > 40:
            raise ValueError("lordosis_deg and kyphosis_deg must be within [-40, 40]")

    @property
    def neutral_deg(self) -> np.ndarray:
        """Neutral (upright) direction of each spine segment relative to the pelvis' up axis (deg):
        (N_SPINE_SEGMENTS,)."""
        joints = np.array([-0.5, -0.5, 0.0, 0.0, 0.0]) * self.lordosis_deg
        joints = joints + np.array([0.0, 0.0, 1.0, 1.0, 1.0]) / 3.0 * self.kyphosis_deg
        return SPINE_NEUTRAL_DEG + np.concatenate([[0.0], np.cumsum(joints)])

    @property
    def flexion_share(self) -> np.ndarray:
        return SPINE_FLEXION_SHARES[self.spine_pattern]


DEFAULT_BUILD = Build()


@dataclass(frozen=True)
class Pose:
    """Pose parameters for one frame (angles in degrees, lengths in metres, body frame).

    Symmetric lifts set ``knee_flexion_deg``/``shin_deg`` for both legs; a lunge instead gives ``hip_xy_m``
    and the ankle positions and the legs are solved by two-link inverse kinematics.
    """

    trunk_deg: float  # wanted hip-mid -> shoulder-mid inclination from vertical (+ forward)
    spine_flexion_deg: float  # flexion spread over the spine joints (+ flexed / back convex)
    knee_flexion_deg: float = 0.0
    shin_deg: float = 0.0  # shin (ankle -> knee) from vertical, + knee ahead of ankle
    neck_flexion_deg: float = 0.0  # neck relative to the top spine segment (+ chin towards chest)
    head_flexion_deg: float = 0.0  # head relative to the neck
    arm_forward_deg: float = 3.0  # upper arm from world vertical (hanging), + hand forward
    elbow_flexion_deg: float = 6.0
    hip_xy_m: tuple[float, float] | None = None  # lunge: hip-mid position (x, y); None = from the legs
    left_ankle_xy_m: tuple[float, float] = (0.0, ANKLE_HEIGHT_M)
    right_ankle_xy_m: tuple[float, float] = (0.0, ANKLE_HEIGHT_M)


@dataclass(frozen=True)
class Skeleton:
    """3D joint positions of one frame, metres, body frame. Arrays are (3,) unless stated.

    ``spine_nodes`` is (N_SPINE_SEGMENTS + 1, 3): the dorsal skin line from the sacrum (0) to C7 (last);
    ``spine_normals`` is (N_SPINE_SEGMENTS + 1, 3): the unit anterior normal of the chain at each node.
    ``head_frame`` is (3, 3): rows are the head's forward, up and right unit vectors. ``joints`` maps names
    (``left_hip``, ``right_knee``, ``neck_top``, ``head_center`` ...) to positions. ``<side>_shoulder`` is the
    shoulder *landmark* (top of the shoulder, ~acromion, as MediaPipe places it) that the truth angles use;
    ``<side>_shoulder_joint`` is the joint centre the arm hangs from, 3.5 cm lower.
    """

    joints: dict[str, np.ndarray]
    spine_nodes: np.ndarray
    spine_normals: np.ndarray
    spine_dirs: np.ndarray  # (N_SPINE_SEGMENTS, 3) unit directions of the segments, sacrum -> C7
    pelvis_deg: float
    head_frame: np.ndarray
    build: Build = field(default=DEFAULT_BUILD)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.joints[name]


def sagittal(angle_deg: float) -> np.ndarray:
    """Unit vector in the sagittal plane at ``angle_deg`` from vertical (+ forward): (3,)."""
    a = np.radians(angle_deg)
    return np.array([np.sin(a), np.cos(a), 0.0])


def _anterior(angle_deg: float) -> np.ndarray:
    """Unit anterior normal of a segment pointing at ``angle_deg`` (its direction rotated -90 deg): (3,)."""
    a = np.radians(angle_deg)
    return np.array([np.cos(a), -np.sin(a), 0.0])


def _lat(z_m: float) -> np.ndarray:
    return np.array([0.0, 0.0, z_m])


def _two_link_knee(hip: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Knee position for a leg from ``hip`` to ``ankle`` (both (3,)), knee bending forward (+x)."""
    d = ankle - hip
    dist = float(np.linalg.norm(d))
    dist = min(dist, THIGH_M + SHIN_M - 1e-6)
    along = (THIGH_M**2 - SHIN_M**2 + dist**2) / (2 * dist)
    h = np.sqrt(max(THIGH_M**2 - along**2, 0.0))
    u = d / np.linalg.norm(d)
    perp = np.array([-u[1], u[0], 0.0])  # rotate in the sagittal plane
    if perp[0] < 0:
        perp = -perp
    return hip + along * u + h * perp


def _legs(pose: Pose) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Hip midpoint (3,) and leg joints: forward kinematics (symmetric lifts) or inverse (lunge)."""
    joints: dict[str, np.ndarray] = {}
    if pose.hip_xy_m is None:
        ankle = np.array([0.0, ANKLE_HEIGHT_M, 0.0])
        knee = ankle + SHIN_M * sagittal(pose.shin_deg)
        hip_mid = knee + THIGH_M * sagittal(pose.shin_deg - pose.knee_flexion_deg)
        for side, sgn in (("left", -1.0), ("right", 1.0)):
            joints[f"{side}_ankle"] = ankle + _lat(sgn * ANKLE_HALF_WIDTH_M)
            joints[f"{side}_knee"] = knee + _lat(sgn * KNEE_HALF_WIDTH_M)
            joints[f"{side}_hip"] = hip_mid + _lat(sgn * HIP_HALF_WIDTH_M)
        return hip_mid, joints
    hip_mid = np.array([pose.hip_xy_m[0], pose.hip_xy_m[1], 0.0])
    for side, sgn, axy in (("left", -1.0, pose.left_ankle_xy_m), ("right", 1.0, pose.right_ankle_xy_m)):
        hip = hip_mid + _lat(sgn * HIP_HALF_WIDTH_M)
        ankle = np.array([axy[0], axy[1], sgn * ANKLE_HALF_WIDTH_M])
        knee = _two_link_knee(hip, ankle)
        joints[f"{side}_ankle"], joints[f"{side}_knee"], joints[f"{side}_hip"] = ankle, knee, hip
    return hip_mid, joints


def _feet(joints: dict[str, np.ndarray]) -> None:
    """Heel, ball and toe-tip (foot index) points: a flat foot, or, when the ankle is raised, a foot pitched
    about the ball so the ball stays on the floor and the toes lie flat."""
    reach = float(np.hypot(0.14, 0.065))  # ankle -> ball of the foot (m)
    for side in ("left", "right"):
        ankle = joints[f"{side}_ankle"]
        s = np.clip((ankle[1] - 0.02) / reach, -1.0, 0.99)
        pitch = max(float(np.arcsin(s) - np.arctan2(0.065, 0.14)), 0.0)  # toe-down pitch (rad)
        fwd = np.array([np.cos(pitch), -np.sin(pitch), 0.0])
        down = np.array([-np.sin(pitch), -np.cos(pitch), 0.0])
        joints[f"{side}_heel"] = ankle - 0.06 * fwd + 0.065 * down
        ball = ankle + 0.14 * fwd + 0.065 * down
        joints[f"{side}_ball"] = ball
        joints[f"{side}_foot_index"] = ball + np.array([0.045, 0.0, 0.0])


def spine_angles_deg(pelvis_deg: float, spine_flexion_deg: float, build: Build = DEFAULT_BUILD) -> np.ndarray:
    """Direction of each spine segment from vertical (deg, + forward): (N_SPINE_SEGMENTS,)."""
    cum = np.concatenate([[0.0], np.cumsum(build.flexion_share * spine_flexion_deg)])
    return pelvis_deg + build.neutral_deg + cum


def _upper_body(
    hip_mid: np.ndarray, pelvis_deg: float, pose: Pose, build: Build
) -> tuple[dict, np.ndarray, np.ndarray]:
    """Spine chain, shoulders, neck, head for a pelvis tilted ``pelvis_deg`` (0 = neutral upright)."""
    up_p, fwd_p = sagittal(pelvis_deg), _anterior(pelvis_deg)
    seg_deg = spine_angles_deg(pelvis_deg, pose.spine_flexion_deg, build)
    nodes = [hip_mid + SACRUM_IN_PELVIS_M[0] * fwd_p + SACRUM_IN_PELVIS_M[1] * up_p]
    for length, a in zip(SPINE_SEGMENT_LENGTHS_M, seg_deg, strict=True):
        nodes.append(nodes[-1] + length * sagittal(a))
    top_deg = seg_deg[-1]
    up_t, fwd_t = sagittal(top_deg), _anterior(top_deg)
    top = nodes[-1]
    j: dict[str, np.ndarray] = {}
    joint_mid = top + SHOULDER_IN_TOP_M[0] * fwd_t + SHOULDER_IN_TOP_M[1] * up_t
    acromion_mid = joint_mid + ACROMION_FROM_JOINT_M[0] * fwd_t + ACROMION_FROM_JOINT_M[1] * up_t
    for side, sgn in (("left", -1.0), ("right", 1.0)):
        j[f"{side}_shoulder_joint"] = joint_mid + _lat(sgn * SHOULDER_HALF_WIDTH_M)
        j[f"{side}_shoulder"] = acromion_mid + _lat(sgn * SHOULDER_HALF_WIDTH_M)
    neck_deg = top_deg + pose.neck_flexion_deg
    j["neck_base"] = top + NECK_BASE_IN_TOP_M[0] * fwd_t + NECK_BASE_IN_TOP_M[1] * up_t
    j["neck_top"] = j["neck_base"] + NECK_M * sagittal(neck_deg)
    head_deg = neck_deg + pose.head_flexion_deg
    j["head_center"] = j["neck_top"] + 0.07 * sagittal(head_deg) + 0.015 * _anterior(head_deg)
    head_frame = np.stack([_anterior(head_deg), sagittal(head_deg), np.array([0.0, 0.0, 1.0])])
    return j, np.array(nodes), head_frame


def _node_normals(seg_dirs: np.ndarray) -> np.ndarray:
    """Anterior unit normals at the chain's nodes (averaging the adjacent segments): (K+1, 3)."""
    d = np.vstack([seg_dirs[:1], seg_dirs[:-1] + seg_dirs[1:], seg_dirs[-1:]])
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    return np.stack([d[:, 1], -d[:, 0], np.zeros(len(d))], axis=1)


def _arms(j: dict[str, np.ndarray], pose: Pose) -> None:
    """Arms hang from the shoulder joints under gravity (world vertical), slightly abducted (hands clear
    the thighs)."""
    for side, sgn in (("left", -1.0), ("right", 1.0)):
        sh = j[f"{side}_shoulder_joint"]
        upper = sagittal(180.0 - pose.arm_forward_deg) + _lat(sgn * 0.07)
        upper /= np.linalg.norm(upper)
        j[f"{side}_elbow"] = sh + UPPER_ARM_M * upper
        fore = sagittal(180.0 - pose.arm_forward_deg - pose.elbow_flexion_deg) + _lat(sgn * 0.03)
        fore /= np.linalg.norm(fore)
        j[f"{side}_wrist"] = j[f"{side}_elbow"] + FOREARM_M * fore
        j[f"{side}_hand"] = j[f"{side}_wrist"] + HAND_M * fore


def forward_kinematics(pose: Pose, pelvis_deg: float, build: Build = DEFAULT_BUILD) -> Skeleton:
    """All joints of ``pose`` with the pelvis tilted ``pelvis_deg`` from its neutral upright orientation."""
    hip_mid, joints = _legs(pose)
    _feet(joints)
    upper, nodes, head_frame = _upper_body(hip_mid, pelvis_deg, pose, build)
    joints.update(upper)
    joints["hip_mid"] = hip_mid
    _arms(joints, pose)
    dirs = np.diff(nodes, axis=0)
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    return Skeleton(joints, nodes, _node_normals(dirs), dirs, pelvis_deg, head_frame, build)


def trunk_inclination_deg(sk: Skeleton) -> float:
    """Angle of hip-mid -> shoulder-mid from vertical (deg; 0 upright, +90 horizontal forward, < 0 back)."""
    v = 0.5 * (sk["left_shoulder"] + sk["right_shoulder"]) - 0.5 * (sk["left_hip"] + sk["right_hip"])
    return float(np.degrees(np.arctan2(v[0], v[1])))


def solve_pose(pose: Pose, build: Build = DEFAULT_BUILD) -> Skeleton:
    """Skeleton whose trunk inclination equals ``pose.trunk_deg``: the upper body is rigid on the pelvis, so
    the hip-mid -> shoulder-mid line turns exactly with the pelvis and one correction step solves it."""
    sk0 = forward_kinematics(pose, 0.0, build)
    return forward_kinematics(pose, pose.trunk_deg - trunk_inclination_deg(sk0), build)


# Mass fractions (approximate, de Leva-like) of body parts for the balance solve.
_MASS = {
    "head": 0.08,
    "trunk": 0.50,
    "upper_arm": 0.028,
    "forearm_hand": 0.022,
    "thigh": 0.10,
    "shank_foot": 0.06,
}


def center_of_mass_x_m(sk: Skeleton) -> float:
    """Forward (x) position of the approximate whole-body centre of mass, metres."""
    j = sk.joints
    torso = sk.spine_nodes + TORSO_HALF_DEPTH_M[:, None] * sk.spine_normals
    parts = [(_MASS["head"], j["head_center"][0]), (_MASS["trunk"], float(torso[:, 0].mean()))]
    for side in ("left", "right"):
        parts += [
            (_MASS["upper_arm"], 0.5 * (j[f"{side}_shoulder_joint"][0] + j[f"{side}_elbow"][0])),
            (_MASS["forearm_hand"], 0.5 * (j[f"{side}_elbow"][0] + j[f"{side}_hand"][0])),
            (_MASS["thigh"], 0.5 * (j[f"{side}_hip"][0] + j[f"{side}_knee"][0])),
            (_MASS["shank_foot"], 0.5 * (j[f"{side}_knee"][0] + j[f"{side}_ankle"][0])),
        ]
    w = sum(m for m, _ in parts)
    return sum(m * x for m, x in parts) / w


def balance_shin_deg(
    pose: Pose,
    target_x_m: float = 0.05,
    lo_deg: float = -12.0,
    hi_deg: float = 45.0,
    build: Build = DEFAULT_BUILD,
) -> float:
    """Shin angle (deg) that puts the centre of mass over the mid-foot (``target_x_m`` ahead of the ankle),
    clamped to [lo_deg, hi_deg]; knee flexion and trunk inclination are unchanged by it. Solved by
    regula falsi (Illinois variant) on a bracket: the centre of mass moves almost linearly with the shin."""

    def com(shin: float) -> float:
        return center_of_mass_x_m(solve_pose(replace(pose, shin_deg=shin), build)) - target_x_m

    f_lo, f_hi = com(lo_deg), com(hi_deg)
    if f_lo >= 0:
        return lo_deg
    if f_hi <= 0:
        return hi_deg
    side = 0
    x = lo_deg
    for _ in range(40):
        x = (lo_deg * f_hi - hi_deg * f_lo) / (f_hi - f_lo)
        fx = com(x)
        if abs(fx) < 1e-6 or hi_deg - lo_deg < 1e-6:
            break
        if fx < 0:
            lo_deg, f_lo = x, fx
            if side == -1:
                f_hi /= 2
            side = -1
        else:
            hi_deg, f_hi = x, fx
            if side == 1:
                f_lo /= 2
            side = 1
    return x
