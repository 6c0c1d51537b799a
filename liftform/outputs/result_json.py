"""`result.json`: the machine-readable view of an :class:`~liftform.analysis.Analysis` (the output contract).

The keys required by DESIGN.md ("Output contract") are always present; extras are added beside them, never instead
of them. The file is strict JSON: NaN and infinities become ``null``. Angles are rounded to 2 decimals, times to
milliseconds, confidences to 3 decimals.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from liftform.analysis import SCHEMA_VERSION, Analysis, RepStill
from liftform.core.advice import rep_advice
from liftform.core.types import ANGLE_DECIMALS, TIME_DECIMALS, RepVerdict
from liftform.core.vocabulary import ROUNDED_REACH_DOWN, Verdict, counted, fault_words
from liftform.errors import InputError
from liftform.outputs.atomic import atomic_write_text
from liftform.outputs.layout import RESULT_NAME
from liftform.outputs.paths import UNDECODABLE

# Decimals per kind of number (angles and times: `core.types`, where the advice's words read them too).
CONFIDENCE_DECIMALS = 3

# Column order of a rep (result.json "reps" entries and reps.csv).
REP_FIELDS = ("index", "rep", "start_s", "touchdown_s", "bottom_s", "liftoff_s", "end_s", "verdict", "confidence",
              "peak_spine_flexion_deg", "peak_trunk_inclination_deg", "peak_hip_flexion_deg", "min_knee_angle_deg",
              "stoop_squat_index", "lean_from_spine_pct", "spine_flexion_pct_of_max", "peak_neck_flexion_deg",
              "head_led", "head_briefly", "squat_bottom", "while_lowering", "through_bottom", "lowered_rounded",
              "lift_unseen", "view_cut", "judged_on_descent", "from_behind", "at_an_angle", "near_limit", "from_above",
              "knee_guessed", "seen_whole", "pose_lost_s", "rounded_s", "descent_s", "ascent_s", "start_frame",
              "touchdown_frame", "bottom_frame", "liftoff_frame", "end_frame", "complete", "lowers_load", "faults",
              "reason", "advice")


def num(value: Any, decimals: int) -> float | None:
    """``value`` as a float rounded to ``decimals``, or None when missing/NaN/infinite."""
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    return round(value, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0


def jsonable(obj: Any) -> Any:
    """``obj`` with NumPy scalars/arrays, tuples and paths turned into JSON types; NaN/inf become None."""
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in (obj.tolist() if isinstance(obj, np.ndarray) else obj)]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def source_frame(analysis: Analysis, row: int) -> int | None:
    """Source frame number of analysed frame ``row`` (None if out of range)."""
    frame_index = analysis.kinematics.frame_index
    return int(frame_index[row]) if 0 <= row < len(frame_index) else None


def rep_to_dict(analysis: Analysis, rv: RepVerdict) -> dict[str, Any]:
    """One rep's entry, keys in :data:`REP_FIELDS` order.

    ``index`` is ``Rep.index`` (0-based), ``rep`` its number as the terminal and the report say it (``index`` + 1);
    ``*_frame`` are source frame numbers; times in seconds; ``liftoff_s``: when the hands started to rise with the
    object (null when not found: the bottom then stands in for it); ``lowers_load``: the descent lowers the load the
    rep before lifted, loaded down to ``touchdown_s`` (the hands at the floor; null when it lowers nothing or was not
    found).
    """
    rep, a, t, c = rv.rep, ANGLE_DECIMALS, TIME_DECIMALS, CONFIDENCE_DECIMALS
    values = {
        "index": int(rep.index),
        "rep": int(rep.index) + 1,      # as the terminal and the report number it (a tester quoted index 4 as rep 4)
        "start_s": num(rep.start_s, t), "touchdown_s": num(rep.touchdown_s, t), "bottom_s": num(rep.bottom_s, t),
        "liftoff_s": num(rep.liftoff_s, t),
        "end_s": num(rep.end_s, t),
        "verdict": rv.verdict,
        "confidence": num(rv.confidence, c),
        "peak_spine_flexion_deg": num(rv.peak_spine_flexion_deg, a),
        "peak_trunk_inclination_deg": num(rv.peak_trunk_inclination_deg, a),
        "peak_hip_flexion_deg": num(rv.peak_hip_flexion_deg, a),
        "min_knee_angle_deg": num(rv.min_knee_angle_deg, a),
        "stoop_squat_index": num(rv.stoop_squat_index, a),
        "lean_from_spine_pct": num(rv.lean_from_spine_pct, a),
        "spine_flexion_pct_of_max": num(rv.spine_flexion_pct_of_max, a),
        "peak_neck_flexion_deg": num(rv.peak_neck_flexion_deg, a),
        "head_led": bool(rv.head_led),
        "head_briefly": bool(rv.head_briefly),
        "squat_bottom": bool(rv.squat_bottom),
        "while_lowering": bool(rv.while_lowering),
        "through_bottom": bool(rv.through_bottom),
        "lowered_rounded": bool(rv.lowered_rounded),
        "lift_unseen": bool(rv.lift_unseen),
        "view_cut": bool(rv.view_cut),
        "judged_on_descent": bool(rv.judged_on_descent),
        "from_behind": bool(rv.from_behind),
        "at_an_angle": bool(rv.at_an_angle),
        "near_limit": bool(rv.near_limit),
        "from_above": bool(rv.from_above),
        "knee_guessed": bool(rv.knee_guessed),
        "seen_whole": bool(rv.seen_whole),
        "pose_lost_s": num(rv.pose_lost_s, t),
        "rounded_s": num(rv.rounded_s, t), "descent_s": num(rv.descent_s, t), "ascent_s": num(rv.ascent_s, t),
        "start_frame": source_frame(analysis, rep.start),
        "touchdown_frame": source_frame(analysis, rep.touchdown) if rep.touchdown >= 0 else None,
        "bottom_frame": source_frame(analysis, rep.bottom),
        "liftoff_frame": source_frame(analysis, rep.liftoff) if rep.liftoff >= 0 else None,
        "end_frame": source_frame(analysis, rep.end),
        "complete": bool(rep.complete),
        "lowers_load": bool(rep.lowers_load),
        "faults": [str(f) for f in rv.faults],
        "reason": rv.reason,
        "advice": rep_advice(rv, analysis.settings.advice),
    }
    return {key: values[key] for key in REP_FIELDS}


RUN_WRITTEN_AS_RANGE = 5     # this many reps or more numbered one after the other are written "1–196"
REP_LIST_MAX_ITEMS = 8       # reps that take more numbers and ranges than this are counted ("61 reps")


def rep_list(reps: list[RepVerdict]) -> str:
    """"rep 2" / "reps 1, 3" / "reps 1–12, 14": reps numbered from 1 for people (``Rep.index`` counts from 0); "61
    reps" where they are scattered over a long set. A long set's summary had listed every number: "safe in reps 1, 2,
    3, ..., 196", a paragraph of the report's banner; and then, a rounded rep in three, 4,000 characters an hour."""
    numbers: list[list[int]] = []
    for number in (rv.rep.index + 1 for rv in reps):
        if numbers and number == numbers[-1][-1] + 1:
            numbers[-1].append(number)
        else:
            numbers.append([number])
    words = [w for run in numbers
             for w in ([f"{run[0]}–{run[-1]}"] if len(run) >= RUN_WRITTEN_AS_RANGE else [str(n) for n in run])]
    if len(words) > REP_LIST_MAX_ITEMS:
        return counted(len(reps), "rep")
    return ("rep " if len(reps) == 1 else "reps ") + ", ".join(words)


