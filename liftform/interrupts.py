"""Ctrl-C (SIGINT) and SIGTERM held back while something must not be cut in two: a result folder's swap, a stopped
live session being saved, the models being closed at exit; SIGTERM taken as a Ctrl-C by the command line, and kept
so where a library sets its own (`handlers_kept`); both noted for a loop, where Python may drop the
KeyboardInterrupt they raise (`interrupts_noted`); and worker processes born ignoring Ctrl-C.

Python runs signal handlers in the main thread only, whichever thread the signal reaches, so a thread's signal
mask cannot hold one back (MediaPipe's and the decoders' threads leave SIGINT unblocked, and a Ctrl-C they take
still raises KeyboardInterrupt in the main thread); the handlers themselves are swapped for the block. Elsewhere
than in the main thread this does nothing: no handler runs there to cut the block short.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator

# The terminal closed (or an ssh connection lost) hangs up: SIGHUP, where the system has one (not on Windows)
HANGUP: tuple[signal.Signals, ...] = (signal.SIGHUP,) if hasattr(signal, "SIGHUP") else ()
HELD = (signal.SIGINT, signal.SIGTERM, *HANGUP)
INTERRUPTED_EXIT = 128 + signal.SIGINT    # the command line's exit status when stopped by Ctrl-C (130)
TERMINATED_EXIT = 128 + signal.SIGTERM    # ... and by SIGTERM (143), as a shell reports a process it ended
_terminated: list[int] = []               # the SIGTERMs (and SIGHUPs) received since `terminate_as_interrupt`


class AnalysisKept(KeyboardInterrupt):
    """An interrupt (Ctrl-C, SIGTERM) that came once a video's analysis was done, while its views (annotated video,
    report) were drawn: the analysis was kept in ``folder`` (`pipeline.save_result`), as `--no-video --no-report`
    writes it, with the annotated video where it was finished."""

    def __init__(self, folder) -> None:
        super().__init__(str(folder))
        self.folder = folder


def terminate_as_interrupt() -> None:
    """From now on SIGTERM (`timeout`, a scheduler or service manager stopping the job, `kill`) stops this process as
    Ctrl-C does: KeyboardInterrupt, so what is done is kept, temporary files are removed and one line says so. With
    Python's default the process died at once, silently: no summary of the videos done, a live session unsaved.
    So does SIGHUP (the terminal closed, an ssh connection lost: a live session had been lost whole), unless it is
    ignored (`nohup`: the command is to outlive its terminal)."""
    _terminated.clear()
    signal.signal(signal.SIGTERM, _interrupt)
    for hangup in HANGUP:
        if signal.getsignal(hangup) == signal.SIG_DFL:
            signal.signal(hangup, _interrupt)


def _interrupt(signum, _frame) -> None:
    _terminated.append(signum)
    raise KeyboardInterrupt


def was_terminated() -> bool:
    """A SIGTERM (or SIGHUP) was taken as a Ctrl-C (`terminate_as_interrupt`)."""
    return bool(_terminated)


def stop_signal() -> str:
    """What stopped the command, in the words its line says: "SIGTERM", "SIGHUP" or "Ctrl-C"."""
    if not was_terminated():
        return "Ctrl-C"
    return signal.Signals(_terminated[0]).name if _terminated else "SIGTERM"


def stopped_exit() -> int:
    """The exit status of a command so stopped, as a shell reports a process the signal ended: 130 for Ctrl-C, 143
    for SIGTERM, 129 for SIGHUP."""
    return 128 + _terminated[0] if _terminated else INTERRUPTED_EXIT


@contextlib.contextmanager
def signals_deferred(*, deliver: bool = True) -> Iterator[None]:
    """SIGINT and SIGTERM that arrive during the block wait for its end: then the handlers before it are put back
    and each signal received is raised again for them (``deliver``), or dropped where the block is itself the way
    out (a stopped live session being saved: a second Ctrl-C must not lose it)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {sig: signal.getsignal(sig) for sig in HELD}
    for sig in HELD:
        signal.signal(sig, lambda signum, _frame: received.append(signum))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        if deliver:
            for signum in dict.fromkeys(received):
                signal.raise_signal(signum)


@contextlib.contextmanager
def ctrl_c_ignored() -> Iterator[None]:
    """SIGINT ignored (SIG_IGN) during the block, in the main thread: a process started in it is born ignoring Ctrl-C,
    the disposition being inherited through exec (a Python handler is not) and kept by Python. A Ctrl-C that comes
    during the block is lost. Elsewhere than in the main thread this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)


@contextlib.contextmanager
def interrupts_noted() -> Iterator[Callable[[], bool]]:
    """Within the block SIGINT and SIGTERM still raise as their handlers do, and are noted too: the block's
    ``noted()`` tells a loop it was interrupted where the raise was lost. A handler runs at whatever line the main
    thread is on, and where that is an object's ``__del__`` (MediaPipe's images, freed by the collector at any point)
    Python prints "Exception ignored" and drops the KeyboardInterrupt: a live session had played on to its end after
    a SIGTERM. Only in the main thread (elsewhere ``noted()`` stays False: no handler runs there)."""
    noted: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    previous = {sig: signal.getsignal(sig) for sig in HELD}

    def note(signum, frame) -> None:
        noted.append(signum)
        previous[signum](signum, frame)

    for sig, handler in previous.items():
        if callable(handler):                 # (an ignored or default signal stays as it is)
            signal.signal(sig, note)
    try:
        yield lambda: bool(noted)
    finally:
        for sig, handler in previous.items():
            if callable(handler):
                signal.signal(sig, handler)


@contextlib.contextmanager
def handlers_kept() -> Iterator[None]:
    """The SIGINT and SIGTERM handlers of before the block set again after it: a library that sets its own there
    must not take them from the command line (``ray.init`` sets SIGTERM to ``sys.exit``, and its C++ core adds a
    handler printing "*** SIGTERM received" with a stack dump: a Ray batch stopped by SIGTERM ended with exit 1 and
    no word of the videos done, not as a Ctrl-C). Setting a handler again also takes the signal back from a C one.
    A SIGTERM in the block that the library's handler made ``SystemExit(SIGTERM)`` is handed to the handler of
    before (it had exited with status 15, unsaid). Only in the main thread (elsewhere this does nothing)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in HELD}
    try:
        yield
    except SystemExit as exc:
        if exc.code != signal.SIGTERM or not callable(ours := previous[signal.SIGTERM]):
            raise
        ours(signal.SIGTERM, None)     # the command line's: KeyboardInterrupt, noted as a SIGTERM
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
