"""How results are printed: a verdict in its words and colour, one video's reps, the batch table."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

from rich.table import Table

from liftform.cli.common import out, shown
from liftform.core.look_at import SHOWN_REPS_MAX, look_at_kind, reps_shown
from liftform.core.types import RepVerdict
from liftform.core.vocabulary import (
    HINT_CONFIDENCE,
    REP_VERDICTS,
    ROUNDED_REACH_DOWN,
    UNREAD_WORDS,
    Verdict,
    counted,
    fault_words,
    tone_of,
    words_of,
)
from liftform.outputs.layout import REPS_NAME, RESULT_NAME, SUMMARY_CSV, SUMMARY_REPS_CSV
from liftform.outputs.paths import one_line
from liftform.personal import (
    own_values_words,
    personal_zero_note,
    rounded_from_deg,
    told_apart,
    zero_reads_rounded,
)
from liftform.settings import AdviceSettings, Settings, SpineSettings

# Longer batches list only the failed videos, then those with a rounded back, this many at most: listing every one,
# a batch of 300 phone clips printed 54 rows, one of 3,000 would print 500 (the rest: index.html, summary.csv).
BATCH_TABLE_MAX_ROWS = 40
COPY_GROUPS_NAMED = 5   # groups of one file under several names the terminal names (all: summary.csv's same_video_as)


def verdict_markup(verdict: str, width: int = 0, *, headline: bool = False) -> str:
    """A verdict in its words and colour (rich markup), padded to ``width``; a video's ``headline`` in capitals."""
    words = words_of(verdict).upper() if headline else words_of(verdict)
    return f"[{tone_of(verdict).rich_style}]{words:<{width}}[/]"


def print_summary(analysis, out_dir: Path | None) -> None:
    name = shown(Path(analysis.source.path).name)
    verdict = analysis.verdict
    lifters = analysis.lifters
    n_reps, n_rounded = len(analysis.every_rep), sum(v.is_rounded for v in analysis.every_rep)
    n_reached = sum(ROUNDED_REACH_DOWN in v.faults for v in analysis.every_rep)
    # "SAFE - 5 reps, 0 with a rounded back" had been said of a set whose back was judged in 2 of them
    unjudged = f", {n_undecided} not judged" if (n_undecided := sum(v.is_undecided for v in analysis.every_rep)) else ""
    n_unread = sum(v.cleared_unread for v in analysis.every_rep)      # a half-kneel's back: said as safe, unread
    unjudged += f", {n_unread} {UNREAD_WORDS}" if n_unread else ""
    reached = f", {n_reached} {fault_words(ROUNDED_REACH_DOWN)}" if n_reached else ""
    # Lifters may follow one another (one leaves, another comes in): how many were seen together is said apart.
    people = (f" by {len(lifters)} lifters ({analysis.people_in_view} seen at once)" if len(lifters) > 1 else "")
    out.print(f"[bold]{name}[/]: {verdict_markup(verdict, headline=True)} - "
              f"{counted(n_reps, 'rep')}{people}, {n_rounded} with a rounded back{unjudged}{reached}", soft_wrap=True)
    for number, lifter in enumerate(lifters, start=1):
        if len(lifters) > 1:
            box = lifter.box_px
            where = f" (around x {(box[0] + box[2]) // 2} px)" if box else ""
            out.print(f"  lifter {number}{where}: {verdict_markup(lifter.lifter_verdict, headline=True)}")
        # every rep of the main lifter is in reps.csv; the others' are in result.json only
        listing = None if out_dir is None else out_dir / (REPS_NAME if lifter is analysis else RESULT_NAME)
        print_reps(lifter.verdicts, analysis.settings.advice, listing)
        # another lifter's own notes (lost for 3 s, seen at an angle) had been in result.json only
        for warning in () if lifter is analysis else lifter.quality.warnings:
            if warning not in analysis.quality.warnings:
                out.print(f"  [yellow]note on lifter {number}:[/] {shown(warning)}", soft_wrap=True)
    # what the advice above rests on; the result's note on a personal zero says it again without whence: not repeated
    said_zero = None
    if own := own_values_words(analysis.settings, analysis.personal_from):
        out.print(f"  judged with the lifter's own values: {shown(own)}", soft_wrap=True)
        zero = analysis.settings.spine.neutral_bend_deg
        if not zero_reads_rounded(zero, analysis.settings.verdict):      # a note that warns is said in full
            said_zero = personal_zero_note(zero)
    for warning in analysis.quality.warnings:
        if warning != said_zero:
            out.print(f"  [yellow]note:[/] {shown(warning)}", soft_wrap=True)
    if out_dir is not None:
        out.print(f"  results in {shown(out_dir)}/", soft_wrap=True)     # a path folded over two lines cannot be copied