def summary_sentence(analysis: Analysis) -> str:
    """One sentence for a person: how many reps, which were rounded, which were safe and how (reps from 1)."""
    verdicts = list(analysis.verdicts)
    if not verdicts:
        return "No lifting reps were found in the video."
    is_safe = [(Verdict.of(v.verdict) or Verdict.INSUFFICIENT_DATA).is_safe for v in verdicts]
    rounded = [v for v in verdicts if v.is_rounded]
    safe = [v for v, ok in zip(verdicts, is_safe, strict=True) if ok]
    # told by verdict: `v not in rounded` compared dataclasses field by field, 1.4 s for an hour's 1,180 reps
    unsure = [v for v, ok in zip(verdicts, is_safe, strict=True) if not ok and not v.is_rounded]
    parts = []
    if rounded:
        parts.append(f"back rounded in {rep_list(rounded)}")
    if safe:
        kinds = sorted({v.verdict.replace("_", " ") for v in safe})
        parts.append(f"safe in {rep_list(safe)} ({', '.join(kinds)})")
    if unsure:
        parts.append(f"not enough data to judge {rep_list(unsure)}")
    reached = [v for v in verdicts if ROUNDED_REACH_DOWN in v.faults]   # a finding on reps judged safe: say it
    if reached:
        parts.append(f"{fault_words(ROUNDED_REACH_DOWN)} in {rep_list(reached)}")
    return f"{counted(len(verdicts), 'rep')}: " + "; ".join(parts) + "."


