"""``rescore``: recompute every verdict of a scored folder from its landmark cache (``poses.npz``), with new
thresholds, without the pose model (mediapipe is never imported on this path).

Each result keeps the person's own values it was made with (`personal.PERSONAL_KEYS`: a zero from a profile or
live's key n, as its ``personal_from`` records; a value a config file set is a setting, not kept), except those the
caller's files decide (``keep_personal``; the CLI: all of them with --profile, those a --config sets): a folder of
lifters each judged from their own zero is not put back on most people's by new thresholds. The results where that
mattered are listed, with where their values came from (``kept_personal``). With ``folder_profiles``, a result
whose source video has a profile.toml beside it is judged from that profile instead (`personal.folder_profile`, as
`score --folder-profiles`): a lifter's checked rep made after the batch was scored applies without the pose model.

Only what comes after the pose model can change: kinematics filters, rep finding, spine measure and verdict
thresholds. Pose settings (model, confidences, number of people, frame size) decided the cached landmarks
themselves; a rescore keeps the ones each result was made with and reports the videos where the new settings
asked for others (``pose_ignored``): those need ``liftform score --force``. result.json, frames.csv and
reps.csv are rewritten (atomically, result.json last), then the summary, and the overview (index.html) where the
folder has one; annotated.mp4 and report.html are not redrawn (that needs the source video) and keep showing the
results of the run that drew them (``stale_views``): the folder is marked so (`outputs.mark_stale`), the report
says so at its top, after result.json is written (`report.outdated`), and a `score` of that video draws it again
instead of taking it as already scored.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from liftform.analysis import Analysis, library_versions
from liftform.arguments import checked_settings
from liftform.batch.judged_with import judged_with
from liftform.batch.summary import (
    SummaryRow,
    earlier_rows,
    failed_row,
    merged_rows,
    read_summary,
    row_from_analysis,
    write_summary,
)
from liftform.core import reflection
from liftform.core.advice import rep_advice
from liftform.errors import InputError, LiftformError
from liftform.follow import LEFT_OUT_WORDS
from liftform.interrupts import signals_deferred
from liftform.outputs import mark_stale, stale_views
from liftform.outputs.atomic import IN_PLACE_OPTION, FolderLock, check_writable, folder_lock
from liftform.outputs.layout import (
    ANNOTATED_NAME,
    INDEX_NAME,
    LOCK_NAME,
    PROFILE_NAME,
    REPORT_NAME,
    ResultFolder,
    refuse_result_folder,
    result_folders,
)
from liftform.outputs.read import read_analysis, read_poses_npz
from liftform.outputs.result_json import write_result_json
from liftform.outputs.tables import write_frames_csv, write_reps_csv
from liftform.personal import (
    FOLDER_ORIGIN,
    PERSONAL_KEYS,
    PROFILE_ORIGIN,
    differing,
    folder_profile,
    from_profile,
    recorded_personal,
    with_personal,
)
from liftform.settings import PoseSettings, Settings
from liftform.track import PoseTrack
from liftform.unseen import HIDDEN_WORDS

STALE_VIEWS = (ANNOTATED_NAME, REPORT_NAME)   # drawn from a result, not rewritten by a rescore

# progress(done, total, row) after each result folder.
RescoreProgress = Callable[[int, int, SummaryRow], None]


@dataclass
class RescoreResult:
    """What a rescore did. ``rows``: the whole summary (failed videos of the scoring run kept as they were);
    ``rescored``: output folders recomputed; ``changed``: those whose whole-video verdict changed; ``reps_changed``:
    the others where a rep's verdict or advice changed (new thresholds or a profile can move those alone);
    ``pose_ignored``: those whose pose settings differ from the new ones (not applied, see the module
    docstring); ``stale_views``: folders whose annotated.mp4 or report.html was drawn from a result this rescore
    changed (`_drawn`); ``kept_personal``: {folder: {personal key: where from}} where a folder is judged from the
    person's own values it was made with while the settings given had others; ``folder_profiles``: folders judged
    from the profile.toml beside their source video (see the module docstring); ``posed_elsewhere``: those whose
    landmarks another mediapipe version made (judged from them, as asked; a `score` poses them again,
    `summary.pose_fingerprint`); ``index_html``: the overview, rebuilt where the folder had one; ``gone``: videos
    the summary listed as scored whose result folder (or its result.json) is gone, left out of it now;
    ``summary_unreadable``: why the summary before could not be read (its failed videos are then not known)."""

    out_root: Path
    rows: list[SummaryRow] = field(default_factory=list)
    rescored: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    reps_changed: list[str] = field(default_factory=list)
    pose_ignored: list[str] = field(default_factory=list)
    stale_views: list[str] = field(default_factory=list)
    kept_personal: dict[str, dict[tuple[str, str], str]] = field(default_factory=dict)
    folder_profiles: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    summary_unreadable: str | None = None
    posed_elsewhere: list[str] = field(default_factory=list)
    index_html: Path | None = None
    # Each result's settings and `Analysis.personal_from`, as judged: its own pose settings and lifter's values kept.
    judged_under: set[tuple[Settings, tuple]] = field(default_factory=set)

    @property
    def n_failed(self) -> int:
        return sum(not r.ok for r in self.rows if r.output in self.rescored)

    @property
    def exit_code(self) -> int:
        """0 when every result folder was rescored, 1 when any could not be."""
        return 1 if self.n_failed else 0


def rescore_folder(folder: Path, settings: Settings, keep_personal: tuple[tuple[str, str], ...] = PERSONAL_KEYS,
                   folder_profiles: bool = False,
                   given_from: dict[tuple[str, str], str] | None = None) -> tuple[Analysis, Analysis]:
    """Recompute one result folder under ``settings`` (its own pose settings kept, and its person's own values of the
    personal keys ``keep_personal``; with ``folder_profiles``, the profile beside its source video where there is
    one): (old analysis, new one). ``given_from``: where ``settings``' own values of the other keys came from
    (`Analysis.personal_from`; {}: a config's or the method's). The decoder's warnings about the source come with
    the old analysis's source.

    Raises LiftformError (one line) when the folder cannot be rescored; its files are then left as they were.
    """
    where = ResultFolder(folder)
    old = read_analysis(where.path)
    track = read_poses_npz(where.poses_npz)
    settings = replace(settings, pose=old.settings.pose)
    beside = folder_profiles and _profile_beside(old) is not None
    own, problem = folder_profile(Path(old.source.path), settings) if beside else (None, "")
    if problem:
        raise InputError(problem)
    kept = recorded_personal(old.personal_from, keep_personal)
    settings = own if own is not None else with_personal(settings, old.settings, kept)
    analysis = judged_again(old, track, settings)
    personal_from = from_profile(FOLDER_ORIGIN) if own is not None else {**(given_from or {}), **kept}
    analysis = replace(analysis, personal_from={k: personal_from[k] for k in PERSONAL_KEYS if k in personal_from})
    with signals_deferred():      # a Ctrl-C waits for the three files: never new CSVs beside the old result.json
        # The mark first: views an interrupted rescore may leave out of date are redrawn by the next `score`.
        stale = stale_views(where.path) | views_left_stale(where.path, old, analysis)
        mark_stale(where.path, stale)
        write_frames_csv(analysis, where.path)
        write_reps_csv(analysis, where.path)
        write_result_json(analysis, where.path)
        if REPORT_NAME in stale:       # the page says so itself, with what result.json says now
            from liftform.report.outdated import mark_report_outdated

            mark_report_outdated(where.report_html, analysis)
    return old, analysis


def judged_again(old: Analysis, track: PoseTrack, settings: Settings) -> Analysis:
    """``old`` judged again under ``settings`` (its pose settings being the same) from ``track``, the landmarks it
    was made from (poses.npz), as `pipeline.analyze_people` judges it: the main lifter, and beside them each other
    lifter whose track poses.npz keeps (`lifters.other_lifters`: one whose reps the new settings take away, or
    who now moves as the main lifter's reflection, is no lifter). The main lifter stays the main one (poses.npz is
    theirs). What only the pose stage knew is kept from ``old`` (its source, where the lifter was, the people in
    view); a reflection of the main lifter set aside stays set aside (its landmarks are not kept), people nobody
    followed (more than ``num_poses``) stay unjudged, and stretches where someone else was followed in the lifter's
    place stay said (the swaps are not in the landmarks), their notes as the pose stage puts them. A poses.npz
    written before liftform kept the other lifters' tracks leaves their earlier verdicts, and says so.
    `rescore`, and `score`'s re-analysis of a result whose pose stage is this run's (`jobs.run_job`)."""
    from liftform.lifters import judged_person, lifters_notes, other_lifters
    from liftform.pipeline import analyze_track

    analysis = analyze_track(track, old.source, old.model, settings)
    was_reflected = reflection.NOTE in old.quality.warnings
    if track.other_lifters:
        people = [(judged_person(lifter, old.source, old.model, settings), lifter) for lifter in track.other_lifters]
        others, _, reflected = other_lifters(analysis, people)
        notes = lifters_notes(len(others), reflected or was_reflected)
    else:
        others = old.others
        notes = ((f"{len(old.others)} other lifter(s) in view kept as first scored (their landmarks are not in "
                  "this older poses.npz): `liftform score --force` judges them under new settings",)
                 if old.others else ()) + lifters_notes(len(old.others), was_reflected)
    notes += tuple(w for w in old.quality.warnings if LEFT_OUT_WORDS in w or HIDDEN_WORDS in w)
    posed_by = {"mediapipe": old.versions["mediapipe"]} if "mediapipe" in old.versions else {}
    return replace(analysis, others=others, people_in_view=old.people_in_view, box_px=old.box_px,
                   quality=replace(analysis.quality, warnings=(*notes, *analysis.quality.warnings)),
                   versions={**analysis.versions, **posed_by})     # the landmarks are that mediapipe's


def _profile_beside(analysis: Analysis) -> Path | None:
    """The profile.toml beside the result's source video, where the video still is and has one (a video gone, a
    relative path or a camera's number would find a profile in whatever folder the command runs in)."""
    video = Path(analysis.source.path)
    return video.parent / PROFILE_NAME if video.is_file() and (video.parent / PROFILE_NAME).is_file() else None