def listed_reps(verdicts: tuple[RepVerdict, ...]) -> list[RepVerdict] | tuple[RepVerdict, ...]:
    """The reps `print_reps` lists one by one: all of a set of up to `SHOWN_REPS_MAX`, else `reps_shown`'s."""
    return verdicts if len(verdicts) <= SHOWN_REPS_MAX else reps_shown(verdicts)


def print_reps(verdicts: tuple[RepVerdict, ...], advice: AdviceSettings, listing: Path | None) -> None:
    """One lifter's reps, each with its advice: all of a set of up to `SHOWN_REPS_MAX`; of a longer one the counts
    by verdict, the reps to look at that `reps_shown` picks, and a line saying what is not listed and that
    ``listing`` (a file, None: none written) has every rep."""
    from liftform.core.advice import rep_advice

    listed = listed_reps(verdicts)
    if listed and len(listed) < len(verdicts):
        n_to_look_at = sum(look_at_kind(v) is not None for v in verdicts)
        which = (f"the {counted(len(listed), 'rep')} to look at" if len(listed) == n_to_look_at else
                 f"{len(listed)} of the {n_to_look_at} reps to look at (the first of each kind of finding, then the "
                 "most rounded)")
        out.print(f"  by verdict: {_by_verdict(verdicts, faults=True)}; listed: {which}", soft_wrap=True)
    number_width = len(str(max((v.rep.index + 1 for v in listed), default=1)))
    time_width = max((len(f"{v.rep.end_s:.1f}") for v in listed), default=0)
    for v in listed:
        out.print(f"  rep {v.rep.index + 1:<{number_width}}  {v.rep.start_s:{max(5, time_width)}.1f}-"
                  f"{v.rep.end_s:{max(4, time_width)}.1f} s  {verdict_markup(v.verdict, 15)} {shown(v.reason)}"
                  f"{faults_markup(v)}{confidence_markup(v)}", soft_wrap=True)
        out.print(f"{'':9s}[bold]advice:[/] {shown(rep_advice(v, advice))}", soft_wrap=True)
    if len(listed) < len(verdicts):
        listed_indices = {v.rep.index for v in listed}
        rest = [v for v in verdicts if v.rep.index not in listed_indices]
        where = f"; every rep is in {shown(listing)}" if listing is not None else ""
        out.print(f"  (not listed: {counted(len(rest), 'more rep' if listed else 'rep')}: {_by_verdict(rest)}{where})",
                  soft_wrap=True)


def _by_verdict(verdicts, *, faults: bool = False) -> str:
    """How many reps got each verdict, in its words and colour ("40 ROUNDED BACK, 150 safe hip hinge"), and with
    ``faults`` how many showed each finding besides it."""
    counts = Counter(v.verdict for v in verdicts)
    words = [f"{counts[verdict]} {verdict_markup(verdict)}" for verdict in REP_VERDICTS if counts[verdict]]
    found = Counter(f for v in verdicts for f in v.faults) if faults else Counter()
    also = f"; also {', '.join(f'{n} {shown(fault_words(f))}' for f, n in found.items())}" if found else ""
    return ", ".join(words) + also


