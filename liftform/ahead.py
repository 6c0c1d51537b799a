"""A followed person's next frames run through the model on the spare cores, with the tracker's own landmarks.

`CropFollower` runs MediaPipe in VIDEO mode with two poses on the crop: its person detector runs on every frame,
and a frame's landmarks are the landmark model's on the region the detector found, except where the detector
misses the person (or finds a second one): there the region comes from the previous frame's landmarks (tracking).
So a frame's result depends on the frame before only through those regions, and that is what makes it possible to
take frames ahead, in parallel: each frame is run in IMAGE mode (no state; its detector on every call) on the
worker threads of an `AheadPool` while earlier frames are taken, and `AheadRunner` takes a frame's IMAGE-mode
result where the VIDEO-mode tracker would give the same (bit for bit: the same region, image and model), which is
when the frame before had at most one person and the detector found one person at about the same place
(`same_region`); the previous frame's landmarks then lie on the detector's region. Otherwise the frame is followed
by a VIDEO-mode tracker brought to the state the one-at-a-time run would have: emptied (a blank frame), run on the
previous frame (whose result was the detector's), then on this one.

The results do not depend on the number of workers (one: no frame run ahead; two: twice the speed on two free
cores). They differ from the one-at-a-time run where `same_region`, judging from landmarks, misjudges MediaPipe's own
regions (about 1 frame in 1,000 of real clips with the lifter bent over); the crop can then move otherwise, and the
frames after differ a little. On the 57 real development clips 91 % of the analysed frames came out bit for bit the
same, and every clip's verdict and the accuracy figures (`benchmarks/accuracy.py --footage`) were the same.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from liftform import landmarkers, pose
from liftform.follow import box_iou
from liftform.settings import PoseSettings
from liftform.track import LEFT_HIP, RIGHT_HIP
from liftform.video import VideoFrame, resize_for_pose

# The tracker keeps its own region (found from the last frame's landmarks) beside the detector's when the two
# overlap by at most MediaPipe's min_tracking_confidence (0.5, intersection over union). Estimated from landmarks
# (square on the hips, 1.25 x the farthest landmark), on 7 real clips with one person found in consecutive frames:
# of the 1,133 frames where the tracker took the detector's region, 1,121 overlap this much; of the 15 where it did
# not, 3 do (so 3 of 1,148 frames are misjudged; 0.7 would misjudge 1 and send 19 more to the tracker).
SAME_REGION_IOU = 0.6
REGION_SCALE = 1.25
# Poses a crop's landmarker looks for, as `CropFollower`'s VIDEO-mode one: with two, MediaPipe runs its person
# detector on every frame (the tracker too) instead of tracking, and the follower picks its person among them.
POOL_POSES = 2


Region = tuple[float, float, float, float]


def regions(result, model_hw: tuple[int, int]) -> list[Region]:
    """For each person of a MediaPipe result on a model image of ``model_hw`` (H, W): the square the tracker would
    take them from in the next frame, estimated from their landmarks (centred on the hips, its half side 1.25 x the
    farthest landmark from them), as (x0, y0, x1, y1) in the image's normalised coordinates: the tracker applies
    it to the next image as it is, even where the crop moved."""
    height, width = model_hw
    boxes = []
    for person in result.pose_landmarks:
        xy = np.array([(p.x * width, p.y * height) for p in person])
        hips = xy[[LEFT_HIP, RIGHT_HIP]].mean(axis=0)
        half = REGION_SCALE * float(np.max(np.abs(xy - hips)))
        boxes.append(((hips[0] - half) / width, (hips[1] - half) / height, (hips[0] + half) / width,
                      (hips[1] + half) / height))
    return boxes


def same_region(before: list[Region], now: list[Region]) -> bool:
    """Whether the VIDEO-mode tracker, having found people in ``before`` regions in the last frame, takes this
    frame's people from its detector's regions, as IMAGE mode does (which found people in ``now`` regions)."""
    if len(now) > 1 or len(before) > 1:   # two people: the tracker keeps or merges regions of its own
        return False
    if not before:                        # nothing to track from: the detector's regions
        return True
    return bool(now) and box_iou(before[0], now[0]) >= SAME_REGION_IOU


@dataclass
class Taken:
    """A frame's model input and MediaPipe result: ``model_rgb`` the crop shrunk by ``scale`` (model px / source px),
    ``crop`` (x0, y0, x1, y1) source px; ``first_pose`` the result's first person as a `FramePose`, where the thread
    that ran the model made it (the live loop's)."""

    result: object
    model_rgb: np.ndarray
    scale: float
    crop: tuple[int, int, int, int]
    first_pose: pose.FramePose | None = None


class AheadPool:
    """Worker threads, each with a PoseLandmarker in IMAGE mode (two poses, masks), shared by the followers of one
    run of frames."""

    def __init__(self, model_path: str | Path, settings: PoseSettings, workers: int) -> None:
        self.model_path, self.settings = model_path, settings
        self._local = threading.local()
        self._landmarkers: list = []
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="liftform-ahead")
        # Each worker loads its model now, while the caller loads its own and decodes the first frames.
        together = threading.Barrier(workers)
        self._warm = [self._executor.submit(self._warm_up, together) for _ in range(workers)]

    @staticmethod
    def preload(model_path: str | Path, settings: PoseSettings, workers: int) -> None:
        """Start loading the landmarkers of a pool of ``workers`` to be made later (`KeptLandmarkers.preload`)."""
        landmarkers.kept_landmarkers.preload(model_path, settings, num_poses=POOL_POSES, masks=True, count=workers)

    def _landmarker(self):
        landmarker = getattr(self._local, "landmarker", None)
        if landmarker is None:
            landmarker = landmarkers.kept_landmarkers.take(self.model_path, self.settings, num_poses=POOL_POSES,
                                                           masks=True)
            self._local.landmarker, self._local.calls = landmarker, 0
            with self._lock:
                self._landmarkers.append(landmarker)
        return landmarker

    def _warm_up(self, together: threading.Barrier) -> None:
        try:
            self._landmarker()
        except Exception:               # raised again where the frame is run
            together.abort()
            raise
        try:
            together.wait(timeout=30)   # each worker takes one of these (a thread done with its own would take two)
        except threading.BrokenBarrierError:
            pass

    def _run(self, rgb: np.ndarray, crop: tuple[int, int, int, int]) -> Taken:
        landmarker = self._landmarker()
        x0, y0, x1, y1 = crop
        model_rgb, scale = resize_for_pose(rgb[y0:y1, x0:x1], self.settings.crop_side_px)
        # MediaPipe logs to the native stderr on its first runs (the silencing is process-wide: only those).
        with landmarkers.native_stderr_silenced() if self._local.calls < 2 else contextlib.nullcontext():
            result = landmarker.detect(landmarkers.mp_image(model_rgb))
        self._local.calls += 1
        return Taken(result, model_rgb, scale, crop)

    def submit(self, rgb: np.ndarray, crop: tuple[int, int, int, int]) -> Future:
        return self._executor.submit(self._run, rgb, crop)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        for landmarker in self._landmarkers:
            landmarkers.kept_landmarkers.give_back(landmarker)
        self._landmarkers = []


