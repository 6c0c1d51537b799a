"""Batch scoring: many videos, every core (or a Ray cluster), resumable; one summary table.

    from liftform.batch import score, rescore
    if __name__ == "__main__":          # in a script: the workers run it again as they start
        result = score(["clips/", "more/*.mov"], "out/", workers=4)     # OUT/<stem>/..., OUT/summary.csv|json
    rescore("out/", load_settings("stricter.toml"))                   # new thresholds from the landmark
    caches

Modules: ``inputs`` (files/folders/globs -> videos, unique output names), ``jobs`` (one video -> a summary
row, resume rule), ``local`` (crash-proof process pool), ``ray_engine`` (Ray tasks; optional ``ray``),
``ray_results`` (a finished Ray task's files written, or its failed row),
``summary`` (summary.csv/json), ``rescore`` (verdicts again from poses.npz, no pose model), ``runner``
(``score``), ``judged_with`` (the settings a folder was last judged with, which a `score` given none resumes
under). Importing this package imports neither mediapipe nor ray.
"""

from liftform.batch.inputs import VIDEO_EXTENSIONS, assign_stems, expand_inputs
from liftform.batch.rescore import RescoreResult, rescore
from liftform.batch.runner import ENGINES, BatchProgress, BatchResult, score
from liftform.batch.summary import CSV_COLUMNS, SummaryRow, read_summary

__all__ = ["CSV_COLUMNS", "ENGINES", "VIDEO_EXTENSIONS", "BatchProgress", "BatchResult", "RescoreResult",
           "SummaryRow", "assign_stems", "expand_inputs", "read_summary", "rescore", "score"]
