"""The pose model: MediaPipe PoseLandmarker (Tasks API) -> landmark arrays + the back's silhouette profile.

The only module that imports mediapipe. `PeopleFinder` finds the people in a whole frame; `CropFollower` follows
one person on a crop around them: call it with an RGB frame and its timestamp, get a `FramePose` (arrays in source
pixels) or None when the person is not found (`liftform.people` puts them together).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import sys
import threading
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from liftform.core.silhouette import back_profile_from_mask
from liftform.errors import ModelError
from liftform.follow import SAME_PERSON_IOU, box_iou, keep_or_move_crop, person_box, search_tiles
from liftform.settings import PoseSettings
from liftform.track import (
    BACK_PROFILE_STATIONS,
    LEFT_HIP,
    LEFT_SHOULDER,
    RIGHT_HIP,
    RIGHT_SHOULDER,
)
from liftform.video import downscale_for_pose, resize_for_pose

# MediaPipe's C++ side logs to stderr at import and model load; keep the terminal for liftform's own messages.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


_silence_lock = threading.Lock()
_silence_depth = 0
_saved_stderr_fd: int | None = None


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for the block: MediaPipe's C++ code logs there at model load and on the
    first frames whatever GLOG says. Python-level stderr is flushed first so nothing of ours is lost. Nested and
    concurrent blocks (the pose threads) share one redirection: the first in saves fd 2, the last out restores it."""
    global _silence_depth, _saved_stderr_fd
    with _silence_lock:
        if _silence_depth == 0:
            try:
                sys.stderr.flush()
                saved = os.dup(2)
            except (OSError, ValueError):   # no real stderr (e.g. some embedded runtimes): nothing to silence
                saved = None
            if saved is not None:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 2)
                os.close(devnull)
            _saved_stderr_fd = saved
        _silence_depth += 1
    try:
        yield
    finally:
        with _silence_lock:
            _silence_depth -= 1
            if _silence_depth == 0 and _saved_stderr_fd is not None:
                os.dup2(_saved_stderr_fd, 2)
                os.close(_saved_stderr_fd)
                _saved_stderr_fd = None


@dataclass(frozen=True)
class FramePose:
    """The lifter in one frame. image_xy (33, 2) source px; world_xyz (33, 3) m; visibility (33,);
    back_profile_px (K, 2) px (see `PoseTrack`); mask (H, W) float32 person probability in the model's input
    frame (after crop/downscale), kept only when asked for."""

    image_xy: np.ndarray
    world_xyz: np.ndarray
    visibility: np.ndarray
    back_profile_px: np.ndarray
    mask: np.ndarray | None = None


class _Deferred(types.ModuleType):
    """Stands in for a module while mediapipe is imported; the real module is imported on first use."""

    def __getattr__(self, name: str):
        return getattr(importlib.import_module(self.__name__), name)


# Imported by mediapipe's package init for what liftform never calls: its drawing helpers import matplotlib.pyplot
# (about half a second of CPU), its audio tasks sounddevice (which looks for PortAudio with `ldconfig`: ~35 ms).
UNUSED_BY_MEDIAPIPE = ("matplotlib", "matplotlib.pyplot", "sounddevice")


@contextlib.contextmanager
def _unused_modules_deferred() -> Iterator[None]:
    """While mediapipe is imported, the modules of UNUSED_BY_MEDIAPIPE not imported yet are stand-ins that import
    the real module if ever used; afterwards the real ones import as usual."""
    stand_ins = {name: _Deferred(name) for name in UNUSED_BY_MEDIAPIPE if name not in sys.modules}
    for name, stand_in in stand_ins.items():
        parent, _, child = name.rpartition(".")
        if parent in stand_ins:
            setattr(stand_ins[parent], child, stand_in)
    sys.modules.update(stand_ins)
    try:
        yield
    finally:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]


_import_lock = threading.Lock()
_mediapipe_module = None


def _mediapipe():
    """The mediapipe package (imported once, without what it imports for nothing: UNUSED_BY_MEDIAPIPE; the pose
    threads call this for every frame)."""
    global _mediapipe_module
    if _mediapipe_module is None:
        with _import_lock, _unused_modules_deferred():
            import mediapipe
            from mediapipe.tasks.python import vision  # noqa: F401  (loads the vision tasks under the same guard)
            _mediapipe_module = mediapipe
    return _mediapipe_module


