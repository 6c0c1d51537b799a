"""Dress a ``Skeleton`` as a list of sphere-swept segments (capsules) with clothing colours.

The torso is three parallel columns of tapered capsules hung *in front of* the spine chain: at each spine node
the capsule centre sits one half-depth anterior to the dorsal skin line, so the back's silhouette edge runs
along the chain: straight when the spine is neutral, bowed when it flexes. All sizes in metres, body frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from liftform.synth.body import (
    HEAD_RADIUS_M,
    TORSO_HALF_DEPTH_M,
    TORSO_HALF_WIDTH_M,
    Skeleton,
    _anterior,
    sagittal,
)

Rgb = tuple[float, float, float]
_LAT = np.array([0.0, 0.0, 1.0])


@dataclass(frozen=True)
class Look:
    """Colours (RGB in [0, 1]) and clothing options of the figure."""

    skin: Rgb = (0.87, 0.66, 0.52)
    hair: Rgb = (0.17, 0.11, 0.07)
    shirt: Rgb = (0.16, 0.36, 0.70)
    bottoms: Rgb = (0.16, 0.17, 0.21)
    shoes: Rgb = (0.92, 0.92, 0.93)
    lips: Rgb = (0.62, 0.30, 0.30)
    long_trousers: bool = False
    loose_shirt: bool = False
    prop: str = "bar"  # "bar" (a light bar held in both hands), "dumbbell" or "none"
    hoodie: bool = False  # a dark loose hoodie: spans the back's hollows, a hood behind the neck, long sleeves


PALETTE = {
    "skin": [(0.87, 0.66, 0.52), (0.72, 0.52, 0.38), (0.55, 0.37, 0.26), (0.93, 0.76, 0.64)],
    "hair": [(0.17, 0.11, 0.07), (0.08, 0.07, 0.07), (0.42, 0.28, 0.14)],
    "shirt": [(0.16, 0.36, 0.70), (0.72, 0.18, 0.16), (0.18, 0.52, 0.34), (0.85, 0.55, 0.12)],
    "bottoms": [(0.16, 0.17, 0.21), (0.10, 0.14, 0.30), (0.30, 0.30, 0.32)],
}


HOODIE_RGB: Rgb = (0.14, 0.14, 0.16)
# How a loose top sits off the skin (m) and what share of the back's hollows it spans: a loose shirt, a hoodie.
LOOSE_SLACK_M, LOOSE_BRIDGE = 0.022, 0.75
HOODIE_SLACK_M, HOODIE_BRIDGE = 0.034, 0.95


def look_for_seed(seed: int, loose_shirt: bool = False, prop: str = "bar", hoodie: bool = False) -> Look:
    """A deterministic choice of colours from ``PALETTE`` (seed 0 gives the defaults); a hoodie is dark."""
    pick = {k: v[(seed * (i + 1)) % len(v)] for i, (k, v) in enumerate(PALETTE.items())}
    if hoodie:
        pick["shirt"] = HOODIE_RGB
    return Look(**pick, long_trousers=bool(seed % 2), loose_shirt=loose_shirt or hoodie, prop=prop, hoodie=hoodie)


@dataclass(frozen=True)
class Prim3D:
    """A sphere-swept segment from ``p0`` to ``p1`` (3,) m with radii ``r0``, ``r1`` m; ``part`` names the
    body part (``head`` gets the face texture); label 1 = body, 2 = prop."""

    p0: np.ndarray
    p1: np.ndarray
    r0: float
    r1: float
    rgb: Rgb
    part: str
    label: int = 1
    specular: float = 0.06
    group: int = 0  # smoothing group (see ``raster.Capsule2D.smooth_group``)


# Smoothing groups: capsules of one group shade as one surface.
GROUPS = {"torso": 1, "pelvis": 1, "head": 2, "left_leg": 3, "right_leg": 4, "left_arm": 5, "right_arm": 6}


def _cap(out: list, p0, p1, r0, r1, rgb, part, **kw) -> None:
    out.append(Prim3D(np.asarray(p0, float), np.asarray(p1, float), float(r0), float(r1), rgb, part, **kw))


def _shirt_dorsal_line(sk: Skeleton, slack_m: float, bridge: float) -> np.ndarray:
    """Dorsal line of the shirt (K+1, 3): the skin line pushed out by ``slack_m``; a loose top also bridges
    the back's concavities (fabric spans the lumbar curve instead of following it) by the share ``bridge``."""
    line = sk.spine_nodes - slack_m * sk.spine_normals
    if not bridge:
        return line
    a, b = line[0], line[-1]
    chord = (b - a) / np.linalg.norm(b - a)
    out = line.copy()
    for i in range(1, len(line) - 1):
        rel = line[i] - a
        foot = a + (rel @ chord) * chord
        gap = foot - line[i]  # points from the node to the chord
        if gap @ sk.spine_normals[i] < 0:  # the chord lies behind the node: a hollow the shirt spans
            out[i] = line[i] + bridge * gap
    return out


