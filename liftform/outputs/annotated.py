"""`annotated.mp4`: the source video with the analysis drawn on every frame.

The source is decoded again (streaming: one frame in memory at a time) and each frame gets the skeleton, the back
coloured by its state (red where the analysis flagged the back as rounded, green where the spine measure was
confident and not flagged, grey otherwise), the angles, the rep count (it goes up at the end of each rep) and the
last finished rep's verdict with its advice in a few words (`core.advice.rep_cue`, as live shows it). The output
keeps the source's frame times. With several lifters judged (`Analysis.others`, their tracks
`PoseTrack.other_lifters`), each is drawn with their own skeleton, back and number above the head (1 the main
lifter, whose panel it is, 2, ... as result.json's other_lifters and the terminal number them), and the panel has a
line for each other lifter: their reps so far and the last one's verdict.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from liftform.analysis import Analysis
from liftform.core.advice import rep_cue
from liftform.core.flags import head_flagged, past_limit_unjudged, shown_spine_flexion_deg
from liftform.core.plausibility import implausible_poses
from liftform.core.silhouette import dorsal_edge_xy
from liftform.core.types import Kinematics
from liftform.core.vocabulary import back_states, tone_of, words_of
from liftform.lifters import with_tracks
from liftform.outputs.overlay import TEXT_RGB, draw_back, draw_label, draw_overlay, draw_skeleton
from liftform.outputs.privacy import PeopleHider
from liftform.outputs.video_writer import H264Writer
from liftform.track import PoseTrack, row_at, rows_for_frames, trunk_midpoints
from liftform.video import VideoFrame, prefetched, shrunk_size_wh

# A larger source (1080p, 4K) is drawn and encoded at this size: x264 holds a dozen frames in flight (~0.7 GB at
# 4K), encoding 720p takes a third of 1080p's time, and a phone screen or report shows no more. Landmarks are
# scaled to it; result files keep source pixels.
ANNOTATED_MAX_SIDE_PX = 1280

Progress = Callable[[int, int], None]


def drawn_track(track: PoseTrack) -> PoseTrack:
    """``track`` as the pictures show it: a pose the core drops as not the lifter (`core.plausibility`: upside
    down, the trunk folded over the legs, a sudden jump in size) has no skeleton, no back and no body or face to
    place the blur by (the whole frame is blurred then). A skeleton folded over a
    standing lifter's legs was drawn over them, its head at the waist."""
    wrong = implausible_poses(track.image_xy, track.timestamps_s)
    return replace(track, image_xy=np.where(wrong[:, None, None], np.nan, track.image_xy)) if wrong.any() else track


def back_edges(track: PoseTrack, kinematics: Kinematics) -> np.ndarray | None:
    """(T, K, 2) pixels of the back's edge per track frame (NaN where unknown), on the side the person faces away
    from around each frame (`Kinematics.facing_signs`: the kinematics are the track's own, frame for frame), or None
    without a back profile or when the way the person faces (hence which side is the back) is unknown."""
    if track.back_profile_px is None or not kinematics.facing_sign:
        return None
    facing = kinematics.facing_signs() if len(kinematics) == len(track) else kinematics.facing_sign
    shoulder, hip = trunk_midpoints(track.image_xy)
    return dorsal_edge_xy(shoulder, hip, track.back_profile_px, facing)


def head_hanging_shown_deg(analysis: Analysis) -> np.ndarray:
    """(T,) neck flexion (deg) where the head hanging past its limit flagged the back, else NaN: the panel names it
    there, so a red back over a spine angle inside its limit is explained."""
    neck = analysis.kinematics.neck_flexion_deg
    return np.where(head_flagged(analysis.flagged, neck, analysis.settings.verdict.head_hanging_neck_deg), neck, np.nan)


def frame_states(analysis: Analysis) -> np.ndarray:
    """(T,) back state per analysed frame (`core.vocabulary.back_states`)."""
    kin, verdict = analysis.kinematics, analysis.settings.verdict
    unjudged = past_limit_unjudged(kin.spine_flexion_deg, kin.neck_flexion_deg, kin.trunk_inclination_deg,
                                   kin.hip_flexion_deg, verdict)
    return back_states(analysis.flagged, kin.spine_flexion_confidence, verdict.min_confidence, unjudged)


