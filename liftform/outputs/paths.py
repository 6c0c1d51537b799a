"""Names under an output folder: every file liftform writes stays inside OUT, whatever the input was called.

A video's result folder is named after the file (``OUT/<stem>/``); a file named ``...mp4`` has the stem ``..``,
and a name sent back by a (Ray) worker is not to be trusted either. ``safe_name`` makes a name that is one plain
folder name, short enough for its staging folder; ``inside`` joins a relative name to OUT and refuses anything
that would land outside it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path, PurePosixPath, PureWindowsPath

from liftform.errors import OutputError

_SEPARATORS = ("/", "\\", "\0", ":")
# A file name may hold 255 bytes; a result folder is written as ".<name>.<8 hex>.new" beside it (`staging`), and a
# name two videos share gets "-<8 hex>" (`batch.inputs`): a video named in 250 bytes (a title pasted whole) had
# failed with "File name too long".
MAX_NAME_BYTES = 200
# A file name's bytes that are not UTF-8 (a latin-1 "caf\xe9.mp4" from an old archive): Python holds each as a lone
# surrogate (``os.fsdecode``), which no UTF-8 text can hold.
UNDECODABLE = re.compile("[\ud800-\udfff]")
# Control characters, and the marks and overrides that turn text's direction: "rlo\u202egnp.mp4" showed as "rlo4pm.png".
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def safe_name(name: str) -> str:
    """``name`` as a single, visible folder name: separators (and NUL, ``:``) become ``_``, leading dots become
    ``_`` (so ``..`` and ``.`` cannot climb, and no result hides as a dot-folder), an empty name is ``video``, and
    a name longer than :data:`MAX_NAME_BYTES` (UTF-8) is cut to fit, with 8 hex digits of the whole name's hash
    (names alike but for their end stay apart)."""
    for sep in _SEPARATORS:
        name = name.replace(sep, "_")
    stripped = name.lstrip(".")
    name = "_" * (len(name) - len(stripped)) + stripped
    return _shortened(name) or "video"


def readable(text: str) -> str:
    """``text`` with a file name's undecodable bytes (:data:`UNDECODABLE`) shown as U+FFFD: for a page, a CSV, a
    profile, the terminal (JSON keeps them exactly: `result_json.json_text`)."""
    return UNDECODABLE.sub("\ufffd", text)


def one_line(text: str) -> str:
    """``text`` :func:`readable` on one line: control characters (a newline, an escape sequence in a file name, a
    right-to-left override) as escapes (``\\n``, ``\\x1b``, ``\\u202e``), which a terminal, a page or a comment line
    shows rather than acts on (a name's newline had broken the batch table's row in two, and a TOML comment into a
    key; an override had shown a video as a picture)."""
    return _CONTROL.sub(lambda char: repr(char.group())[1:-1], readable(text))


def _byte_length(name: str) -> int:
    return len(name.encode("utf-8", "surrogateescape"))      # a file name's undecodable bytes count one each


def _shortened(name: str) -> str:
    if _byte_length(name) <= MAX_NAME_BYTES:
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    head = name[:MAX_NAME_BYTES - 9]
    while _byte_length(head) > MAX_NAME_BYTES - 9:       # characters of several bytes: cut whole ones
        head = head[:-1]
    return f"{head}-{digest}"


def inside(out_root: str | Path, relative: str | Path) -> Path:
    """``out_root / relative``, or OutputError when ``relative`` is absolute or climbs out of ``out_root``
    (``..``, a drive, a symlinked folder pointing elsewhere)."""
    text = str(relative)
    parts = PurePosixPath(text.replace("\\", "/")).parts
    if (not text or PurePosixPath(text).is_absolute() or PureWindowsPath(text).is_absolute()
            or PureWindowsPath(text).drive or ".." in parts):
        raise OutputError(f"refusing to write {text!r}: it is not a name inside the output folder {out_root}")
    root = Path(out_root)
    path = root / text
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        raise OutputError(f"refusing to write {text!r}: it leads outside the output folder {out_root}") from None
    return path