def _torso(sk: Skeleton, look: Look, out: list) -> None:
    slack, bridge = (
        (HOODIE_SLACK_M, HOODIE_BRIDGE)
        if look.hoodie
        else (LOOSE_SLACK_M, LOOSE_BRIDGE)
        if look.loose_shirt
        else (0.004, 0.0)
    )
    dorsal = _shirt_dorsal_line(sk, slack, bridge)
    girth = sk.build.girth
    depth = TORSO_HALF_DEPTH_M * girth + slack
    centres = dorsal + depth[:, None] * sk.spine_normals
    offsets = np.maximum(TORSO_HALF_WIDTH_M - TORSO_HALF_DEPTH_M, 0.0) * girth
    for col in (-1.0, 0.0, 1.0):
        for i in range(len(centres) - 1):
            _cap(
                out,
                centres[i] + col * offsets[i] * _LAT,
                centres[i + 1] + col * offsets[i + 1] * _LAT,
                depth[i],
                depth[i + 1],
                look.shirt,
                "torso",
                group=1,
            )
    if look.loose_shirt:  # the front of the shirt hangs under gravity, more so when the trunk is horizontal
        lows = [
            centres[i]
            - np.array(
                [0.0, 0.05 * float(np.clip(sk.spine_dirs[min(i, len(sk.spine_dirs) - 1)][0], 0.0, 1.0)), 0.0]
            )
            for i in range(len(centres))
        ]
        for i in range(1, len(centres) - 1):
            _cap(out, centres[i], lows[i], depth[i], depth[i] * 0.96, look.shirt, "torso", group=1)
            if i < len(centres) - 2:
                _cap(
                    out,
                    lows[i],
                    lows[i + 1],
                    depth[i] * 0.96,
                    depth[i + 1] * 0.96,
                    look.shirt,
                    "torso",
                    group=1,
                )
    top = centres[-1]
    for side in ("left", "right"):
        sh = sk[f"{side}_shoulder_joint"]
        _cap(out, top, sh, 0.066, 0.058, look.shirt, "torso", group=1)
        _cap(out, sh, sh, 0.060, 0.060, look.shirt, "torso", group=1)
    if look.hoodie:
        _hood_and_hem(sk, look, centres, depth, out)


def _hood_and_hem(sk: Skeleton, look: Look, centres: np.ndarray, depth: np.ndarray, out: list) -> None:
    """The hoodie's hood lying behind the neck on the upper back, and its hem hanging over the top of the pelvis."""
    # The hood lies folded on the upper back below the neck, standing ~2 cm off the fabric there.
    up_top, back_top = sk.spine_dirs[-1], -sk.spine_normals[-1]
    hood = sk.spine_nodes[-1] + 0.012 * back_top
    _cap(out, hood - 0.08 * up_top, hood + 0.01 * up_top, 0.045, 0.05, look.shirt, "torso", group=1)
    hem = centres[0] - 0.07 * sk.spine_dirs[0]
    _cap(out, centres[0], hem, depth[0] * 1.02, depth[0] * 1.04, look.shirt, "torso", group=1)