def clip_summary(analysis: Analysis) -> str:
    """The clip's summary, as its verdict covers every lifter in view (`Analysis.lifters`): with one lifter, their
    :func:`summary_sentence`; with more, each one's in turn, the main lifter first. (The main lifter's alone beside a
    clip verdict of "rounded back" from another lifter read "safe in reps 1, 2, 3".)"""
    lifters = analysis.lifters
    if len(lifters) == 1:
        return summary_sentence(analysis)
    return f"{len(lifters)} lifters. " + " ".join(
        f"Lifter {number}: {summary_sentence(lifter)}" for number, lifter in enumerate(lifters, start=1))


def _facing_word(facing_sign: int) -> str:
    return {1: "right", -1: "left"}.get(int(np.sign(facing_sign)), "unknown")


def _warnings(analysis: Analysis) -> list[str]:
    """Quality warnings, then kinematics warnings not already listed (order kept, duplicates dropped)."""
    return list(dict.fromkeys([*analysis.quality.warnings, *analysis.kinematics.warnings]))


def analysis_to_dict(analysis: Analysis) -> dict[str, Any]:
    """``analysis`` as the result.json document (plain JSON types only, NaN -> None).

    Contract keys: schema_version, source, model, verdict, reps, flagged_frames, quality. Extras: summary, side,
    facing ("right" | "left" | "unknown", the way the person faces in the image), spine_baseline_deg, settings,
    versions, per-rep extras (see :data:`REP_FIELDS`), source.rotation_deg, source.cuts_s and quality.frames_total.
    """
    src, kin, q = analysis.source, analysis.kinematics, analysis.quality
    doc = {
        "schema_version": int(analysis.schema_version),
        "source": {
            "path": str(src.path), "sha256": src.sha256, "fps": num(src.fps, 3), "frames": int(src.frames),
            "width": int(src.width), "height": int(src.height), "duration_s": num(src.duration_s, TIME_DECIMALS),
            "rotation_deg": int(src.rotation_deg), "warnings": list(src.warnings),
            "cuts_s": [num(t, TIME_DECIMALS) for t in src.cuts_s],
        },
        "model": {"name": analysis.model.name, "sha256": analysis.model.sha256},
        "verdict": analysis.verdict,
        "summary": clip_summary(analysis),
        "reps": [rep_to_dict(analysis, rv) for rv in analysis.verdicts],
        "flagged_frames": analysis.flagged_frames,
        "quality": {
            "frames_with_pose": int(q.frames_with_pose), "frames_total": int(q.frames_total), "view": q.view,
            "warnings": _warnings(analysis),
        },
        "side": kin.side,
        "facing": _facing_word(kin.facing_sign),
        "spine_baseline_deg": num(kin.spine_baseline_deg, ANGLE_DECIMALS),
        "settings": analysis.settings.to_dict(),
        "versions": dict(analysis.versions),
        "lifter_verdict": analysis.lifter_verdict,
        "box_px": list(analysis.box_px) if analysis.box_px is not None else None,
        "people_in_view": int(analysis.people_in_view),
        "other_lifters": [_other_lifter(other) for other in analysis.others],
    }
    if analysis.personal_from is not None:
        doc["personal_from"] = {f"{section}.{key}": origin
                                for (section, key), origin in analysis.personal_from.items()}
    return jsonable(doc)


