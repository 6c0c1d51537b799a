"""The command line. It parses arguments, shows progress and results, maps errors to exit codes, and calls the
library for everything else. Exit codes: 0 the job ran (whatever the verdict), 1 an input could not be analysed,
2 bad usage, 130 interrupted.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from liftform.core.vocabulary import tone_of, words_of
from liftform.errors import LiftformError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Watch a lift and tell a safe hip hinge from a rounded back, rep by rep.")
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


ModelOpt = typer.Option(None, "--model", "-m", help="Pose model: lite, full, heavy, or a path to a .task file.")
ModelDirOpt = typer.Option(None, "--model-dir", envvar="LIFTFORM_MODEL_DIR",
                           help="Folder holding pose_landmarker_{lite,full,heavy}.task (else the cache/download).")
ConfigOpt = typer.Option(None, "--config", "-c", help="TOML file of settings (see `liftform config`).")
BlurFacesOpt = typer.Option(False, "--blur-faces", help="Blur the face in every exported frame, clip and video "
                                                         "(to share the results).")
ProfileOpt = typer.Option(None, "--profile", help="Personal profile from `liftform screen --save-profile`.")


def fail(message: str, code: int = 1) -> None:
    """One line on stderr, then exit."""
    err.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def verdict_markup(verdict: str, width: int = 0, *, headline: bool = False) -> str:
    """A verdict in its words and colour (rich markup), padded to ``width``; a video's ``headline`` in capitals."""
    words = words_of(verdict).upper() if headline else words_of(verdict)
    return f"[{tone_of(verdict).rich_style}]{words:<{width}}[/]"


def _settings(config: Path | None, model: str | None, profile: Path | None = None):
    from liftform.settings import load_settings

    overrides = {"pose": {"model": model}} if model else None
    return load_settings(config, overrides, profile)


def _print_summary(analysis, out_dir: Path | None) -> None:
    from liftform.core.advice import rep_advice

    name = escape(Path(analysis.source.path).name)
    verdict = analysis.verdict
    n_rounded = sum(v.is_rounded for v in analysis.verdicts)
    out.print(f"[bold]{name}[/]: {verdict_markup(verdict, headline=True)} - "
              f"{len(analysis.verdicts)} rep(s), {n_rounded} with a rounded back")
    for v in analysis.verdicts:
        faults = f" [yellow](also: {', '.join(f.replace('_', ' ') for f in v.faults)})[/]" if v.faults else ""
        out.print(f"  rep {v.rep.index + 1}  {v.rep.start_s:5.1f}-{v.rep.end_s:4.1f} s  "
                  f"{verdict_markup(v.verdict, 15)} {escape(v.reason)}{faults}",
                  soft_wrap=True)
        out.print(f"{'':9s}[bold]advice:[/] {escape(rep_advice(v, analysis.settings.advice))}", soft_wrap=True)
    for warning in analysis.quality.warnings:
        out.print(f"  [yellow]note:[/] {escape(warning)}", soft_wrap=True)
    if out_dir is not None:
        out.print(f"  results in {escape(str(out_dir))}/")


