"""Issue 12: faults a careful user hit that were silent (exit 0, or a wrong answer without a word).

One table: each row sets up one fault, runs the command the user ran, and checks the user is told (one line,
non-zero exit) or that nothing is wrong any more. Rows that need the pose model skip (once, with the reason) where
no model is in reach.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liftform.cli import app
from liftform.settings import Settings, value_range

runner = CliRunner()
CASES: dict[str, Callable[..., None]] = {}


def case(name: str):
    """Add the decorated check to the table under ``name`` (``<issue item>-<what>``)."""
    def add(check: Callable[..., None]) -> Callable[..., None]:
        CASES[name] = check
        return check
    return add


def one_line_error(result, *words: str) -> str:
    """The CLI failed with exit 1 and one line on stderr holding every one of ``words``."""
    assert result.exit_code == 1, (result.exit_code, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert "Traceback" not in result.output
    return lines[0]


# --- 5: every setting has a valid range, checked when loaded ------------------------------------------------

BAD_SETTINGS = {   # (section, key, value): each was accepted and gave a silently wrong (or misleading) run
    "negative-rounding-limit": ("verdict", "rounded_back_spine_deg", "-5.0"),
    "depth-beyond-body": ("reps", "min_depth", "5"),
    "no-person": ("pose", "num_poses", "0"),
    "fractional-people": ("pose", "num_poses", "1.5"),
    "side-on-wider-than-cutoff": ("spine", "full_view_yaw_deg", "75.0"),
}


def _bad_setting(section: str, key: str, value: str):
    def check(tmp_path: Path) -> None:
        config = tmp_path / "bad.toml"
        config.write_text(f"[{section}]\n{key} = {value}\n")
        line = one_line_error(runner.invoke(app, ["config", str(config)]), f"[{section}] {key}", value)
        assert "at least" in line or "less than" in line or "greater than" in line   # the range is named
        # analyze refuses it too, before any video is looked at
        one_line_error(runner.invoke(app, ["analyze", str(tmp_path / "none.mp4"), "-o", str(tmp_path / "o"),
                                           "--config", str(config)]), key)
        assert not (tmp_path / "o").exists()
    return check


for _name, (_section, _key, _value) in BAD_SETTINGS.items():
    case(f"5-{_name}")(_bad_setting(_section, _key, _value))


@case("5-config-shows-ranges")
def _config_shows_ranges(tmp_path: Path) -> None:
    shown = runner.invoke(app, ["config"])
    assert shown.exit_code == 0
    assert "rounded_back_spine_deg = 22.0  # at least 5 and at most 90" in shown.output
    config = tmp_path / "ok.toml"
    config.write_text(shown.output)        # what `liftform config` prints is valid input
    assert runner.invoke(app, ["config", str(config)]).exit_code == 0


# --- the table ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(CASES))
def test_fault(name: str, tmp_path: Path) -> None:
    CASES[name](tmp_path)


def test_every_numeric_setting_has_a_range() -> None:
    """New settings follow the pattern: a number without a range would let a silly value through."""
    for section, values in Settings().to_dict().items():
        for key, value in values.items():
            if not isinstance(value, str):
                assert value_range(section, key) is not None, f"[{section}] {key} has no valid range"
