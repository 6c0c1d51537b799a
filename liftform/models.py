"""Find the MediaPipe pose model bundle (`.task`), or download it once into the user cache.

Since mediapipe 0.10.30 the wheel carries no model, so liftform resolves one itself, in this order:

1. an explicit path (`model="path/to/pose_landmarker_full.task"`), accepted as it is;
2. a model directory (the `model_dir` argument, else env `LIFTFORM_MODEL_DIR`) holding `pose_landmarker_{name}.task`,
   accepted as it is (offline machines, CI, custom builds);
3. the user cache, `<cache root>/models/pose_landmarker_{name}.task`, where the cache root is env
   `LIFTFORM_CACHE_DIR` or `platformdirs.user_cache_dir("liftform")`;
4. a download of the official bundle into that cache, verified against the official SHA-256.

Whatever the source, the file must be a MediaPipe bundle: a zip holding the pose detector and the pose landmarks
TFLite models, each passing its CRC-32 check. Whether it *loads* is checked where mediapipe is imported
(`liftform.landmarkers`).
This module never prints: progress goes to the caller's callback.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from liftform.errors import MODEL, MODEL_DIR, MODEL_PATH, ModelError
from liftform.hashing import once_per_file, sha256_file
from liftform.model_names import MODEL_CHOICES, MODEL_NAMES, expanded_path, shipped_name

DEFAULT_MODEL = "full"
ENV_MODEL_DIR = "LIFTFORM_MODEL_DIR"
ENV_CACHE_DIR = "LIFTFORM_CACHE_DIR"
_MODEL_SET_BY = f"{MODEL}, or [pose] model in a config"   # where a model's name comes from, for its errors

# Members every pose landmarker bundle holds; each is a TFLite flatbuffer ("TFL3" at byte offset 4).
BUNDLE_MEMBERS = ("pose_detector.tflite", "pose_landmarks_detector.tflite")
_TFLITE_MAGIC = b"TFL3"
STALE_PART_S = 3600     # a download's temporary file untouched this long was left by a process killed outright

URL_TEMPLATE = ("https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
                "pose_landmarker_{name}/float16/latest/pose_landmarker_{name}.task")

ProgressCallback = Callable[[int, int | None], None]
"""Called as `progress(bytes_done, bytes_total)`; `bytes_total` is None when the server does not say."""


@dataclass(frozen=True)
class ModelSpec:
    """An official pose landmarker bundle: where to get it and what it must hash to."""

    name: str
    url: str
    sha256: str
    size_bytes: int


OFFICIAL_MODELS: dict[str, ModelSpec] = {
    "lite": ModelSpec("lite", URL_TEMPLATE.format(name="lite"),
                      "59929e1d1ee95287735ddd833b19cf4ac46d29bc7afddbbf6753c459690d574a", 5_777_746),
    "full": ModelSpec("full", URL_TEMPLATE.format(name="full"),
                      "4eaa5eb7a98365221087693fcc286334cf0858e2eb6e15b506aa4a7ecdcec4ad", 9_398_198),
    "heavy": ModelSpec("heavy", URL_TEMPLATE.format(name="heavy"),
                       "64437af838a65d18e5ba7a0d39b465540069bc8aae8308de3e318aad31fcbc7b", 30_664_242),
}


@dataclass(frozen=True)
class ResolvedModel:
    """The model bundle to load.

    `name` is lite/full/heavy (or the file stem for a custom bundle), `sha256` the file's checksum (for provenance),
    `source` one of "path", "model_dir", "cache", "download".
    """

    name: str
    path: Path
    sha256: str
    source: str


@dataclass(frozen=True)
class ModelInfo:
    """What `liftform models` shows for one official model name.

    `path` is None when the model is in neither the model directory nor the cache ("not present"); `source` is then
    None too, else "model_dir" or "cache". `matches_official` compares `sha256` with the official checksum.
    `problem` says why a file present is no pose model (`bundle_problem`: damaged, truncated), else "".
    """

    name: str
    path: Path | None
    source: str | None
    size_bytes: int | None
    sha256: str | None
    official_sha256: str
    matches_official: bool | None
    url: str
    problem: str = ""

    @property
    def present(self) -> bool:
        return self.path is not None


# --- where models live ---------------------------------------------------------------------------------------------

def model_filename(name: str) -> str:
    """File name of a bundle: `pose_landmarker_{name}.task`."""
    return f"pose_landmarker_{name}.task"


def model_cache_dir() -> Path:
    """Directory the downloads go to: `$LIFTFORM_CACHE_DIR/models`, else `user_cache_dir("liftform")/models`."""
    root = os.environ.get(ENV_CACHE_DIR) or platformdirs.user_cache_dir("liftform")
    return expanded_path(root, ENV_CACHE_DIR) / "models"


def _model_dir_or_env(model_dir: str | Path | None) -> tuple[Path | None, str]:
    """The model directory to search and how it was given (for messages)."""
    env = os.environ.get(ENV_MODEL_DIR)
    if model_dir is not None:
        # The CLI's --model-dir also reads the variable: name whichever the user actually set.
        from_env = bool(env) and Path(os.path.expanduser(env)) == Path(os.path.expanduser(model_dir))
        given_as = ENV_MODEL_DIR if from_env else str(MODEL_DIR)
        return expanded_path(model_dir, given_as), given_as
    if env:
        return expanded_path(env, ENV_MODEL_DIR), ENV_MODEL_DIR
    return None, ""


def _model_dir_checked(model_dir: str | Path | None) -> tuple[Path | None, str]:
    """`_model_dir_or_env`, with a ModelError when a model directory is given and is not a folder: a mistyped
    path is said, not passed over for the cache or a download."""
    directory, given_as = _model_dir_or_env(model_dir)
    if directory is not None and not directory.is_dir():
        what = "is not a folder" if directory.exists() else "does not exist"    # a space pasted at an end, shown:
        shown = f"'{directory}'" if str(directory) != str(directory).strip() else directory     # "/data/models "
        # "or unset LIFTFORM_MODEL_DIR" had been said of a --model-dir typed with the variable unset
        fix = f" or unset {ENV_MODEL_DIR}" if given_as == ENV_MODEL_DIR else ""
        raise ModelError(f"model directory {shown} (from {given_as}) {what}; fix the path{fix}")
    return directory, given_as


def _sha256_cached(path: Path) -> str:
    """`sha256_file`, once per version of the file in this process (`once_per_file`)."""
    return once_per_file(sha256_file, path)


# --- validation ----------------------------------------------------------------------------------------------------

def check_bundle(path: str | Path, hint: str = "pass lite, full, heavy or the path to a pose_landmarker_*.task file",
                 ) -> None:
    """Raise ModelError unless `path` is a MediaPipe pose landmarker bundle (zip of the two TFLite models); the
    message ends in ``hint``, what to do."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"pose model file not found: {path}; {hint}")
    try:
        problem = once_per_file(bundle_problem, path)
    except OSError as exc:
        raise ModelError(f"cannot read pose model {path} ({exc.strerror or exc}); check its permissions") from None
    if problem:
        raise ModelError(f"{path} is {problem}; {hint}")


