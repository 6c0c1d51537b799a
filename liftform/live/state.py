"""Small per-frame state machines of the live path. Each one leaves the deciding to the core's own functions.

- `RoundedFlag`: the back-is-rounded flag with hysteresis, decided by `core.flags.flag_rounded_frames` itself.
- `FacingFollower`: which way the lifter faces, from each frame's own cues (`core.kinematics.facing_evidence`), so
  the back is read on the right side within a few frames of the lifter turning round.
- `RepWatcher`: notices, from the per-frame depth, that a rep has just ended, so the core's `segment_reps` and
  `judge_rep` run once per rep on the buffered frames instead of on every frame.
- `Debounced`: a condition that must hold for a while before it shows (prompts that do not flicker).
- `framing_problem`: is the whole body in the frame, and is the camera side-on?
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

import numpy as np

from liftform.core.flags import flag_rounded_frames
from liftform.core.framing import parts_in_picture
from liftform.core.kinematics import FACING_MARGIN, facing_evidence
from liftform.settings import RepSettings, VerdictSettings

PROMPT_NOBODY = "Step into view, not too far: whole body, side-on"   # a small, far lifter goes unfound too
PROMPT_STEP_BACK = "Step back: whole body in view"
PROMPT_SIDE_ON = "Turn side-on to the camera"
PROMPT_FROM_BEHIND = "Film from the side, not from behind"   # `core.viewpoint.filmed_from_behind`
PROMPT_FROM_ABOVE = "Camera too high: put it at hip height, level"   # `core.camera_pitch`
PROMPT_DARK = "Too dark: more light on you, please"
# No lifter's trunk leans back this far (a kettlebell swing's top, ~15 deg): a frame read so is read with the facing
# the wrong way round (the lifter has just turned round, bent over) or from a wrong pose, and its back's "flexion"
# is the chest's outline (-131 deg on a rendered turn): not shown as a reading.
MAX_LEAN_BACK_DEG = 45.0

class _FlagInputs(NamedTuple):
    """The per-frame columns `flag_rounded_frames` reads, (T,) each (a duck-typed slice of `Kinematics`)."""

    spine_flexion_deg: np.ndarray
    spine_flexion_confidence: np.ndarray
    trunk_inclination_deg: np.ndarray
    hip_flexion_deg: np.ndarray
    neck_flexion_deg: np.ndarray


class RoundedFlag:
    """The rounded-back flag, frame by frame, with exactly the rule of `core.flags.flag_rounded_frames`.

    The core's hysteresis sets the flag at each frame from the most recent on- or off-event. So while the flag is on,
    the frame that switched it on followed by the current frame, passed to the core function, gives the current
    state; while it is off, the current frame alone does. No threshold is restated here.
    """

    def __init__(self, settings: VerdictSettings) -> None:
        self.settings = settings
        self._on_event: tuple[float, float, float, float, float] | None = None

    def reset(self) -> None:
        self._on_event = None

    def update(self, spine_flexion_deg: float, confidence: float, trunk_inclination_deg: float,
               hip_flexion_deg: float, neck_flexion_deg: float) -> bool:
        current = (spine_flexion_deg, confidence, trunk_inclination_deg, hip_flexion_deg, neck_flexion_deg)
        frames = [current] if self._on_event is None else [self._on_event, current]
        columns = _FlagInputs(*(np.array(column, dtype=float) for column in zip(*frames, strict=True)))
        on = bool(flag_rounded_frames(columns, self.settings)[-1])
        if not on:
            self._on_event = None
        elif self._on_event is None:
            self._on_event = current
        return on


class FacingFollower:
    """Which way the lifter faces (+1 image-right, -1 left, 0 not known yet), frame by frame.

    Each frame reads its own cues as the core does (`core.kinematics.facing_evidence`: the toes, the hanging hands),
    counted only past ``FACING_MARGIN``. The facing turns when more than half of the frames of the last ``window_s``
    (at least ``min_frames``) read the other way: a lifter who turns round is followed within a few frames (~0.15 s
    at 30 fps), one misread frame turns nothing. Live has only the frames before, where `facing_per_frame` reads
    3 s around each frame; re-reading its last 3 s once a second kept the old facing ~1.7 s after a turn. The first
    facing is measured (`LiveSession` calibration) and set in ``facing``; this only turns it.
    """

    def __init__(self, window_s: float = 0.25, min_frames: int = 3) -> None:
        self.window_s, self.min_frames = window_s, min_frames
        self.facing = 0
        self._reads: deque[tuple[float, int]] = deque()     # (timestamp, +1 / -1 past the margin, else 0)

    def update(self, image_xy: np.ndarray, timestamp_s: float) -> bool:
        """Feed one frame's landmarks (33, 2) pixels; True on the frame the facing turned."""
        evidence = float(facing_evidence(image_xy[None])[0])
        self._reads.append((timestamp_s, (1 if evidence > 0 else -1) if abs(evidence) >= FACING_MARGIN else 0))
        while len(self._reads) > self.min_frames and self._reads[0][0] < timestamp_s - self.window_s:
            self._reads.popleft()
        against = sum(read == -self.facing for _, read in self._reads)
        if self.facing and 2 * against > len(self._reads):
            self.facing = -self.facing
            return True
        return False


