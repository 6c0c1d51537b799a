"""Key ``n``: the lifter's own zero, read from the rep someone who knows their back checked flat."""

from __future__ import annotations

from dataclasses import replace

from liftform.core.screen import checked_rep_zero_deg, unusable_zero
from liftform.core.types import RepVerdict
from liftform.live.buffer import TrackBuffer
from liftform.live.types import ZeroTaken
from liftform.personal import zero_reads_rounded
from liftform.settings import Settings


def zero_from_last_rep(verdicts: list[RepVerdict], buffer: TrackBuffer, settings: Settings,
                       timestamp_s: float) -> tuple[Settings | None, ZeroTaken]:
    """The settings judging from the last rep's zero (None where none is taken) and the event saying so.

    The zero is read as `liftform screen --neutral --rep N` reads it (`core.screen.checked_rep_zero_deg`): the
    contour's neutral differs between people and clothes by tens of degrees. One that reads as most people's
    rounded backs do is taken (the coach knows the back) but said so on screen (``ZeroTaken.reads_rounded``): a
    rep live had just called ROUNDED, taken as flat, turned every later rounding "safe" with no word in the window."""
    if not verdicts:
        return None, ZeroTaken(timestamp_s, float("nan"), "No rep yet to take your zero from")
    rep = verdicts[-1].rep
    zero = checked_rep_zero_deg(buffer.track(rep.start, rep.end + 1), settings)
    if (problem := unusable_zero(zero)) is not None:
        return None, ZeroTaken(timestamp_s, zero, f"No zero from the last rep: {problem}")
    # A screened hinge depth and range were read from the zero before: from this one they would not be (a kyphotic
    # lifter told "you cannot reach this low flat" right after the rep checked flat there)
    set_aside = settings.advice.screen_hinge_depth_deg > 0 or settings.spine.personal_max_flexion_deg > 0
    judged_from = replace(settings, spine=replace(settings.spine, neutral_bend_deg=zero, personal_max_flexion_deg=0.0),
                          advice=replace(settings.advice, screen_hinge_depth_deg=0.0))
    return judged_from, ZeroTaken(timestamp_s, zero, screen_set_aside=set_aside,
                                  reads_rounded=zero_reads_rounded(zero, settings.verdict))
