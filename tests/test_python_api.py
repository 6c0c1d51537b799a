"""liftform used from Python (a script, a notebook) rather than the CLI: what a user gets wrong in the call is one
liftform error with a message that says what to pass, raised before any work; nothing fails deep inside."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from liftform import Settings, analyze_video, read_analysis
from liftform.errors import ConfigError, InputError
from liftform.settings import PoseSettings, SpineSettings

DEFAULTS = Settings()


def _verdict_with(**values) -> Settings:
    return Settings(verdict=dataclasses.replace(DEFAULTS.verdict, **values))


@pytest.mark.parametrize("make, says", [
    # A number as text or None had raised TypeError from inside the range check ("'>=' not supported").
    (lambda: _verdict_with(rounded_back_spine_deg="25"), "settings [verdict] rounded_back_spine_deg must be at least 5 "
                                                        "and at most 90, got '25'"),
    (lambda: _verdict_with(rounded_back_spine_deg=None), "rounded_back_spine_deg must be at least 5 and at most 90, "
                                                        "got None"),
    # A list where a pair is a tuple had raised TypeError; one number where a pair belongs had passed.
    (lambda: _verdict_with(reba_trunk_bands_deg=[20, 60]), "reba_trunk_bands_deg must be a tuple of 2 numbers"),
    (lambda: _verdict_with(reba_trunk_bands_deg=20), "reba_trunk_bands_deg must be a tuple of 2 numbers"),
    # A dict had raised TypeError from dataclasses; another section's dataclass had passed, to fail in the core.
    (lambda: Settings(verdict={"rounded_back_spine_deg": 20}), "settings [verdict] must be a VerdictSettings"),
    (lambda: Settings(verdict=SpineSettings()), "settings [verdict] must be a VerdictSettings .*got SpineSettings"),
    (lambda: Settings(pose=PoseSettings(model=3)), "settings [pose] model must be lite, full, heavy"),
    (lambda: _verdict_with(rounded_back_spine_deg=500), "settings [verdict] rounded_back_spine_deg must be at least 5"),
])
def test_settings_made_in_python_with_a_wrong_value_are_one_config_error_naming_the_key(make, says):
    with pytest.raises(ConfigError, match=says.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        make()


def test_settings_made_in_python_take_numpy_numbers():
    settings = _verdict_with(rounded_back_spine_deg=np.float64(30), reba_trunk_bands_deg=(np.int64(20), 60))
    assert settings.verdict.rounded_back_spine_deg == 30


@pytest.mark.parametrize("settings", [{}, {"pose": {"model": "lite"}}, "lite"])
def test_analyze_video_refuses_settings_that_are_no_settings_before_any_work(tmp_path, settings):
    """A dict had failed deep in the pose stage ("'dict' object has no attribute 'pose'"), and ``{}`` had been
    taken for the defaults without a word."""
    with pytest.raises(ConfigError, match=f"settings must be a liftform.Settings .*got {type(settings).__name__}"):
        analyze_video(tmp_path / "lift.mp4", tmp_path / "out", settings)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("video", [None, 3, b"lift.mp4"])
def test_analyze_video_refuses_a_video_that_is_no_path(video):
    """pathlib's TypeError ("expected str, bytes or os.PathLike object") had come from deep inside."""
    with pytest.raises(InputError, match=f"the video must be a path .*got {type(video).__name__}"):
        analyze_video(video)


def test_read_analysis_of_a_file_says_it_is_no_result_folder(tmp_path):
    """The video itself passed to `read_analysis` had been told "cannot read result file lift.mp4/result.json: Not a
    directory; delete it and run the analysis again": the advice was to delete the video."""
    video = tmp_path / "lift.mp4"
    video.write_bytes(b"\0" * 64)
    with pytest.raises(InputError) as error:
        read_analysis(video)
    assert str(error.value) == (f"{video} is a file, not a result folder: pass the folder liftform wrote for a video "
                                "(OUT/<video>) or its result.json")
