"""The session's landmarks as they arrive: growable time-first arrays that slice into `PoseTrack`s for free.

Appending is O(1) amortised (capacity doubles), and any stretch of frames is a `PoseTrack` of views, so the core can
judge a rep on its window without copying. What is kept per frame is the model's raw output (never the filtered
landmarks), so the saved session is exactly what `liftform analyze` would have computed from the same frames.
Memory: about 2 kB per frame (4 MB per minute at 30 fps).
"""

from __future__ import annotations

import numpy as np

from liftform.pose import FramePose
from liftform.track import BACK_PROFILE_STATIONS, N_LANDMARKS, PoseTrack


class TrackBuffer:
    """Raw pose arrays of every processed frame, in order. ``len(buffer)`` frames; ``buffer.track(a, b)`` slices."""

    def __init__(self, frame_size_wh: tuple[int, int], capacity: int = 1024) -> None:
        self.frame_size_wh = (int(frame_size_wh[0]), int(frame_size_wh[1]))
        self._n = 0
        self._alloc(max(16, capacity))

    def _alloc(self, capacity: int) -> None:
        k = len(BACK_PROFILE_STATIONS)
        new = {
            "image_xy": np.full((capacity, N_LANDMARKS, 2), np.nan),
            "world_xyz": np.full((capacity, N_LANDMARKS, 3), np.nan),
            "visibility": np.zeros((capacity, N_LANDMARKS)),
            "back_profile_px": np.full((capacity, k, 2), np.nan),
            "timestamps_s": np.zeros(capacity),
            "frame_index": np.zeros(capacity, dtype=np.int64),
        }
        for name, array in new.items():
            if self._n:
                array[:self._n] = getattr(self, name)[:self._n]
            setattr(self, name, array)

    def __len__(self) -> int:
        return self._n

    def append(self, frame_index: int, timestamp_s: float, pose: FramePose | None) -> int:
        """Store one frame (``pose`` None: no person); returns its position. Timestamps must increase."""
        if self._n and timestamp_s <= self.timestamps_s[self._n - 1]:
            raise ValueError(f"timestamps must increase: {timestamp_s} after {self.timestamps_s[self._n - 1]}")
        if self._n == len(self.timestamps_s):
            self._alloc(2 * self._n)
        i = self._n
        self.timestamps_s[i] = timestamp_s
        self.frame_index[i] = frame_index
        if pose is not None:
            self.image_xy[i] = pose.image_xy
            self.world_xyz[i] = pose.world_xyz
            self.visibility[i] = pose.visibility
            self.back_profile_px[i] = pose.back_profile_px
        self._n += 1
        return i

    def track(self, start: int = 0, stop: int | None = None) -> PoseTrack:
        """Frames ``start:stop`` as a PoseTrack of views (no copy): ``stop`` defaults to the newest frame + 1."""
        stop = self._n if stop is None else min(stop, self._n)
        start = max(0, min(start, stop))
        window = slice(start, stop)
        return PoseTrack(self.image_xy[window], self.world_xyz[window], self.visibility[window],
                         self.timestamps_s[window], self.frame_index[window], self.frame_size_wh,
                         self.back_profile_px[window])

    def posed(self, stop: int | None = None) -> np.ndarray:
        """(stop,) bool: the frames ``:stop`` (all by default) that have a pose."""
        return np.isfinite(self.image_xy[:self._n if stop is None else min(stop, self._n), 0, 0])

    def since(self, seconds: float) -> int:
        """Position of the first frame at most ``seconds`` older than the newest one (0 when empty)."""
        if not self._n:
            return 0
        t = self.timestamps_s[:self._n]
        return int(np.searchsorted(t, t[-1] - seconds, side="left"))
