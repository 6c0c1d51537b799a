"""The Ray engine: the same batch on a Ray cluster, one task per video (MediaPipe's VIDEO mode needs one
ordered stream per video, so a video is never split).

Data flow, chosen so that the cluster needs **no shared file system**: the driver (the machine running
``liftform score``) reads each input and ships its bytes with the task, ships the pose model once through the
object store, and writes every result itself. A task decodes and scores the video in a private temporary
folder on its node and returns the output files (result.json, CSVs, poses.npz, annotated.mp4: a few MB) with
the summary row; the driver writes them atomically into ``OUT/<stem>/``, result.json last. So OUT and the
inputs only need to be visible to the driver, and resume, the summary and Ctrl-C behave exactly as with the
local engine. The cost is network traffic of each video's bytes out and its outputs back, which is small
beside pose inference.

Every node needs liftform (the same build: `liftform --version`) and its dependencies installed, or a
``runtime_env`` given to ``ray.init`` before calling :func:`run_ray` (an already initialised Ray is used as it
is). Ray is an optional extra: ``pip install 'liftform[ray]'``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import sys
import tempfile
import time
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from liftform.batch.jobs import Job, JobSpec, earlier_files, put_earlier_files, run_job
from liftform.batch.local import OnRow, _limit_threads, limit_malloc_arenas
from liftform.batch.ray_local import LocalRay
from liftform.batch.ray_results import finished_row, unreadable
from liftform.batch.summary import SummaryRow, failed_row
from liftform.batch.task_dirs import remove_orphans, task_prefix
from liftform.errors import ADDRESS, LOCAL_ENGINE, ConfigError, LiftformError
from liftform.interrupts import handlers_kept, signals_deferred
from liftform.outputs.atomic import atomic_write_bytes

EXTRA_IN_FLIGHT = 2   # tasks queued beyond the cluster's CPUs (without -j): none waits while the driver writes


def import_ray():
    """The ``ray`` module, or ConfigError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ConfigError("the Ray engine needs Ray: pip install 'liftform[ray]' (or pip install 'ray[client]'), "
                          f"or use {LOCAL_ENGINE}") from None
    return ray


CLIENT_PORT = 10001        # Ray Client's port, where a ray:// address gives none
REACH_TIMEOUT_S = 5.0      # a TCP connect to the cluster's address, before Ray is asked to connect
ADDRESS_HINT = "ray://HEAD:10001 (Ray Client, from any machine), or HEAD:6379 or auto on a node of the cluster"


def _effective_address(address: str | None) -> str | None:
    """The address ray.init will use: RAY_ADDRESS stands in for none or "auto", as Ray does."""
    if address in (None, "auto"):
        return os.environ.get("RAY_ADDRESS") or address
    return address


def _host_port(address: str) -> tuple[str, int] | None:
    """(host, port) of a ``host:port`` or ``ray://host[:port]`` address; None for Ray's own lookups (auto)."""
    scheme, sep, rest = address.partition("://")
    rest = (rest if sep else scheme).rstrip("/")
    host, colon, port = rest.rpartition(":")
    if colon and port.isdigit() and host:
        return host.strip("[]"), int(port)
    return (rest, CLIENT_PORT) if sep and rest and ":" not in rest else None


def preflight(address: str | None) -> None:
    """Fail (ConfigError, one line) before any work when Ray is missing, a ray:// address finds no Ray Client (a
    plain ``pip install ray`` lacks it), or the cluster's address takes no connection (:func:`check_reachable`)."""
    import_ray()
    target = _effective_address(address)
    if target and "://" in target and not _has_ray_client():
        raise ConfigError(f"the address {target} needs Ray Client, which this Ray lacks: pip install "
                          "'liftform[ray]' (it brings ray[client]) or pip install 'ray[client]'; or, from a node "
                          "of the cluster, give HEAD:6379 or auto")
    check_reachable(address)


def _has_ray_client() -> bool:
    """Whether Ray Client's one extra dependency (what ``ray[client]`` adds: grpcio) is installed."""
    import importlib.util

    return importlib.util.find_spec("grpc") is not None