def print_own_zero(own_zero_deg: float, settings: Settings, use: str, checked: str = "the checked bend") -> None:
    """A zero read from a bend checked neutral (``checked``: `liftform screen --neutral [--rep N]`, live's key n)
    against most people's, and what it is used for (``use``); a warning where it reads as most people's rounded backs
    do (a bend taken as neutral that was not hides rounding)."""
    # told apart from most people's: "bends 6° (most people's: 6°)" of a 6.47 read as no zero of one's own
    zero, usual = told_apart(own_zero_deg, SpineSettings().neutral_bend_deg)
    out.print(f"  your own neutral: your back's outline bends {zero}° in {checked} (most "
              f"people's: {usual}°): {use}", soft_wrap=True)
    if zero_reads_rounded(own_zero_deg, settings.verdict):
        onset = rounded_from_deg(settings.verdict)
        out.print(f"  [yellow]note:[/] most people's backs read as rounded from {onset:.0f}°: make sure someone who "
                  "knows your back saw it stay flat in this bend; a rounded bend taken as neutral would hide rounding",
                  soft_wrap=True)


def confidence_markup(v: RepVerdict) -> str:
    """"; confidence 46%: read it as a hint" for a decided rep said with less than `HINT_CONFIDENCE`, else ''."""
    if v.is_undecided or not v.confidence < HINT_CONFIDENCE:
        return ""
    return f"[dim]; confidence {math.floor(100 * v.confidence)}%: read it as a hint[/]"     # 0.796: 79%, not 80%


def faults_markup(v: RepVerdict) -> str:
    """The rep's findings besides its verdict (a rounded reach-down, a jerky lift, ...) in words, or ''. After the
    reason, whose last words may be in brackets ("(limit 21°)"), so not in brackets of its own."""
    return f"[yellow]; also: {', '.join(fault_words(f) for f in v.faults)}[/]" if v.faults else ""


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _cut_middle(name: str, limit: int) -> str:
    """``name`` in at most ``limit`` characters, its middle left out: names of one set differ at their end as often
    as at their start ("client_anna_deadlift_set1" and "..._set2" had both read "client_anna_dea…", one rounded,
    one safe)."""
    if len(name) <= limit:
        return name
    tail = (limit - 1) // 2
    return name[:limit - 1 - tail] + "…" + name[len(name) - tail:]


_TABLE_FRAME_CHARS = 19      # the batch table's borders and padding: 6 columns of 1 + 1 either side, and the last
_NOTE_MIN_CHARS = 14        # what the note column keeps where the terminal is narrow
_NAME_MIN_CHARS = 16        # ... and the video's name; narrower than the table with both, a line per video


def _listed(rows: list) -> list:
    """The rows the batch table shows: all of a short batch; of a long one the failed, then the flagged, at most
    :data:`BATCH_TABLE_MAX_ROWS`."""
    if len(rows) <= BATCH_TABLE_MAX_ROWS:
        return rows
    return ([r for r in rows if not r.ok] + [r for r in rows if r.ok and r.flagged_reps])[:BATCH_TABLE_MAX_ROWS]