def _other_lifter(other: Analysis) -> dict[str, Any]:
    """Another person who lifted in view: their own verdict, reps (as the main lifter's), where they were (median
    box of their landmarks, source px) and the quality of their track."""
    q = other.quality
    return {
        "verdict": other.lifter_verdict, "summary": summary_sentence(other),
        "reps": [rep_to_dict(other, rv) for rv in other.verdicts], "flagged_frames": other.flagged_frames,
        "box_px": list(other.box_px) if other.box_px is not None else None,
        "quality": {"frames_with_pose": int(q.frames_with_pose), "frames_total": int(q.frames_total),
                    "view": q.view, "warnings": _warnings(other)},
        "side": other.kinematics.side, "facing": _facing_word(other.kinematics.facing_sign),
        "stills": [still_to_dict(still) for still in other.stills],
    }


PIXEL_DECIMALS = 1


def still_to_dict(still: RepStill) -> dict[str, Any]:
    """A frame kept to picture another lifter's rep (`RepStill`): ``rep`` (its index), ``frame``, ``box_px``, and
    their pose there, ``landmarks_px`` (33 [x, y], null where unknown), ``visibility`` (33) and ``back_profile_px``
    (the silhouette's half-widths, K [+n, -n], or null)."""
    def points(xy: np.ndarray) -> list[list[float] | None]:
        return [[num(x, PIXEL_DECIMALS), num(y, PIXEL_DECIMALS)] if math.isfinite(x) and math.isfinite(y) else None
                for x, y in np.asarray(xy, dtype=float).tolist()]

    profile = still.back_profile_px
    return {"rep": int(still.rep_index), "frame": int(still.frame),
            "box_px": list(still.box_px) if still.box_px is not None else None,
            "landmarks_px": points(still.image_xy),
            "visibility": [num(v, CONFIDENCE_DECIMALS) for v in np.asarray(still.visibility, dtype=float).tolist()],
            "back_profile_px": None if profile is None else [[num(a, PIXEL_DECIMALS), num(b, PIXEL_DECIMALS)]
                                                             for a, b in np.asarray(profile, dtype=float).tolist()]}


def json_text(doc: Any) -> str:
    """``doc`` as strict JSON (``allow_nan=False``), indented, UTF-8 safe, newline-terminated. A file name's
    undecodable bytes (`paths.UNDECODABLE`) are written as ``\\udcXX`` escapes: read back, the path is the file's."""
    text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
    return UNDECODABLE.sub(lambda char: f"\\u{ord(char.group()):04x}", text) + "\n"


def result_json_text(analysis: Analysis) -> str:
    """The result.json text (`json_text`)."""
    return json_text(analysis_to_dict(analysis))


def write_result_json(analysis: Analysis, out_dir: str | Path) -> Path:
    """Write ``out_dir/result.json`` atomically; returns its path. Raises OutputError if it cannot be written."""
    return atomic_write_text(Path(out_dir) / RESULT_NAME, result_json_text(analysis))


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def read_result_json(path: str | Path) -> dict[str, Any]:
    """Load a result.json written by :func:`write_result_json`.

    Raises InputError (one line: which file, what is wrong, what to do) when the file is missing, unreadable, not
    strict JSON, not an object, or written by a newer schema than this liftform understands.
    """
    path = Path(path)
    redo = "delete it and run the analysis again"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"result file not found: {path}; run the analysis first") from None
    except PermissionError:     # the file is whole: "delete it" had been said of a permissions problem
        raise InputError(f"cannot read result file {path}: permission denied; check the file's permissions") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read result file {path}: {exc}; {redo}") from None
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        raise InputError(f"result file {path} is not valid JSON ({exc}); {redo}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("schema_version"), int):
        raise InputError(f"result file {path} is not a liftform result (no schema_version); {redo}")
    if doc["schema_version"] > SCHEMA_VERSION:
        raise InputError(f"result file {path} has schema_version {doc['schema_version']}, newer than this liftform "
                         f"understands ({SCHEMA_VERSION}); upgrade liftform")
    return doc