def check_reachable(address: str | None) -> None:
    """ConfigError (one line) when the cluster's ``host:port`` takes no TCP connection: Ray itself would retry
    for minutes in C++, printing warnings and deaf to SIGTERM. Ray's own lookups (auto) are left to Ray."""
    address = _effective_address(address)
    where = _host_port(address) if address else None
    if where is None:
        return
    try:
        with socket.create_connection(where, timeout=REACH_TIMEOUT_S):
            pass
    except (OSError, OverflowError) as exc:   # OverflowError: a port past 65535
        why = "timed out" if isinstance(exc, TimeoutError) else (getattr(exc, "strerror", None) or str(exc)).lower()
        raise ConfigError(f"cannot reach the Ray cluster at {address} ({why}): check that its head node is up "
                          f"(`ray status` there), that no firewall blocks port {where[1]}, and the address: "
                          f"{ADDRESS_HINT}") from None


def _model_file(data: bytes, name: str, sha256: str) -> Path:
    """The pose model on this node: written once per node under the temp dir, keyed by checksum."""
    path = Path(tempfile.gettempdir()) / "liftform-models" / sha256[:16] / name
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, data)
    return path


def score_remote(job: Job, spec: JobSpec, model: bytes, video: bytes,
                 earlier: dict[str, bytes] | None = None) -> tuple[SummaryRow, dict[str, bytes]]:
    """Body of a Ray task: score ``video`` (the bytes of ``job.path``; ``earlier``: its earlier result's files a
    ``from_poses`` job is judged from, `jobs.earlier_files`) and return the row and the output files (name -> bytes;
    empty when the video failed)."""
    _limit_threads(1)
    limit_malloc_arenas()
    try:
        remove_orphans(tempfile.gettempdir())
        with tempfile.TemporaryDirectory(prefix=task_prefix()) as tmp:
            source = Path(tmp, "in", Path(job.path).name or "video")
            source.parent.mkdir()
            source.write_bytes(video)
            model_path = _model_file(model, Path(spec.model_path).name, spec.model_sha256)
            out_dir = Path(tmp, "out")
            put_earlier_files(out_dir, earlier or {})
            row = run_job(job, replace(spec, model_path=str(model_path)), out_dir, read_from=source)
            files = {p.relative_to(out_dir).as_posix(): p.read_bytes() for p in sorted(out_dir.rglob("*"))
                     if p.is_file()} if row.ok else {}
    except OSError as exc:   # the node's own disk (run_job itself never raises): not the video's fault
        return failed_row(job.summary_path, job.output,
                          f"the Ray worker on {socket.gethostname()} cannot use its temporary folder "
                          f"{tempfile.gettempdir()} ({exc.strerror or exc}); free space there, or set TMPDIR "
                          "on that node to a folder with room"), {}
    return row, files


# Ray's own token authentication, for a local instance this run starts: its gRPC services (GCS, raylet, workers)
# listen on every network interface in Ray 2.x whatever node IP is given (Ray resolves 127.0.0.1 to the
# machine's address), so without a token anyone on the network could submit work to them for the length of
# the batch. The token is random per run and lives only in this process's environment and its children.
LOCAL_AUTH = {"RAY_AUTH_MODE": "token"}


