"""The command line. It parses arguments, shows progress and results, maps errors to exit codes, and calls the
library for everything else. Exit codes: 0 the job ran (whatever the verdict), 1 an input could not be analysed,
2 bad usage, 130 interrupted.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from liftform.errors import LiftformError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Watch a lift and tell a safe hip hinge from a rounded back, rep by rep.")
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

VERDICT_STYLE = {"rounded_back": "bold red", "hip_hinge": "green", "squat": "green", "lunge": "green",
                 "insufficient_data": "yellow", "safe": "bold green"}
VERDICT_WORDS = {"rounded_back": "ROUNDED BACK", "safe": "SAFE", "insufficient_data": "NOT ENOUGH DATA",
                 "hip_hinge": "hip hinge", "squat": "squat", "lunge": "lunge"}

ModelOpt = typer.Option(None, "--model", "-m", help="Pose model: lite, full, heavy, or a path to a .task file.")
ModelDirOpt = typer.Option(None, "--model-dir", envvar="LIFTFORM_MODEL_DIR",
                           help="Folder holding pose_landmarker_{lite,full,heavy}.task (else the cache/download).")
ConfigOpt = typer.Option(None, "--config", "-c", help="TOML file of settings (see `liftform config`).")
ProfileOpt = typer.Option(None, "--profile", help="Personal profile from `liftform screen --save-profile`.")


def fail(message: str, code: int = 1) -> None:
    """One line on stderr, then exit."""
    err.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code)


def _settings(config: Path | None, model: str | None, profile: Path | None = None):
    from liftform.settings import load_settings

    overrides = {"pose": {"model": model}} if model else None
    return load_settings(config, overrides, profile)


def _print_summary(analysis, out_dir: Path | None) -> None:
    name = Path(analysis.source.path).name
    verdict = analysis.verdict
    n_rounded = sum(v.is_rounded for v in analysis.verdicts)
    out.print(f"[bold]{name}[/]: [{VERDICT_STYLE[verdict]}]{VERDICT_WORDS[verdict]}[/] - "
              f"{len(analysis.verdicts)} rep(s), {n_rounded} with a rounded back")
    for v in analysis.verdicts:
        style = VERDICT_STYLE[v.verdict]
        faults = f" [yellow](also: {', '.join(f.replace('_', ' ') for f in v.faults)})[/]" if v.faults else ""
        out.print(f"  rep {v.rep.index + 1}  {v.rep.start_s:5.1f}-{v.rep.end_s:4.1f} s  "
                  f"[{style}]{VERDICT_WORDS.get(v.verdict, v.verdict):<15}[/] {v.reason}{faults}", soft_wrap=True)
    for warning in analysis.quality.warnings:
        out.print(f"  [yellow]note:[/] {warning}", soft_wrap=True)
    if out_dir is not None:
        out.print(f"  results in {out_dir}/")


@app.command()
def analyze(
    videos: list[Path] = typer.Argument(..., help="Video file(s) of a lift, filmed side-on."),
    output: Path = typer.Option(Path("liftform-out"), "--output", "-o", help="Folder for the results."),
    model: str | None = ModelOpt,
    model_dir: Path | None = ModelDirOpt,
    config: Path | None = ConfigOpt,
    profile: Path | None = ProfileOpt,
    no_video: bool = typer.Option(False, "--no-video", help="Skip the annotated video (faster)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Analyse video(s): a verdict per rep, written to OUTPUT/<video name>/ (result.json, CSVs, annotated.mp4)."""
    from liftform.pipeline import analyze_video, output_dir_for

    try:
        settings = _settings(config, model, profile)
    except LiftformError as exc:
        fail(str(exc))
    failures = 0
    for video in videos:
        try:
            with _progress_bar(quiet) as bar:
                analysis = analyze_video(video, output, settings, model_dir=model_dir, write_video=not no_video,
                                         progress=bar)
            _print_summary(analysis, output_dir_for(video, output))
        except LiftformError as exc:
            failures += 1
            err.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
        except KeyboardInterrupt:
            err.print("interrupted: results already written are kept")
            raise typer.Exit(130) from None
    if failures:
        raise typer.Exit(1)


class _progress_bar:
    """A rich progress bar fed by the pipeline's ``progress(stage, done, total)`` callback."""

    LABELS = {"pose": "finding the pose", "video": "drawing the video"}

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet or not sys.stderr.isatty()
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn(), console=err, transient=True)
        self.tasks: dict[str, int] = {}

    def __enter__(self):
        if not self.quiet:
            self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if not self.quiet:
            self.bar.stop()

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if self.quiet:
            return
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(self.LABELS.get(stage, stage), total=total)
        self.bar.update(self.tasks[stage], completed=done, total=total)


@app.command()
def screen(
    video: Path = typer.Argument(..., help="Video of one slow bend towards the floor, filmed side-on."),
    save_profile: Path | None = typer.Option(None, "--save-profile", help="Write a personal profile (TOML) here."),
    model: str | None = ModelOpt,
    model_dir: Path | None = ModelDirOpt,
    config: Path | None = ConfigOpt,
) -> None:
    """Flexibility screen: how far you can hinge before your spine rounds, and whether to hinge, lunge or stretch."""
    from liftform.outputs.atomic import atomic_write_text
    from liftform.pipeline import profile_toml, screen_video

    try:
        settings = _settings(config, model)
        with _progress_bar(False) as bar:
            result = screen_video(video, settings, model_dir=model_dir, progress=bar)
        style = {"hip_hinge": "bold green", "lunge": "bold yellow"}.get(result.advice, "bold red")
        out.print(f"[bold]{video.name}[/]: [{style}]{result.advice.replace('_', ' ').upper()}[/] - {result.reason}",
                  soft_wrap=True)
        if result.advice != "insufficient_data":
            out.print(f"  hinge depth {result.hinge_depth_deg:.0f}° of trunk lean (hips flexed "
                      f"{result.hip_flexion_at_onset_deg:.0f}°) before the spine rounded; deepest lean "
                      f"{result.max_trunk_inclination_deg:.0f}°; your maximum spine flexion "
                      f"{result.max_spine_flexion_deg:.0f}°", soft_wrap=True)
        if save_profile is not None:
            atomic_write_text(save_profile, profile_toml(result))
            out.print(f"  profile written to {save_profile}: use it with `liftform analyze --profile {save_profile}`",
                      soft_wrap=True)
    except LiftformError as exc:
        fail(str(exc))


@app.command()
def models(model_dir: Path | None = ModelDirOpt) -> None:
    """List the pose models: which are present, where, and whether they match the official checksums."""
    from liftform.models import list_models, model_cache_dir

    table = Table("model", "where", "size", "sha256", "official")
    for info in list_models(model_dir=model_dir):
        if info.present:
            official = "yes" if info.matches_official else "no (a local copy)"
            table.add_row(info.name, f"{info.path} ({info.source})", f"{info.size_bytes / 1e6:.1f} MB",
                          (info.sha256 or "")[:16], official)
        else:
            table.add_row(info.name, "[yellow]not present[/] (downloaded on first use)", "", "", "")
    out.print(table)
    out.print(f"cache: {model_cache_dir()}")


@app.command()
def config(config: Path | None = typer.Argument(None, help="A TOML file to check and show merged.")) -> None:
    """Print the settings (defaults, or merged with CONFIG) as TOML, ready to edit and pass with --config."""
    from liftform.settings import settings_to_toml

    try:
        settings = _settings(config, None)
    except LiftformError as exc:
        fail(str(exc))
    out.print(settings_to_toml(settings), markup=False, end="")


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
