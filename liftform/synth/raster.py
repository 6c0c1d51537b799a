"""Z-buffered rasterizer of sphere-swept segments (capsules / tapered capsules) with simple shading.

Works on a supersampled canvas (``ss`` times the output size) and averages down for anti-aliasing. Under the
orthographic camera a sphere-swept segment projects to the union of the discs of its generating spheres, a 2D
"stadium" (tapered when the radii differ). Each pixel's depth and normal come from the generating sphere its ray
meets first (closed form, exact), and a depth buffer resolves occlusion, so primitives need no back-to-front
sorting. Shading is deferred: normals of a smoothing group are blended before lighting, so the joins between a
body part's capsules do not show. Coordinates: canvas pixels, x right, y down, depth away from the camera.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

# Direction towards the light (x right, y down, depth away): upper left, in front of the body.
LIGHT_DIR = np.array([-0.35, -0.62, -0.70]) / np.linalg.norm([-0.35, -0.62, -0.70])
_HALF = (LIGHT_DIR + np.array([0.0, 0.0, -1.0])) / np.linalg.norm(LIGHT_DIR + np.array([0.0, 0.0, -1.0]))

Texture = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""(points (N, 3) output-frame image coords, normals (N, 3)) -> colours (N, 3) float RGB in [0, 1]."""


@dataclass(frozen=True)
class Capsule2D:
    """One projected primitive: ends (x, y, depth) (3,) each and radii, in **output** pixels; base colour
    (3,) RGB in [0, 1], specular strength, label (1 = body, 2 = prop), optional texture."""

    a: np.ndarray
    b: np.ndarray
    ra: float
    rb: float
    rgb: tuple[float, float, float]
    specular: float = 0.08
    label: int = 1
    texture: Texture | None = None
    smooth_group: int = (
        0  # > 0: normals are blended with the group's neighbours (hides creases between capsules)
    )