def import_in_background() -> None:
    """Start importing mediapipe in a thread (about 0.2 s), so that it overlaps with opening the video."""
    if _mediapipe_module is None:
        threading.Thread(target=_mediapipe, name="liftform-import", daemon=True).start()


def _create_landmarker(model_path: str | Path, settings: PoseSettings, *, video: bool, num_poses: int,
                       masks: bool):
    """A MediaPipe PoseLandmarker: VIDEO mode (one ordered stream: it tracks the pose between frames and runs its
    person detector only when tracking is lost) or IMAGE mode (detector on every call). ModelError if it cannot
    load."""
    _mediapipe()
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path)),
        running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
        num_poses=num_poses,
        min_pose_detection_confidence=settings.min_detection_confidence,
        min_pose_presence_confidence=settings.min_presence_confidence,
        min_tracking_confidence=settings.min_tracking_confidence,
        output_segmentation_masks=masks,
    )
    try:
        with _native_stderr_silenced():
            return vision.PoseLandmarker.create_from_options(options)
    except Exception as exc:  # MediaPipe raises RuntimeError/ValueError with long C++ messages
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"cannot load pose model {model_path}: {first_line[:200]}") from None


def _close(landmarker) -> None:
    with _native_stderr_silenced():   # the runtime logs its teardown too
        landmarker.close()


def _at_interpreter_exit(close: Callable[[], None]) -> None:
    """Run ``close`` at exit while MediaPipe can still close a landmarker. Each landmarker sends its calls through
    its own thread pool, and the interpreter stops every pool's threads *before* `atexit` handlers run: an `atexit`
    close then fails with a traceback per landmarker (seen where mediapipe is imported before liftform). The
    threading module's exit hooks run before the pools stop (last registered, first run)."""
    import concurrent.futures.thread  # noqa: F401  (its hook, which stops the pools, must be registered first)

    register = getattr(threading, "_register_atexit", None)     # CPython 3.9+; not public API
    if register is None:
        atexit.register(close)
        return
    register(close)


class _KeptLandmarkers:
    """IMAGE-mode landmarkers done with, kept for the next user in this process (the next video of a `score`
    worker, of `analyze A B`): IMAGE mode keeps nothing between calls, so a kept one gives what a new one would,
    bit for bit, without loading the model again (~65 ms of CPU each; a video loads two or three)."""

    MAX_PER_KIND = 4

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[tuple, list] = {}
        self._kind: dict[int, tuple] = {}          # id(landmarker) -> its kind, for those made here
        _at_interpreter_exit(self.close_all)

    def take(self, model_path: str | Path, settings: PoseSettings, num_poses: int, masks: bool):
        path = Path(model_path).resolve()
        try:
            stat = path.stat()
            version = (stat.st_mtime_ns, stat.st_size)     # a bundle replaced at the same path is another model
        except OSError:
            version = None
        kind = (str(path), version, num_poses, masks, settings.min_detection_confidence,
                settings.min_presence_confidence, settings.min_tracking_confidence)
        with self._lock:
            idle = self._idle.get(kind)
            if idle:
                return idle.pop()
        landmarker = _create_landmarker(model_path, settings, video=False, num_poses=num_poses, masks=masks)
        with self._lock:
            self._kind[id(landmarker)] = kind
        return landmarker

    def give_back(self, landmarker) -> None:
        with self._lock:
            kind = self._kind.get(id(landmarker))
            idle = self._idle.setdefault(kind, []) if kind is not None else None
            if idle is not None and len(idle) < self.MAX_PER_KIND:
                idle.append(landmarker)
                return
            self._kind.pop(id(landmarker), None)
        _close(landmarker)

    def close_all(self) -> None:
        with self._lock:
            idle = [landmarker for kept in self._idle.values() for landmarker in kept]
            self._idle.clear()
            self._kind.clear()
        for landmarker in idle:
            _close(landmarker)


kept_landmarkers = _KeptLandmarkers()


def _mp_image(rgb: np.ndarray):
    mp = _mediapipe()
    return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))