class _RepClock:
    """Reps finished by a source frame, and the last finished rep's verdict and cue (its advice in a few words: the
    video had shown the verdict alone, the words of what to do only in the terminal, the files and live)."""

    def __init__(self, analysis: Analysis) -> None:
        frame_index = analysis.kinematics.frame_index
        ends = sorted((int(frame_index[rv.rep.end]), rv.verdict, rep_cue(rv, analysis.settings.advice))
                      for rv in analysis.verdicts if 0 <= rv.rep.end < len(frame_index))
        self.end_frames = [frame for frame, _, _ in ends]
        self.said = [(verdict, cue) for _, verdict, cue in ends]

    def at(self, frame_number: int) -> tuple[int, str | None, str | None]:
        """(reps finished, the last one's verdict, its cue) at ``frame_number``."""
        done = bisect.bisect_right(self.end_frames, frame_number)
        return (done, *self.said[done - 1]) if done else (0, None, None)


class _Lifter:
    """One lifter as the video draws them: landmarks and back edge at the drawn frame's size, the back's state and
    reps finished, each looked up by source frame number."""

    def __init__(self, analysis: Analysis, track: PoseTrack, scale_xy: np.ndarray) -> None:
        kin = analysis.kinematics
        self.kin_rows, self.track_rows = rows_for_frames(kin.frame_index), rows_for_frames(track.frame_index)
        self.states = frame_states(analysis)
        edges = back_edges(track, kin)
        self.image_xy, self.visibility = track.image_xy * scale_xy, track.visibility
        self.edges = None if edges is None else edges * scale_xy
        self.reps = _RepClock(analysis)

    def at(self, frame_number: int) -> tuple[int, np.ndarray | None, np.ndarray | None, np.ndarray | None, str]:
        """(analysis row or -1, landmarks, visibility, back edge (None where unknown), back state) at
        ``frame_number``: no landmarks where the frame has no row."""
        r, tr = row_at(self.kin_rows, frame_number), row_at(self.track_rows, frame_number)
        if r < 0 or tr < 0:
            return r, None, None, None, self.states[r] if r >= 0 else "unknown"
        edge = None if self.edges is None else self.edges[tr]
        return r, self.image_xy[tr], self.visibility[tr], edge, self.states[r]

    def panel_line(self, number: int, frame_number: int) -> tuple[str, tuple[int, int, int]]:
        """"Lifter 2: 1 rep, last ROUNDED BACK" at ``frame_number``, in the last verdict's colour."""
        done, last, _ = self.reps.at(frame_number)
        text = f"Lifter {number}: {done} rep{'' if done == 1 else 's'}"
        return (f"{text}, last {words_of(last)}", tone_of(last).text_rgb) if last else (text, TEXT_RGB)


def _draw_other_lifters(image: np.ndarray, others: list[tuple[int, _Lifter]], frame_number: int) -> None:
    """Draw each other lifter (skeleton, back, their number) on ``image`` at ``frame_number``."""
    for number, lifter in others:
        _, landmarks, visibility, edge, state = lifter.at(frame_number)
        if landmarks is not None:
            draw_skeleton(image, landmarks, visibility)
            draw_back(image, landmarks, edge, state)
            draw_label(image, str(number), landmarks)


