"""`PoseTrack`: the landmarks of one person over time, as time-first NumPy arrays.

Everything downstream of the pose model works on this type, so the core can be tested with synthetic tracks whose
angles are known by construction. Missing values are NaN (coordinates, back profile) or 0 (visibility).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from liftform.core.types import same_values
from liftform.errors import InputError

N_LANDMARKS = 33

# MediaPipe Pose landmark indices (the ones liftform uses by name).
NOSE = 0
LEFT_EAR, RIGHT_EAR = 7, 8
LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
LEFT_ELBOW, RIGHT_ELBOW = 13, 14
LEFT_WRIST, RIGHT_WRIST = 15, 16
LEFT_HIP, RIGHT_HIP = 23, 24
LEFT_KNEE, RIGHT_KNEE = 25, 26
LEFT_ANKLE, RIGHT_ANKLE = 27, 28
LEFT_HEEL, RIGHT_HEEL = 29, 30
LEFT_FOOT_INDEX, RIGHT_FOOT_INDEX = 31, 32
HEAD_LANDMARKS = slice(0, 11)   # nose, eyes, ears, mouth

# Skeleton edges for drawing (pairs of landmark indices).
SKELETON_EDGES = (
    (LEFT_SHOULDER, RIGHT_SHOULDER), (LEFT_HIP, RIGHT_HIP),
    (LEFT_SHOULDER, LEFT_ELBOW), (LEFT_ELBOW, LEFT_WRIST), (RIGHT_SHOULDER, RIGHT_ELBOW), (RIGHT_ELBOW, RIGHT_WRIST),
    (LEFT_HIP, LEFT_KNEE), (LEFT_KNEE, LEFT_ANKLE), (RIGHT_HIP, RIGHT_KNEE), (RIGHT_KNEE, RIGHT_ANKLE),
    (LEFT_ANKLE, LEFT_HEEL), (LEFT_HEEL, LEFT_FOOT_INDEX), (RIGHT_ANKLE, RIGHT_HEEL), (RIGHT_HEEL, RIGHT_FOOT_INDEX),
)

# Where along the trunk axis the back profile is sampled: fractions of the way from the shoulder midpoint (0) to
# the hip midpoint (1). The core decides which stations to fit (the head and arms cut in near the shoulders, the
# buttocks near the hips).
BACK_PROFILE_STATIONS = np.linspace(0.0, 1.0, 21)


# Each side's shoulder and hip as a slice (basic indexing, cheaper than an index array: the live view reads them
# twice a frame, ~10 us less each right after its thread waited for the model).
_LEFT_TRUNK = slice(LEFT_SHOULDER, LEFT_HIP + 1, LEFT_HIP - LEFT_SHOULDER)
_RIGHT_TRUNK = slice(RIGHT_SHOULDER, RIGHT_HIP + 1, RIGHT_HIP - RIGHT_SHOULDER)


def trunk_midpoints(image_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The shoulder and hip midpoints of ``image_xy`` (..., 33, 2) pixels, each (..., 2): the trunk axis the
    annotated video, the report's frames and the live view draw the back on. Where one landmark of a pair is
    missing (NaN) the other stands in; NaN where both are."""

    # Both pairs in one pass (the live view calls this every frame: half the NumPy calls of one pass per pair).
    first, second = image_xy[..., _LEFT_TRUNK, :], image_xy[..., _RIGHT_TRUNK, :]            # (..., 2, 2)
    mids = np.where(np.isnan(first), second, np.where(np.isnan(second), first, (first + second) * 0.5))
    return mids[..., 0, :], mids[..., 1, :]


def rows_for_frames(frame_index: np.ndarray) -> np.ndarray:
    """The row of ``frame_index`` (T,) source frame numbers, ascending, to draw on each source frame: an array
    indexed by frame number (0 .. last + step - 1), -1 where no row applies.

    A frame that was analysed gets its own row. One that was not (`[pose] analysis_fps` runs the model on every
    k-th frame) gets the nearest analysed row within the step k (the median spacing of ``frame_index``), the
    earlier on a tie; frames further from any row (a gap in the track) get -1. Holding the nearest row rather than
    interpolating landmarks means what is drawn on a frame (skeleton, back edge, back state, angles) is one
    measured row, the one frames.csv lists, never a pose the model did not see; at 15 analysed frames a second it
    is at most 1/30 s off."""
    frames = np.asarray(frame_index, dtype=np.int64)
    if len(frames) == 0:
        return np.zeros(0, dtype=np.int64)
    step = max(1, int(np.median(np.diff(frames)))) if len(frames) > 1 else 1
    number = np.arange(int(frames[-1]) + step)
    after = np.clip(np.searchsorted(frames, number), 0, len(frames) - 1)     # first row at or after the frame
    before = np.clip(after - 1, 0, len(frames) - 1)
    nearest = np.where(np.abs(frames[before] - number) <= np.abs(frames[after] - number), before, after)
    return np.where(np.abs(frames[nearest] - number) < step, nearest, -1)