def bundle_problem(path: Path) -> str:
    """Why the file at ``path`` is no pose landmarker bundle, in a few words; "" where it is one. OSError if it
    cannot be read."""
    try:
        with zipfile.ZipFile(path) as bundle:
            names = set(bundle.namelist())
            if missing := [m for m in BUNDLE_MEMBERS if m not in names]:
                # A truncated bundle still opens as a zip: the end of an inner model's own metadata zip is found.
                return f"not a pose landmarker bundle (it lacks {', '.join(missing)}: truncated, or another file)"
            for member in BUNDLE_MEMBERS:
                # Read to its end, where zipfile checks its CRC-32 (~7 ms for full): damaged weights still load, and
                # found nobody in a good video ("no person found: film the whole body") or people wrong, unsaid.
                with bundle.open(member) as fh:
                    try:
                        head = fh.read(8)
                        while fh.read(1 << 20):
                            pass
                    except zipfile.BadZipFile:
                        return f"damaged ({member} fails its CRC-32 check: a corrupted copy)"
                if head[4:8] != _TFLITE_MAGIC:
                    return f"damaged ({member} is not a TFLite model)"
    except (zipfile.BadZipFile, EOFError):
        return "not a MediaPipe model bundle (not a .task zip, or truncated)"
    return ""


def _resolved(name: str, path: Path, source: str) -> ResolvedModel:
    if source == "path":
        check_bundle(path)
    else:                  # found under its name in a folder: what the user passed was right, the file is not
        check_bundle(path, replace_advice(name))
    try:
        digest = _sha256_cached(path)
    except OSError as exc:
        raise ModelError(f"cannot read pose model {path} ({exc.strerror or exc}); check its permissions") from None
    return ResolvedModel(name=name, path=path, sha256=digest, source=source)


