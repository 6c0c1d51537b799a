"""What a report is made of, loaded back from a result folder (result.json, frames.csv, poses.npz).

The report is rendered from the saved files only, so ``liftform report DIR`` and the report written at the end of
an analysis are the same page. result.json is required; the others are optional (the page says what is missing).
"""

from __future__ import annotations

import csv
import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from liftform.errors import InputError
from liftform.hashing import sha256_file
from liftform.outputs.layout import FRAMES_NAME, POSES_NAME, RESULT_NAME
from liftform.outputs.result_json import read_result_json
from liftform.settings import VerdictSettings
from liftform.track import PoseTrack


@dataclass(frozen=True)
class Thresholds:
    """The verdict thresholds the analysis used (from result.json's settings, defaults where absent)."""

    rounded_back_spine_deg: float
    flag_hysteresis_deg: float
    min_rounded_s: float
    min_confidence: float
    squat_knee_flexion_deg: float
    min_trunk_for_rounding_deg: float
    neutral_bend_deg: float            # the raw contour bend taken as a neutral back (zero of spine flexion)
    reba_trunk_bands_deg: tuple[float, float]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Thresholds:
        defaults = VerdictSettings()
        settings = doc.get("settings") if isinstance(doc.get("settings"), dict) else {}
        given = settings.get("verdict") if isinstance(settings.get("verdict"), dict) else {}

        def pick(name: str) -> Any:
            value = given.get(name)
            return value if value is not None else getattr(defaults, name, math.nan)

        bands = pick("reba_trunk_bands_deg")
        try:
            low, high = (float(b) for b in bands)
        except (TypeError, ValueError):
            low, high = defaults.reba_trunk_bands_deg
        return cls(rounded_back_spine_deg=_float(pick("rounded_back_spine_deg")),
                   flag_hysteresis_deg=_float(pick("flag_hysteresis_deg")),
                   min_rounded_s=_float(pick("min_rounded_s")), min_confidence=_float(pick("min_confidence")),
                   squat_knee_flexion_deg=_float(pick("squat_knee_flexion_deg")),
                   min_trunk_for_rounding_deg=_float(pick("min_trunk_for_rounding_deg")),
                   neutral_bend_deg=_neutral_bend(doc, settings), reba_trunk_bands_deg=(low, high))


@dataclass
class ResultData:
    """One result folder, loaded.

    Attributes:
        result_dir: the folder.
        doc: result.json as a dict.
        frames: frames.csv columns as (T,) float arrays (NaN for empty cells), or None when missing/unreadable.
        track: the PoseTrack of poses.npz, or None when missing/unreadable.
        video_path: the source video (``source.path``, or an override), or None when it is not a file.
        thresholds: the thresholds used.
        notes: what could not be loaded, in words for the page.
    """

    result_dir: Path
    doc: dict[str, Any]
    frames: dict[str, np.ndarray] | None
    track: PoseTrack | None
    video_path: Path | None
    thresholds: Thresholds
    notes: list[str] = field(default_factory=list)

    @property
    def reps(self) -> list[dict[str, Any]]:
        return [r for r in self.doc.get("reps") or [] if isinstance(r, dict)]

    @property
    def facing_sign(self) -> int:
        return {"right": 1, "left": -1}.get(str(self.doc.get("facing")), 0)

    @property
    def source_name(self) -> str:
        path = str((self.doc.get("source") or {}).get("path") or "")
        return Path(path).name or self.result_dir.name


def _neutral_bend(doc: dict[str, Any], settings: dict[str, Any]) -> float:
    """The zero of spine flexion used: result.json's spine_baseline_deg, else the spine settings' neutral bend."""
    value = _float(doc.get("spine_baseline_deg"))
    if math.isfinite(value):
        return value
    spine = settings.get("spine") if isinstance(settings.get("spine"), dict) else {}
    return _float(spine.get("neutral_bend_deg"))


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def read_frames_csv(path: Path) -> dict[str, np.ndarray]:
    """frames.csv as {column: (T,) float array}; empty cells are NaN. Raises InputError if unreadable."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    if not rows or "frame" not in rows[0] or "time_s" not in rows[0]:
        raise InputError(f"{path} is not a liftform frames.csv (no frame/time_s header)")
    header, body = rows[0], [r for r in rows[1:] if len(r) == len(rows[0])]
    columns = {}
    for j, name in enumerate(header):
        columns[name] = np.array([_float(r[j]) if r[j] != "" else math.nan for r in body], dtype=float)
    return columns


def read_poses_npz(path: Path) -> PoseTrack:
    """poses.npz as a PoseTrack. Raises InputError if unreadable."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return PoseTrack.from_npz(data)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None


