"""Ctrl-C and SIGTERM held back while something must not be cut in two (`liftform.interrupts`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest

from liftform.interrupts import TERMINATED_EXIT, signals_deferred


def test_a_ctrl_c_inside_the_block_waits_for_its_end_or_is_dropped():
    done = []
    with pytest.raises(KeyboardInterrupt):
        with signals_deferred():
            os.kill(os.getpid(), signal.SIGINT)          # as a second Ctrl-C pressed while a folder is swapped
            done.append("the block ran to its end")
    assert done == ["the block ran to its end"]
    with signals_deferred(deliver=False):                 # a stopped live session being saved
        os.kill(os.getpid(), signal.SIGINT)
        done.append("saved")
    assert done[-1] == "saved" and signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_sigterm_inside_the_block_reaches_the_handler_after_it():
    received = []
    previous = signal.signal(signal.SIGTERM, lambda signum, _frame: received.append(signum))
    try:
        with signals_deferred():
            os.kill(os.getpid(), signal.SIGTERM)          # a batch worker told to stop mid-swap
            assert received == []
        assert received == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_outside_the_main_thread_nothing_is_changed():
    seen = []
    thread = threading.Thread(target=lambda: seen.append(_handlers_inside()))
    thread.start()
    thread.join()
    assert seen == [(signal.default_int_handler, signal.getsignal(signal.SIGTERM))]


def _handlers_inside():
    with signals_deferred():
        return signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)


def test_sigterm_stops_a_command_as_ctrl_c_does(tmp_path):
    """`timeout`, a scheduler or a service manager stops a job with SIGTERM: the command had died at once, silently
    (no line, no summary of the videos done, a live session unsaved, temporary files left)."""
    script = (
        "import sys, time\n"
        "from liftform import pipeline\n"
        "from liftform.cli import main\n"
        "def analysing(*args, **kwargs):\n"
        "    print('analysing', flush=True)\n"
        "    time.sleep(60)\n"
        "pipeline.analyze_video = analysing\n"
        "sys.argv = ['liftform', 'analyze', '--quiet', sys.argv[1], '-o', sys.argv[2]]\n"
        "main()\n")
    video = tmp_path / "lift.mp4"
    video.write_bytes(b"not decoded: stopped first")
    command = subprocess.Popen([sys.executable, "-c", script, str(video), str(tmp_path / "out")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert command.stdout.readline() == "analysing\n"
        command.send_signal(signal.SIGTERM)
        _, stderr = command.communicate(timeout=30)
    finally:
        command.kill()
    assert command.returncode == TERMINATED_EXIT == 143
    assert stderr.strip() == "interrupted before any video was finished: nothing was written"


# A command held where the signal is to come: printing "ready" first. {hold} is the code that holds it.
STOPPED_EARLY = """
import importlib.abc, signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)    # as in a terminal, whatever ran this test
signal.signal(signal.SIGHUP, signal.SIG_DFL)     # ... and not under `nohup`, where liftform keeps SIGHUP ignored
{hold}
from liftform.__main__ import main
sys.argv = ["liftform", *sys.argv[1:]]
main()
"""
HELD_IN_IMPORT = """
class HeldImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "liftform.cli":
            print("ready", flush=True)
            time.sleep(60)
sys.meta_path.insert(0, HeldImport())
"""
HELD_IN_SETTINGS = """
import liftform.cli.single
def held(*args, **kwargs):
    print("ready", flush=True)
    time.sleep(60)
liftform.cli.single.settings_from = held
"""


@pytest.mark.parametrize("hold", [HELD_IN_IMPORT, HELD_IN_SETTINGS], ids=["importing", "settings"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["ctrl-c", "sigterm", "sighup"])
def test_a_command_stopped_before_its_own_handling_says_so_in_one_line(tmp_path, hold, signum):
    """Stopped while the command line was imported (its first half second), a command printed a traceback of the
    import machinery; stopped later but before the command's own handling of it (its imports, its settings), it
    ended with 130 and nothing said. Both now say "interrupted by Ctrl-C" (or SIGTERM), with 130 (143)."""
    command = subprocess.Popen([sys.executable, "-c", STOPPED_EARLY.format(hold=hold), "analyze", "lift.mp4"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert command.stdout.readline() == "ready\n"
        command.send_signal(signum)
        _, stderr = command.communicate(timeout=30)
    finally:
        command.kill()
    said = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
    assert (command.returncode, stderr) == (128 + signum, f"interrupted by {said}\n")


def test_a_hangup_stops_a_command_as_ctrl_c_does_unless_it_is_ignored():
    """The terminal closed (or an ssh connection lost) sends SIGHUP: a live session had died with it, unsaved. It is
    taken as a Ctrl-C, as SIGTERM is; under `nohup` (SIGHUP ignored, the command to outlive its terminal) it stays
    ignored."""
    from liftform.interrupts import _terminated, terminate_as_interrupt

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        terminate_as_interrupt()
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGHUP)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        terminate_as_interrupt()
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
    finally:
        _terminated.clear()                  # this process was not stopped: other tests read it
        for sig, handler in before.items():
            signal.signal(sig, handler)
