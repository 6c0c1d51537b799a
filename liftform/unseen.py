"""What a video did not show of its lifter, in words for the notes: the frames they were missing from, and why no
lift was found. Never prints.
"""

from __future__ import annotations

import numpy as np

from liftform.core.filters import frame_holes, frame_interval_s, runs_s
from liftform.core.kinematics import upright
from liftform.core.reps import seated_note
from liftform.core.types import Kinematics
from liftform.core.viewpoint import filmed_from_behind
from liftform.settings import Settings
from liftform.shots import shot_numbers
from liftform.track import PoseTrack

LOST_STRETCH_S = 1.0            # the lifter missing this long at a stretch is gone for a while, not missed now and then
# Fewer analysed frames a second than this is a timelapse or a failing camera, not a video of a lift: rounding must
# last 0.15 s (`[verdict] min_rounded_s`), two frames at 12 a second, and a rep's bottom or its rise falls between
# frames (a 2 fps copy of a sample said a rep's recording "stops 2% of the way back up", with no word on the rate).
FEWEST_FRAMES_PER_S = 12.0


def own_shots(track: PoseTrack, cuts_s: tuple[float, ...]) -> np.ndarray:
    """(T,) bool: the frames of the shots (between cuts, `SourceInfo.cuts_s`) the person was seen in; all frames
    where the video does not cut. In a compilation the others' shots are not frames where this lifter was lost."""
    shot = shot_numbers(track.timestamps_s, cuts_s)
    return np.isin(shot, shot[track.has_pose]) if track.has_pose.any() else np.ones(len(track), dtype=bool)


def lost_note(has_pose: np.ndarray, t: np.ndarray) -> str:
    """The lifter missing from many frames (``has_pose`` (T,) bool at ``t`` (T,) s), said as it happened, with what
    to do: for whole stretches (they walked away, another lifter took over, or a plate hid them: two real clips lost
    a lifter standing behind the plates for 1.4 and 1.6 s, so the note does not say which), else here and there (a
    small lifter in a compressed picture is what loses them most: README, low quality)."""
    dt = frame_interval_s(t)
    durations_s = runs_s(~has_pose, t)[1]
    away_s = float(durations_s[durations_s >= LOST_STRETCH_S].sum())
    seen = int(has_pose.sum())
    missed_here_and_there = len(has_pose) - seen - (round(away_s / dt) if dt > 0 else 0)
    if away_s > 0 and missed_here_and_there < 0.2 * seen:     # found in 80 % of the frames where in view
        return (f"the lifter was not found for {away_s:.1f} s of the {float(t[-1] - t[0]) + dt:.1f} s (out of view "
                "or hidden): a lift made then is not judged; keep the whole body in view")
    return (f"the lifter was found in only {seen} of {len(has_pose)} frames: film them large in the picture, whole "
            "body in view, in good light")


# A track without the back's outline (`PoseTrack.back_profile_px`): one made of another pose model's landmarks. Every
# rep is then "not judged", and its reason alone blamed the clothes or an arm against the back.
NO_OUTLINE_NOTE = ("the pose track has no outline of the back (PoseTrack.back_profile_px, from the pose model's "
                   "segmentation mask), which the spine is measured from: no back could be judged")


HIDDEN_WORDS = "someone else was followed in the lifter's place"   # in the note of `hidden_note` (a rescore keeps it)


