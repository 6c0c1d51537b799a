"""What the command line needs of its process before it starts, so that where its words go cannot stop a run: the
results are the product, the printing is a courtesy. Called by `liftform.__main__.main` before the command line is
imported (its consoles read the terminal's width when made).

- stdout or stderr closed by the caller (``2>&-``): a sink that drops what is written (the run had ended at its
  first progress bar, with nothing said anywhere);
- a stream whose reader went away (``| head -1``, quitting ``less``) or whose disk filled (``> /dev/full``): what is
  written from then on is dropped, and the run goes on (``analyze a.mp4 b.mp4 | grep -m1 ROUNDED`` had skipped b
  without a word; ``> /dev/full`` ended in a traceback); a full disk is said once on stderr, a closed pipe is not
  (the reader asked for no more);
- ``COLUMNS`` set to 0 or to no number: as if unset (every command had printed nothing at all, errors included);
- a current folder deleted under the shell: one line and exit 1 (relative paths had ended in a traceback).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from typing import Any, TextIO


class Unstoppable:
    """A text stream that drops its writes once the stream under it fails (a closed pipe, a full disk), after
    pointing its file descriptor at the null device, so that the interpreter's own flush at exit fails neither."""

    def __init__(self, stream: TextIO, name: str) -> None:
        self._stream, self._name, self.lost = stream, name, None

    def write(self, text: str) -> int:
        if self.lost is None:
            try:
                return self._stream.write(text)
            except OSError as exc:
                self._give_up(exc)
        return len(text)

    def flush(self) -> None:
        if self.lost is None:
            try:
                self._stream.flush()
            except OSError as exc:
                self._give_up(exc)

    def _give_up(self, exc: OSError) -> None:
        self.lost = exc
        with contextlib.suppress(OSError, ValueError):
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self._stream.fileno())
            os.close(null)
        if exc.errno not in (errno.EPIPE, errno.ECONNRESET) and self._name == "stdout":
            print(f"note: cannot write to stdout ({(exc.strerror or str(exc)).lower()}): the rest of what liftform "
                  "prints is dropped, its results are still written", file=sys.stderr)

    def __getattr__(self, name: str) -> Any:      # isatty, fileno, encoding, reconfigure, ...: the stream's own
        return getattr(self._stream, name)


def prepare_process() -> None:
    """Make the process's streams, terminal width and current folder safe for a run (see the module's notes);
    exits with one line where the current folder no longer exists."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))   # noqa: SIM115 - the process's to the end
        elif not isinstance(stream, Unstoppable):
            setattr(sys, name, Unstoppable(stream, name))
    for variable in ("COLUMNS", "LINES"):
        value = os.environ.get(variable)
        if value is not None and not (value.strip().isdigit() and int(value) > 0):
            del os.environ[variable]
    try:
        os.getcwd()
    except FileNotFoundError:
        print("error: the current folder no longer exists (it was deleted or moved): cd to another folder and run "
              "the command again", file=sys.stderr)
        raise SystemExit(1) from None
