"""Would a zero of the lifter's own, read from the early part of their bend, judge real lifters better than the
shipped zero?

Until the nineteenth session `liftform screen` wrote such a zero into the profile: the median contour bend over the
trusted frames where the trunk leans 25-50 deg, where "nearly everyone's spine is still neutral". This script reads
that zero from each real development clip's own frames (the same person, clothes and camera as its lifts), judges
the clip with it and with the shipped zero, and prints both, clip by clip and in total, beside how far each lifter's
reading rises from that early window to their deep bend (trunk at 70-95 deg).

    python benchmarks/own_zero.py [--footage-dir ../shared/footage] [--cache DIR]

The clips' pose tracks are `benchmarks/accuracy.py --footage`'s (same cache). In-sample, shipped limits; frontal clips
and clips without three trusted frames in the early window are left out.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import footage  # noqa: E402

from liftform.core.kinematics import compute_kinematics  # noqa: E402
from liftform.settings import Settings  # noqa: E402

EARLY_LEAN_DEG = (25.0, 50.0)     # the window the screen took its zero from
DEEP_LEAN_DEG = (70.0, 95.0)


def _window_median(kinematics, raw_bend: np.ndarray, lean: tuple[float, float], min_confidence: float) -> float:
    with np.errstate(invalid="ignore"):
        inside = ((kinematics.spine_flexion_confidence >= min_confidence)
                  & (kinematics.trunk_inclination_deg >= lean[0]) & (kinematics.trunk_inclination_deg <= lean[1]))
    return float(np.median(raw_bend[inside])) if inside.sum() >= 3 else float("nan")


def main() -> None:
    args = footage.footage_arguments(__doc__)
    settings = Settings()
    right = {label: [0, 0, 0] for label in ("rounded_back", "neutral_hinge")}   # clips, shipped zero, own zero
    rises = {label: [] for label in right}
    for clip in footage.load_clips(args.footage_dir, args.cache, settings):
        if clip.label not in right or clip.view == "front" or clip.track is None:
            continue
        kinematics = compute_kinematics(clip.track, settings.filter, settings.spine)
        raw_bend = kinematics.spine_flexion_deg + kinematics.spine_baseline_deg
        own = _window_median(kinematics, raw_bend, EARLY_LEAN_DEG, settings.verdict.min_confidence)
        if not np.isfinite(own):
            continue
        deep = _window_median(kinematics, raw_bend, DEEP_LEAN_DEG, settings.verdict.min_confidence)
        rises[clip.label].append(deep - own)
        shipped, personal = footage.clip_verdict(clip, settings), footage.clip_verdict(clip, settings, own)
        tally = right[clip.label]
        tally[0] += 1
        tally[1] += footage.is_right(clip.label, shipped)
        tally[2] += footage.is_right(clip.label, personal)
        print(f"  {clip.file[-44:]:44s} {clip.label:14s} {clip.view:8s} own zero {own:+6.1f}  rise to the deep "
              f"bend {deep - own:+6.1f}   shipped zero: {shipped:18s} own zero: {personal}")
    for label, (clips, shipped, personal) in right.items():
        rise = np.array(rises[label])
        print(f"{label}: right with the shipped zero {shipped}/{clips}, with the lifter's own early-bend zero "
              f"{personal}/{clips}; the reading rises from the early to the deep bend by a median "
              f"{np.nanmedian(rise):+.1f} deg ({np.sum(rise > 10)} of {np.isfinite(rise).sum()} by more than 10)")


if __name__ == "__main__":
    main()