def views_left_stale(folder: Path, old: Analysis, new: Analysis) -> set[str]:
    """The views in ``folder`` (annotated.mp4, report.html) drawn from ``old`` that would no longer show ``new``."""
    return {view for view in STALE_VIEWS if (folder / view).is_file()} if _drawn(old) != _drawn(new) else set()


def _drawn(analysis: Analysis) -> tuple:
    """What annotated.mp4 and report.html show of a result: the verdicts with their reasons (the numbers that
    decided them), every lifter's flagged frames (their backs' colours) and the settings (the report's thresholds).
    A rescore that changes any of them leaves those files out of date, also where the clip's verdict stays (one rep
    of three cleared)."""
    return (analysis.verdict, analysis.settings, [lifter.flagged_frames for lifter in analysis.lifters],
            [(rv.verdict, rv.reason) for rv in analysis.every_rep])


def _rescore_one(folder: Path, settings: Settings, keep_personal: tuple[tuple[str, str], ...],
                 folder_profiles: bool, given_from: dict[tuple[str, str], str], previous: dict[str, SummaryRow],
                 result: RescoreResult) -> SummaryRow:
    """Rescore one folder into its summary row, noting it in ``result``; never raises LiftformError."""
    start = time.perf_counter()
    name = folder.name
    path = previous[name].path if name in previous else ""
    try:
        old, new = rescore_folder(folder, settings, keep_personal, folder_profiles, given_from)
    except LiftformError as exc:
        row = failed_row(path or str(folder), name, str(exc))
    except Exception as exc:  # one odd folder must not stop the rest
        detail = (str(exc).strip().splitlines() or [""])[0][:200]
        row = failed_row(path or str(folder), name, f"internal error ({type(exc).__name__}: {detail}); "
                                                    "score this video again with `liftform score --force`")
    else:
        row = row_from_analysis(new, path or new.source.path, name, from_poses=True)
        result.judged_under.add((new.settings, tuple(sorted((new.personal_from or {}).items()))))
        # asked for (not the defaults): a plain rescore of a live session (num_poses = 1) had been told its pose
        # settings were not applied and to `score --force`, which no one asked for
        if settings.pose != old.settings.pose and settings.pose != PoseSettings():
            result.pose_ignored.append(name)
        if new.versions.get("mediapipe") != library_versions().get("mediapipe"):   # kept from the landmarks' maker
            result.posed_elsewhere.append(name)
        if folder_profiles and _profile_beside(new) is not None:
            result.folder_profiles.append(name)
        elif kept := differing(new.settings, settings, keep_personal):
            result.kept_personal[name] = {key: (new.personal_from or {}).get(key, "") for key in kept}
        if old.verdict != new.verdict:
            result.changed.append(name)
        elif _rep_words(old) != _rep_words(new):   # a rescore that moved only advice had said "0 verdict(s) changed"
            result.reps_changed.append(name)
        if views_left_stale(folder, old, new):
            result.stale_views.append(name)
    row.elapsed_s = round(time.perf_counter() - start, 4)
    result.rescored.append(name)
    return row


