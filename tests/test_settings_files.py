"""Settings files and profiles as a coach or researcher meets them: a file edited by hand, saved by another editor,
or not a settings file at all is refused in one line naming the file, the key and what is allowed (exit 1), never
a traceback, a value silently ignored or a file silently taken for the defaults."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from liftform.cli import app
from liftform.errors import ConfigError
from liftform.settings import load_settings

runner = CliRunner()


def refused_in_one_line(args: list[str]) -> str:
    """The one error line of ``liftform args`` (exit 1, no traceback)."""
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


# -- the pose model's name ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("model", ["huge", "fulll", "Heavy model", "best"])
def test_a_model_that_names_no_model_is_refused_as_the_file_is_read(tmp_path, model):
    """`model = "huge"` passed `liftform config` and `rescore` (which keeps the pose settings and said nothing of
    it); `analyze` refused it only when it loaded the model, without naming the file it came from."""
    config = tmp_path / "c.toml"
    config.write_text(f'[pose]\nmodel = "{model}"\n')
    with pytest.raises(ConfigError, match=rf"^{config}: config \[pose\] model must be lite, full, heavy or the path "
                                          rf"to a \.task file, got '{model}'$"):
        load_settings(config)
    for command in (["config", str(config)], ["rescore", str(tmp_path), "--config", str(config)]):
        assert "[pose] model must be lite, full, heavy" in refused_in_one_line(command), command


def test_a_model_given_as_a_name_in_any_case_or_as_a_path_is_taken(tmp_path):
    """A shipped name is written one way (the settings' fingerprint of "Full " was not full's, so `score` judged
    its videos again); a path is checked where the model is loaded, where it is looked for."""
    config = tmp_path / "c.toml"
    custom = tmp_path / "my_model"          # a bundle of any name, there
    custom.write_bytes(b"")
    for given, taken in ((" Full ", "full"), ("LITE", "lite"), ("models/pose.task", "models/pose.task"),
                         ("elsewhere/pose", "elsewhere/pose"), (str(custom), str(custom))):
        config.write_text(f'[pose]\nmodel = "{given}"\n')
        assert load_settings(config).pose.model == taken, given
