"""A report.html that a `rescore` left showing the results before it says so at its top, with what result.json
says now: the page, opened from the overview or the folder, had led with the old verdict (a banner "Rounded back in
3 of 3 reps" over a result.json judged "safe"), and only the terminal of the rescore had said it was out of date.
Drawing the page again needs the source video (its frames and clips), which a rescore does not decode.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import markupsafe

from liftform.analysis import Analysis
from liftform.core.vocabulary import tone_of
from liftform.errors import OutputError
from liftform.outputs.atomic import atomic_write_bytes
from liftform.outputs.layout import ANNOTATED_NAME
from liftform.outputs.paths import readable
from liftform.outputs.result_json import clip_summary
from liftform.report.html import words_html
from liftform.report.page import BLURRED_BADGE, headline

OUTDATED_ID = "outdated"
_MAIN = b"<main>\n"                                  # where the page's content begins (every liftform report)
_NOTICE = re.compile(rb'<section class="warn" id="' + OUTDATED_ID.encode() + rb'"[^>]*>.*?</section>\n', re.DOTALL)


def outdated_notice(analysis: Analysis, result_dir: Path, *, blurred: bool = False) -> str:
    """The notice at the top of an out-of-date report: what result.json says now, and how to draw the page again.
    ``blurred``: the page was drawn with faces blurred, which names no file or folder; nor does its notice (it had
    given the folder's path, the patient's name in it, on a page made to be shared)."""
    command = ("`liftform report <this result folder> --blur-faces`" if blurred
               else f"`liftform report {shlex.quote(str(result_dir))}`")
    annotated = " (and annotated.mp4)" if (result_dir / ANNOTATED_NAME).is_file() else ""
    return (f'<section class="warn" id="{OUTDATED_ID}" role="alert"><b>Out of date: this page shows the results '
            "before a rescore.</b> result.json now says: "
            f'<b class="{tone_of(analysis.verdict).css_class}">{markupsafe.escape(headline(analysis))}</b> — '
            f"{markupsafe.escape(clip_summary(analysis))} The verdicts, reasons, frames, plots and thresholds "
            f"below{annotated} are the earlier ones: {words_html(command)} draws this page again from the "
            "source video.</section>\n")


def mark_report_outdated(report: Path, analysis: Analysis) -> bool:
    """Put (or renew) the out-of-date notice of ``analysis``, the result now in the folder, at the top of
    ``report``; False where there is no page of liftform's to mark. The page is handled as bytes, the notice looked
    for only where it goes: a report is megabytes, and a rescore judges tens of videos a second."""
    try:
        page = report.read_bytes()
    except FileNotFoundError:
        return False
    start = page.find(_MAIN)
    if start < 0:
        return False
    start += len(_MAIN)
    earlier = _NOTICE.match(page, start)
    blurred = BLURRED_BADGE.encode() in page[start:start + 16384]     # the title, just after any earlier notice
    notice = readable(outdated_notice(analysis, report.parent.resolve(), blurred=blurred)).encode("utf-8")
    try:
        atomic_write_bytes(report, page[:start] + notice + page[earlier.end() if earlier else start:])
    except OutputError:     # the terminal says the page is out of date all the same (`RescoreResult.stale_views`)
        return False
    return True
