"""Names under an output folder: every file liftform writes stays inside OUT, whatever the input was called.

A video's result folder is named after the file (``OUT/<stem>/``); a file named ``...mp4`` has the stem ``..``,
and a name sent back by a (Ray) worker is not to be trusted either. ``safe_name`` makes a name that is one plain
folder name; ``inside`` joins a relative name to OUT and refuses anything that would land outside it.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

from liftform.errors import OutputError

_SEPARATORS = ("/", "\\", "\0", ":")


def safe_name(name: str) -> str:
    """``name`` as a single, visible folder name: separators (and NUL, ``:``) become ``_``, leading dots become
    ``_`` (so ``..`` and ``.`` cannot climb, and no result hides as a dot-folder), and an empty name is
    ``video``."""
    for sep in _SEPARATORS:
        name = name.replace(sep, "_")
    stripped = name.lstrip(".")
    name = "_" * (len(name) - len(stripped)) + stripped
    return name or "video"


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
