"""The Ray engine's driver side, with a stand-in for the ``ray`` module (the quick lane has no Ray): what it does
when interrupted, what a failed task's row says, and what it keeps of a task's files."""

from __future__ import annotations

import os
import signal

import pytest

from liftform.batch import ray_engine
from liftform.batch.jobs import Job, JobSpec
from liftform.batch.summary import SummaryRow
from liftform.settings import Settings


class _Ref:
    def __init__(self, args) -> None:
        self.args = args


class _Task:
    def __init__(self, fn) -> None:
        self.fn = fn

    def remote(self, *args) -> _Ref:
        return _Ref(args)


class DriverRay:
    """Stands in for ``ray`` in the driver: tasks are run when ``get`` asks for their result; ``calls`` records
    cancel and shutdown; ``on_cancel`` / ``on_shutdown`` run in them (a second Ctrl-C there)."""

    class exceptions:  # noqa: N801 - as ray.exceptions
        RayError = RuntimeError

    def __init__(self, run=None) -> None:
        self.calls: list[str] = []
        self.run = run
        self.on_cancel = self.on_shutdown = lambda: None

    def is_initialized(self) -> bool:
        return False

    def init(self, address=None, **kwargs) -> None:
        self.calls.append("init")

    def remote(self, **options):
        return _Task

    def put(self, value) -> str:
        return "model"

    def cluster_resources(self) -> dict:
        return {"CPU": 2}

    def wait(self, refs, num_returns=1):
        return refs[:num_returns], refs[num_returns:]

    def get(self, ref):
        return self.run(*ref.args)

    def cancel(self, ref, force=False) -> None:
        self.calls.append("cancel")
        self.on_cancel()
        self.calls.append("cancelled")

    def shutdown(self) -> None:
        self.calls.append("shutdown")
        self.on_shutdown()
        self.calls.append("shut down")


def _jobs(tmp_path, n: int) -> list[Job]:
    jobs = []
    for i in range(n):
        path = tmp_path / f"lift{i}.mp4"
        path.write_bytes(b"video bytes")
        jobs.append(Job(i, str(path), f"lift{i}", str(path)))
    return jobs


def _spec(tmp_path) -> JobSpec:
    model = tmp_path / "pose_landmarker_full.task"
    model.write_bytes(b"model")
    return JobSpec(Settings(), str(model), "ab" * 32)


def test_a_second_ctrl_c_while_ray_is_left_waits_for_it(tmp_path, monkeypatch):
    """Ctrl-C, then Ctrl-C again while the tasks were cancelled and the driver left Ray: the second cut the
    shutdown short, the driver stayed connected, and a cancelled task's late reply made Ray's C++ end the process
    (`Check failed: Tried to complete task that was not pending`, exit status 1 instead of 130)."""
    fake = DriverRay()
    monkeypatch.setattr(ray_engine, "import_ray", lambda: fake)
    monkeypatch.setattr(ray_engine, "_reload_ray_config", lambda: None)
    fake.on_cancel = fake.on_shutdown = lambda: os.kill(os.getpid(), signal.SIGINT)

    def on_row(job, row):
        raise KeyboardInterrupt            # the first Ctrl-C, as the first video comes back

    fake.run = lambda job, *_: (SummaryRow(path=job.summary_path, output=job.output, status="ok"), {})
    with pytest.raises(KeyboardInterrupt):
        ray_engine.run_ray(_jobs(tmp_path, 4), _spec(tmp_path), tmp_path / "out", on_row, address="127.0.0.1:6379")
    assert fake.calls == ["init", *["cancel", "cancelled"] * 3, "shutdown", "shut down"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