def _judged_with(result: RescoreResult, settings: Settings, given_from: dict[tuple[str, str], str],
                 folder_profiles: bool) -> dict:
    """What a later `score` or `rescore` given no settings resumes under (`judged_with`): ``settings`` with the pose
    settings every result kept, where they all kept the same (else a `score` had posed them all again with the
    default model); where every result was judged alike from one ``--profile``'s values (the batch's, as `score
    --profile` gives them), the settings as judged (else a `score` had put them back on most people's zero). Own
    values from live's key n or a folder's profile are each video's, not the batch's: not given to videos added."""
    poses = {judged.pose for judged, _ in result.judged_under}
    pose = poses.pop() if len(poses) == 1 else settings.pose
    if len(result.judged_under) == 1:
        (judged, personal_from), = result.judged_under
        if all(origin.split(" ", 1)[0] == PROFILE_ORIGIN for _, origin in personal_from):
            return judged_with("rescore", judged, dict(personal_from), folder_profiles)
    return judged_with("rescore", replace(settings, pose=pose), given_from, folder_profiles)


def _rep_words(analysis: Analysis) -> list[tuple[str, str]]:
    """Each rep's verdict and the advice it gets under the analysis's own settings, every lifter's."""
    return [(v.verdict, rep_advice(v, lifter.settings.advice)) for lifter in analysis.lifters for v in lifter.verdicts]


