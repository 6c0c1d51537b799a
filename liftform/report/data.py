"""What a report is made of, loaded back from a result folder (result.json, frames.csv, poses.npz).

The report is rendered from the saved files only, so ``liftform report DIR`` and the report written at the end of
an analysis are the same page. result.json is required; the others are optional (the page says what is missing).
"""

from __future__ import annotations

import functools
import itertools
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from liftform.analysis import Analysis
from liftform.core.flags import spine_judged
from liftform.core.look_at import worst_moment
from liftform.core.types import Kinematics
from liftform.errors import InputError
from liftform.hashing import sha256_file
from liftform.outputs.annotated import drawn_track, frame_states
from liftform.outputs.layout import FRAMES_NAME, POSES_NAME, RESULT_NAME, ResultFolder
from liftform.outputs.read import analysis_from_files, frames_damage, read_frames_csv, read_poses_npz
from liftform.outputs.result_json import read_result_json, rep_to_dict
from liftform.track import PoseTrack

# frames.csv missing: the analysis is read with no frames (the page then has no plots and no frames).
NO_FRAMES = {"frame": np.zeros(0), "time_s": np.zeros(0)}


@dataclass(frozen=True)
class Thresholds:
    """The verdict thresholds the analysis used (its settings)."""

    rounded_back_spine_deg: float
    head_hanging_neck_deg: float
    flag_hysteresis_deg: float
    min_rounded_s: float
    min_confidence: float
    squat_knee_flexion_deg: float
    squat_max_trunk_deg: float         # a squat's trunk leans at most this; leaning further, a hip hinge
    min_trunk_for_rounding_deg: float
    min_hip_for_rounding_deg: float
    neutral_bend_deg: float            # the raw contour bend taken as a neutral back (zero of spine flexion)
    reba_trunk_bands_deg: tuple[float, float]

    @classmethod
    def of(cls, analysis: Analysis) -> Thresholds:
        v = analysis.settings.verdict
        baseline = analysis.kinematics.spine_baseline_deg
        low, high = (float(b) for b in v.reba_trunk_bands_deg)
        return cls(rounded_back_spine_deg=v.rounded_back_spine_deg, head_hanging_neck_deg=v.head_hanging_neck_deg,
                   flag_hysteresis_deg=v.flag_hysteresis_deg,
                   min_rounded_s=v.min_rounded_s, min_confidence=v.min_confidence,
                   squat_knee_flexion_deg=v.squat_knee_flexion_deg, squat_max_trunk_deg=v.squat_max_trunk_deg,
                   min_trunk_for_rounding_deg=v.min_trunk_for_rounding_deg,
                   min_hip_for_rounding_deg=v.min_hip_for_rounding_deg,
                   neutral_bend_deg=baseline if math.isfinite(baseline) else analysis.settings.spine.neutral_bend_deg,
                   reba_trunk_bands_deg=(low, high))


