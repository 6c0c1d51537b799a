"""Test session setup: where the pose models are, and shared fixtures."""

from __future__ import annotations

import dataclasses
import errno
import os
import signal
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SAMPLES = REPO / "sample_videos"

sys.path.insert(0, str(Path(__file__).parent))   # tests import synthetic_tracks

# Ctrl-C as at a terminal: a run started in the background (`pytest &` in a script, nohup) inherits SIGINT ignored,
# and the tests that press Ctrl-C (os.kill SIGINT) failed there, as if liftform had not stopped.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# Offline machines (CI, this workplace) keep working copies of the models beside the repo; a user's machine with
# internet downloads them on first use instead.
if "LIFTFORM_MODEL_DIR" not in os.environ and (SHARED / "models").is_dir():
    os.environ["LIFTFORM_MODEL_DIR"] = str(SHARED / "models")


def _hide_the_pose_model(item) -> pytest.MonkeyPatch:
    """For a test not marked ``slow``: no pose model in reach (an empty model folder and cache; the official download
    URLs point at a closed local port, refused at once, no network). So `pytest -m "not slow"` runs where no model is
    in reach, and a quick test that needs one fails in every run instead of only on a contributor's machine. Set in
    the setup hook, before any fixture: a module- or session-scoped fixture a quick test uses is under it too (an
    autouse fixture had come after them, and four quick report tests had run the model through one)."""
    from liftform import models

    patch = pytest.MonkeyPatch()
    empty = item.config._tmp_path_factory.mktemp("no-model")
    patch.setenv(models.ENV_MODEL_DIR, str(empty))
    patch.setenv(models.ENV_CACHE_DIR, str(empty / "cache"))
    for name, spec in list(models.OFFICIAL_MODELS.items()):
        patch.setitem(models.OFFICIAL_MODELS, name, dataclasses.replace(
            spec, url=f"http://127.0.0.1:9/no-model-in-the-quick-lane/{models.model_filename(name)}"))
    return patch


_NO_MODEL = pytest.StashKey[pytest.MonkeyPatch]()
_MODEL_MISSING: list[str] = []   # computed once: "" when the pose models are in reach, else why not


def model_missing() -> str:
    """Why the pose models the tests use (lite, full) cannot be had ("" when they can): from the model folder,
    the cache, or one download attempt."""
    if not _MODEL_MISSING:
        from liftform.errors import ModelError
        from liftform.models import resolve_model

        try:
            for name in ("full", "lite"):
                resolve_model(name)
            _MODEL_MISSING.append("")
        except ModelError as exc:
            _MODEL_MISSING.append(str(exc))
    return _MODEL_MISSING[0]


def pytest_report_header(config) -> str | None:
    missing = model_missing()
    return f"pose model not in reach, tests marked 'model' skip: {missing}" if missing else None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item) -> None:
    """Before a test's fixtures run: tests marked ``model`` skip where no pose model is in reach, all with one
    reason (raised here, so pytest's summary folds them into one line); a test not marked ``slow`` finds no model."""
    if item.get_closest_marker("model") is not None and model_missing():
        pytest.skip(f"needs the pose model, not in reach: {model_missing()}")
    if item.get_closest_marker("slow") is None:
        item.stash[_NO_MODEL] = _hide_the_pose_model(item)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem) -> None:
    if (patch := item.stash.get(_NO_MODEL, None)) is not None:
        patch.undo()


@pytest.fixture
def read_only(monkeypatch):
    """``read_only(folder)``: no file can be made under ``folder`` from now on, as on a file system mounted
    read-only (errno EROFS; `os.access` says it is not writable), for the test's end."""
    real_open, real_access = os.open, os.access

    def make_read_only(folder: Path) -> None:
        def under(path) -> bool:
            return os.path.commonpath([os.path.abspath(path), os.path.abspath(folder)]) == os.path.abspath(folder)

        def refuse(path, flags, *args, **kwargs):
            if flags & os.O_CREAT and under(path):
                raise OSError(errno.EROFS, "Read-only file system", os.fspath(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", refuse)
        monkeypatch.setattr(os, "access", lambda path, mode, **kw: not (mode & os.W_OK and under(path))
                            and real_access(path, mode, **kw))
    return make_read_only


@pytest.fixture(scope="session")
def sample_videos() -> dict[str, Path]:
    """The project's own rendered samples (regenerate with `python -m liftform.synth sample_videos`)."""
    found = {p.stem: p for p in SAMPLES.glob("*.mp4")}
    assert found, "sample_videos/ is empty: run `python -m liftform.synth sample_videos`"
    return found


@pytest.fixture(scope="session")
def footage_dir() -> Path:
    """Real footage for development (never committed); tests that use it skip where it is absent."""
    footage = SHARED / "footage"
    if not (footage / "MANIFEST.csv").is_file():
        pytest.skip("../shared/footage is not present")
    return footage
