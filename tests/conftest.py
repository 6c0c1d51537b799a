"""Test session setup: where the pose models are, and shared fixtures."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SAMPLES = REPO / "sample_videos"

sys.path.insert(0, str(Path(__file__).parent))   # tests import synthetic_tracks

# Offline machines (CI, this workplace) keep working copies of the models beside the repo; a user's machine with
# internet downloads them on first use instead.
if "LIFTFORM_MODEL_DIR" not in os.environ and (SHARED / "models").is_dir():
    os.environ["LIFTFORM_MODEL_DIR"] = str(SHARED / "models")


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
