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

Each run holds a lock (``flock``) on the temporary folders it makes, for as long as it writes or removes them, and
a recovery takes only the folders no run holds: the lock goes with its process however it ends. A second `analyze`
of the same video into the same folder had removed the first one's folder as it wrote it ("directory ... does not
exist"). Where no lock can be had (no fcntl, a file system refusing it), a folder untouched for `UNLOCKED_STALE_S`.

Files in the old folder that liftform did not write there (anything but `layout.RESULT_FOLDER_ENTRIES`: a note
of the user's, a live session's profile.toml) are moved into the new one.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from liftform.errors import LiftformError, OutputError
from liftform.interrupts import signals_deferred
from liftform.outputs.atomic import TEMP_NAME, file_in_the_way, output_error
from liftform.outputs.layout import RESULT_FOLDER_ENTRIES, RESULT_NAME, refuse_writing_over

NEW, OLD = "new", "old"     # a folder being written; an earlier result moved aside
# A temporary folder whose lock cannot be asked is taken as a killed run's once untouched this long: a run writing
# one touches it more often (a file made or renamed in it), an hour-long video's annotated copy included.
UNLOCKED_STALE_S = 24 * 3600


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


def _lock(folder: Path, wait: bool) -> tuple[int | None, bool | None]:
    """(an open descriptor of ``folder``, whether it holds the folder's lock: True; another process holds it: False;
    no lock can be had: None). The descriptor is None where ``folder`` is gone; closing it releases the lock."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return None, None
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        return fd, False
    except (ImportError, OSError):   # pragma: no cover - Windows, or a file system without locks
        return fd, None
    return fd, True


def _release(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _abandoned(folder: Path, held: list[int]) -> bool:
    """``folder`` (a temporary folder found beside a result) is a killed run's: no live run holds its lock. Where
    it is, its lock is added to ``held`` (to keep while it is put right)."""
    fd, locked = _lock(folder, wait=False)
    if fd is None:
        return False                 # gone meanwhile: another run's recovery took it
    held.append(fd)
    if locked is None:               # pragma: no cover - no lock to ask
        with contextlib.suppress(OSError):
            return time.time() - folder.stat().st_mtime > UNLOCKED_STALE_S
    return bool(locked)


def recover_folder(final: str | Path) -> None:
    """Put right what a killed run left of ``final``'s swap: an old result moved aside goes back where no new one
    arrived (or is retired where one did), and unfinished new folders are removed. Folders another run is still
    writing or removing (it holds their lock) are left to it."""
    final = Path(final)
    held: list[int] = []
    try:
        for aside in _temp_folders(final, OLD):
            if not _abandoned(aside, held):
                continue
            if os.path.lexists(final):
                _retire(aside, final)
            else:
                os.rename(aside, final)
        for staging in _temp_folders(final, NEW):
            if _abandoned(staging, held):
                _remove(staging)
    except OSError as exc:
        raise output_error(final / RESULT_NAME, exc) from None
    finally:
        _release(held)


def _new_staging(final: Path, held: list[int]) -> Path:
    """A new, empty staging folder of ``final``, its lock added to ``held``. Made again where another run's
    recovery took it between its making and its lock."""
    while True:     # again only where another run's recovery came in between, a moment's chance each time
        staging = _temp_folder_name(final, NEW)
        staging.mkdir()
        fd, _ = _lock(staging, wait=True)
        try:
            if fd is None:              # not to be opened (no descriptor left?): written unlocked, if still there
                if staging.is_dir():
                    return staging
                continue
            held.append(fd)
            if os.path.samestat(os.fstat(fd), os.stat(staging)):
                return staging
        except OSError:                 # gone: taken between its making and its lock
            continue


def _swap(staging: Path, final: Path, held: list[int]) -> None:
    """``staging`` becomes ``final``; an earlier ``final`` is moved aside first (back again if the second rename
    fails), then retired, its lock added to ``held`` first (another run's recovery leaves it alone). A failure to
    retire it leaves it to the next :func:`recover_folder`: the new result is in place."""
    aside = None
    if os.path.isdir(final) and not os.path.islink(final):
        # Not waited for: a run that put it in place holds it until its own earlier result is removed, and one
        # stopped there (Ctrl-Z) would hold this one up; unheld, the aside is only as exposed as before locks.
        fd, _ = _lock(final, wait=False)
        held.extend([fd] if fd is not None else [])
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


def check_no_file_in_the_way(final: str | Path) -> None:
    """Raise OutputError where a file stands where the result folder ``final`` is to be: said before a video's pose
    stage as well (`analyze`, `score`), not only at its first write after it, the whole analysis run for nothing."""
    if os.path.lexists(final) and not Path(final).is_dir():
        raise OutputError(f"cannot write into {final}: {file_in_the_way(final)}")


def check_result_place(final: str | Path, video: str | Path) -> None:
    """Before a video's pose stage: raise OutputError where a file stands where its result folder ``final`` is to be
    (`check_no_file_in_the_way`), InputError where ``video`` itself lies where that folder's own files go
    (`layout.refuse_writing_over`)."""
    check_no_file_in_the_way(final)
    refuse_writing_over(video, final)


@contextlib.contextmanager
def replacing_folder(final: str | Path) -> Iterator[Path]:
    """Yield a new, empty, hidden folder beside ``final``; when the block ends normally it replaces ``final``
    (see the module docstring). On any exception in the block (KeyboardInterrupt included) it is removed and
    ``final`` is left as it was. Raises OutputError (one line) when the folders cannot be made or swapped."""
    final = Path(final)
    check_no_file_in_the_way(final)
    recover_folder(final)
    held: list[int] = []          # the locks of this run's temporary folders, released when it is done with them
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        staging = _new_staging(final, held)
    except OSError as exc:
        _release(held)
        raise output_error(final / RESULT_NAME, exc) from None
    try:
        yield staging
        try:
            _swap(staging, final, held)
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
    finally:
        _release(held)
