"""Commands on liftform's own set-up: models (the pose model files) and config (the settings)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Column, Table

from liftform.cli.common import ModelDirOpt, app, fail, out, settings_from, shown
from liftform.errors import LiftformError


@app.command(short_help="List the pose models: present, where, and whether they are intact.")
def models(model_dir: Path | None = ModelDirOpt) -> None:
    """List the pose models: which are present, where, whether they match the official checksums, and any file
    there that is no model (truncated, damaged)."""
    from liftform.models import list_models, model_cache_dir, replace_advice

    # The path is what this command is for: folded onto more lines in a narrow terminal, never cut.
    table = Table("model", Column("where", overflow="fold"), "size", "sha256", "official")
    try:
        infos = list_models(model_dir=model_dir)
    except LiftformError as exc:
        fail(exc)
    for info in infos:
        where = shown(f"{info.path} ({info.source})")
        if info.present and not info.size_bytes:     # an interrupted copy: no model at all, whatever its name
            table.add_row(info.name, where, "0 bytes", "",
                          "[red]no: the file is empty (damaged)[/]; delete it or copy the model again")
        elif info.present and info.problem:          # truncated, or another file under the model's name
            table.add_row(info.name, where, f"{info.size_bytes / 1e6:.1f} MB", (info.sha256 or "")[:16],
                          "[red]no: unusable[/] (below)")
        elif info.present:
            official = "yes" if info.matches_official else "no (a local copy)"
            table.add_row(info.name, where, f"{info.size_bytes / 1e6:.1f} MB",
                          (info.sha256 or "")[:16], official)
        else:
            table.add_row(info.name, "[yellow]not present[/] (downloaded on first use)", "", "", "")
    out.print(table)
    for info in infos:
        if info.present and info.size_bytes and info.problem:
            out.print(shown(f"{info.name}: {info.path} is {info.problem}; {replace_advice(info.name)}"),
                      soft_wrap=True)
    out.print(f"cache: {shown(model_cache_dir())}")
    if any(info.present and (info.problem or not info.size_bytes) for info in infos):
        raise typer.Exit(1)     # a health check for scripts: a model file there that analyze would refuse


@app.command(short_help="Print the settings as TOML, ready to edit and pass with --config.")
def config(config: Path | None = typer.Argument(None, readable=False, help="A TOML file to check and show merged."),
           profile: Path | None = typer.Option(None, "--profile", readable=False,
                                               help="A personal profile (`liftform screen "
                                               "--save-profile`, a live session's profile.toml) to check and show "
                                               "merged, with what it says of itself.")) -> None:
    """Print the settings (defaults, or merged with CONFIG and a profile) as TOML, ready to edit and pass with
    --config."""
    from liftform.personal import printed_settings

    try:
        settings = settings_from(config, None, profile)
        shown = printed_settings(settings, config, profile)
    except LiftformError as exc:
        fail(exc)
    out.print(shown, markup=False, end="", soft_wrap=True)   # a wrapped line is no TOML