def _name_of_custom(path: Path) -> str:
    match = re.fullmatch(r"pose_landmarker_(\w+)", path.stem)
    return match.group(1) if match and match.group(1) in MODEL_NAMES else path.stem


# --- resolution ----------------------------------------------------------------------------------------------------

def resolve_model(
    model: str | Path = DEFAULT_MODEL,
    *,
    model_dir: str | Path | None = None,
    cache_dir: Path | None = None,
    download: bool = True,
    progress: ProgressCallback | None = None,
) -> ResolvedModel:
    """Find (or download) the pose model bundle; see the module docstring for the order.

    `model` is "lite", "full", "heavy" or a path to a `.task` file. `model_dir` overrides env `LIFTFORM_MODEL_DIR`;
    `cache_dir` is the directory holding cached bundles (default `model_cache_dir()`). With `download=False`, a model
    missing from the model directory and cache is an error instead of a download. `progress(bytes_done,
    bytes_total)` is called while downloading. Raises ModelError with a message that says how to fix it.
    """
    name = shipped_name(model) if isinstance(model, str) else ""
    if isinstance(model, str) and not model.strip():      # Path("") is the working directory: not a model, nor full
        raise ModelError(f"the pose model's name is empty; choose {MODEL_CHOICES} ({_MODEL_SET_BY})")
    if not name:
        path = expanded_path(model, _MODEL_SET_BY)
        if not path.exists():     # a typo in a config file's model was told as if --model had been given
            raise ModelError(f"pose model not found: {model!r} is neither lite, full, heavy nor an existing file; "
                             f"check the name or path ({_MODEL_SET_BY})")
        if path.is_dir():
            raise ModelError(f"pose model {path} is a directory; pass the .task file inside it, "
                             f"or set {ENV_MODEL_DIR}={path} and pass lite, full or heavy")
        return _resolved(_name_of_custom(path), path, "path")

    directory, given_as = _model_dir_checked(model_dir)
    if directory is not None:
        candidate = directory / model_filename(name)
        if candidate.exists():
            return _resolved(name, candidate, "model_dir")
        # Not there: the cache or a download may still have it; if not, say which folder lacked it.
        missing_from = f"{directory} (from {given_as}) holds no {model_filename(name)}"
    else:
        missing_from = ""

    cache = Path(cache_dir) if cache_dir is not None else model_cache_dir()
    cached = cache / model_filename(name)
    if cached.is_file():
        try:
            return _resolved(name, cached, "cache")
        except ModelError:
            if not download:
                raise
            # A damaged cached copy: fetch a fresh one over it (the replace below is atomic).

    if not download:
        where = missing_from or f"{ENV_MODEL_DIR} is not set"
        raise ModelError(f"pose model '{name}' is not in the cache ({cache}) and downloads are off ({where}); "
                         f"{_manual_advice(name, directory)}")
    try:
        path = download_model(name, cache, progress=progress)
    except ModelError as exc:
        if not missing_from:
            raise
        raise ModelError(f"{missing_from}; {exc}") from None
    return _resolved(name, path, "download")


def _manual_advice(name: str, directory: Path | None, url: str | None = None) -> str:
    """What to do when a model cannot be fetched: put the file where liftform looks (the model directory
    already given, else one to name in LIFTFORM_MODEL_DIR), or pass its path."""
    url = url or OFFICIAL_MODELS[name].url
    target = f"into {directory}" if directory is not None else f"into a folder and set {ENV_MODEL_DIR} to it"
    return f"download {url} by hand {target}, or pass {MODEL_PATH}"


def replace_advice(name: str) -> str:
    """What to do with a damaged `pose_landmarker_{name}.task` where liftform looks for it."""
    return f"copy a good {model_filename(name)} over it ({OFFICIAL_MODELS[name].url}), or delete it"


# --- download ------------------------------------------------------------------------------------------------------

