"""The local engine: a pool of worker processes on this machine, one video at a time per worker.

Why not ``concurrent.futures.ProcessPoolExecutor``: when one of its workers dies (a segfault in native code),
the whole pool breaks and every video in flight fails with it, with no way to tell which one killed it. Here
each worker is a ``spawn``-ed process with its own pipe, so the driver always knows which video a worker
holds: if the worker dies, that video (and only it) is recorded as failed and a fresh worker takes the next
one.

Workers ignore SIGINT (Ctrl-C reaches the whole process group): the driver decides. On KeyboardInterrupt in
the driver, busy workers get SIGTERM, which they turn into SystemExit so atomic writes remove their temporary
files; finished videos keep their results. A driver killed outright (SIGKILL, the OOM killer) cannot tell them:
the kernel sends each worker SIGTERM as its driver dies (Linux, `_stop_with_driver`). A worker takes the first
SIGTERM only: another would cut short the unwinding it began (`_terminate`).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from liftform.batch.jobs import Job, JobSpec, run_job
from liftform.batch.summary import SummaryRow, failed_row
from liftform.cpus import pin_to_cpu, usable_cpu_count, usable_cpus
from liftform.errors import LiftformError
from liftform.interrupts import ctrl_c_ignored

# job_fn(job, spec, out_dir) -> row: what a worker runs (tests swap in a crashing one).
JobFn = Callable[[Job, JobSpec, Path], SummaryRow]
OnRow = Callable[[Job, SummaryRow], None]

STOP_GRACE_S = 5.0   # how long a worker gets to exit after SIGTERM before it is killed
# A fresh worker imports liftform (and the pose library) before it starts its first video: that start-up, seconds on
# a busy machine, does not count against --timeout. The clock starts when the worker says it has the job (STARTED);
# a worker that never gets there is given this long beyond the limit.
WORKER_START_GRACE_S = 60.0
STARTED = "started"
# The longest one wait for the workers, the loop waking to wait again: the operating system's wait takes at most
# ~24.8 days, and a longer --timeout (1e9, inf) had ended the batch in an OverflowError.
MAX_WAIT_S = 3600.0


# Memory one worker may need: a 4K clip peaks at ~0.9 GB per process (frames shrunk as decoded, annotated video
# at most 1280 px), a phone clip at ~0.35 GB. One worker per CPU, but no more than the free memory holds.
WORKER_MEMORY_MB = 1000


def default_workers() -> int:
    """One per CPU this process may run on (`cpus.usable_cpu_count`), but no more than the available memory holds
    at :data:`WORKER_MEMORY_MB` each; at least 1."""
    n_cpus = usable_cpu_count()
    available = available_memory_mb()
    by_memory = n_cpus if available is None else available // WORKER_MEMORY_MB
    return max(1, min(n_cpus, by_memory))


def more_than_runs_well(workers: int) -> str:
    """Why ``workers`` (an explicit ``-j``) is more than this machine scores well at once, in words ("" where it is
    not): more than its usable CPUs, the workers take turns on them, each with its own MediaPipe graph and threads,
    none pinned (`pinning_cpus`): measured on 2 busy cores, 4 sample clips with ``-j 4`` took 11 % more CPU than
    with ``-j 2`` (27.1-27.9 against 24.0-25.0 CPU s over three alternating rounds), the wall time no shorter;
    more than the free memory holds at :data:`WORKER_MEMORY_MB` each, a worker may be killed for memory."""
    n_cpus, available = usable_cpu_count(), available_memory_mb()
    why = []
    if workers > n_cpus:
        why.append(f"{workers} workers on {n_cpus} CPU(s) take turns on them, so the batch is no faster than with "
                   f"-j {n_cpus} and spends more CPU (each worker runs its own pose model)")
    if available is not None and workers * WORKER_MEMORY_MB > available:
        why.append(f"{workers} workers may need up to {workers * WORKER_MEMORY_MB / 1000:.0f} GB of memory and "
                   f"{available / 1000:.1f} GB is free")
    return "; ".join(why)


def pinning_cpus(n_workers: int) -> list[int] | None:
    """The CPUs to pin the workers to, one each, or None to leave them to the scheduler.

    Pinned only when there is one worker per usable CPU: each worker then keeps MediaPipe's threads, its decoder's
    and its own on one core, and its model's weights in that core's cache. Measured on 2 cores (the samples, two
    workers, unpinned and pinned in turn): 8-12 % more frames a second, 6-9 % less CPU a frame; `score -j 2` 7-8 %
    less wall time. With fewer workers than CPUs a worker's threads may use a spare core; with more, the scheduler
    balances them."""
    cpus = usable_cpus()
    return cpus if cpus and n_workers == len(cpus) and n_workers > 1 else None


def available_memory_mb() -> int | None:
    """MemAvailable of /proc/meminfo in MB (None where unknown: not Linux)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _score_into(job: Job, spec: JobSpec, out_dir: Path) -> SummaryRow:
    return run_job(job, spec, out_dir)


