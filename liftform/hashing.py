"""SHA-256 of files, read in chunks so a large video or model never sits in memory whole.

Used for the model checksum (download verification, provenance) and for the source video's checksum in
`result.json`; `once_per_file` keeps such a fact of a file (its checksum, whether a model bundle is intact) for the
life of the process.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from pathlib import Path

CHUNK_BYTES = 1 << 20  # 1 MiB per read


def sha256_file(path: str | Path, *, chunk_bytes: int = CHUNK_BYTES) -> str:
    """Return the SHA-256 of the file at `path` as 64 lowercase hex characters.

    Reads `chunk_bytes` bytes at a time. Raises `OSError` (e.g. `FileNotFoundError`) if the file cannot be read;
    callers turn that into the error of their domain.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


_FILE_FACTS: dict[tuple[str, str, int, int], str] = {}
# One file read at a time: the models' head start (`pipeline._load_models_ahead`) and the pose stage resolve the model
# at about the same moment, and both hashed the bundle (heavy: 44 and 41 ms) until the second waited for the first.
_FILE_FACTS_LOCK = threading.Lock()


def once_per_file(fact: Callable[[Path], str], path: Path) -> str:
    """``fact(path)``, remembered per (fact, path, size, mtime) for the life of the process: computed once even when
    asked from several threads at once, and again for a file replaced meanwhile. Raises OSError as ``fact`` does."""
    st = path.stat()
    key = (fact.__name__, str(path.resolve()), st.st_size, st.st_mtime_ns)
    with _FILE_FACTS_LOCK:
        if key not in _FILE_FACTS:
            _FILE_FACTS[key] = fact(path)
        return _FILE_FACTS[key]
