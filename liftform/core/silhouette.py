"""The person's silhouette across the trunk: from a segmentation mask to a back profile, and back to image points.

The 33 pose landmarks have nothing between shoulder and hip, so the shape of the back is read from the mask: at K
stations along the shoulder-mid -> hip-mid axis, rays are cast along both normals and the distance to the edge of
the silhouette is recorded. The core later picks the dorsal side and measures how much that edge bows.
"""

from __future__ import annotations

import numpy as np

from liftform.track import BACK_PROFILE_STATIONS


def trunk_axes(shoulder_mid_xy: np.ndarray, hip_mid_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit axis u (hip -> shoulder), normal n = (-u_y, u_x) and trunk length in pixels.

    Shapes: inputs (..., 2) pixels; returns u (..., 2), n (..., 2), length_px (...).
    """
    axis = shoulder_mid_xy - hip_mid_xy
    length_px = np.linalg.norm(axis, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = axis / length_px[..., None]
    n = np.stack([-u[..., 1], u[..., 0]], axis=-1)
    return u, n, length_px


def station_points(shoulder_mid_xy: np.ndarray, hip_mid_xy: np.ndarray,
                   stations: np.ndarray = BACK_PROFILE_STATIONS) -> np.ndarray:
    """Points on the trunk axis at fractions ``stations`` from shoulder-mid (0) to hip-mid (1).

    Shapes: inputs (..., 2) pixels; returns (..., K, 2) pixels.
    """
    s = stations[:, None]
    return shoulder_mid_xy[..., None, :] * (1.0 - s) + hip_mid_xy[..., None, :] * s


def back_profile_from_mask(mask: np.ndarray, shoulder_mid_xy: np.ndarray, hip_mid_xy: np.ndarray,
                           stations: np.ndarray = BACK_PROFILE_STATIONS, threshold: float = 0.5,
                           max_half_width: float = 0.7, n_samples: int = 64) -> np.ndarray:
    """Half-widths of the silhouette across the trunk, for one frame.

    Args:
        mask: (H, W) person probability in [0, 1] (or bool), in the pixel frame of the two points.
        shoulder_mid_xy, hip_mid_xy: (2,) pixels.
        max_half_width: how far to look along each normal, as a fraction of the trunk length.
        n_samples: samples along each ray (the result is refined to sub-sample precision).

    Returns:
        (K, 2) distances in pixels from the axis to the first silhouette edge along +n ([:, 0]) and -n ([:, 1]);
        NaN where the axis point is outside the mask or no edge lies within reach.
    """
    k = len(stations)
    _, n, length_px = trunk_axes(shoulder_mid_xy, hip_mid_xy)
    if not np.isfinite(length_px) or length_px < 4:
        return np.full((k, 2), np.nan)
    origins = station_points(shoulder_mid_xy, hip_mid_xy, stations)                 # (K, 2)
    dist_px = np.linspace(0.0, max_half_width * length_px, n_samples)               # (S,)
    directions = np.stack([n, -n])                                                   # (2, 2)
    points = origins[:, None, None, :] + dist_px[None, None, :, None] * directions[None, :, None, :]  # (K,2,S,2)
    height, width = mask.shape[:2]
    col = np.clip(np.rint(points[..., 0]).astype(np.int64), 0, width - 1)
    row = np.clip(np.rint(points[..., 1]).astype(np.int64), 0, height - 1)
    inside_image = (points[..., 0] >= 0) & (points[..., 0] < width) & (points[..., 1] >= 0) & (points[..., 1] < height)
    inside = (mask[row, col] > threshold) & inside_image                               # (K, 2, S)

    # The edge is the first sample outside the person after the axis point (which must itself be inside).
    outside = ~inside
    outside[..., 0] = False
    has_edge = outside.any(axis=-1) & inside[..., 0]
    first_out = np.argmax(outside, axis=-1)                                           # (K, 2)
    # Sub-sample refinement: the edge lies half a step before the first outside sample.
    step = dist_px[1] - dist_px[0]
    edge = dist_px[first_out] - 0.5 * step
    return np.where(has_edge, edge, np.nan)


def dorsal_edge_xy(image_xy_shoulder_mid: np.ndarray, image_xy_hip_mid: np.ndarray, back_profile_px: np.ndarray,
                   facing_sign: int | np.ndarray, stations: np.ndarray = BACK_PROFILE_STATIONS) -> np.ndarray:
    """Image points of the back's edge, for drawing and for the report.

    Shapes: mids (T, 2) pixels; back_profile_px (T, K, 2); facing_sign scalar or (T,) (+1 faces image-right).
    Returns (T, K, 2) pixels, NaN where unknown. The chest lies along +n when the person faces image-right, so the
    back is the -n side then, and the +n side when facing left.
    """
    _, n, _ = trunk_axes(image_xy_shoulder_mid, image_xy_hip_mid)
    facing = np.broadcast_to(np.asarray(facing_sign, dtype=float), n.shape[:-1])
    dorsal = np.where((facing > 0)[..., None], back_profile_px[..., 1], back_profile_px[..., 0])  # (T, K)
    back_normal = -facing[..., None] * n                                               # (T, 2)
    origins = station_points(image_xy_shoulder_mid, image_xy_hip_mid, stations)        # (T, K, 2)
    return origins + dorsal[..., None] * back_normal[..., None, :]
