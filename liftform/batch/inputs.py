"""Which videos a batch scores, and the output folder name of each.

``expand_inputs`` turns what the user typed (files, folders, glob patterns) into an ordered list of video
paths; ``assign_stems`` gives each one a unique, deterministic folder name under the output root.
"""

from __future__ import annotations

import glob
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from liftform.outputs.layout import INDEX_NAME, SUMMARY_CSV, SUMMARY_JSON, is_liftform_output
from liftform.outputs.paths import safe_name

# Extensions (lower case) picked up when a folder or a pattern is expanded. A file named explicitly is always
# taken, whatever its extension: if it is not a video, the batch records why.
VIDEO_EXTENSIONS = frozenset({
    ".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".gif", ".mpg", ".mpeg", ".wmv", ".3gp", ".3g2", ".flv",
    ".ts", ".mts", ".m2ts", ".ogv", ".hevc", ".h264",
})

# Names in the output root that belong to the batch itself (a video must not be written over them).
RESERVED_NAMES = frozenset({SUMMARY_CSV, SUMMARY_JSON, INDEX_NAME})

_GLOB_CHARS = frozenset("*?[")


def is_video_name(path: str | Path) -> bool:
    """The file name ends with a known video extension (case-insensitive)."""
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


def _inside(path: Path, folder: Path | None) -> bool:
    if folder is None:
        return False
    try:
        path.resolve().relative_to(folder)
        return True
    except ValueError:
        return False


def _walk(folder: Path, exclude: Path | None) -> list[Path]:
    """Video files under ``folder`` (recursive; hidden folders and files and liftform's own output folders
    skipped), sorted by path."""
    found = []
    for root, dirs, files in os.walk(folder):
        if is_liftform_output(root):
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not _inside(Path(root, d), exclude))
        found.extend(Path(root, f) for f in files if not f.startswith(".") and is_video_name(f))
    return sorted(found)


def _pattern_root(pattern: str) -> Path:
    """The folder a glob pattern searches from: its parts before the first one with a wildcard."""
    parts = Path(pattern).parts
    fixed = next((i for i, part in enumerate(parts) if _GLOB_CHARS & set(part)), len(parts))
    return Path(*parts[:fixed]) if fixed else Path()


def _in_liftform_output(path: Path, root: Path) -> bool:
    """A folder from ``path``'s up to ``root`` (the one searched) is liftform's own output (`is_liftform_output`)."""
    for folder in path.parents:
        if is_liftform_output(folder):
            return True
        if folder == root or folder == folder.parent:
            return False
    return False


def same_file_key(path: Path) -> Path:
    """What makes two inputs one file: its resolved path (``./a.mp4``, ``x/../a.mp4`` and a symlink to it are one
    file), or the absolute path of one that does not exist."""
    return path.resolve() if path.exists() else path.absolute()


def unique_inputs(paths: Iterable[str | Path]) -> list[Path]:
    """``paths`` in the order given, each file once (:func:`same_file_key`; the first spelling is kept)."""
    seen: set[Path] = set()
    unique = []
    for path in map(Path, paths):
        if (key := same_file_key(path)) not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def expand_inputs(inputs: Iterable[str | Path], exclude: str | Path | None = None) -> list[Path]:
    """Video paths from ``inputs``, in the order given (each folder or pattern sorted), without duplicates.

    - an existing file is taken as it is (any extension);
    - a folder is searched recursively for files with a :data:`VIDEO_EXTENSIONS` extension;
    - a glob pattern (``*``, ``?``, ``[``; ``**`` recurses) adds its matching video files and folders;
    - anything else (a missing file, a pattern matching nothing) is kept as given, so the batch reports it as
      a failed input instead of silently dropping it.

    Everything inside ``exclude`` (the output root) is skipped, so ``liftform score . -o out`` does not score
    its own annotated videos; so is, where folders are searched or patterns matched, every folder liftform wrote
    (`layout.is_liftform_output`: a result folder of an earlier `analyze`, another batch's output folder) and
    everything under it. A file named as such is taken wherever it is.
    """
    exclude_dir = Path(exclude).resolve() if exclude is not None else None
    seen: set[Path] = set()
    videos: list[Path] = []

    def add(path: Path) -> None:
        key = same_file_key(path)
        if key not in seen and not _inside(path, exclude_dir):
            seen.add(key)
            videos.append(path)

    for item in inputs:
        path = Path(item)
        if path.is_dir():
            for found in _walk(path, exclude_dir):
                add(found)
        elif path.exists() or not (_GLOB_CHARS & set(str(item))):
            add(path)
        else:
            matches = sorted(glob.glob(str(item), recursive=True))
            if not matches:
                add(path)
            root = _pattern_root(str(item))
            for match in map(Path, matches):
                if match.is_dir():
                    for found in _walk(match, exclude_dir):
                        add(found)
                elif is_video_name(match) and not _in_liftform_output(match, root):
                    add(match)
    return videos


def _short_hash(path: Path) -> str:
    return hashlib.sha256(str(path.absolute()).encode("utf-8", "surrogateescape")).hexdigest()[:8]


def _key(name: str) -> str:
    """Collision key: case-insensitive file systems (macOS, Windows) treat ``A`` and ``a`` as one folder."""
    return name.casefold()


def assign_stems(paths: list[Path]) -> list[str]:
    """A unique output folder name per path, deterministic for a given set of paths (order does not matter).

    The name is the file stem (``clips/squat.mp4`` -> ``squat``) unless another input has the same stem; then
    the parent folders are prefixed until the names differ (``good/squat.mp4`` -> ``good__squat``,
    ``bad/squat.mp4`` -> ``bad__squat``), then the extension (``squat.mov`` -> ``squat_mov``), and as a last
    resort 8 hex digits of the path's hash. Names used by the batch itself (:data:`RESERVED_NAMES`) get a
    ``_`` suffix. Every name is one plain folder name (:func:`~liftform.outputs.paths.safe_name`).
    """
    names = [safe_name(p.stem or p.name) for p in paths]   # `...mp4` (stem `..`) must not climb out of OUT
    names = [n + "_" if _key(n) in RESERVED_NAMES else n for n in names]
    groups: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        groups.setdefault(_key(name), []).append(i)
    for members in groups.values():
        if len(members) < 2:
            continue
        parts = [paths[i].absolute().parent.parts for i in members]
        depth = max(len(p) for p in parts)
        for k in range(1, depth + 1):
            candidates = ["__".join([*parents[-k:], names[i]])
                          for i, parents in zip(members, parts, strict=True)]
            if len({_key(c) for c in candidates}) == len(candidates):
                break
        else:
            candidates = [f"{names[i]}_{paths[i].suffix.lstrip('.').lower()}" for i in members]
            if len({_key(c) for c in candidates}) != len(candidates):
                candidates = [f"{names[i]}-{_short_hash(paths[i])}" for i in members]
        for i, candidate in zip(members, candidates, strict=True):
            names[i] = safe_name(candidate)
    # A prefixed name can still meet another input's plain stem: hash whatever collides.
    counts: dict[str, int] = {}
    for name in names:
        counts[_key(name)] = counts.get(_key(name), 0) + 1
    return [f"{n}-{_short_hash(p)}" if counts[_key(n)] > 1 else n for n, p in zip(names, paths, strict=True)]
