"""Spine flexion from the back's contour.

The dorsal edge of the silhouette between shoulders and hips is straight when the spine is neutral and bows outward
when it flexes. Per frame, a quadratic d(s) is fitted to the dorsal half-width d (as a fraction of trunk length) at
stations s along the trunk (0 = shoulder, 1 = hip); the angle between the fit's tangents at s = 0 and s = 1,
``atan(d'(0)) - atan(d'(1))``, is the bend of the back. It is positive when the back is convex (flexed, rounded),
negative when concave (arched). Flexion is reported relative to a neutral bend: the contour bend a neutral back
shows in a forward bend (a population value, or the person's own from a flexibility screen).

A quadratic's end-tangent difference does not weigh all of the edge alike: a kink at station s moves it by
30 s^2 (1 - s)^2 times the kink (1.9x in the middle of the back, nothing at the very ends). That is what makes it
robust to the ragged ends of the mask (neck, buttocks), but it reads a bend spread evenly along the spine 1.14x too
large. The bend is therefore divided by the fit's response to such an even bend, from the shoulders down to the
sacrum (``SACRUM_STATION``), so that degrees of contour bend are degrees of spine flexion when the flexion is spread
along the back (a bend concentrated mid-back still reads up to 1.65x, one at the very ends less).
"""

from __future__ import annotations

import numpy as np

from liftform.settings import SpineSettings
from liftform.track import BACK_PROFILE_STATIONS

# Where the sacrum's top (L5/S1) lies between shoulder (0) and hip joint (1): the hip joint centre is ~8 cm below it on
# a ~50 cm acromion-to-hip trunk. Below it the edge is pelvis and buttock, which bend with the hip, not the spine.
SACRUM_STATION = 0.85


def dorsal_profile(back_profile_px: np.ndarray, facing_sign: np.ndarray | int) -> np.ndarray:
    """The back's half-widths (T, K) in pixels: the -n side when facing image-right (+1), +n when facing left."""
    if np.ndim(facing_sign) == 0:      # one facing for all frames (the live view's every frame): a copy, ~20 us less
        return (back_profile_px[..., 1].copy() if facing_sign > 0 else back_profile_px[..., 0].copy() if facing_sign
                else np.full(back_profile_px.shape[:2], np.nan))
    facing = np.broadcast_to(np.asarray(facing_sign), back_profile_px.shape[:1])
    dorsal = np.where((facing > 0)[:, None], back_profile_px[..., 1], back_profile_px[..., 0])
    dorsal[facing == 0] = np.nan
    return dorsal


def _quadratic_design(stations: np.ndarray) -> np.ndarray:
    return np.stack([np.ones_like(stations), stations, stations**2], axis=1)   # (K, 3)


def even_bend_response(stations: np.ndarray = BACK_PROFILE_STATIONS, sacrum_station: float = SACRUM_STATION) -> float:
    """The quadratic fit's end-tangent difference for a small unit bend spread evenly over [0, sacrum_station] (the
    edge's slope falls linearly there and is flat below): ~1.14 for the default stations."""
    span = sacrum_station
    # Slope d'(s) = -s/span for s <= span, then -1: a total turn of 1 (radian, small-angle) spread evenly.
    edge = np.where(stations <= span, -stations**2 / (2 * span), -span / 2 - (stations - span))
    design = _quadratic_design(stations)
    beta = np.linalg.lstsq(design, edge, rcond=None)[0]
    return float(-2.0 * beta[2])   # d'(0) - d'(1) of d = b0 + b1 s + b2 s^2


EVEN_BEND_RESPONSE = even_bend_response()
_DESIGN = _quadratic_design(BACK_PROFILE_STATIONS)
_PSEUDO_INVERSE = np.linalg.pinv(_DESIGN)                                   # (3, K)


