"""Where the camera looks from: the lifter's left-right axis in MediaPipe's world landmarks, the camera's yaw off
side-on, and whether it stands behind the lifter's frontal plane (a rear three-quarter view, where the shoulder
blades shape the back's outline). Arrays are (T, 33, 3) world metres in, (T,) per frame out; degrees; NaN where
unknown.
"""

from __future__ import annotations

import numpy as np

from liftform.track import LEFT_HIP, LEFT_SHOULDER, RIGHT_HIP, RIGHT_SHOULDER


def body_across(world_xyz: np.ndarray) -> np.ndarray:
    """The body's left-right axis per frame (T, 3), world: right to left shoulder plus right to left hip."""
    return (world_xyz[:, LEFT_SHOULDER] - world_xyz[:, RIGHT_SHOULDER]
            + world_xyz[:, LEFT_HIP] - world_xyz[:, RIGHT_HIP])


def view_yaw_deg(world_xyz: np.ndarray, across: np.ndarray | None = None) -> np.ndarray:
    """Camera yaw per frame from the left-right body axis (shoulders + hips; ``across``, its `body_across` where
    already made): 0 side-on, 90 facing the camera."""
    across = body_across(world_xyz) if across is None else across
    return np.degrees(np.arctan2(np.abs(across[:, 0]), np.abs(across[:, 2])))


# The left-right axis's turn toward the camera says from which side of the frontal plane the camera looks only where
# the turn is clear of the model's noise: side-on development clips (median yaw 3-15 deg; one mirrored at 22) read
# either way, the three filmed from behind at an angle (28-46 deg) read so in 98-100 % of their frames, in both
# orientations (mirrored too); near 90 deg (facing the camera or turned away) the axis's depth is the noise. The
# rendered figure, always filmed from the front, reads "behind" in up to 61 % of its frames at 20-45 deg (MediaPipe
# guessing the depth of an untextured body), once 99 % at 18 deg: hence nearly every frame, and 20 deg.
REAR_YAW_RANGE_DEG = (20.0, 75.0)
REAR_SHARE = 0.9


def camera_behind(world_xyz: np.ndarray, facing: np.ndarray | int) -> np.ndarray:
    """(T,) 1.0 where the camera is behind the lifter's frontal plane, 0.0 in front, NaN where the pose or the facing
    (``facing`` (T,) or one for all, +1/-1/0, from the toes and hands) is unknown (`Kinematics.camera_behind`).

    The sign of the left-right axis's turn toward the camera (world x times z) against the facing: turned with the
    chest toward the camera, a lifter facing image-right has the axis's x and z of one sign. Swapping MediaPipe's
    left and right labels negates both components, so the sign holds."""
    across = body_across(world_xyz)
    turn = np.sign(across[:, 0] * across[:, 2]) * facing
    return np.where(np.isfinite(turn) & (facing != 0), (turn < 0).astype(float), np.nan)


def filmed_from_behind(view_yaw: np.ndarray, behind: np.ndarray) -> bool:
    """Whether frames with these `Kinematics.view_yaw_deg` and `camera_behind` (both (n,)) were filmed from behind
    at an angle: the median yaw within ``REAR_YAW_RANGE_DEG`` and the camera behind in more than ``REAR_SHARE`` of
    them. From there the shoulder blades shape the back's outline, and a flat back can read rounded (a real rear
    three-quarter deadlift read 45-48 deg)."""
    yaw = view_yaw[np.isfinite(view_yaw)]
    side = behind[np.isfinite(behind)]
    low, high = REAR_YAW_RANGE_DEG
    return bool(len(yaw) and len(side) and low <= np.median(yaw) < high and side.mean() > REAR_SHARE)
