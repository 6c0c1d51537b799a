"""Frames left out while a followed person stands upright and still (`[pose] upright_lean_deg`,
`upright_run_every_s`): which analysed frames the model skips (`UprightSkipper`), which it hands to the workers
ahead of their time (`frames_to_run_ahead`), and how the frames left out are filled (`fill_skipped`).

NumPy only (no model). The spine is judged only past 40 deg of trunk lean or 80 deg of hip flexion, so frames of a
person standing upright and still hold nothing judged: the model runs on one of them in ``upright_run_every_s``
and the others get the time-linear interpolation of the frames run either side, marked ``pose_filled``. Every
decision reads frames long taken, so the frames run are the same however far ahead frames are run.
"""

from __future__ import annotations

import numpy as np

from liftform.core.geometry import flexion_deg
from liftform.follow import PersonRows
from liftform.track import LEFT_HIP, LEFT_KNEE, LEFT_SHOULDER, RIGHT_HIP, RIGHT_KNEE, RIGHT_SHOULDER

UPRIGHT_LAG = 3             # a frame's skip is decided from the frames at least this many analysed frames before it

# Upright also means hips open: the spine is judged at the bottom of a squat from 80 deg of hip flexion, however
# upright the trunk (`[verdict] min_hip_for_rounding_deg`); frames are skipped only well short of that.
UPRIGHT_MAX_HIP_FLEXION_DEG = 40.0


def upright_run_every(run_every_s: float, analysed_fps: float) -> int:
    """Analysed frames per frame run while a person stands upright and still: one in ``run_every_s`` seconds at
    ``analysed_fps`` (every 6th at 30 frames/s and 0.2 s, every 3rd at 15); 1 (every frame) for 0 s or an unknown
    rate. In seconds, not frames: every 6th frame of a 15 frames/s clip left 0.4 s between the frames run, and a
    rendered lift's rep then started a frame and a half later."""
    if run_every_s <= 0 or not np.isfinite(analysed_fps) or analysed_fps <= 0:
        return 1
    return max(1, round(run_every_s * analysed_fps))


def upright_and_still(newer: tuple[float, np.ndarray, np.ndarray], older: tuple[float, np.ndarray, np.ndarray],
                      max_lean_deg: float, max_speed_per_s: float) -> bool:
    """Whether a person stood upright and barely moved between two frames, each (time s, image_xy (33, 2) px,
    world_xyz (33, 3) m, y down): the trunk (hip-mid to shoulder-mid, world) leans less than ``max_lean_deg`` from
    vertical in ``newer``, neither hip flexes ``UPRIGHT_MAX_HIP_FLEXION_DEG`` or more (world), and the shoulders and
    hips moved less than ``max_speed_per_s`` trunk lengths a second (image) between them."""
    (t1, xy1, world1), (t0, xy0, _) = newer, older
    trunk_w = world1[[LEFT_SHOULDER, RIGHT_SHOULDER]].mean(axis=0) - world1[[LEFT_HIP, RIGHT_HIP]].mean(axis=0)
    norm = float(np.linalg.norm(trunk_w))
    if not np.isfinite(norm) or norm == 0 or t1 <= t0:
        return False
    lean_deg = float(np.degrees(np.arccos(np.clip(-trunk_w[1] / norm, -1.0, 1.0))))
    if not lean_deg < max_lean_deg:      # bent over: the rest need not be computed (asked of every frame run)
        return False
    sides = ((LEFT_SHOULDER, LEFT_HIP, LEFT_KNEE), (RIGHT_SHOULDER, RIGHT_HIP, RIGHT_KNEE))
    hip_deg = max(float(flexion_deg(world1[shoulder], world1[hip], world1[knee])) for shoulder, hip, knee in sides)
    if not hip_deg < UPRIGHT_MAX_HIP_FLEXION_DEG:
        return False
    points = [LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP]
    trunk_px = float(np.linalg.norm(xy1[points[:2]].mean(axis=0) - xy1[points[2:]].mean(axis=0)))
    moved_px = float(np.max(np.linalg.norm(xy1[points] - xy0[points], axis=1)))
    if not (np.isfinite(trunk_px) and np.isfinite(moved_px)) or trunk_px == 0:
        return False
    return moved_px / trunk_px / (t1 - t0) < max_speed_per_s


