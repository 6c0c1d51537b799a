"""A static orthographic camera: view yaw, facing direction, scale and placement in the image.

Image coordinates are continuous pixels of the output frame: x right, y down, pixel (i, j) spans [i, i+1) x
[j, j+1) (so a MediaPipe normalized x times the width is directly comparable). ``depth_px`` grows away from
the camera. A level camera (``pitch_deg`` 0) keeps vertical body-frame lines vertical in the image; a pitched one
(mounted high and looking down, as a workplace's ceiling camera; or on the floor looking up) shortens them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Camera:
    """Orthographic projection of body-frame metres (x forward, y up, z right) to image pixels.

    ``azimuth_deg`` is where the person's forward axis points: 0 = image right (side-on, right side nearest),
    90 = towards the camera, 180 = image left (side-on, left side nearest). ``px_per_m`` scales,
    ``origin_x_px`` is the image x of the body-frame origin (the ankles' midpoint), ``floor_y_px`` the image y
    of the floor under it. ``pitch_deg``: the camera's elevation, positive looking down from above (-90..90).
    """

    azimuth_deg: float
    px_per_m: float
    origin_x_px: float
    floor_y_px: float
    width_px: int
    height_px: int
    pitch_deg: float = 0.0

    @property
    def rotation(self) -> np.ndarray:
        """(3, 3) matrix taking body-frame (x, y, z) to camera (image-right, image-down, depth) unit axes."""
        a = np.radians(self.azimuth_deg)
        c, s = np.cos(a), np.sin(a)
        right, down, depth = np.array([c, 0.0, -s]), np.array([0.0, -1.0, 0.0]), np.array([-s, 0.0, -c])
        # Looking down by the pitch turns the depth axis towards the floor and the image's down towards the camera.
        e = np.radians(self.pitch_deg)
        return np.array([right, np.cos(e) * down - np.sin(e) * depth, np.sin(e) * down + np.cos(e) * depth])

    def project(self, pts_m: np.ndarray) -> np.ndarray:
        """Project (..., 3) body-frame metres to (..., 3) image (x_px, y_px, depth_px)."""
        cam = np.asarray(pts_m, dtype=float) @ self.rotation.T * self.px_per_m
        return cam + np.array([self.origin_x_px, self.floor_y_px, 0.0])

    def unproject(self, img: np.ndarray) -> np.ndarray:
        """Inverse of ``project``: (..., 3) image (x_px, y_px, depth_px) to body-frame metres."""
        cam = (
            np.asarray(img, dtype=float) - np.array([self.origin_x_px, self.floor_y_px, 0.0])
        ) / self.px_per_m
        return cam @ self.rotation  # rotation is orthonormal: inverse = transpose

    def view_dir_body(self) -> np.ndarray:
        """Unit vector (3,) in the body frame pointing from the scene towards the camera."""
        return -self.rotation[2]


def azimuth_deg(yaw_deg: float, faces: str) -> float:
    """Camera azimuth for a view ``yaw_deg`` (0 side-on, 90 facing the camera), ``faces`` 'right'/'left'."""
    if faces == "right":
        return float(yaw_deg)
    if faces == "left":
        return 180.0 - float(yaw_deg)
    raise ValueError(f"faces must be 'right' or 'left', not {faces!r}")


def fit_camera(
    points_m: np.ndarray,
    standing_height_m: float,
    width_px: int,
    height_px: int,
    yaw_deg: float,
    faces: str,
    height_fill: float = 0.72,
    floor_frac: float = 0.9,
    margin_px: float = 12.0,
    pitch_deg: float = 0.0,
) -> Camera:
    """A camera that keeps every point of the whole motion in frame.

    ``points_m`` (N, 3): body-frame points over all frames (joints, head top ...). The standing person fills
    ``height_fill`` of the image height (reduced if the motion would not fit the width or, seen from a pitched
    camera, the height); the floor is at ``floor_frac`` of the height; the motion's horizontal extent is centred.
    """
    az = azimuth_deg(yaw_deg, faces)
    scale = height_fill * height_px / standing_height_m
    probe = Camera(az, 1.0, 0.0, 0.0, width_px, height_px, pitch_deg).project(points_m)
    x_lo, x_hi = float(probe[:, 0].min()), float(probe[:, 0].max())
    scale = min(scale, (width_px - 2 * margin_px) / max(x_hi - x_lo, 1e-6))
    floor_y = floor_frac * height_px
    y_lo, y_hi = float(probe[:, 1].min()), float(probe[:, 1].max())  # above the floor's point: negative
    if pitch_deg and y_lo < 0:  # a pitched camera sees the floor in front of the feet, below their point
        scale = min(scale, (floor_y - margin_px) / -y_lo)
    if pitch_deg and y_hi > 0:
        scale = min(scale, (height_px - margin_px - floor_y) / y_hi)
    origin_x = width_px / 2 - scale * (x_lo + x_hi) / 2
    return Camera(az, scale, origin_x, floor_y, width_px, height_px, pitch_deg)
