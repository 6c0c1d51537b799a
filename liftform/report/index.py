"""``OUT/index.html``: every analysed video of an output folder in one sortable table, linking to its report."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from liftform.core.vocabulary import Tone, Verdict, setting_number, tone_of
from liftform.errors import InputError, OutputError
from liftform.outputs.atomic import atomic_write_text
from liftform.outputs.layout import (
    INDEX_NAME,
    REPORT_NAME,
    RESULT_NAME,
    SUMMARY_JSON,
    refuse_result_folder,
    result_folders,
)
from liftform.outputs.paths import one_line
from liftform.outputs.read import read_analysis
from liftform.outputs.result_json import clip_summary
from liftform.personal import is_personal_zero
from liftform.report.html import render_page, url_path
from liftform.report.page import overall_words

TONE_RANK = {Tone.BAD: 0, Tone.UNSURE: 1, Tone.GOOD: 2}   # sort order: worst first (3: unreadable)


def _peak(values: list[float]) -> float | None:
    finite = [v for v in values if math.isfinite(v)]
    return max(finite) if finite else None


def _told_apart(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` whose videos share a file name named by as many of their folders as tell them apart: a study's
    P01/week1/lift.mp4 ... P03/week4/lift.mp4 were twelve rows of "lift.mp4"."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_name.setdefault(row["name"], []).append(row)
    for same in (group for group in by_name.values() if len(group) > 1):
        parts = [Path(row.get("source") or row["folder"]).parts for row in same]
        for k in range(2, max(len(p) for p in parts) + 1):
            names = ["/".join(p[-k:]) for p in parts]
            if len(set(names)) == len(names):
                for row, name in zip(same, names, strict=True):
                    row["name"] = name
                break
    return rows


def _row(result_dir: Path) -> dict[str, Any]:
    """One table row for ``result_dir`` (a row saying what is wrong when its result.json cannot be read)."""
    report = result_dir / REPORT_NAME
    href = url_path(result_dir.name, REPORT_NAME if report.is_file() else RESULT_NAME)
    try:
        analysis = read_analysis(result_dir)
    except InputError as exc:
        return {"name": result_dir.name, "folder": result_dir.name + "/", "href": href, "verdict": "unreadable",
                "cls": "unsure", "rank": 3, "n_reps": 0, "n_rounded": 0, "n_undecided": 0, "spine": None,
                "trunk": None, "confidence": None,
                "view": "", "warnings": [], "duration_s": None, "summary": str(exc), "failed": False}
    verdict, reps = analysis.verdict, analysis.every_rep                       # as the verdict: every lifter's
    words, cls = overall_words(verdict)
    return {
        "name": Path(analysis.source.path or result_dir.name).name, "source": analysis.source.path,
        "folder": result_dir.name + "/",
        "href": href, "verdict": words, "cls": cls, "rank": TONE_RANK[tone_of(verdict)], "n_reps": len(reps),
        "confidence": analysis.verdict_confidence,
        "limits": (analysis.settings.verdict.rounded_back_spine_deg, analysis.settings.verdict.head_hanging_neck_deg),
        "own_zero": is_personal_zero(analysis.settings.spine.neutral_bend_deg),
        "n_rounded": sum(v.is_rounded for v in reps), "n_undecided": sum(v.is_undecided for v in reps),
        "spine": _peak([v.peak_spine_flexion_deg for v in reps if v.verdict != Verdict.INSUFFICIENT_DATA.value]),
        "trunk": _peak([v.peak_trunk_inclination_deg for v in reps]),
        "view": analysis.quality.view, "warnings": list(analysis.quality.warnings),
        "duration_s": analysis.source.duration_s, "summary": clip_summary(analysis), "failed": False,
        "sha256": analysis.source.sha256,
    }


def _told_copies(rows: list[dict[str, Any]]) -> int:
    """Each row whose video is the very file of others here (the same SHA-256: copied under another name or into
    another folder, each scored on its own) says so first, naming their folders; how many rows do."""
    from liftform.batch.summary import same_file_groups

    copies = same_file_groups([(row["folder"], row.get("sha256", "")) for row in rows if not row["failed"]])
    for row in rows:
        if row["folder"] in copies:
            row["summary"] = (f"The same video file as {', '.join(copies[row['folder']])} (the same SHA-256): count "
                              f"its lifts once. {row['summary']}")
    return len(copies)


def _older(path: Path, than: Path) -> bool:
    try:
        return path.stat().st_mtime <= than.stat().st_mtime
    except OSError:
        return False


def _failed_runs(out_root: Path) -> dict[str, Any]:
    """The batch summary's (``out_root/summary.json``) rows of videos whose last run failed, by output folder name
    (none where there is no summary or it is damaged: the next batch starts it again from the result folders)."""
    from liftform.batch.summary import read_summary

    try:
        return {row.output: row for row in read_summary(out_root) if not row.ok}
    except InputError:
        return {}


def _batch_stopped(out_root: Path) -> bool:
    """Whether the last `score` or `rescore` into ``out_root`` was stopped before it reached every video
    (summary.json's ``complete``; False where there is no summary or it is damaged)."""
    try:
        doc = json.loads((out_root / SUMMARY_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("complete") is False


def _failed_rows(failed: dict[str, Any], listed: set[str]) -> list[dict[str, Any]]:
    """A row for each failed video that has no result here, saying why: without them the overview left a batch's
    failures out without a word."""
    return [{"name": Path(row.path).name or row.output, "folder": row.path, "href": None, "verdict": "failed",
             "cls": "unsure", "rank": 3, "failed": True, "n_reps": None, "n_rounded": None, "n_undecided": None,
             "spine": None, "confidence": None, "trunk": None, "view": "", "warnings": [], "duration_s": None,
             "summary": row.error}
            for output, row in failed.items() if output not in listed]


def _told_failed(row: dict[str, Any], failed_run, result_dir: Path, out_root: Path) -> dict[str, Any]:
    """``row`` of ``result_dir`` when the summary says its video's last run failed and the result is older than
    the summary (the earlier result, kept: it was shown as if it were that run's): the row says so first, with
    why. A result newer than the summary (`analyze` wrote it since) is the video's latest."""
    if failed_run is None or not _older(result_dir / RESULT_NAME, out_root / SUMMARY_JSON):
        return row
    return row | {"summary": f"The last run failed ({failed_run.error}); this is the earlier result. {row['summary']}"}


def _judged_with(rows: list[dict[str, Any]]) -> str:
    """The limits the page's videos were judged with, in words ("" with none judged): rescored copies of a batch
    under other limits had read alike, the limits nowhere on the page."""
    limits = {row["limits"] for row in rows if "limits" in row}
    if len(limits) != 1:
        return "judged with different limits: each report gives its own" if limits else ""
    ((spine, head),) = limits
    own = sum(row.get("own_zero", False) for row in rows)
    return (f"judged with the spine's limit of {setting_number(spine)}° and the head's of {setting_number(head)}°"
            + (f", {own} from the lifter's own zero" if own else ""))


# How an overview liftform wrote begins (templates/index.html.j2's title, in every version of it).
INDEX_TITLE_MARK = "<title>liftform: "


def _written_by_liftform(index_html: Path) -> bool:
    """No index.html there, or one liftform wrote (``INDEX_TITLE_MARK`` near its start)."""
    try:
        with open(index_html, encoding="utf-8", errors="replace") as fh:
            return INDEX_TITLE_MARK in fh.read(4096)
    except FileNotFoundError:
        return True
    except OSError:
        return False


def write_index(out_root: str | Path) -> Path:
    """Write ``out_root/index.html``: one row per ``out_root/*/result.json``, sortable, linking to each report, and
    one per video a batch's summary records as failed (no result: the row says why; with an earlier result, that
    result's row says the last run failed and why).

    Rows are ordered worst first (rounded back, not judged, safe, then unreadable or failed), then by name; clicking
    a column header sorts by it (plain inline JavaScript). Raises InputError when ``out_root`` is not a folder of
    liftform's results (a result folder itself, a folder without any) or holds an index.html liftform did not write
    (left as it was), OutputError when the page cannot be written.
    """
    out_root = Path(out_root)
    if not out_root.is_dir():
        raise InputError(f"{out_root} is not a folder; pass the output folder of `liftform analyze -o OUT`")
    refuse_result_folder(out_root)
    try:
        folders = [folder.path for folder in result_folders(out_root)]
    except OSError as exc:
        raise OutputError(f"cannot list {out_root}: {exc}") from None
    if not folders and not (out_root / SUMMARY_JSON).is_file():
        raise InputError(f"{out_root} holds no liftform results; pass the output folder of `liftform analyze -o OUT` "
                         "or `liftform score -o OUT`")
    if not _written_by_liftform(out_root / INDEX_NAME):
        raise InputError(f"{out_root / INDEX_NAME} was not written by liftform and is left as it was; move it away "
                         "to write the overview there")
    failed_runs = _failed_runs(out_root)
    rows = [_told_failed(_row(folder), failed_runs.get(folder.name), folder, out_root) for folder in folders]
    rows = sorted(_told_apart(rows + _failed_rows(failed_runs, {folder.name for folder in folders})),
                  key=lambda r: (r["rank"], r["name"].lower()))
    for row in rows:     # a direction override in a name shown, not obeyed ("rlo\u202egnp.mp4" read "rlo4pm.png")
        row.update({key: one_line(value) for key, value in row.items() if isinstance(value, str) and key != "href"},
                   warnings=[one_line(warning) for warning in row["warnings"]])
    failed = sum(r["failed"] for r in rows)
    n_copies = _told_copies(rows)
    html = render_page("index.html.j2", script_template="index.js", title=out_root.resolve().name or str(out_root),
                       rows=rows, n_analysed=len(rows) - failed, n_failed=failed,
                       n_rounded=sum(r["rank"] == 0 for r in rows), n_safe=sum(r["rank"] == 2 for r in rows),
                       n_unsure=sum(r["rank"] in (1, 3) for r in rows) - failed, n_copies=n_copies,
                       stopped=_batch_stopped(out_root), judged_with=_judged_with(rows))
    return atomic_write_text(out_root / INDEX_NAME, html)
