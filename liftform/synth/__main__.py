"""Regenerate the project's sample videos: ``python -m liftform.synth OUT_DIR [--only NAME ...]``.

Writes, for each sample, ``NAME.mp4`` (640x480, 30 fps, H.264) and ``NAME.truth.csv``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from liftform.interrupts import INTERRUPTED_EXIT
from liftform.synth.scene import LiftSpec, write_sample

# The project's samples: name -> spec. Side views facing right except where stated.
SAMPLES: dict[str, LiftSpec] = {
    "hip_hinge": LiftSpec(motion="hip_hinge"),
    "rounded_back": LiftSpec(motion="rounded_back"),
    "squat": LiftSpec(motion="squat", seed=1),
    "lunge": LiftSpec(motion="lunge", seed=2),
    # Harder cases for the core: a baggy shirt over a neutral hinge (faces left) and an oblique rounded back.
    "hip_hinge_loose_left": LiftSpec(motion="hip_hinge", faces="left", loose_shirt=True, seed=3),
    "rounded_back_yaw30": LiftSpec(motion="rounded_back", yaw_deg=30.0, seed=4),
    # Everyday lifts: a box from the floor to the waist, held, set down (each rep is a pick-up and a set-down).
    "box_stoop_rounded": LiftSpec(motion="stoop_lift", reps=2, seed=6),
    "box_hinge": LiftSpec(motion="hinge_lift", reps=2, seed=8),
    "box_squat": LiftSpec(motion="squat_lift", reps=2, seed=10),
    "box_half_kneel": LiftSpec(motion="half_kneel_lift", reps=2, seed=12),
    "box_reach_rounded_then_flat": LiftSpec(motion="reach_rounded_then_flat", reps=2, seed=14),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m liftform.synth", description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--only", nargs="*", choices=sorted(SAMPLES), help="render only these samples")
    args = parser.parse_args(argv)
    for name in args.only or SAMPLES:
        path = args.out_dir / f"{name}.mp4"
        try:
            truth = write_sample(SAMPLES[name], path)
        except KeyboardInterrupt:
            print(f"interrupted: {path} is as it was; the samples listed above are written", file=sys.stderr)
            return INTERRUPTED_EXIT
        print(f"{path}: {len(truth)} frames, {path.stat().st_size / 1e6:.2f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
