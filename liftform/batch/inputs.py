"""Which videos a batch scores, and the output folder name of each.

``expand_inputs`` turns what the user typed (files, folders, glob patterns) into an ordered list of video
paths; ``output_names`` gives each one its folder under the output root: the one it already has there, else a
unique, deterministic name (``assign_stems``). ``analyze`` names its folders with the same two.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from liftform.hashing import sha256_file
from liftform.outputs.layout import (
    ANNOTATED_NAME,
    CLIPS_DIR,
    ROOT_ENTRIES,
    ResultFolder,
    is_liftform_output,
    result_folders,
)
from liftform.outputs.paths import safe_name

# Extensions (lower case) picked up when a folder or a pattern is expanded (a camcorder's .mod, .tod, .m2t, .dv,
# .mxf and a DVD's .vob among them). A file named explicitly is always taken, whatever its extension: if it is not a
# video, the batch records why.
VIDEO_EXTENSIONS = frozenset({
    ".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".gif", ".mpg", ".mpeg", ".wmv", ".3gp", ".3g2", ".flv",
    ".ts", ".mts", ".m2ts", ".ogv", ".hevc", ".h264", ".mod", ".tod", ".m2t", ".dv", ".mxf", ".vob", ".qt", ".f4v",
    ".asf",
})
# How the containers a download saved without an extension holds begin (a browser's "videoplayback"): MP4, MOV or
# 3GP ("ftyp" at byte 4), Matroska or WebM (EBML), AVI (RIFF ... AVI), FLV. Such a file in a folder had been passed
# over without a word.
_VIDEO_HEADS = ((4, b"ftyp"), (0, b"\x1a\x45\xdf\xa3"), (8, b"AVI "), (0, b"FLV\x01"))

_GLOB_CHARS = frozenset("*?[")


def is_video_name(path: str | Path) -> bool:
    """The file name ends with a known video extension (case-insensitive)."""
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


def is_video_file(path: Path) -> bool:
    """A video by its name (`is_video_name`), or, named without an extension, by its first bytes (`_VIDEO_HEADS`)."""
    if is_video_name(path):
        return True
    if path.suffix or not path.is_file():          # not opened: a named pipe would wait for a writer
        return False
    try:
        with path.open("rb") as file:
            head = file.read(12)
    except OSError:
        return False
    return any(head[at:at + len(magic)] == magic for at, magic in _VIDEO_HEADS)


def _inside(path: Path, folder: Path | None) -> bool:
    if folder is None:
        return False
    try:
        path.resolve().relative_to(folder)
        return True
    except ValueError:
        return False


def _drawn_video(path: Path, output_roots: list[Path]) -> bool:
    """A video liftform draws (annotated.mp4, a report's clips/rep-N.mp4) in one of ``output_roots`` (this run's
    output root, another batch's output folder): not a lift, even in a result folder a crash left without its
    result.json."""
    return (path.name == ANNOTATED_NAME or path.parent.name == CLIPS_DIR) and any(
        _inside(path, root) for root in output_roots)


def _walk(folder: Path, out_root: Path | None) -> list[Path]:
    """Video files under ``folder`` (recursive, into symlinked folders too, each real folder once: a link to a folder
    above it is no loop; hidden folders and files, result folders and the videos liftform draws skipped), sorted by
    path. The folders themselves are searched before any link to a folder: a video is named by where it lies, not by
    a link to its folder that sorts first (``loop/subjA_link/lift.mp4`` had stood for ``subjA/lift.mp4``, in the
    summary's path and its output folder's name)."""
    found = []
    searched: set[str] = set()
    output_roots = [out_root] if out_root is not None else []
    tops = [folder]      # the folder, then each linked folder met (in the order met), each walked without links
    while tops:
        for root, dirs, files in os.walk(tops.pop(0)):
            # A result folder (a batch's, an `analyze`'s, a live session's) holds drawings of a lift already scored
            if (real := os.path.realpath(root)) in searched or ResultFolder(root).is_complete:
                dirs[:] = []
                continue
            searched.add(real)
            if is_liftform_output(root):        # a batch's output folder: a user's videos may lie in it too
                output_roots.append(Path(real))
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            tops.extend(Path(root, d) for d in dirs if os.path.islink(os.path.join(root, d)))
            found.extend(path for path in (Path(root, f) for f in files if not f.startswith("."))
                         if is_video_file(path) and not _drawn_video(path, output_roots))
    return sorted(found)


def _pattern_root(pattern: str) -> Path:
    """The folder a glob pattern searches from: its parts before the first one with a wildcard."""
    parts = Path(pattern).parts
    fixed = next((i for i, part in enumerate(parts) if _GLOB_CHARS & set(part)), len(parts))
    return Path(*parts[:fixed]) if fixed else Path()


def _liftform_drew(path: Path, root: Path, out_root: Path | None) -> bool:
    """``path`` (a pattern's match under ``root``, the folder searched) lies in a result folder, or is a video
    liftform draws in this run's output root or another batch's output folder (as `_walk` skips them)."""
    output_roots = [out_root] if out_root is not None else []
    for folder in path.parents:
        if ResultFolder(folder).is_complete:
            return True
        if is_liftform_output(folder):
            output_roots.append(folder.resolve())
        if folder == root or folder == folder.parent:
            break
    return _drawn_video(path, output_roots)


def same_file_key(path: Path) -> Path:
    """What makes two inputs one file: its resolved path (``./a.mp4``, ``x/../a.mp4`` and a symlink to it are one
    file), or the absolute path of one that does not exist."""
    return path.resolve() if path.exists() else path.absolute()


def unique_inputs(paths: Iterable[str | Path]) -> list[Path]:
    """``paths`` in the order given, each file once (:func:`same_file_key`): its first spelling, unless that one
    reaches it through a linked folder and a later one does not (a study's ``broken/loop -> ..`` had walked first
    and named ``S04/lift.mp4``, given as ``S04`` too, ``broken/loop/S04/lift.mp4`` in the summary)."""
    kept: dict[Path, Path] = {}
    for path in map(Path, paths):
        key = same_file_key(path)
        if key not in kept or (_through_linked_folder(kept[key]) and not _through_linked_folder(path)):
            kept[key] = path       # a dict keeps the first spelling's place
    return list(kept.values())


def _through_linked_folder(path: Path) -> bool:
    """Whether a folder on ``path``'s way (not the file itself) is a symbolic link."""
    return any(folder.is_symlink() for folder in path.absolute().parents)


def expand_inputs(inputs: Iterable[str | Path] | str | Path, exclude: str | Path | None = None) -> list[Path]:
    """Video paths from ``inputs`` (paths, or one path), in the order given (each folder or pattern sorted), without
    duplicates.

    - an existing file is taken as it is (any extension);
    - a folder is searched recursively for files with a :data:`VIDEO_EXTENSIONS` extension;
    - a glob pattern (``*``, ``?``, ``[``; ``**`` recurses) adds its matching video files and folders;
    - anything else (a missing file, a pattern matching nothing) is kept as given, so the batch reports it as
      a failed input instead of silently dropping it.

    Where folders are searched or patterns matched, every result folder (a result.json in it: this run's, an
    earlier batch's or `analyze`'s) and everything under it is skipped, and so are the videos liftform draws
    (annotated.mp4, clips/) in this run's output root ``exclude`` or another batch's output folder, so ``liftform
    score . -o out`` does not score its own annotated videos; a user's videos in an output folder (``liftform score
    videos -o .``, then ``score . -o elsewhere``) are scored. A file named as such is taken wherever it is.
    """
    out_root = Path(exclude).resolve() if exclude is not None else None
    if isinstance(inputs, (str, os.PathLike)):     # one path, not its characters ("/" had walked the whole disk)
        inputs = [inputs]
    videos: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            videos.extend(_walk(path, out_root))
        elif path.exists() or not (_GLOB_CHARS & set(str(item))):
            videos.append(path)
        else:
            matches = sorted(glob.glob(str(item), recursive=True))
            if not matches:
                videos.append(path)
            root = _pattern_root(str(item))
            for match in map(Path, matches):
                if match.is_dir():
                    videos.extend(_walk(match, out_root))
                elif is_video_file(match) and not _liftform_drew(match, root, out_root):
                    videos.append(match)
    return unique_inputs(videos)


def _short_hash(path: Path) -> str:
    return hashlib.sha256(str(path.absolute()).encode("utf-8", "surrogateescape")).hexdigest()[:8]


def _key(name: str) -> str:
    """Collision key: case-insensitive file systems (macOS, Windows) treat ``A`` and ``a`` as one folder."""
    return name.casefold()


_ROOT_KEYS = frozenset(map(_key, ROOT_ENTRIES))


def assign_stems(paths: list[Path]) -> list[str]:
    """A unique output folder name per path, deterministic for a given set of paths (order does not matter).

    The name is the file stem (``clips/squat.mp4`` -> ``squat``) unless another input has the same stem; then
    the parent folders are prefixed until the names differ (``good/squat.mp4`` -> ``good__squat``,
    ``bad/squat.mp4`` -> ``bad__squat``), then the extension (``squat.mov`` -> ``squat_mov``), and as a last
    resort 8 hex digits of the path's hash. Names of the output root's own files (`layout.ROOT_ENTRIES`) get a
    ``_`` suffix. Every name is one plain folder name (:func:`~liftform.outputs.paths.safe_name`).
    """
    names = [safe_name(p.stem or p.name) for p in paths]   # `...mp4` (stem `..`) must not climb out of OUT
    names = [n + "_" if _key(n) in _ROOT_KEYS else n for n in names]
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


@dataclass(frozen=True)
class _Earlier:
    """A complete result folder already in the output root: its name, and the source video its result.json records
    (path and SHA-256; "" where it cannot be read: some video's, whose folder is not to be taken)."""

    name: str
    source: str
    sha256: str
    damaged: bool = False       # its result.json is there but is no result (cut short, not JSON): whose, unknown


def _earlier_results(out_root: Path) -> list[_Earlier]:
    try:
        folders = result_folders(out_root) if out_root.is_dir() else []
    except OSError:
        return []
    found = []
    for folder in folders:
        try:
            source = json.loads(folder.result_json.read_text(encoding="utf-8"))["source"]
            found.append(_Earlier(folder.name, str(source.get("path") or ""), str(source.get("sha256") or "")))
        except OSError:
            found.append(_Earlier(folder.name, "", ""))
        except (ValueError, KeyError, TypeError, AttributeError):
            found.append(_Earlier(folder.name, "", "", damaged=True))
    return found


def _by_file_name(earlier: list[_Earlier]) -> dict[str, list[_Earlier]]:
    """The earlier results of known content by their video's file name (case-folded): looked up per input, where
    each input had looked through every free result, 110 s for 10,000 videos moved to another folder."""
    by_name: dict[str, list[_Earlier]] = {}
    for e in earlier:
        if e.sha256:
            by_name.setdefault(Path(e.source).name.casefold(), []).append(e)
    return by_name


def _same_content(path: Path, free: dict[str, _Earlier], by_name: dict[str, list[_Earlier]]) -> str | None:
    """The free result folder whose video has ``path``'s file name and content and is no longer where its result
    records (moved since), or None; ``by_name``: `_by_file_name` of the earlier results. The file is hashed only
    where there is such a name. A result whose video is still in place is that video's: ``path`` is a copy of it, and
    had been scored into its folder, replacing its result (under new settings, the first ones' lost) and its row."""
    named = [e for e in by_name.get(path.name.casefold(), ()) if free.get(e.name) is e and not os.path.exists(e.source)]
    if not named:
        return None
    try:
        digest = sha256_file(path)
    except OSError:
        return None     # missing or unreadable: the batch says so
    return next((e.name for e in named if e.sha256 == digest), None)


def output_names(paths: list[Path], out_root: str | Path) -> list[str]:
    """A folder name under ``out_root`` for each of ``paths`` (distinct files: :func:`unique_inputs`), the same
    whatever else a run is given.

    A video with a complete result in ``out_root`` keeps its folder, so a re-run replaces it and a batch resumes it:
    the result.json there records the video's path, or its content (SHA-256) for a video of that file name moved
    since (nothing left at the path recorded: a copy beside a video still in place gets a folder of its own). The
    others get :func:`assign_stems`'s names worked out together with the videos already there, so a different video
    of the same file name gets a folder of its own (``b__IMG_0001`` beside ``a``'s ``IMG_0001``) instead of
    replacing theirs; a name still taken gets 8 hex digits of its path's hash, unless what takes it is a folder
    whose result.json is damaged: the video given that very name is scored into it again, as where result.json is
    missing (it had been scored into a folder of its own, and the study counted it twice, the damaged one "ok").
    """
    earlier = _earlier_results(Path(out_root))
    free = {e.name: e for e in earlier}
    by_source: dict[Path, str] = {}
    for e in earlier:
        if e.source:
            by_source.setdefault(same_file_key(Path(e.source)), e.name)
    names: list[str | None] = [by_source.get(same_file_key(path)) for path in paths]
    names = [n if free.pop(n, None) else None for n in names]     # each earlier folder taken once
    by_name = _by_file_name(earlier)
    for i, path in enumerate(paths):
        if names[i] is None and (name := _same_content(path, free, by_name)) is not None:
            names[i] = free.pop(name).name
    rest = [i for i, name in enumerate(names) if name is None]
    keys = {same_file_key(paths[i]) for i in rest}
    others = list({same_file_key(Path(e.source)): Path(e.source) for e in earlier if e.source}.values())
    others = [p for p in others if same_file_key(p) not in keys]
    taken = {_key(e.name) for e in earlier} | {_key(n) for n in names if n is not None}
    damaged = {_key(e.name): e.name for e in earlier if e.damaged and e.name in free}
    for i, name in zip(rest, assign_stems(others + [paths[i] for i in rest])[len(others):], strict=True):
        if _key(name) in damaged:
            names[i] = damaged.pop(_key(name))
            continue
        while _key(name) in taken:
            name = f"{name}-{_short_hash(paths[i])}"
        taken.add(_key(name))
        names[i] = name
    return names
