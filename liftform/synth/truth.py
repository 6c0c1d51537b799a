"""Ground truth of a rendered lift: per-frame angles from the 3D skeleton and MediaPipe-indexed landmarks.

Conventions (the core uses the same):

- ``trunk_inclination_deg``: angle of the line hip-midpoint -> shoulder-midpoint from vertical, in 3D; 0
  upright, +90 horizontal forward (negative when leaning back).
- ``hip_flexion_deg``: 180 - the 3D angle shoulder-hip-knee on the near side. Because the shoulders are wider
  than the hips (0.185 vs 0.095 m from the midline) this is ~9 deg, not 0, when standing straight, exactly as
  it is for a real body and for MediaPipe's world landmarks.
- ``hip_flexion_sagittal_deg``: the same angle with the points projected on the sagittal plane (lateral
  offsets dropped): ~0-4 deg standing; what a pure side view shows.
- ``knee_flexion_deg``: 180 - the 3D angle hip-knee-ankle on the near side; 0 straight.
- ``spine_flexion_deg``: signed angle between the lowest (sacral) and the topmost (upper thoracic) spine
  segment, minus its value in the body's own neutral posture (``Build``: a kyphotic or lordotic body standing
  reads 0); + flexed (back convex), - extended (arched). ``lumbar_flexion_deg`` (sacral segment to the third
  segment) and ``thoracic_flexion_deg`` (third to topmost) split it: they add up to it.
- ``loaded``: 1 while the hands hold the load off the floor (a bar or dumbbells from the start; an object from
  lift-off to set-down), else 0. ``lift_phase``: ``LIFT_PHASES``: stand (unloaded), reach_down (bending to the
  object), set (at the object, setting the back), lift_off (the first 0.2 s of the object's rise), ascent,
  lockout (standing with the load), lowering (bending with the load), bottom (turning point of a held load),
  set_down (the object back on the floor), rise (standing up without it). ``phase`` is the coarse
  stand|descent|bottom|ascent of every bend.
- ``view_yaw_deg``: 0 side-on, 90 facing the camera.
- ``image_xy``: (T, 33, 2) output-frame pixels (x right, y down; pixel i spans [i, i+1), so a MediaPipe
  normalized coordinate times the width/height compares directly); NaN for landmarks not defined (hands
  17-22).
- ``world_xyz``: (T, 33, 3) metres in the body frame (x forward, y up from the floor, z to the person's
  right).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from liftform.synth.body import LUMBAR_TOP_SEGMENT, SPINE_NEUTRAL_DEG, Skeleton

# MediaPipe Pose landmark index -> name, for the landmarks the renderer defines exactly.
LANDMARK_NAMES = {
    0: "nose",
    1: "left_eye_inner",
    2: "left_eye",
    3: "left_eye_outer",
    4: "right_eye_inner",
    5: "right_eye",
    6: "right_eye_outer",
    7: "left_ear",
    8: "right_ear",
    9: "mouth_left",
    10: "mouth_right",
    11: "left_shoulder",
    12: "right_shoulder",
    13: "left_elbow",
    14: "right_elbow",
    15: "left_wrist",
    16: "right_wrist",
    23: "left_hip",
    24: "right_hip",
    25: "left_knee",
    26: "right_knee",
    27: "left_ankle",
    28: "right_ankle",
    29: "left_heel",
    30: "right_heel",
    31: "left_foot_index",
    32: "right_foot_index",
}
N_LANDMARKS = 33
ANGLE_COLUMNS = (
    "trunk_inclination_deg",
    "hip_flexion_deg",
    "knee_flexion_deg",
    "spine_flexion_deg",
    "hip_flexion_sagittal_deg",
    "lumbar_flexion_deg",
    "thoracic_flexion_deg",
)
LIFT_PHASES = (
    "stand", "reach_down", "set", "lift_off", "ascent", "lockout", "lowering", "bottom", "set_down", "rise"
)
NEUTRAL_SPINE_ANGLE_DEG = float(SPINE_NEUTRAL_DEG[-1] - SPINE_NEUTRAL_DEG[0])


def angle_at_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """The 3D angle a-b-c at vertex b, degrees in [0, 180]."""
    u, v = a - b, c - b
    cos = float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def trunk_inclination_deg(joints: dict[str, np.ndarray]) -> float:
    """Hip-mid -> shoulder-mid angle from vertical (deg), + when the shoulders are forward (body-frame +x)."""
    v = 0.5 * (joints["left_shoulder"] + joints["right_shoulder"]) - 0.5 * (
        joints["left_hip"] + joints["right_hip"]
    )
    ang = float(np.degrees(np.arccos(np.clip(v[1] / np.linalg.norm(v), -1.0, 1.0))))
    return ang if v[0] >= 0 else -ang


def spine_flexion_deg(spine_dirs: np.ndarray, neutral_deg: np.ndarray = SPINE_NEUTRAL_DEG, lo: int = 0,
                      hi: int = -1) -> float:
    """Signed sagittal angle from segment ``lo`` to segment ``hi`` ((K, 3) unit vectors, sacrum -> C7), +
    forward, minus its value in the neutral posture ``neutral_deg`` (K,) (segment directions, deg)."""
    a, b = spine_dirs[lo], spine_dirs[hi]
    ang = np.degrees(np.arctan2(a[1] * b[0] - a[0] * b[1], a @ b))
    return float(ang - (neutral_deg[hi] - neutral_deg[lo]))


def angles_from_joints(joints: dict[str, np.ndarray], spine_dirs: np.ndarray, near: str,
                       neutral_deg: np.ndarray = SPINE_NEUTRAL_DEG) -> dict[str, float]:
    """The truth angles (deg, ``ANGLE_COLUMNS``) of one frame from its 3D joints; ``near`` is 'left' or
    'right'; ``neutral_deg`` (K,) the body's neutral spine segment directions (``Build.neutral_deg``)."""
    sh, hip, knee, ankle = (joints[f"{near}_{n}"] for n in ("shoulder", "hip", "knee", "ankle"))
    flat = np.array([1.0, 1.0, 0.0])
    mid = LUMBAR_TOP_SEGMENT
    return {
        "trunk_inclination_deg": trunk_inclination_deg(joints),
        "hip_flexion_deg": 180.0 - angle_at_deg(sh, hip, knee),
        "knee_flexion_deg": 180.0 - angle_at_deg(hip, knee, ankle),
        "spine_flexion_deg": spine_flexion_deg(spine_dirs, neutral_deg),
        "hip_flexion_sagittal_deg": 180.0 - angle_at_deg(sh * flat, hip * flat, knee * flat),
        "lumbar_flexion_deg": spine_flexion_deg(spine_dirs, neutral_deg, 0, mid),
        "thoracic_flexion_deg": spine_flexion_deg(spine_dirs, neutral_deg, mid, -1),
    }


