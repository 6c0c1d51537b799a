"""Frames and clips for the report: decode the source once, draw the analysis on the frames asked for, blur faces.

Stills come back as JPEG bytes (for data: URIs); clips are written as H.264 MP4 with :class:`H264Writer`, which
browsers play. With ``blur_faces`` everything but the lifter's shape is blurred (anyone else in view), then the
lifter's head from the face landmarks of the frame and the heads of the others followed (poses.npz); a frame
without the lifter's pose is blurred whole, so no exported frame can show a face (`outputs.privacy.PeopleHider`).
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from liftform.analysis import RepStill
from liftform.core.flags import shown_spine_flexion_deg
from liftform.core.silhouette import dorsal_edge_xy, trunk_outline_xy
from liftform.core.vocabulary import BackState
from liftform.errors import OutputError
from liftform.outputs.annotated import ANNOTATED_MAX_SIDE_PX, back_edges
from liftform.outputs.overlay import draw_back, draw_label, draw_overlay, draw_skeleton
from liftform.outputs.privacy import PeopleHider, blur_whole
from liftform.outputs.video_writer import H264Writer, copy_segment
from liftform.report.data import ResultData
from liftform.stills import padded_rep
from liftform.track import row_at, rows_for_frames, trunk_midpoints
from liftform.video_tools import prefetched, shrink_interpolation

STILL_MAX_SIDE_PX = 720      # stills are downscaled to fit this
CLIP_MAX_SIDE_PX = 720       # clips are downscaled to fit this (as the stills: a third of 1280 px's encoding time)
JPEG_QUALITY = 85

# The report's stills as JPEG bytes: the main lifter's by source frame, the other lifters' by `LifterStill.key`.
Media = dict[int | tuple[int, int], bytes]


@dataclass(frozen=True)
class Still:
    """A frame for the gallery: cropped to ``box`` (x0, y0, x1, y1 px; None: whole frame), no panel."""

    box: tuple[int, int, int, int] | None = None


@dataclass(frozen=True)
class LifterStill:
    """Another lifter's frame for the gallery (`RepStill`): drawn as lifter ``number`` (their skeleton, back in
    ``state``, their number), facing ``facing_sign`` (+1 image-right, -1 left, 0 unknown: no back's edge), cropped
    to the still's box."""

    number: int
    still: RepStill
    facing_sign: int
    state: str

    @property
    def key(self) -> tuple[int, int]:
        """Its JPEG's key in `MediaGrabber.images`: (lifter number, source frame)."""
        return self.number, self.still.frame


@dataclass(frozen=True)
class ClipRequest:
    """Write source frames ``first``..``last`` (inclusive) to ``path``, with ``label`` in the panel."""

    first: int
    last: int
    path: Path
    label: str


class FrameArtist:
    """Draws the analysis of one result folder on source frames (RGB, in place), at the source's size or shrunk
    (the annotated video's frames: the landmarks are scaled to the image)."""

    def __init__(self, data: ResultData, blur_faces: bool) -> None:
        self.data, self.blur_faces = data, blur_faces
        self.track = track = data.shown_track
        self.track_rows = _lookup(track.frame_index) if track is not None else np.zeros(0, np.int64)
        self.edges = back_edges(track, data.analysis.kinematics) if track is not None else None
        self.hider = PeopleHider(track) if blur_faces and track is not None else None
        self.frame_rows = _lookup(data.frames["frame"]) if data.frames is not None else np.zeros(0, np.int64)

    def _state(self, row: int) -> str:
        """The back state of frames.csv row ``row`` (`core.vocabulary.back_state`)."""
        states = self.data.back_states
        return str(states[row]) if self.data.frames is not None and 0 <= row < len(states) else BackState.UNKNOWN.value

    def draw(self, image: np.ndarray, frame_number: int, timestamp_s: float, label: str = "", *,
             panel: bool = True) -> np.ndarray:
        """Blur (if asked) and draw skeleton, back contour and (with ``panel``) the angle panel on ``image``
        (H, W, 3) RGB, in place."""
        track_row = row_at(self.track_rows, frame_number)
        row = row_at(self.frame_rows, frame_number)
        track = self.track
        scale_xy = (np.divide(image.shape[1::-1], track.frame_size_wh) if track is not None
                    else np.ones(2))                  # image px per source px, (x, y)
        if self.hider is not None:
            self.hider.hide(image, track_row, scale_xy)
        elif self.blur_faces:                           # no landmarks: nobody's place is known
            blur_whole(image)
        landmarks = visibility = edge = None
        if track_row >= 0 and row >= 0:
            landmarks, visibility = track.image_xy[track_row] * scale_xy, track.visibility[track_row]
            edge = None if self.edges is None else self.edges[track_row] * scale_xy
        state = self._state(row)
        if not panel:
            if landmarks is not None:
                draw_skeleton(image, landmarks, visibility)
            draw_back(image, landmarks, edge, state)
            return image
        angles = {}
        if self.data.frames is not None:
            for key, column in (("trunk", "trunk_inclination_deg"), ("hip", "hip_flexion_deg"),
                                ("knee", "knee_flexion_deg"), ("spine", "spine_flexion_deg")):
                values = self.data.frames.get(column)
                angles[key] = float(values[row]) if values is not None and row >= 0 else math.nan
            angles["spine"] = float(shown_spine_flexion_deg(angles["spine"], angles["trunk"], angles["hip"],
                                                            self.data.analysis.settings.verdict))
        lines = [f"{label}t {timestamp_s:.2f} s  frame {frame_number}"]
        draw_overlay(image, landmarks, visibility, edge, state, angles_deg=angles, lines=lines)
        return image

    def draw_other(self, image: np.ndarray, shown: LifterStill) -> np.ndarray:
        """Blur (if asked: all but that lifter's shape, and every face) and draw another lifter's still ``shown``
        (their skeleton, back and number) on ``image`` (H, W, 3) RGB, a frame of the source shrunk or not, in
        place."""
        still = shown.still
        scale_xy = np.divide(image.shape[1::-1], _source_wh(self.data))
        profile = still.back_profile_px
        shoulder, hip = trunk_midpoints(still.image_xy)
        outline = None if profile is None else trunk_outline_xy(shoulder, hip, profile)
        if self.hider is not None:
            self.hider.hide(image, row_at(self.track_rows, still.frame), scale_xy, (still.image_xy, outline))
        elif self.blur_faces:                           # without the main lifter's landmarks, their face is not known
            blur_whole(image)
        edge = (None if profile is None or not shown.facing_sign else
                dorsal_edge_xy(shoulder[None], hip[None], profile[None], shown.facing_sign)[0] * scale_xy)
        landmarks = still.image_xy * scale_xy
        draw_skeleton(image, landmarks, still.visibility)
        draw_back(image, landmarks, edge, shown.state)
        draw_label(image, str(shown.number), landmarks)
        return image


def _source_wh(data: ResultData) -> tuple[int, int]:
    """The source frame's (width, height) px, upright: what landmarks and boxes are measured in."""
    track = data.track
    return track.frame_size_wh if track is not None else (data.analysis.source.width, data.analysis.source.height)


def person_box(data: ResultData, first: int, last: int, margin: float = 0.15) -> tuple[int, int, int, int] | None:
    """Box (x0, y0, x1, y1) px around the lifter over source frames ``first``..``last`` (`PoseTrack.box_px` of the
    track as the pictures show it). None without landmarks."""
    track = data.shown_track
    return None if track is None else track.box_px(first, last, margin)


def _cropped(image: np.ndarray, box: tuple[int, int, int, int], scale_xy: np.ndarray) -> np.ndarray:
    """``image`` cropped to ``box`` (x0, y0, x1, y1) source px, the image being ``scale_xy`` image px per source
    px."""
    (sx, sy), (x0, y0, x1, y1) = scale_xy, box
    return image[int(y0 * sy):math.ceil(y1 * sy), int(x0 * sx):math.ceil(x1 * sx)]


def _lookup(frame_numbers: np.ndarray) -> np.ndarray:
    """Array mapping a source frame number to its row: its own, or the nearest analysed one for a frame that was
    not analysed (`liftform.track.rows_for_frames`); -1 where none applies."""
    numbers = np.asarray(frame_numbers)
    numbers = numbers[np.isfinite(numbers)].astype(np.int64) if numbers.dtype.kind == "f" else numbers.astype(
        np.int64)
    return rows_for_frames(numbers)


def _fit(image: np.ndarray, max_side: int) -> np.ndarray:
    height, width = image.shape[:2]
    scale = max_side / max(height, width)
    if scale >= 1:
        return image
    return cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=shrink_interpolation(scale))