def contour_bend_deg(dorsal_px: np.ndarray, trunk_length_px: np.ndarray,
                     stations: np.ndarray = BACK_PROFILE_STATIONS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bend of the dorsal edge per frame, by a weighted least-squares quadratic fit (NaN stations ignored).

    Args:
        dorsal_px: (T, K) dorsal half-widths in pixels.
        trunk_length_px: (T,) shoulder-mid to hip-mid distance in pixels.
    Returns:
        bend_deg (T,): tangent angle of the fit at the shoulder end minus at the hip end, divided by
            ``EVEN_BEND_RESPONSE``, degrees (+ convex / flexed);
        edge_fraction (T,): share of stations where the edge was found;
        residual (T,): RMS misfit of the quadratic, as a fraction of trunk length (ragged mask -> large).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        widths = dorsal_px / trunk_length_px[:, None]                          # (T, K) fraction of trunk
    known = np.isfinite(widths)
    default_stations = stations is BACK_PROFILE_STATIONS
    design = _DESIGN if default_stations else _quadratic_design(stations)
    if known.all():
        # Every station of every frame known (most frames, and the live view's one frame): one least-squares operator
        # for all, and no weights (all ones: the same numbers, fewer steps a live frame).
        n_known = np.full(len(widths), float(known.shape[1]))
        beta = widths @ (_PSEUDO_INVERSE if default_stations else np.linalg.pinv(design)).T
        squared_misfit = (widths - beta @ design.T) ** 2
    else:
        # Normal equations per frame: (A^T W A) beta = A^T W y, batched over T.
        weights = known.astype(float)
        filled = np.where(known, widths, 0.0)
        n_known = weights.sum(axis=1)
        ata = np.einsum("ki,tk,kj->tij", design, weights, design)
        aty = np.einsum("ki,tk,tk->ti", design, weights, filled)
        ata[n_known < 5] = np.eye(3)              # not solvable (below): any regular matrix, its fit set to NaN
        beta = np.linalg.solve(ata, aty[..., None])[..., 0]                    # (T, 3): d = b0 + b1 s + b2 s^2
        squared_misfit = weights * (filled - beta @ design.T) ** 2
    edge_fraction = n_known / known.shape[1]
    # Five distinct stations make the normal matrix of a quadratic regular: no determinant check needed.
    solvable = n_known >= 5
    slope_at_shoulder = beta[:, 1]
    slope_at_hip = beta[:, 1] + 2.0 * beta[:, 2]
    response = EVEN_BEND_RESPONSE if default_stations else even_bend_response(stations)
    bend_deg = np.degrees(np.arctan(slope_at_shoulder) - np.arctan(slope_at_hip)) / response
    with np.errstate(invalid="ignore"):
        residual = np.sqrt(np.add.reduce(squared_misfit, axis=1) / np.maximum(n_known, 1))
    bend_deg[~solvable] = np.nan
    residual[~solvable] = np.nan
    return bend_deg, edge_fraction, residual


def spine_confidence(edge_fraction: np.ndarray, residual: np.ndarray, view_yaw_deg: np.ndarray,
                     landmark_visibility: np.ndarray, min_edge_fraction: float, full_view_yaw_deg: float,
                     max_view_yaw_deg: float) -> np.ndarray:
    """Confidence (T,) in [0, 1] of the spine measure, the weakest of four checks, each 1 when all is well:

    - edge: the back's edge was found at enough stations (0 below ``min_edge_fraction``);
    - fit: the edge is smooth (RMS misfit up to 1.5 % of trunk length is full marks, 5 % or more is zero: a plate,
      an arm or baggy clothing makes the edge ragged);
    - view: side-on (full marks up to ``full_view_yaw_deg``, zero at ``max_view_yaw_deg``);
    - landmarks: MediaPipe's visibility of the near shoulder and hip.

    The weakest, not the product: each check has its own line (a frame is trusted when every check is at least
    [verdict] min_confidence of the way from its zero to its full marks), and two checks half-way there do not make
    a doubt neither has. As a product they did: a three-quarter view (0.55 for the view) with a slightly ragged edge
    (0.7) fell under 0.4, and the real clips mirrored left to right (`benchmarks/accuracy.py --footage --mirror`),
    whose view and edge the pose model reads a little differently, turned six such lifts undecided (thirteenth
    session; as the weakest, 3 of 55 undecided mirrored against 7, the clips as filmed unchanged, and no rendered
    class at 0-60 deg of yaw called wrongly where it was undecided).
    """
    edge = (edge_fraction - min_edge_fraction) / max(1.0 - min_edge_fraction, 1e-6) * 2.0
    fit = (0.05 - residual) / 0.035                       # NaN residual (no fit): NaN, zero below
    view = (max_view_yaw_deg - view_yaw_deg) / (max_view_yaw_deg - full_view_yaw_deg)   # unknown view: NaN, zero
    visible = (landmark_visibility - 0.3) / 0.5
    # Each factor clipped to [0, 1]; an unknown edge, fit or view (NaN) counts as zero, an unknown landmark visibility
    # (no pose in the frame) leaves the confidence unknown (NaN): np.minimum propagates NaN.
    measure = np.minimum(np.minimum(_unit(edge), _unit(fit)), _unit(view))
    return np.minimum(np.where(np.isnan(measure), 0.0, measure), _unit(visible))


def _unit(values: np.ndarray) -> np.ndarray:
    """``values`` clipped to [0, 1], NaN kept (np.clip's Python overhead is most of the live view's one-frame cost)."""
    return np.minimum(np.maximum(values, 0.0), 1.0)


# From this camera yaw (deg) the view is called frontal (or from the back): the camera faces the lifter more than
# their side, and the spine measure's view factor is far under its line (`spine_confidence`).
FRONT_VIEW_YAW_DEG = 75.0


def view_label(view_yaw_deg: np.ndarray, settings: SpineSettings) -> str:
    """The camera's view of the lifter from the median yaw (deg) over the frames: "side" while the spine measure has
    full confidence (up to ``full_view_yaw_deg``), "oblique" up to `FRONT_VIEW_YAW_DEG`, "front" beyond, "unknown"
    without a pose. The one definition of side-on."""
    finite = view_yaw_deg[np.isfinite(view_yaw_deg)]
    if len(finite) == 0:
        return "unknown"
    yaw = float(np.median(finite))
    return "side" if yaw <= settings.full_view_yaw_deg else "oblique" if yaw < FRONT_VIEW_YAW_DEG else "front"
