"""A local Ray instance this run starts (``ray.init`` without an address): started whole, a Ctrl-C or SIGTERM held
back until ``ray.init`` returns, and stopped whole, every process it started (`LocalRay`).

``ray.init`` starts the GCS, the raylet, the dashboard and log monitors as children of this process, and the raylet
starts its agents (DashboardAgent, RuntimeEnvAgent) and workers. Cut short by a Ctrl-C or SIGTERM (the first seconds
of a batch), it kept no handle on them for ``ray.shutdown``: the kernel killed its children as this process exited
(Ray's fate sharing, Linux's ``PR_SET_PDEATHSIG``), the raylet before it could stop its agents, which ran on orphaned
for 60 s (two Python processes on a 2-core machine's CPUs); and at an unlucky point Ray hung for good (a SIGTERM's
``SystemExit`` in the C++ of its GCS connection: a destructor waiting on a lock forever). ``ray.shutdown`` also gives
the raylet 1 s to stop its children before it kills it, which a loaded machine can miss the same way.

The processes are found in this process's tree: its children that appeared since Ray was asked to start and run one
of Ray's own programs (a path under Ray's package folder), with all their descendants. A Ray instance this process
did not start (another address, one a caller initialised, another program's) is never among them.
"""

from __future__ import annotations

import contextlib
import os
import threading

from liftform.interrupts import signals_deferred

STOP_WAIT_S = 3.0   # how long the processes killed may take to be gone (a raylet unmapping its object store)


def _psutil():
    """psutil: Ray's own copy (``ray/thirdparty_files``, on ``sys.path`` once ``ray`` is imported) or one installed;
    None without either (a stand-in for ray in the tests)."""
    try:
        import psutil
    except ImportError:
        return None
    return psutil


class LocalRay:
    """A local Ray instance: ``start`` it, ``stop`` it (also after a ``start`` cut short or failed)."""

    def __init__(self, ray) -> None:
        self.ray = ray
        self.psutil = _psutil()
        where = getattr(ray, "__file__", None)
        self.ray_dir = os.path.dirname(os.path.abspath(where)) + os.sep if where else None
        self.before = set(self._children())
        self.released = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self, **kwargs) -> None:
        """``ray.init(**kwargs)`` run to its end: a Ctrl-C or SIGTERM meanwhile waits for it (seconds), then is raised
        as it would have been (`interrupts.signals_deferred`), for ``stop`` to find an instance whole. Its exception,
        if any, is raised here.

        On a thread of its own, which lives on until ``stop``: on the main thread ``ray.init`` sets SIGTERM to
        ``sys.exit`` as it begins (elsewhere it sets none), which would cut it short all the same; and the kernel kills
        a process's children when the thread that started them ends (``PR_SET_PDEATHSIG``)."""
        started = threading.Event()
        failed: list[BaseException] = []

        def run() -> None:
            try:
                self.ray.init(**kwargs)
            except BaseException as exc:      # handed to the calling thread
                failed.append(exc)
            finally:
                started.set()
            self.released.wait()

        self.thread = threading.Thread(target=run, name="liftform-ray", daemon=True)
        with signals_deferred():
            self.thread.start()
            started.wait()
        if failed:
            raise failed[0]

    def _children(self) -> list:
        if self.psutil is None or self.ray_dir is None:
            return []
        with contextlib.suppress(self.psutil.Error):
            return self.psutil.Process().children()
        return []

    def _runs_ray(self, process) -> bool:
        with contextlib.suppress(self.psutil.Error):
            return any(arg.startswith(self.ray_dir) for arg in process.cmdline())
        return False

    def processes(self) -> list:
        """The instance's processes still there: this process's children that appeared since this was made and run
        Ray's programs, and their descendants (psutil.Process each: compared by pid and start, so a pid used again
        is not taken for one of them)."""
        ours = [child for child in self._children() if child not in self.before and self._runs_ray(child)]
        tree = list(ours)
        for process in ours:
            with contextlib.suppress(self.psutil.Error):
                tree.extend(process.children(recursive=True))
        return tree

    def stop(self) -> None:
        """``ray.shutdown()``, then what is left of the instance killed (`_kill`): a raylet ``ray.shutdown`` killed
        after its 1 s leaves its agents. The tree is taken first: once the raylet is gone they are no longer in it.
        Then the thread that started it ends."""
        tree = self.processes()
        try:
            self.ray.shutdown()
        finally:
            if tree:
                _kill(self.psutil, [*tree, *self.processes()])
            self.released.set()
            if self.thread is not None:
                self.thread.join()


def _kill(psutil, processes: list) -> None:
    """Kill ``processes`` and every process they started (SIGKILL: what ``ray.shutdown`` let end on SIGTERM is gone
    already). Each is first stopped (SIGSTOP) and only then are its children looked for, so that none starts another
    unseen meanwhile (the raylet starts agents and workers)."""
    stopped: set = set()
    found = set(processes)
    while found:
        for process in found:
            with contextlib.suppress(psutil.Error):
                process.suspend()
                stopped.add(process)
        children: set = set()
        for process in found & stopped:
            with contextlib.suppress(psutil.Error):
                children.update(process.children())
        found = children - stopped
    for process in stopped:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(stopped, timeout=STOP_WAIT_S)
