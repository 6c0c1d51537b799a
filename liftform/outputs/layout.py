"""The output folder's layout: every file name liftform writes, written once.

    OUT/                      an output root (``analyze -o OUT``, ``score -o OUT``)
        index.html            every result folder below in one sortable table
        summary.csv|json      batch scoring: one row per video
        summary_reps.csv      batch scoring: one row per rep of every scored video, every lifter's
        .liftform.lock        held while a batch writes OUT
        <video>/              one result folder per video (:class:`ResultFolder`); written as .<video>.<8 hex>.new
                              beside it and swapped in whole (`staging`)
            result.json       the output contract; written last, so its presence marks a complete result
            frames.csv        one row per analysed frame
            reps.csv          one row per rep
            poses.npz         every lifter's pose track, for rescoring without the pose model
            annotated.mp4     the video with the analysis drawn on it (optional)
            report.html       the clinician's page (optional), with clips/rep-N.mp4 of the flagged reps
            faces-blurred     present when every exported frame in the folder has every face blurred
            stale-views       the views (annotated.mp4, report.html) a rescore left showing an earlier result
        live-<time>/          a saved live session: as a video's folder, without annotated.mp4 and report.html;
            profile.toml      where the lifter's zero was taken from a rep checked flat (key n), for --profile

``read_analysis`` (`liftform.outputs.read`) reads a result folder back into the `Analysis` that was written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from liftform.errors import InputError

RESULT_NAME = "result.json"
FRAMES_NAME = "frames.csv"
REPS_NAME = "reps.csv"
POSES_NAME = "poses.npz"
ANNOTATED_NAME = "annotated.mp4"
REPORT_NAME = "report.html"
CLIPS_DIR = "clips"
BLURRED_MARK = "faces-blurred"
STALE_MARK = "stale-views"          # the views a rescore left drawn from an earlier result, one name a line
PROFILE_NAME = "profile.toml"       # a live session's, where the lifter's zero was taken from a rep (key n)

INDEX_NAME = "index.html"
SUMMARY_CSV = "summary.csv"
SUMMARY_JSON = "summary.json"
SUMMARY_REPS_CSV = "summary_reps.csv"
LOCK_NAME = ".liftform.lock"
# The names in an output root that belong to it, not to a video: a video's folder must not take one (a batch of a
# patient's "summary_reps.csv.mp4" had failed, its folder in the way of the table, every run).
ROOT_ENTRIES = frozenset({INDEX_NAME, SUMMARY_CSV, SUMMARY_JSON, SUMMARY_REPS_CSV, LOCK_NAME})

# Everything one analysis writes into its folder. A new result replaces the folder whole (`staging`); anything
# else found in the old folder (a user's note, a live session's profile.toml) is moved into the new one.
RESULT_FOLDER_ENTRIES = (RESULT_NAME, REPORT_NAME, ANNOTATED_NAME, CLIPS_DIR, FRAMES_NAME, REPS_NAME, POSES_NAME,
                         BLURRED_MARK, STALE_MARK)


@dataclass(frozen=True)
class ResultFolder:
    """The paths of one video's result folder."""

    path: Path

    def __init__(self, path: str | Path) -> None:
        object.__setattr__(self, "path", Path(path))

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def result_json(self) -> Path:
        return self.path / RESULT_NAME

    @property
    def frames_csv(self) -> Path:
        return self.path / FRAMES_NAME

    @property
    def reps_csv(self) -> Path:
        return self.path / REPS_NAME

    @property
    def poses_npz(self) -> Path:
        return self.path / POSES_NAME

    @property
    def annotated_mp4(self) -> Path:
        return self.path / ANNOTATED_NAME

    @property
    def report_html(self) -> Path:
        return self.path / REPORT_NAME

    @property
    def clips_dir(self) -> Path:
        return self.path / CLIPS_DIR

    def clip(self, rep_number: int) -> Path:
        """The clip of rep ``rep_number`` (counted from 1, as people count)."""
        return self.clips_dir / f"rep-{rep_number}.mp4"

    @property
    def blurred_mark(self) -> Path:
        return self.path / BLURRED_MARK

    @property
    def is_complete(self) -> bool:
        """result.json is written last: its presence marks a complete result."""
        return self.result_json.is_file()


def refuse_result_folder(out_root: str | Path) -> None:
    """InputError where ``out_root``, given as a batch's output folder, is one video's result folder: a `score` into
    one had run its whole batch first and left a nested result and a summary inside the earlier video's folder."""
    out_root = Path(out_root)
    if (out_root / RESULT_NAME).is_file():
        raise InputError(f"{out_root} is one video's result folder; pass its output folder {out_root.parent}")


def refuse_writing_over(video: str | Path, folder: str | Path) -> None:
    """InputError where ``video`` lies where its result folder ``folder`` gets its own files (`RESULT_FOLDER_ENTRIES`):
    a video named annotated.mp4 in OUT/annotated had been replaced by its own drawing, the patient's original lost.
    Any other file in the folder is kept (`staging`)."""
    try:
        inner = Path(video).resolve().relative_to(Path(folder).resolve())
    except (ValueError, OSError, RuntimeError):    # elsewhere; a loop of links (RuntimeError) is said by the reading
        return
    if inner.parts and inner.parts[0] in RESULT_FOLDER_ENTRIES:
        raise InputError(f"{video} lies where liftform writes its own {inner.parts[0]} in {folder}, and would be "
                         "written over: move the video, or give another output folder (-o)")


def is_liftform_output(folder: str | Path) -> bool:
    """``folder`` is one liftform wrote: a result folder (it holds a result.json) or a batch's output folder (its
    summary.json and summary.csv, or the lock a batch leaves). A search for input videos skips a result folder and
    everything under it, and the videos liftform draws in a batch's folder (`batch.inputs`): they are drawings of a
    lift already scored, not lifts; a user's own videos in a batch's folder are searched."""
    folder = Path(folder)
    return ((folder / RESULT_NAME).is_file() or (folder / LOCK_NAME).is_file()
            or ((folder / SUMMARY_JSON).is_file() and (folder / SUMMARY_CSV).is_file()))


def result_folders(out_root: str | Path) -> list[ResultFolder]:
    """The complete result folders directly under ``out_root`` (those holding a result.json), sorted by name.
    Hidden folders are not results: a result being written, or one moved aside (`staging`), is one."""
    root = Path(out_root)
    return [ResultFolder(d) for d in sorted(root.iterdir())
            if not d.name.startswith(".") and d.is_dir() and (d / RESULT_NAME).is_file()]
