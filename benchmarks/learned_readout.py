"""Experiment, not the shipped measure: a smooth linear read-out of the back's 21 station widths fitted to the true
spine flexion of rendered random lifters (issue 10: "a small learned model over the back's profile, trained on
rendered lifts ... never on the source it is scored on"), against the quadratic's end-tangent bend (`core.spine`).

    python benchmarks/learned_readout.py [--seeds 1234] [--smooth 0.01] [--random-cache DIR] [--rendered-cache DIR]
    python benchmarks/learned_readout.py --run benchmarks/accuracy.py --footage --mirror     # any script, patched

Fits w (21 weights and an intercept) by least squares over the judged, trusted frames of `rendered_random.py`'s
lifters (--seeds), with a penalty on the weights' second differences (--smooth: neighbouring stations weigh alike;
unpenalised, the weights swing by +-200 between stations), prints the named classes' error against the truth beside
the quadratic's (`rendered_cases.py`'s classes, never trained on) and the spread of the real clips' readings
(each clip's median over its judged, trusted frames, `core.screen.own_neutral_bend_deg`): neutral clips against
rounded ones. ``--run SCRIPT ARGS`` runs a benchmark with the read-out in place of `core.spine.contour_bend_deg`
(its output + the shipped zero, so the shipped limits apply; the edge checks and confidence are the quadratic's).
Caches: the rendered tracks as `rendered_cases.py` / `rendered_random.py` keep them (rendered if missing).
"""

from __future__ import annotations

import argparse
import runpy
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import liftform.core.spine as spine  # noqa: E402
from liftform.core.flags import spine_judged  # noqa: E402
from liftform.core.kinematics import compute_kinematics  # noqa: E402
from liftform.core.screen import own_neutral_bend_deg  # noqa: E402
from liftform.settings import Settings  # noqa: E402

SETTINGS = Settings()
QUADRATIC = spine.contour_bend_deg


def _widths_and_kinematics(track):
    """(T, K) station widths as fractions of the trunk length, as the quadratic is given them, and the kinematics."""
    seen = {}

    def spy(dorsal_px, trunk_length_px, *args, **kwargs):
        with np.errstate(invalid="ignore", divide="ignore"):
            seen["widths"] = dorsal_px / trunk_length_px[:, None]
        return QUADRATIC(dorsal_px, trunk_length_px, *args, **kwargs)

    spine.contour_bend_deg = spy
    try:
        kinematics = compute_kinematics(track, SETTINGS.filter, SETTINGS.spine)
    finally:
        spine.contour_bend_deg = QUADRATIC
    return seen["widths"], kinematics


def judged_frames(track, truth):
    """(widths (N, K), the quadratic's flexion (N,), true flexion (N,)) over one clip's judged, trusted frames."""
    widths, k = _widths_and_kinematics(track)
    v = SETTINGS.verdict
    with np.errstate(invalid="ignore"):
        used = (spine_judged(k.trunk_inclination_deg, k.hip_flexion_deg, v) & np.isfinite(widths).all(axis=1)
                & (k.spine_flexion_confidence >= v.min_confidence) & np.isfinite(k.spine_flexion_deg))
    return widths[used], k.spine_flexion_deg[used], truth["spine_flexion_deg"][k.frame_index][used]


def fit(widths: np.ndarray, flexion_deg: np.ndarray, smooth: float, ridge: float = 1e-5) -> np.ndarray:
    """(K + 1,) weights and intercept: least squares with ``smooth`` x |second differences of the weights|^2."""
    n = widths.shape[1]
    a = np.hstack([widths, np.ones((len(widths), 1))])
    d2 = np.hstack([np.diff(np.eye(n), 2, axis=0), np.zeros((n - 2, 1))])
    penalty = smooth * d2.T @ d2 + ridge * np.diag([1.0] * n + [0.0])
    return np.linalg.solve(a.T @ a / len(a) + penalty, a.T @ flexion_deg / len(a))


