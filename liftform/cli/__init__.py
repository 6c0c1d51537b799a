"""The command line. It parses arguments, shows progress and results, maps errors to exit codes, and calls the
library for everything else. Exit codes: 0 the job ran (whatever the verdict), 1 an input could not be analysed,
2 bad usage, 130 interrupted (Ctrl-C), 143 stopped by SIGTERM and 129 by SIGHUP (each taken as a Ctrl-C).

Modules: ``common`` (the app, consoles, options, progress bars), ``show`` (printing results), ``single`` (analyze,
report, screen), ``installed`` (models, config), ``batch`` (score, rescore), ``live``.
"""

import contextlib
import gc
import sys

from liftform.cli.common import app
from liftform.interrupts import INTERRUPTED_EXIT, stopped_exit, terminate_as_interrupt, was_terminated

# isort: off
# Each registers its commands on the app; `liftform --help` lists them in this order.
from liftform.cli import single, installed, batch, live  # noqa: F401, E402
# isort: on

__all__ = ["app", "main"]


def main() -> None:  # pragma: no cover - console entry point
    terminate_as_interrupt()
    _printed_in_any_encoding()
    try:
        app()
    except SystemExit as exc:       # a command stopped by SIGTERM says so to whatever sent it, as a killed one would
        if exc.code == INTERRUPTED_EXIT and was_terminated():
            raise SystemExit(stopped_exit()) from None
        raise
    finally:
        # Everything is written by now. The interpreter's last collection at exit would walk every object of
        # mediapipe, OpenCV, PyAV and the analysis (~80 of a one-video run's ~130 ms of exit): leave them out of it.
        gc.freeze()


def _printed_in_any_encoding() -> None:
    """A character the output's encoding lacks (the ° of every rep's line where stdout is ASCII or Latin-1, a Windows
    console redirected to a file) is printed as "?": it had ended the run in a UnicodeEncodeError traceback once the
    first video's results were written, the next videos never analysed. (stderr already escapes it.)"""
    with contextlib.suppress(AttributeError, ValueError):    # not io's text stream (an embedding's, a test's)
        sys.stdout.reconfigure(errors="replace")