@dataclass
class ResultData:
    """One result folder, loaded: its `Analysis` (read back with ``analysis_from_files``) and what the page draws.

    Attributes:
        result_dir: the folder.
        analysis: what was written (without frames.csv, its kinematics are empty: no plots, no frames).
        has_frames: frames.csv was read.
        track: the PoseTrack of poses.npz, or None when missing/unreadable.
        video_path: the source video (``source.path``, or an override), or None when it is not a file.
        notes: what could not be loaded, in words for the page.
    """

    result_dir: Path
    analysis: Analysis
    has_frames: bool
    track: PoseTrack | None
    video_path: Path | None
    notes: list[str] = field(default_factory=list)
    other_lifters: list[dict[str, Any]] = field(default_factory=list)   # result.json's (several people)

    @functools.cached_property
    def thresholds(self) -> Thresholds:
        return Thresholds.of(self.analysis)

    @functools.cached_property
    def shown_track(self) -> PoseTrack | None:
        """``track`` as the pictures show it (`outputs.annotated.drawn_track`: no pose the core drops), or None."""
        return drawn_track(self.track) if self.track is not None else None

    @functools.cached_property
    def frames(self) -> dict[str, np.ndarray] | None:
        """The per-frame table (frames.csv's columns, from the analysis), or None without frames.csv."""
        if not self.has_frames:
            return None
        kin = self.analysis.kinematics
        judged = np.asarray(self.analysis.judged, dtype=bool)
        return {"frame": kin.frame_index.astype(float), "time_s": kin.timestamps_s,
                "valid": kin.valid.astype(float), "flagged": np.asarray(self.analysis.flagged, dtype=float),
                "judged": judged.astype(float),
                **{name: np.asarray(getattr(kin, name), dtype=float) for name in Kinematics.COLUMNS}}

    @functools.cached_property
    def back_states(self) -> np.ndarray:
        """(T,) the back state of each frames.csv row (`outputs.annotated.frame_states`), as the video draws it."""
        return frame_states(self.analysis)

    def back_state_at(self, frame_number: int | None) -> str | None:
        """The back state at source frame ``frame_number`` (`back_states`), or None where no row has it."""
        row = frame_row(self, frame_number)
        return str(self.back_states[row]) if row is not None else None

    @functools.cached_property
    def reps(self) -> list[dict[str, Any]]:
        """Each rep as its row (the entry result.json and reps.csv hold, from ``rep_to_dict``)."""
        return [rep_to_dict(self.analysis, rv) for rv in self.analysis.verdicts]


def _sha256(path: Path) -> str | None:
    try:
        return sha256_file(path)
    except OSError:
        return None


def _other_lifters(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in doc.get("other_lifters") or [] if isinstance(o, dict)]


def result_data(result_dir: str | Path, doc: dict[str, Any], *, track: PoseTrack | None = None,
                video_path: str | Path | None = None) -> ResultData:
    """A result folder's data with its result.json given as ``doc`` (``analysis_to_dict``, before the file is
    written: the report's frames are taken during the annotated video's decode), read as `load_result` reads it;
    frames.csv from the folder, ``track`` as given; ``video_path`` is trusted."""
    where = ResultFolder(result_dir)
    notes: list[str] = []
    frames = None
    try:
        frames = read_frames_csv(where.frames_csv)
    except InputError as exc:
        notes.append(f"{FRAMES_NAME} could not be read, so the angle plots are left out ({exc})")
    notes += _frames_damage(frames, doc)
    analysis = analysis_from_files(doc, frames if frames is not None else NO_FRAMES, where.result_json)
    video = Path(video_path) if video_path is not None and Path(video_path).is_file() else None
    return ResultData(where.path, analysis, frames is not None, track, video, notes, _other_lifters(doc))


