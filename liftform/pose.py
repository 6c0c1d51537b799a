"""The pose model: MediaPipe PoseLandmarker (Tasks API) -> landmark arrays + the back's silhouette profile.

`PeopleFinder` finds the people in a whole frame; `CropFollower` follows one person on a crop around them: call it
with an RGB frame and its timestamp, get a `FramePose` (arrays in source pixels) or None when the person is not
found (`liftform.people` puts them together). The landmarkers themselves come from `liftform.landmarkers`.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from liftform.core.silhouette import back_profile_from_mask
from liftform.follow import (
    FINE_SEARCH_EVERY_S,
    FINE_SEARCH_ROWS,
    SAME_PERSON_IOU,
    box_iou,
    keep_or_move_crop,
    person_box,
    search_tiles,
)
from liftform.landmarkers import (
    close_landmarker,
    create_landmarker,
    kept_landmarkers,
    mp_image,
    native_stderr_silenced,
    warm_up,
)
from liftform.settings import PoseSettings
from liftform.track import (
    BACK_PROFILE_STATIONS,
    LEFT_HIP,
    LEFT_SHOULDER,
    RIGHT_HIP,
    RIGHT_SHOULDER,
)
from liftform.video import downscale_for_pose, resize_for_pose


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
        self._next_fine_s = -math.inf

    @staticmethod
    def preload(model_path: str | Path, settings: PoseSettings, max_people: int) -> None:
        """Start loading the landmarker of a finder to be made later (`KeptLandmarkers.preload`)."""
        kept_landmarkers.preload(model_path, settings, num_poses=max_people, masks=False)

    def warm_up(self) -> None:
        """Run the model once on a person (`landmarkers.warm_up`): its first run on one is slow."""
        warm_up(self._landmarker, person=True)

    def close(self) -> None:
        if self._landmarker is not None:
            kept_landmarkers.give_back(self._landmarker)
            self._landmarker = None

    def __call__(self, rgb: np.ndarray, bounds: tuple[int, int, int, int],
                 nobody_yet_at_s: float | None = None) -> list[np.ndarray]:
        """Landmarks (33, 2) in source pixels of each person found inside ``bounds`` (x0, y0, x1, y1) of ``rgb``.

        A wide (or tall) picture is searched in overlapping tiles (`search_tiles`): the detector sees a 224 px
        square, in which two people side by side in a wide frame are too small to be found reliably. Where nobody
        was found before (``nobody_yet_at_s``: the frame's time) nor is now, in smaller tiles (`FINE_SEARCH_ROWS`)
        every `FINE_SEARCH_EVERY_S`: a small lifter far from the camera."""
        people = self._search(rgb, search_tiles(bounds))
        if not people and nobody_yet_at_s is not None and nobody_yet_at_s >= self._next_fine_s:
            self._next_fine_s = nobody_yet_at_s + FINE_SEARCH_EVERY_S
            people = self._search(rgb, search_tiles(bounds, rows=FINE_SEARCH_ROWS))
        return people

    def _search(self, rgb: np.ndarray, tiles: list[tuple[int, int, int, int]]) -> list[np.ndarray]:
        """Each person found in ``tiles`` of ``rgb`` (one for a person found in two)."""
        people: list[np.ndarray] = []
        for x0, y0, x1, y1 in tiles:
            model_rgb, scale = downscale_for_pose(rgb[y0:y1, x0:x1], self._max_side_px)
            # Silenced on every call, not only the first: LiteRT logs a reallocation once per runner at an
            # unpredictable call ("Input tensor memory is not aligned ..."; seen on a wide frame's second tile).
            # The finder runs a few times a video, so the redirection hides nothing of ours for long.
            with native_stderr_silenced():
                result = self._landmarker.detect(mp_image(model_rgb))
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
    (someone inside it can while the person is hidden: `crossings.stolen`). MediaPipe in VIDEO mode with
    two poses (its person detector on every frame, its tracking where the detector misses), one frame at a time, or
    the same results with frames run ahead on spare cores (``ahead``, `liftform.ahead`)."""

    def __init__(self, model_path: str | Path, settings: PoseSettings, crop: tuple[int, int, int, int],
                 bounds: tuple[int, int, int, int], ahead=None) -> None:
        # Two poses make MediaPipe run its person detector on every frame (on the crop) instead of tracking: the
        # landmarks and masks the spine measure was calibrated on (see PoseSettings.track_between_frames).
        self._ahead = ahead
        self._landmarker = None if ahead is not None else create_landmarker(
            model_path, settings, video=True, masks=True, num_poses=1 if settings.track_between_frames else 2)
        self._side_px = settings.crop_side_px
        self._clock = _VideoClock()
        self.crop, self.bounds = crop, bounds
        self.frames_seen = 0
        self.lost_since_s: float | None = None      # time of the first frame of the current loss
        self.last_box: tuple[float, float, float, float] | None = None
        self.other_boxes: list[tuple[float, float, float, float]] = []    # the poses not picked on the last frame

    def warm_up(self) -> None:
        """Run its own landmarker once on a person and once on nothing (`landmarkers.warm_up`), before the first
        frame; none where the frames are run ahead (``ahead`` warms its own)."""
        if self._landmarker is not None:
            warm_up(self._landmarker, self._clock, person=True)

    def close(self) -> None:
        if self._landmarker is not None:
            close_landmarker(self._landmarker)
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
        with native_stderr_silenced() if self.frames_seen < 2 else contextlib.nullcontext():
            result = self._landmarker.detect_for_video(mp_image(model_rgb), self._clock(timestamp_s))
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
