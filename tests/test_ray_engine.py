"""The Ray engine's driver side, with a stand-in for the ``ray`` module (the quick lane has no Ray): what it does
when interrupted, what a failed task's row says, and what it keeps of a task's files."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from contextlib import ExitStack
from types import SimpleNamespace

import pytest

from liftform.batch import ray_engine, ray_results
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
        self.head = ""                      # the cluster's GCS address; none: the head is not watched

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

    def wait(self, refs, num_returns=1, timeout=None):
        return refs[:num_returns], refs[num_returns:]

    def get_runtime_context(self):
        return SimpleNamespace(gcs_address=self.head)

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


class _TaskError(RuntimeError):
    """As Ray's RayTaskError: its text the task's name in colour, its pid and node, then the worker's traceback;
    the exception raised in the task as ``cause``."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(f"\x1b[36mray::score_remote()\x1b[39m (pid=4242, ip=10.0.0.7)\n  File \"x.py\", line 1\n"
                         f"{type(cause).__name__}: {cause}")
        self.cause = cause


def test_an_error_raised_in_a_ray_task_is_told_by_its_cause_without_terminal_colours(tmp_path):
    """A task that raised gave 'the Ray task failed (RayTaskError(OSError): \\x1b[36mray::score_remote()\\x1b[39m
    (pid=4242, ip=10.0.0.7))' in summary.csv: the terminal's colour codes, and not the error itself."""
    job = _jobs(tmp_path, 1)[0]
    row = ray_results.crash_row(job, _TaskError(ModuleNotFoundError("No module named 'liftform'")))
    assert "\x1b" not in row.error and "pid=" not in row.error
    assert row.error.startswith("the Ray task failed (ModuleNotFoundError: No module named 'liftform')"), row.error
    assert "same liftform build (`liftform --version`)" in row.error    # the build, not the version, must match
    crashed = ray_results.crash_row(job, RuntimeError("\x1b[31mThe worker died unexpectedly\x1b[0m\nmore"))
    assert "\x1b" not in crashed.error and "(RuntimeError: The worker died unexpectedly)" in crashed.error


def test_a_ray_worker_that_cannot_write_its_temporary_copy_says_so_not_that_the_video_crashed_it(tmp_path,
                                                                                                 monkeypatch):
    """A node whose temp folder is full or unwritable failed every video with 'the Ray task failed
    (RayTaskError(OSError): ray::score_remote() (pid=..., ip=...)); the worker may have crashed on this file'."""
    import tempfile

    monkeypatch.setattr(ray_engine, "_limit_threads", lambda n: None)
    monkeypatch.setattr(ray_engine, "limit_malloc_arenas", lambda: None)
    blocked = tmp_path / "tmp-is-a-file"
    blocked.write_text("")
    monkeypatch.setattr(tempfile, "tempdir", str(blocked))
    job = _jobs(tmp_path, 1)[0]
    row, files = ray_engine.score_remote(job, _spec(tmp_path), b"model", b"video bytes")
    assert row.status == "failed" and files == {}
    assert f"cannot use its temporary folder {blocked}" in row.error and "TMPDIR" in row.error, row.error
    assert "crashed" not in row.error


def test_a_result_made_by_another_liftform_or_mediapipe_on_a_node_is_not_kept(tmp_path, monkeypatch):
    """README: every node needs the same liftform version. A node with another (an old install) scored its videos
    with its own measure, written into the batch beside this one's as if they were alike, without a word."""
    import json

    import liftform
    from liftform.analysis import library_versions

    ours = library_versions()
    fake = DriverRay()
    monkeypatch.setattr(ray_engine, "import_ray", lambda: fake)
    monkeypatch.setattr(ray_engine, "_reload_ray_config", lambda: None)

    def run(job, *_):
        versions = {**ours, "liftform": "0.0.9"} if job.index == 1 else ours
        return (SummaryRow(path=job.summary_path, output=job.output, status="ok", elapsed_s=3.0),
                {"result.json": json.dumps({"versions": versions}).encode()})

    fake.run = run
    rows = {}
    out = tmp_path / "out"
    ray_engine.run_ray(_jobs(tmp_path, 2), _spec(tmp_path), out, lambda job, row: rows.update({job.output: row}),
                       address="127.0.0.1:6379")
    assert rows["lift0"].ok and (out / "lift0" / "result.json").is_file()
    assert not rows["lift1"].ok and not (out / "lift1").exists()
    assert rows["lift1"].error == f"scored on a Ray worker with liftform 0.0.9, this machine has liftform " \
        f"{ours['liftform']}: install the same on every node (pip install 'liftform[ray]=={liftform.__version__}' " \
        "from the same source: the build after the + is its digest); its result was not kept", rows["lift1"].error


class _NoRayThere(DriverRay):
    """An address that answers but is no Ray's: Ray's C++ warns on fd 2 and Ray Client warns, then it fails."""

    fails = True

    def init(self, address=None, **kwargs) -> None:
        import warnings

        os.write(2, b"[2026-12-05 11:57:37,791 W 17863 17863] gcs_client.cc:210: Failed to get cluster ID\n")
        warnings.warn("Ray Client connection timed out. Ensure that the Ray Client port ...", UserWarning,
                      stacklevel=1)
        if self.fails:
            raise ConnectionError(f"Failed to connect to Ray cluster at {address}")


def test_an_address_that_is_no_ray_s_gets_one_line_without_ray_s_warnings_before_it(capfd, monkeypatch):
    """`--address HOST:PORT` of a server that is not Ray's printed two timestamped C++ warnings (or, with ray://,
    a UserWarning and its source line) above liftform's one-line error."""
    from liftform.errors import LiftformError

    monkeypatch.setattr(ray_engine, "_reload_ray_config", lambda: None)
    fake = _NoRayThere()
    with pytest.raises(LiftformError, match="cannot start or reach Ray"):
        ray_engine._start(fake, "127.0.0.1:46555", ExitStack())
    err = capfd.readouterr().err
    assert "gcs_client" not in err and "Ray Client connection timed out" not in err, err
    fake.fails = False                                     # joined: whatever Ray said is shown as before
    with pytest.warns(UserWarning, match="Ray Client connection timed out"):
        ray_engine._start(fake, "127.0.0.1:46555", ExitStack())
    assert "gcs_client.cc:210" in capfd.readouterr().err


def test_an_unreachable_ray_address_from_the_environment_is_named_as_such(capfd, monkeypatch):
    """`RAY_ADDRESS=nonsense liftform score --engine ray` was told "check --address", an option not given."""
    from liftform.errors import LiftformError

    monkeypatch.setattr(ray_engine, "_reload_ray_config", lambda: None)
    monkeypatch.setenv("RAY_ADDRESS", "10.0.0.9:6379")
    with pytest.raises(LiftformError, match=r"^cannot start or reach Ray \(10\.0\.0\.9:6379 from RAY_ADDRESS\): "
                                            r"Failed to connect .*; check RAY_ADDRESS: ray://HEAD"):
        ray_engine._start(_NoRayThere(), None, ExitStack())
    with pytest.raises(LiftformError, match=r"^cannot start or reach Ray \(127\.0\.0\.1:46555\): .*; check the "
                                            r"address \(--address, or address in Python\): "):   # what Ray tried
        ray_engine._start(_NoRayThere(), "127.0.0.1:46555", ExitStack())


def test_a_pose_model_missing_for_the_ray_engine_is_said_to_be_needed_where_score_runs(tmp_path, monkeypatch):
    """The driver finds the model and sends it to the workers; the error named LIFTFORM_MODEL_DIR alone, and a user
    who had set it on the cluster's nodes was told to set what they had set."""
    from typer.testing import CliRunner

    from liftform.cli import app

    monkeypatch.setattr(ray_engine, "import_ray", lambda: DriverRay())
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.setenv("LIFTFORM_MODEL_DIR", str(tmp_path / "no-such-folder"))
    (tmp_path / "lift.mp4").write_bytes(b"not scored")
    result = CliRunner().invoke(app, ["score", str(tmp_path / "lift.mp4"), "-o", str(tmp_path / "out"),
                                      "--engine", "ray"])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1, result.output
    assert "(from LIFTFORM_MODEL_DIR) does not exist" in lines[0]
    assert lines[0].endswith("(on this machine: the Ray engine sends the pose model from here to its workers, which "
                             "need none)"), lines[0]
    assert not (tmp_path / "out").exists()


def test_workers_caps_the_videos_a_ray_batch_runs_at_once(tmp_path, monkeypatch):
    """`-j 1` on Ray ran two videos at once on a 2-CPU cluster (and -j N, N + 2): 2 tasks beyond -j were sent to
    keep the CPUs busy, and Ray runs whatever it has CPUs for. -j is how a user takes only part of a shared
    cluster."""
    fake = DriverRay()
    monkeypatch.setattr(ray_engine, "import_ray", lambda: fake)
    monkeypatch.setattr(ray_engine, "_reload_ray_config", lambda: None)
    in_flight = []
    wait = fake.wait

    def counting_wait(refs, num_returns=1, timeout=None):
        in_flight.append(len(refs))
        return wait(refs, num_returns, timeout)

    fake.wait = counting_wait
    fake.run = lambda job, *_: (SummaryRow(path=job.summary_path, output=job.output, status="ok"), {})
    for workers, most in ((1, 1), (3, 3), (None, 2 + ray_engine.EXTRA_IN_FLIGHT)):
        in_flight.clear()
        ray_engine.run_ray(_jobs(tmp_path, 8), _spec(tmp_path), tmp_path / "out", lambda job, row: None,
                           address="127.0.0.1:6379", workers=workers)
        assert max(in_flight) == most, (workers, in_flight)


def test_a_ray_task_removes_the_temporary_folders_killed_workers_left_on_its_node(tmp_path, monkeypatch):
    """Every video in flight at a Ctrl-C (Ray kills its worker), and every worker killed or crashed, left
    /tmp/liftform-task-* with its copy of the video on its node: 61 folders after a few interrupted batches."""
    import socket
    import subprocess
    import sys
    import tempfile

    monkeypatch.setattr(ray_engine, "_limit_threads", lambda n: None)
    monkeypatch.setattr(ray_engine, "limit_malloc_arenas", lambda: None)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    host = socket.gethostname()
    left = tmp_path / f"liftform-task-{host}-{int(gone.stdout)}-abc123"          # its worker was killed
    running = tmp_path / f"liftform-task-{host}-{os.getpid()}-def456"            # a task still running here
    other_node = tmp_path / f"liftform-task-{host}x-{int(gone.stdout)}-ghi789"   # another node's (a shared /tmp)
    for folder in (left, running, other_node):
        (folder / "in").mkdir(parents=True)
        (folder / "in" / "lift.mp4").write_bytes(b"a copy of the video")
    job = Job(0, str(tmp_path / "lift.mp4"), "lift", problem="lift.mp4: its profile is bad")
    row, files = ray_engine.score_remote(job, _spec(tmp_path), b"model", b"video bytes")
    assert row.error == "lift.mp4: its profile is bad" and files == {}
    assert not left.exists() and running.exists() and other_node.exists()
    assert sorted(p.name for p in tmp_path.glob("liftform-task-*")) == sorted([running.name, other_node.name])


class _RayTakingSigterm(DriverRay):
    """As ``ray.init`` does on the main thread: SIGTERM set to ``sys.exit(signum)`` (Ray's C++ then adds a crash
    handler printing "*** SIGTERM received ..." and a stack dump)."""

    stopped_meanwhile = False      # a SIGTERM while ray.init still starts Ray (a local instance: seconds)

    def init(self, address=None, **kwargs) -> None:
        super().init(address, **kwargs)
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(signum))
        if self.stopped_meanwhile:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)


