"""Model resolution and download, against a local HTTP server only (never the internet)."""

from __future__ import annotations

import functools
import hashlib
import http.server
import itertools
import os
import socket
import threading
import time
import zipfile
from pathlib import Path

import pytest

from liftform import hashing, models
from liftform.errors import ModelError
from liftform.hashing import sha256_file

# The working copies of the real bundles: $LIFTFORM_MODEL_DIR if set, else ../shared/models (read at import, before
# the autouse fixture below clears the env).
SHARED_MODELS = Path(os.environ.get("LIFTFORM_MODEL_DIR") or Path(__file__).resolve().parents[2] / "shared" / "models")


def make_fake_bundle(path: Path, payload: bytes = b"") -> Path:
    """A real zip with the two member names and TFLite magic of a pose landmarker bundle (not a working model)."""
    tflite_head = b"\x1c\x00\x00\x00TFL3"
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("pose_detector.tflite", tflite_head + b"detector" + payload)
        bundle.writestr("pose_landmarks_detector.tflite", tflite_head + b"landmarks" + payload)
    return path


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """No test sees the developer's model dir or cache."""
    monkeypatch.delenv(models.ENV_MODEL_DIR, raising=False)
    monkeypatch.setenv(models.ENV_CACHE_DIR, str(tmp_path / "cache-root"))


@pytest.fixture
def server(tmp_path):
    """Serve tmp_path/www on 127.0.0.1 (ephemeral port) from a thread; yields (base_url, www_dir)."""
    www = tmp_path / "www"
    www.mkdir()

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(www)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", www
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def served_full(server, monkeypatch):
    """A fake `full` bundle on the local server, registered as the official one; yields (spec, bytes)."""
    base, www = server
    bundle = make_fake_bundle(www / "pose_landmarker_full.task", payload=os.urandom(300_000))
    data = bundle.read_bytes()
    spec = models.ModelSpec("full", f"{base}/pose_landmarker_full.task", hashlib.sha256(data).hexdigest(), len(data))
    monkeypatch.setitem(models.OFFICIAL_MODELS, "full", spec)
    return spec, data


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- download ------------------------------------------------------------------------------------------------------

def test_download_verifies_checksum_and_reports_progress(served_full, tmp_path):
    spec, data = served_full
    calls = []
    path = models.download_model("full", tmp_path / "dl", progress=lambda done, total: calls.append((done, total)))
    assert path == tmp_path / "dl" / "pose_landmarker_full.task"
    assert path.read_bytes() == data
    assert sha256_file(path) == spec.sha256
    assert calls[0] == (0, len(data)) and calls[-1] == (len(data), len(data))
    assert len(calls) > 2 and all(a[0] <= b[0] for a, b in itertools.pairwise(calls))
    assert os.listdir(tmp_path / "dl") == [path.name]  # no temp file left


def test_download_with_wrong_checksum_leaves_nothing(served_full, tmp_path):
    dest = tmp_path / "dl"
    with pytest.raises(ModelError, match="SHA-256") as info:
        models.download_model("full", dest, sha256="0" * 64)
    assert "\n" not in str(info.value)
    assert os.listdir(dest) == []


def test_download_removes_what_a_killed_download_left(served_full, tmp_path):
    """A download killed outright (SIGKILL, power loss) left its .part file in the cache for ever (up to 31 MB each);
    the next download of the model removes those untouched for an hour, not one another process may be writing."""
    dest = _mkdir(tmp_path / "dl")
    stale, fresh = dest / ".pose_landmarker_full.task.abc123.part", dest / ".pose_landmarker_full.task.def456.part"
    other = dest / ".pose_landmarker_lite.task.abc123.part"
    for part in (stale, fresh, other):
        part.write_bytes(b"x" * 1000)
    old = time.time() - models.STALE_PART_S - 60
    for part in (stale, other):
        os.utime(part, (old, old))
    path = models.download_model("full", dest)
    assert sorted(os.listdir(dest)) == sorted([path.name, fresh.name, other.name])


