"""What the live per-frame path knows of the lifter's stance, measured with the core's functions on the raw buffered
frames: which way they face (so which side of the silhouette is the back), the body side nearer the camera, the
standing shoulder height (the zero of the depth signal that tells a rep has ended), and whether the camera films
them from behind or from above (each asked to be changed).

Upright calibration (the first ~1 s of upright, well-framed frames, and again on ``c``) measures facing, near side and
standing height; about once a second they are re-measured on the recent frames since the lifter last turned round
(before calibration these are the only estimates). Once calibrated the facing is followed frame by frame
(`live.state.FacingFollower`): a lifter who turns round (box work) has the back read on the right side within a few
frames, and the near side, now the other one, re-read at once.
"""

from __future__ import annotations

import numpy as np

from liftform.core.camera_pitch import far_shoulder_rise, looks_down, median_rise
from liftform.core.filters import frame_interval_s
from liftform.core.kinematics import facing_sign, near_side, standing_height_px
from liftform.core.viewpoint import camera_behind, filmed_from_behind, view_yaw_deg
from liftform.live.buffer import TrackBuffer
from liftform.live.state import FacingFollower
from liftform.live.types import Calibrated, LiveOptions
from liftform.settings import SpineSettings

# Longest wait between two upright frames counted as standing throughout (s): a busy machine processes one frame in
# 3-10 at most, 0.1-0.33 s apart at 30 fps; longer, the lifter may have moved between them.
UPRIGHT_GAP_S = 0.35


def upright_time_s(timestamps_s: np.ndarray) -> float:
    """How long a person was seen upright, from the timestamps (T,) s of their upright frames: the gaps between them
    up to ``UPRIGHT_GAP_S`` each, plus one typical frame. Counting frames times their typical interval had a machine
    dropping frames in bursts (three processed, six dropped) calibrate after 3 s of standing, not 1 s."""
    gaps = np.diff(timestamps_s)
    return float(np.minimum(gaps, UPRIGHT_GAP_S).sum()) + frame_interval_s(timestamps_s)


class Posture:
    """The lifter's stance (see the module): ``facing`` (+1 image-right, -1 left, 0 not known: the back is not read),
    ``side``, ``standing_px``, ``calibrated``, ``from_behind``, ``from_above``, read from ``buffer``'s raw frames."""

    def __init__(self, buffer: TrackBuffer, options: LiveOptions) -> None:
        self.buffer, self.options = buffer, options
        self._facing = FacingFollower(options.turn_window_s)
        self.reset()

    def reset(self) -> None:
        """Measure again (key ``c``): until calibrated, everything is estimated from the recent frames."""
        self.calibrated = False
        self._facing.facing, self.side = 0, "right"
        self.standing_px = float("nan")
        self.from_behind = False        # the recent frames filmed from behind at an angle: asked to film side-on
        self.from_above = False         # the last bent-over frames filmed from above: asked to lower the camera
        self._upright: list[int] = []
        self._turned_at = 0             # buffer position where the lifter last turned round
        self.next_refresh_s = float("-inf")

    @property
    def facing(self) -> int:
        return self._facing.facing

    def follow(self, image_xy: np.ndarray, pos: int, ts: float) -> None:
        """Frame ``pos``'s raw landmarks (33, 2): turned round, the other side is nearer the camera now."""
        if self._facing.update(image_xy, ts):
            self._turned_at = pos
            self.side = near_side(self.buffer.visibility[self.buffer.since(self.options.turn_window_s):pos + 1])

    def calibrate(self, pos: int, ts: float, trunk_deg: float, problem: str | None) -> list[Calibrated]:
        """Collect upright, well-framed frames; once there are ``calibration_s`` of them, measure from the raw
        buffer with the core: facing, near side and standing height."""
        o, buf = self.options, self.buffer
        if problem is None and abs(trunk_deg) < o.upright_max_trunk_deg:
            self._upright.append(pos)
        self._upright = [p for p in self._upright if buf.timestamps_s[p] >= ts - o.calibration_span_s]
        if len(self._upright) < 5:
            return []
        frames = np.array(self._upright)
        if upright_time_s(buf.timestamps_s[frames]) < o.calibration_s:
            return []
        facing = facing_sign(buf.image_xy[frames])
        if facing == 0:
            return []
        self._facing.facing, self.side = facing, near_side(buf.visibility[frames])
        self.standing_px = standing_height_px(buf.image_xy[frames])
        self.calibrated = True
        self.next_refresh_s = ts + o.refresh_s
        return [Calibrated(ts, self.standing_px, self.facing, self.side)]

    def refresh(self, pos: int, ts: float, spine: SpineSettings) -> None:
        """Re-measure near side, the camera's view and standing height on the recent raw frames since the lifter
        last turned round (they may move; before calibration these, and the facing, are the only estimates)."""
        o, buf = self.options, self.buffer
        self.next_refresh_s = ts + (o.refresh_s if self.calibrated else 0.25)
        recent = slice(max(buf.since(o.facing_window_s), self._turned_at), pos + 1)
        if not self.calibrated:         # once calibrated, `FacingFollower` turns it frame by frame
            self._facing.facing = facing_sign(buf.image_xy[recent]) or self.facing
        if self.facing:
            self.side = near_side(buf.visibility[recent])
        world = buf.world_xyz[recent]       # from behind, the shoulder blades shape the outline (as `analyze` says)
        yaw = view_yaw_deg(world)
        self.from_behind = bool(self.facing) and filmed_from_behind(yaw, camera_behind(world, self.facing))
        above = median_rise(far_shoulder_rise(buf.image_xy[recent], self.side, yaw, spine.full_view_yaw_deg))
        if np.isfinite(above):              # kept while upright (nothing to read): the camera does not move
            self.from_above = looks_down(above)
        start = buf.since(o.standing_window_s)
        needed_s = 0.5 * o.standing_window_s if self.calibrated else 0.5
        if buf.timestamps_s[pos] - buf.timestamps_s[start] >= needed_s:
            standing = standing_height_px(buf.image_xy[start:pos + 1])
            if np.isfinite(standing):
                self.standing_px = standing
