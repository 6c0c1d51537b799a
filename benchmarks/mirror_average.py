"""Test-time mirroring, simulated: each frame's back reading averaged with the same frame's reading mirrored.

    python benchmarks/mirror_average.py [--cache DIR] [--footage-dir ../shared/footage] [--mirrored] [--everywhere]

The real clips' pose tracks as filmed (``--cache``, made by `accuracy.py --footage --cache DIR`) and mirrored
(``DIR/mirror``, made by `accuracy.py --footage --mirror --cache DIR`) are paired frame by frame; the core then
runs as `accuracy.py --footage` runs it, except that each frame's spine flexion and its confidence, the camera's
yaw and the head's angle are the mean of the two readings (where one of them is missing, the other). The rest of
the core (reps, lift-off, the facing) reads the clip's own landmarks; ``--mirrored`` takes the mirrored clip as
its own instead. Prints the in-sample and leave-one-source-out figures (`footage.footage_report`) and the share
of the model's runs that a pose stage would have to repeat on the mirrored crop: the frames where the trunk leans
``GATE_LEAN_DEG`` or more or the hips flex ``GATE_HIP_DEG`` (where rounding is judged, 40 and 80, with a margin;
``--everywhere``: every frame averaged). A measurement for docs/DESIGN.md ("Random rendered lifters", test-time
mirroring): it doubles the model's work where the back is judged, so it is not built.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import footage  # noqa: E402

import liftform.core.run as core_run  # noqa: E402
from liftform.core.types import Kinematics  # noqa: E402
from liftform.settings import Settings  # noqa: E402
from liftform.track import PoseTrack  # noqa: E402

GATE_LEAN_DEG = 30.0
GATE_HIP_DEG = 65.0


def _mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise mean of two (T,) arrays, the one reading where the other is NaN."""
    both = np.stack([a, b])
    known = np.isfinite(both).sum(axis=0)
    return np.where(known > 0, np.nansum(both, axis=0) / np.maximum(known, 1), np.nan)


def averaged(own: Kinematics, mirror: Kinematics, everywhere: bool) -> tuple[Kinematics, np.ndarray]:
    """``own`` with its back readings averaged with ``mirror``'s on the gated frames; and that (T,) gate."""
    with np.errstate(invalid="ignore"):
        gate = ((own.trunk_inclination_deg >= GATE_LEAN_DEG) | (own.hip_flexion_deg >= GATE_HIP_DEG)
                if not everywhere else np.ones(len(own.timestamps_s), bool))
    seen = np.isfinite(mirror.spine_flexion_deg)
    mirror_confidence = np.where(seen, np.nan_to_num(mirror.spine_flexion_confidence), np.nan)

    def mean_on_gate(mine: np.ndarray, theirs: np.ndarray) -> np.ndarray:
        return np.where(gate, _mean(mine, theirs), mine)

    flexion = mean_on_gate(own.spine_flexion_deg, mirror.spine_flexion_deg)
    return replace(own, spine_flexion_deg=flexion, lean_from_spine_deg=flexion / 2,
                   spine_flexion_confidence=mean_on_gate(np.nan_to_num(own.spine_flexion_confidence),
                                                         mirror_confidence),
                   view_yaw_deg=mean_on_gate(own.view_yaw_deg, mirror.view_yaw_deg),
                   neck_flexion_deg=mean_on_gate(own.neck_flexion_deg, mirror.neck_flexion_deg)), gate


@contextmanager
def mirror_averaged_core(partners: dict[int, PoseTrack], everywhere: bool, gated: list[tuple[int, int]]
                         ) -> Iterator[None]:
    """The core's kinematics averaged with the partner track's (keyed by ``id`` of the own track) while inside;
    ``gated`` collects (frames averaged that the model ran on, frames the model ran on) per call."""
    compute = core_run.compute_kinematics

    def kinematics(track: PoseTrack, *args, **kwargs) -> Kinematics:
        own = compute(track, *args, **kwargs)
        mirror = partners.get(id(track))
        if mirror is None or len(mirror) != len(track):
            return own
        result, gate = averaged(own, compute(mirror, *args, **kwargs), everywhere)
        ran = ~track.pose_filled if track.pose_filled is not None else np.ones(len(track), bool)
        gated.append((int((gate & ran).sum()), int(ran.sum())))
        return result

    core_run.compute_kinematics = kinematics
    try:
        yield
    finally:
        core_run.compute_kinematics = compute


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "liftform-bench")
    parser.add_argument("--footage-dir", type=Path, default=REPO.parent / "shared" / "footage")
    parser.add_argument("--mirrored", action="store_true", help="the mirrored clips as the own ones")
    parser.add_argument("--everywhere", action="store_true", help="average every frame, not only the gated ones")
    args = parser.parse_args()
    own_cache, other_cache = args.cache, args.cache / "mirror"
    if args.mirrored:
        own_cache, other_cache = other_cache, own_cache
    if not (own_cache.is_dir() and other_cache.is_dir()):
        sys.exit(f"needs both caches: {own_cache} and {other_cache} (accuracy.py --footage [--mirror] --cache DIR)")
    partners: dict[int, PoseTrack] = {}
    load = footage.cached_track

    def cached_track(footage_dir, relative, _cache, settings, log, estimate=footage.analyze_pose_track):
        track = load(footage_dir, relative, own_cache, settings, log, estimate)
        other = footage.cache_path(other_cache, relative)
        if track is not None and other.is_file():
            partners[id(track)] = PoseTrack.from_npz(np.load(other))
        return track

    footage.cached_track = cached_track
    gated: list[tuple[int, int]] = []
    where = ("every frame" if args.everywhere
             else f"where the trunk leans >= {GATE_LEAN_DEG:.0f} deg or the hips flex >= {GATE_HIP_DEG:.0f} deg")
    print(f"each frame's back reading averaged with its mirror's, {where}; "
          f"own clips {'mirrored' if args.mirrored else 'as filmed'}")
    with mirror_averaged_core(partners, args.everywhere, gated):
        footage.footage_report(args.footage_dir, own_cache, Settings())
    counts = np.array(gated)
    print(f"\nframes averaged: {counts[:, 0].sum() / counts[:, 1].sum():.0%} of the model's runs "
          "(the extra model work a pose stage would do)")


if __name__ == "__main__":
    main()