def test_sigterm_stops_a_ray_batch_as_ctrl_c_does_after_ray_started(monkeypatch):
    """README: SIGTERM is taken as a Ctrl-C (what is finished kept, one line, exit 143). On Ray, ray.init had taken
    SIGTERM over: a batch stopped by a scheduler ended with exit 1, Ray's stack dump or nothing, and no word of the
    videos done."""
    from liftform.interrupts import terminate_as_interrupt, was_terminated

    monkeypatch.setattr(ray_engine, "_reload_ray_config", lambda: None)
    before = signal.getsignal(signal.SIGTERM)
    try:
        terminate_as_interrupt()
        ours = signal.getsignal(signal.SIGTERM)
        ray_engine._start(_RayTakingSigterm(), "127.0.0.1:6379", ExitStack())
        assert signal.getsignal(signal.SIGTERM) is ours
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)
        # ... and while ray.init runs, where Ray's own handler is in place: it had exited with status 15, unsaid
        ray = _RayTakingSigterm()
        ray.stopped_meanwhile = True
        with pytest.raises(KeyboardInterrupt):
            ray_engine._start(ray, "127.0.0.1:6379", ExitStack())
        assert was_terminated() and signal.getsignal(signal.SIGTERM) is ours
    finally:
        signal.signal(signal.SIGTERM, before)


