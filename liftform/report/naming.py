"""What a report says of whose lift it is: the video's name and path, and the paths in its words (notes, where the
lifter's own values came from). With ``--blur-faces`` none of them: a clinic names a video, its folder or a profile
after the patient ("Jane Doe 1970-01-01/deadlift.mp4", "profiles/jane_doe.toml"), and a page asked to be shared
without showing who the person is named them in its title, its heading, "Source and method", its notes and its
thresholds table (until the fifty-fifth session). The video is then called by the start of its SHA-256: that tells
one report from another and matches it to the file on the clinician's machine (the whole checksum is under "Source
and method"). result.json keeps the path: it is how `liftform report` and `score` find the video again, a record for
the clinician's or researcher's machine, not the page to share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from liftform.outputs.paths import one_line
from liftform.personal import PROFILE_ORIGIN
from liftform.report.data import ResultData

NOT_SHOWN = "(not shown: faces blurred)"     # in place of a path or file name on a page made with --blur-faces
SHA_SHOWN = 8                                # hex digits of the SHA-256 naming the video there


@dataclass(frozen=True)
class ShownNames:
    """The video's name (title, heading) and path ("Source and method") as a page shows them, and the texts that
    would say whose the lift is, replaced in free words by `told`."""

    video_name: str
    video_path: str
    identifying: tuple[str, ...] = ()        # longest first: a path is replaced before the file name inside it

    def told(self, words: str) -> str:
        """``words`` with every path and file name that would say whose the lift is replaced by `NOT_SHOWN` (whole:
        a video named d.mp4 leaves "annotated.mp4" as it is)."""
        for text in self.identifying:
            words = re.sub(rf"(?<![\w.-]){re.escape(text)}(?![\w.-])", NOT_SHOWN, words)
        return words


def shown_names(data: ResultData, hidden: bool) -> ShownNames:
    """What ``data``'s page says of the video: its file name and path; ``hidden`` (``--blur-faces``): neither, nor
    any path in its words (the video's as recorded and as found, the result folder's, named after the video, and
    the profiles the lifter's own values came from)."""
    recorded = data.analysis.source.path
    file_name = Path(recorded.replace("\\", "/")).name
    if not hidden:     # `report .`: the folder's own name; a direction override shown, not obeyed (`one_line`)
        return ShownNames(one_line(file_name or data.result_dir.resolve().name), one_line(recorded))
    profiles = [origin.removeprefix(PROFILE_ORIGIN).strip() for origin in (data.analysis.personal_from or {}).values()
                if origin.startswith(PROFILE_ORIGIN + " ")]
    folders = [data.result_dir, data.result_dir.absolute(), data.result_dir.resolve()]
    paths = [recorded, file_name, *map(str, folders), *profiles, *([str(data.video_path)] if data.video_path else [])]
    identifying = sorted({path for path in paths if path.strip("./\\")}, key=len, reverse=True)    # not "."
    sha = data.analysis.source.sha256
    return ShownNames(f"Video {sha[:SHA_SHOWN]}" if sha else "Video", NOT_SHOWN, tuple(identifying))