class UprightSkipper:
    """Which analysed frames of one followed person are left to their neighbours: while the person stands upright
    and barely moves (`upright_and_still`), all but every ``every``-th frame. Frame ``k`` (counted among the
    analysed frames) is skipped when fewer than ``every`` - 1 frames right before it were, and the last frame run
    at or before k - ``UPRIGHT_LAG`` and the frame run before that one were both seen upright and still: the
    decision depends on frames long taken, so it is the same however far ahead frames are run, and at least one
    frame in ``every`` is run."""

    def __init__(self, max_lean_deg: float, max_speed_per_s: float, every: int) -> None:
        self.max_lean_deg, self.max_speed_per_s, self.every = max_lean_deg, max_speed_per_s, every
        self._seen: dict[int, tuple[float, np.ndarray, np.ndarray] | None] = {}   # k -> (t, xy, world) or None
        self._decided: dict[int, bool] = {}

    def _run_at_or_before(self, k: int) -> int:
        """The last frame run at or before ``k``, over frames decided skipped (at most every - 1 of them)."""
        while self._decided.get(k, False):
            k -= 1
        return k

    def skips(self, k: int) -> bool:
        """Whether analysed frame ``k`` is skipped (decided once, the first time asked; frames are asked in order,
        and one never asked, e.g. before the person was followed, counts as run)."""
        if k not in self._decided:
            skip = self.max_lean_deg > 0 and k - self._run_at_or_before(k - 1) < self.every
            if skip:
                newer = self._run_at_or_before(k - UPRIGHT_LAG)
                older = self._run_at_or_before(newer - 1)
                newer_pose, older_pose = self._seen.get(newer), self._seen.get(older)
                skip = (newer_pose is not None and older_pose is not None
                        and upright_and_still(newer_pose, older_pose, self.max_lean_deg, self.max_speed_per_s))
            self._decided[k] = skip
            keep_from = k - 2 * (UPRIGHT_LAG + self.every)            # keep only what is still asked
            for old in [j for j in self._decided if j < keep_from]:
                del self._decided[old]
            for old in [j for j in self._seen if j < keep_from]:
                del self._seen[old]
        return self._decided[k]

    def decidable(self, k: int, taken_before: int) -> bool:
        """Whether frame ``k``'s skip can be decided now, with only the frames before ``taken_before`` taken (and the
        frames before ``k`` asked): the every-th frame is run whatever the poses, and any other frame's decision
        reads frames at or before k - ``UPRIGHT_LAG``. A frame asked only once this holds is decided as it would be
        asked one at a time, so frames can be run ahead as far as this reaches."""
        if k in self._decided or self.max_lean_deg <= 0:
            return True
        return k - self._run_at_or_before(k - 1) >= self.every or k - UPRIGHT_LAG < taken_before

    def next_run_if_still(self, k: int) -> int | None:
        """The frame run next if every frame from ``k`` on not yet decided is left out (the every-th after the last
        frame run), where the last two frames run were that far apart: a person standing still. None elsewhere: as
        they stop, start, or stand near the limits, the frames run do not keep that rhythm. Decides nothing."""
        last = self._run_at_or_before(k - 1)
        return last + self.every if last - self._run_at_or_before(last - 1) == self.every else None

    def taken(self, k: int, timestamp_s: float, image_xy: np.ndarray | None, world_xyz: np.ndarray | None) -> None:
        """Analysed frame ``k`` was run: the person's pose (None when not found)."""
        self._seen[k] = None if image_xy is None else (timestamp_s, image_xy, world_xyz)


def frames_to_run_ahead(skipper: UprightSkipper, k: int, count: int, ahead: int) -> list[int]:
    """Of analysed frames ``k`` (the one taken now) to ``k`` + ``count`` - 1, those to hand to the workers: the
    frames run, this one and up to ``ahead`` more, as far as their skips are known (`UprightSkipper.decidable`).
    Past that, while the person stands still, the frame they run next if they stay still
    (`UprightSkipper.next_run_if_still`): without it the frames run while a person stands still were run one at a
    time, each waiting for the frame before to decide the frames between (1-2 % of a clip's time). A frame handed
    over and then left out is dropped unseen (`AheadRunner.take`); a frame run is its crop's result (IMAGE mode)
    whichever way it came, so no result changes. ``ahead`` 0 (one worker) hands over nothing ahead of its time."""
    run: list[int] = []
    for j in range(count):
        if len(run) > ahead:
            break
        if not skipper.decidable(k + j, k):
            still_next = skipper.next_run_if_still(k + j)
            if ahead and still_next is not None and still_next < k + count:
                run.append(still_next)
            break
        if not skipper.skips(k + j):
            run.append(k + j)
    return run


def fill_skipped(person: PersonRows, timestamps_s: list[float]) -> None:
    """Give each of ``person``'s skipped positions (``filled``) the linear interpolation in time of the rows run
    either side (``timestamps_s`` per position); positions skipped up to the end the row before them. A position
    whose neighbour run has no row (the person was lost) stays without one."""
    for k in sorted(person.filled):
        before_k, after_k = k - 1, k + 1
        while before_k in person.filled:
            before_k -= 1
        while after_k in person.filled:
            after_k += 1
        before, after = person.rows.get(before_k), person.rows.get(after_k)
        if before is not None and after_k >= len(timestamps_s):
            person.rows[k] = before
            continue
        if before is None or after is None:
            continue
        w = (timestamps_s[k] - timestamps_s[before_k]) / (timestamps_s[after_k] - timestamps_s[before_k])
        person.rows[k] = tuple(a + w * (b - a) for a, b in zip(before, after, strict=True))
