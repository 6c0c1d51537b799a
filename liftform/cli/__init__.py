"""The command line. It parses arguments, shows progress and results, maps errors to exit codes, and calls the
library for everything else. Exit codes: 0 the job ran (whatever the verdict), 1 an input could not be analysed,
2 bad usage, 130 interrupted.

Modules: ``common`` (the app, consoles, options, progress bars), ``show`` (printing results), ``single`` (analyze,
report, screen, models, config), ``batch`` (score, rescore), ``live``.
"""

import gc

from liftform.cli.common import app

# isort: off
# Each registers its commands on the app; `liftform --help` lists them in this order.
from liftform.cli import single, batch, live  # noqa: F401, E402
# isort: on

__all__ = ["app", "main"]


def main() -> None:  # pragma: no cover - console entry point
    try:
        app()
    finally:
        # Everything is written by now. The interpreter's last collection at exit would walk every object of
        # mediapipe, OpenCV, PyAV and the analysis (~80 of a one-video run's ~130 ms of exit): leave them out of it.
        gc.freeze()
