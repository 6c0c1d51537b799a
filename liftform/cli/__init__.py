"""The command line. It parses arguments, shows progress and results, maps errors to exit codes, and calls the
library for everything else. Exit codes: 0 the job ran (whatever the verdict), 1 an input could not be analysed,
2 bad usage, 130 interrupted (Ctrl-C), 143 stopped by SIGTERM (which is taken as a Ctrl-C).

Modules: ``common`` (the app, consoles, options, progress bars), ``show`` (printing results), ``single`` (analyze,
report, screen, models, config), ``batch`` (score, rescore), ``live``.
"""

import gc
import os
import sys

from liftform.cli.common import app, err, shown
from liftform.interrupts import INTERRUPTED_EXIT, TERMINATED_EXIT, terminate_as_interrupt, was_terminated

# isort: off
# Each registers its commands on the app; `liftform --help` lists them in this order.
from liftform.cli import single, batch, live  # noqa: F401, E402
# isort: on

__all__ = ["app", "main"]


def _file_read_as_options(args: list[str]) -> str | None:
    """The first of a command's ``args`` that names a file or folder starting with "-" where it would be read as
    options, not as a file: `liftform analyze -clip.mp4` had failed as "config file not found: lip.mp4" (-c lip.mp4).
    None where there is none, or it is an option's value (``-o -out``) or follows ``--``."""
    import typer

    if not any(arg.startswith("-") and not arg.startswith("--") and os.path.lexists(arg) for arg in args[1:]):
        return None          # the usual case: nothing to look up
    command = getattr(typer.main.get_command(app), "commands", {}).get(args[0] if args else "")
    if command is None:
        return None
    takes_value = {name for param in command.params if param.param_type_name == "option" and not param.is_flag
                   for name in param.opts}
    for previous, arg in zip(args, args[1:], strict=False):
        if arg == "--":
            return None
        if arg.startswith("-") and not arg.startswith("--") and previous not in takes_value and os.path.lexists(arg):
            return arg
    return None


def main() -> None:  # pragma: no cover - console entry point
    terminate_as_interrupt()
    if (dashed := _file_read_as_options(sys.argv[1:])) is not None:
        err.print(f"[bold red]error:[/] {shown(dashed)} would be read as options, not as a file: write "
                  f"{shown(os.path.join('.', dashed))}, or put -- before it", soft_wrap=True)
        raise SystemExit(2)
    try:
        app()
    except SystemExit as exc:       # a command stopped by SIGTERM says so to whatever sent it, as a killed one would
        if exc.code == INTERRUPTED_EXIT and was_terminated():
            raise SystemExit(TERMINATED_EXIT) from None
        raise
    finally:
        # Everything is written by now. The interpreter's last collection at exit would walk every object of
        # mediapipe, OpenCV, PyAV and the analysis (~80 of a one-video run's ~130 ms of exit): leave them out of it.
        gc.freeze()