def row_at(rows: np.ndarray, frame_number: int) -> int:
    """The row `rows_for_frames` gives ``frame_number``, -1 beyond its ends."""
    return int(rows[frame_number]) if 0 <= frame_number < len(rows) else -1


@dataclass(frozen=True)
class PoseTrack:
    """Landmarks of one person over ``T`` frames.

    Attributes:
        image_xy: (T, 33, 2) landmark positions in **source-frame pixels** (x right, y down); NaN where no pose.
        world_xyz: (T, 33, 3) MediaPipe world landmarks in metres (hip-centred, y down); NaN where no pose.
        visibility: (T, 33) MediaPipe visibility in [0, 1]; 0 where no pose.
        timestamps_s: (T,) presentation time of each frame in seconds, strictly increasing.
        frame_index: (T,) index of each frame in the source (decode order), int64.
        frame_size_wh: (width, height) of the source frames in pixels (after rotation).
        back_profile_px: optional (T, K, 2) silhouette half-widths in pixels, measured from the shoulder-mid to
            hip-mid axis along its two normals at the K fractions ``BACK_PROFILE_STATIONS``. With the axis unit
            vector u (hip -> shoulder, image coordinates) the normal is n = (-u_y, u_x); ``[..., 0]`` is the
            distance to the silhouette edge along +n, ``[..., 1]`` along -n. NaN where the edge was not found.
            Which side is the back is decided by the core (it depends on which way the person faces).
        pose_filled: optional (T,) bool: True where the model was not run on the frame (the person stood upright
            and still, `[pose] upright_lean_deg`) and the pose is the linear interpolation of the frames either side
            (NaN where either has none). None: every frame was run.
        others_head_xy: optional (P, T, 11, 2) the head landmarks (`HEAD_LANDMARKS`, source px, NaN where unknown)
            of the P other people followed in the same frames: where `--blur-faces` blurs their faces, a re-rendered
            report too. None: nobody else was followed, or the track was saved before liftform kept them.
        other_lifters: the tracks of the other lifters judged (`pipeline.analyze_people`: `Analysis.others`, in
            that order), over the same frames: the annotated video draws each, a rescore judges them again. Saved
            in poses.npz (`OTHER_LIFTERS_KEYS`); one saved before liftform kept them reads as ().
    """

    image_xy: np.ndarray
    world_xyz: np.ndarray
    visibility: np.ndarray
    timestamps_s: np.ndarray
    frame_index: np.ndarray
    frame_size_wh: tuple[int, int]
    back_profile_px: np.ndarray | None = field(default=None)
    pose_filled: np.ndarray | None = field(default=None)
    others_head_xy: np.ndarray | None = field(default=None)
    other_lifters: tuple[PoseTrack, ...] = field(default=())

    def __post_init__(self) -> None:
        # Arrays as given (no copy); a track made of the user's own landmarks may come as lists, or with a wrong size.
        for name in ("image_xy", "world_xyz", "visibility", "timestamps_s", "frame_index", "back_profile_px",
                     "pose_filled", "others_head_xy"):
            if getattr(self, name) is None:     # the optional ones
                continue
            values = np.asarray(getattr(self, name))
            if values.dtype.kind not in "fiub":
                raise InputError(f"PoseTrack.{name} must hold numbers, got {values.dtype} values")
            object.__setattr__(self, name, values)
        size = np.asarray(self.frame_size_wh)
        if size.shape != (2,) or size.dtype.kind not in "fiu" or not np.all(size >= 1):
            raise InputError(f"PoseTrack.frame_size_wh must be (width, height) in pixels, got {self.frame_size_wh!r}")
        object.__setattr__(self, "frame_size_wh", (int(size[0]), int(size[1])))
        if self.timestamps_s.ndim != 1:
            raise InputError(f"PoseTrack.timestamps_s has shape {self.timestamps_s.shape}, expected (frames,)")
        n_frames = len(self.timestamps_s)
        expected = {
            "image_xy": (n_frames, N_LANDMARKS, 2),
            "world_xyz": (n_frames, N_LANDMARKS, 3),
            "visibility": (n_frames, N_LANDMARKS),
            "frame_index": (n_frames,),
        }
        for name, shape in expected.items():
            if np.shape(getattr(self, name)) != shape:
                raise InputError(f"PoseTrack.{name} has shape {np.shape(getattr(self, name))}, expected {shape}")
        if self.back_profile_px is not None:
            k = len(BACK_PROFILE_STATIONS)
            if np.shape(self.back_profile_px) != (n_frames, k, 2):
                raise InputError(f"PoseTrack.back_profile_px has shape {np.shape(self.back_profile_px)}, "
                                 f"expected {(n_frames, k, 2)}")
        if self.pose_filled is not None and np.shape(self.pose_filled) != (n_frames,):
            raise InputError(f"PoseTrack.pose_filled has shape {np.shape(self.pose_filled)}, expected {(n_frames,)}")
        heads = np.shape(self.others_head_xy)
        if self.others_head_xy is not None and (len(heads) != 4 or heads[1:] != (n_frames, 11, 2)):
            raise InputError(f"PoseTrack.others_head_xy has shape {heads}, expected (people, {n_frames}, 11, 2)")
        for lifter in self.other_lifters:
            if not isinstance(lifter, PoseTrack) or len(lifter) != n_frames:
                raise InputError(f"PoseTrack.other_lifters must be PoseTracks of the same {n_frames} frames")
        if n_frames > 1 and not np.all(np.diff(self.timestamps_s) > 0):
            raise InputError("PoseTrack.timestamps_s must be strictly increasing")
        # MediaPipe's landmarks come normalised (0-1 of the frame's width and height): in pixels, the same person is
        # a dot of 1 px, and every rep had been "not judged", the reason blaming the clothes.
        if 0.0 < np.fmax.reduce(np.abs(self.image_xy), axis=None, initial=0.0) <= 1.5:    # (all NaN or 0: no person)
            raise InputError("PoseTrack.image_xy is within 0-1 (normalised coordinates?): it takes source pixels; "
                             "multiply x by the frame's width and y by its height")

    def __len__(self) -> int:
        return len(self.timestamps_s)

    def __eq__(self, other: object) -> bool:
        return same_values(self, other) if isinstance(other, PoseTrack) else NotImplemented

    def __getitem__(self, frames: slice | np.ndarray) -> PoseTrack:
        """Frames ``frames`` (a slice or index array) as a new track."""
        profile = None if self.back_profile_px is None else self.back_profile_px[frames]
        filled = None if self.pose_filled is None else self.pose_filled[frames]
        heads = None if self.others_head_xy is None else self.others_head_xy[:, frames]
        return PoseTrack(self.image_xy[frames], self.world_xyz[frames], self.visibility[frames],
                         self.timestamps_s[frames], self.frame_index[frames], self.frame_size_wh, profile, filled,
                         heads, tuple(lifter[frames] for lifter in self.other_lifters))

    def with_heads_of(self, others: Sequence[PoseTrack]) -> PoseTrack:
        """This track keeping the heads of ``others`` (people followed over the same frames) as ``others_head_xy``."""
        heads = [other.image_xy[:, HEAD_LANDMARKS] for other in others]
        return replace(self, others_head_xy=np.stack(heads)) if heads else self

    def box_px(self, first: int, last: int, margin: float = 0.15) -> tuple[int, int, int, int] | None:
        """Box (x0, y0, x1, y1) px around all the landmarks of source frames ``first``..``last``, widened by
        ``margin`` of its larger side on every side and clipped to the frame; None with fewer than two landmarks
        there or a box under 16 px a side (the report's stills are cropped to it)."""
        rows = (self.frame_index >= first) & (self.frame_index <= last)
        points = self.image_xy[rows].reshape(-1, 2)
        points = points[np.isfinite(points).all(axis=1)]
        if len(points) < 2:
            return None
        (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
        pad = margin * max(x1 - x0, y1 - y0)
        width, height = self.frame_size_wh
        box = (max(0, math.floor(x0 - pad)), max(0, math.floor(y0 - pad)), min(width, math.ceil(x1 + pad)),
               min(height, math.ceil(y1 + pad)))
        return box if box[2] - box[0] >= 16 and box[3] - box[1] >= 16 else None

    @property
    def has_pose(self) -> np.ndarray:
        """(T,) bool: a pose was detected in the frame."""
        return ~np.isnan(self.image_xy[:, LEFT_HIP, 0])

    def to_npz_dict(self) -> dict[str, np.ndarray]:
        """Arrays for ``np.savez`` (the landmark cache): this track's under their own names, and the other lifters'
        (`OTHER_LIFTERS_KEYS`) where there are any."""
        out = {
            "image_xy": self.image_xy, "world_xyz": self.world_xyz, "visibility": self.visibility,
            "timestamps_s": self.timestamps_s, "frame_index": self.frame_index,
            "frame_size_wh": np.asarray(self.frame_size_wh, dtype=np.int64),
        }
        if self.back_profile_px is not None:
            out["back_profile_px"] = self.back_profile_px
        if self.pose_filled is not None:
            out["pose_filled"] = np.asarray(self.pose_filled, dtype=bool)
        if self.others_head_xy is not None:
            out["others_head_xy"] = self.others_head_xy
        return out | _stacked_lifters(self.other_lifters)

    @classmethod
    def from_npz(cls, data) -> PoseTrack:
        """Inverse of :meth:`to_npz_dict` (``data`` is what ``np.load`` returns; a file written before a key was kept
        reads as None there, before the other lifters were: without them). Raises InputError on a wrong shape."""
        optional = [data[key] if key in data else None for key in ("back_profile_px", "pose_filled", "others_head_xy")]
        track = cls(data["image_xy"], data["world_xyz"], data["visibility"], data["timestamps_s"],
                    data["frame_index"], tuple(int(v) for v in data["frame_size_wh"]), *optional)
        return replace(track, other_lifters=_unstacked_lifters(data, track)) if OTHER_LIFTERS_KEYS[0] in data \
            else track


# poses.npz's keys for the other lifters (`PoseTrack.other_lifters`), each their arrays stacked, the lifter first:
# (L, T, 33, 2), (L, T, 33, 3), (L, T, 33), then optionally (L, T, K, 2) and (L, T). An optional array is saved where
# any of them has it; where only some do, "<key>_kept" (L,) bool says whose it is (the others' read back as None).
OTHER_LIFTERS_KEYS = ("other_lifters_image_xy", "other_lifters_world_xyz", "other_lifters_visibility",
                      "other_lifters_back_profile_px", "other_lifters_pose_filled")
_LIFTER_ARRAYS = ("image_xy", "world_xyz", "visibility", "back_profile_px", "pose_filled")


def _stacked_lifters(lifters: Sequence[PoseTrack]) -> dict[str, np.ndarray]:
    """The other lifters' arrays for poses.npz under `OTHER_LIFTERS_KEYS` ({} without any)."""
    if not lifters:
        return {}
    out = {}
    for key, name in zip(OTHER_LIFTERS_KEYS, _LIFTER_ARRAYS, strict=True):
        arrays = [getattr(lifter, name) for lifter in lifters]
        kept = np.array([a is not None for a in arrays])
        if not kept.any():
            continue
        if not kept.all():      # stand-ins for the ones without, marked as such
            missing = False if name == "pose_filled" else np.nan
            like = next(a for a in arrays if a is not None)
            arrays = [np.full(np.shape(like), missing, dtype=like.dtype) if a is None else a for a in arrays]
            out[f"{key}_kept"] = kept
        out[key] = np.stack([np.asarray(a, dtype=bool) if name == "pose_filled" else a for a in arrays])
    return out


def _unstacked_lifters(data, main: PoseTrack) -> tuple[PoseTrack, ...]:
    """The other lifters poses.npz keeps (`OTHER_LIFTERS_KEYS`), over ``main``'s frames. InputError on a wrong
    shape."""
    image_xy = np.asarray(data[OTHER_LIFTERS_KEYS[0]])
    n_frames = len(main)
    if image_xy.ndim != 4 or image_xy.shape[1:] != (n_frames, N_LANDMARKS, 2):
        raise InputError(f"{OTHER_LIFTERS_KEYS[0]} has shape {image_xy.shape}, expected (lifters, {n_frames}, "
                         f"{N_LANDMARKS}, 2)")
    n_lifters = len(image_xy)
    columns = {}
    for key, name in zip(OTHER_LIFTERS_KEYS, _LIFTER_ARRAYS, strict=True):
        if key not in data:
            if name in ("world_xyz", "visibility"):
                raise InputError(f"poses.npz has {OTHER_LIFTERS_KEYS[0]} but no {key}")
            columns[name] = [None] * n_lifters
            continue
        stacked = np.asarray(data[key])
        if len(stacked) != n_lifters:
            raise InputError(f"{key} holds {len(stacked)} lifters, {OTHER_LIFTERS_KEYS[0]} {n_lifters}")
        kept = np.asarray(data[f"{key}_kept"]) if f"{key}_kept" in data else np.ones(n_lifters, dtype=bool)
        if kept.shape != (n_lifters,):
            raise InputError(f"{key}_kept has shape {kept.shape}, expected ({n_lifters},)")
        columns[name] = [array if keep else None for array, keep in zip(stacked, kept, strict=True)]
    # Each lifter made a PoseTrack of the main track's frames: its own shapes are checked as any track's are.
    return tuple(PoseTrack(columns["image_xy"][k], columns["world_xyz"][k], columns["visibility"][k],
                           main.timestamps_s, main.frame_index, main.frame_size_wh, columns["back_profile_px"][k],
                           columns["pose_filled"][k]) for k in range(n_lifters))