class _HeadGone(DriverRay):
    """The first video comes back, then the cluster's head node stops (its GCS port takes no connection) and the
    other tasks never do."""

    def __init__(self, head: str) -> None:
        super().__init__(run=lambda job, *_: (SummaryRow(path=job.summary_path, output=job.output, status="ok"), {}))
        self.head = head
        self.waits = 0

    def wait(self, refs, num_returns=1, timeout=None):
        self.waits += 1
        if self.waits == 1:
            return refs[:1], refs[1:]
        if timeout is None:
            pytest.fail("waited for a task without a limit: Ray's C++ ends the driver 60 s after its head is gone "
                        "(exit 1, 'Failed to connect to GCS within 60 seconds'), with no word of the videos done")
        time.sleep(timeout)
        return [], refs


def test_a_ray_batch_whose_head_node_stops_ends_in_one_line_keeping_the_videos_done(tmp_path, monkeypatch):
    """The head node stopped mid-batch (`ray stop` there, its machine down): the driver waited on, Ray's C++ printed
    "Failed to connect to GCS within 60 seconds" and ended it with exit 1, the summary as last written (every few
    seconds), no overview, no word of what was kept or how to go on."""
    from liftform.errors import LiftformError

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        head = f"127.0.0.1:{probe.getsockname()[1]}"         # nothing listens there once the socket is closed
    fake = _HeadGone(head)
    monkeypatch.setattr(ray_engine, "import_ray", lambda: fake)
    monkeypatch.setattr(ray_engine, "_reload_ray_config", lambda: None)
    monkeypatch.setattr(ray_engine, "PROBE_EVERY_S", 0.05)
    monkeypatch.setattr(ray_engine, "HEAD_LOST_AFTER_S", 0.3)
    rows = []
    with pytest.raises(LiftformError, match=rf"^lost the Ray cluster: its head node \({head}\) has taken no "
                                            r"connection for 0\.3 s .*run the same command again"):
        ray_engine.run_ray(_jobs(tmp_path, 4), _spec(tmp_path), tmp_path / "out",
                           lambda job, row: rows.append(row.output), address=head)
    assert rows == ["lift0"]
    assert fake.calls[-2:] == ["shutdown", "shut down"]