def jpeg_bytes(rgb: np.ndarray) -> bytes:
    """``rgb`` (H, W, 3) uint8 as JPEG bytes (downscaled to :data:`STILL_MAX_SIDE_PX`)."""
    small = _fit(rgb, STILL_MAX_SIDE_PX)
    ok, buffer = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise OutputError("cannot encode a report frame as JPEG (OpenCV imencode failed)")
    return buffer.tobytes()


def clip_bounds(data: ResultData, rep: dict) -> tuple[int, int] | None:
    """(first, last) source frame of a rep's clip: the rep padded by `stills.CLIP_PAD_S` on each side."""
    start, end = rep.get("start_frame"), rep.get("end_frame")
    if start is None or end is None:
        return None
    return padded_rep(data.analysis.source, int(start), int(end))


class MediaGrabber:
    """Takes the report's stills and clips from decoded frames fed to it in order (from the report's own decode, or
    from the annotated video's, so a video is decoded once for both). ``images`` collects {frame number: JPEG
    bytes} of the main lifter's stills and {`LifterStill.key`: JPEG bytes} of the other lifters' (``others``). Use
    inside ``stack`` (it closes the clip writers).

    Clips are drawn and encoded as the frames arrive; with ``cut_clips`` (the frames fed are being written to an
    annotated video drawn like the clips, faces blurred alike) they are instead cut from that video by `finish`,
    without encoding them again: `feed` then returns True for each frame where a clip starts or ends, which the
    annotated video must make a keyframe.
    """

    def __init__(self, data: ResultData, stills: dict[int, Still], clips: list[ClipRequest], *, blur_faces: bool,
                 stack: contextlib.ExitStack, cut_clips: bool = False, others: tuple[LifterStill, ...] = ()) -> None:
        self.artist = FrameArtist(data, blur_faces)
        self.stills, self.clips, self.stack = stills, clips, stack
        self.others: dict[int, list[LifterStill]] = {}
        for shown in others:
            self.others.setdefault(shown.still.frame, []).append(shown)
        self.fps = float(data.analysis.source.fps or 30.0)
        self.cut_clips = cut_clips
        self.last_frame = max([*stills, *self.others, *(c.last + cut_clips for c in clips)], default=-1)
        self.images: Media = {}
        # The clips in the order their frames come, the next to start at ``_next_clip``; those started and not yet
        # ended are open (a writer each, closed at the clip's last frame). Per frame, only these are looked at: a
        # long set's every clip looked at on every frame, and every clip's writer (an encoder and its threads) open
        # to the end, had taken 4.2 GB and a thousand threads to draw a 10-minute set of 198 rounded reps again.
        self._order = sorted(range(len(clips)), key=lambda k: clips[k].first)
        self._next_clip = 0
        self._open: dict[int, contextlib.ExitStack] = {}
        self._writers: dict[int, H264Writer] = {}
        self._cut_frames = {n for clip in clips for n in (clip.first, clip.last + 1)}
        self._first_time_s: float | None = None
        self._cut_times_s: dict[int, float] = {}   # frame number -> its time in the annotated video

    def frames_drawn(self) -> set[int]:
        """The frame numbers `feed` draws on (the stills and, unless cut, the clips' frames): the others need no
        RGB (`VideoSource.frames`' ``only``)."""
        clips = () if self.cut_clips else self.clips
        return {*self.stills, *self.others, *(n for clip in clips for n in range(clip.first, clip.last + 1))}

    def feed(self, frame) -> bool:
        """One decoded frame (``.index``, ``.timestamp_s``, ``.rgb``; not modified). True when, with
        ``cut_clips``, the frame must start a keyframe of the annotated video."""
        if self._first_time_s is None:
            self._first_time_s = frame.timestamp_s
        if frame.index > self.last_frame:
            return False
        keyframe = self.cut_clips and frame.index in self._cut_frames
        if keyframe:
            self._cut_times_s[frame.index] = frame.timestamp_s - self._first_time_s
        elif not self.cut_clips:
            self._draw_clips(frame)
        still = self.stills.get(frame.index)
        if still is not None:
            image = self.artist.draw(np.array(frame.rgb, order="C"), frame.index, frame.timestamp_s, panel=False)
            if still.box is not None:     # source px; the frame may be shrunk (the annotated video's)
                image = _cropped(image, still.box, np.divide(image.shape[1::-1], self.artist.data.track.frame_size_wh))
            self.images[frame.index] = jpeg_bytes(image)
        for shown in self.others.get(frame.index, ()):
            image = self.artist.draw_other(np.array(frame.rgb, order="C"), shown)
            if shown.still.box_px is not None:
                image = _cropped(image, shown.still.box_px, np.divide(image.shape[1::-1], _source_wh(self.artist.data)))
            self.images[shown.key] = jpeg_bytes(image)
        return keyframe

    def _draw_clips(self, frame) -> None:
        """Draw ``frame`` into each clip it is part of; a clip's file is complete (its writer closed) at its last."""
        while self._next_clip < len(self._order) and self.clips[self._order[self._next_clip]].first <= frame.index:
            self._open[self._order[self._next_clip]] = self.stack.enter_context(contextlib.ExitStack())
            self._next_clip += 1
        for k in sorted(self._open):
            clip = self.clips[k]
            if frame.index <= clip.last:
                image = self.artist.draw(np.array(frame.rgb, order="C"), frame.index, frame.timestamp_s, clip.label)
                image = _fit(image, CLIP_MAX_SIDE_PX)
                if k not in self._writers:
                    clip.path.parent.mkdir(parents=True, exist_ok=True)
                    height, width = image.shape[:2]
                    self._writers[k] = self._open[k].enter_context(H264Writer(clip.path, self.fps, width, height))
                self._writers[k].write(np.ascontiguousarray(image), frame.timestamp_s)
            if frame.index >= clip.last:
                self._writers.pop(k, None)
                self._open.pop(k).close()

    def finish(self, annotated: Path) -> None:
        """With ``cut_clips``: cut each clip fed from the finished ``annotated`` video (its keyframes at the clips'
        ends), or, where it has no keyframe there, take the clip's frames from it and encode them."""
        if not self.cut_clips:
            return
        for clip in self.clips:
            start_s = self._cut_times_s.get(clip.first)
            if start_s is None:
                continue          # never decoded: no clip
            stop_s = self._cut_times_s.get(clip.last + 1)
            clip.path.parent.mkdir(parents=True, exist_ok=True)
            if not copy_segment(annotated, clip.path, start_s, stop_s):
                _encode_segment(annotated, clip.path, start_s, stop_s, self.fps)


