"""The frames kept to picture another lifter's reps in the report.

The report is drawn from result.json, frames.csv and poses.npz, which keeps the other lifters' tracks only since the
fifty-ninth session (their angles are in no file). So that a clinician can check a second lifter's rounded rep as
they check the main lifter's, each of their reps to look at (`core.look_at.reps_shown`, as the main lifter's gallery
picks them) keeps one frame, its worst moment, with the lifter's pose there and the box around them over the rep
(`RepStill`, written in result.json ``other_lifters[].stills``; the report crops the frame to the box, draws the
pose and, with ``--blur-faces``, hides everyone but that lifter's shape and every face, as it does for the main
lifter).

    stills = rep_stills(other_analysis, other_track)     # (RepStill, ...) in rep order
"""

from __future__ import annotations

import numpy as np

from liftform.analysis import Analysis, RepStill, SourceInfo
from liftform.core.flags import spine_judged
from liftform.core.look_at import reps_shown, worst_moment
from liftform.track import PoseTrack, row_at, rows_for_frames

CLIP_PAD_S = 0.3             # a rep's clip, and the box its frames are cropped to, start this much before it and end
                             # this much after


def padded_rep(source: SourceInfo, start_frame: int, end_frame: int) -> tuple[int, int]:
    """(first, last) source frame of a rep from ``start_frame`` to ``end_frame`` padded by :data:`CLIP_PAD_S` on
    each side, within the video."""
    fps = float(source.fps or 30.0)
    pad = round(CLIP_PAD_S * fps)
    last_frame = int(source.frames or end_frame + pad + 1) - 1
    return max(0, int(start_frame) - pad), min(last_frame, int(end_frame) + pad)


def rep_stills(analysis: Analysis, track: PoseTrack) -> tuple[RepStill, ...]:
    """A `RepStill` for each of ``analysis``'s reps to look at that are shown one by one (`reps_shown`), from
    ``track``, the track it was judged from, as the pictures show it (`outputs.annotated.drawn_track`). The worst
    moment is `worst_moment`'s over the rep's frames (the neck's angle for a rep rounded by its hanging head), else
    the rep's bottom, as the report finds the main lifter's from frames.csv."""
    from liftform.outputs.annotated import drawn_track

    kin, verdict_settings = analysis.kinematics, analysis.settings.verdict
    shown = reps_shown(analysis.verdicts)
    if not shown:
        return ()
    track = drawn_track(track)
    flagged = np.asarray(analysis.flagged, dtype=bool)
    judged = np.asarray(analysis.judged, dtype=bool)
    with np.errstate(invalid="ignore"):
        confident = (kin.spine_flexion_confidence >= verdict_settings.min_confidence) & spine_judged(
            kin.trunk_inclination_deg, kin.hip_flexion_deg, verdict_settings)
    track_rows = rows_for_frames(track.frame_index)
    stills = []
    for rv in shown:
        rep = rv.rep
        span = slice(rep.start, rep.end + 1)
        values = (kin.neck_flexion_deg if rv.head_led else kin.spine_flexion_deg)[span]
        worst = worst_moment(values, flagged[span], judged[span], confident[span])
        frame = int(kin.frame_index[rep.start + worst if worst >= 0 else rep.bottom])
        row = row_at(track_rows, frame)
        if row < 0:
            continue
        profile = track.back_profile_px
        stills.append(RepStill(
            rep_index=int(rep.index), frame=frame,
            box_px=track.box_px(*padded_rep(analysis.source, int(kin.frame_index[rep.start]),
                                            int(kin.frame_index[rep.end]))),
            image_xy=track.image_xy[row].copy(), visibility=track.visibility[row].copy(),
            back_profile_px=None if profile is None else profile[row].copy()))
    return tuple(stills)
