"""The person's silhouette across the trunk: from a segmentation mask to a back profile, and back to image points.

The 33 pose landmarks have nothing between shoulder and hip, so the shape of the back is read from the mask: at K
stations along the shoulder-mid -> hip-mid axis, rays are cast along both normals and the distance to the edge of
the silhouette is recorded. The core later picks the dorsal side and measures how much that edge bows.
"""

from __future__ import annotations

import numpy as np

from liftform.core.geometry import vector_length
from liftform.track import BACK_PROFILE_STATIONS

_ROTATE_LEFT = np.array([-1.0, 1.0])   # (x, y) -> (-y, x) after swapping the coordinates


def trunk_axes(shoulder_mid_xy: np.ndarray, hip_mid_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit axis u (hip -> shoulder), normal n = (-u_y, u_x) and trunk length in pixels.

    Shapes: inputs (..., 2) pixels; returns u (..., 2), n (..., 2), length_px (...).
    """
    axis = shoulder_mid_xy - hip_mid_xy
    length_px = vector_length(axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = axis / length_px[..., None]
    n = u[..., ::-1] * _ROTATE_LEFT
    return u, n, length_px


def station_points(shoulder_mid_xy: np.ndarray, hip_mid_xy: np.ndarray,
                   stations: np.ndarray = BACK_PROFILE_STATIONS) -> np.ndarray:
    """Points on the trunk axis at fractions ``stations`` from shoulder-mid (0) to hip-mid (1).

    Shapes: inputs (..., 2) pixels; returns (..., K, 2) pixels.
    """
    s = stations[:, None]
    return shoulder_mid_xy[..., None, :] * (1.0 - s) + hip_mid_xy[..., None, :] * s


def _bilinear(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Values of a (H, W) image at float positions in pixel-centre coordinates (centres at integers), edges clamped."""
    height, width = image.shape[:2]
    x = np.clip(x, 0.0, width - 1.0)
    y = np.clip(y, 0.0, height - 1.0)
    # Clipped to >= 0, truncation is the floor; the corners are read from the flat image (one `take` each: a
    # frame's ~3,000 samples are read this way about twice as fast as by 2-D fancy indexing).
    x0 = np.minimum(x.astype(np.int64), width - 2 if width > 1 else 0)
    y0 = np.minimum(y.astype(np.int64), height - 2 if height > 1 else 0)
    fx, fy = x - x0, y - y0
    flat = image.reshape(-1)
    top_left = y0 * width + x0
    right, down = (1 if width > 1 else 0), (width if height > 1 else 0)
    top = flat.take(top_left) * (1.0 - fx) + flat.take(top_left + right) * fx
    bottom = flat.take(top_left + down) * (1.0 - fx) + flat.take(top_left + down + right) * fx
    return top * (1.0 - fy) + bottom * fy


def _sample(mask: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mask values at points (``x``, ``y``: same shape, pixels); 0 (background) beyond the image. Pixel i spans
    [i, i + 1), as for landmarks (MediaPipe's normalized coordinates times the image size), so its value sits at
    i + 0.5."""
    height, width = mask.shape[:2]
    x, y = x - 0.5, y - 0.5
    in_image = (x >= -0.5) & (x <= width - 0.5) & (y >= -0.5) & (y <= height - 0.5)
    return np.where(in_image, _bilinear(mask, x, y), 0.0)


def _ray_points(origins: np.ndarray, dist_px: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y (K, 2, S) of points ``dist_px`` (K, 2, S) or (S,) from each of ``origins`` (K, 2) along +n and -n."""
    directions = np.stack([n, -n])                                                   # (2, 2): side, (x, y)
    x = origins[:, 0, None, None] + dist_px * directions[None, :, 0, None]
    y = origins[:, 1, None, None] + dist_px * directions[None, :, 1, None]
    return x, y


def back_profile_from_mask(mask: np.ndarray, shoulder_mid_xy: np.ndarray, hip_mid_xy: np.ndarray,
                           stations: np.ndarray = BACK_PROFILE_STATIONS, threshold: float = 0.5,
                           max_half_width: float = 0.7, n_samples: int = 64,
                           max_entry: float = 0.2, n_refine: int = 8, max_hole: float = 0.05) -> np.ndarray:
    """Half-widths of the silhouette across the trunk, for one frame.

    Args:
        mask: (H, W) person probability in [0, 1] (or bool), in the pixel frame of the two points.
        shoulder_mid_xy, hip_mid_xy: (2,) pixels.
        max_half_width: how far to look along each normal, as a fraction of the trunk length.
        n_samples: samples along each ray; the step where the ray leaves the person is then sampled ``n_refine``
            times more finely and the edge placed where the (bilinearly sampled) probability crosses ``threshold``,
            so its precision is a fraction of a pixel.
        max_entry: a ray may start outside the person and enter within this fraction of the trunk length: in a
            deeply rounded back the shoulder-hip chord passes in front of the belly, and the back's edge still lies
            beyond it.
        max_hole: a stretch of background shorter than this fraction of the trunk length, with the person beyond
            it, is a hole in the mask (dark or shiny clothing, a plate's shadow), not the edge: the edge is where the
            background starts for longer, or the ray ends.

    Returns:
        (K, 2) distances in pixels from the axis to the far edge of the first stretch of silhouette along +n
        ([:, 0]) and -n ([:, 1]); NaN where no silhouette lies within ``max_entry`` or no edge within reach.
    """
    k = len(stations)
    _, n, length_px = trunk_axes(shoulder_mid_xy, hip_mid_xy)
    if not np.isfinite(length_px) or length_px < 4:
        return np.full((k, 2), np.nan)
    origins = station_points(shoulder_mid_xy, hip_mid_xy, stations)                 # (K, 2)
    dist_px = np.linspace(0.0, max_half_width * length_px, n_samples)               # (S,)
    mask = np.asarray(mask, dtype=np.float32)
    value = _sample(mask, *_ray_points(origins, dist_px, n))                             # (K, 2, S)
    inside = value > threshold

    # Enter the person (at once, or within max_entry), then the edge is the first sample outside after that.
    sample = np.arange(n_samples)
    entry = np.argmax(inside, axis=-1)                                                 # (K, 2)
    entered = inside.any(axis=-1) & (dist_px[entry] <= max_entry * length_px)
    outside = ~inside & (sample > entry[..., None])
    # A sample starts the background only if the next `hole` samples are all outside too (or the ray ends first).
    hole = max(int(np.ceil(max_hole * (n_samples - 1) / max_half_width)), 1)
    runs = np.concatenate([np.zeros(outside.shape[:-1] + (1,), int), np.cumsum(outside, axis=-1)], axis=-1)
    ahead = np.minimum(sample + hole, n_samples)                                         # (S,)
    outside = outside & (runs[..., ahead] - runs[..., sample] == ahead - sample)
    has_edge = entered & outside.any(axis=-1)
    first_out = np.maximum(np.argmax(outside, axis=-1), 1)
    # Sub-sample refinement: sample the step between the last inside and the first outside sample finely, and place
    # the edge where the probability crosses the threshold (linear interpolation between the fine samples).
    step = dist_px[1] - dist_px[0]
    fine = np.linspace(0.0, 1.0, n_refine + 1)                                          # (R+1,)
    start = dist_px[first_out - 1]                                                       # (K, 2)
    fine_dist = start[..., None] + fine * step                                           # (K, 2, R+1)
    fine_value = _sample(mask, *_ray_points(origins, fine_dist, n))
    fine_out = np.maximum(np.argmax(fine_value <= threshold, axis=-1), 1)                 # (K, 2); R+1 is outside
    at_out = np.arange(fine_out.size).reshape(fine_out.shape) * (n_refine + 1) + fine_out   # flat indices
    v_in, v_out = fine_value.reshape(-1).take(at_out - 1), fine_value.reshape(-1).take(at_out)
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.clip((v_in - threshold) / (v_in - v_out), 0.0, 1.0)
    edge = start + (fine[fine_out - 1] + fraction / n_refine) * step
    return np.where(has_edge, edge, np.nan)


def dorsal_edge_xy(image_xy_shoulder_mid: np.ndarray, image_xy_hip_mid: np.ndarray, back_profile_px: np.ndarray,
                   facing_sign: int | np.ndarray, stations: np.ndarray = BACK_PROFILE_STATIONS) -> np.ndarray:
    """Image points of the back's edge, for drawing and for the report.

    Shapes: mids (T, 2) pixels; back_profile_px (T, K, 2); facing_sign scalar or (T,) (+1 faces image-right).
    Returns (T, K, 2) pixels, NaN where unknown. The chest lies along +n when the person faces image-right, so the
    back is the -n side then, and the +n side when facing left.
    """
    _, n, _ = trunk_axes(image_xy_shoulder_mid, image_xy_hip_mid)
    # One facing for all (the live view's every frame): no broadcast, ~15 us less. isscalar first: np.ndim of a
    # Python number goes through an exception and an array (~30 us right after the live thread waited for the model).
    if np.isscalar(facing_sign) or np.ndim(facing_sign) == 0:
        dorsal = back_profile_px[..., 1] if facing_sign > 0 else back_profile_px[..., 0]            # (T, K)
        back_normal = -float(facing_sign) * n                                          # (T, 2)
    else:
        facing = np.broadcast_to(np.asarray(facing_sign, dtype=float), n.shape[:-1])
        dorsal = np.where((facing > 0)[..., None], back_profile_px[..., 1], back_profile_px[..., 0])
        back_normal = -facing[..., None] * n
    origins = station_points(image_xy_shoulder_mid, image_xy_hip_mid, stations)        # (T, K, 2)
    return origins + dorsal[..., None] * back_normal[..., None, :]


def trunk_outline_xy(image_xy_shoulder_mid: np.ndarray, image_xy_hip_mid: np.ndarray, back_profile_px: np.ndarray,
                     stations: np.ndarray = BACK_PROFILE_STATIONS) -> np.ndarray:
    """Image points of the trunk's outline, both edges of the silhouette: down the +n side from the shoulders to the
    hips, then back up the -n side (a polygon round the trunk, the back's edge one side of it).

    Shapes: mids (..., 2) pixels; back_profile_px (..., K, 2). Returns (..., 2K, 2) pixels, NaN where unknown.
    """
    _, n, _ = trunk_axes(image_xy_shoulder_mid, image_xy_hip_mid)
    origins = station_points(image_xy_shoulder_mid, image_xy_hip_mid, stations)        # (..., K, 2)
    normal = n[..., None, :]
    plus = origins + back_profile_px[..., 0, None] * normal
    minus = origins - back_profile_px[..., 1, None] * normal
    return np.concatenate([plus, minus[..., ::-1, :]], axis=-2)