class _ClientGone(DriverRay):
    """Ray Client (a ray:// address) whose connection broke for good: its calls raise ConnectionError (what
    ray.util.client raises once its own 30 s of reconnecting are over)."""

    def wait(self, refs, num_returns=1, timeout=None):
        raise ConnectionError("GRPC connection failed: <_InactiveRpcError StatusCode.UNAVAILABLE>\nmore")

    def cancel(self, ref, force=False) -> None:
        raise ConnectionError("Request can't be sent because the Ray client has already been disconnected.")


def test_a_ray_client_connection_lost_mid_batch_ends_in_one_line_not_a_traceback(tmp_path, monkeypatch):
    """A ConnectionError is an OSError without a file name: the command line let it through as a traceback."""
    from liftform.errors import LiftformError

    fake = _ClientGone()
    monkeypatch.setattr(ray_engine, "import_ray", lambda: fake)
    monkeypatch.setattr(ray_engine, "_reload_ray_config", lambda: None)
    with pytest.raises(LiftformError, match=r"^lost the Ray cluster: Ray Client's connection broke \(GRPC connection "
                                            r"failed: .*UNAVAILABLE>\); the videos finished are kept in .*out: run "):
        ray_engine.run_ray(_jobs(tmp_path, 2), _spec(tmp_path), tmp_path / "out", lambda job, row: None,
                           address="ray://head-node:10001")
    assert fake.calls[-2:] == ["shutdown", "shut down"]       # left, though nothing could be cancelled