# How far each buttock's bulge comes in (towards the hip joint) when its hip flexes 90 deg: standing it stands ~5 cm
# behind the sacrum's skin line; stretched over a flexed hip the gluteus flattens and the outline runs on from the
# sacrum, as real lifters' silhouettes show in a hinge (a rigid bulge made the figure's neutral back read ~12 deg
# hollower than real backs in a forward bend).
GLUTE_FLATTEN_M = 0.04


def _hip_flexion_deg(sk: Skeleton, side: str, up: np.ndarray) -> float:
    """Flexion of one hip relative to the pelvis (deg, 0 standing): the thigh's angle from the pelvis' down axis."""
    thigh = sk[f"{side}_knee"] - sk[f"{side}_hip"]
    return float(np.degrees(np.arccos(np.clip(-(thigh @ up) / np.linalg.norm(thigh), -1.0, 1.0))))


def _pelvis(sk: Skeleton, look: Look, out: list) -> None:
    up, fwd = sagittal(sk.pelvis_deg), _anterior(sk.pelvis_deg)
    hip_mid = sk["hip_mid"]
    for side, sgn in (("left", -1.0), ("right", 1.0)):
        hip = sk[f"{side}_hip"]
        _cap(out, hip + 0.01 * up, hip + 0.01 * up, 0.092, 0.092, look.bottoms, "pelvis", group=1)
        flatten = GLUTE_FLATTEN_M * float(np.clip(_hip_flexion_deg(sk, side, up) / 90.0, 0.0, 1.0))
        glute = hip_mid - (0.058 + sk.build.buttock_m - flatten) * fwd - 0.005 * up + sgn * 0.072 * _LAT
        _cap(out, glute, glute + 0.05 * up, 0.097, 0.09, look.bottoms, "pelvis", group=1)
    _cap(
        out,
        sk["left_hip"] + 0.03 * up,
        sk["right_hip"] + 0.03 * up,
        0.09,
        0.09,
        look.bottoms,
        "pelvis",
        group=1,
    )
    waist = sk.spine_nodes[0] + TORSO_HALF_DEPTH_M[0] * sk.build.girth * sk.spine_normals[0]
    _cap(out, waist, hip_mid - 0.01 * fwd + 0.03 * up, 0.096, 0.088, look.bottoms, "pelvis", group=1)


def _legs(sk: Skeleton, look: Look, out: list) -> None:
    skin, bottoms, shoes = look.skin, look.bottoms, look.shoes
    lower_rgb = bottoms if look.long_trousers else skin
    for side in ("left", "right"):
        g = GROUPS[f"{side}_leg"]
        hip, knee, ankle = sk[f"{side}_hip"], sk[f"{side}_knee"], sk[f"{side}_ankle"]
        heel, ball, toe = sk[f"{side}_heel"], sk[f"{side}_ball"], sk[f"{side}_foot_index"]
        thigh_split = hip + 0.48 * (knee - hip)
        _cap(out, hip, thigh_split, 0.092, 0.076, bottoms, "thigh", group=g)
        _cap(
            out, thigh_split, knee, 0.076 if look.long_trousers else 0.072, 0.056, lower_rgb, "thigh", group=g
        )
        _cap(out, knee, knee, 0.057, 0.057, lower_rgb, "knee", group=g)
        d = (ankle - knee) / np.linalg.norm(ankle - knee)
        post = np.array([d[1], -d[0], 0.0])
        _cap(
            out,
            knee + 0.08 * d + 0.014 * post,
            knee + 0.26 * d + 0.008 * post,
            0.060,
            0.046,
            lower_rgb,
            "shin",
            group=g,
        )
        _cap(out, knee, ankle, 0.052, 0.036, lower_rgb, "shin", group=g)
        _cap(out, ankle + 0.035 * d * -1.0, ankle, 0.037, 0.038, (0.78, 0.78, 0.80), "sock", group=g)
        up = np.array([0.0, 1.0, 0.0])
        _cap(out, heel + 0.022 * up, ball + 0.018 * up, 0.042, 0.037, shoes, "foot", group=g)
        _cap(out, ball + 0.016 * up, toe + 0.014 * up, 0.036, 0.030, shoes, "foot", group=g)
        _cap(out, ankle - 0.022 * up, 0.5 * (ankle + ball), 0.042, 0.040, shoes, "foot", group=g)