def landmarks_world(sk: Skeleton, face: dict[str, np.ndarray]) -> np.ndarray:
    """(33, 3) body-frame landmark positions (m), NaN where undefined."""
    out = np.full((N_LANDMARKS, 3), np.nan)
    pts = {**sk.joints, **face}
    for idx, name in LANDMARK_NAMES.items():
        out[idx] = pts[name]
    return out


@dataclass(frozen=True)
class TruthRow:
    """Truth of one frame (angles in degrees, ``image_xy`` (33, 2) px)."""

    frame: int
    time_s: float
    trunk_inclination_deg: float
    hip_flexion_deg: float
    knee_flexion_deg: float
    spine_flexion_deg: float
    view_yaw_deg: float
    rep_index: int
    phase: str
    image_xy: np.ndarray
    hip_flexion_sagittal_deg: float
    lumbar_flexion_deg: float = float("nan")
    thoracic_flexion_deg: float = float("nan")
    lift_phase: str = ""
    loaded: bool = False


@dataclass(frozen=True)
class Truth:
    """Truth of a whole sample: every array is time-first, (T,) unless stated. ``near_side`` is the body side
    whose hip/knee the flexion angles use ('right' when the person faces image-right, else 'left')."""

    time_s: np.ndarray
    trunk_inclination_deg: np.ndarray
    hip_flexion_deg: np.ndarray
    knee_flexion_deg: np.ndarray
    spine_flexion_deg: np.ndarray
    hip_flexion_sagittal_deg: np.ndarray
    lumbar_flexion_deg: np.ndarray
    thoracic_flexion_deg: np.ndarray
    view_yaw_deg: np.ndarray
    rep_index: np.ndarray
    phase: np.ndarray
    lift_phase: np.ndarray  # (T,) str, ``LIFT_PHASES``
    loaded: np.ndarray  # (T,) bool
    image_xy: np.ndarray  # (T, 33, 2)
    world_xyz: np.ndarray  # (T, 33, 3)
    near_side: str
    fps: float
    frame_size_wh: tuple[int, int]

    def __len__(self) -> int:
        return len(self.time_s)

    def row(self, i: int) -> TruthRow:
        return TruthRow(
            i,
            float(self.time_s[i]),
            float(self.trunk_inclination_deg[i]),
            float(self.hip_flexion_deg[i]),
            float(self.knee_flexion_deg[i]),
            float(self.spine_flexion_deg[i]),
            float(self.view_yaw_deg[i]),
            int(self.rep_index[i]),
            str(self.phase[i]),
            self.image_xy[i],
            float(self.hip_flexion_sagittal_deg[i]),
            float(self.lumbar_flexion_deg[i]),
            float(self.thoracic_flexion_deg[i]),
            str(self.lift_phase[i]),
            bool(self.loaded[i]),
        )

    def to_csv(self, path: str | Path) -> None:
        """One row per frame: frame, time and angles, rep index, phase, near side, lift phase, loaded (0/1), then
        ``<landmark>_x_px, _y_px``."""
        names = [LANDMARK_NAMES[i] for i in sorted(LANDMARK_NAMES)]
        header = ["frame", "time_s", *ANGLE_COLUMNS, "view_yaw_deg", "rep_index", "phase", "near_side",
                  "lift_phase", "loaded"]
        header += [f"{n}_{c}_px" for n in names for c in ("x", "y")]
        with open(path, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            for i in range(len(self)):
                vals = [i, f"{self.time_s[i]:.4f}"] + [f"{getattr(self, c)[i]:.3f}" for c in ANGLE_COLUMNS]
                vals += [f"{self.view_yaw_deg[i]:.2f}", int(self.rep_index[i]), self.phase[i], self.near_side,
                         self.lift_phase[i], int(self.loaded[i])]
                vals += [f"{self.image_xy[i, j, k]:.2f}" for j in sorted(LANDMARK_NAMES) for k in (0, 1)]
                w.writerow(vals)


def read_truth_csv(path: str | Path) -> dict[str, np.ndarray]:
    """Read a truth CSV back: column name -> array (numeric columns as float, ``phase``/``near_side``/
    ``lift_phase`` as str)."""
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    cols = {h: [r[i] for r in body] for i, h in enumerate(header)}
    return {
        h: np.array(v) if h in ("phase", "near_side", "lift_phase") else np.array(v, dtype=float)
        for h, v in cols.items()
    }