def download_model(
    name: str,
    dest_dir: str | Path,
    *,
    url: str | None = None,
    sha256: str | None = None,
    progress: ProgressCallback | None = None,
    timeout_s: float = 30,
) -> Path:
    """Download bundle `name` into `dest_dir` as `pose_landmarker_{name}.task`; return its path.

    Streams from `url` (default: the official URL) into a temporary file in `dest_dir`, calls
    `progress(bytes_done, bytes_total)` as it goes, checks the SHA-256 (default: the official one for `name`), then
    moves the file into place atomically. On any failure nothing is left behind and ModelError is raised.
    `timeout_s` is the socket timeout in seconds (connect and each read).
    """
    spec = OFFICIAL_MODELS.get(name)
    if spec is None and (url is None or sha256 is None):
        raise ModelError(f"unknown pose model {name!r}; choose one of {', '.join(MODEL_NAMES)}")
    url = url or spec.url
    expected = (sha256 or spec.sha256).lower()
    dest_dir = Path(dest_dir)
    final = dest_dir / model_filename(name)
    manual = _manual_advice(name, _model_dir_or_env(None)[0], url)
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
        _remove_stale_parts(dest_dir, final.name)
        fd, tmp_name = tempfile.mkstemp(dir=dest_dir, prefix=f".{final.name}.", suffix=".part")
    except OSError as exc:
        raise ModelError(f"cannot write to the model cache {dest_dir} ({exc.strerror or exc}); set "
                         f"{ENV_CACHE_DIR} to a writable folder, or {manual}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            _stream(url, out, progress=progress, timeout_s=timeout_s)
        actual = sha256_file(tmp)
        if actual != expected:
            raise ModelError(f"downloaded pose model '{name}' has SHA-256 {actual}, expected {expected} (corrupted "
                             f"download, or the file changed upstream); retry, or {manual}")
        check_bundle(tmp)
        os.replace(tmp, final)
    except OSError as exc:                    # urllib's URLError is one
        reason = getattr(exc, "reason", None) or exc.strerror or exc
        raise ModelError(f"cannot download pose model '{name}' ({reason}); {manual}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return final


def _remove_stale_parts(dest_dir: Path, name: str) -> None:
    """Delete the temporary files of downloads of ``name`` killed outright (SIGKILL, power loss: no ``finally``
    ran), each up to a heavy model's 31 MB; one written to in the last `STALE_PART_S` may be another process's."""
    for part in dest_dir.glob(f".{name}.*.part"):
        with contextlib.suppress(OSError):      # gone meanwhile, or not ours to delete: it is only left over
            if time.time() - part.stat().st_mtime > STALE_PART_S:
                part.unlink()


def _stream(url: str, out, *, progress: ProgressCallback | None, timeout_s: float,
            chunk_bytes: int = 1 << 16) -> None:
    """Copy the body at `url` into the binary file `out`, reporting progress. Raises URLError/OSError."""
    import urllib.request  # here, not at the top: it imports ssl (~25 ms of every start), needed only to download

    request = urllib.request.Request(url, headers={"User-Agent": "liftform"})
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        done = 0
        if progress:
            progress(done, total)
        while chunk := response.read(chunk_bytes):
            out.write(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
        if total is not None and done < total:
            raise OSError(f"connection closed after {done} of {total} bytes")


# --- listing -------------------------------------------------------------------------------------------------------

def list_models(model_dir: str | Path | None = None, cache_dir: Path | None = None) -> list[ModelInfo]:
    """For lite, full and heavy: where the bundle is found (model directory first, then cache), its size and
    SHA-256, and whether that matches the official checksum. Never downloads and never raises for a missing model;
    raises ModelError when the model directory given (``model_dir``, else LIFTFORM_MODEL_DIR) is not a folder."""
    directory, _ = _model_dir_checked(model_dir)
    cache = Path(cache_dir) if cache_dir is not None else model_cache_dir()
    infos = []
    for name, spec in OFFICIAL_MODELS.items():
        found = None
        for source, folder in (("model_dir", directory), ("cache", cache)):
            if folder is not None and (folder / model_filename(name)).is_file():
                found = (source, folder / model_filename(name))
                break
        if found is None:
            infos.append(ModelInfo(name, None, None, None, None, spec.sha256, None, spec.url))
            continue
        source, path = found
        try:
            digest, problem = _sha256_cached(path), once_per_file(bundle_problem, path)
        except OSError as exc:
            digest, problem = None, f"cannot be read ({exc.strerror or exc})"
        infos.append(ModelInfo(name, path, source, path.stat().st_size, digest, spec.sha256,
                               None if digest is None else digest == spec.sha256, spec.url, problem))
    return infos
