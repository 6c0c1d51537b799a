"""A result folder replaced whole: the new result is written beside the old one and swapped in when complete.

    with replacing_folder(OUT / "lift") as staging:     # OUT/.lift.<8 hex>.new, empty
        ...write every file of the new result into staging...
    # here OUT/lift is the new result; the old one was moved aside (OUT/.lift.<8 hex>.old), then removed

So an interrupt at any moment (Ctrl-C, a batch worker's SIGTERM, a failure) leaves OUT/lift as it was, the earlier
complete result, or the new complete one, never a mix or half of either. The two renames of the swap are made
with SIGINT and SIGTERM held back, so only a kill (SIGKILL, a power cut) can fall between them; whatever it leaves
(a staging folder, the old one moved aside) is put right the next time the folder is written
(:func:`recover_folder`): the old result back where the new one never arrived, the rest removed. The temporary
folders are hidden (a leading dot), so no listing of results takes them for one (`layout.result_folders`).

Files in the old folder that liftform did not write there (anything but `layout.RESULT_FOLDER_ENTRIES`: a note
of the user's, a live session's profile.toml) are moved into the new one.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from liftform.errors import LiftformError, OutputError
from liftform.interrupts import signals_deferred
from liftform.outputs.atomic import TEMP_NAME, file_in_the_way, output_error
from liftform.outputs.layout import RESULT_FOLDER_ENTRIES, RESULT_NAME

NEW, OLD = "new", "old"     # a folder being written; an earlier result moved aside


def _temp_folder_name(final: Path, kind: str) -> Path:
    return final.with_name(f".{final.name}.{secrets.token_hex(4)}.{kind}")


def _temp_folders(final: Path, kind: str) -> list[Path]:
    """The temporary folders of ``final`` of one ``kind`` left in its parent (only this folder's: the name is
    matched whole)."""
    pattern = re.compile(rf"^\.{re.escape(final.name)}\.[0-9a-f]{{8}}\.{kind}$")
    parent = final.parent
    if not parent.is_dir():
        return []
    return sorted(p for p in parent.iterdir() if pattern.match(p.name))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def _retire(aside: Path, final: Path) -> None:
    """Remove the earlier result moved aside, after moving into ``final`` what liftform did not write there."""
    if aside.is_dir() and not aside.is_symlink():
        for entry in aside.iterdir():
            if entry.name in RESULT_FOLDER_ENTRIES or TEMP_NAME.match(entry.name):
                continue
            if not os.path.lexists(final / entry.name):
                os.rename(entry, final / entry.name)
    _remove(aside)


def recover_folder(final: str | Path) -> None:
    """Put right what a killed run left of ``final``'s swap: an old result moved aside goes back where no new one
    arrived (or is retired where one did), and unfinished new folders are removed."""
    final = Path(final)
    try:
        for aside in _temp_folders(final, OLD):
            if os.path.lexists(final):
                _retire(aside, final)
            else:
                os.rename(aside, final)
        for staging in _temp_folders(final, NEW):
            _remove(staging)
    except OSError as exc:
        raise output_error(final / RESULT_NAME, exc) from None


def _swap(staging: Path, final: Path) -> None:
    """``staging`` becomes ``final``; an earlier ``final`` is moved aside first (back again if the second rename
    fails), then retired. A failure to retire it leaves it to the next :func:`recover_folder`: the new result
    is in place."""
    aside = None
    with signals_deferred():
        if os.path.lexists(final):
            aside = _temp_folder_name(final, OLD)
            os.rename(final, aside)
        try:
            os.rename(staging, final)
        except OSError:
            if aside is not None:
                os.rename(aside, final)
            raise
    if aside is not None:
        with contextlib.suppress(OSError):
            _retire(aside, final)


def moved_paths(paths: dict[str, Path], staging: Path, final: Path) -> dict[str, Path]:
    """``paths`` written into ``staging``, where they are now that it is ``final``."""
    return {key: Path(final) / path.relative_to(staging) for key, path in paths.items()}


@contextlib.contextmanager
def replacing_folder(final: str | Path) -> Iterator[Path]:
    """Yield a new, empty, hidden folder beside ``final``; when the block ends normally it replaces ``final``
    (see the module docstring). On any exception in the block (KeyboardInterrupt included) it is removed and
    ``final`` is left as it was. Raises OutputError (one line) when the folders cannot be made or swapped."""
    final = Path(final)
    if os.path.lexists(final) and not final.is_dir():
        raise OutputError(f"cannot write into {final}: {file_in_the_way(final)}")
    recover_folder(final)
    staging = _temp_folder_name(final, NEW)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        staging.mkdir()
    except OSError as exc:
        raise output_error(final / RESULT_NAME, exc) from None
    try:
        yield staging
        try:
            _swap(staging, final)
        except OSError as exc:
            raise output_error(final, exc) from None
    except LiftformError as exc:    # said of the folder the user asked for, not of the hidden one
        _remove(staging)
        if str(staging) not in str(exc):
            raise
        raise type(exc)(str(exc).replace(str(staging), str(final))) from None
    except BaseException:
        _remove(staging)
        raise
