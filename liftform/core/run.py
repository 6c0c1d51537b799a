"""One way into the core: a `PoseTrack` and the settings to kinematics, reps, the rounded-back flag per frame and a
verdict per rep.

`pipeline.analyze_track` (analyze, score, rescore, screen), the live session (once per rep, on its buffered frames)
and the tests all come in here, so the steps are chained, and given their settings, in one place.

    result = run_core(track, settings)
    result.kinematics, result.reps, result.flagged, result.verdicts
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from liftform.core.bend_parts import one_rep_per_bend
from liftform.core.flags import quick_rounding_note, spine_judged
from liftform.core.kinematics import compute_kinematics
from liftform.core.rep_metrics import judged_and_counted_frames
from liftform.core.reps import (
    bend_numbers,
    order_after_absence_note,
    seated_note,
    segment_reps,
    two_bends_note,
    uncounted_bends_note,
)
from liftform.core.types import Kinematics, Rep, RepVerdict
from liftform.core.verdict import judge_reps
from liftform.errors import InputError
from liftform.settings import Settings
from liftform.track import PoseTrack


@dataclass(frozen=True)
class CoreResult:
    """What the core concludes about one track.

    Attributes:
        kinematics: per-frame angles, (T,) arrays.
        reps: the reps judged (all those found, or those ``keep_reps`` kept), one per bend: the parts of a bend a
            gap in the pose cut are judged apart and told as one (`bend_parts.one_rep_per_bend`).
        flagged: (T,) bool, the frames where the back is judged rounded, as the verdicts count them inside a rep's
            loaded part (`rep_metrics.judged_and_counted_frames`).
        judged: (T,) bool, the frames some rep's verdict is taken from (`rep_metrics.judged_and_counted_frames`, over
            the parts each rep was judged in).
        verdicts: one per rep of ``reps``, in order.
        notes: what the reps leave unsaid, for the result's notes: rounding outside every rep
            (`flags.quick_rounding_note`), two bends counted as one rep (`reps.two_bends_note`), bends not
            counted as reps (`reps.uncounted_bends_note`).
    """

    kinematics: Kinematics
    reps: tuple[Rep, ...]
    flagged: np.ndarray
    verdicts: tuple[RepVerdict, ...]
    judged: np.ndarray
    notes: tuple[str, ...] = ()


def run_core(track: PoseTrack, settings: Settings, *, spine_baseline_deg: float | None = None,
             keep_reps: Callable[[list[Rep]], list[Rep]] | None = None, reps_before: int = 0) -> CoreResult:
    """Angles (`compute_kinematics`), reps (`segment_reps`), verdicts (`judge_reps`) of ``track``.

    Args:
        track: the pose track, T frames.
        settings: filter, rep, spine and verdict settings (pose settings are not used).
        spine_baseline_deg: the raw contour bend taken as a neutral back; default ``settings.spine``'s.
        keep_reps: chooses which of the reps found are judged (the live session keeps only new, finished ones).
        reps_before: how many bends came before the track (the live session's window): which descents lower a load
            counts from the first bend of the session (`core.phases.lowers_load`, `core.reps.bend_numbers`).
    """
    if len(track) == 0:     # a track of one's own with no rows ended deep in the smoothing, in NumPy's words
        raise InputError("the PoseTrack has no frames: the core needs at least one")
    kinematics = compute_kinematics(track, settings.filter, settings.spine, spine_baseline_deg)
    reps = segment_reps(kinematics, settings.reps, reps_before, keep_reps)
    flagged, parts = judge_reps(kinematics, reps, settings.verdict, settings.spine)
    notes = (quick_rounding_note(flagged, reps, kinematics.timestamps_s, settings.verdict.min_rounded_s,
                                 settings.reps.min_duration_s),
             two_bends_note(kinematics, reps, settings.reps),
             uncounted_bends_note(kinematics, reps, settings.reps, spine_judged(
                 kinematics.trunk_inclination_deg, kinematics.hip_flexion_deg, settings.verdict)),
             seated_note(kinematics, reps, settings.reps), order_after_absence_note(kinematics, reps))
    verdicts = one_rep_per_bend(parts, bend_numbers(reps, np.isfinite(kinematics.depth), kinematics.timestamps_s))
    judged, shown = judged_and_counted_frames(kinematics, reps, settings.verdict, flagged)      # the parts', as judged
    return CoreResult(kinematics, tuple(v.rep for v in verdicts), shown, verdicts, judged,
                      tuple(n for n in notes if n))