class _ClientGoneWhileSending(DriverRay):
    """Ray Client whose connection breaks while the driver sends a task's video (its second task) or fetches a
    task's files: the call doing so raises ConnectionError, not only a wait."""

    def __init__(self, breaks_at: str) -> None:
        super().__init__(run=lambda job, *_: (SummaryRow(path=job.summary_path, output=job.output, status="ok"), {}))
        self.breaks_at, self.sent = breaks_at, 0
        driver = self

        class Sending(_Task):
            def remote(self, *args) -> _Ref:
                driver.sent += 1
                if driver.breaks_at == "send" and driver.sent == 2:
                    raise ConnectionError("Request can't be sent because the Ray client has already been "
                                          "disconnected.")
                return _Ref(args)

        self.task_type = Sending

    def remote(self, **options):
        return self.task_type

    def get(self, ref):
        if self.breaks_at == "fetch":
            raise ConnectionError("")            # no message at all: still one line
        return super().get(ref)


@pytest.mark.parametrize("breaks_at", ["send", "fetch"])
def test_a_ray_client_connection_lost_while_sending_or_fetching_ends_in_one_line(tmp_path, monkeypatch, breaks_at):
    """Ray Client's connection lost while a task's video is sent or its files fetched (the large transfers, where a
    break shows first): the same one line as one lost while waiting. Only the wait had been looked after: the
    ConnectionError of the others came out as a traceback."""
    from liftform.errors import LiftformError

    fake = _ClientGoneWhileSending(breaks_at)
    monkeypatch.setattr(ray_engine, "import_ray", lambda: fake)
    monkeypatch.setattr(ray_engine, "_reload_ray_config", lambda: None)
    why = "Request can't be sent because" if breaks_at == "send" else "ConnectionError"
    with pytest.raises(LiftformError, match=rf"^lost the Ray cluster: Ray Client's connection broke \({why}.*; "
                                            r"the videos finished are kept in .*out: run "):
        ray_engine.run_ray(_jobs(tmp_path, 3), _spec(tmp_path), tmp_path / "out", lambda job, row: None,
                           address="ray://head-node:10001")
    assert fake.calls[-2:] == ["shutdown", "shut down"]


def test_one_unanswered_probe_after_the_driver_was_busy_does_not_stop_the_batch(tmp_path, monkeypatch):
    """The head answers, the driver is then busy for longer than HEAD_LOST_AFTER_S (a large task's files fetched and
    written), and one probe goes unanswered (a dropped packet): the batch goes on. The time without an answer had
    been counted from the last answer, busy time included, so a single unanswered probe stopped the batch."""
    from contextlib import nullcontext

    fake = DriverRay(run=lambda job, *_: (SummaryRow(path=job.summary_path, output=job.output, status="ok"), {}))
    fake.head = "127.0.0.1:6379"
    answers = iter([True, False, True, True, True, True])

    def create_connection(where, timeout=None):
        if not next(answers):
            raise ConnectionRefusedError(111, "Connection refused")
        return nullcontext()

    monkeypatch.setattr(ray_engine, "import_ray", lambda: fake)
    monkeypatch.setattr(ray_engine, "_reload_ray_config", lambda: None)
    monkeypatch.setattr(ray_engine.socket, "create_connection", create_connection)
    monkeypatch.setattr(ray_engine, "PROBE_EVERY_S", 0.0)
    monkeypatch.setattr(ray_engine, "HEAD_LOST_AFTER_S", 0.2)
    rows = []

    def on_row(job, row) -> None:
        rows.append(row.output)
        if len(rows) == 2:
            time.sleep(0.3)                      # busy past HEAD_LOST_AFTER_S since the head last answered

    ray_engine.run_ray(_jobs(tmp_path, 4), _spec(tmp_path), tmp_path / "out", on_row, address=fake.head)
    assert rows == ["lift0", "lift1", "lift2", "lift3"]