def _frame_pose(result, person: int, model_hw: tuple[int, int], scale: float, offset_xy: tuple[int, int],
                keep_mask: bool) -> FramePose:
    """Person ``person`` of a PoseLandmarker result on a model image of ``model_hw`` (H, W) that is the source
    region starting at ``offset_xy`` scaled by ``scale``: arrays in source pixels, the back profile from its mask."""
    landmarks = result.pose_landmarks[person]
    norm = np.array([(p.x, p.y) for p in landmarks], dtype=float)
    visibility = np.array([p.visibility if p.visibility is not None else 1.0 for p in landmarks], dtype=float)
    world = np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks[person]], dtype=float)
    # Normalised x and y scale with width and height separately: convert to pixels before any angle.
    model_xy = norm * [model_hw[1], model_hw[0]]
    mask = None
    profile = np.full((len(BACK_PROFILE_STATIONS), 2), np.nan)
    if result.segmentation_masks and person < len(result.segmentation_masks):
        mask = result.segmentation_masks[person].numpy_view()
        mask = mask[..., 0] if mask.ndim == 3 else mask
        shoulder_mid = model_xy[[LEFT_SHOULDER, RIGHT_SHOULDER]].mean(axis=0)
        hip_mid = model_xy[[LEFT_HIP, RIGHT_HIP]].mean(axis=0)
        profile = back_profile_from_mask(mask, shoulder_mid, hip_mid) / scale
    image_xy = model_xy / scale + offset_xy
    # numpy_view() points into MediaPipe's buffer, freed with the result: copy what outlives this call.
    kept_mask = np.array(mask, dtype=np.float32, copy=True) if (keep_mask and mask is not None) else None
    return FramePose(image_xy, world, visibility, profile, kept_mask)


class _VideoClock:
    """VIDEO mode needs strictly increasing integer milliseconds per landmarker."""

    def __init__(self) -> None:
        self.last_ms = -1

    def __call__(self, timestamp_s: float) -> int:
        self.last_ms = max(int(round(timestamp_s * 1000)), self.last_ms + 1)
        return self.last_ms


class PeopleFinder:
    """Everybody in view: MediaPipe in IMAGE mode (its person detector on every call), up to ``max_people``, no
    masks, on the frame shrunk to ``settings.detect_max_side_px``. Cheap enough to run now and then (the first frame,
    when someone is lost, a periodic look for someone new); `CropFollower` does the per-frame work."""

    def __init__(self, model_path: str | Path, settings: PoseSettings, max_people: int) -> None:
        self._landmarker = kept_landmarkers.take(model_path, settings, num_poses=max_people, masks=False)
        self._max_side_px = settings.detect_max_side_px

    def close(self) -> None:
        if self._landmarker is not None:
            kept_landmarkers.give_back(self._landmarker)
            self._landmarker = None

    def __call__(self, rgb: np.ndarray, bounds: tuple[int, int, int, int]) -> list[np.ndarray]:
        """Landmarks (33, 2) in source pixels of each person found inside ``bounds`` (x0, y0, x1, y1) of ``rgb``.

        A wide (or tall) picture is searched in overlapping tiles (`search_tiles`): the detector sees a 224 px
        square, in which two people side by side in a wide frame are too small to be found reliably."""
        people: list[np.ndarray] = []
        for x0, y0, x1, y1 in search_tiles(bounds):
            model_rgb, scale = downscale_for_pose(rgb[y0:y1, x0:x1], self._max_side_px)
            # Silenced on every call, not only the first: LiteRT logs a reallocation once per runner at an
            # unpredictable call ("Input tensor memory is not aligned ..."; seen on a wide frame's second tile).
            # The finder runs a few times a video, so the redirection hides nothing of ours for long.
            with _native_stderr_silenced():
                result = self._landmarker.detect(_mp_image(model_rgb))
            height, width = model_rgb.shape[:2]
            for pose in result.pose_landmarks:
                xy = np.array([(p.x * width, p.y * height) for p in pose], dtype=float) / scale + (x0, y0)
                if all(box_iou(person_box(xy), person_box(seen)) < SAME_PERSON_IOU for seen in people):
                    people.append(xy)   # a person in the overlap of two tiles is found twice
        return people


