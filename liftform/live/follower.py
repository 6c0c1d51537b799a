"""The live loop's pose stage: `LifterFollower`, one lifter followed on a crop as `analyze` follows each person,
its frames run on two cores in turn (`AlternatingRunner`).

`CropFollower` runs MediaPipe on one frame at a time; a frame that arrives while the one before is still in the
model waits, and where one run takes about a camera's frame interval (the lite model on a slow 2-core laptop: 30-34
ms) the loop falls behind a 30 fps camera: it drops frames, and each frame waits up to a run for the one before.
`AlternatingRunner` (given to `CropFollower` as its ``ahead``) starts each frame as soon as it arrives: on the first
of its VIDEO-mode landmarkers whenever that one is free, on the second (each in a thread of its own) only while the
first is still busy. A machine that keeps up runs every frame on the first, as one landmarker would (the landmarks
`analyze` gives, bit for bit, on the rendered samples); a slow one puts every other frame on the second and keeps up
with the camera at the latency of one run.

What the second landmarker changes in the landmarks: it sees only the frames the first could not take. Its person
detector still runs on every frame, as in `analyze`, but where the detector misses the person, or its region and
the one tracked from the landmarker's own last frame overlap little (MediaPipe then keeps both: on the real
development clips from none to half of a clip's frames, most with the lifter bent over the bar), the result depends
on that last frame, two or more frames back. Measured with every frame put on the two in turn (`benchmarks/
accuracy.py --footage --live`, played as a camera that gives each frame as soon as the one before is started), the
real clips' tracks move by more than 5 px on a quarter of their frames (most in one source's clips), and three
clips' verdicts: leave-one-source-out 50/55 either way (sensitivity 9/11 against 10/11, specificity 41/44 against
40/44), in-sample 50/55 against 52/55.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

import numpy as np

from liftform import landmarkers, pose
from liftform.ahead import POOL_POSES, Taken
from liftform.follow import SAME_PERSON_IOU, Box, box_iou, crop_for, follower_state, jumped, person_box, take_back
from liftform.people import LOST_LOOK_S, RETIRE_LOST_S
from liftform.pose import CropFollower, FramePose, PeopleFinder
from liftform.settings import PoseSettings
from liftform.video import resize_for_pose


class AlternatingRunner:
    """Frames given (`expect`) run in the order given on the first free landmarker (the first when both are),
    on the crop of that moment; `take` returns a frame's result with the crop it ran on (the crop may have moved
    since: one frame read on the old crop costs less than a stall of a whole run to read it again). The landmarkers
    are loaded in their threads now, in parallel, before the first frame (a camera does not wait)."""

    def __init__(self, model_path: str | Path, settings: PoseSettings, landmarkers: int = 2) -> None:
        self._side_px = settings.crop_side_px
        self._threads = [ThreadPoolExecutor(max_workers=1, thread_name_prefix="liftform-live-pose")
                         for _ in range(max(1, landmarkers))]
        self._landmarkers: list = [None] * len(self._threads)
        self._clocks = [pose._VideoClock() for _ in self._threads]
        self.frames_run = [0] * len(self._threads)      # per landmarker
        self._loaded = [thread.submit(self._load, i, model_path, settings) for i, thread in enumerate(self._threads)]
        self._last_runs: list[Future] = list(self._loaded)      # each landmarker's last task
        self._pending: dict[float, Future] = {}
        self.on_done: Callable[[], None] | None = None    # called (in the model's thread) as each frame's run ends

    def _load(self, i: int, model_path: str | Path, settings: PoseSettings) -> None:
        # Two poses: the person detector on every frame, as `CropFollower` runs it.
        landmarker = landmarkers.create_landmarker(model_path, settings, video=True, masks=True, num_poses=POOL_POSES)
        landmarkers.warm_up(landmarker, self._clocks[i], person=True)    # its slow first runs before the camera's
        self._landmarkers[i] = landmarker

    def wait_loaded(self) -> None:
        """Return once every landmarker has loaded (or failed to: the error is raised where a frame is taken)."""
        wait(self._loaded)

    def _run(self, i: int, rgb: np.ndarray, timestamp_s: float, crop: tuple[int, int, int, int]) -> Taken:
        self._loaded[i].result()                 # raises the model's load error where the frame is taken
        x0, y0, x1, y1 = crop
        model_rgb, scale = resize_for_pose(rgb[y0:y1, x0:x1], self._side_px)
        # MediaPipe logs to the native stderr on its first runs (the silencing is process-wide: only those).
        with landmarkers.native_stderr_silenced() if self.frames_run[i] < 2 else contextlib.nullcontext():
            result = self._landmarkers[i].detect_for_video(landmarkers.mp_image(model_rgb),
                                                           self._clocks[i](timestamp_s))
        self.frames_run[i] += 1
        # The first person's arrays and back profile (~1.3 ms) made here too, beside the frame being drawn.
        first = pose._frame_pose(result, 0, model_rgb.shape[:2], scale, crop[:2], keep_mask=False) \
            if result.pose_landmarks else None
        return Taken(result, model_rgb, scale, crop, first)

    def expect(self, rgb: np.ndarray, timestamp_s: float, crop: tuple[int, int, int, int]) -> None:
        """Start the frame now, on the first free landmarker (frames are given in time order)."""
        if timestamp_s not in self._pending:
            # The loop gives at most as many frames as there are landmarkers, so one is free; else the first
            # queues it (in time order all the same).
            i = next((i for i, run in enumerate(self._last_runs) if run.done()), 0)
            run = self._threads[i].submit(self._run, i, rgb, timestamp_s, crop)
            self._last_runs[i] = self._pending[timestamp_s] = run
            if self.on_done is not None:
                on_done = self.on_done
                run.add_done_callback(lambda _: on_done())

    def ready(self, timestamp_s: float) -> bool:
        """Whether `take` would return at once: the frame's run is done (or it was never started: taken, it runs
        then)."""
        future = self._pending.get(timestamp_s)
        return future is None or future.done()

    def recrop(self, crop: tuple[int, int, int, int]) -> None:
        """The crop moved: frames already started keep theirs (see the class)."""

    def take(self, rgb: np.ndarray, timestamp_s: float, crop: tuple[int, int, int, int]) -> Taken:
        for t in [t for t in self._pending if t < timestamp_s]:   # started but never taken (dropped): let go
            del self._pending[t]
        if timestamp_s not in self._pending:
            self.expect(rgb, timestamp_s, crop)
        return self._pending.pop(timestamp_s).result()

    def close(self) -> None:
        self._pending.clear()
        for thread in self._threads:
            thread.shutdown(wait=True, cancel_futures=True)
        for i, landmarker in enumerate(self._landmarkers):
            if landmarker is not None:
                landmarkers.close_landmarker(landmarker)
                self._landmarkers[i] = None


class LifterFollower:
    """The live loop's pose stage: one person (the largest in view, then whoever stays at their place) followed
    on a crop as `estimate_people` follows each person, frame by frame. Called like a `CropFollower`:
    ``follower(rgb, timestamp_s) -> FramePose | None``; with ``landmarkers`` = 2 a frame given to `expect` starts
    in the model at once, beside the one before (`AlternatingRunner`). All models are loaded here, before the first
    frame (a camera does not wait)."""

    def __init__(self, model_path: str | Path, settings: PoseSettings, frame_size_wh: tuple[int, int],
                 landmarkers: int = 1) -> None:
        self.bounds: Box = (0, 0, max(int(frame_size_wh[0]), 1), max(int(frame_size_wh[1]), 1))
        self.finder = PeopleFinder(model_path, settings, max(settings.num_poses, 1))
        # Tracking between frames (`--track`) follows from the frame before: no frames in turn there.
        self.runner = None if landmarkers < 2 or settings.track_between_frames else \
            AlternatingRunner(model_path, settings, landmarkers)
        self.landmarkers = 1 if self.runner is None else landmarkers
        self.follower = CropFollower(model_path, settings, self.bounds, self.bounds, ahead=self.runner)
        # The first frame finds the lifter and follows them: no model's first run on a person is to fall on it.
        self.finder.warm_up()
        if self.runner is None:
            self.follower.warm_up()
        self.aimed = False              # the follower's crop is on somebody
        self.next_look_s = -math.inf
        # Where frames are run ahead, a look for the lifter runs ahead too, in a thread of its own: the loop takes
        # the next frame meanwhile, and starts it once the look has put the crop on someone (the first frame had
        # taken the look and the follower's run in turn, 55-75 ms: past two frame intervals the next was dropped).
        self._looker = None if self.runner is None else ThreadPoolExecutor(1, thread_name_prefix="liftform-look")
        self._looking: Future | None = None
        self._after_look: list[tuple[np.ndarray, float]] = []     # frames given while the look runs
        self._given = 0                 # frames given to `expect` and not yet called for
        # Someone else seen in the lifter's crop (a coach, a spotter): their box and when it was last seen.
        self.other_box: Box | None = None
        self.other_seen_s = -math.inf

    def wait_loaded(self) -> None:
        """Return once the models are loaded: the live loop starts then, so a file played as a camera (which starts
        when first read) loses none of its first frames to the loading (2-4 were dropped)."""
        if self.runner is not None:
            self.runner.wait_loaded()

    def close(self) -> None:
        if self._looker is not None:
            self._looker.shutdown(wait=True, cancel_futures=True)
        self.finder.close()
        self.follower.close()

    def _other(self, box: Box | None, t: float, lost_s: float | None) -> bool:
        """Whether ``box`` is where the other person seen in the crop stands, while the lifter has not been lost
        (since ``lost_s``) for longer than RETIRE_LOST_S (then they may have left, and whoever is in view is
        followed)."""
        return (box is not None and self.other_box is not None and t - self.other_seen_s <= RETIRE_LOST_S
                and (lost_s is None or t - lost_s <= RETIRE_LOST_S) and box_iou(self.other_box, box) >= SAME_PERSON_IOU)

    def _look(self, rgb: np.ndarray, t: float) -> None:
        found = [xy for xy in self.finder(rgb, self.bounds) if person_box(xy) is not None
                 and not self._other(person_box(xy), t, self.follower.lost_since_s)]   # not the one beside them
        self.next_look_s = t + LOST_LOOK_S
        if not found:
            return
        last = self.follower.last_box if self.aimed else None
        if last is not None and any(box_iou(last, person_box(xy)) > 0 for xy in found):
            chosen = max(found, key=lambda xy: box_iou(last, person_box(xy)))
        else:
            chosen = max(found, key=lambda xy: _extent(person_box(xy)))
        crop = crop_for(chosen, self.bounds)
        if crop is not None:
            self.follower.crop, self.follower.last_box, self.aimed = crop, person_box(chosen), True

    def _resize(self, rgb: np.ndarray) -> None:
        if rgb.shape[1] != self.bounds[2] or rgb.shape[0] != self.bounds[3]:
            self.bounds = self.follower.bounds = (0, 0, rgb.shape[1], rgb.shape[0])

    def expect(self, rgb: np.ndarray, timestamp_s: float) -> None:
        """A frame to be taken after those given before: started now where the person is followed; where the
        lifter is to be looked for, the look starts now, and the follower's run on the frame after it."""
        self._given += 1
        if self._looking is not None:           # the look's thread has the follower: started after it (`_looked`)
            self._after_look.append((rgb, timestamp_s))
        else:
            self._start(rgb, timestamp_s)

    def _start(self, rgb: np.ndarray, timestamp_s: float) -> None:
        self._resize(rgb)
        if self.aimed and self.follower.lost_since_s is None:
            self.follower.expect(rgb, timestamp_s)
        elif self._looker is not None and timestamp_s >= self.next_look_s and self._given == 1:
            # Only for the next frame to be called for: one given before it is followed (or looked for) first.
            self._looking = self._looker.submit(self._look_then_follow, rgb, timestamp_s)

    def _look_then_follow(self, rgb: np.ndarray, timestamp_s: float) -> None:
        self._look(rgb, timestamp_s)
        if self.aimed:
            self.follower.expect(rgb, timestamp_s)

    def _looked(self) -> None:
        """Wait for the look running ahead (its error raised here), then start the frames given meanwhile."""
        looking, self._looking = self._looking, None
        looking.result()
        after, self._after_look = self._after_look, []
        for rgb, timestamp_s in after:
            self._start(rgb, timestamp_s)

    def ready(self, timestamp_s: float) -> bool:
        """Whether calling for the frame now would not wait for its look or its run started by `expect`."""
        if self._looking is not None and not self._looking.done():
            return False
        return self.runner is None or self.runner.ready(timestamp_s)

    def call_when_ready(self, callback: Callable[[], None]) -> bool:
        """Have ``callback`` called (from the model's thread) whenever a frame started by `expect` becomes ready;
        False where frames are not started ahead (each is run when called for)."""
        if self.runner is None:
            return False
        self.runner.on_done = callback
        return True

    def __call__(self, rgb: np.ndarray, timestamp_s: float) -> FramePose | None:
        self._given = max(0, self._given - 1)
        if self._looking is not None:
            self._looked()
        self._resize(rgb)
        lost = not self.aimed or self.follower.lost_since_s is not None
        if lost and timestamp_s >= self.next_look_s:
            self._look(rgb, timestamp_s)
        if not self.aimed:
            return None
        follower = self.follower
        before = follower_state(follower)
        pose = follower(rgb, timestamp_s)
        if pose is None:
            return None
        if jumped(before[0], follower.last_box) and self._other(follower.last_box, timestamp_s, before[2]):
            # The pose jumped off the lifter onto the other person (the model could not find the lifter, bent over
            # or behind the load, and gave whoever else is in the crop): the lifter is lost, not followed there.
            self.other_box, self.other_seen_s = follower.last_box, timestamp_s
            take_back(follower, before, timestamp_s)
            return None
        others = [b for b in follower.other_boxes if box_iou(b, follower.last_box) < SAME_PERSON_IOU]
        if others:
            self.other_box, self.other_seen_s = others[0], timestamp_s
        return pose


def _extent(box: tuple[float, float, float, float] | None) -> float:
    return 0.0 if box is None else max(box[2] - box[0], box[3] - box[1])
