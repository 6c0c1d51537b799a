"""Atomic file writes: a result file is either complete under its final name or not there at all.

Everything is written to a temporary file in the destination directory (same file system, so the final
``os.replace`` is atomic) and renamed only on success. On any exception, KeyboardInterrupt included, the temporary
file is removed and the exception propagates. OS errors about the destination (permission denied, missing
directory, read-only or full disk) become :class:`~liftform.errors.OutputError` with one line saying which path
and what to do.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from liftform.errors import OUTPUT, OutputError
from liftform.outputs.layout import LOCK_NAME
from liftform.outputs.paths import readable

# OS errors raised while writing the temporary file that are about the destination, not about the caller's code.
_DESTINATION_ERRNOS = {errno.EACCES, errno.EPERM, errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EROFS,
                       errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}


OUTPUT_OPTION = f"output directory ({OUTPUT})"   # what a user changes to write elsewhere; live's recording says its own
# ... and where there is no -o: `rescore` and `report` write into the result folders they read.
IN_PLACE_OPTION = "disk: copy the results there (rescore and report write into the folder they read)"
# Below this free on the output's disk nothing is started: a result takes a few MB to some tens (the annotated
# video most), and a full disk was found only at the first write, after the whole pose stage (in a batch, for every
# video in turn: hours spent to write nothing).
MIN_FREE_BYTES = 32 * 1024 * 1024


def file_in_the_way(path: str | Path, option: str = OUTPUT_OPTION) -> str:
    """What to say where a file stands at ``path``, where an output folder should be; or a link to nothing (an
    unmounted disk's folder), which had been called "a file"."""
    if os.path.islink(path) and not os.path.exists(path):
        return (f"{path} is a link to {os.readlink(path)}, which does not exist (a disk not mounted?); mount it, or "
                f"choose another {option}")
    return f"{path} is a file, not a folder; remove it or choose another {option}"


def output_error(path: str | Path, exc: OSError, option: str = OUTPUT_OPTION) -> OutputError:
    """One-line :class:`OutputError` for an OS error on ``path``, saying what to do about it (``option``: what to
    choose instead, the output directory by default)."""
    path = Path(path)
    code = exc.errno
    if code in (errno.EACCES, errno.EPERM):
        hint = f"permission denied; choose a writable {option} or fix its permissions"
    elif code == errno.ENOENT and not path.parent.is_dir():
        hint = f"directory {path.parent} does not exist; create it or choose another {option}"
    elif code == errno.ENOENT:        # the folder is there, but nothing can be made in it (/proc, a pseudo-fs)
        hint = f"nothing can be made in {path.parent} ({exc.strerror or exc}); choose another {option}"
    elif code == errno.ENOTDIR:     # the file in the way is the nearest of the folders above that is not one
        hint = file_in_the_way(next((p for p in path.parents if os.path.lexists(p) and not p.is_dir()), path.parent),
                               option)
    elif code == errno.EISDIR:
        hint = "a directory is in the way; remove or rename it"
    elif code == errno.EROFS:
        hint = f"the file system is read-only; choose another {option}"
    elif code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        hint = "no space left (or quota/file-size limit reached); free some space or choose another disk"
    else:
        hint = f"{exc.strerror or exc}; check the output directory"
    return OutputError(f"cannot write {path}: {hint}")


def check_writable(folder: str | Path, named: str | Path, option: str = OUTPUT_OPTION) -> None:
    """Raise OutputError unless a file can be made in ``folder`` (a probe file, removed again), its one line about
    ``named``, the path the user gave: the probe's hidden name, or a lock file's, told them nothing, and a read-only
    file system is said as such (not "permission denied"). ``option``: what to choose instead."""
    # A name of its own: batch workers check the same folder at once, and one removing a shared probe made the
    # other's removal fail ("directory ... does not exist"), a good video's row failed.
    probe = Path(folder) / f".liftform-write-test.{os.getpid()}.{secrets.token_hex(4)}"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        probe.unlink()
    except OSError as exc:
        raise output_error(named, exc, option) from None


def ensure_writable_dir(out_dir: str | Path, option: str = OUTPUT_OPTION) -> Path:
    """Create ``out_dir`` if needed and check a file can be written in it (`check_writable`) and its disk has
    `MIN_FREE_BYTES` free, so a long analysis is not run only to fail at the end. Removes nothing that is already
    there. Raises OutputError (one line; ``option``: what to choose instead)."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        blocker = next((p for p in (out_dir, *out_dir.parents) if os.path.lexists(p) and not p.is_dir()), out_dir)
        raise OutputError(f"cannot write into {out_dir}: {file_in_the_way(blocker, option)}") from None
    except OSError as exc:
        raise output_error(out_dir, exc, option) from None
    check_writable(out_dir, out_dir, option)
    try:
        free = shutil.disk_usage(out_dir).free
    except OSError:               # not told (some network file systems): the writes will say
        return out_dir
    if free < MIN_FREE_BYTES:
        raise OutputError(f"cannot write into {out_dir}: only {free / 1e6:.1f} MB free on its disk (a result takes "
                          f"up to some tens of MB); free some space or choose another {option}")
    return out_dir


def missing_folders(folder: str | Path) -> list[Path]:
    """``folder`` and those of its parents that do not exist yet, deepest first: what making it makes."""
    folder = Path(folder).absolute()
    return list(itertools.takewhile(lambda path: not path.exists(), (folder, *folder.parents)))


def remove_empty_folders(folders: list[Path]) -> None:
    """Remove ``folders`` (deepest first, `missing_folders`) while they are empty: a run that wrote nothing into
    the folders it made leaves none of them behind."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:          # not empty (or gone): it and its parents stay
            return


@contextlib.contextmanager
def made_for(folder: str | Path | None, option: str = OUTPUT_OPTION, *, also: tuple[Path, ...] = ()) -> Iterator[None]:
    """``folder`` made ready for the block (`ensure_writable_dir`; None: nothing to make), and the folders that made,
    or the block made for the paths ``also`` (a recording's folder), removed again where the block leaves them
    empty, raising or not: a live session that never started (no camera, a bad file, no model, quit while the model
    loaded) had left its typo's empty folder behind, or liftform-out/ in the working directory."""
    made = [missing_folders(path) for path in (folder, *also) if path is not None]
    if folder is not None:
        ensure_writable_dir(folder, option)
    try:
        yield
    finally:
        for folders in made:
            remove_empty_folders(folders)


# What _create_temp names a temporary file: a killed run leaves such files, which are never a result's.
TEMP_NAME = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp(\.[^.]*)?$")


def _create_temp(final: Path) -> Path:
    """Create an empty, uniquely named temporary file next to ``final`` (same suffix, so format guessing works).

    Uses mode 0o666 filtered by the umask, so the final file gets the usual permissions (unlike ``mkstemp``).
    """
    for _ in range(100):
        tmp = final.with_name(f".{final.stem}.{secrets.token_hex(4)}.tmp{final.suffix}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise output_error(final, exc) from None
        os.close(fd)
        return tmp
    raise OutputError(f"cannot write {final}: could not create a temporary file in {final.parent}")  # pragma: no cover


def _about_destination(exc: OSError, tmp: Path, final: Path) -> bool:
    """The OS error concerns the file being written (not, say, a missing input the body tried to read)."""
    if exc.errno not in _DESTINATION_ERRNOS:
        return False
    names = {exc.filename, exc.filename2} - {None}
    return not names or any(os.fspath(name) in (os.fspath(tmp), os.fspath(final)) for name in names)


def _fsync(path: Path) -> None:
    """Flush ``path``'s data to disk so a crash after the rename cannot leave an empty file."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(final_path: str | Path, *, fsync: bool = True) -> Iterator[Path]:
    """Yield a temporary path next to ``final_path``; on success it is renamed to ``final_path``.

    The temporary file already exists (empty) when the body starts; the body may overwrite or truncate it. On any
    exception in the body (including KeyboardInterrupt) it is removed and the exception re-raised, except that OS
    errors about the destination (permissions, missing directory, full disk) become :class:`OutputError`.

    Example::

        with atomic_path(out_dir / POSES_NAME) as tmp:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, **arrays)
    """
    final = Path(final_path)
    tmp = _create_temp(final)
    try:
        try:
            yield tmp
            if fsync:
                _fsync(tmp)
            os.replace(tmp, final)
        except OSError as exc:
            if _about_destination(exc, tmp, final):
                raise output_error(final, exc) from None
            raise
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns ``path`` as a Path."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
    return path


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (``\\n`` line endings kept as given); returns ``path`` as a Path. A file
    name's undecodable bytes in it are written as U+FFFD (`paths.readable`): they had failed the write."""
    return atomic_write_bytes(path, readable(text).encode(encoding))




class FolderLock:
    """What `folder_lock` yields. ``check()`` raises OutputError once the lock file in the folder is no longer the
    one held: the folder was removed or replaced during the run (or its lock file removed). A batch whose output
    folder was deleted under it had gone on, its workers making the folder again, and ended "3 ok" with a summary
    listing results that were gone, and no lock on the new folder."""

    def __init__(self, folder: Path, handle=None) -> None:
        self.folder, self.handle = folder, handle

    def check(self) -> None:
        if self.handle is None:     # no lock where fcntl is missing (Windows)
            return
        try:
            held = os.path.samestat(os.fstat(self.handle.fileno()), os.stat(self.folder / LOCK_NAME))
        except OSError:
            held = False
        if not held:
            raise OutputError(f"the output folder {self.folder} (or its lock file {LOCK_NAME}) was removed or "
                              "replaced during the run; stopped without writing its summary: run the same command "
                              "again")


@contextlib.contextmanager
def folder_lock(folder: str | Path, what: str = "liftform") -> Iterator[FolderLock]:
    """Hold an exclusive lock on ``folder`` (its file ``.liftform.lock``) for the block, so two runs never write one
    summary at once; the :class:`FolderLock` yielded tells whether it is still held. ``what`` is the command holding
    it, written beside its pid for a refused one to name. The lock is the operating system's (``flock``): it goes
    with the process, also when the process is killed, so a stale lock file never blocks anyone. Where ``fcntl`` is
    missing (Windows), no lock.

    Raises OutputError when another process holds the lock (naming its command and pid) or the lock file cannot be
    made.
    """
    try:
        import fcntl
    except ImportError:   # pragma: no cover - Windows
        yield FolderLock(Path(folder))
        return
    path = Path(folder) / LOCK_NAME
    try:
        handle = open(path, "a+")
    except OSError as exc:
        raise output_error(path, exc) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            pid, _, holder = (handle.read().strip() or "unknown").partition(" ")   # a lock of before: its pid alone
            raise OutputError(f"another {holder or 'liftform'} run (pid {pid}) is writing to {folder}; wait for it "
                              f"to finish or choose another {OUTPUT_OPTION}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()} {what}")
        handle.flush()
        yield FolderLock(Path(folder), handle)
    finally:
        handle.close()   # closing the file releases the lock