def _session_processes(sid: int) -> list[int]:
    """The live processes of session ``sid`` (the command's, started in a session of its own): itself and every process
    it started, reparented or not; zombies (gone, not yet reaped) left out."""
    import psutil

    found = []
    for pid in psutil.pids():
        with _gone_ok(psutil):
            if os.getsid(pid) == sid and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                found.append(pid)
    return found


def _gone_ok(psutil):
    from contextlib import suppress

    return suppress(psutil.Error, ProcessLookupError, PermissionError)


@pytest.mark.slow
@pytest.mark.model
@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupt_while_a_local_ray_starts_leaves_none_of_its_processes(tmp_path, signum, status):
    """Ctrl-C (or SIGTERM) in a batch's first seconds, while the local Ray instance it starts was still starting: the
    command ended, but the raylet was killed by the kernel with it before stopping its agents (DashboardAgent,
    RuntimeEnvAgent), which ran on for 60 s; or, at an unlucky point, Ray hung for good or crashed (exit -11).
    Interrupted just as the raylet has started its agents, the command ends as an interrupt does and leaves nothing."""
    import subprocess

    pytest.importorskip("ray")
    import psutil  # Ray's own copy, on sys.path once ray is imported

    if not sys.platform.startswith("linux"):
        pytest.skip("finds the command's processes by session (Linux)")
    from conftest import SAMPLES

    command = [sys.executable, "-m", "liftform", "score", str(SAMPLES / "box_hinge.mp4"), "-o", str(tmp_path / "out"),
               "--engine", "ray", "--no-video", "--no-report"]
    env = {key: value for key, value in os.environ.items() if key != "RAY_ADDRESS"}
    run = subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    try:
        deadline = time.monotonic() + 120
        while run.poll() is None and time.monotonic() < deadline:
            with _gone_ok(psutil):
                tree = psutil.Process(run.pid).children(recursive=True)
                if any(p.name() == "raylet" and p.children() for p in tree):
                    break                       # its agents started: ray.init waits for them to register
            time.sleep(0.02)
        assert run.poll() is None, run.communicate()
        run.send_signal(signum)
        _, err = run.communicate(timeout=60)
        assert run.returncode == status, err
        assert err.strip().splitlines() == ["interrupted before any video was finished; run the same command again "
                                            "to score them"], err
        deadline = time.monotonic() + 5
        while _session_processes(run.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [" ".join(psutil.Process(pid).cmdline())[:80] for pid in _session_processes(run.pid)]
        assert not left, left
    finally:
        for pid in _session_processes(run.pid):     # this test's own: the command's session
            with _gone_ok(psutil):
                os.kill(pid, signal.SIGKILL)
        if run.poll() is None:
            run.communicate()


def test_a_local_ray_is_stopped_with_every_process_it_started_and_none_other(tmp_path):
    """What `LocalRay.stop` ends: the processes this process started since, running Ray's programs (a path under Ray's
    package folder), with what they started (the raylet's agents and workers); not a Ray process started before (a
    caller's), nor another child of this process."""
    import subprocess

    pytest.importorskip("ray")
    import psutil  # Ray's own copy, on sys.path once ray is imported

    from liftform.batch.ray_local import LocalRay

    package = tmp_path / "site-packages" / "ray"
    package.mkdir(parents=True)
    (package / "raylet.py").write_text("import subprocess, sys, time\n"
                                       "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
                                       "time.sleep(60)\n")
    def started(*args: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, *args])

    def shutdown() -> None:        # as ray.shutdown does to a raylet slow to stop: killed, its agents left orphaned
        raylet.kill()
        raylet.wait()

    earlier = started(str(package / "raylet.py"))                 # a Ray instance of before
    instance = LocalRay(SimpleNamespace(__file__=str(package / "__init__.py"), shutdown=shutdown))
    raylet = started(str(package / "raylet.py"))
    other = started("-c", "import time; time.sleep(60)")          # not Ray's
    try:
        deadline = time.monotonic() + 30
        while len(psutil.Process(raylet.pid).children()) < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        agent = psutil.Process(raylet.pid).children()[0]
        instance.stop()
        assert raylet.poll() is not None and not agent.is_running()         # the agent sleeps a minute unless killed
        assert earlier.poll() is None and other.poll() is None
    finally:
        for process in (earlier, raylet, other):
            process.kill()
            process.wait()
