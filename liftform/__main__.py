"""The `liftform` command (`main`) and `python -m liftform ...` (where the venv's scripts are not on PATH).

`main` imports the command line itself: a Ctrl-C or SIGTERM during that import (about half a second, the first
thing a user may stop) had printed a traceback of the import machinery; it says "interrupted" in one line, as a
command stopped later does, with the same exit status.
"""

import sys

from liftform.interrupts import stop_signal, stopped_exit, terminate_as_interrupt
from liftform.terminal import prepare_process


def main() -> None:
    terminate_as_interrupt()
    prepare_process()          # closed pipes, a full disk, COLUMNS=0, a deleted folder: before the consoles are made
    try:
        from liftform.cli import main as command_line
    except KeyboardInterrupt:
        print(f"interrupted by {stop_signal()}", file=sys.stderr)
        raise SystemExit(stopped_exit()) from None
    command_line()


if __name__ == "__main__":
    main()
