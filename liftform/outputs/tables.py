"""`frames.csv` and `reps.csv`: spreadsheet views of an :class:`~liftform.analysis.Analysis`.

Plain RFC 4180 CSV (``csv`` module, UTF-8, header row). Missing values (NaN) are empty cells; booleans are 1/0.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from liftform.analysis import Analysis
from liftform.core.types import Kinematics
from liftform.outputs.atomic import atomic_path
from liftform.outputs.layout import FRAMES_NAME, REPS_NAME
from liftform.outputs.result_json import REP_FIELDS, rep_to_dict

# A text cell starting so is taken for a formula by Excel, LibreOffice and Sheets: a patient's video named
# "=HYPERLINK(...).mp4" was a live link in summary.csv. Such a cell is written after a "'" (OWASP's advice); a number
# ("-2.5") is not text. result.json and summary.json keep every text as it is.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """``text`` as a CSV cell no spreadsheet runs: "'" before it where it starts like a formula and is not a number."""
    if not text.startswith(FORMULA_STARTS):
        return text
    try:
        float(text)
        return text
    except ValueError:
        return "'" + text


# Leading columns of frames.csv; every column of Kinematics.COLUMNS follows.
FRAME_KEY_COLUMNS = ("frame", "time_s", "valid", "flagged", "judged", "pose_filled")
FRAMES_COLUMNS = FRAME_KEY_COLUMNS + tuple(Kinematics.COLUMNS)



def _decimals(column: str) -> int:
    """Angles (``*_deg``) 2 decimals; unit-free fractions and confidences 3 (time_s gets 4: sub-ms at 240 fps); the
    facing (+1/-1/0) and camera_behind (1/0, as README gives it; it was written 1.000) none."""
    return 0 if column in ("facing", "camera_behind", "knee_in_picture") else 2 if column.endswith("_deg") else 3


def _cell(value: float, decimals: int) -> str:
    """A float as text with ``decimals`` decimals; empty for NaN/inf."""
    return f"{value:.{decimals}f}" if math.isfinite(value) else ""


def frame_rows(analysis: Analysis) -> list[list[str]]:
    """frames.csv rows (without header): one per analysed frame, columns :data:`FRAMES_COLUMNS`.

    ``frame`` is the source frame number, ``time_s`` its presentation time in seconds, ``flagged`` 1 where the back
    read rounded (in any part of a rep: reaching down too; in its loaded part as the verdict counts it), ``judged`` 1
    where the frame is in the part of a rep its verdict is taken from (`core.rep_metrics.judged_and_counted_frames`:
    lift-off through the ascent, a lowering down to touch-down), ``pose_filled`` 1 where the model was not run on
    the frame and the pose is its neighbours' (`Analysis.pose_filled`).
    """
    kin = analysis.kinematics
    n_frames = len(kin)
    columns = [np.asarray(getattr(kin, name), dtype=float) for name in Kinematics.COLUMNS]
    decimals = [_decimals(name) for name in Kinematics.COLUMNS]
    flagged = np.asarray(analysis.flagged, dtype=bool)
    valid = np.asarray(kin.valid, dtype=bool)
    judged = np.asarray(analysis.judged, dtype=bool)
    filled = np.zeros(n_frames, dtype=bool) if analysis.pose_filled is None else np.asarray(analysis.pose_filled, bool)
    rows = []
    for i in range(n_frames):
        row = [str(int(kin.frame_index[i])), _cell(float(kin.timestamps_s[i]), 4), str(int(valid[i])),
               str(int(flagged[i])), str(int(judged[i])), str(int(filled[i]))]
        row.extend(_cell(float(col[i]), d) for col, d in zip(columns, decimals, strict=True))
        rows.append(row)
    return rows


def rep_rows(analysis: Analysis) -> list[list[str]]:
    """reps.csv rows (without header): one per rep, columns :data:`REP_FIELDS` (`rep_cells`)."""
    return [rep_cells(rep_to_dict(analysis, rv)) for rv in analysis.verdicts]


def rep_cells(entry: Mapping[str, Any]) -> list[str]:
    """One rep's entry (`rep_to_dict`, as result.json holds it) as reps.csv cells, columns :data:`REP_FIELDS`:
    None empty, booleans 1/0, faults joined with ';'; a field an older result lacks is empty (its ``rep``, the number
    said, is ``index`` + 1)."""
    cells = []
    for key in REP_FIELDS:
        value = entry.get(key)
        if key == "rep" and value is None and entry.get("index") is not None:
            value = int(entry["index"]) + 1
        if value is None:
            cells.append("")
        elif isinstance(value, bool):
            cells.append(str(int(value)))
        elif isinstance(value, list):
            cells.append(spreadsheet_text(";".join(value)))
        else:
            cells.append(spreadsheet_text(str(value)))
    return cells


def _write_csv(path: Path, header: tuple[str, ...], rows: list[list[str]]) -> Path:
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")     # as summary.csv: one line ending in every table
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_frames_csv(analysis: Analysis, out_dir: str | Path) -> Path:
    """Write ``out_dir/frames.csv`` atomically (T data rows); returns its path."""
    return _write_csv(Path(out_dir) / FRAMES_NAME, FRAMES_COLUMNS, frame_rows(analysis))


def write_reps_csv(analysis: Analysis, out_dir: str | Path) -> Path:
    """Write ``out_dir/reps.csv`` atomically (one data row per rep); returns its path."""
    return _write_csv(Path(out_dir) / REPS_NAME, REP_FIELDS, rep_rows(analysis))