class Canvas:
    """Supersampled deferred-shading buffers, (H*ss, W*ss, ...): background and base colour (3) float32,
    normal (3), specular strength, depth, label (uint8, 0 = background) and smoothing group (uint8).

    The canvas may cover only a window of the output frame whose top-left corner is at ``origin_px`` (x, y,
    output pixels); primitives are given in output-frame coordinates either way.
    """

    def __init__(
        self,
        background_rgb: np.ndarray,
        ss: int,
        smooth_sigma_px: float = 3.0,
        origin_px: tuple[int, int] = (0, 0),
    ):
        self.ss = ss
        self.origin = np.array([origin_px[0], origin_px[1], 0.0])
        self.smooth_sigma_px = smooth_sigma_px
        self.background = background_rgb.astype(np.float32)
        h, w = self.background.shape[:2]
        self.base = np.zeros((h, w, 3), dtype=np.float32)
        self.normal = np.zeros((h, w, 3), dtype=np.float32)
        self.spec = np.zeros((h, w), dtype=np.float32)
        self.depth = np.full((h, w), np.inf, dtype=np.float32)
        self.label = np.zeros((h, w), dtype=np.uint8)
        self.group = np.zeros((h, w), dtype=np.uint8)
        self._group_bbox: dict[int, list[int]] = {}  # group -> [y0, y1, x0, x1] drawn so far

    def draw(self, cap: Capsule2D) -> None:
        """Z-test and shade ``cap`` into the buffers."""
        ss = self.ss
        a, b = (np.asarray(cap.a, float) - self.origin) * ss, (np.asarray(cap.b, float) - self.origin) * ss
        ra, rb = cap.ra * ss, cap.rb * ss
        r_max = max(ra, rb) + 1.0
        h, w = self.depth.shape
        x0 = max(int(np.floor(min(a[0], b[0]) - r_max)), 0)
        x1 = min(int(np.ceil(max(a[0], b[0]) + r_max)), w)
        y0 = max(int(np.floor(min(a[1], b[1]) - r_max)), 0)
        y1 = min(int(np.ceil(max(a[1], b[1]) + r_max)), h)
        if x1 <= x0 or y1 <= y0:
            return
        px = np.arange(x0, x1, dtype=np.float64)[None, :] + 0.5
        py = np.arange(y0, y1, dtype=np.float64)[:, None] + 0.5
        t, chord2 = _front_sphere_param(px, py, a, b, ra, rb)
        inside = chord2 > 0.0
        if not inside.any():
            return
        cx, cy = a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])
        r = ra + t * (rb - ra)
        dx, dy = px - cx, py - cy
        hgt = np.sqrt(np.maximum(chord2, 0.0))
        depth = (a[2] + t * (b[2] - a[2]) - hgt).astype(np.float32)
        zwin = self.depth[y0:y1, x0:x1]
        win = inside & (depth < zwin)
        if not win.any():
            return
        nx, ny, nz = dx[win] / r[win], dy[win] / r[win], -hgt[win] / r[win]
        normals = np.stack([nx, ny, nz], axis=1)
        if cap.texture is not None:
            yy, xx = np.nonzero(win)
            pts = (
                np.stack([(xx + x0 + 0.5) / ss, (yy + y0 + 0.5) / ss, depth[win] / ss], axis=1) + self.origin
            )
            base = cap.texture(pts, normals)
        else:
            base = np.broadcast_to(np.asarray(cap.rgb, np.float32), normals.shape)
        self.base[y0:y1, x0:x1][win] = base
        self.normal[y0:y1, x0:x1][win] = normals
        self.spec[y0:y1, x0:x1][win] = cap.specular
        self.group[y0:y1, x0:x1][win] = cap.smooth_group
        if cap.smooth_group:
            bb = self._group_bbox.setdefault(cap.smooth_group, [y0, y1, x0, x1])
            bb[:] = [min(bb[0], y0), max(bb[1], y1), min(bb[2], x0), max(bb[3], x1)]
        zwin[win] = depth[win]
        self.label[y0:y1, x0:x1][win] = cap.label

    def _smoothed_normals(self) -> np.ndarray:
        """Normals with each smoothing group's normals Gaussian-blended within the group (normalised
        convolution), so the creases where capsules meet shade like one smooth surface; silhouettes keep their
        edge normals."""
        normal = self.normal.copy()
        sigma = self.smooth_sigma_px * self.ss
        pad = int(3 * sigma) + 1
        for g, (y0, y1, x0, x1) in self._group_bbox.items():
            y0, y1 = max(y0 - pad, 0), min(y1 + pad, self.group.shape[0])
            x0, x1 = max(x0 - pad, 0), min(x1 + pad, self.group.shape[1])
            mw = (self.group[y0:y1, x0:x1] == g).astype(np.float32)
            num = _soft_blur(self.normal[y0:y1, x0:x1] * mw[..., None], sigma)
            den = _soft_blur(mw, sigma)[..., None]
            n = num / np.maximum(den, 1e-6)
            n /= np.maximum(np.linalg.norm(n, axis=2, keepdims=True), 1e-6)
            sel = mw > 0
            normal[y0:y1, x0:x1][sel] = n[sel]
        return normal

    def resolve(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Average down to the output size: RGB uint8 (H, W, 3), body coverage (H, W) float32 in [0, 1], and
        the label (H, W) uint8 of the majority of each pixel's samples (0 background, 1 body, 2 prop)."""
        full = self.background.copy()
        normal = self._smoothed_normals()
        if self._group_bbox or np.isfinite(self.depth).any():
            fg = self.label > 0
            full[fg] = shade(self.base[fg], normal[fg], self.spec[fg])
        h, w = full.shape[0] // self.ss, full.shape[1] // self.ss
        rgb = cv2.resize(full, (w, h), interpolation=cv2.INTER_AREA)
        rgb8 = as_uint8(rgb)
        body = cv2.resize((self.label == 1).astype(np.float32), (w, h), interpolation=cv2.INTER_AREA)
        prop = cv2.resize((self.label == 2).astype(np.float32), (w, h), interpolation=cv2.INTER_AREA)
        label = np.where(body >= 0.5, 1, np.where(prop >= 0.5, 2, 0)).astype(np.uint8)
        return rgb8, body, label


def as_uint8(rgb: np.ndarray) -> np.ndarray:
    """A float picture in [0, 1] as uint8, rounded (the frames' and the empty room's)."""
    return np.clip(rgb * 255.0 + 0.5, 0, 255).astype(np.uint8)


def _soft_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Near-Gaussian blur of (H, W[, C]) float32 by three box passes (cost independent of ``sigma``)."""
    k = max(int(round(np.sqrt(12.0 * sigma * sigma / 3.0 + 1.0))), 1) | 1
    out = img
    for _ in range(3):
        out = cv2.blur(out, (k, k), borderType=cv2.BORDER_REPLICATE)
    return out


def _front_sphere_param(
    px: np.ndarray, py: np.ndarray, a: np.ndarray, b: np.ndarray, ra: float, rb: float
) -> tuple[np.ndarray, np.ndarray]:
    """For each pixel ray (orthographic, along depth), the parameter t in [0, 1] of the generating sphere
    c(t) = a + t (b - a), r(t) = ra + t (rb - ra) whose surface the ray meets first, and that sphere's squared
    half-chord f(t) = r(t)^2 - |p - c(t)|^2 along the ray (> 0 exactly inside the projected stadium).

    The front surface depth z(t) - sqrt(f(t)) is convex in t (f is a concave quadratic), so its minimiser is
    the root of 4 dz^2 f = f'^2 with f' of the sign of dz, in closed form; a segment pointing at the camera
    reduces to its larger end sphere. ``a``, ``b``: (x, y, depth) canvas pixels. Shapes: broadcast of px, py.
    """
    ex, ey, dz, dr = b[0] - a[0], b[1] - a[1], b[2] - a[2], rb - ra
    big_a = dr * dr - (ex * ex + ey * ey)
    qx, qy = px - a[0], py - a[1]
    if ex == ey == dr == 0.0 and (dz == 0.0 or abs(dz) > 1e-6):
        # Equal spheres one behind the other (a joint; a left-right pair seen side-on; most of a figure's
        # primitives): the nearer one is in front everywhere. What the grid below finds, bit for bit, at a 33rd of
        # its cost (t = 0 where all tie).
        t = np.full(np.broadcast(px, py).shape, 0.0 if dz >= 0.0 else 1.0)
        return t, ra * ra - (px - a[0]) ** 2 - (py - a[1]) ** 2
    if big_a > -1e-6:  # the axis points (nearly) at the camera: no closed form, search t on a fine grid
        ts = np.linspace(0.0, 1.0, 33).reshape((33,) + (1,) * np.ndim(px))
        f_all = (ra + ts * dr) ** 2 - (px - a[0] - ts * ex) ** 2 - (py - a[1] - ts * ey) ** 2
        depth = np.where(f_all > 0, a[2] + ts * dz - np.sqrt(np.maximum(f_all, 0.0)), np.inf)
        best = np.argmin(depth, axis=0)
        return np.take(ts.ravel(), best), np.take_along_axis(f_all, best[None], axis=0)[0]
    big_b = 2.0 * (ra * dr + qx * ex + qy * ey)
    big_c = ra * ra - (qx * qx + qy * qy)
    t0 = np.clip(-big_b / (2.0 * big_a), 0.0, 1.0)  # widest chord: decides inside/outside
    f0 = (big_a * t0 + big_b) * t0 + big_c
    if abs(dz) < 1e-9:
        return t0, f0
    k = big_a - dz * dz
    inner = np.maximum(big_b * big_b - big_a * (big_b * big_b - 4.0 * dz * dz * big_c) / k, 0.0)
    root = (-big_b + np.sign(dz) * np.sqrt(inner)) / (2.0 * big_a)
    t = np.clip(root, 0.0, 1.0)
    f = (big_a * t + big_b) * t + big_c
    bad = f <= 0.0
    return np.where(bad, t0, t), np.where(bad, f0, f)


def shade(base: np.ndarray, normals: np.ndarray, specular: float | np.ndarray) -> np.ndarray:
    """Lambert + ambient + Blinn specular + soft edge darkening. base (N, 3) RGB [0, 1], normals (N, 3) unit,
    specular scalar or (N,)."""
    diffuse = np.clip(normals @ LIGHT_DIR, 0.0, 1.0)[:, None]
    facing = np.clip(-normals[:, 2], 0.0, 1.0)[:, None]
    spec = np.asarray(specular, np.float32).reshape(-1, 1) * np.clip(normals @ _HALF, 0.0, 1.0)[:, None] ** 24
    edge = 0.80 + 0.20 * np.sqrt(facing)
    return np.clip(base * (0.42 + 0.58 * diffuse) * edge + spec, 0.0, 1.0).astype(np.float32)