TERMINATED_EXIT = 143     # 128 + SIGTERM


def _terminate(_signum, _frame) -> None:
    """A worker's SIGTERM (the driver stopping it: Ctrl-C, a time limit): unwind, so its staging folder is removed
    (`outputs.staging`), and exit. Where the handler runs inside an object's ``__del__`` (MediaPipe's landmarker,
    freed at any point) Python swallows the SystemExit and prints "Exception ignored in ... Traceback" on the user's
    terminal under the batch's "interrupted" line, the worker going on until killed `STOP_GRACE_S` later: from here
    on such an exit ends the process at once, and no traceback of its teardown is printed (what it leaves in OUT is
    put right by the next write, `staging.recover_folder`).

    Taken once, later SIGTERMs ignored: each would raise again inside the unwinding the first began, where one that
    landed in `atomic_path`'s removal of its temporary file left the file. A worker gets several when its driver is
    killed outright (the kernel sends the parent-death signal each time the worker is handed on: to each of the
    driver's threads as they die, NumPy's and OpenCV's BLAS pools, a progress bar, then to init), and when a SIGTERM
    to the whole process group reaches it besides its driver's."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.unraisablehook = _exit_unraised
    raise SystemExit(TERMINATED_EXIT)


def _exit_unraised(unraisable) -> None:
    """`sys.unraisablehook` of a terminated worker: an exit raised where Python cannot raise it ends the process; the
    rest (a ``__del__`` failing in the teardown) is not the user's to read."""
    if isinstance(unraisable.exc_value, (SystemExit, KeyboardInterrupt)):
        os._exit(TERMINATED_EXIT)


def _limit_threads(threads: int) -> None:
    """Keep each worker to ``threads`` OpenCV threads (resizing, drawing): a core per worker is the plan."""
    try:
        import cv2

        cv2.setNumThreads(threads)
    except Exception:  # pragma: no cover - cv2 missing or without the call: nothing to limit
        pass


M_ARENA_MAX = -8     # glibc mallopt parameter
WORKER_ARENAS = 2    # malloc arenas per worker (glibc's default, 8 per core, let RSS creep up by ~50%)


def limit_malloc_arenas(arenas: int = WORKER_ARENAS) -> None:
    """Cap glibc's malloc arenas in this process. MediaPipe starts fresh threads for every video, and each may
    get its own arena: measured, a worker's RSS crept from 250 to 440 MB over its first videos with the
    default and stayed near 300 MB with 2, at the same speed. A no-op where glibc is absent."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, arenas)
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


PR_SET_PDEATHSIG = 1    # Linux prctl(2): the signal this process gets when its parent dies


def _stop_with_driver(driver_pid: int) -> None:
    """Have the kernel send this worker SIGTERM when its driver dies (Linux; elsewhere nothing). A driver killed
    with SIGKILL had left its workers scoring on unseen for as long as their videos took (competing with a run
    started again, writing into the same folders), each then ending in a BrokenPipeError traceback."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() != driver_pid:      # it died before the request was made
        raise SystemExit(143)


