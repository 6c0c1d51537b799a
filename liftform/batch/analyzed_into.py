"""A video `liftform analyze` wrote into a folder a `score` made: its row in the folder's summary.

Both commands write OUT/<video>/ (and both default to liftform-out), and `analyze` rewrites OUT/index.html from the
result folders, but the batch's summary (summary.json, summary.csv, summary_reps.csv) had kept the row of the video's
earlier result: the overview called it rounded while the CSVs said safe.
"""

from __future__ import annotations

import json
from pathlib import Path

from liftform.analysis import Analysis
from liftform.batch.summary import merged_rows, read_summary, row_from_analysis, write_summary
from liftform.outputs.layout import SUMMARY_JSON

# summary.json's keys that `summary.summary_doc` makes from the rows; the others (the batch's settings, its time,
# whether a rescore wrote it) are the last run's and stay as they are
_FROM_ROWS = ("schema_version", "complete", "settings_fingerprint", "counts", "videos")


def list_in_summary(out_root: str | Path, analysis: Analysis, path: str, output: str) -> bool:
    """Put ``analysis`` (of the video at ``path``, written to ``out_root/output``) in ``out_root``'s batch summary
    in place of its earlier row, or after the others; False where ``out_root`` holds no summary (no `score` wrote
    into it). InputError where the summary is damaged (`read_summary`)."""
    if not (Path(out_root) / SUMMARY_JSON).is_file():
        return False
    rows = read_summary(out_root)
    doc = json.loads((Path(out_root) / SUMMARY_JSON).read_text(encoding="utf-8"))
    write_summary(out_root, merged_rows(rows, [row_from_analysis(analysis, path, output)]),
                  complete=bool(doc.get("complete", True)),
                  extra={key: value for key, value in doc.items() if key not in _FROM_ROWS})
    return True