def _arms(sk: Skeleton, look: Look, out: list) -> None:
    for side in ("left", "right"):
        g = GROUPS[f"{side}_arm"]
        sh, el, wr, hd = (sk[f"{side}_{n}"] for n in ("shoulder_joint", "elbow", "wrist", "hand"))
        if look.hoodie:  # long loose sleeves to the wrist
            _cap(out, sh, el, 0.064, 0.056, look.shirt, "sleeve", group=g)
            _cap(out, el, wr, 0.056, 0.045, look.shirt, "sleeve", group=g)
        else:
            sleeve = sh + 0.42 * (el - sh)
            _cap(out, sh, sleeve, 0.060, 0.056, look.shirt, "sleeve", group=g)
            _cap(out, sleeve, el, 0.049, 0.041, look.skin, "upper_arm", group=g)
            _cap(out, el, wr, 0.042, 0.029, look.skin, "forearm", group=g)
        _cap(out, wr, hd, 0.031, 0.036, look.skin, "hand", group=g)


def _head(sk: Skeleton, look: Look, out: list) -> None:
    c, (f, u, r) = sk["head_center"], sk.head_frame
    _cap(out, sk["neck_base"], sk["neck_top"] + 0.01 * u, 0.054, 0.050, look.skin, "neck")
    _cap(out, c, c, HEAD_RADIUS_M, HEAD_RADIUS_M, look.skin, "head", group=2)
    _cap(out, c + 0.012 * f - 0.035 * u, c + 0.040 * f - 0.060 * u, 0.078, 0.066, look.skin, "head", group=2)
    nose_root = c + 0.085 * f + 0.0 * u
    _cap(out, nose_root, c + 0.118 * f - 0.030 * u, 0.014, 0.017, look.skin, "nose")
    for sgn in (-1.0, 1.0):
        ear = c + sgn * 0.094 * r - 0.012 * f
        _cap(out, ear - 0.004 * u, ear - 0.036 * u - 0.006 * f, 0.021, 0.015, look.skin, "ear")


def _prop(sk: Skeleton, look: Look, out: list) -> None:
    if look.prop not in ("bar", "dumbbell"):
        return
    grip = 0.5 * (sk["left_wrist"] + sk["left_hand"]), 0.5 * (sk["right_wrist"] + sk["right_hand"])
    mid = 0.5 * (grip[0] + grip[1])
    if look.prop == "dumbbell":  # a dumbbell in each hand, handle along the forearm's plane (neutral grip)
        along = np.array([0.09, 0.0, 0.0])
        for g in grip:
            _cap(out, g - along, g + along, 0.016, 0.016, (0.55, 0.56, 0.58), "bar", label=2, specular=0.4)
            for end in (g - along, g + along):
                _cap(out, end, end, 0.06, 0.06, (0.2, 0.2, 0.22), "bar", label=2)
        return
    _cap(
        out,
        mid - 0.62 * _LAT,
        mid + 0.62 * _LAT,
        0.014,
        0.014,
        (0.55, 0.56, 0.58),
        "bar",
        label=2,
        specular=0.4,
    )
    for sgn in (-1.0, 1.0):
        end = mid + sgn * 0.62 * _LAT
        _cap(out, end, end - sgn * 0.06 * _LAT, 0.024, 0.024, (0.2, 0.2, 0.22), "bar", label=2)


def build_figure(sk: Skeleton, look: Look) -> list[Prim3D]:
    """All primitives of the dressed figure (and its prop) for one frame."""
    out: list[Prim3D] = []
    for part in (_torso, _pelvis, _legs, _arms, _head, _prop):
        part(sk, look, out)
    return out