def load_result(result_dir: str | Path, video_path: str | Path | None = None, *,
                check_video: bool = False) -> ResultData:
    """Load a result folder. Raises InputError when result.json is missing or invalid; anything else missing
    becomes a note. The video at result.json's ``source.path`` is used only if its SHA-256 is the one analysed;
    an explicit ``video_path`` is trusted (the analysis that just read it), unless ``check_video`` (a path a user
    typed): then one that is missing or is not the file analysed is an InputError."""
    where = ResultFolder(result_dir)
    result_dir = where.path
    if not result_dir.is_dir():
        raise InputError(f"{result_dir} is not a result folder; pass a folder OUT/<video> written by "
                         "`liftform analyze`")
    if not where.is_complete:
        hint = " (it holds result folders: add --index for the overview)" if any(
            result_dir.glob(f"*/{RESULT_NAME}")) else ""
        raise InputError(f"no {RESULT_NAME} in {result_dir}{hint}; pass a folder written by `liftform analyze`")
    doc = read_result_json(where.result_json)
    notes: list[str] = []
    frames = track = None
    try:
        frames = read_frames_csv(where.frames_csv)
    except InputError as exc:
        notes.append(f"{FRAMES_NAME} could not be read, so the angle plots are left out ({exc})")
    notes += _frames_damage(frames, doc)
    try:
        track = read_poses_npz(where.poses_npz)
    except InputError as exc:
        notes.append(f"{POSES_NAME} could not be read, so frames are shown without skeleton or back ({exc})")
    analysis = analysis_from_files(doc, frames if frames is not None else NO_FRAMES, where.result_json)
    recorded = analysis.source
    if check_video and video_path is not None:
        _check_given_video(Path(video_path), recorded.sha256, result_dir)
    source = video_path if video_path is not None else recorded.path
    video = Path(source) if source else None
    digest = recorded.sha256
    if video_path is None and digest and (video is None or not video.is_file() or _sha256(video) != digest):
        moved = find_source(str(source or ""), digest, result_dir)
        if moved is not None:
            notes.append(f"the source video was not at {source}; found the same file (SHA-256) at {moved}")
            return ResultData(result_dir, analysis, frames is not None, track, moved, notes, _other_lifters(doc))
    if video is None or not video.is_file():
        notes.append(f"the source video was not found at {source or '(no path recorded)'} (nor a file with its "
                     "SHA-256 nearby), so the report has no frames or clips; run `liftform report` again with "
                     "--video PATH")
        video = None
    elif video_path is None and digest and _sha256(video) != digest:
        notes.append(f"the video now at {source} is not the one analysed (its SHA-256 differs), so the report "
                     "shows no frames or clips")
        video = None
    return ResultData(result_dir, analysis, frames is not None, track, video, notes, _other_lifters(doc))


def _frames_damage(frames: dict[str, np.ndarray] | None, doc: dict[str, Any]) -> list[str]:
    """A note where frames.csv was read but is not what the analysis wrote (`outputs.read.frames_damage`): such a
    file had been drawn from in silence, a plot stopping at 1.4 s of 9.1, "frame not available", a worst moment
    "outside the part judged"."""
    if frames is None or (damage := frames_damage(frames, doc)) is None:
        return []
    return [f"{damage}, so the plots, the numbers and the frames drawn from it may be wrong or missing; analyse the "
            "video again to write it whole"]


def _check_given_video(video: Path, sha256: str, result_dir: Path) -> None:
    """InputError unless ``video`` is a file and, where the result records one, has the SHA-256 analysed."""
    from liftform.video import check_video_file

    check_video_file(video)
    if sha256 and _sha256(video) != sha256:
        raise InputError(f"{video} is not the video analysed in {result_dir} (its SHA-256 differs from the one in "
                         f"{RESULT_NAME}); pass the file that was analysed")


SEARCH_DEPTH = 3              # folders below each search root looked into for a moved source video
SEARCH_MAX_FILES = 5000       # files looked at in all, so a report never crawls a whole disk


def find_source(recorded: str, sha256: str, result_dir: Path) -> Path | None:
    """The source video moved (or recorded relative to another working directory): a file with the recorded
    name and SHA-256 under the working directory or the output folder's parent (``result_dir/../..``), at
    most :data:`SEARCH_DEPTH` folders down. None when there is none."""
    name = Path(recorded.replace("\\", "/")).name
    if not name:
        return None
    roots = [Path.cwd(), result_dir.resolve().parent.parent]
    candidates = [root / recorded for root in roots if not Path(recorded).is_absolute()]
    for root in roots:
        candidates.extend(itertools.islice(_named_below(root, name), SEARCH_MAX_FILES))
    for path in dict.fromkeys(candidates[:SEARCH_MAX_FILES]):
        if path.is_file() and _sha256(path) == sha256:
            return path
    return None