@app.command()
def analyze(
    videos: list[Path] = typer.Argument(..., help="Video file(s) of a lift, filmed side-on."),
    output: Path = typer.Option(Path("liftform-out"), "--output", "-o", help="Folder for the results."),
    model: str | None = ModelOpt,
    model_dir: Path | None = ModelDirOpt,
    config: Path | None = ConfigOpt,
    profile: Path | None = ProfileOpt,
    no_video: bool = typer.Option(False, "--no-video", help="Skip the annotated video (faster)."),
    no_report: bool = typer.Option(False, "--no-report", help="Skip report.html (and the clips of flagged reps)."),
    blur_faces: bool = BlurFacesOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Analyse video(s): a verdict per rep, written to OUTPUT/<video name>/ (result.json, CSVs, annotated.mp4,
    report.html), with OUTPUT/index.html listing them all."""
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
                                         report=not no_report, blur_faces=blur_faces, progress=bar)
            _print_summary(analysis, output_dir_for(video, output))
            if not no_report:
                out.print(f"  report: {output_dir_for(video, output) / 'report.html'}", soft_wrap=True,
                          markup=False)
        except LiftformError as exc:
            failures += 1
            err.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        except KeyboardInterrupt:
            err.print("interrupted: results already written are kept")
            raise typer.Exit(130) from None
    if not no_report and failures < len(videos):
        _write_index(output)
    if failures:
        raise typer.Exit(1)


def _write_index(output: Path) -> None:
    from liftform.report import write_index

    try:
        out.print(f"overview: {write_index(output)}", soft_wrap=True, markup=False)
    except LiftformError as exc:
        err.print(f"error: {exc}", soft_wrap=True, markup=False, style="bold red")


@app.command()
def report(
    folders: list[Path] = typer.Argument(..., help="Result folder(s) OUT/<video>/ written by `liftform analyze`."),
    blur_faces: bool = BlurFacesOpt,
    index: bool = typer.Option(False, "--index", help="FOLDERS are output folders (OUT): write OUT/index.html, "
                                                      "all their videos in one sortable table."),
) -> None:
    """Render report.html again from a result folder (result.json, frames.csv, poses.npz and the source video)."""
    from liftform.report import write_index, write_report

    failures = 0
    for folder in folders:
        try:
            if index:
                out.print(f"overview: {write_index(folder)}", soft_wrap=True, markup=False)
                continue
            written = write_report(folder, blur_faces=blur_faces)
            clips = f" ({len(written.clips)} clip(s) in {written.path.parent / 'clips'})" if written.clips else ""
            out.print(f"report: {written.path}{clips}", soft_wrap=True, markup=False)
            for note in written.notes:
                out.print(f"  [yellow]note:[/] {escape(note)}", soft_wrap=True)
        except LiftformError as exc:
            failures += 1
            err.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
    if failures:
        raise typer.Exit(1)


class _Bar:
    """A rich progress bar on stderr, shown only on a terminal; a context manager."""

    def __init__(self, quiet: bool, *columns) -> None:
        self.quiet = quiet or not sys.stderr.isatty()
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), *columns,
                            TimeRemainingColumn(), console=err, transient=True)

    def __enter__(self):
        if not self.quiet:
            self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if not self.quiet:
            self.bar.stop()


class _progress_bar(_Bar):
    """Fed by the pipeline's ``progress(stage, done, total)`` callback: one bar per stage."""

    LABELS = {"download": "downloading the pose model (bytes)", "pose": "finding the pose",
              "video": "drawing the video"}

    def __init__(self, quiet: bool) -> None:
        super().__init__(quiet)
        self.tasks: dict[str, int] = {}

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


# --- batch: score many videos, rescore from the landmark cache (liftform.batch) -----------------------------

BATCH_TABLE_MAX_ROWS = 40   # longer batches list only the flagged and failed videos (see summary.csv)


class _batch_bar(_Bar):
    """Over the videos of a batch (ETA from the videos done), fed ``progress(done, total, row)``. Failed videos are
    printed above the bar as they happen."""

    def __init__(self, quiet: bool, label: str) -> None:
        super().__init__(quiet, TextColumn("{task.fields[failed]} failed"))
        self.task = self.bar.add_task(label, total=None, failed=0)
        self.done = self.failed = 0

    def __call__(self, done: int, total: int, row) -> None:
        self.done, self.failed = done, self.failed + (not row.ok)
        if not row.ok:
            err.print(f"[bold red]failed:[/] {escape(str(row.path))}: {escape(str(row.error))}", soft_wrap=True)
        self.bar.update(self.task, completed=done, total=total, failed=self.failed)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _print_batch(rows: list, out_root: Path, what: str) -> None:
    """The batch table (all rows, or only flagged/failed ones for long batches), counts, where the summary is.
    Columns: rounded = reps with a rounded back / reps; spine = peak spine flexion (deg from upright)."""
    shown = rows if len(rows) <= BATCH_TABLE_MAX_ROWS else [r for r in rows if not r.ok or r.flagged_reps]
    if shown:
        name_width = min(24, max(len(r.output) for r in shown))
        table = Table()
        widths = (("video", name_width), ("verdict", 12), ("rounded", 7), ("spine", 5), ("view", 7))
        for header, width in widths:
            table.add_column(header, no_wrap=True, min_width=width)
        table.add_column("note", ratio=1)
        for r in shown:
            if r.ok:
                peak = "" if r.peak_spine_flexion_deg is None else f"{r.peak_spine_flexion_deg:.0f}°"
                verdict = verdict_markup(r.verdict, headline=True)
                note = ("(cached) " if r.cached else "") + (r.warnings[0] if r.warnings else "")
                table.add_row(r.output, verdict, f"{r.flagged_reps}/{r.reps}", peak, r.view, _short(note))
            else:
                table.add_row(r.output, "[bold red]FAILED[/]", "", "", "", _short(r.error.split("; ")[0]))
        out.print(table)
    if len(shown) < len(rows):
        out.print(f"({len(rows) - len(shown)} safe or unjudged video(s) not listed)")
    n_failed = sum(not r.ok for r in rows)
    n_rounded = sum(r.ok and r.verdict == "rounded_back" for r in rows)
    out.print(f"{len(rows)} video(s) {what}: {len(rows) - n_failed} ok ({n_rounded} with a rounded back), "
              f"{n_failed} failed; table in {out_root / 'summary.csv'}", soft_wrap=True)


@app.command()
def score(
    inputs: list[str] = typer.Argument(..., help="Video files, folders (searched recursively), globs."),
    output: Path = typer.Option(Path("liftform-out"), "--output", "-o", help="Folder for the results."),
    workers: int | None = typer.Option(None, "--workers", "-j", min=1,
                                       help="Parallel videos (default: one per CPU; Ray: cluster CPUs)."),
    engine: str = typer.Option("local", "--engine", help="local (processes on this machine) or ray."),
    address: str | None = typer.Option(None, "--address",
                                       help="Ray cluster (ray://head:10001, auto; default: env RAY_ADDRESS, "
                                            "else a local instance)."),
    force: bool = typer.Option(False, "--force", help="Score again videos already scored."),
    timeout: float | None = typer.Option(None, "--timeout", min=0.001,
                                         help="Seconds one video may take before it is failed and its worker "
                                              "replaced (local engine; default: no limit)."),
    model: str | None = ModelOpt,
    model_dir: Path | None = ModelDirOpt,
    config: Path | None = ConfigOpt,
    profile: Path | None = ProfileOpt,
    no_video: bool = typer.Option(False, "--no-video", help="Skip the annotated videos (faster)."),
    no_report: bool = typer.Option(False, "--no-report", help="Skip report.html and index.html (faster)."),
    blur_faces: bool = BlurFacesOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Score many videos: OUTPUT/<video>/ for each, OUTPUT/summary.csv (one row per video). Resumable: videos
    already scored with the same file and settings are skipped. Exit 1 if any video failed."""
    from liftform.batch import score as score_batch

    try:
        settings = _settings(config, model, profile)
    except LiftformError as exc:
        fail(str(exc))
    bar = _batch_bar(quiet, "scoring")
    try:
        with bar:
            result = score_batch(inputs, output, settings, workers=workers, engine=engine, address=address,
                                 force=force, write_video=not no_video, report=not no_report,
                                 blur_faces=blur_faces, model_dir=model_dir, progress=bar, timeout_s=timeout)
    except LiftformError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        err.print(f"interrupted: {bar.done} video(s) done, their results and {output / 'summary.csv'} are "
                  "kept; run the same command again to finish the rest")
        raise typer.Exit(130) from None
    _print_batch(result.rows, output, "scored")
    if result.index_html is not None:
        out.print(f"overview: {escape(str(result.index_html))}", soft_wrap=True)
    if result.n_cached:
        out.print(f"{result.n_cached} video(s) were already scored with these settings (--force redoes them)")
    raise typer.Exit(result.exit_code)


@app.command()
def rescore(
    output: Path = typer.Argument(..., help="Output folder of `liftform score` (or `analyze`)."),
    config: Path | None = ConfigOpt,
    profile: Path | None = ProfileOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Recompute every verdict in OUTPUT from the saved landmarks (poses.npz) with new settings: fast, no pose
    model. Rewrites result.json, the CSVs and the summary; not the annotated videos. Pose settings cannot
    change."""
    from liftform.batch import rescore as rescore_batch

    try:
        settings = _settings(config, None, profile)
        with _batch_bar(quiet, "rescoring") as bar:
            result = rescore_batch(output, settings, progress=bar)
    except LiftformError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        err.print("interrupted: the videos rescored so far keep their new results; the summary covers them")
        raise typer.Exit(130) from None
    _print_batch(result.rows, output, "in the summary")
    out.print(f"{len(result.rescored)} rescored, {len(result.changed)} verdict(s) changed"
              + (f": {', '.join(result.changed)}" if 0 < len(result.changed) <= 20 else ""), soft_wrap=True)
    if result.pose_ignored:
        out.print(f"[yellow]note:[/] pose settings (model, confidences...) decide the saved landmarks and "
                  f"cannot be rescored; {len(result.pose_ignored)} video(s) kept the ones they were scored "
                  "with: use `liftform score --force` to apply them", soft_wrap=True)
    if result.stale_views:
        out.print(f"[yellow]note:[/] annotated.mp4 / report.html of {len(result.stale_views)} video(s) still "
                  "show the old verdicts: `liftform report OUTPUT/<video>` redraws a report, "
                  "`liftform score --force` the video", soft_wrap=True)
    raise typer.Exit(result.exit_code)


@app.command()
def live(
    camera: int | None = typer.Option(None, "--camera", help="Webcam number (default 0)."),
    source: Path | None = typer.Option(None, "--source", help="Play a video file as if it were the camera: at its "
                                       "own frame rate, dropping frames when processing falls behind."),
    model: str = typer.Option("lite", "--model", "-m", help="Pose model: lite (fastest), full, heavy, or a .task."),
    model_dir: Path | None = ModelDirOpt,
    config: Path | None = ConfigOpt,
    profile: Path | None = ProfileOpt,
    no_window: bool = typer.Option(False, "--no-window", help="No window (headless); stop with Ctrl-C."),
    record: Path | None = typer.Option(None, "--record", help="Also write the annotated session to this .mp4."),
    output: Path = typer.Option(Path("liftform-out"), "--output", "-o",
                                help="Folder the session is saved in, as OUTPUT/live-<time>/."),
    beep: bool = typer.Option(False, "--beep", help="Sound a cue when the back rounds during a rep."),
) -> None:
    """Live coaching at the webcam, side-on: the back green while neutral and red when it rounds, the rep count and
    a verdict per rep. Window keys: q/Esc quit, c recalibrate (stand upright, side-on), r reset the count."""
    import numpy as np

    from liftform.core.advice import rep_advice
    from liftform.live import BackRounded, LiveConfig, RepJudged, run_live
    from liftform.live.sound import play_cue

    if camera is not None and source is not None:
        fail("use --camera or --source, not both", 2)
    try:
        settings = _settings(config, None, profile)
    except LiftformError as exc:
        fail(str(exc))

    def on_event(event) -> None:
        if isinstance(event, RepJudged):
            v = event.verdict
            out.print(f"  rep {event.count}  {v.rep.end_s:6.1f} s  {verdict_markup(v.verdict, 15)} "
                      f"{escape(v.reason)}", soft_wrap=True)
            out.print(f"{'':9s}[bold]advice:[/] {escape(rep_advice(v, settings.advice))}", soft_wrap=True)
        elif isinstance(event, BackRounded) and beep and not play_cue():
            err.file.write("\a")      # no audio output: the terminal bell
            err.file.flush()

    started = []

    def on_frame(live_frame, rgb) -> None:
        if not started:
            started.append(True)
            keys = "Ctrl-C to stop" if no_window else "keys in the window: q quit, c recalibrate, r reset count"
            out.print(f"live: {source or f'camera {camera or 0}'}, model {model} ({keys})", soft_wrap=True)

    try:
        result = run_live(LiveConfig(camera=camera or 0, source=source, model=model, model_dir=model_dir,
                                     settings=settings, window=not no_window, record_path=record, output_dir=output),
                          on_event=on_event, on_frame=on_frame)
    except LiftformError as exc:
        fail(str(exc))
    except KeyboardInterrupt:       # during start-up; once running, Ctrl-C ends the session and saves it
        err.print("interrupted")
        raise typer.Exit(130) from None
    if result.analysis is not None:
        _print_summary(result.analysis, result.out_dir)
    else:
        out.print("no frame was processed: nothing saved")
    stats = result.stats
    if stats.frames_processed:
        out.print(f"  {stats.frames_processed} frames at {stats.processed_fps:.1f} fps ({stats.frames_dropped} "
                  f"dropped), latency p50 {np.median(stats.latency_ms):.0f} ms / p95 "
                  f"{np.percentile(stats.latency_ms, 95):.0f} ms", soft_wrap=True)
    if result.recording is not None:
        out.print(f"  recording: {result.recording}", soft_wrap=True)
    if result.error:
        fail(result.error)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