def patched_bend(weights: np.ndarray):
    """A stand-in for `core.spine.contour_bend_deg`: the read-out (+ the shipped zero) where the quadratic has a
    bend; stations missing in a frame filled linearly along the back."""
    zero = SETTINGS.spine.neutral_bend_deg

    def bend(dorsal_px, trunk_length_px, *args, **kwargs):
        quadratic, edge_fraction, residual = QUADRATIC(dorsal_px, trunk_length_px, *args, **kwargs)
        with np.errstate(invalid="ignore", divide="ignore"):
            widths = dorsal_px / trunk_length_px[:, None]
        stations = np.arange(widths.shape[1])
        for row in np.flatnonzero(~np.isfinite(widths).all(axis=1) & np.isfinite(quadratic)):
            known = np.isfinite(widths[row])
            widths[row] = np.interp(stations, stations[known], widths[row, known])
        readout = widths @ weights[:-1] + weights[-1] + zero
        return np.where(np.isfinite(quadratic), readout, np.nan), edge_fraction, residual

    return bend


def real_spread(weights: np.ndarray, footage: Path, cache: Path) -> None:
    from footage import load_clips

    clips = [c for c in load_clips(footage, cache, SETTINGS, log=lambda _: None) if c.track is not None]
    for name, bend in (("quadratic", QUADRATIC), ("read-out", patched_bend(weights))):
        spine.contour_bend_deg = bend
        medians = {"neutral": [], "rounded": []}
        for clip in clips:
            k = compute_kinematics(clip.track, SETTINGS.filter, SETTINGS.spine)
            kind = "rounded" if clip.label == "rounded_back" else "neutral" if clip.label in (
                "neutral_hinge", "squat_lift") else None
            if kind and np.isfinite(m := own_neutral_bend_deg(k, SETTINGS.verdict)):
                medians[kind].append(m)
        spine.contour_bend_deg = QUADRATIC
        neutral, rounded = np.array(medians["neutral"]), np.array(medians["rounded"])
        print(f"  real clips, {name:9s}: neutral {len(neutral)} median {np.median(neutral):5.1f} SD "
              f"{neutral.std():4.1f} (range {neutral.min():.0f}..{neutral.max():.0f}); rounded {len(rounded)} median "
              f"{np.median(rounded):5.1f}; separation (mean rounded - mean neutral) / SD neutral "
              f"{(rounded.mean() - neutral.mean()) / neutral.std():.2f}")


def main() -> None:
    from rendered_cases import CASES, tracked
    from rendered_random import DEFAULT_CACHE as RANDOM_CACHE
    from rendered_random import random_specs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1234])
    parser.add_argument("--smooth", type=float, default=0.01)
    parser.add_argument("--random-cache", type=Path, default=RANDOM_CACHE)
    parser.add_argument("--rendered-cache", type=Path, default=RANDOM_CACHE.parent / "rendered")
    parser.add_argument("--footage-cache", type=Path, default=Path.home() / ".cache" / "liftform-bench")
    parser.add_argument("--run", nargs=argparse.REMAINDER, help="SCRIPT ARGS: run a benchmark with the read-out")
    args = parser.parse_args()
    train = [judged_frames(*tracked(spec, SETTINGS, args.random_cache))
             for seed in args.seeds for spec in random_specs(60, seed)]
    weights = fit(np.vstack([t[0] for t in train]), np.concatenate([t[2] for t in train]), args.smooth)
    if args.run:
        spine.contour_bend_deg = patched_bend(weights)
        sys.argv = args.run
        runpy.run_path(args.run[0], run_name="__main__")
        return
    print(f"read-out fitted on {sum(len(t[2]) for t in train)} judged frames of {len(train)} random lifters "
          f"(seeds {args.seeds}), smoothing {args.smooth:g}: weights x100 "
          f"{np.round(100 * weights[:-1]).astype(int).tolist()}, intercept {weights[-1]:.1f}")
    for yaw in (0.0, 30.0):
        errors = []
        for case in CASES:
            widths, quadratic, true = judged_frames(*tracked(replace(case.spec, yaw_deg=yaw), SETTINGS,
                                                             args.rendered_cache))
            if len(true):
                readout = widths @ weights[:-1] + weights[-1]
                errors.append((case.name, np.abs(quadratic - true).mean(), np.abs(readout - true).mean()))
        q, r = np.array([e[1] for e in errors]), np.array([e[2] for e in errors])
        print(f"  named classes at {yaw:2.0f} deg (never trained on): MAE quadratic {q.mean():4.1f}, read-out "
              f"{r.mean():4.1f}; classes over 5 deg {int((q > 5).sum())} and {int((r > 5).sum())} of {len(errors)}")
    footage = Path(__file__).resolve().parents[2] / "shared" / "footage"
    if footage.is_dir():
        real_spread(weights, footage, args.footage_cache)


if __name__ == "__main__":
    main()
