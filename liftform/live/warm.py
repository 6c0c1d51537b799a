"""What the live loop's per-frame path costs more the first time it is called, called once before the first frame.

The first frame with the lifter also runs the finder and the follower in turn (~50-60 ms with lite, against 33 ms
between a camera's frames); first calls on top of that had added 5-15 ms, enough to drop a frame on a busy machine:
NumPy imports ``numpy.ma`` on its first percentile (the lifter's light, `exposure.picture_brightness`: 8-20 ms),
and OpenCV loads its font on the first text measured (~2 ms). Run while the pose models load, they cost nothing.
"""

from __future__ import annotations

import numpy as np

from liftform.exposure import MIN_PIXELS, picture_brightness
from liftform.outputs.overlay import PROMPT_RGB, draw_overlay


def warm_first_calls() -> None:
    """Call the per-frame path's slow-the-first-time parts once, on scratch pictures (nothing is kept)."""
    side = int(np.ceil(np.sqrt(MIN_PIXELS)))
    picture_brightness(np.zeros((side, side), np.uint8))
    draw_overlay(np.zeros((48, 64, 3), np.uint8), angles_deg={"spine": 0.0}, headline=[("Step back", PROMPT_RGB)])