def rescore(out: str | Path, settings: Settings | None = None, *, progress: RescoreProgress | None = None,
            keep_personal: tuple[tuple[str, str], ...] = PERSONAL_KEYS, folder_profiles: bool = False,
            given_from: dict[tuple[str, str], str] | None = None) -> RescoreResult:
    """Recompute every result under ``out`` (a ``liftform score`` or ``analyze`` output folder) with
    ``settings`` (default: the defaults) from the landmark caches, each result keeping its own values of the
    personal keys ``keep_personal`` (default: all; () applies ``settings``' everywhere) or, with
    ``folder_profiles``, judged from the profile beside its source video, then rewrite the summary. ``given_from``:
    where ``settings``' own values came from (`Analysis.personal_from`, e.g. `personal.from_profile`; default none:
    a config's). See the module docstring.

    A folder that cannot be rescored is a failed row (its files untouched). Raises InputError when ``out``
    holds no result at all.
    """
    settings = checked_settings(settings)
    out_root = Path(out)
    if not out_root.is_dir():
        raise InputError(f"{out_root} is not a folder of results; pass the output folder of `liftform score` or "
                         "`analyze`")
    refuse_result_folder(out_root)
    nothing = f"no result.json found under {out_root}; run `liftform score` first"
    if not result_folders(out_root) and not (out_root / LOCK_NAME).is_file():
        raise InputError(nothing)     # not locked: a lock file left in a folder of videos marks it as liftform's
    check_writable(out_root, out_root, IN_PLACE_OPTION)      # said of the folder, not of the lock file made next
    # Held while rescoring: a score still writing its first results is named; the folder removed meanwhile stops it.
    with folder_lock(out_root, "`liftform rescore`") as lock:
        if not (folders := [f.path for f in result_folders(out_root)]):
            raise InputError(nothing)
        return _rescore_locked(out_root, folders, settings, keep_personal, folder_profiles, given_from or {},
                               progress, lock)


def _rescore_locked(out_root: Path, folders: list[Path], settings: Settings,
                    keep_personal: tuple[tuple[str, str], ...], folder_profiles: bool,
                    given_from: dict[tuple[str, str], str], progress: RescoreProgress | None,
                    lock: FolderLock) -> RescoreResult:
    """The rescoring itself, with ``out_root`` locked by ``lock`` (see :func:`rescore`): stopped, with no summary
    written, once the folder is removed or replaced under it (it had failed on the summary's write)."""
    result = RescoreResult(out_root)
    try:
        listed = read_summary(out_root)
    except InputError as exc:
        listed, result.summary_unreadable = [], str(exc).split("; ")[0]      # "cannot read ... (why)"
    # The summary's rows that still hold (a result folder removed by hand had stayed "ok", with its old verdict,
    # under the new settings), and a row for each result folder it does not name; what it held that is left out
    # now is said (it had gone from the study unsaid).
    previous = {row.output: row for row in earlier_rows(out_root, listed)}
    result.gone = [row.output for row in listed if row.ok and row.output not in previous]
    new_rows: dict[str, SummaryRow] = {}
    try:
        for done, folder in enumerate(folders, start=1):
            row = _rescore_one(folder, settings, keep_personal, folder_profiles, given_from, previous, result)
            new_rows[folder.name] = row
            lock.check()
            if progress is not None:
                progress(done, len(folders), row)
    finally:   # interrupted or not, the summary covers what is done; a second Ctrl-C waits for it (it had left
        # the summary of the verdicts before the rescore beside the rescored result.json files)
        with signals_deferred():
            lock.check()
            result.rows = merged_rows(list(previous.values()), [new_rows[n] for n in sorted(new_rows)])
            write_summary(out_root, result.rows, complete=len(result.rescored) == len(folders),
                          extra={"rescored": True, **_judged_with(result, settings, given_from, folder_profiles)})
            if (out_root / INDEX_NAME).is_file():     # as `score` writes it, atomically: the new verdicts
                from liftform.report import write_index

                result.index_html = write_index(out_root)
    return result