def _encode_segment(source: Path, out_path: Path, start_s: float, stop_s: float | None, fps: float) -> None:
    """The frames of video ``source`` shown from ``start_s`` up to ``stop_s`` (exclusive; None: the end),
    encoded into ``out_path`` at their own size and times."""
    from liftform.video import open_video

    half_frame_s = 0.5 / fps
    with contextlib.ExitStack() as stack, open_video(source) as video:
        writer = None
        for frame in video:
            if frame.timestamp_s < start_s - half_frame_s:
                continue
            if stop_s is not None and frame.timestamp_s >= stop_s - half_frame_s:
                break
            if writer is None:
                height, width = frame.rgb.shape[:2]
                writer = stack.enter_context(H264Writer(out_path, fps, width, height))
            writer.write(frame.rgb, frame.timestamp_s)


def grab_media(data: ResultData, stills: dict[int, Still], clips: list[ClipRequest], *,
               blur_faces: bool, others: tuple[LifterStill, ...] = ()) -> Media:
    """Decode ``data.video_path`` once (up to the last frame wanted): JPEG bytes of each still (keyed by source
    frame; the other lifters', ``others``, by `LifterStill.key`) and the clips.

    Returns {key: JPEG bytes} for the stills that were decoded. Raises InputError if the video cannot be
    decoded, OutputError if a clip cannot be written. A clip whose frames were never decoded is not written.
    """
    from liftform.video import open_video

    with contextlib.ExitStack() as stack:
        grabber = MediaGrabber(data, stills, clips, blur_faces=blur_faces, stack=stack, others=others)
        if grabber.last_frame < 0:
            return {}
        with open_video(data.video_path) as video:
            # Converted (and a large frame shrunk) by OpenCV as they leave the decoder, as the annotated video's:
            # the stills and clips are drawn on the frames that video would show; decoded on a thread of their own,
            # while this one draws and the clips' writers encode on theirs. Only the frames drawn on are converted
            # (the 11 samples' reports decode 1,899 frames and draw on 653: ~0.2 s of CPU saved in all).
            drawn = grabber.frames_drawn()
            with prefetched(video.frames(max_side_px=ANNOTATED_MAX_SIDE_PX, only=drawn)) as frames:
                for frame in frames:
                    if frame.index > grabber.last_frame:
                        break
                    grabber.feed(frame)
    return grabber.images