def write_annotated_video(video_path: str | Path, analysis: Analysis, track: PoseTrack, out_path: str | Path,
                          progress: Progress | None = None, *, blur_faces: bool = False,
                          on_frame: Callable[[VideoFrame], bool | None] | None = None) -> Path:
    """Decode ``video_path`` again and write it with the overlay to ``out_path`` (H.264 MP4, atomic).

    Args:
        video_path: the analysed source video.
        analysis: its analysis; rows are matched to decoded frames by source frame number (``frame_index``); a
            frame that was not analysed shows the nearest analysed row (`liftform.track.rows_for_frames`).
        track: the pose track of the analysis (landmarks in source pixels, upright), matched the same way.
        out_path: the .mp4 to write; it appears only when complete.
        progress: called as ``progress(frames_done, frames_total)`` after each frame.
        blur_faces: hide who is in every frame (`PeopleHider`: the whole frame without a pose).
        on_frame: also given every decoded frame, at the size it is drawn but before anything is drawn on it
            (the report takes its stills there: one decode for both); when it returns True, the frame is written as
            a keyframe (the report's clips are cut from the video there, without encoding them again).

    The video is drawn and written at most ``ANNOTATED_MAX_SIDE_PX`` on its longer side (`shrunk_size_wh`).

    Frames with no analysis row or no pose are written with the panel but without skeleton or back.
    Raises InputError if the source cannot be decoded, OutputError if the video cannot be written.
    """
    from liftform.video import open_video

    kin = analysis.kinematics
    pairs = with_tracks(analysis.others, track.other_lifters)      # drawn where their tracks are at hand
    track = drawn_track(track)
    hider = PeopleHider(track) if blur_faces else None
    angle_columns = {"trunk": kin.trunk_inclination_deg, "hip": kin.hip_flexion_deg, "knee": kin.knee_flexion_deg,
                     "spine": shown_spine_flexion_deg(kin.spine_flexion_deg, kin.trunk_inclination_deg,
                                                      kin.hip_flexion_deg, analysis.settings.verdict),
                     "head": head_hanging_shown_deg(analysis)}
    out_path = Path(out_path)
    with open_video(video_path) as video:
        total = int(analysis.source.frames or video.n_frames)
        fps = analysis.source.fps or video.fps
        size_wh = shrunk_size_wh(video.width, video.height, ANNOTATED_MAX_SIDE_PX)
        scale_xy = np.divide(size_wh, (video.width, video.height))   # (x, y) drawn px per source px
        main = _Lifter(analysis, track, scale_xy)     # drawn on the (possibly) smaller frame
        others = [(number, _Lifter(other, drawn_track(other_track), scale_xy))
                  for number, (other, other_track) in enumerate(pairs, start=2)]
        with H264Writer(out_path, fps, *size_wh) as writer, \
                prefetched(video.frames(max_side_px=ANNOTATED_MAX_SIDE_PX)) as frames:   # ends before the video closes
            # Frames are shrunk as they are converted from the decoder's YUV (a third of the time of converting
            # a 1080p frame and resizing it), in a thread of their own, as the writer encodes in its own: decoding,
            # drawing and encoding overlap (PyAV, OpenCV and x264 release the GIL).
            for done, frame in enumerate(frames, start=1):
                keyframe = bool(on_frame(frame)) if on_frame is not None else False
                image = _drawable(frame.rgb, size_wh)
                if hider is not None:
                    hider.hide(image, row_at(main.track_rows, frame.index), scale_xy)
                r, landmarks, visibility, edge, state = main.at(frame.index)
                count, last, cue = main.reps.at(frame.index)
                # With several lifters the panel leaves lifter 1's angles to frames.csv and the report: its ten
                # lines covered a second lifter's back at the top-left of a 640x480 picture.
                angles = None if others else _angles_at(angle_columns, r)
                draw_overlay(image, landmarks, visibility, edge, state, angles_deg=angles, rep_count=count,
                             last_rep_verdict=last, title="Lifter 1" if others else None,
                             lines=[*([cue] if cue else []), *(o.panel_line(n, frame.index) for n, o in others),
                                    f"t {frame.timestamp_s:.2f} s  frame {frame.index}"])
                if others:      # over the panel: a lifter standing at the top-left is not hidden under it
                    draw_label(image, "1", landmarks)
                    _draw_other_lifters(image, others, frame.index)
                writer.write(image, frame.timestamp_s, keyframe=keyframe)
                if progress is not None:
                    progress(done, max(total, done))
    return out_path


def _drawable(image: np.ndarray, size_wh: tuple[int, int]) -> np.ndarray:
    """``image`` at ``size_wh``, writable and contiguous (OpenCV draws in place)."""
    if image.shape[1::-1] != size_wh:
        image = cv2.resize(image, size_wh, interpolation=cv2.INTER_AREA)
    if not (image.flags.writeable and image.flags.c_contiguous):
        image = np.array(image, order="C")
    return image


def _angles_at(columns: dict[str, np.ndarray], row: int) -> dict[str, float]:
    """The panel's angles at analysis row ``row`` (NaN without one); the head's only where it flagged the back."""
    angles = {key: float(col[row]) if row >= 0 else float("nan") for key, col in columns.items()}
    if not np.isfinite(angles["head"]):
        del angles["head"]
    return angles