def _local_auth_env() -> dict[str, str | None]:
    """Set Ray's token authentication for a local instance; returns the previous values to restore."""
    values = {**LOCAL_AUTH, "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    previous = {key: os.environ.get(key) for key in [*values, "RAY_AUTH_TOKEN_PATH"]}
    os.environ.pop("RAY_AUTH_TOKEN_PATH", None)
    os.environ.update(values)
    _reload_ray_config()
    return previous


def _restore_env(previous: dict[str, str | None], reload: bool = True) -> None:
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    if reload:
        _reload_ray_config()


# Ray's limits while ray.init connects to an existing cluster: by default it tries the GCS 20 times, each up to
# 30 s plus two 5 s waits, in C++ where SIGTERM is not seen: minutes of warnings for an address whose port is open
# but no Ray GCS's, or a stale `auto`. One try of at most 5 s answers in about 16 s; a live cluster answers at once.
CONNECT_LIMITS = {"RAY_gcs_server_port_wait_time_s": "1", "RAY_py_gcs_connect_timeout_s": "5"}


def _connect_limits() -> dict[str, str | None]:
    """Set :data:`CONNECT_LIMITS` (those the environment does not set already) for this process's Ray; returns the
    previous values to restore."""
    limits = {key: value for key, value in CONNECT_LIMITS.items() if key not in os.environ}
    previous: dict[str, str | None] = dict.fromkeys(limits)
    os.environ.update(limits)
    _reload_ray_config()
    return previous


def _reload_ray_config() -> None:
    """Make this process's Ray read its RAY_* variables again (its Config reads them once, at import, and the
    token authentication caches its token)."""
    try:
        from ray._raylet import AuthenticationTokenLoader, Config
    except ImportError:   # Ray absent (tests) or older than token authentication
        return
    Config.initialize("")
    AuthenticationTokenLoader.instance().reset_cache()


def _start(ray, address: str | None, leave: contextlib.ExitStack) -> None:
    """Connect to (or, with ``address`` None and no RAY_ADDRESS, start) Ray; what leaves it again is put on ``leave``
    before Ray is asked, so that an interrupt while it starts leaves it too: a local instance (started whole, a Ctrl-C
    or SIGTERM held back meanwhile) stopped with every process it started (`ray_local.LocalRay`) and the environment
    restored; a cluster's connection closed (``ray.shutdown``, which stops no cluster it did not start). Nothing
    where Ray was already running: it is left as it is."""
    if ray.is_initialized():
        return
    kwargs = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
    local = address is None and not os.environ.get("RAY_ADDRESS")
    if local:
        import liftform

        leave.callback(_restore_env, _local_auth_env())
        # A local instance: make sure its workers import this very liftform (no install needed on one
        # machine).
        root = str(Path(liftform.__file__).resolve().parents[1])
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
        kwargs["runtime_env"] = {"env_vars": {"PYTHONPATH": path}}
        instance = LocalRay(ray)
        leave.callback(instance.stop)
    else:
        leave.callback(ray.shutdown)
    limits = {} if local else _connect_limits()
    try:
        with handlers_kept():     # ray.init takes SIGTERM, which the command line takes as a Ctrl-C
            if local:
                instance.start(address=address, **kwargs)
            else:
                _join_quietly(ray, address, kwargs)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        _restore_env(limits)
        from_env = "" if address else os.environ.get("RAY_ADDRESS", "")    # Ray's own, tried without --address
        where = address or (f"{from_env} from RAY_ADDRESS" if from_env else "a local instance")
        given = "RAY_ADDRESS" if from_env else f"the address ({ADDRESS})"
        said = (str(exc) or type(exc).__name__).splitlines()[0].rstrip(".")     # Ray's sentence, then ours
        raise ConfigError(f"cannot start or reach Ray ({where}): {said}; "
                          f"check {given}: {ADDRESS_HINT}") from None
    _restore_env(limits, reload=False)


def _join_quietly(ray, address: str | None, kwargs: dict) -> None:
    """``ray.init`` on an existing cluster, what Ray prints to stderr meanwhile held back (its C++ warnings on
    fd 2, Ray Client's UserWarning): shown after a connection, dropped after a failure, whose one line says it all
    (an address that answered but was no Ray's printed two timestamped warnings, or a warning and its source line,
    before it)."""
    sys.stderr.flush()
    saved = os.dup(2)
    joined = False
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                ray.init(address=address, **kwargs)
            joined = True
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
        if joined:
            held.seek(0)
            os.write(2, held.read())
            for warning in caught:
                warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)


# Ray's C++ ends a driver whose cluster's head (its GCS) has been gone for 60 s (gcs_rpc_server_reconnect_timeout_s):
# exit 1 and one C++ log line, the summary as last written and no word of the videos done. The driver asks first.
PROBE_EVERY_S = 5.0        # how often, waiting for its tasks, the driver asks whether the head still answers
HEAD_LOST_AFTER_S = 20.0   # ... and how long it may not before the batch stops (a restart of the head takes less)


class HeadWatch:
    """Whether the cluster's head node still takes a TCP connection at its GCS address, asked every
    :data:`PROBE_EVERY_S`. Not through Ray Client (a ray:// ``address``): the GCS address its server gives may be
    one only the cluster's own network reaches, and Ray Client watches its connection itself."""

    def __init__(self, ray, address: str | None) -> None:
        client = "://" in (_effective_address(address) or "")
        self.address = "" if client else ray.get_runtime_context().gcs_address or ""
        self.where = _host_port(self.address) if self.address else None
        self.asked = self.answered = time.monotonic()
        self.unanswered_since: float | None = None     # see `check`; None: the last probe was answered

    def check(self, out_root: str | Path) -> None:
        """LiftformError once the head has taken no connection for :data:`HEAD_LOST_AFTER_S`: from its last answer,
        or from one probe interval before the first probe it did not answer where the driver asked nothing for longer
        (busy: a large task's files fetched and written). Counted from the last answer alone, a single dropped probe
        after such a stretch had stopped the batch."""
        now = time.monotonic()
        if self.where is None or now - self.asked < PROBE_EVERY_S:
            return
        self.asked = now
        try:
            with socket.create_connection(self.where, timeout=REACH_TIMEOUT_S):
                self.answered, self.unanswered_since = time.monotonic(), None
                return
        except OSError:
            pass
        if self.unanswered_since is None:
            self.unanswered_since = max(self.answered, now - PROBE_EVERY_S)
        if time.monotonic() - self.unanswered_since >= HEAD_LOST_AFTER_S:
            raise cluster_lost(f"its head node ({self.address}) has taken no connection for {HEAD_LOST_AFTER_S:g} s "
                               "(stopped, or the network to it is down)", out_root)


