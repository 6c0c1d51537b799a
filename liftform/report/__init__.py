"""The clinician's report: one self-contained HTML page per analysed video, and an index of an output folder.

    from liftform.report import write_report, write_index
    write_report("out/lift")                    # out/lift/report.html (+ out/lift/clips/rep-N.mp4)
    write_report("out/lift", blur_faces=True)   # the same, every frame and clip with the face blurred
    write_index("out")                          # out/index.html: all videos, sortable, linking to their reports

The page is rendered from the saved outputs only (result.json, frames.csv, poses.npz, and the source video at
result.json's ``source.path`` for frames and clips), so it can be re-rendered at any time. It opens in any browser
with no network: styles inline, images as data: URIs, clips embedded when small and always written beside it.

Modules: ``data`` (loading a result folder), ``figures`` (the angle plot, SVG from the arrays), ``frames`` (frames,
clips, face blur), ``html`` (Jinja2 rendering, escaping, CSP), ``page`` (report.html), ``outdated`` (the notice
a rescore puts on a report it left out of date), ``index`` (index.html), ``templates/``.
"""

from __future__ import annotations

from liftform.outputs.layout import CLIPS_DIR, INDEX_NAME, REPORT_NAME
from liftform.report.index import write_index
from liftform.report.page import Report, render_again, write_report

__all__ = ["CLIPS_DIR", "INDEX_NAME", "REPORT_NAME", "Report", "render_again", "write_index", "write_report"]