class AheadRunner:
    """One followed person's model runs: frames given ahead (`expect`) are run on the pool with the crop of the
    moment; `take` returns a frame's result as the one-at-a-time VIDEO-mode tracker would give it."""

    def __init__(self, pool: AheadPool) -> None:
        self.pool = pool
        self._pending: dict[float, tuple[np.ndarray, Future]] = {}
        self._before: list[Region] = []              # the regions of the people of the last frame taken
        self._last: Taken | None = None              # the last frame taken (its model input)
        self._last_t = 0.0
        self._tracker = None                         # VIDEO-mode landmarker, used where the tracker's regions count
        self._in_step = False                        # the tracker's state is that after the last frame taken
        self._clock_ms = -1
        self._offset_ms = 0                          # added to the frames' times: a kept tracker's clock goes on
        self._tracker_calls = 0
        self.followed_frames = 0                     # frames taken from the tracker (the others from IMAGE mode)

    def expect(self, rgb: np.ndarray, timestamp_s: float, crop: tuple[int, int, int, int]) -> None:
        if timestamp_s not in self._pending:
            self._pending[timestamp_s] = (rgb, self.pool.submit(rgb, crop))

    def recrop(self, crop: tuple[int, int, int, int]) -> None:
        """The crop moved: the frames expected are run again on the new one."""
        for t, (rgb, _) in list(self._pending.items()):
            self._pending[t] = (rgb, self.pool.submit(rgb, crop))

    def take(self, rgb: np.ndarray, timestamp_s: float, crop: tuple[int, int, int, int]) -> Taken:
        _, future = self._pending.pop(timestamp_s, (rgb, None))
        for t in [t for t in self._pending if t < timestamp_s]:   # frames skipped (never taken) are dropped
            del self._pending[t]
        taken = future.result() if future is not None else None
        if taken is None or taken.crop != crop:     # not expected, or the crop was moved since (a look re-aimed it)
            self.recrop(crop)
            taken = self.pool.submit(rgb, crop).result()
        now = regions(taken.result, taken.model_rgb.shape[:2])
        if not same_region(self._before, now):
            taken = Taken(self._follow(taken, timestamp_s), taken.model_rgb, taken.scale, crop)
            now = regions(taken.result, taken.model_rgb.shape[:2])
            self.followed_frames += 1
        else:
            self._in_step = False
        self._before, self._last, self._last_t = now, taken, timestamp_s
        return taken

    def _detect(self, model_rgb: np.ndarray, timestamp_s: float):
        self._clock_ms = max(int(round(timestamp_s * 1000)) + self._offset_ms, self._clock_ms + 1)
        self._tracker_calls += 1
        with landmarkers.native_stderr_silenced() if self._tracker_calls <= 2 else contextlib.nullcontext():
            return self._tracker.detect_for_video(landmarkers.mp_image(model_rgb), self._clock_ms)

    def _take_tracker(self, new: bool = False) -> bool:
        """A VIDEO-mode landmarker for `_follow`: one kept in this process (another video's or person's; its
        clock goes on from where it stopped), else (or with ``new``) a new one. Whether it was run before (it must
        be emptied)."""
        self._tracker = landmarkers.kept_landmarkers.take(self.pool.model_path, self.pool.settings,
                                                          num_poses=POOL_POSES, masks=True, video=True, new=new)
        last_ms = landmarkers.kept_landmarkers.last_ms(self._tracker)
        self._offset_ms = last_ms + 1 if last_ms >= 0 else 0
        self._clock_ms, self._tracker_calls = last_ms, 0
        return last_ms >= 0

    def _follow(self, taken: Taken, timestamp_s: float):
        """The VIDEO-mode tracker's result for this frame, brought to the state after the last frame if needed.
        A tracker run before is emptied by a blank frame: on the frames after, it gives what a new one gives, bit
        for bit (a kept one saves loading the model: ~50 ms of CPU, 7 times over the 11 samples)."""
        if not self._in_step:
            used = self._tracker is not None or self._take_tracker()
            if used and self._detect(np.zeros_like(taken.model_rgb), self._last_t).pose_landmarks:
                landmarkers.kept_landmarkers.discard(self._tracker)   # a blank frame did not empty it: start afresh
                self._take_tracker(new=True)
            if self._last is not None:         # the last frame was the detector's: the tracker finds the same
                self._detect(self._last.model_rgb, self._last_t)
            self._in_step = True
        return self._detect(taken.model_rgb, timestamp_s)

    def close(self) -> None:
        self._pending.clear()
        if self._tracker is not None:          # kept for the next person or video in this process
            landmarkers.kept_landmarkers.give_back(self._tracker, last_ms=self._clock_ms)
            self._tracker = None


def with_upcoming(frames: Iterable[VideoFrame], depth: int) -> Iterator[tuple[VideoFrame, list[VideoFrame]]]:
    """Each frame with the (up to ``depth``) analysed frames that follow it, read ahead."""
    window: deque[VideoFrame] = deque()

    def emit() -> tuple[VideoFrame, list[VideoFrame]]:
        frame = window.popleft()
        return frame, [f for f in window if f.rgb is not None][:depth]

    for frame in frames:
        window.append(frame)
        while depth == 0 or sum(f.rgb is not None for f in window) > depth:
            yield emit()
            if not window:
                break
    while window:
        yield emit()
