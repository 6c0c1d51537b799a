"""The head's surface texture: hair, eyes, eyebrows and mouth painted on the head and jaw spheres.

Regions are defined on the unit direction from the head centre in the head frame (forward f, up u, right r),
so the face turns with the head and is seen in profile from the side and full-face from the front.
"""

from __future__ import annotations

import numpy as np

from liftform.synth.camera import Camera

# Unit directions (head frame f, u, r) of the eye centres and the mouth centre.
_EYE_DIRS = {
    side: np.array([0.86, 0.14, sgn * 0.40]) / np.linalg.norm([0.86, 0.14, 0.40])
    for side, sgn in (("left", -1.0), ("right", 1.0))
}
_MOUTH_DIR = np.array([0.88, -0.46, 0.0]) / np.linalg.norm([0.88, -0.46, 0.0])
_SCLERA_RAD = 0.12  # angular radius of the visible eye (rad)
_IRIS_RAD = 0.070


def face_points_m(head_center: np.ndarray, head_frame: np.ndarray, radius_m: float) -> dict[str, np.ndarray]:
    """Body-frame positions (3,) of the face landmarks MediaPipe defines: eyes (inner, centre, outer per
    side), mouth corners, ears, nose tip. ``head_frame`` (3, 3) rows: forward, up, right unit vectors."""
    f, u, r = head_frame
    out: dict[str, np.ndarray] = {}
    for side, sgn in (("left", -1.0), ("right", 1.0)):
        d = _EYE_DIRS[side]
        centre = head_center + radius_m * (d[0] * f + d[1] * u + d[2] * r)
        across = sgn * r * 0.02
        out[f"{side}_eye"] = centre
        out[f"{side}_eye_inner"], out[f"{side}_eye_outer"] = centre - across, centre + across
        m = np.array([0.85, -0.46, sgn * 0.20])
        m /= np.linalg.norm(m)
        out[f"mouth_{side}"] = head_center + 1.02 * radius_m * (m[0] * f + m[1] * u + m[2] * r)
        out[f"{side}_ear"] = head_center + sgn * 1.02 * radius_m * r - 0.012 * f - 0.02 * u
    out["nose"] = head_center + 1.22 * radius_m * f - 0.32 * radius_m * u
    return out


def make_head_texture(
    camera: Camera,
    head_center: np.ndarray,
    head_frame: np.ndarray,
    skin: np.ndarray,
    hair: np.ndarray,
    lips: np.ndarray,
):
    """Texture callable for the rasterizer: (points (N, 3) image px + depth, normals) -> RGB (N, 3)."""
    skin, hair, lips = (np.asarray(c, np.float32) for c in (skin, hair, lips))
    eye_white = np.array([0.93, 0.92, 0.90], np.float32)
    iris = np.array([0.18, 0.12, 0.08], np.float32)

    def texture(pts_img: np.ndarray, normals: np.ndarray) -> np.ndarray:
        local = (camera.unproject(pts_img) - head_center) @ head_frame.T  # (N, 3) in (f, u, r)
        d = local / np.maximum(np.linalg.norm(local, axis=1, keepdims=True), 1e-9)
        f, u, r = d[:, 0], d[:, 1], d[:, 2]
        out = np.broadcast_to(skin, d.shape).copy()
        hairline = (
            0.40 + 0.22 * np.clip(f, 0, 1) - 0.62 * np.clip(-f, 0, 1) + 0.15 * np.clip(np.abs(r) - 0.7, 0, 1)
        )
        is_hair = (u > hairline) | ((f < -0.15) & (u > -0.30))
        out[is_hair] = hair
        for side in ("left", "right"):
            ang = np.arccos(np.clip(d @ _EYE_DIRS[side], -1.0, 1.0))
            out[ang < _SCLERA_RAD] = eye_white
            out[ang < _IRIS_RAD] = iris
            e = _EYE_DIRS[side]
            brow = (np.abs(u - (e[1] + 0.17)) < 0.035) & (np.abs(r - e[2]) < 0.15) & (f > 0.6)
            out[brow] = hair * 0.9
        mouth = (np.abs(u - _MOUTH_DIR[1]) < 0.035) & (np.abs(r) < 0.20) & (f > 0.6)
        out[mouth] = lips
        return out

    return texture