def hidden_note(has_pose: np.ndarray, t: np.ndarray, swaps_s: tuple[float, ...]) -> str | None:
    """The stretches the lifter (``has_pose`` (T,) bool at ``t`` (T,) s) was not seen from a moment their follower
    took someone else (``swaps_s``, `follow.swapped`: a passerby crossing them, in front or behind) until they were
    found again, in words; None where no swap left the lifter (a swap onto them, or between other people, finds
    them seen there). Said however short: a lift made then is missing from the result, or judged on a part."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ~has_pose, [0]]).astype(int)))
    at = np.searchsorted(t, np.asarray(swaps_s, dtype=float) - 1e-6)        # the frame each swap was made on
    end_s = float(t[-1] + frame_interval_s(t)) if len(t) else 0.0
    stretches = [(float(t[a]), float(t[b]) if b < len(t) else end_s)
                 for a, b in zip(edges[::2], edges[1::2], strict=True) if ((at >= a) & (at < b)).any()]
    if not stretches:
        return None
    when = ", ".join(f"{a:.1f}-{b:.1f} s" if f"{a:.1f}" != f"{b:.1f}" else f"{a:.1f} s" for a, b in stretches)
    return (f"{HIDDEN_WORDS} at {when} (a person passing close by, in front of or behind them): the lifter was not "
            "seen then, and a lift made then is not judged, or only on the part seen; film where nobody walks past "
            "close to the lifter")


def no_lift_note(kinematics: Kinematics, settings: Settings) -> str:
    """Why no rep was found, truthfully: the shoulders never came down far enough, or they did but too briefly to
    make a lift (a bob; a part of a lift the video cuts is a rep, judged on what was seen), or the person was never
    seen standing, which the shoulders' coming down is measured from (a still picture of a stoop held as a video had
    been told the shoulders "never came down" from a standing height never seen)."""
    k, depth = kinematics, kinematics.depth
    if not np.isfinite(depth).any():
        return "no lift was found: no pose of the lifter could be measured"
    if not upright(k.trunk_inclination_deg, k.hip_flexion_deg, k.knee_flexion_deg).any():
        return ("no lift was found: the person was never seen standing upright, where a lift starts and ends (a still "
                "picture, or a video bent over or seated throughout): film a whole lift, from standing to standing")
    if seated_note(k, (), settings.reps) is not None:   # its bends were long enough: "for less than 0.5 s" was untrue
        return "no lift was found: the person sat down (said in another note), which is not counted as a lift"
    deepest = float(np.nanmax(depth))
    if deepest < settings.reps.min_depth:
        return (f"no lift was found: the shoulders never came down by {100 * settings.reps.min_depth:.0f}% of "
                "standing height")
    return (f"no whole lift was found: the shoulders came down by {100 * deepest:.0f}% of standing height, but "
            f"for less than the {settings.reps.min_duration_s:g} s a rep takes")


def view_note(kinematics: Kinematics, view: str) -> str | None:
    """The note on where the camera stood (``view``, `core.spine.view_label` of the clip), where it is not side-on:
    from behind at an angle (`viewpoint.filmed_from_behind`), at an angle, or from the front; None side-on, or where
    no pose was measured (the notes say why)."""
    if filmed_from_behind(kinematics.view_yaw_deg, kinematics.camera_behind):
        return ("the camera sees the lifter from behind at an angle, where the shoulder blades shape the back's "
                "outline and a flat back can read rounded: film side-on for a reliable spine measure")
    if view in ("side", "unknown"):
        return None
    seen = {"oblique": "at an angle (three-quarter view)", "front": "from the front"}.get(view, f"from the {view}")
    return f"the camera sees the lifter {seen}: film side-on for a reliable spine measure"


def few_frames_note(timestamps_s: np.ndarray) -> str | None:
    """A note where the frames analysed (at ``timestamps_s`` (T,) s) come fewer than `FEWEST_FRAMES_PER_S` a second
    (their median interval), else where they have holes (`filters.frame_holes`: a phone or a screen recording
    dropping frames; a rep there vanished without a word, and the next, a lift, was told as a set-down)."""
    dt = frame_interval_s(timestamps_s)
    if len(timestamps_s) < 2:
        return None
    if dt <= 1.0 / FEWEST_FRAMES_PER_S:
        gaps = np.flatnonzero(frame_holes(timestamps_s))
        if not len(gaps):
            return None
        holes = [f"{timestamps_s[i]:.1f} to {timestamps_s[i + 1]:.1f} s" for i in gaps[:3]]
        more = f" and {len(gaps) - 3} more" if len(gaps) > 3 else ""
        return (f"the video has no frames from {', '.join(holes)}{more} (dropped, cut out or damaged): a rep there is "
                "not seen, and the reps either side may be joined into one, or a lift told as a set-down")
    return (f"only {1.0 / dt:.0f} frame(s) a second were analysed (a timelapse, a camera dropping frames, or "
            "[pose] analysis_fps set low): what the back does between frames is not seen, and a rep's times are "
            "rough; film and analyse 24 frames a second or more")
