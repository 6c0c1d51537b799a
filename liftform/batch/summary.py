"""The batch table: one row per video, written as ``OUT/summary.csv`` and ``OUT/summary.json`` (atomically), and
beside it ``OUT/summary_reps.csv``, one row per rep of every scored video.

The summary is rewritten each time a video finishes, so an interrupted batch still leaves a table of what is
done. It describes the whole folder: a run's rows take the place of the earlier rows of their videos, and the
other videos' rows stay (`earlier_rows`, `merged_rows`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from liftform.analysis import MADE_BY, SCHEMA_VERSION, Analysis, library_versions
from liftform.core.vocabulary import VIDEO_VERDICTS
from liftform.errors import InputError, LiftformError
from liftform.hashing import once_per_file
from liftform.outputs.atomic import atomic_write_text
from liftform.outputs.layout import RESULT_NAME, SUMMARY_CSV, SUMMARY_JSON, SUMMARY_REPS_CSV, result_folders
from liftform.outputs.result_json import (
    ANGLE_DECIMALS,
    CONFIDENCE_DECIMALS,
    REP_FIELDS,
    TIME_DECIMALS,
    clip_summary,
    json_text,
    jsonable,
    read_result_json,
)
from liftform.outputs.tables import rep_cells, spreadsheet_text

# Raised when summary.json's or .csv's layout changes (2: CSV lists joined by LIST_SEPARATOR, a warning may hold "; ").
SUMMARY_SCHEMA_VERSION = 2
LIST_SEPARATOR = " | "

# Columns of summary.csv, in order (summary.json rows carry every SummaryRow field).
CSV_COLUMNS = ("path", "output", "status", "error", "verdict", "confidence", "reps", "flagged_reps", "undecided_reps",
               "summary", "peak_spine_flexion_deg", "view", "warnings", "frames", "duration_s", "elapsed_s", "cached",
               "lifters", "lifter_verdicts", "people_in_view", "neutral_bend_deg", "settings_fingerprint",
               "source_sha256", "same_video_as", "from_poses", "liftform_version")


@dataclass
class SummaryRow:
    """One video of a batch.

    ``status`` is "ok" or "failed" (then ``error`` is the one-line reason and the result fields are empty);
    ``output`` the folder name under the output root; ``verdict`` "rounded_back" | "safe" |
    "insufficient_data", ``confidence`` how sure (`Analysis.verdict_confidence`); ``flagged_reps`` the reps judged
    rounded_back, ``undecided_reps`` those left
    insufficient_data (neither rounded nor safe: ``reps - flagged_reps`` is not the safe ones); ``summary`` the
    clip's sentence (result.json's "summary": which reps rounded, and the findings beside them, such as a back
    rounded reaching down before lift-off, which a safe row's counts do not show);
    ``peak_spine_flexion_deg`` the largest judged rep peak (degrees past a neutral back's bend, see ``Kinematics``);
    ``warnings`` the data-quality notes;
    ``elapsed_s`` the wall-clock seconds spent on the video in this run (0 when ``cached``: already scored
    with the same source and settings); ``peak_rss_mb`` the peak resident memory of the worker process that
    scored it (MB, JSON only). Several people lifting in view: ``verdict`` is the clip's over all of them,
    ``reps``, ``flagged_reps`` and the peak count every lifter's reps, ``lifters`` how many lifted,
    ``lifter_verdicts`` each one's verdict (main lifter first, "; " between), ``people_in_view`` the most people
    seen at once. ``neutral_bend_deg``: the zero the back was judged from (most people's, or the lifter's own from a
    profile: `score --folder-profiles` judges each video from its folder's). ``settings_fingerprint``: the settings
    and pose model its result was judged under and the liftform version whose rules judged it, ``liftform_version``
    (`settings_fingerprint`; rows alike were judged alike, its result.json names each setting; "" for a failed video
    and in rows of summaries written before it was kept).
    ``source_sha256``: the video file's SHA-256 (result.json's, computed as it was decoded; "" as the fingerprint);
    ``same_video_as``: the other output folders of the summary whose video is the very same file (the same SHA-256:
    a file copied under another name or into another folder, each scored and listed on its own), set as the summary
    is written (`name_copies`): a study counting participants' lifts counts them once.
    ``from_poses``: judged again in this run from the landmarks (poses.npz) of its earlier result, made by the same
    pose stage, without the pose model (`jobs.poses_reusable`: a new --config, views to draw again).
    """

    path: str
    output: str
    status: str = "ok"
    error: str = ""
    verdict: str = ""
    reps: int | None = None
    flagged_reps: int | None = None
    peak_spine_flexion_deg: float | None = None
    view: str = ""
    warnings: list[str] = field(default_factory=list)
    frames: int | None = None
    duration_s: float | None = None
    elapsed_s: float = 0.0
    cached: bool = False
    peak_rss_mb: float | None = None
    lifters: int | None = None
    lifter_verdicts: str = ""
    people_in_view: int | None = None
    neutral_bend_deg: float | None = None
    settings_fingerprint: str = ""
    undecided_reps: int | None = None
    source_sha256: str = ""
    same_video_as: list[str] = field(default_factory=list)
    from_poses: bool = False
    liftform_version: str = ""
    confidence: float | None = None
    summary: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def reason(self) -> str:
        """Why the video failed, without the video's path at its front where ``error`` starts with it (a decoder's
        reason names the file as the user gave it, relative to the working folder: "../clips/a.mp4 is not a readable
        video ..."): said beside its name or path, the path had been said twice ("failed: /abs/clips/a.mp4:
        ../clips/a.mp4 is not ...")."""
        name, video = Path(self.path).name, os.path.abspath(self.path)
        at = self.error.find(name) if name else -1
        while at >= 0:        # the error's words up to the file's name, read as a path from here, are the video's
            end = at + len(name)
            after = next((sep for sep in (": ", " ") if self.error.startswith(sep, end)), None)
            if after is not None and os.path.abspath(self.error[:end]) == video:
                return self.error[end + len(after):]
            at = self.error.find(name, end)
        return self.error

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fingerprint(what: dict[str, Any]) -> str:
    """16 hex digits of ``what``, written canonically (JSON, keys sorted)."""
    canonical = json.dumps(jsonable(what), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _made_by(versions: dict[str, str] | None) -> dict[str, str]:
    """The versions of ``versions`` (a result.json's; None: this process's) that make a result, `MADE_BY`."""
    if versions is None:
        versions = library_versions()
    return {name: versions.get(name, "") for name in MADE_BY}


def settings_fingerprint(settings: dict[str, Any], model_sha256: str, schema_version: int = SCHEMA_VERSION,
                         versions: dict[str, str] | None = None) -> str:
    """16 hex digits identifying what decides a result: every setting, the model file, the result schema, the
    liftform build whose rules judged it and the mediapipe that posed it (``versions``, a result.json's; None: this
    process's). Without the build, a result an earlier liftform judged was taken as already scored by a newer one
    whose rules differ, kept beside its results unsaid.

    ``settings`` is ``Settings.to_dict()`` or the ``settings`` object of a result.json (the same after JSON).
    """
    return _fingerprint({"settings": settings, "model_sha256": model_sha256, "schema_version": schema_version,
                         **_made_by(versions)})


def pose_fingerprint(settings: dict[str, Any], model_sha256: str, schema_version: int = SCHEMA_VERSION,
                     versions: dict[str, str] | None = None) -> str:
    """16 hex digits identifying what decides a result's landmarks (poses.npz) alone: the ``[pose]`` settings, the
    model file, the result schema and the mediapipe version that ran the model (``versions`` as in
    `settings_fingerprint`). Results alike in it were made by the same pose stage: another liftform build's
    landmarks are judged again by this one's rules (`jobs.poses_reusable`), not posed again; another mediapipe's
    are posed again, as a Ray node's are not kept (`ray_results.other_versions`): its graph around the model
    (the crop it tracks, the smoothing, the segmentation the back is read from) is the library's, not the model
    file's, and a batch is measured with one."""
    return _fingerprint({"settings": {"pose": settings["pose"]}, "model_sha256": model_sha256,
                         "schema_version": schema_version, "mediapipe": _made_by(versions)["mediapipe"]})


def result_fingerprint(analysis: Analysis) -> str:
    """The :func:`settings_fingerprint` an analysis was made with (a result.json without versions: theirs "")."""
    return settings_fingerprint(analysis.settings.to_dict(), analysis.model.sha256, analysis.schema_version,
                                analysis.versions)


def row_from_analysis(analysis: Analysis, path: str, output: str, **extra: Any) -> SummaryRow:
    """The summary row of an analysis (just made, or read back with ``read_analysis``)."""
    lifters, verdicts = analysis.lifters, analysis.every_rep
    # the judged reps' peaks: an undecided rep's (a descent the view cut) had stood for the video's
    peaks = [v.peak_spine_flexion_deg for v in verdicts
             if math.isfinite(v.peak_spine_flexion_deg) and not v.is_undecided]
    zero = analysis.kinematics.spine_baseline_deg
    return SummaryRow(
        path=path, output=output, status="ok", verdict=analysis.verdict, reps=len(verdicts),
        confidence=None if (sure := analysis.verdict_confidence) is None else round(sure, CONFIDENCE_DECIMALS),
        flagged_reps=sum(v.is_rounded for v in verdicts),
        undecided_reps=sum(v.is_undecided for v in verdicts), summary=clip_summary(analysis),
        peak_spine_flexion_deg=round(max(peaks), ANGLE_DECIMALS) if peaks else None, view=analysis.quality.view,
        warnings=list(analysis.quality.warnings), frames=analysis.source.frames,
        duration_s=round(analysis.source.duration_s, TIME_DECIMALS), lifters=len(lifters),
        lifter_verdicts="; ".join(lifter.lifter_verdict for lifter in lifters), people_in_view=analysis.people_in_view,
        neutral_bend_deg=round(zero, ANGLE_DECIMALS) if math.isfinite(zero) else None,
        settings_fingerprint=result_fingerprint(analysis), source_sha256=analysis.source.sha256 or "",
        liftform_version=analysis.versions.get("liftform", ""), **extra)


def failed_row(path: str, output: str, error: str, **extra: Any) -> SummaryRow:
    """The row of a video that could not be scored; ``error`` is kept to its first line."""
    first = (error.strip().splitlines() or ["unknown error"])[0]
    return SummaryRow(path=path, output=output, status="failed", error=first, **extra)


def same_file_groups(videos: list[tuple[str, str]]) -> dict[str, list[str]]:
    """For each (name, SHA-256) of ``videos`` whose file another has too, the others' names in their order; a video
    of unknown content ("") has none."""
    by_content: dict[str, list[str]] = {}
    for name, sha256 in videos:
        if sha256:
            by_content.setdefault(sha256, []).append(name)
    return {name: [other for other in names if other != name]
            for names in by_content.values() if len(names) > 1 for name in names}


def name_copies(rows: list[SummaryRow]) -> None:
    """Set each row's ``same_video_as`` (in place: the caller's rows, which the terminal prints, say it too) from
    the scored rows' ``source_sha256``."""
    copies = same_file_groups([(row.output, row.source_sha256) for row in rows if row.ok])
    for row in rows:
        row.same_video_as = list(copies.get(row.output, [])) if row.ok else []


def _cell(row: SummaryRow, column: str) -> str:
    value = getattr(row, column)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if column == "elapsed_s" else f"{value:.15g}"
    return spreadsheet_text(LIST_SEPARATOR.join(value) if isinstance(value, list) else str(value))


def summary_csv_text(rows: list[SummaryRow]) -> str:
    """summary.csv: header :data:`CSV_COLUMNS`, one row per video; lists joined by LIST_SEPARATOR; booleans 1/0;
    numbers as summary.json has them (a shift's 12345.678 s had read 12345.7)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row, c) for c in CSV_COLUMNS])
    return buffer.getvalue()


# Columns of summary_reps.csv before reps.csv's own: the video as summary.csv names it, and whose rep it is (1 the
# main lifter, 2, 3, ... result.json's other_lifters in order).
REPS_KEY_COLUMNS = ("path", "output", "lifter")
# After reps.csv's columns, each rep's video's as summary.csv gives them: reps of videos judged under other
# settings or by another liftform version, mixed in one table, are told apart (a rep's verdict is its settings').
REPS_JUDGED_COLUMNS = ("settings_fingerprint", "liftform_version")


def reps_csv_text(out_root: str | Path, rows: list[SummaryRow]) -> str:
    """summary_reps.csv: header :data:`REPS_KEY_COLUMNS` + reps.csv's columns + :data:`REPS_JUDGED_COLUMNS`, one row
    per rep of each video
    ``rows`` lists as scored, read from its result.json under ``out_root`` (every lifter's: reps.csv holds the main
    lifter's alone; each result read once while it stays the same file, `hashing.once_per_file`: a batch rewrites
    the table with its summary). A result that cannot be read any more (removed or damaged since its row was made)
    adds none: its summary row stands, and the next run scores it again."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REPS_KEY_COLUMNS + REP_FIELDS + REPS_JUDGED_COLUMNS)
    for row in rows:
        if not row.ok:
            continue
        try:
            cells = json.loads(once_per_file(_rep_cells_of_result, Path(out_root) / row.output / RESULT_NAME))
        except (InputError, OSError):
            continue
        key = [spreadsheet_text(row.path), spreadsheet_text(row.output)]
        writer.writerows([*key, *lifter_and_rep, row.settings_fingerprint, row.liftform_version]
                         for lifter_and_rep in cells)
    return buffer.getvalue()


def _rep_cells_of_result(result_json: Path) -> str:
    """Every rep of the result.json at ``result_json`` as [lifter, *reps.csv cells] (lifter 1 the main one, then
    its other_lifters in order), as JSON text."""
    doc = read_result_json(result_json)
    lifters = [doc.get("reps") or []] + [other.get("reps") or [] for other in doc.get("other_lifters") or []]
    return json.dumps([[str(lifter), *rep_cells(rep)] for lifter, reps in enumerate(lifters, start=1) for rep in reps])


def shared_fingerprint(rows: list[SummaryRow]) -> str:
    """The settings fingerprint every scored video of ``rows`` was judged under, or "" where they differ (or one is
    not known). Taken from the rows, not from the run that wrote them: a run with a new --config into a folder
    scored before had named its own settings for the earlier videos too."""
    fingerprints = {row.settings_fingerprint for row in rows if row.ok}
    return fingerprints.pop() if len(fingerprints) == 1 else ""


def video_counts(rows: list[SummaryRow]) -> dict[str, int]:
    """How many of ``rows`` are videos, ok, failed, ok with each video verdict (`VIDEO_VERDICTS`: an undecided video
    counted apart, never as safe), cached: summary.json's ``counts`` and the terminal's line."""
    return {"videos": len(rows), "ok": sum(r.ok for r in rows), "failed": sum(not r.ok for r in rows),
            **{verdict: sum(r.ok and r.verdict == verdict for r in rows) for verdict in VIDEO_VERDICTS},
            "cached": sum(r.cached for r in rows)}


def summary_doc(rows: list[SummaryRow], *, complete: bool = True,
                extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """summary.json: counts, whether every input was reached (``complete``), the settings fingerprint the rows
    share (`shared_fingerprint`), rows."""
    return {
        "schema_version": SUMMARY_SCHEMA_VERSION,
        "complete": complete,
        "settings_fingerprint": shared_fingerprint(rows),
        "counts": video_counts(rows),
        **(extra or {}),
        "videos": [r.to_dict() for r in rows],
    }


def write_summary(out_root: str | Path, rows: list[SummaryRow], *, complete: bool = True,
                  extra: dict[str, Any] | None = None) -> tuple[Path, Path]:
    """Write ``out_root/summary.csv`` and ``out_root/summary.json`` atomically, then ``summary_reps.csv``
    (`reps_csv_text`); returns the first two's paths.

    summary.json is the one liftform reads (`read_summary`: resume, rescore, index.html), so it is written first: a
    kill between the two leaves summary.csv a row behind, rewritten by the next write. The other way round (the csv
    first), a stale summary.json said a video's earlier run failed while its new result was in place, and the next
    run into the folder, not scoring that video, kept the row failed, index.html calling the result an earlier one.
    Each row's ``same_video_as`` is set first (`name_copies`)."""
    out_root = Path(out_root)
    name_copies(rows)
    doc = summary_doc(rows, complete=complete, extra=extra)
    json_path = atomic_write_text(out_root / SUMMARY_JSON, json_text(doc))
    csv_path = atomic_write_text(out_root / SUMMARY_CSV, summary_csv_text(rows))
    atomic_write_text(out_root / SUMMARY_REPS_CSV, reps_csv_text(out_root, rows))
    return csv_path, json_path


def has_result(out_root: str | Path, row: SummaryRow) -> bool:
    """``row``'s result folder holds a complete result (its result.json) in ``out_root``."""
    return (Path(out_root) / row.output / RESULT_NAME).is_file()


def rows_as_they_stand(out_root: str | Path, rows: list[SummaryRow]) -> list[SummaryRow]:
    """``rows`` of a run, each ok one whose result folder is gone from ``out_root`` since (removed while the batch
    ran) made a failed row saying so: the summary had listed it as ok with no result there."""
    return [row if not row.ok or has_result(out_root, row) else
            failed_row(row.path, row.output, f"its result folder {Path(out_root) / row.output} was removed after it "
                       "was scored; run the same command again to score it", elapsed_s=row.elapsed_s)
            for row in rows]


def merged_rows(earlier: list[SummaryRow], rows: list[SummaryRow]) -> list[SummaryRow]:
    """The summary of a folder after a run: ``rows`` (the run's) over ``earlier`` (the folder's before it), each
    in place of an earlier row of its output folder, the others after them in their order. A video that failed
    before has no folder to keep its name by: scored now under another (a__IMG_0001, beside a new b/IMG_0001.mp4),
    its failed row goes, rather than list it failed beside its result."""
    new = {row.output: row for row in rows}
    scored = {os.path.abspath(row.path) for row in rows}
    earlier = [row for row in earlier if row.ok or row.output in new or os.path.abspath(row.path) not in scored]
    merged = [new.pop(row.output, row) for row in earlier]
    return merged + [row for row in rows if row.output in new]


def earlier_rows(out_root: str | Path, listed: list[SummaryRow] | None = None) -> list[SummaryRow]:
    """What a batch into ``out_root`` starts from, so the summary keeps describing every video of the folder (as
    index.html does) whatever this run covers or however it ends: the rows of its summary (``listed``, where read
    already) that still hold (a failed video's still there, if only as a dangling link: one deleted or moved since had
    stayed "failed" in every later summary; or one whose result folder is complete), then a row read from each
    complete result folder no row names (one `analyze` wrote). A damaged summary is started again from the folders."""
    from liftform.outputs.read import read_analysis

    out_root = Path(out_root)
    if not out_root.is_dir():
        return []
    try:
        rows = read_summary(out_root) if listed is None else listed
    except InputError:
        rows = []
    complete = {folder.name: folder for folder in result_folders(out_root)}
    rows = [row for row in rows if (row.output in complete if row.ok else os.path.lexists(row.path))]
    named = {row.output for row in rows}
    for name, folder in complete.items():
        if name not in named:
            try:
                analysis = read_analysis(folder.path)
            except LiftformError as exc:
                rows.append(failed_row(str(folder.path), name, str(exc)))
                continue
            rows.append(row_from_analysis(analysis, analysis.source.path, name, cached=True))
    return rows


def read_summary(out_root: str | Path) -> list[SummaryRow]:
    """Rows of ``out_root/summary.json``; [] when there is none. InputError if it is damaged."""
    path = Path(out_root) / SUMMARY_JSON
    if not path.exists():
        return []
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        known = {f.name for f in fields(SummaryRow)}
        return [SummaryRow(**{k: v for k, v in video.items() if k in known}) for video in doc["videos"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"cannot read {path} ({exc}); delete it and run `liftform score` again") from None