def _worker_main(conn, spec: JobSpec, out_root: str, job_fn: JobFn, threads: int, cpu: int | None,
                 driver_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminate)
    _stop_with_driver(driver_pid)
    pin_to_cpu(cpu)    # before the pose library starts its threads: they inherit it
    limit_malloc_arenas()
    _limit_threads(threads)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):   # the driver is gone
            return
        if job is None:
            return
        try:
            conn.send(STARTED)
            conn.send(job_fn(job, spec, Path(out_root) / job.output))
        except OSError:               # the driver is gone (its result, if written, is in its folder)
            return


class _Worker:
    """One worker process, its end of the pipe, the CPU it is pinned to (None: not pinned) and the job it holds
    (None when idle)."""

    def __init__(self, ctx, spec: JobSpec, out_root: Path, job_fn: JobFn, threads: int, cpu: int | None) -> None:
        self.conn, child = ctx.Pipe()
        self.cpu = cpu
        self.process = ctx.Process(target=_worker_main,
                                   args=(child, spec, str(out_root), job_fn, threads, cpu, os.getpid()),
                                   daemon=True, name="liftform-worker")
        # Born ignoring Ctrl-C: a spawned worker imports liftform for a second or more before `_worker_main` can
        # ignore it, and a Ctrl-C then (it reaches the whole process group) printed the worker's traceback under the
        # driver's one line. The driver's own Ctrl-C in the few ms of the start is lost: pressed again, it stops.
        with ctrl_c_ignored():
            self.process.start()
        child.close()
        self.job: Job | None = None
        self.given_at = 0.0   # time.monotonic() when the current job was given, then when the worker started it
        self.started = False  # the worker has said it started the current job

    def give(self, job: Job) -> None:
        self.job, self.given_at, self.started = job, time.monotonic(), False
        self.conn.send(job)

    def deadline(self, timeout_s: float) -> float:
        """When the current job is past the time limit (start-up not counted, see WORKER_START_GRACE_S)."""
        return self.given_at + timeout_s + (0.0 if self.started else WORKER_START_GRACE_S)

    def stop(self) -> None:
        """Ask an idle worker to exit; terminate a busy one (SIGTERM)."""
        if not self.process.is_alive():
            return
        if self.job is None:
            try:
                self.conn.send(None)
            except OSError:
                self.process.terminate()
        else:
            self.process.terminate()


def _crash_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        how = f"was killed by {name}"
        if -exitcode == signal.SIGKILL:
            how += " (out of memory?)"
    else:
        how = f"exited with status {exitcode}"
    return (f"the worker process {how} while scoring this video; the file may be damaged or trip a bug in a "
            "native library: try it alone with `liftform analyze`")


def _timeout_reason(timeout_s: float) -> str:
    return (f"scoring took longer than the time limit of {timeout_s:g} s per video (--timeout), so its worker was "
            "stopped; the file may make a decoder hang: try it alone with `liftform analyze`, or raise --timeout "
            "for very long videos")


