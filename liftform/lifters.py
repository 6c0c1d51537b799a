"""Who of the people followed beside the main lifter is judged as another lifter, and how: written once for the pose
stage's people (`pipeline.analyze_people`) and for their tracks saved in poses.npz (`PoseTrack.other_lifters`:
`batch.rescore.judged_again`, and `score`'s re-analysis from saved poses), so a rescore judges every lifter as
`analyze` did; and which saved track each judged lifter is (the annotated video draws it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from liftform.core import reflection
from liftform.stills import rep_stills
from liftform.track import PoseTrack

if TYPE_CHECKING:
    from liftform.analysis import Analysis, ModelInfo, SourceInfo
    from liftform.settings import Settings


def median_box(track: PoseTrack) -> tuple[int, int, int, int] | None:
    """Median over the frames of the box around a person's landmarks (x0, y0, x1, y1), source px: where they were
    (result.json ``box_px``), and which saved track a judged lifter is (`with_tracks`)."""
    seen = track.image_xy[track.has_pose]
    if len(seen) == 0:
        return None
    with np.errstate(invalid="ignore"):
        low, high = np.nanmin(seen, axis=1), np.nanmax(seen, axis=1)      # (T, 2) each
    x0, y0 = np.nanmedian(low, axis=0)
    x1, y1 = np.nanmedian(high, axis=0)
    return int(x0), int(y0), int(np.ceil(x1)), int(np.ceil(y1))


def judged_person(track: PoseTrack, source: SourceInfo, model: ModelInfo, settings: Settings,
                  warnings: list[str] | tuple[str, ...] = ()) -> Analysis:
    """One person's track judged (`pipeline.analyze_track`), with where they were (``box_px``, `median_box`)."""
    from liftform.pipeline import analyze_track  # the pipeline uses this module

    return replace(analyze_track(track, source, model, settings, warnings), box_px=median_box(track))


def other_lifters(main: Analysis, people: Sequence[tuple[Analysis, PoseTrack]],
                  ) -> tuple[tuple[Analysis, ...], list[int], bool]:
    """The other lifters judged beside the main lifter ``main`` among ``people`` (each (`judged_person`'s
    analysis, track)): those with reps that are not ``main``'s reflection in a mirror (`core.reflection`), in their
    order, each with the stills of their reps (`stills.rep_stills`). Returns (them, their indices in ``people``,
    whether a reflection was set aside). One whose reps a new setting takes away is no lifter (until one brings
    them back: their track stays saved)."""
    lifters = [k for k, (analysis, _) in enumerate(people) if analysis.verdicts]
    reflected = [k for k in lifters if reflection.is_reflection(main.kinematics, people[k][0].kinematics)]
    judged = [k for k in lifters if k not in reflected]
    return tuple(replace(people[k][0], stills=rep_stills(*people[k])) for k in judged), judged, bool(reflected)


def lifters_notes(n_others: int, reflected: bool) -> tuple[str, ...]:
    """The main lifter's first notes about the people lifting beside them: how many lifted, a reflection set
    aside."""
    lifted = (f"{n_others + 1} people lifted in view: each is judged on their own (result.json other_lifters) and the "
              "verdict covers them all")
    return ((lifted,) if n_others else ()) + ((reflection.NOTE,) if reflected else ())


def with_tracks(others: Sequence[Analysis], tracks: Sequence[PoseTrack]) -> list[tuple[Analysis, PoseTrack]]:
    """Each of the judged lifters ``others`` with their track among ``tracks`` (`PoseTrack.other_lifters`): the one
    whose `median_box` is theirs (a rescore may leave a saved lifter unjudged, so the order alone does not tell),
    each track taken once; a lifter without one (landmarks not saved) is left out."""
    boxes = [median_box(track) for track in tracks]
    taken: set[int] = set()
    pairs = []
    for other in others:
        k = next((k for k, box in enumerate(boxes) if k not in taken and box == other.box_px), None)
        if k is not None:
            taken.add(k)
            pairs.append((other, tracks[k]))
    return pairs


def measured_others(analysis: Analysis, track: PoseTrack) -> Analysis:
    """``analysis`` read back from its files (`outputs.read`: its other lifters carry the main lifter's per-frame
    data) with each other lifter's own kinematics measured again from their saved track under its settings (the
    core is deterministic: what `analyze` measured), their verdicts and flagged frames as the files say: to draw
    them as `analyze` did (`report.page`'s annotated video drawn again)."""
    from liftform.core.run import run_core

    measured = {id(other): run_core(lifter, other.settings)
                for other, lifter in with_tracks(analysis.others, track.other_lifters)}
    return replace(analysis, others=tuple(
        replace(other, kinematics=measured[id(other)].kinematics, judged=measured[id(other)].judged)
        if id(other) in measured else other for other in analysis.others))
