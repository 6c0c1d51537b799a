"""The settings a batch folder was last judged with: those of the last `score` or `rescore` into it (the batch's own,
a lifter's values from ``--profile`` and where they came from), kept in its summary.json (``judged_with``).

A `score` given no settings of its own resumes under them (`last_settings`; the CLI says so in one line), not the
defaults: a `score` after `rescore --config X` (a video added), or an interrupted `score --config X` (or
``--model lite``) run again without it, had judged every earlier video again under the defaults, the rescore's
verdicts replaced, or posed them all again with another model.

    last = last_settings("out/")       # None: no summary, or one written before this was kept
    score(["clips/"], "out/", last.settings, personal_from=last.personal_from)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from liftform.errors import ConfigError, LiftformError
from liftform.outputs.layout import SUMMARY_JSON
from liftform.settings import Settings, apply_overrides

JUDGED_WITH = "judged_with"     # summary.json's key


def judged_with(command: str, settings: Settings, personal_from: dict[tuple[str, str], str],
                folder_profiles: bool) -> dict[str, Any]:
    """summary.json's entry (``{JUDGED_WITH: ...}``, for `summary.write_summary`'s ``extra``): ``command`` ("score",
    "rescore") judged the folder under ``settings``, its lifter's own values from ``personal_from``
    (`Analysis.personal_from`), each video from its folder's profile.toml where ``folder_profiles``."""
    return {JUDGED_WITH: {"command": command, "settings": settings.to_dict(), "folder_profiles": folder_profiles,
                          "personal_from": {f"{section}.{key}": origin
                                            for (section, key), origin in personal_from.items()}}}


@dataclass(frozen=True)
class LastSettings:
    """What a folder was last judged with (see the module docstring)."""

    command: str
    settings: Settings
    personal_from: dict[tuple[str, str], str]
    folder_profiles: bool = False

    def unlike_defaults(self) -> list[str]:
        """Each setting unlike the defaults, as ``section.key = value``."""
        ours, defaults = self.settings.to_dict(), Settings().to_dict()
        return [f"{section}.{key} = {value}" for section, values in ours.items() for key, value in values.items()
                if value != defaults[section][key]]


def last_settings(out_root: str | Path) -> LastSettings | None:
    """What ``out_root`` was last judged with; None where its summary.json does not say (none, unreadable, written
    before it was kept). ConfigError (one line) where it names settings this liftform cannot take (another
    version's: a setting retired since): resumed under the defaults instead, that would go unsaid."""
    try:
        entry = json.loads((Path(out_root) / SUMMARY_JSON).read_text(encoding="utf-8"))[JUDGED_WITH]
        personal_from = {tuple(name.split(".", 1)): str(origin) for name, origin in entry["personal_from"].items()}
        command, values = str(entry["command"]), entry["settings"]
        if not isinstance(values, dict):       # apply_overrides would fail on it with a traceback
            raise TypeError(f"{JUDGED_WITH} settings is not a table")
        folder_profiles = entry.get("folder_profiles") is True
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    try:
        return LastSettings(command, apply_overrides(Settings(), values), personal_from, folder_profiles)
    except LiftformError as exc:
        raise ConfigError(f"the settings {out_root} was last judged with ({SUMMARY_JSON} {JUDGED_WITH}) cannot be "
                          f"taken by this liftform ({exc}); pass them with --config FILE (`liftform config` "
                          "writes the defaults to edit)") from None
