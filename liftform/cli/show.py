"""How results are printed: a verdict in its words and colour, one video's reps, the batch table."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from rich.table import Table

from liftform.cli.common import out
from liftform.core.types import RepVerdict
from liftform.core.vocabulary import ROUNDED_REACH_DOWN, counted, fault_words, tone_of, words_of
from liftform.personal import own_values_words, rounded_from_deg, zero_reads_rounded
from liftform.settings import Settings, SpineSettings

# Longer batches list only the failed videos, then those with a rounded back, this many at most: listing every one,
# a batch of 300 phone clips printed 54 rows, one of 3,000 would print 500 (the rest: index.html, summary.csv).
BATCH_TABLE_MAX_ROWS = 40


def verdict_markup(verdict: str, width: int = 0, *, headline: bool = False) -> str:
    """A verdict in its words and colour (rich markup), padded to ``width``; a video's ``headline`` in capitals."""
    words = words_of(verdict).upper() if headline else words_of(verdict)
    return f"[{tone_of(verdict).rich_style}]{words:<{width}}[/]"


def print_summary(analysis, out_dir: Path | None) -> None:
    from liftform.core.advice import rep_advice

    name = escape(Path(analysis.source.path).name)
    verdict = analysis.verdict
    lifters = analysis.lifters
    n_reps, n_rounded = len(analysis.every_rep), sum(v.is_rounded for v in analysis.every_rep)
    n_reached = sum(ROUNDED_REACH_DOWN in v.faults for v in analysis.every_rep)
    reached = f", {n_reached} {fault_words(ROUNDED_REACH_DOWN)}" if n_reached else ""
    # Lifters may follow one another (one leaves, another comes in): how many were seen together is said apart.
    people = (f" by {len(lifters)} lifters ({analysis.people_in_view} seen at once)" if len(lifters) > 1 else "")
    out.print(f"[bold]{name}[/]: {verdict_markup(verdict, headline=True)} - "
              f"{counted(n_reps, 'rep')}{people}, {n_rounded} with a rounded back{reached}", soft_wrap=True)
    for number, lifter in enumerate(lifters, start=1):
        if len(lifters) > 1:
            box = lifter.box_px
            where = f" (around x {(box[0] + box[2]) // 2} px)" if box else ""
            out.print(f"  lifter {number}{where}: {verdict_markup(lifter.lifter_verdict, headline=True)}")
        for v in lifter.verdicts:
            out.print(f"  rep {v.rep.index + 1}  {v.rep.start_s:5.1f}-{v.rep.end_s:4.1f} s  "
                      f"{verdict_markup(v.verdict, 15)} {escape(v.reason)}{faults_markup(v)}",
                      soft_wrap=True)
            out.print(f"{'':9s}[bold]advice:[/] {escape(rep_advice(v, analysis.settings.advice))}", soft_wrap=True)
    if own := own_values_words(analysis.settings, analysis.personal_from):     # what the advice above rests on
        out.print(f"  judged with the lifter's own values: {own}", soft_wrap=True, markup=False)
    for warning in analysis.quality.warnings:
        out.print(f"  [yellow]note:[/] {escape(warning)}", soft_wrap=True)
    if out_dir is not None:
        out.print(f"  results in {escape(str(out_dir))}/")


def print_own_zero(own_zero_deg: float, settings: Settings, use: str, checked: str = "the checked bend") -> None:
    """A zero read from a bend checked neutral (``checked``: `liftform screen --neutral [--rep N]`, live's key n)
    against most people's, and what it is used for (``use``); a warning where it reads as most people's rounded backs
    do (a bend taken as neutral that was not hides rounding)."""
    usual = SpineSettings().neutral_bend_deg
    out.print(f"  your own neutral: your back's outline bends {own_zero_deg:.0f}° in {checked} (most "
              f"people's: {usual:.0f}°): {use}", soft_wrap=True)
    if zero_reads_rounded(own_zero_deg, settings.verdict):
        onset = rounded_from_deg(settings.verdict)
        out.print(f"  [yellow]note:[/] most people's backs read as rounded from {onset:.0f}°: make sure someone who "
                  "knows your back saw it stay flat in this bend; a rounded bend taken as neutral would hide rounding",
                  soft_wrap=True)


def faults_markup(v: RepVerdict) -> str:
    """The rep's findings besides its verdict (a rounded reach-down, a jerky lift, ...) in words, or ''."""
    return f" [yellow](also: {', '.join(fault_words(f) for f in v.faults)})[/]" if v.faults else ""


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _listed(rows: list) -> list:
    """The rows the batch table shows: all of a short batch; of a long one the failed, then the flagged, at most
    :data:`BATCH_TABLE_MAX_ROWS`."""
    if len(rows) <= BATCH_TABLE_MAX_ROWS:
        return rows
    return ([r for r in rows if not r.ok] + [r for r in rows if r.ok and r.flagged_reps])[:BATCH_TABLE_MAX_ROWS]


def print_batch(rows: list, out_root: Path, what: str) -> None:
    """The batch table (`_listed`), what it leaves out, counts, where the summary is.
    Columns: rounded = reps with a rounded back / reps; spine = peak spine flexion (deg past a neutral back)."""
    shown = _listed(rows)
    if shown:
        name_width = min(24, max(len("video"), *(len(r.output) for r in shown)))
        table = Table()
        widths = (("video", name_width), ("verdict", 12), ("rounded", 7), ("spine", 5), ("view", 7))
        for header, width in widths:     # a long file name is cut short, not the columns after it off the table
            table.add_column(header, no_wrap=True, min_width=width, overflow="ellipsis",
                             max_width=name_width if header == "video" else None)
        table.add_column("note", ratio=1)
        for r in shown:
            if r.ok:
                peak = "" if r.peak_spine_flexion_deg is None else f"{r.peak_spine_flexion_deg:.0f}°"
                verdict = verdict_markup(r.verdict, headline=True)
                note = ("(cached) " if r.cached else "") + (r.warnings[0] if r.warnings else "")
                table.add_row(r.output, verdict, f"{r.flagged_reps}/{r.reps}", peak, r.view, _short(note))
            else:
                table.add_row(r.output, "[bold red]FAILED[/]", "", "", "", _short(r.error.split("; ")[0]))
        out.print(table)
    if len(shown) < len(rows):
        flagged = sum(not r.ok or bool(r.flagged_reps) for r in rows) - len(shown)
        more = f"{flagged} more failed or with a rounded back, " if flagged else ""
        out.print(f"(not listed: {more}{len(rows) - len(shown) - flagged} safe or unjudged video(s))", soft_wrap=True)
    n_failed = sum(not r.ok for r in rows)
    n_rounded = sum(r.ok and r.verdict == "rounded_back" for r in rows)
    out.print(f"{len(rows)} video(s) {what}: {len(rows) - n_failed} ok ({n_rounded} with a rounded back), "
              f"{n_failed} failed; table in {out_root / 'summary.csv'}", soft_wrap=True)
