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

from liftform.errors import CONFIG, ConfigError, LiftformError
from liftform.outputs.layout import RESULT_NAME, SUMMARY_JSON
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

    def unlike_defaults(self, sections: tuple[str, ...] | None = None) -> list[str]:
        """Each setting unlike the defaults, as ``section.key = value``, of ``sections`` (None: every one)."""
        ours, defaults = self.settings.to_dict(), Settings().to_dict()
        return [f"{section}.{key} = {value}" for section, values in ours.items() for key, value in values.items()
                if value != defaults[section][key] and (sections is None or section in sections)]


def last_settings(out_root: str | Path) -> LastSettings | None:
    """What ``out_root`` was last judged with; None where its summary.json does not say (none, unreadable, written
    before it was kept, and its results were not all judged alike: `_judged_alike`). ConfigError (one line) where
    it names settings this liftform cannot take (another version's: a setting retired since): resumed under the
    defaults instead, that would go unsaid."""
    try:
        summary = json.loads((Path(out_root) / SUMMARY_JSON).read_text(encoding="utf-8"))
        if JUDGED_WITH not in summary:
            return _judged_alike(Path(out_root), summary["videos"], "rescore" if summary.get("rescored") else "score")
        entry = summary[JUDGED_WITH]
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
        raise ConfigError(f"the settings of the last run into {out_root} ({SUMMARY_JSON} {JUDGED_WITH}) cannot be "
                          f"taken by this liftform ({exc}); pass them with {CONFIG} (`liftform config` "
                          "writes the defaults to edit)") from None


def _judged_alike(out_root: Path, rows: list[dict[str, Any]], command: str) -> LastSettings | None:
    """A summary an earlier liftform wrote, before it kept `JUDGED_WITH`: the settings every ok row's result.json
    was judged under, where they are all alike and this liftform takes them (a result's own values of a person, if
    any, among them, said as settings), said as ``command``'s (the run that wrote the summary), else None (not
    known: the defaults, as before). A batch that liftform
    scored with `--config` had been judged again under the defaults by a `score` after the upgrade, unsaid (a
    rounded back under `rounded_back_spine_deg = 50` turned "safe" back into "rounded", 7be8809's folder)."""
    judged = []
    for row in rows:
        try:
            if row["status"] == "ok":
                judged.append(json.loads((out_root / row["output"] / RESULT_NAME).read_text("utf-8"))["settings"])
        except (OSError, ValueError, KeyError, TypeError):
            continue          # gone or damaged: scored again, it does not say how the batch was judged
    if not judged or any(settings != judged[0] for settings in judged):
        return None
    try:
        return LastSettings(command, apply_overrides(Settings(), judged[0]), {})
    except LiftformError:     # another liftform's settings (renamed or retired since): its results are posed again
        return None