def test_download_server_down_says_how_to_work_offline(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/pose_landmarker_full.task"
    with pytest.raises(ModelError) as info:
        models.download_model("full", tmp_path / "dl", url=url, timeout_s=5)
    message = str(info.value)
    assert "LIFTFORM_MODEL_DIR" in message and "--model PATH" in message and url in message
    assert "\n" not in message
    assert os.listdir(tmp_path / "dl") == []


def test_download_http_404_is_model_error(server, tmp_path):
    base, _ = server
    with pytest.raises(ModelError, match="LIFTFORM_MODEL_DIR"):
        models.download_model("full", tmp_path / "dl", url=f"{base}/missing.task")
    assert os.listdir(tmp_path / "dl") == []


# --- resolution order ----------------------------------------------------------------------------------------------

def test_resolution_order_path_then_model_dir_then_cache_then_download(served_full, tmp_path, monkeypatch):
    env_dir, cache = tmp_path / "env-models", tmp_path / "cache"
    env_dir.mkdir()
    explicit = make_fake_bundle(tmp_path / "mine.task", b"explicit")
    make_fake_bundle(env_dir / "pose_landmarker_full.task", b"env")
    monkeypatch.setenv(models.ENV_MODEL_DIR, str(env_dir))

    # 4. Nothing in the cache and no model dir: download (from the local server).
    monkeypatch.delenv(models.ENV_MODEL_DIR)
    downloaded = models.resolve_model("full", cache_dir=cache)
    assert downloaded.source == "download" and downloaded.path == cache / "pose_landmarker_full.task"
    assert downloaded.sha256 == served_full[0].sha256

    # 3. Now it is cached: no second download (the server could be down).
    monkeypatch.setitem(models.OFFICIAL_MODELS, "full", models.ModelSpec("full", "http://127.0.0.1:9/x", "0" * 64, 1))
    assert models.resolve_model("full", cache_dir=cache).source == "cache"

    # 2. A model dir (env) wins over the cache; the model_dir argument wins over the env.
    monkeypatch.setenv(models.ENV_MODEL_DIR, str(env_dir))
    from_env = models.resolve_model("full", cache_dir=cache)
    assert (from_env.source, from_env.path) == ("model_dir", env_dir / "pose_landmarker_full.task")
    arg_dir = tmp_path / "arg-models"
    arg_dir.mkdir()
    make_fake_bundle(arg_dir / "pose_landmarker_full.task", b"arg")
    assert models.resolve_model("full", model_dir=arg_dir, cache_dir=cache).path.parent == arg_dir

    # 1. An explicit path wins over everything.
    chosen = models.resolve_model(str(explicit), cache_dir=cache)
    assert (chosen.source, chosen.path, chosen.name) == ("path", explicit, "mine")
    assert chosen.sha256 == sha256_file(explicit)


def test_model_dir_without_that_model_falls_through_to_cache(tmp_path):
    model_dir, cache = tmp_path / "models", tmp_path / "cache"
    model_dir.mkdir()
    cache.mkdir()
    make_fake_bundle(cache / "pose_landmarker_lite.task")
    assert models.resolve_model("lite", model_dir=model_dir, cache_dir=cache, download=False).source == "cache"


def test_default_cache_dir_follows_env(tmp_path, monkeypatch):
    monkeypatch.setenv(models.ENV_CACHE_DIR, str(tmp_path / "root"))
    assert models.model_cache_dir() == tmp_path / "root" / "models"
    make_fake_bundle(_mkdir(tmp_path / "root" / "models") / "pose_landmarker_heavy.task")
    assert models.resolve_model("heavy", download=False).source == "cache"


def test_damaged_cached_copy_is_downloaded_again(served_full, tmp_path):
    cache = _mkdir(tmp_path / "cache")
    (cache / "pose_landmarker_full.task").write_bytes(b"half a zip")
    resolved = models.resolve_model("full", cache_dir=cache)
    assert resolved.source == "download" and resolved.sha256 == served_full[0].sha256


def test_no_download_when_disabled(tmp_path):
    with pytest.raises(ModelError, match="LIFTFORM_MODEL_DIR"):
        models.resolve_model("full", cache_dir=tmp_path / "empty", download=False)


# --- bad inputs ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("content", [b"", b"not a zip at all", None])
def test_non_bundle_file_is_model_error(tmp_path, content):
    path = tmp_path / "model.task"
    if content is None:  # a zip, but not of a pose model
        with zipfile.ZipFile(path, "w") as bundle:
            bundle.writestr("hand_landmarker.tflite", b"\x1c\x00\x00\x00TFL3")
    else:
        path.write_bytes(content)
    with pytest.raises(ModelError) as info:
        models.resolve_model(str(path))
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_missing_path_and_directory_are_model_errors(tmp_path):
    with pytest.raises(ModelError, match="neither lite, full, heavy"):
        models.resolve_model(str(tmp_path / "nope.task"))
    with pytest.raises(ModelError, match="directory"):
        models.resolve_model(tmp_path)
    with pytest.raises(ModelError, match="does not exist"):
        models.resolve_model("full", model_dir=tmp_path / "missing-dir")


def test_models_command_says_a_missing_model_directory_as_analyze_does(tmp_path, monkeypatch):
    """`LIFTFORM_MODEL_DIR=/nonexistent liftform models` listed every model "not present (downloaded on first use)"
    and exit 0, while analyze refused the same directory: now the same one line, exit 1."""
    from typer.testing import CliRunner

    from liftform.cli import app

    runner = CliRunner()
    missing = tmp_path / "nonexistent"
    monkeypatch.setenv(models.ENV_MODEL_DIR, str(missing))
    with pytest.raises(ModelError) as analyze_says:
        models.resolve_model("full")
    result = runner.invoke(app, ["models"])
    assert result.exit_code == 1 and not result.stdout, result.output
    assert result.stderr.strip() == f"error: {analyze_says.value}"
    assert f"model directory {missing} (from {models.ENV_MODEL_DIR}) does not exist" in result.stderr
    (tmp_path / "a-file").write_text("")
    result = runner.invoke(app, ["models", "--model-dir", str(tmp_path / "a-file")])
    assert result.exit_code == 1 and f"{tmp_path / 'a-file'} (from --model-dir) is not a folder" in result.stderr
    monkeypatch.setenv(models.ENV_MODEL_DIR, str(_mkdir(missing)))
    result = runner.invoke(app, ["models"])
    assert result.exit_code == 0 and "not present" in result.stdout


def _models_listing(model_dir, monkeypatch, exit_code=0):
    """`liftform models` run on ``model_dir`` in a wide terminal: the result and the line of the full model."""
    from typer.testing import CliRunner

    from liftform.cli import app

    monkeypatch.setenv(models.ENV_MODEL_DIR, str(model_dir))
    _terminal_columns(monkeypatch, 300)
    result = CliRunner().invoke(app, ["models"])
    assert result.exit_code == exit_code, result.output
    return result, next(line for line in result.stdout.splitlines() if " full " in line)


def _terminal_columns(monkeypatch, columns: int) -> None:
    """A terminal ``columns`` wide for the CLI: COLUMNS, read as each line is printed, as in a fresh process. Rich
    fixes a console's width when it is made if COLUMNS is set then (pytest-xdist's workers set 80), so the CLI's
    consoles are unfixed here: fixed, a table wrapped at the width of whoever imported the CLI first."""
    from liftform.cli import common

    monkeypatch.setenv("COLUMNS", str(columns))
    for console in (common.out, common.err):
        monkeypatch.setattr(console, "_width", None)


def test_models_command_says_an_empty_model_file_is_damaged(tmp_path, monkeypatch):
    """A 0-byte pose_landmarker_full.task (an interrupted copy) was listed like a good local copy ("0.0 MB ... no (a
    local copy)"); it is said to be empty and damaged."""
    model_dir = _mkdir(tmp_path / "models")
    (model_dir / "pose_landmarker_full.task").write_bytes(b"")
    result, full = _models_listing(model_dir, monkeypatch, exit_code=1)   # a script checking models sees it
    assert "the file is empty (damaged)" in full and "a local copy" not in full, result.stdout


@pytest.mark.parametrize("damage", ["truncated", "text"])
def test_models_command_says_a_damaged_model_file_is_unusable(tmp_path, monkeypatch, damage):
    """A truncated pose_landmarker_full.task (or a text file under its name) was listed as "3.0 MB ... no (a local
    copy)", as a good copy with other metadata is, while analyze refused it: it is said to be unusable, why, and
    what to do."""
    model_dir = _mkdir(tmp_path / "models")
    bundle = make_fake_bundle(model_dir / "pose_landmarker_full.task", payload=b"x" * 4000)
    bundle.write_bytes(bundle.read_bytes()[:3000] if damage == "truncated" else b"<html>blocked</html>")
    result, full = _models_listing(model_dir, monkeypatch, exit_code=1)
    assert "no: unusable" in full and "a local copy" not in full, result.stdout
    assert (f"full: {bundle} is not a MediaPipe model bundle (not a .task zip, or truncated); copy a good "
            f"pose_landmarker_full.task over it ({models.OFFICIAL_MODELS['full'].url}), or delete it") in result.stdout
    with pytest.raises(ModelError) as analyze_says:      # analyze says the same of it, and not "pass lite, full, ..."
        models.resolve_model("full", download=False)
    assert str(analyze_says.value) == result.stdout.split("full: ", 1)[1].split("\n")[0]


def test_a_bundle_with_damaged_weights_is_refused_with_what_to_do(tmp_path, monkeypatch):
    """A bundle whose weights were damaged (a bad disk, a broken copy) but whose zip and TFLite headers are intact
    loaded: on a good video the model then found nobody, and liftform said "no person found ...: film the whole
    body", or could have misread the lifter without a sign. Each member's CRC-32 is checked: it is refused, in one
    line saying what to do, by analyze and by `liftform models` alike."""
    model_dir = _mkdir(tmp_path / "models")
    bundle = make_fake_bundle(model_dir / "pose_landmarker_full.task", payload=b"w" * 20_000)
    data = bytearray(bundle.read_bytes())
    data[data.index(b"landmarks" + b"w" * 100) + 10_000] ^= 0xFF    # one byte of the landmark model's weights
    bundle.write_bytes(bytes(data))
    monkeypatch.setenv(models.ENV_MODEL_DIR, str(model_dir))
    with pytest.raises(ModelError) as analyze_says:
        models.resolve_model("full", download=False)
    message = str(analyze_says.value)
    assert message == (f"{bundle} is damaged (pose_landmarks_detector.tflite fails its CRC-32 check: a corrupted "
                       f"copy); {models.replace_advice('full')}")
    result, full = _models_listing(model_dir, monkeypatch, exit_code=1)
    assert "no: unusable" in full and f"full: {message}" in result.stdout, result.stdout
    make_fake_bundle(bundle, payload=b"w" * 20_000)     # a good copy put over it is taken, not the verdict remembered
    assert models.resolve_model("full", download=False).source == "model_dir"
    _models_listing(model_dir, monkeypatch)             # and the listing exits 0 again


def test_models_command_shows_the_whole_path_in_a_narrow_terminal(tmp_path, monkeypatch):
    """At 80 columns the path, what `liftform models` is for, was cut: "/work/shared/model…"."""
    from typer.testing import CliRunner

    from liftform.cli import app

    model_dir = _mkdir(tmp_path / "a-long-folder-name-for-the-models" / "pose-models")
    bundle = make_fake_bundle(model_dir / "pose_landmarker_full.task")
    monkeypatch.setenv(models.ENV_MODEL_DIR, str(model_dir))
    _terminal_columns(monkeypatch, 80)
    result = CliRunner().invoke(app, ["models"])
    assert result.exit_code == 0 and "…" not in result.stdout, result.stdout
    where = "".join(line.split("│")[2].strip() for line in result.stdout.splitlines() if line.count("│") > 2)
    assert str(bundle) in where, result.stdout


def test_list_models_reports_presence_and_checksum_match(served_full, tmp_path):
    cache = _mkdir(tmp_path / "cache")
    models.download_model("full", cache)
    model_dir = _mkdir(tmp_path / "models")
    make_fake_bundle(model_dir / "pose_landmarker_lite.task")
    infos = {info.name: info for info in models.list_models(model_dir=model_dir, cache_dir=cache)}
    assert list(infos) == ["lite", "full", "heavy"]
    assert infos["full"].source == "cache" and infos["full"].matches_official is True
    assert infos["lite"].source == "model_dir" and infos["lite"].matches_official is False
    assert infos["lite"].size_bytes == (model_dir / "pose_landmarker_lite.task").stat().st_size
    assert not infos["heavy"].present and infos["heavy"].sha256 is None


# --- the real working copies ---------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.model
@pytest.mark.parametrize("name", models.MODEL_NAMES)
def test_shared_models_resolve(name, monkeypatch, tmp_path):
    if not (SHARED_MODELS / f"pose_landmarker_{name}.task").is_file():
        pytest.skip(f"no working copy of the {name} model (set LIFTFORM_MODEL_DIR to a folder holding it)")
    monkeypatch.setenv(models.ENV_MODEL_DIR, str(SHARED_MODELS))
    resolved = models.resolve_model(name, cache_dir=tmp_path / "cache", download=False)
    assert resolved.source == "model_dir" and resolved.name == name
    assert resolved.path == SHARED_MODELS / f"pose_landmarker_{name}.task"
    assert len(resolved.sha256) == 64


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_a_bundle_asked_for_by_two_threads_at_once_is_hashed_once(monkeypatch, tmp_path):
    # The models' head start and the pose stage resolve the model at about the same moment: one hash, one answer.
    bundle = make_fake_bundle(tmp_path / "pose_landmarker_full.task")
    calls, started = [], threading.Event()

    def slow_hash(path, **kwargs):
        calls.append(path)
        started.set()
        threading.Event().wait(0.2)          # long enough for the other thread to ask meanwhile
        return sha256_file(path, **kwargs)

    monkeypatch.setattr(models, "sha256_file", slow_hash)
    monkeypatch.setattr(hashing, "_FILE_FACTS", {})
    digests = []
    first = threading.Thread(target=lambda: digests.append(models._sha256_cached(bundle)))
    first.start()
    started.wait(5)
    digests.append(models._sha256_cached(bundle))
    first.join()
    assert len(calls) == 1
    assert digests == [sha256_file(bundle)] * 2
