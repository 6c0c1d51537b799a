"""Reading a result folder back: ``read_analysis(folder) -> Analysis``, the inverse of ``write_outputs``.

    from liftform import read_analysis
    analysis = read_analysis("out/lift")          # result.json + frames.csv
    [v.verdict for v in analysis.verdicts]        # the verdicts that were written

result.json gives the verdicts, source, model, settings and quality; frames.csv the per-frame angles and flags
(``Kinematics``). The readers are generic over the dataclasses: a field added to ``Rep``, ``RepVerdict``,
``SourceInfo`` or a column added to ``Kinematics.COLUMNS`` is read back as soon as the writer writes it (under its
own name; a rep's frame indices as ``<name>_frame``, source frame numbers), and takes its default in older files.
Numbers come back rounded as they were written (angles 2 decimals, times ms, confidences 3 decimals).
"""

from __future__ import annotations

import csv
import dataclasses
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from liftform.analysis import Analysis, ModelInfo, Quality, RepStill, SourceInfo, library_versions
from liftform.core.types import Kinematics, Rep, RepVerdict
from liftform.errors import ConfigError, InputError
from liftform.outputs.layout import FRAMES_NAME, RESULT_NAME, ResultFolder, result_folders
from liftform.outputs.result_json import read_result_json
from liftform.settings import Settings, apply_overrides, setting_keys
from liftform.track import N_LANDMARKS, PoseTrack

FACING_SIGNS = {"right": 1, "left": -1}


def read_frames_csv(path: str | Path) -> dict[str, np.ndarray]:
    """frames.csv as {column: (T,) float array}; empty cells are NaN. Raises InputError if unreadable."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    if not rows or "frame" not in rows[0] or "time_s" not in rows[0]:
        raise InputError(f"{path} is not a liftform frames.csv (no frame/time_s header)")
    header, body = rows[0], [r for r in rows[1:] if r]
    if cut := next((n for n, r in enumerate(body, start=2) if len(r) != len(header)), None):
        # A row of another length had been dropped in silence: a file cut short was read as a shorter clip (a
        # resumed batch took it as scored, the report drew plots stopping part way).
        raise InputError(f"{path} is damaged (line {cut} has {len(body[cut - 2])} of its {len(header)} columns: cut "
                         "short or edited); analyse the video again to write it whole")
    return {name: np.array([_float(r[j]) for r in body], dtype=float) for j, name in enumerate(header)}


def read_poses_npz(path: str | Path) -> PoseTrack:
    """poses.npz as a PoseTrack. Raises InputError (one line, saying how to get it back) if missing or damaged."""
    path = Path(path)
    again = "score this video again (`liftform score --force`, or analyze_video in Python)"     # named both ways
    if not path.is_file():
        raise InputError(f"no landmark cache ({path.name}) in {path.parent}: {again}")
    try:
        with open(path, "rb") as fh:            # a file that is no archive (text named poses.npz): NumPy's words
            if fh.read(4) != b"PK\x03\x04":      # were "This file contains pickled (object) data", misleading
                raise ValueError("not an .npz archive")
        with np.load(path, allow_pickle=False) as data:
            return PoseTrack.from_npz(data)
    except Exception as exc:  # a damaged zip raises BadZipFile, zlib.error, ValueError, EOFError, ...
        detail = (str(exc).strip().splitlines() or [""])[0][:200]
        raise InputError(f"landmark cache {path} is damaged ({type(exc).__name__}: {detail}); {again}") from None


def read_analysis(folder: str | Path) -> Analysis:
    """The `Analysis` written into ``folder`` (a result folder OUT/<video>/, or its result.json): result.json and
    frames.csv.

    Raises InputError (one line: which file, what is wrong, what to do) when either is missing or damaged, or
    ``folder`` is an output folder (OUT) rather than one of its results.
    """
    folder = Path(folder)
    if folder.name == RESULT_NAME and folder.is_file():
        folder = folder.parent
    elif folder.is_file():      # the video itself, say: its "result.json" had been "not a directory: delete it"
        raise InputError(f"{folder} is a file, not a result folder: pass the folder liftform wrote for a video "
                         f"(OUT/<video>) or its {RESULT_NAME}")
    where = ResultFolder(folder)
    if not where.result_json.exists() and folder.is_dir() and (results := result_folders(folder)):
        raise InputError(f"{folder} is an output folder of {len(results)} result(s); pass one of its result folders "
                         f"({folder}/<video>, e.g. {results[0].path})")
    doc = read_result_json(where.result_json)
    if not where.frames_csv.is_file():
        raise InputError(f"no {FRAMES_NAME} in {where.path}: run the analysis again")
    frames = read_frames_csv(where.frames_csv)
    if (damage := frames_damage(frames, doc)) is not None:   # its reps had read as frames -1, their numbers others'
        raise InputError(f"{where.frames_csv}: {damage}; run the analysis again")
    return analysis_from_files(doc, frames, where.result_json)


# The columns every frames.csv holds, without which its angles cannot be read back.
FRAMES_CORE = ("trunk_inclination_deg", "hip_flexion_deg", "spine_flexion_deg", "spine_flexion_confidence")


def frames_damage(frames: dict[str, np.ndarray], doc: dict[str, Any]) -> str | None:
    """What is wrong with a frames.csv that reads but is not what the analysis wrote: fewer (or more) rows than the
    frames analysed (result.json's ``quality.frames_total``: cut at a row's end) or a core column gone; None where
    it is whole."""
    expected = (doc.get("quality") or {}).get("frames_total")
    rows = len(frames["frame"])
    problems = [f"it holds {rows} of the {expected} frames analysed"] if isinstance(expected, int) and \
        rows != expected else []
    if missing := [c for c in FRAMES_CORE if c not in frames]:
        problems.append(f"it has no {', '.join(missing)} column")
    return f"{FRAMES_NAME} is damaged ({'; '.join(problems)})" if problems else None


def _settings_of(doc: dict[str, Any], path: Path) -> Settings:
    """result.json's settings; InputError where this liftform does not take them: another version wrote them (a
    setting renamed or retired since, or one added later). It had passed on the config file's words, "unknown config
    key ... known: (16 keys)" or "remove the line", said of a file nobody should edit."""
    written = doc.get("settings") or {}
    try:
        return apply_overrides(Settings(), written)
    except ConfigError as exc:
        taken = setting_keys()
        not_taken = [f"[{section}] {key}" for section, values in written.items() if isinstance(values, dict)
                     for key in values if key not in taken.get(section, ())]
        why = (f"settings this one does not take: {', '.join(not_taken)}" if not_taken else
               f"settings this one cannot read: {exc}")
        by, ours = (doc.get("versions") or {}).get("liftform") or "an earlier version", library_versions()["liftform"]
        if by == ours:      # this liftform wrote it: edited since
            raise InputError(f"{path}: its settings cannot be read ({exc}); run the analysis again") from None
        raise InputError(f"{path} was written by liftform {by} (this one is {ours}), with {why}; run the analysis "
                         "again") from None


