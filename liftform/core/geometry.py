"""Vectorised angle helpers. Inputs are arrays of points (..., D) with D = 2 (pixels) or 3 (metres)."""

from __future__ import annotations

import numpy as np


def angle_between_deg(v1: np.ndarray, v2: np.ndarray) -> np.ndarray:
    """Unsigned angle between vectors, degrees in [0, 180]. Shapes (..., D) -> (...); NaN where a vector is 0/NaN."""
    # Plain ufuncs rather than np.linalg.norm / np.clip / np.sum: the live view calls this on one frame at a time,
    # where their Python-level overhead is most of the cost. NaN passes through both (np.maximum/minimum propagate it).
    dot = np.add.reduce(v1 * v2, axis=-1)
    norms = np.sqrt(np.add.reduce(v1 * v1, axis=-1) * np.add.reduce(v2 * v2, axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.minimum(np.maximum(dot / norms, -1.0), 1.0)
    return np.degrees(np.arccos(cos))


def vector_length(v: np.ndarray) -> np.ndarray:
    """Euclidean length of vectors (..., D) -> (...): ``np.linalg.norm(v, axis=-1)`` to the bit (the same ufuncs in
    the same order) without its Python-level overhead, ~6 us a call on the live view's one frame."""
    return np.sqrt(np.add.reduce(v * v, axis=-1))


def fore_aft_length(v: np.ndarray, across: np.ndarray) -> np.ndarray:
    """How far ``v`` (T, 3) reaches in the horizontal across ``across`` (T, 3), both world vectors with y vertical:
    the length of v's horizontal part square to the horizontal part of ``across`` (a body's left-right axis), so
    along the way the body faces. Where ``across`` has no horizontal part, v's whole horizontal length. (T,)."""
    v_x, v_z, a_x, a_z = v[:, 0], v[:, 2], across[:, 0], across[:, 2]
    across_h = np.sqrt(a_x * a_x + a_z * a_z)
    with np.errstate(invalid="ignore", divide="ignore"):
        square = np.abs(v_x * a_z - v_z * a_x) / across_h
    return np.where(across_h > 0, square, np.sqrt(v_x * v_x + v_z * v_z))


def joint_angle_deg(a: np.ndarray, joint: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Interior angle a-joint-c in degrees (180 = straight). Shapes (..., D) -> (...)."""
    return angle_between_deg(a - joint, c - joint)


def flexion_deg(a: np.ndarray, joint: np.ndarray, c: np.ndarray) -> np.ndarray:
    """180 - interior angle: 0 when the three points are in line, growing as the joint bends."""
    return 180.0 - joint_angle_deg(a, joint, c)


def inclination_from_vertical_deg(vector: np.ndarray, forward_sign: np.ndarray | float, up: np.ndarray) -> np.ndarray:
    """Angle of ``vector`` from the ``up`` direction, signed positive when it tips forward.

    Args:
        vector: (..., D) e.g. hip -> shoulder.
        forward_sign: +1 when the person's forward is +x, -1 when it is -x (broadcast against ``vector[..., 0]``).
        up: (D,) the up direction in the same frame (image: (0, -1); MediaPipe world: (0, -1, 0)).
    Returns: (...) degrees; 0 upright, 90 horizontal forward, negative leaning back.
    """
    magnitude = angle_between_deg(vector, up)
    sign = np.where(vector[..., 0] * forward_sign >= 0, 1.0, -1.0)
    return magnitude * sign
