"""A zero moved by the person's standing posture, scored leave-one-source-out (issue 10: "the person's standing ...
contour as references"). Measured, not shipped: DESIGN.md, "What the footage taught".

    python benchmarks/standing_zero.py [--cache DIR ...] [--footage-dir ../shared/footage]

The back's contour read standing predicts a person's neutral reading in a hinge in part (r 0.6-0.74 on the real
neutral clips: build, clothes and mask move both), so the best linear guess of that person's zero lies between the
population's and what their standing says: zero = shipped zero + k (standing - c), where

- standing: the median spine reading (deg) over the clip's trusted upright frames (`kinematics.upright`: trunk, hips
  and knees within 25 deg of straight; at least ``MIN_STANDING_FRAMES`` of them, else no shift: a clip cut to the
  lift has none);
- k: the Theil-Sen slope of the safe clips' flip points on their standing readings (clipped to 0..1), and c their
  median standing reading: both fitted on the other sources only, with the onset, per left-out source. No value is
  chosen by hand, and none comes from the scored source.

With that zero a clip's verdict at onset O is its shipped-zero verdict at O + k (standing - c), so its flip point
(`footage.flip_point`) moves by that much; a flip at the search's top (rounded at every onset, by the head) stays.
Prints, per pose cache (the clips as filmed, --mirror, --low-quality ... caches of `accuracy.py --footage`), the
leave-one-source-out figure without the shift (`footage.leave_one_source_out`, the benchmark's own) and with it,
the k fitted without each source, and the clips whose verdict moves.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from footage import (  # noqa: E402  (a sibling script)
    ONSET_SEARCH_DEG,
    SCORED_VIEWS,
    VIEW_CANDIDATES,
    Clip,
    Flip,
    _analyze,
    fitted_onset,
    flip_point,
    is_right,
    leave_one_source_out,
    load_clips,
    score,
)

from liftform.core.kinematics import upright  # noqa: E402
from liftform.settings import Settings  # noqa: E402

MIN_STANDING_FRAMES = 5


def standing_reading_deg(clip: Clip, settings: Settings) -> float:
    """The median spine reading (deg, from the shipped zero) over ``clip``'s trusted upright frames; NaN with fewer
    than ``MIN_STANDING_FRAMES``."""
    kin = _analyze(clip, settings).kinematics
    frames = (upright(kin.trunk_inclination_deg, kin.hip_flexion_deg, kin.knee_flexion_deg)
              & (kin.spine_flexion_confidence >= settings.verdict.min_confidence) & np.isfinite(kin.spine_flexion_deg))
    return float(np.median(kin.spine_flexion_deg[frames])) if frames.sum() >= MIN_STANDING_FRAMES else float("nan")


def shifted(flip: Flip, shift_deg: float) -> Flip:
    """``flip`` judged from a zero ``shift_deg`` higher: rounded below ``onset - shift``."""
    if flip.onset_deg >= ONSET_SEARCH_DEG[1]:
        return flip
    return Flip(flip.onset_deg - shift_deg, flip.otherwise, flip.cleared_deg - shift_deg)


def theil_sen_slope(x: np.ndarray, y: np.ndarray) -> float:
    """The median of the pairwise slopes of y on x (robust to a clip or two far off the line)."""
    i, j = np.triu_indices(len(x), 1)
    dx = x[j] - x[i]
    keep = np.abs(dx) > 1e-6
    return float(np.median((y[j] - y[i])[keep] / dx[keep]))


def fitted_shift(safe_flips: list[Flip], safe_standing: np.ndarray) -> tuple[float, float]:
    """(k, c) from the safe clips' flip points and standing readings: the slope, clipped to 0..1, over the clips
    with both (never rounded, or rounded at every onset, says nothing), and the median standing reading."""
    onsets = np.array([f.onset_deg for f in safe_flips])
    both = np.isfinite(onsets) & (onsets < ONSET_SEARCH_DEG[1]) & np.isfinite(safe_standing)
    k = float(np.clip(theil_sen_slope(safe_standing[both], onsets[both]), 0.0, 1.0))
    return k, float(np.nanmedian(safe_standing))


def moved_verdicts(clips: list[Clip], flips: dict[float, list[Flip]], standing: np.ndarray,
                   shipped_view: float) -> tuple[list[str], dict[str, float]]:
    """Per clip, its verdict from the moved zero, with k, c, the onset and the view ramp fitted without its source
    (as `footage.leave_one_source_out` fits the onset and ramp, the shipped ramp winning ties). And k per source."""
    verdicts, ks = [""] * len(clips), {}
    for source in sorted({c.source for c in clips}):
        train = [i for i, c in enumerate(clips) if c.source != source and c.label != "rounded_back"]
        best = None
        for view in sorted(VIEW_CANDIDATES, key=lambda v: v != shipped_view):
            k, c = fitted_shift([flips[view][i] for i in train], standing[train])
            shift = np.where(np.isfinite(standing), k * (standing - c), 0.0)
            onset = fitted_onset([shifted(flips[view][i], shift[i]) for i in train])
            right = sum(is_right(clips[i].label, shifted(flips[view][i], shift[i]).verdict(onset))
                        for i, cl in enumerate(clips) if cl.source != source)
            if best is None or right > best[0]:
                best = (right, view, shift, onset, k)
        _, view, shift, onset, ks[source] = best
        for i, clip in enumerate(clips):
            if clip.source == source:
                verdicts[i] = shifted(flips[view][i], shift[i]).verdict(onset)
    return verdicts, ks


def report(footage: Path, cache: Path, settings: Settings) -> None:
    clips = [c for c in load_clips(footage, cache, settings, log=lambda m: None) if c.view in SCORED_VIEWS]
    flips = {view: [flip_point(c, settings, view) for c in clips] for view in VIEW_CANDIDATES}
    standing = np.array([standing_reading_deg(c, settings) if c.track is not None else np.nan for c in clips])
    print(f"{cache}: {len(clips)} clips, {int(np.isfinite(standing).sum())} with a standing reading")
    plain, _ = leave_one_source_out(clips, flips, settings.spine.max_view_yaw_deg)
    moved, ks = moved_verdicts(clips, flips, standing, settings.spine.max_view_yaw_deg)
    for name, verdicts in (("shipped zero", plain), ("zero moved by standing", moved)):
        scored = score((c.label, v) for c, v in zip(clips, verdicts, strict=True))
        print(f"  {name:24s} leave-one-source-out: {scored.line()}")
    print("  k fitted without each source: " + ", ".join(f"{s.split('/')[0][:12]} {k:.2f}" for s, k in ks.items()))
    for clip, before, after, st in zip(clips, plain, moved, standing, strict=True):
        if before != after:
            print(f"    {clip.label:14s} standing {st:6.1f}  {before} -> {after}  {clip.file}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--footage-dir", type=Path, default=Path(__file__).parents[1].parent / "shared" / "footage")
    parser.add_argument("--cache", type=Path, nargs="+", default=[Path.home() / ".cache" / "liftform-bench"])
    args = parser.parse_args()
    if not (args.footage_dir / "MANIFEST.csv").is_file():
        sys.exit(f"no footage manifest at {args.footage_dir / 'MANIFEST.csv'}: pass --footage-dir")
    for cache in args.cache:
        report(args.footage_dir, cache, Settings())


if __name__ == "__main__":
    main()