def run_local(jobs: Iterable[Job], spec: JobSpec, out_root: str | Path, on_row: OnRow, *,
              workers: int | None = None, job_fn: JobFn = _score_into, threads_per_worker: int = 1,
              timeout_s: float | None = None) -> None:
    """Score ``jobs`` (pulled lazily, one per free worker) with ``workers`` processes; ``on_row(job, row)`` in
    the driver as each video finishes. Every job gets exactly one row, crashes included. A video still being
    scored after ``timeout_s`` seconds (None: no limit) has its worker killed and gets a failed row; a fresh
    worker takes the next video. KeyboardInterrupt (also when raised by ``on_row``) stops the workers and
    propagates; rows already delivered stand.
    """
    out_root = Path(out_root)
    n_workers = max(1, workers or default_workers())
    cpus = pinning_cpus(n_workers)
    ctx = multiprocessing.get_context("spawn")   # no fork: the driver may hold threads (progress bar)
    pending: Iterator[Job] = iter(jobs)
    pool: list[_Worker] = []
    exhausted = False
    try:
        while True:
            idle = [w for w in pool if w.job is None]
            while not exhausted and (idle or len(pool) < n_workers):
                job = next(pending, None)
                if job is None:
                    exhausted = True
                    break
                worker = idle.pop() if idle else _start_worker(pool, ctx, spec, out_root, job_fn,
                                                               threads_per_worker, cpus)
                try:
                    worker.give(job)
                except OSError:   # it died while idle (OOM killer...): replace it, the job has not started
                    _drop(worker, pool)
                    _start_worker(pool, ctx, spec, out_root, job_fn, threads_per_worker, cpus).give(job)
            busy = [w for w in pool if w.job is not None]
            if not busy:
                return
            waitables = [w.conn for w in busy] + [w.process.sentinel for w in busy]
            wait_s = None if timeout_s is None else min(MAX_WAIT_S, max(
                0.0, min(w.deadline(timeout_s) for w in busy) - time.monotonic()))
            ready = set(multiprocessing.connection.wait(waitables, timeout=wait_s))
            for worker in busy:
                _collect(worker, ready, pool, on_row)
            if timeout_s is not None:
                for worker in [w for w in pool if w.job is not None
                               and time.monotonic() >= w.deadline(timeout_s)]:
                    job, worker.job = worker.job, None
                    _drop(worker, pool)    # kills it: a hung decoder does not answer SIGTERM reliably
                    on_row(job, failed_row(job.summary_path, job.output, _timeout_reason(timeout_s)))
    finally:
        _shutdown(pool)


def _start_worker(pool: list[_Worker], ctx, spec: JobSpec, out_root: Path, job_fn: JobFn,
                  threads: int, cpus: list[int] | None) -> _Worker:
    """A new worker in ``pool``, pinned to the first of ``cpus`` no live worker holds (a replacement takes the
    CPU of the worker it replaces)."""
    held = {w.cpu for w in pool}
    cpu = next((c for c in cpus if c not in held), None) if cpus else None
    try:
        worker = _Worker(ctx, spec, out_root, job_fn, threads, cpu)
    except OSError as exc:
        raise LiftformError(f"cannot start a worker process ({exc.strerror or exc}); "
                            "try fewer --workers") from None
    pool.append(worker)
    return worker


def _drop(worker: _Worker, pool: list[_Worker]) -> None:
    pool.remove(worker)
    worker.conn.close()
    if worker.process.is_alive():
        worker.process.kill()
    worker.process.join(STOP_GRACE_S)


def _collect(worker: _Worker, ready: set, pool: list[_Worker], on_row: OnRow) -> None:
    """Deliver the row of a worker that answered, or a failed row if it died (and drop it from the pool)."""
    job = worker.job
    if job is None:
        return
    if worker.conn in ready or worker.conn.poll():
        try:
            row = worker.conn.recv()
        except (EOFError, OSError):
            row = None
        if row == STARTED:   # the clock starts now; the row comes later
            worker.started, worker.given_at = True, time.monotonic()
            return
        if row is not None:
            worker.job = None
            on_row(job, row)
            return
    elif worker.process.sentinel not in ready:
        return
    worker.process.join(STOP_GRACE_S)
    worker.job = None
    _drop(worker, pool)
    on_row(job, failed_row(job.summary_path, job.output, _crash_reason(worker.process.exitcode)))


def _shutdown(pool: list[_Worker]) -> None:
    for worker in pool:
        worker.stop()
    deadline = time.monotonic() + STOP_GRACE_S
    for worker in pool:
        worker.process.join(max(0.0, deadline - time.monotonic()))
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(1.0)
        worker.conn.close()
