"""The `liftform` command (`main`) and `python -m liftform ...` (where the venv's scripts are not on PATH).

`main` imports the command line itself: a Ctrl-C or SIGTERM during that import (about half a second, the first
thing a user may stop) had printed a traceback of the import machinery; it says "interrupted" in one line, as a
command stopped later does, with the same exit status.
"""

import sys

from liftform.interrupts import INTERRUPTED_EXIT, TERMINATED_EXIT, stop_signal, terminate_as_interrupt, was_terminated


def main() -> None:
    terminate_as_interrupt()
    try:
        from liftform.cli import main as command_line
    except KeyboardInterrupt:
        print(f"interrupted by {stop_signal()}", file=sys.stderr)
        raise SystemExit(TERMINATED_EXIT if was_terminated() else INTERRUPTED_EXIT) from None
    command_line()


if __name__ == "__main__":
    main()
