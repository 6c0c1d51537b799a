"""Several rendered people in one picture: lifters taking turns, lifting side by side, a coach, a passer-by.

    coach = Member(LiftSpec(motion="squat", prop="none", seed=3), shift_px=(200, 0), lift_at_s=None)
    lifter = Member(LiftSpec(motion="stoop_lift", reps=1), path=((0.0, -400), (1.0, 0)), lift_at_s=1.2)
    group = GroupScene((coach, lifter), duration_s=8.0)
    frame = group.render(i)               # (H, W, 3) uint8 RGB, later members drawn over earlier ones
    xy = group.image_xy(1)                # (T, 33, 2) the lifter's true landmarks, NaN while out of the picture
    write_group(group, "out/turns.mp4")

Each member is their own `SynthScene` at the group's frame size (the same camera scale for the same build: a
standing person fills the same share of the height), moved sideways along ``path`` and drawn as the pixels their
scene labels body or prop (their shadow is left out). Before ``lift_at_s`` they stand in their lift's first pose,
after their lift in its last (standing); moving along the path they glide (their legs do not step).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import cv2
import numpy as np

from liftform.synth.encode import encode_mp4
from liftform.synth.scene import LiftSpec, Rendered, SynthScene


@dataclass(frozen=True)
class Member:
    """One person of a `GroupScene`. ``spec``: their lift (its width, height and fps are the group's);
    ``shift_px``: (x, y) where they stand, from where their own scene puts them (y negative: farther back);
    ``path``: ((time s, x shift px), ...) moves them sideways over time, linearly between the points (outside, the
    nearest point's; empty: ``shift_px[0]`` throughout); ``lift_at_s``: when their lift starts in the group's clip
    (None: never, they stand); ``shown_s``: (from, to) the times they are in the picture; ``scale``: their size
    against the group's camera (about their feet)."""

    spec: LiftSpec
    shift_px: tuple[float, float] = (0.0, 0.0)
    path: tuple[tuple[float, float], ...] = ()
    lift_at_s: float | None = 0.0
    shown_s: tuple[float, float] = (0.0, float("inf"))
    scale: float = 1.0


class GroupScene:
    """``members`` in one ``width_px`` x ``height_px`` picture for ``duration_s`` at ``fps``, over the first
    member's room."""

    def __init__(self, members: tuple[Member, ...], duration_s: float, width_px: int = 640, height_px: int = 480,
                 fps: float = 30.0):
        if not members:
            raise ValueError("a group scene needs at least one member")
        self.members, self.fps = members, fps
        self.size_wh = (width_px, height_px)
        self.scenes = [SynthScene(replace(m.spec, width_px=width_px, height_px=height_px, fps=fps))
                       for m in members]
        self.n_frames = int(round(duration_s * fps))
        self._room = self.scenes[0].empty_room()
        self._last_shown: dict[int, tuple[int, Rendered]] = {}     # each member's own frame drawn last, by its number

    def __len__(self) -> int:
        return self.n_frames

    def _frame_of(self, m: int, i: int) -> int | None:
        """Member ``m``'s own frame shown at group frame ``i`` (None: not in the picture)."""
        member, t = self.members[m], i / self.fps
        if not member.shown_s[0] <= t < member.shown_s[1]:
            return None
        if member.lift_at_s is None:
            return 0
        return int(np.clip(round((t - member.lift_at_s) * self.fps), 0, len(self.scenes[m]) - 1))

    def _place(self, m: int, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Member ``m``'s feet in their own scene and in the group's picture at frame ``i``: two (2,) px."""
        member, scene = self.members[m], self.scenes[m]
        dx = member.shift_px[0]
        if member.path:
            times, shifts = zip(*member.path, strict=True)
            dx = float(np.interp(i / self.fps, times, shifts))
        feet = np.array([self.size_wh[0] / 2.0, scene.camera.floor_y_px])
        return feet, feet + [dx, member.shift_px[1]]

    def render(self, i: int) -> np.ndarray:
        """Frame ``i``: (H, W, 3) uint8 RGB."""
        canvas = self._room.copy()
        w, h = self.size_wh
        for m in range(len(self.scenes)):
            j = self._frame_of(m, i)
            if j is None:
                continue
            shown = self._own_frame(m, j)
            ys, xs = np.nonzero(shown.label > 0)
            if len(xs) == 0:
                continue
            y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
            picture, body = shown.rgb[y0:y1, x0:x1], (shown.label[y0:y1, x0:x1] > 0).astype(np.uint8)
            scale = self.members[m].scale
            if scale != 1.0:
                size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
                picture = cv2.resize(picture, size, interpolation=cv2.INTER_AREA)
                body = cv2.resize(body, size, interpolation=cv2.INTER_NEAREST)
            feet, to = self._place(m, i)
            left = int(round(to[0] + (x0 - feet[0]) * scale))
            top = int(round(to[1] + (y0 - feet[1]) * scale))
            cx0, cy0 = max(left, 0), max(top, 0)
            cx1, cy1 = min(left + picture.shape[1], w), min(top + picture.shape[0], h)
            if cx1 <= cx0 or cy1 <= cy0:
                continue
            part = np.s_[cy0 - top:cy1 - top, cx0 - left:cx1 - left]
            mask = body[part] > 0
            canvas[cy0:cy1, cx0:cx1][mask] = picture[part][mask]
        return canvas

    def _own_frame(self, m: int, j: int) -> Rendered:
        """Member ``m``'s own frame ``j``, rendered once while it is shown again: someone standing (or walking
        along a path) shows their frame 0 throughout, and a frame takes ~30-70 ms to render."""
        if (last := self._last_shown.get(m)) is None or last[0] != j:
            last = self._last_shown[m] = (j, self.scenes[m].render(j))
        return last[1]

    @cached_property
    def _truths(self) -> list[np.ndarray]:
        return [scene.truth.image_xy for scene in self.scenes]

    def image_xy(self, m: int) -> np.ndarray:
        """Member ``m``'s true landmarks in the group's picture, (T, 33, 2) px; NaN where they are not shown."""
        out = np.full((self.n_frames, 33, 2), np.nan)
        for i in range(self.n_frames):
            j = self._frame_of(m, i)
            if j is not None:
                feet, to = self._place(m, i)
                out[i] = to + (self._truths[m][j] - feet) * self.members[m].scale
        return out

    def lifting(self, m: int) -> np.ndarray:
        """(T,) bool: the group's frames in which member ``m`` is in their lift (not standing before or after it)."""
        member = self.members[m]
        t = np.arange(self.n_frames) / self.fps
        if member.lift_at_s is None:
            return np.zeros(self.n_frames, dtype=bool)
        end = member.lift_at_s + len(self.scenes[m]) / self.fps
        return (t >= member.lift_at_s) & (t < end) & (t >= member.shown_s[0]) & (t < member.shown_s[1])


def write_group(group: GroupScene, out_mp4_path: str | Path, crf: int = 20) -> Path:
    """Render ``group`` to an H.264 MP4 at ``out_mp4_path``."""
    out = Path(out_mp4_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    encode_mp4((group.render(i) for i in range(len(group))), out, group.fps, crf=crf)
    return out
