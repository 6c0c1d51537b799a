"""liftform: watch a lift and tell a safe hip hinge from a rounded back, frame by frame and rep by rep.

    from liftform import analyze_video, read_analysis, Settings, Analysis
    analysis = analyze_video("lift.mp4", "out")     # writes out/lift/ (result.json, CSVs, video, report)
    again = read_analysis("out/lift")              # the same Analysis, read back from the folder

Importing liftform loads nothing heavy: the names below load their modules on first use (mediapipe only when
poses are estimated).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# Public name -> the module that defines it (loaded on first use, PEP 562).
_EXPORTS = {
    "analyze_video": "liftform.pipeline",
    "read_analysis": "liftform.outputs.read",
    "Settings": "liftform.settings",
    "load_settings": "liftform.settings",
    "Analysis": "liftform.analysis",
}
__all__ = ["Analysis", "Settings", "__version__", "analyze_video", "load_settings", "read_analysis"]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from liftform.analysis import Analysis
    from liftform.outputs.read import read_analysis
    from liftform.pipeline import analyze_video
    from liftform.settings import Settings, load_settings


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'liftform' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The names loaded on first use too: a notebook completes ``liftform.<Tab>`` from this."""
    return sorted({*globals(), *__all__})