def print_batch(rows: list, out_root: Path, what: str) -> None:
    """The batch table (`_listed`), what it leaves out, counts, where the summary is.
    Columns: rounded = reps with a rounded back / reps; spine = peak spine flexion (deg past a neutral back)."""
    from liftform.batch.summary import video_counts

    listed = _listed(rows)
    # set as the summary was written, over every video of the folder (a copy scored in an earlier run too)
    copies = {r.output: r.same_video_as for r in rows if r.ok and r.same_video_as}
    widths = [("verdict", 12), ("rounded", 7), ("spine", 5), ("view", 7)]
    # the name gives way to the note, down to 16 characters: in an 80-column terminal the note had 6, a failed
    # video's reason stood a word to a line over nine lines and "(cached)" read "(cach…"
    room = out.width - _TABLE_FRAME_CHARS - sum(width for _, width in widths) - _NOTE_MIN_CHARS
    if listed and room < _NAME_MIN_CHARS:   # a line each (at 40 columns the table had been cut after
        for r in listed:                    # "rounded", the spine, view and note columns and its border unsaid)
            name, verdict, rounded, spine, view, note = _cells(r, copies)
            said = [verdict, *([f"{rounded} rounded"] if rounded else []), *([f"spine {spine}"] if spine else []),
                    *([view] if view else [])]
            out.print(f"{name}: {', '.join(said)}" + (f"; {note}" if note else ""), soft_wrap=True)
    elif listed:
        longest = max(len("video"), *(len(one_line(r.output)) for r in listed))      # as printed
        name_width = min(max(_NAME_MIN_CHARS, room), longest)
        table = Table()
        widths.insert(0, ("video", name_width))
        for header, width in widths:     # a long file name is cut short, not the columns after it off the table
            table.add_column(header, no_wrap=True, min_width=width, overflow="ellipsis",
                             max_width=name_width if header == "video" else None)
        table.add_column("note", ratio=1)
        for r in listed:
            table.add_row(*_cells(r, copies, name_width))
        out.print(table)
    if len(listed) < len(rows):
        flagged = sum(not r.ok or bool(r.flagged_reps) for r in rows) - len(listed)
        more = f"{flagged} more failed or with a rounded back, " if flagged else ""
        out.print(f"(not listed: {more}{len(rows) - len(listed) - flagged} safe or unjudged video(s))", soft_wrap=True)
    counts = video_counts(rows)
    n_undecided = counts[Verdict.INSUFFICIENT_DATA.value]
    undecided = f", {n_undecided} with {words_of(Verdict.INSUFFICIENT_DATA.value).lower()}" if n_undecided else ""
    out.print(f"{counts['videos']} video(s) {what}: {counts['ok']} ok ({counts[Verdict.ROUNDED_BACK.value]} with a "
              f"rounded back{undecided}), {counts['failed']} failed; table in {shown(out_root / SUMMARY_CSV)}, "
              f"every rep in {SUMMARY_REPS_CSV}",
              soft_wrap=True)
    if copies:
        _print_copies(copies)


def _cells(r, copies: dict[str, list[str]], name_chars: int | None = None) -> list[str]:
    """The batch table's cells of row ``r``: video (cut in the middle to ``name_chars``), verdict, rounded/reps,
    spine, view, note (``copies``: output -> the other outputs of the same file)."""
    name = shown(_cut_middle(one_line(r.output), name_chars) if name_chars else r.output)
    if not r.ok:
        return [name, "[bold red]FAILED[/]", "", "", "", shown(_short(r.reason.split("; ")[0]))]
    peak = "" if r.peak_spine_flexion_deg is None else f"{r.peak_spine_flexion_deg:.0f}°"
    same = [f"same video as {copies[r.output][0]}"] if r.output in copies else []
    # a "safe" 0/5 whose 3 reps were not judged had shown only its first note, another one
    whole = r.verdict == Verdict.INSUFFICIENT_DATA.value      # every rep of it: its verdict says so
    unjudged = [f"{r.undecided_reps} not judged"] if r.undecided_reps and not whole else []
    note = ("(cached) " if r.cached else "") + "; ".join(unjudged + same + r.warnings[:1])
    return [name, verdict_markup(r.verdict, headline=True), f"{r.flagged_reps}/{r.reps}", peak, r.view,
            shown(_short(note))]


def _print_copies(copies: dict[str, list[str]]) -> None:
    """Which videos are one file under several names (``copies``: output -> the others, from the rows'
    ``same_video_as``), a few groups by name."""
    groups = list(dict.fromkeys(tuple(sorted([name, *others])) for name, others in copies.items()))
    named = "; ".join(" = ".join(group) for group in groups[:COPY_GROUPS_NAMED])
    more = f"; {len(groups) - COPY_GROUPS_NAMED} more such group(s)" if len(groups) > COPY_GROUPS_NAMED else ""
    out.print(f"[yellow]note:[/] {len(copies)} video(s) are one file with another video of the folder, under "
              f"another name or in another folder (the same SHA-256), each scored and listed on its own: "
              f"{shown(named)}{more}; in a study count each lift once (summary.csv: same_video_as, source_sha256)",
              soft_wrap=True)
