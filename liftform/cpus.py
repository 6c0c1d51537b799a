"""The CPUs this process may use, and keeping a process on one of them (Linux; elsewhere nothing is pinned)."""

from __future__ import annotations

import os


def usable_cpus() -> list[int] | None:
    """The CPUs this process may run on (``sched_getaffinity``, which honours taskset and container limits), None
    where the platform cannot tell (macOS, Windows)."""
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - macOS, Windows
        return None


def usable_cpu_count() -> int:
    """How many CPUs this process may run on (``os.cpu_count()`` where the platform cannot tell); at least 1."""
    cpus = usable_cpus()
    return len(cpus) if cpus else (os.cpu_count() or 1)


def pose_threads() -> int:
    """Threads for the pose stage of one video: up to 2 (it is cut in two halves), never more than the CPUs this
    process may use. Batch workers run one video per CPU and pass 1."""
    return max(1, min(2, usable_cpu_count()))


def pin_to_cpu(cpu: int | None) -> None:
    """Run this process (and every thread it starts from now on) on ``cpu`` only; nothing where ``cpu`` is None
    or the platform refuses."""
    if cpu is None:
        return
    try:
        os.sched_setaffinity(0, {cpu})
    except (AttributeError, OSError, ValueError):  # pragma: no cover - not Linux, or the CPU went offline
        pass