class CropFollower:
    """One person followed frame by frame on a crop around them (`liftform.follow`), resized to
    ``settings.crop_side_px`` (shrunk, or enlarged for a small lifter: the mask the back is read from is made at the
    input's size, so every back is read off masks of one size): the model and the mask work on the person's region
    only, a small person gets the detector's full attention, and nobody outside the crop can take over the track
    (someone inside it can while the person is hidden: `people._Followers._stolen`). MediaPipe in VIDEO mode with
    two poses (its person detector on every frame, its tracking where the detector misses), one frame at a time, or
    the same results with frames run ahead on spare cores (``ahead``, `liftform.ahead`)."""

    def __init__(self, model_path: str | Path, settings: PoseSettings, crop: tuple[int, int, int, int],
                 bounds: tuple[int, int, int, int], ahead=None) -> None:
        # Two poses make MediaPipe run its person detector on every frame (on the crop) instead of tracking: the
        # landmarks and masks the spine measure was calibrated on (see PoseSettings.track_between_frames).
        self._ahead = ahead
        self._landmarker = None if ahead is not None else _create_landmarker(
            model_path, settings, video=True, masks=True, num_poses=1 if settings.track_between_frames else 2)
        self._side_px = settings.crop_side_px
        self._clock = _VideoClock()
        self.crop, self.bounds = crop, bounds
        self.frames_seen = 0
        self.lost_since_s: float | None = None      # time of the first frame of the current loss
        self.last_box: tuple[float, float, float, float] | None = None
        self.other_boxes: list[tuple[float, float, float, float]] = []    # the poses not picked on the last frame

    def close(self) -> None:
        if self._landmarker is not None:
            _close(self._landmarker)
            self._landmarker = None
        if self._ahead is not None:
            self._ahead.close()

    def expect(self, rgb: np.ndarray, timestamp_s: float) -> None:
        """A frame that will be given next (after those already expected): run ahead where that is possible."""
        if self._ahead is not None:
            self._ahead.expect(rgb, timestamp_s, self.crop)

    def _result(self, rgb: np.ndarray, timestamp_s: float):
        """MediaPipe's result on a crop of ``rgb``, the crop shrunk for the model, its scale, the crop's corner and
        the first person's pose where the model's thread made it (else None)."""
        if self._ahead is not None:
            taken = self._ahead.take(rgb, timestamp_s, self.crop)
            return taken.result, taken.model_rgb, taken.scale, taken.crop[:2], taken.first_pose
        x0, y0, x1, y1 = self.crop
        model_rgb, scale = resize_for_pose(rgb[y0:y1, x0:x1], self._side_px)
        with _native_stderr_silenced() if self.frames_seen < 2 else contextlib.nullcontext():
            result = self._landmarker.detect_for_video(_mp_image(model_rgb), self._clock(timestamp_s))
        return result, model_rgb, scale, (x0, y0), None

    def __call__(self, rgb: np.ndarray, timestamp_s: float) -> FramePose | None:
        """The person's pose in ``rgb`` (H, W, 3) uint8 (the whole frame) at ``timestamp_s``; None if not found."""
        result, model_rgb, scale, (x0, y0), first_pose = self._result(rgb, timestamp_s)
        self.frames_seen += 1
        if not result.pose_landmarks:
            if self.lost_since_s is None:
                self.lost_since_s = timestamp_s
            return None
        self.lost_since_s = None
        person = self._pick(result.pose_landmarks, model_rgb.shape[:2], scale, (x0, y0))
        pose = first_pose if person == 0 and first_pose is not None else \
            _frame_pose(result, person, model_rgb.shape[:2], scale, (x0, y0), keep_mask=False)
        self.last_box = person_box(pose.image_xy)
        crop, self.crop = self.crop, keep_or_move_crop(self.crop, pose.image_xy, self.bounds)
        if self._ahead is not None and self.crop != crop:
            self._ahead.recrop(self.crop)
        return pose

    def _pick(self, poses, model_hw: tuple[int, int], scale: float, offset_xy: tuple[int, int]) -> int:
        """The followed person among the poses found in the crop: the one overlapping their last box most, else the
        largest. The others' boxes are kept in ``other_boxes`` (someone beside the person, or the same one twice)."""
        self.other_boxes = []
        if len(poses) == 1:
            return 0
        boxes = [person_box(np.array([(p.x * model_hw[1], p.y * model_hw[0]) for p in pose]) / scale + offset_xy)
                 for pose in poses]
        if self.last_box is not None and any(box_iou(self.last_box, b) > 0 for b in boxes):
            pick = int(np.argmax([box_iou(self.last_box, b) for b in boxes]))
        else:
            pick = int(np.argmax([0.0 if b is None else (b[2] - b[0]) * (b[3] - b[1]) for b in boxes]))
        self.other_boxes = [b for k, b in enumerate(boxes) if k != pick and b is not None]
        return pick
