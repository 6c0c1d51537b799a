"""Synthetic lifts with known angles: a renderer of a shaded 3D figure and the project's sample videos.

    spec = LiftSpec(motion="rounded_back", yaw_deg=20)   # or build=Build(kyphosis_deg=15), hoodie=True,
                                          # motion="reach_rounded_then_flat" (an object lift) ...
    scene = SynthScene(spec)              # plans skeletons, camera and truth (cheap)
    frame = scene.render(0)               # Rendered: rgb (H, W, 3) uint8, body_mask ...
    truth = scene.truth                   # Truth: per-frame angles (deg) and landmark pixels
    write_sample(spec, "out/rounded_back.mp4")   # H.264 MP4 + out/rounded_back.truth.csv

Never imports mediapipe.
"""

from liftform.synth.body import Build
from liftform.synth.lifts import OBJECT_MOTIONS, OBJECTS
from liftform.synth.motions import MOTIONS
from liftform.synth.scene import LiftSpec, Rendered, SynthScene, render_frames, write_sample
from liftform.synth.truth import LANDMARK_NAMES, Truth, TruthRow, read_truth_csv

__all__ = [
    "Build",
    "MOTIONS",
    "OBJECT_MOTIONS",
    "OBJECTS",
    "LANDMARK_NAMES",
    "LiftSpec",
    "Rendered",
    "SynthScene",
    "Truth",
    "TruthRow",
    "read_truth_csv",
    "render_frames",
    "write_sample",
]