def load_result(result_dir: str | Path, video_path: str | Path | None = None) -> ResultData:
    """Load a result folder. Raises InputError when result.json is missing or invalid; anything else missing
    becomes a note. The video at result.json's ``source.path`` is used only if its SHA-256 is the one analysed;
    an explicit ``video_path`` is trusted."""
    result_dir = Path(result_dir)
    if not result_dir.is_dir():
        raise InputError(f"{result_dir} is not a result folder; pass a folder OUT/<video> written by "
                         "`liftform analyze`")
    if not (result_dir / RESULT_NAME).is_file():
        hint = " (it holds result folders: add --index for the overview)" if any(
            result_dir.glob(f"*/{RESULT_NAME}")) else ""
        raise InputError(f"no {RESULT_NAME} in {result_dir}{hint}; pass a folder written by `liftform analyze`")
    doc = read_result_json(result_dir / RESULT_NAME)
    notes: list[str] = []
    frames = track = None
    try:
        frames = read_frames_csv(result_dir / FRAMES_NAME)
    except InputError as exc:
        notes.append(f"{FRAMES_NAME} could not be read, so the angle plots are left out ({exc})")
    try:
        track = read_poses_npz(result_dir / POSES_NAME)
    except InputError as exc:
        notes.append(f"{POSES_NAME} could not be read, so frames are shown without skeleton or back ({exc})")
    recorded = doc.get("source") or {}
    source = video_path if video_path is not None else recorded.get("path")
    video = Path(source) if source else None
    if video is None or not video.is_file():
        notes.append(f"the source video was not found at {source or '(no path recorded)'}, so the report has no "
                     "frames or clips; run `liftform report` again where the video is")
        video = None
    elif video_path is None and recorded.get("sha256") and _sha256(video) != recorded["sha256"]:
        notes.append(f"the video now at {source} is not the one analysed (its SHA-256 differs), so the report "
                     "shows no frames or clips")
        video = None
    return ResultData(result_dir, doc, frames, track, video, Thresholds.from_doc(doc), notes)


def _sha256(path: Path) -> str | None:
    try:
        return sha256_file(path)
    except OSError:
        return None


def rep_frame_range(data: ResultData, rep: dict[str, Any]) -> np.ndarray:
    """Rows of ``data.frames`` inside ``rep`` (start_frame..end_frame, source frame numbers)."""
    if data.frames is None or rep.get("start_frame") is None or rep.get("end_frame") is None:
        return np.zeros(0, dtype=int)
    frame = data.frames["frame"]
    return np.flatnonzero((frame >= rep["start_frame"]) & (frame <= rep["end_frame"]))


def worst_frame(data: ResultData, rep: dict[str, Any]) -> int | None:
    """Source frame number of the rep's peak spine flexion (among flagged frames, else confidently measured
    ones, else any), or its bottom frame when the spine was never measured."""
    rows = rep_frame_range(data, rep)
    if len(rows) and "spine_flexion_deg" in data.frames:
        spine = data.frames["spine_flexion_deg"][rows]
        flagged = data.frames.get("flagged", np.zeros(len(data.frames["frame"])))[rows] > 0
        conf = data.frames.get("spine_flexion_confidence", np.zeros(len(data.frames["frame"])))[rows]
        with np.errstate(invalid="ignore"):
            confident = conf >= data.thresholds.min_confidence
        for pool in (flagged & np.isfinite(spine), confident & np.isfinite(spine), np.isfinite(spine)):
            if pool.any():
                best = rows[pool][int(np.argmax(spine[pool]))]
                return int(data.frames["frame"][best])
    bottom = rep.get("bottom_frame")
    return int(bottom) if bottom is not None else None


def frame_value(data: ResultData, frame_number: int | None, column: str) -> float:
    """frames.csv ``column`` at source frame ``frame_number`` (NaN if absent)."""
    if data.frames is None or frame_number is None or column not in data.frames:
        return math.nan
    hits = np.flatnonzero(data.frames["frame"] == frame_number)
    return float(data.frames[column][hits[0]]) if len(hits) else math.nan


def reba_trunk(angle_deg: float | None, bands: tuple[float, float]) -> tuple[str, int | None]:
    """(band label, REBA trunk score before adjustments) of a trunk flexion angle.

    REBA (Hignett & McAtamney 2000): upright 1, 0-20 deg flexion 2, 20-60 deg 3, >60 deg 4; +1 if twisted or
    side-bent (not measured from a side view).
    """
    if angle_deg is None or not math.isfinite(angle_deg):
        return "unknown", None
    low, high = bands
    if angle_deg <= 0:
        return "upright", 1
    if angle_deg <= low:
        return f"0–{low:g}°", 2
    if angle_deg <= high:
        return f"{low:g}–{high:g}°", 3
    return f">{high:g}°", 4