def _personal_from(entry: Any) -> dict[tuple[str, str], str] | None:
    """result.json ``personal_from`` ({"section.key": where from}) as `Analysis.personal_from`; None where the file
    has none (written before liftform recorded it)."""
    if not isinstance(entry, dict):
        return None
    return {tuple(name.split(".", 1)): str(origin) for name, origin in entry.items() if name.count(".") == 1}


def _other_lifter(main: Analysis, entry: dict[str, Any], rows: np.ndarray) -> Analysis:
    """Another lifter of result.json ``other_lifters``, read back with their reps, verdicts and quality. Their
    per-frame data is not in the files: the kinematics are the main lifter's frames, flagged where theirs were
    (``flagged_frames``: a rescore, which keeps them, had written none), and their pose only in the frames the report
    pictures (``stills``; none in a result written before liftform kept them)."""
    quality = entry["quality"]
    return replace(main, verdicts=tuple(_rep_verdict(rep, rows) for rep in entry.get("reps") or []),
                   flagged=np.isin(main.kinematics.frame_index, [int(f) for f in entry.get("flagged_frames") or []]),
                   judged=None, others=(),
                   stills=tuple(_still(still) for still in entry.get("stills") or []),
                   box_px=tuple(int(v) for v in entry["box_px"]) if isinstance(entry.get("box_px"), list) else None,
                   quality=Quality(frames_with_pose=int(quality["frames_with_pose"]),
                                   frames_total=int(quality.get("frames_total", len(main.kinematics))),
                                   view=str(quality["view"]),
                                   warnings=tuple(str(w) for w in quality.get("warnings") or [])))


def _still(entry: dict[str, Any]) -> RepStill:
    """result.json's ``other_lifters[].stills`` entry (`result_json.still_to_dict`) as a `RepStill`."""
    def points(values: Any) -> np.ndarray:
        return np.array([[math.nan, math.nan] if point is None else [_float(v) for v in point] for point in values],
                        dtype=float).reshape(-1, 2)

    profile = entry.get("back_profile_px")
    box = entry.get("box_px")
    still = RepStill(rep_index=int(entry["rep"]), frame=int(entry["frame"]),
                    box_px=tuple(int(v) for v in box) if isinstance(box, list) and len(box) == 4 else None,
                    image_xy=points(entry["landmarks_px"]),
                    visibility=np.array([_float(v) for v in entry["visibility"]], dtype=float),
                    back_profile_px=None if profile is None else points(profile))
    if still.image_xy.shape != (N_LANDMARKS, 2) or still.visibility.shape != (N_LANDMARKS,):
        raise ValueError(f"a still of frame {still.frame} holds {len(still.image_xy)} landmarks, not {N_LANDMARKS}")
    return still


