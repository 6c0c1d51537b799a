"""One rep per bend: the parts of a bend a gap in the pose cut, told as the one rep the lifter made.

The model loses a lifter for a moment at the bottom of a bend now and then (a blurred or compressed picture, the
lifter folded over the bar); the rep finder then finds two reps (`reps.one_bend_cut_by_a_gap`), and each is judged on
what was seen of it, as a rep the view cuts. A lifter who made 3 reps was told "5 reps", the first part of a bend
advised to "keep filming until you stand up". Judging the bend again as one rep across the gap (measured in the
sixtieth session) moved a real clip's verdict; here each part keeps its own judgement and the bend takes its
deciding part's: rounded if any part is, else a part that judged the lift. The lifter's verdict over their reps is
the same either way (`Analysis.lifter_verdict`: rounded if any rep is, safe if any is judged).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from liftform.core.types import RepVerdict
from liftform.core.vocabulary import Verdict


def _decides(part: RepVerdict) -> tuple[bool, bool, bool, float, float]:
    """What makes a part the one its bend is told by, in order: rounded; judged at all; judged on the lift, not
    only on the way down; longer rounded; more confident."""
    return (part.is_rounded, part.verdict != Verdict.INSUFFICIENT_DATA.value, not part.judged_on_descent,
            part.rounded_s, part.confidence)


def lost_words(parts: Sequence[RepVerdict]) -> str:
    """What is said of a bend told from parts: where the pose lost the lifter (the frames without a pose between
    one part's end and the next one's start)."""
    gaps = ", ".join(f"{a.rep.end_s:.1f}-{b.rep.start_s:.1f} s" for a, b in zip(parts[:-1], parts[1:], strict=True))
    return f"the pose lost the lifter at {gaps}, inside this rep: judged on the parts seen"


def merged_bend(parts: Sequence[RepVerdict]) -> RepVerdict:
    """The rep a bend's ``parts`` (in time order, each judged on its own) make together: the deciding part's
    verdict, numbers and reason (`_decides`), with the bend's span (the first part's start, with its descent and
    touch-down, to the last part's end), the last lift-off found, every part's faults, and the gap: in words and in
    ``pose_lost_s`` (the frames without a pose between the parts)."""
    if len(parts) == 1:
        return parts[0]
    deciding = max(parts, key=_decides)            # the first of equals
    first, last = parts[0], parts[-1]
    lifted = [p.rep for p in parts if p.rep.liftoff >= 0] or [deciding.rep]
    rep = replace(deciding.rep, start=first.rep.start, start_s=first.rep.start_s, end=last.rep.end,
                  end_s=last.rep.end_s, complete=first.rep.complete and last.rep.complete,
                  liftoff=lifted[-1].liftoff, liftoff_s=lifted[-1].liftoff_s, lowers_load=first.rep.lowers_load,
                  touchdown=first.rep.touchdown, touchdown_s=first.rep.touchdown_s)
    faults = tuple(dict.fromkeys(f for p in parts for f in p.faults))
    lost_s = sum(b.rep.start_s - a.rep.end_s for a, b in zip(parts[:-1], parts[1:], strict=True))
    return replace(deciding, rep=rep, faults=faults, descent_s=first.descent_s, ascent_s=last.ascent_s,
                   reason=f"{deciding.reason}; {lost_words(parts)}", pose_lost_s=lost_s)


def one_rep_per_bend(verdicts: Sequence[RepVerdict], bends: Sequence[int]) -> tuple[RepVerdict, ...]:
    """``verdicts`` with the parts of each bend (consecutive equal numbers in ``bends``, one per verdict:
    `reps.bend_numbers`) made one rep (`merged_bend`), the reps numbered again from 0 in order."""
    groups: list[list[RepVerdict]] = []
    for k, (verdict, bend) in enumerate(zip(verdicts, bends, strict=True)):   # a loop over reps, not frames
        if k and bend == bends[k - 1]:
            groups[-1].append(verdict)
        else:
            groups.append([verdict])
    return tuple(replace(v, rep=replace(v.rep, index=n))
                 for n, v in enumerate(merged_bend(group) for group in groups))