@contextlib.contextmanager
def _client_kept(out_root: str | Path) -> Iterator[None]:
    """Ray Client's connection lost for good (its ConnectionError, after 30 s of its own retries) in the Ray calls
    of the block: `cluster_lost`, one line. Ray's calls alone: a ConnectionError of the driver's own (a closed
    pipe of the terminal) is no lost cluster. Any call that sends can raise it, not only the wait: a task's video
    sent, its files fetched, had come out as a traceback."""
    try:
        yield
    except ConnectionError as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise cluster_lost(f"Ray Client's connection broke ({first})", out_root) from None


def cluster_lost(why: str, out_root: str | Path) -> LiftformError:
    """The one line of a batch stopped because the cluster is gone: why, what is kept, how to go on."""
    return LiftformError(f"lost the Ray cluster: {why}; the videos finished are kept in {out_root}: run the same "
                         "command again once the cluster is up, to score the rest")


def run_ray(jobs: Iterable[Job], spec: JobSpec, out_root: str | Path, on_row: OnRow, *,
            address: str | None = None, workers: int | None = None) -> None:
    """Score ``jobs`` as Ray tasks (1 CPU each); ``on_row(job, row)`` in the driver as each finishes.

    ``address`` is passed to ``ray.init`` (None: env RAY_ADDRESS, else a new local instance, shut down at the
    end). At most ``workers`` tasks run at once (default: the cluster's CPUs). KeyboardInterrupt cancels the
    tasks in flight and propagates; rows already delivered stand. LiftformError when the cluster's head node stops
    answering (`HeadWatch`) or Ray Client's connection breaks, the same way out.
    """
    ray = import_ray()
    leave = contextlib.ExitStack()     # how to leave Ray (`_start`), also when interrupted while it starts
    in_flight: dict = {}
    try:
        _start(ray, address, leave)
        with _client_kept(out_root):
            task = ray.remote(num_cpus=1, max_retries=1)(score_remote)
            model_ref = ray.put(Path(spec.model_path).read_bytes())
            cpus = int(ray.cluster_resources().get("CPU", 1))
            head = HeadWatch(ray, address)
        # -j is a cap (a share of a shared cluster): Ray runs whatever it is sent that it has CPUs for.
        limit = workers or max(1, cpus) + EXTRA_IN_FLIGHT
        pending: Iterator[Job] = iter(jobs)
        exhausted = False
        while True:
            while not exhausted and len(in_flight) < limit:
                job = next(pending, None)
                if job is None:
                    exhausted = True
                    break
                try:
                    video = Path(job.path).read_bytes()
                except OSError as exc:
                    on_row(job, failed_row(job.summary_path, job.output, unreadable(job.path, exc)))
                    continue
                earlier = earlier_files(Path(out_root) / job.output) if job.from_poses else {}
                with _client_kept(out_root):        # the video sent: a large upload, where a break shows first
                    in_flight[task.remote(job, spec, model_ref, video, earlier)] = job
            if not in_flight:
                return
            with _client_kept(out_root):
                done, _ = ray.wait(list(in_flight), num_returns=1, timeout=PROBE_EVERY_S)
            for ref in done:
                job = in_flight.pop(ref)
                with _client_kept(out_root):        # its files fetched (ray.get): as large
                    row = finished_row(ray, ref, job, out_root, job.output)
                on_row(job, row)
            head.check(out_root)
    finally:
        # Ctrl-C pressed again here waits for the end: it had cut the shutdown short, the driver stayed connected,
        # and a cancelled task's late reply then ended the process in Ray's C++ (exit 1, not 130).
        with signals_deferred():
            with contextlib.suppress(ConnectionError):   # Ray Client's connection, lost: nothing left to cancel
                for ref in in_flight:
                    ray.cancel(ref, force=True)
            leave.close()