def analysis_from_files(doc: dict[str, Any], frames: dict[str, np.ndarray], path: str | Path = RESULT_NAME
                        ) -> Analysis:
    """The `Analysis` of a result.json document and frames.csv columns (see :func:`read_analysis`)."""
    try:
        kinematics = _kinematics(doc, frames)
        rows = _row_lookup(kinematics.frame_index)
        verdicts = tuple(_rep_verdict(entry, rows) for entry in doc.get("reps") or [])
        quality = doc["quality"]
        main = Analysis(
            source=_dataclass_from(SourceInfo, doc["source"]),
            model=_dataclass_from(ModelInfo, doc["model"]),
            settings=_settings_of(doc, path),
            kinematics=kinematics, verdicts=verdicts,
            flagged=frames.get("flagged", np.zeros(len(kinematics))) > 0,
            judged=frames.get("judged", np.zeros(len(kinematics))) > 0,
            pose_filled=frames["pose_filled"] > 0 if "pose_filled" in frames else None,
            quality=Quality(frames_with_pose=int(quality["frames_with_pose"]),
                            frames_total=int(quality.get("frames_total", len(kinematics))),
                            view=str(quality["view"]), warnings=tuple(str(w) for w in quality.get("warnings") or [])),
            versions={str(k): str(v) for k, v in (doc.get("versions") or {}).items()},
            schema_version=int(doc["schema_version"]), people_in_view=int(doc.get("people_in_view") or 1),
            box_px=tuple(int(v) for v in doc["box_px"]) if isinstance(doc.get("box_px"), list) else None,
            personal_from=_personal_from(doc.get("personal_from")))
        return replace(main, others=tuple(_other_lifter(main, entry, rows) for entry in doc.get("other_lifters") or []))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:   # the last: a list where a table goes
        raise InputError(f"{path} is damaged or incomplete ({type(exc).__name__}: {exc}); run the analysis "
                         "again") from None


def _float(value: Any) -> float:
    try:
        return float(value) if value is not None and value != "" else math.nan
    except (TypeError, ValueError):
        return math.nan


def _dataclass_from(cls: type, values: dict[str, Any]) -> Any:
    """``cls`` from the keys of ``values`` that are its fields (lists become tuples); the rest take defaults."""
    known = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items() if k in known})


def _kinematics(doc: dict[str, Any], frames: dict[str, np.ndarray]) -> Kinematics:
    n = len(frames["frame"])
    columns = {name: frames.get(name, np.full(n, np.nan)) for name in Kinematics.COLUMNS}
    return Kinematics(timestamps_s=frames["time_s"], frame_index=frames["frame"].astype(np.int64),
                      valid=frames.get("valid", np.ones(n)) > 0, **columns,
                      side=str(doc.get("side", "unknown")), facing_sign=FACING_SIGNS.get(doc.get("facing"), 0),
                      spine_baseline_deg=_float(doc.get("spine_baseline_deg")))


def _row_lookup(frame_index: np.ndarray) -> dict[int, int]:
    return {int(frame): row for row, frame in enumerate(frame_index.tolist())}


def _field_value(field: dataclasses.Field, entry: dict[str, Any], rows: dict[int, int]) -> Any:
    """A Rep or RepVerdict field from its rep entry; ``dataclasses.MISSING`` when the entry lacks it."""
    if field.name in entry:
        value = entry[field.name]
        if field.type in ("float", float):
            return _float(value)
        if field.type in ("int", int):
            return int(value)
        if field.type in ("bool", bool):
            return bool(value)
        return tuple(str(v) for v in value) if isinstance(value, list) else value
    frame = entry.get(f"{field.name}_frame")
    if field.type in ("int", int) and frame is not None:
        return rows.get(int(frame), -1)          # source frame number -> row of the analysed frames
    return dataclasses.MISSING


def _rep_verdict(entry: dict[str, Any], rows: dict[int, int]) -> RepVerdict:
    def build(cls: type, **given: Any) -> Any:
        values = {f.name: _field_value(f, entry, rows) for f in dataclasses.fields(cls) if f.name not in given}
        return cls(**given, **{k: v for k, v in values.items() if v is not dataclasses.MISSING})

    return build(RepVerdict, rep=build(Rep))
