"""Hiding who is in a frame (`--blur-faces`): everything but the lifter's shape blurred, then their face and the
faces of the others followed; the whole frame where the lifter's own face is not known. Shared by the annotated
video, the report's stills and clips, and the live view and its recording.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

import cv2
import numpy as np

from liftform.core import silhouette
from liftform.core.plausibility import body_size_px
from liftform.outputs.overlay import int_points
from liftform.track import (
    HEAD_LANDMARKS,
    LEFT_HIP,
    LEFT_SHOULDER,
    RIGHT_HIP,
    RIGHT_SHOULDER,
    SKELETON_EDGES,
    PoseTrack,
    trunk_midpoints,
)

FACE_MARGIN = 1.0      # blur box: the head landmarks' extent x (1 + 2 x this); 0.6 left hair and chin visible
# The lifter's sharp region (`lifter_region`), in shares of their size (`core.plausibility.body_size_px`, about a
# trunk's length): a band this wide either side of each bone (limbs and clothes) ...
LIMB_MARGIN = 0.25
# ... narrower along the arms and across the shoulders: an arm is thinner than a leg, and a band as wide reached past
# a back squatter's raised elbows and shoulders to the face of the person filming, seen in the gym's mirror.
ARM_MARGIN = 0.12
# ... and this much beyond the trunk's outline (the segmentation's silhouette: the back's edge and what shapes it).
TRUNK_MARGIN = 0.1
# The lifter's face is blurred also where the face landmarks of the frames this near in time put it (s): where the
# model put them on someone else for a few frames (a bystander behind the bending lifter), the frames either side
# mostly had them on the lifter's own head. On a rendered bystander, the lifter's head centre was inside a face box
# blurred in 4 of those 20 frames; with the boxes of +-5 frames (0.17 s at 30 frames/s), in 19 (every export:
# 42 -> 3 sharp head views; docs/DESIGN.md, `--blur-faces`).
FACE_NEAR_S = 0.17
_HANDS = ((15, 17), (15, 19), (15, 21), (16, 18), (16, 20), (16, 22))     # wrist to pinky, index, thumb
_REGION_EDGES = np.array(SKELETON_EDGES + _HANDS)
# MediaPipe numbers the shoulders, elbows, wrists and hands 11-22, just before the hips: the bones among them.
_ARM_EDGE = np.isin(_REGION_EDGES, np.arange(LEFT_SHOULDER, LEFT_HIP)).all(axis=1)
_TRUNK = np.array((LEFT_SHOULDER, RIGHT_SHOULDER, RIGHT_HIP, LEFT_HIP))


def face_box(landmarks_xy: np.ndarray, image_shape: tuple[int, ...] | None = None,
             margin: float = FACE_MARGIN) -> tuple[int, int, int, int] | None:
    """Square box (x0, y0, x1, y1) in pixels (x1/y1 exclusive) around the head, or None if unknown.

    Built from the finite head landmarks 0-10 (nose, eyes, ears, mouth) of landmarks_xy (33, 2): the side of the
    square is the larger extent of those points times ``1 + 2 * margin`` (they span eyes to mouth, ear to nose; the
    skull and chin reach further), centred on their bounding box. Clipped to ``image_shape`` (H, W, ...) if given.
    Needs at least two finite head points.
    """
    head = np.asarray(landmarks_xy, dtype=float)[HEAD_LANDMARKS]
    head = head[np.isfinite(head).all(axis=1)]
    if len(head) < 2:
        return None
    lo, hi = head.min(axis=0), head.max(axis=0)
    side = float((hi - lo).max()) * (1.0 + 2.0 * margin)
    if side < 2.0:
        return None
    cx, cy = (lo + hi) / 2.0
    x0, y0 = math.floor(cx - side / 2), math.floor(cy - side / 2)
    x1, y1 = math.ceil(cx + side / 2), math.ceil(cy + side / 2)
    if image_shape is not None:
        height, width = image_shape[:2]
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
        if x1 - x0 < 2 or y1 - y0 < 2:
            return None
    return x0, y0, x1, y1


def blur_face(image: np.ndarray, landmarks_xy: np.ndarray,
              margin: float = FACE_MARGIN) -> tuple[int, int, int, int] | None:
    """Blur the head region of ``image`` (H, W, C) uint8 in place; returns the box blurred (see :func:`face_box`).

    A Gaussian blur strong enough to hide identity, computed on a copy downscaled to ~12 px across so its cost
    does not grow with the size of the face. Pixels outside the box are untouched.
    """
    box = face_box(landmarks_xy, image.shape, margin)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    roi = image[y0:y1, x0:x1]
    small = cv2.resize(roi, (min(x1 - x0, 12), min(y1 - y0, 12)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), 1.5)
    roi[...] = cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR).reshape(roi.shape)
    return box


def blur_whole(image: np.ndarray) -> None:
    """Blur all of ``image`` in place, beyond recognition (downscale to ~24 px across, blur, upscale)."""
    height, width = image.shape[:2]
    scale = 24.0 / max(height, width)
    small = cv2.resize(image, (max(2, round(width * scale)), max(2, round(height * scale))),
                       interpolation=cv2.INTER_AREA)
    image[...] = cv2.resize(cv2.GaussianBlur(small, (0, 0), 1.0), (width, height), interpolation=cv2.INTER_LINEAR)


def lifter_region(landmarks_xy: np.ndarray, image_shape: tuple[int, ...],
                  trunk_outline_xy: np.ndarray | None = None) -> np.ndarray:
    """(H, W) uint8 mask of ``image_shape``, 1 where the lifter is: a band of `LIMB_MARGIN` x their size either side
    of each bone and hand of ``landmarks_xy`` (33, 2) px, the quad of shoulders and hips, and the trunk's outline
    (``trunk_outline_xy`` (M, 2) px, `core.silhouette.trunk_outline_xy`; NaN points left out) grown by
    `TRUNK_MARGIN` x their size. Empty where their size is unknown (no trunk, thigh or shin)."""
    mask = np.zeros(image_shape[:2], np.uint8)
    xy = np.asarray(landmarks_xy, dtype=float)
    size = float(body_size_px(xy[None])[0])
    if not size > 0:
        return mask
    known = np.isfinite(xy).all(axis=1)
    points = int_points(np.where(known[:, None], xy, 0.0))
    seen = known[_REGION_EDGES].all(axis=1)
    for arms, margin in ((False, LIMB_MARGIN), (True, ARM_MARGIN)):
        bones = _REGION_EDGES[seen & (_ARM_EDGE == arms)]
        if len(bones):
            cv2.polylines(mask, list(points[bones]), False, 1, max(1, round(2 * margin * size)))
    trunk = _TRUNK[known[_TRUNK]]
    if len(trunk) >= 3:
        cv2.fillPoly(mask, [points[trunk]], 1)
    if trunk_outline_xy is not None:
        outline = np.asarray(trunk_outline_xy, dtype=float)
        outline = outline[np.isfinite(outline).all(axis=1)]
        if len(outline) >= 3:
            cv2.fillPoly(mask, [int_points(outline)], 1)
            cv2.polylines(mask, [int_points(outline)], True, 1, max(1, round(2 * TRUNK_MARGIN * size)))
    return mask


def hide_people(image: np.ndarray, landmarks_xy: np.ndarray | None, trunk_outline_xy: np.ndarray | None = None,
                others_head_xy: Sequence[np.ndarray] | np.ndarray = ()) -> None:
    """Hide who is in ``image``, in place, given the main lifter's landmarks in it (33, 2) px (None or NaN: their
    pose was not found in this frame) and their trunk's outline (see `lifter_region`): everything but the lifter's
    body is blurred (anyone else in view, found by the pose model or not: a second lifter, a coach, people in the
    background), then the lifter's face and the faces of the other people followed (``others_head_xy``: each
    (11, 2) head landmarks px, NaN where unknown; the lifter's own of the frames near too, `FACE_NEAR_S`). The whole
    frame is blurred where the frame has no face of the lifter's own, so nothing identifiable is ever exported.
    (Until the nineteenth session only the lifter's face was blurred, and a second lifter's stayed sharp in a
    folder marked "faces blurred". Until the fiftieth, a frame without a pose borrowed the body box and face of the
    nearest frame with one, up to a second away: a head that had moved inside that box, a lifter bending down while
    someone walked past, was exported sharp; and the lifter's body was their landmarks' box + 15 %, in which a
    second lifter just behind them or a bystander kept a sharp face: 108 and 165 head views of two rendered clips'
    annotated video, report stills and clips.)"""
    face = face_box(landmarks_xy, image.shape) if landmarks_xy is not None else None
    region = lifter_region(landmarks_xy, image.shape, trunk_outline_xy) if face is not None else None
    kept = image.copy() if region is not None else None
    blur_whole(image)
    if kept is None:
        return
    shown = cv2.copyTo(kept, region, image)      # the lifter back over the blur: 0.01 ms at 640x480
    if shown is not image:                         # (OpenCV writes in place into a C-contiguous image only)
        image[...] = shown
    blur_face(image, landmarks_xy)
    for head in others_head_xy:
        blur_face(image, head)


class PeopleHider:
    """`hide_people` on the frames of ``track`` (as `drawn_track` gives it), drawn at ``scale_xy`` image
    px per source px: the lifter's landmarks and trunk outline at the frame's row, and the heads of the others
    followed (`PoseTrack.others_head_xy`)."""

    def __init__(self, track: PoseTrack) -> None:
        self.track = track
        profile = track.back_profile_px
        self.outlines = (None if profile is None else
                         silhouette.trunk_outline_xy(*trunk_midpoints(track.image_xy), profile))
        times = np.asarray(track.timestamps_s, dtype=float)       # ascending: the rows within FACE_NEAR_S of each
        self.near_rows = np.stack([np.searchsorted(times, times - FACE_NEAR_S, side="left"),
                                   np.searchsorted(times, times + FACE_NEAR_S, side="right")], axis=1)

    def hide(self, image: np.ndarray, row: int, scale_xy: np.ndarray,
             lifter: tuple[np.ndarray, np.ndarray | None] | None = None) -> None:
        """Hide who is in ``image`` (in place), a frame of ``track``'s row ``row`` (-1: none: blurred whole): the
        lifter's shape alone is kept sharp, and every face is blurred (the lifter's of the frames near, the others'
        followed). ``lifter``: the person pictured, where not the track's own (another lifter's still): their
        landmarks (33, 2) and trunk outline (M, 2, or None) in source px; the whole frame is blurred where their own
        face is not known."""
        if row < 0:
            hide_people(image, None)
            return
        lifter_xy, outline = lifter if lifter is not None else (
            self.track.image_xy[row], None if self.outlines is None else self.outlines[row])
        hide_people(image, lifter_xy * scale_xy, None if outline is None else outline * scale_xy,
                    self._heads(row) * scale_xy)

    def _heads(self, row: int) -> np.ndarray:
        """(N, 11, 2) source px: the lifter's heads in the frames within `FACE_NEAR_S` of row ``row``, and the heads
        of the others followed in it."""
        others = self.track.others_head_xy
        first, stop = self.near_rows[row]
        heads = self.track.image_xy[first:stop, HEAD_LANDMARKS]
        return heads if others is None else np.concatenate([heads, others[:, row]])


class RecentHeads:
    """The lifter's head landmarks of the frames shown live in the last `FACE_NEAR_S`, blurred with each frame's own
    (as `PeopleHider` blurs those of the frames near an exported one; live has only the frames before)."""

    def __init__(self) -> None:
        self._heads: deque[tuple[float, np.ndarray]] = deque()

    def add(self, timestamp_s: float, landmarks_xy: np.ndarray | None) -> list[np.ndarray]:
        """The heads (11, 2) of the frames within `FACE_NEAR_S` before ``timestamp_s``; this frame's landmarks
        (33, 2) px (None: not found) are kept for the frames after it."""
        while self._heads and self._heads[0][0] < timestamp_s - FACE_NEAR_S:
            self._heads.popleft()
        earlier = [head for _, head in self._heads]
        if landmarks_xy is not None:
            self._heads.append((timestamp_s, np.array(landmarks_xy, dtype=float)[HEAD_LANDMARKS]))
        return earlier
