"""``rescore``: recompute every verdict of a scored folder from its landmark cache (``poses.npz``), with new
thresholds, without the pose model (mediapipe is never imported on this path).

Only what comes after the pose model can change: kinematics filters, rep finding, spine measure and verdict
thresholds. Pose settings (model, confidences, number of people, frame size) decided the cached landmarks
themselves; a rescore keeps the ones each result was made with and reports the videos where the new settings
asked for others (``pose_ignored``): those need ``liftform score --force``. result.json, frames.csv and
reps.csv are rewritten (atomically, result.json last), then the summary; annotated.mp4 and report.html are not
redrawn (that needs the source video) and keep showing the verdicts of the run that drew them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np

from liftform.analysis import ModelInfo, SourceInfo
from liftform.batch.jobs import ANNOTATED_NAME, POSES_NAME, result_fingerprint
from liftform.batch.summary import SummaryRow, failed_row, read_summary, row_from_result, write_summary
from liftform.errors import InputError, LiftformError
from liftform.outputs.atomic import folder_lock
from liftform.outputs.result_json import RESULT_NAME, analysis_to_dict, read_result_json, write_result_json
from liftform.outputs.tables import write_frames_csv, write_reps_csv
from liftform.settings import Settings, apply_overrides
from liftform.track import PoseTrack

STALE_VIEWS = (ANNOTATED_NAME, "report.html")   # drawn from a result, not rewritten by a rescore

# progress(done, total, row) after each result folder.
RescoreProgress = Callable[[int, int, SummaryRow], None]


@dataclass
class RescoreResult:
    """What a rescore did. ``rows``: the whole summary (failed videos of the scoring run kept as they were);
    ``rescored``: output folders recomputed; ``changed``: those whose whole-video verdict changed;
    ``pose_ignored``: those whose pose settings differ from the new ones (not applied, see the module
    docstring); ``stale_views``: changed folders whose annotated.mp4 or report.html still shows the old
    verdicts."""

    out_root: Path
    rows: list[SummaryRow] = field(default_factory=list)
    rescored: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    pose_ignored: list[str] = field(default_factory=list)
    stale_views: list[str] = field(default_factory=list)

    @property
    def n_failed(self) -> int:
        return sum(not r.ok for r in self.rows if r.output in self.rescored)

    @property
    def exit_code(self) -> int:
        """0 when every result folder was rescored, 1 when any could not be."""
        return 1 if self.n_failed else 0


def result_folders(out_root: Path) -> list[Path]:
    """Sub-folders of ``out_root`` holding a result.json, sorted by name."""
    return sorted(d for d in out_root.iterdir() if d.is_dir() and (d / RESULT_NAME).is_file())


def load_track(path: Path) -> PoseTrack:
    """The landmark cache at ``path``; InputError (one line) when missing or damaged."""
    if not path.is_file():
        raise InputError(f"no landmark cache ({path.name}) in {path.parent}: score this video again with "
                         "`liftform score --force`")
    try:
        with np.load(path) as data:
            return PoseTrack.from_npz(data)
    except (OSError, ValueError, KeyError, EOFError) as exc:
        raise InputError(f"landmark cache {path} is damaged ({exc}); score this video again with "
                         "`liftform score --force`") from None


def _video_warnings(doc: dict, track: PoseTrack, source: SourceInfo, model: ModelInfo,
                    old_settings: Settings) -> list[str]:
    """The warnings of the decoding step (not in the cache): the old result's warnings minus those the core
    gives again for the same track under the old settings."""
    from liftform.pipeline import analyze_track

    again = analyze_track(track, source, model, old_settings)
    from_core = {*again.quality.warnings, *again.kinematics.warnings}
    return [w for w in doc.get("quality", {}).get("warnings", []) if w not in from_core]


def rescore_folder(folder: Path, settings: Settings) -> tuple[dict, dict, bool]:
    """Recompute one result folder under ``settings``: (old result, new result, pose settings differed).

    Raises LiftformError (one line) when the folder cannot be rescored; its files are then left as they were.
    """
    from liftform.pipeline import analyze_track

    doc = read_result_json(folder / RESULT_NAME)
    track = load_track(folder / POSES_NAME)
    try:
        old_settings = apply_overrides(Settings(), doc["settings"])
        source = SourceInfo(**{f.name: doc["source"][f.name] for f in fields(SourceInfo)})
        model = ModelInfo(name=doc["model"]["name"], sha256=doc["model"]["sha256"])
    except (KeyError, TypeError) as exc:
        raise InputError(f"{folder / RESULT_NAME} lacks {exc} needed to rescore; score this video again with "
                         "`liftform score --force`") from None
    warnings = _video_warnings(doc, track, source, model, old_settings)
    analysis = analyze_track(track, source, model, replace(settings, pose=old_settings.pose), warnings)
    write_frames_csv(analysis, folder)
    write_reps_csv(analysis, folder)
    write_result_json(analysis, folder)
    return doc, analysis_to_dict(analysis), settings.pose != old_settings.pose


def _rescore_one(folder: Path, settings: Settings, previous: dict[str, SummaryRow], result: RescoreResult,
                 fingerprints: set[str]) -> SummaryRow:
    """Rescore one folder into its summary row, noting it in ``result``; never raises LiftformError."""
    start = time.perf_counter()
    name = folder.name
    path = previous[name].path if name in previous else ""
    try:
        old, new, pose_differs = rescore_folder(folder, settings)
    except LiftformError as exc:
        row = failed_row(path or str(folder), name, str(exc))
    else:
        row = row_from_result(new, path or str(new["source"]["path"]), name)
        fingerprints.add(result_fingerprint(new))
        if pose_differs:
            result.pose_ignored.append(name)
        if old.get("verdict") != new["verdict"]:
            result.changed.append(name)
            if any((folder / view).is_file() for view in STALE_VIEWS):
                result.stale_views.append(name)
    row.elapsed_s = round(time.perf_counter() - start, 4)
    result.rescored.append(name)
    return row


def rescore(out: str | Path, settings: Settings | None = None, *,
            progress: RescoreProgress | None = None) -> RescoreResult:
    """Recompute every result under ``out`` (a ``liftform score`` or ``analyze`` output folder) with
    ``settings`` (default: the defaults) from the landmark caches, then rewrite the summary. See the module
    docstring.

    A folder that cannot be rescored is a failed row (its files untouched). Raises InputError when ``out``
    holds no result at all.
    """
    settings = settings or Settings()
    out_root = Path(out)
    if not out_root.is_dir():
        raise InputError(f"{out_root} is not a folder of results; pass the -o folder of `liftform score`")
    folders = result_folders(out_root)
    if not folders:
        raise InputError(f"no result.json found under {out_root}; run `liftform score` first")
    with folder_lock(out_root, "`liftform score` or `rescore`"):
        return _rescore_locked(out_root, folders, settings, progress)


def _rescore_locked(out_root: Path, folders: list[Path], settings: Settings,
                    progress: RescoreProgress | None) -> RescoreResult:
    """The rescoring itself, with ``out_root`` locked (see :func:`rescore`)."""
    previous = {row.output: row for row in read_summary(out_root)}
    result = RescoreResult(out_root)
    new_rows: dict[str, SummaryRow] = {}
    fingerprints = set()
    try:
        for done, folder in enumerate(folders, start=1):
            row = _rescore_one(folder, settings, previous, result, fingerprints)
            new_rows[folder.name] = row
            if progress is not None:
                progress(done, len(folders), row)
    finally:   # interrupted or not, the summary covers what is done
        kept = [new_rows.pop(r.output, r) for r in previous.values()]
        result.rows = kept + [new_rows[n] for n in sorted(new_rows)]
        write_summary(out_root, result.rows, fingerprint=fingerprints.pop() if len(fingerprints) == 1 else "",
                      complete=len(result.rescored) == len(folders), extra={"rescored": True})
    return result
