"""What a Python caller passes, checked at the boundary: one LiftformError naming what to pass, never an
AttributeError from deep inside (a dict of settings had failed as "'dict' object has no attribute 'pose'", a path given
for a track as "'str' object has no attribute 'timestamps_s'")."""

from __future__ import annotations

from typing import Any

from liftform.analysis import ModelInfo, SourceInfo
from liftform.errors import ConfigError, InputError
from liftform.settings import Settings
from liftform.track import PoseTrack


def checked_settings(settings: Any) -> Settings:
    """``settings`` (None: the defaults), or a ConfigError where it is not a `Settings`."""
    if settings is None:
        return Settings()
    if not isinstance(settings, Settings):
        raise ConfigError(f"settings must be a liftform.Settings (Settings(), load_settings(...)), got "
                          f"{type(settings).__name__}")
    return settings


def check_track_inputs(track: Any, source: Any, model: Any) -> None:
    """InputError unless ``track``, ``source`` and ``model`` are what `pipeline.analyze_track` judges."""
    for value, name, kind, where in ((track, "the track", PoseTrack, "read_poses_npz(...) or PoseTrack(...)"),
                                     (source, "source", SourceInfo, "read_analysis(...).source or SourceInfo(...)"),
                                     (model, "model", ModelInfo, "read_analysis(...).model or ModelInfo(...)")):
        if not isinstance(value, kind):
            raise InputError(f"{name} must be a liftform {kind.__name__} ({where}), got {type(value).__name__}")
