"""The reps a person should look at, and which of a long set's are shown one by one.

The terminal lists a set's reps one by one and the report pictures its reps to look at (two stills and a clip
each). A long set (a coach filming a 10-minute set, an ergonomist a shift: hundreds of reps) had printed 396 lines
and made a report of 21 MB that took 20 s to open. Of a set with more reps to look at than :data:`SHOWN_REPS_MAX`,
both show the same ones: the first rep of each kind of finding (so none goes unseen), then those whose back bent
most; every rep stays in reps.csv, result.json and the report's table.

    kind = look_at_kind(rv)                  # "rounded" | "unjudged" | "reach" | None
    shown = reps_shown(verdicts)             # in rep order, at most SHOWN_REPS_MAX of them
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from liftform.core.types import RepVerdict
from liftform.core.vocabulary import ROUNDED_REACH_DOWN, Verdict

# Reps shown one by one: a set of a few reps is listed whole; this many two-line reps fill a terminal's screen.
SHOWN_REPS_MAX = 12
# The kinds of reps to look at, in the order their reps are shown after the first of each kind.
LOOK_AT_KINDS = ("rounded", "reach", "unjudged")


def look_at_kind(rv: RepVerdict) -> str | None:
    """Why a person should look at this rep: "rounded" (its back rounded), "unjudged" (liftform could not judge it)
    or "reach" (judged safe, but it reached down rounded before lift-off); None for a safe rep."""
    if rv.verdict == Verdict.ROUNDED_BACK.value:
        return "rounded"
    if rv.verdict == Verdict.INSUFFICIENT_DATA.value:
        return "unjudged"
    return "reach" if ROUNDED_REACH_DOWN in rv.faults else None


def _finding(rv: RepVerdict) -> tuple[str | None, str]:
    """The kind of finding a rep to look at shows: its kind, and for a rounded rep how the rounding was seen, for
    an unjudged one why it could not be judged (as its reason says)."""
    kind = look_at_kind(rv)
    if kind == "rounded":
        how = ("head" if rv.head_led else "squat bottom" if rv.squat_bottom else "lowering" if rv.while_lowering
               else "from behind" if rv.from_behind else "lift")
    elif kind == "unjudged":
        how = "lift unseen" if rv.lift_unseen else "from above" if rv.from_above else "unseen back"
    else:
        how = ""
    return kind, how


def _worst_first(rv: RepVerdict) -> tuple[int, float, int]:
    """Sort key: rounded reps first, the most rounded of them first, then the others in rep order."""
    peak = rv.peak_spine_flexion_deg
    return LOOK_AT_KINDS.index(look_at_kind(rv)), -peak if math.isfinite(peak) else math.inf, rv.rep.index


def reps_shown(verdicts: Sequence[RepVerdict], limit: int = SHOWN_REPS_MAX) -> list[RepVerdict]:
    """The reps to look at that are shown one by one, in rep order: all of them where they are ``limit`` or fewer;
    else the first of each kind of finding (`_finding`), then the worst (`_worst_first`), ``limit`` in all."""
    to_look_at = [rv for rv in verdicts if look_at_kind(rv) is not None]
    if len(to_look_at) <= limit:
        return to_look_at
    chosen: dict[int, RepVerdict] = {}
    findings = set()
    for rv in to_look_at:
        if _finding(rv) not in findings and len(chosen) < limit:
            findings.add(_finding(rv))
            chosen[rv.rep.index] = rv
    for rv in sorted(to_look_at, key=_worst_first):
        if len(chosen) >= limit:
            break
        chosen.setdefault(rv.rep.index, rv)
    return sorted(chosen.values(), key=lambda rv: rv.rep.index)


def worst_moment(values: np.ndarray, flagged: np.ndarray, judged: np.ndarray, confident: np.ndarray) -> int:
    """Index into a rep's frames of its worst moment, or -1 where there is none: the peak of ``values`` (spine
    flexion, or for a rep rounded by its hanging head the neck's, deg; each (N,) over the rep's frames) among the
    frames flagged in the part its verdict is taken from (``judged``: the rounding that counted); else among flagged
    frames (a rounded reach-down); else among the frames measured with confidence where the posture lets rounding
    show (``confident``: `core.flags.spine_judged` too, as a rep's peak is read), in the part judged first. The
    caller takes the rep's bottom where there is none: the peak of unreliable values (a frontal view's) had shown the
    lifter standing at the rep's start, and the peak of every confident frame a squat's upright start as its "back
    most bent", beside the table's peak read at the bottom."""
    known = np.isfinite(values)
    for pool in (flagged & judged & known, flagged & known, confident & judged & known, confident & known):
        if pool.any():
            return int(np.flatnonzero(pool)[np.argmax(values[pool])])
    return -1
