"""SHA-256 of files, read in chunks so a large video or model never sits in memory whole.

Used for the model checksum (download verification, provenance) and for the source video's checksum in
`result.json`.
"""

from __future__ import annotations

import hashlib
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