class RepWatcher:
    """Tells when a rep has just ended, from the depth of each frame (`core.kinematics.depth_signal`).

    The rule mirrors `core.reps.segment_reps`: a rep goes at least ``min_depth`` down, and it ends where depth falls
    below ``start_end_fraction`` of its deepest point; here the depth must stay there for ``settle_s`` (the core's
    smoothing then sees the end too). It is only a trigger: the core then finds and judges the rep itself.
    """

    def __init__(self, settings: RepSettings, settle_s: float = 0.15) -> None:
        self.settings = settings
        self.settle_s = settle_s
        self.reset()

    def reset(self) -> None:
        self.in_rep = False
        self.peak_depth = 0.0
        self._below_since_s: float | None = None

    def update(self, depth: float, timestamp_s: float) -> bool:
        """Feed one frame's depth (NaN: unknown); True on the frame where a rep is known to have ended."""
        if not np.isfinite(depth):
            return False
        if not self.in_rep:
            if depth >= self.settings.min_depth:
                self.in_rep, self.peak_depth, self._below_since_s = True, depth, None
            return False
        self.peak_depth = max(self.peak_depth, depth)
        if depth >= self.settings.start_end_fraction * self.peak_depth:
            self._below_since_s = None
            return False
        if self._below_since_s is None:
            self._below_since_s = timestamp_s
        if timestamp_s - self._below_since_s >= self.settle_s:
            self.reset()
            return True
        return False


class Debounced:
    """A value that changes only after the new value has been seen for ``hold_s`` seconds in a row, or once the value
    shown has not been seen for ``hold_s``: where the input flickers between two others (a lifter in view, "step
    back" one frame and nothing the next), "Step into view" of a moment before had stayed on screen for seconds."""

    def __init__(self, hold_s: float, initial=None) -> None:
        self.hold_s = hold_s
        self.value = initial
        self._candidate = initial
        self._since_s = 0.0
        self._shown_seen_s: float | None = None     # when the value shown was last the input (None: not yet asked)

    def update(self, value, timestamp_s: float):
        if self._shown_seen_s is None:
            self._shown_seen_s = timestamp_s
        if value == self.value:
            self._candidate, self._shown_seen_s = value, timestamp_s
            return self.value
        if value != self._candidate:
            self._candidate, self._since_s = value, timestamp_s
        if timestamp_s - self._since_s >= self.hold_s or timestamp_s - self._shown_seen_s >= self.hold_s:
            self.value, self._shown_seen_s = value, timestamp_s
        return self.value


def body_in_view(image_xy: np.ndarray, frame_size_wh: tuple[int, int], margin: float = 0.01) -> bool:
    """Head, shoulders, hips, knees and feet each have a landmark inside the frame (``margin`` of its size from the
    edges), as `analyze`'s note on the framing reads them (`framing.out_of_picture_note`): MediaPipe puts a part the
    picture cuts off outside it. Not its visibility: a part hidden in the picture (the plates in front of a
    deadlifter's knees, a table) had asked "Step back" of a lifter in full view for seven seconds of a real clip.
    image_xy (33, 2) px."""
    return bool(parts_in_picture(image_xy[None], frame_size_wh, margin).all())


def framing_problem(image_xy: np.ndarray | None, view_yaw_deg: float, frame_size_wh: tuple[int, int],
                    max_yaw_deg: float) -> str | None:
    """The prompt to show for one frame, or None when the lifter is framed well: nobody found, body cut by the frame
    edge, or a camera yaw (``view_yaw_deg``, 0 side-on) beyond ``max_yaw_deg``."""
    if image_xy is None:
        return PROMPT_NOBODY
    if not body_in_view(image_xy, frame_size_wh):
        return PROMPT_STEP_BACK
    if not view_yaw_deg <= max_yaw_deg:      # NaN counts as not side-on
        return PROMPT_SIDE_ON
    return None
