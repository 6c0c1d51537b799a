"""Draw a lifted object (``lifts.HeldObject``) as sphere-swept segments labelled as a prop (label 2).

The rasterizer draws only capsules, so a box is a grid of lateral capsules (a rounded box whose edges ripple by a
pixel or two), a bag a tapered upright capsule gathered at the neck, a kettlebell a ball under an arched handle.
The object is drawn in front of the body where it is: it hides the hands in its hand-holds, the forearms and part of
the thighs as a real one does. Body frame, metres.
"""

from __future__ import annotations

import numpy as np

from liftform.synth.figure import Prim3D
from liftform.synth.lifts import GRIP_HALF_SPAN_M, HeldObject

BOX_DEPTH_M, BOX_WIDTH_M, BOX_EDGE_R_M = 0.32, 0.42, 0.045
COLOURS = {"box": (0.72, 0.56, 0.36), "bag": (0.24, 0.33, 0.22), "kettlebell": (0.16, 0.16, 0.18)}
GROUP = 7  # smoothing group of the object's capsules


def _cap(out: list, p0, p1, r0: float, r1: float, rgb, specular: float = 0.05) -> None:
    out.append(Prim3D(np.asarray(p0, float), np.asarray(p1, float), float(r0), float(r1), rgb, "object", 2, specular,
                      GROUP))


def object_primitives(obj: HeldObject) -> list[Prim3D]:
    """The object's primitives at its place in this frame."""
    out: list[Prim3D] = []
    g, rgb = obj.grip_xyz_m, COLOURS[obj.kind]
    bottom = obj.bottom_y_m
    if obj.kind == "box":
        r = BOX_EDGE_R_M
        half_w = BOX_WIDTH_M / 2 - r
        xs = np.linspace(g[0] - BOX_DEPTH_M / 2 + r, g[0] + BOX_DEPTH_M / 2 - r,
                         int(np.ceil((BOX_DEPTH_M - 2 * r) / r)) + 1)
        ys = np.linspace(bottom + r, bottom + obj.height_m - r, int(np.ceil(max(obj.height_m - 2 * r, 0) / r)) + 1)
        for x in xs:
            for y in ys:
                _cap(out, (x, y, g[2] - half_w), (x, y, g[2] + half_w), r, r, rgb)
    elif obj.kind == "bag":
        body_r, neck_r = 0.16, 0.07
        low = np.array([g[0], bottom + body_r, g[2]])
        shoulder = np.array([g[0], bottom + max(obj.height_m - 0.14, body_r), g[2]])
        _cap(out, low, shoulder, body_r, 0.12, rgb)
        _cap(out, shoulder, g - np.array([0.0, 0.02, 0.0]), 0.12, neck_r, rgb)
        _cap(out, g - [0, 0, GRIP_HALF_SPAN_M["bag"]], g + [0, 0, GRIP_HALF_SPAN_M["bag"]], 0.03, 0.03, rgb)
    else:  # kettlebell
        ball_r = 0.1
        ball = np.array([g[0], bottom + ball_r, g[2]])
        _cap(out, ball, ball, ball_r, ball_r, rgb, 0.3)
        for sgn in (-1.0, 1.0):
            foot = ball + [0.0, 0.06, sgn * 0.06]
            _cap(out, foot, g + [0.0, 0.0, sgn * 0.06], 0.016, 0.016, rgb, 0.3)
        _cap(out, g - [0, 0, 0.06], g + [0, 0, 0.06], 0.016, 0.016, rgb, 0.3)
    return out


def object_extent_points(obj: HeldObject) -> np.ndarray:
    """(8, 3) corners of a box around the object (for fitting the camera)."""
    half = np.array([BOX_DEPTH_M / 2, 0.0, BOX_WIDTH_M / 2])
    lo = np.array([obj.grip_xyz_m[0], obj.bottom_y_m, obj.grip_xyz_m[2]]) - half
    hi = lo + 2 * half + np.array([0.0, obj.height_m, 0.0])
    return np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
