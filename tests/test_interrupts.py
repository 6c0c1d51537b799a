"""Ctrl-C and SIGTERM held back while something must not be cut in two (`liftform.interrupts`)."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from liftform.interrupts import signals_deferred


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
