"""How well the clothes' colours tell a returning lifter from someone new (`liftform.appearance`), on real lifters.

    python benchmarks/clothes.py [--cache DIR] [--footage-dir ../shared/footage]

For each labelled real clip (its main lifter's track from the footage cache of `accuracy.py --footage`, made where
missing), the colours of the four patches are read off the decoded frames at the lifter's landmarks, on the frames
the model ran. Printed: how far apart (`appearance.clothes_apart`: the mean Delta E over the patches) one lifter's
signatures are in the first and second half of their clip (the same person, as after walking off and back), and
lifters of different sources (different people), with the share within `appearance.SAME_CLOTHES_DELTA_E`: a
returning lifter is joined to their track that often, and two people taken for one that often (different sources
also differ in light and camera, so that share is a floor for two people in one room).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from footage import load_clips  # noqa: E402

from liftform.appearance import (  # noqa: E402
    SAME_CLOTHES_DELTA_E,
    clothes_apart,
    clothes_colours,
    signature,
    upright_poses,
)
from liftform.settings import Settings  # noqa: E402
from liftform.video import open_video  # noqa: E402

MIN_UPRIGHT = 10        # a clip's halves are compared where the lifter stood upright on this many frames


def upright_colours(path: Path, track) -> np.ndarray:
    """(T, P, 3) the patches' colours on the frames where the model ran and found the lifter standing upright."""
    seen = track.has_pose & ~track.pose_filled
    rows = {int(track.frame_index[k]): k for k in np.flatnonzero(seen)}
    colours, xy = [], []
    with open_video(path) as video:
        for frame in video.frames():
            k = rows.get(frame.index)
            if k is not None:
                colours.append(clothes_colours(frame.rgb, track.image_xy[k]))
                xy.append(track.image_xy[k])
    if not colours:
        return np.empty((0, 4, 3))
    return np.array(colours)[upright_poses(np.array(xy))]


def shares(values: list[float]) -> str:
    values = np.asarray(values)
    within = int((values <= SAME_CLOTHES_DELTA_E).sum())
    return (f"median {np.median(values):5.1f}, 90 % within {np.percentile(values, 90):5.1f}, "
            f"least {values.min():4.1f}; within {SAME_CLOTHES_DELTA_E:g}: {within}/{len(values)} = "
            f"{within / len(values):.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "liftform-bench")
    parser.add_argument("--footage-dir", type=Path, default=REPO.parent / "shared" / "footage")
    args = parser.parse_args()
    if not (args.footage_dir / "MANIFEST.csv").is_file():
        sys.exit(f"no footage at {args.footage_dir} (MANIFEST.csv): nothing to measure")
    people = {}
    for clip in load_clips(args.footage_dir, args.cache, Settings()):
        if clip.track is not None:
            colours = upright_colours(args.footage_dir / clip.file, clip.track)
            if len(colours) >= MIN_UPRIGHT:
                people[clip.file] = (clip.source, colours)
    halves = [clothes_apart(signature(c[: len(c) // 2]), signature(c[len(c) // 2:])) for _, c in people.values()]
    signatures = {file: (source, signature(c)) for file, (source, c) in people.items()}
    others = [clothes_apart(a[1], b[1]) for a, b in itertools.combinations(signatures.values(), 2) if a[0] != b[0]]
    print(f"{len(people)} real lifters standing upright on {MIN_UPRIGHT}+ frames; Delta E apart (mean over patches):")
    print(f"  one lifter, first half against second half of the clip: {shares(halves)}  (joined)")
    print(f"  lifters of different sources:                           {shares(others)}  (taken for one)")


if __name__ == "__main__":
    main()