def _named_below(root: Path, name: str) -> Iterator[Path]:
    """Whatever is called ``name`` in ``root`` and up to :data:`SEARCH_DEPTH` folders below it, shallowest first.
    A folder that cannot be listed is passed over: removed meanwhile (other programs' temporary folders under /tmp
    come and go), it had ended the report with "cannot use /tmp/tmp...: no such file or directory" (``Path.glob``
    lets that error through)."""
    folders = [root]
    for depth in range(SEARCH_DEPTH + 1):
        below = []
        for folder in folders:
            try:
                with os.scandir(folder) as entries:
                    for entry in entries:
                        if entry.name == name:
                            yield Path(entry.path)
                        if depth < SEARCH_DEPTH and entry.is_dir():
                            below.append(entry.path)
            except OSError:
                continue
        folders = below


def rep_frame_range(data: ResultData, rep: dict[str, Any]) -> np.ndarray:
    """Rows of ``data.frames`` inside ``rep`` (start_frame..end_frame, source frame numbers)."""
    if data.frames is None or rep.get("start_frame") is None or rep.get("end_frame") is None:
        return np.zeros(0, dtype=int)
    frame = data.frames["frame"]
    return np.flatnonzero((frame >= rep["start_frame"]) & (frame <= rep["end_frame"]))


def worst_frame(data: ResultData, rep: dict[str, Any]) -> int | None:
    """Source frame number of the rep's worst moment (`core.look_at.worst_moment`, over frames.csv's ``judged``,
    ``flagged`` and confidence columns), or its bottom frame when the spine was never measured with confidence. A rep
    rounded by its hanging head (``head_led``) is shown where the head hung most, what decided it."""
    rows = rep_frame_range(data, rep)
    column = "neck_flexion_deg" if rep.get("head_led") else "spine_flexion_deg"
    if len(rows) and column in data.frames:
        none = np.zeros(len(data.frames["frame"]))
        conf = data.frames.get("spine_flexion_confidence", none)[rows]
        posture = spine_judged(data.frames.get("trunk_inclination_deg", none)[rows],
                               data.frames.get("hip_flexion_deg", none)[rows], data.analysis.settings.verdict)
        with np.errstate(invalid="ignore"):
            confident = (conf >= data.thresholds.min_confidence) & posture
        worst = worst_moment(data.frames[column][rows], data.frames.get("flagged", none)[rows] > 0,
                             data.frames.get("judged", none)[rows] > 0, confident)
        if worst >= 0:
            return int(data.frames["frame"][rows[worst]])
    bottom = rep.get("bottom_frame")
    return int(bottom) if bottom is not None else None


def frame_row(data: ResultData, frame_number: int | None) -> int | None:
    """The frames.csv row of source frame ``frame_number``, or None where no row has it."""
    if data.frames is None or frame_number is None:
        return None
    hits = np.flatnonzero(data.frames["frame"] == frame_number)
    return int(hits[0]) if len(hits) else None


def frame_value(data: ResultData, frame_number: int | None, column: str) -> float:
    """frames.csv ``column`` at source frame ``frame_number`` (NaN if absent)."""
    row = frame_row(data, frame_number)
    return float(data.frames[column][row]) if row is not None and column in data.frames else math.nan


def reba_trunk(angle_deg: float | None, bands: tuple[float, float]) -> tuple[str, int | None]:
    """(band label, REBA trunk score before adjustments) of a trunk flexion angle.

    REBA (Hignett & McAtamney 2000): upright 1, 0-20 deg flexion or extension 2, 20-60 deg flexion or more than 20
    deg extension 3, >60 deg flexion 4; +1 if twisted or side-bent (not measured from a side view). ``angle_deg``
    negative: leaning back (extension), which had scored as upright.
    """
    if angle_deg is None or not math.isfinite(angle_deg):
        return "unknown", None
    low, high = bands
    if angle_deg == 0:
        return "upright", 1
    if angle_deg < 0:
        return (f"0–{low:g}° back", 2) if angle_deg >= -low else (f">{low:g}° back", 3)
    if angle_deg <= low:
        return f"0–{low:g}°", 2
    if angle_deg <= high:
        return f"{low:g}–{high:g}°", 3
    return f">{high:g}°", 4
