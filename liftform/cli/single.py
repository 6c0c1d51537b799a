"""Commands on one video or one result folder: analyze, report, screen."""

from __future__ import annotations

import contextlib
import math
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from liftform.cli.common import (
    BlurFacesOpt,
    ConfigOpt,
    ModelDirOpt,
    ModelOpt,
    PipelineBar,
    ProfileOpt,
    app,
    blur_as_drawn,
    err,
    fail,
    out,
    settings_from,
    shown,
)
from liftform.cli.show import print_own_zero, print_summary
from liftform.core.vocabulary import Tone, words_of
from liftform.errors import DrawingFailed, InputError, LiftformError
from liftform.interrupts import INTERRUPTED_EXIT, AnalysisKept

if TYPE_CHECKING:   # the command imports the screen only when run: startup stays light
    from liftform.core.screen import ScreenResult
    from liftform.settings import VerdictSettings


@app.command(short_help="Analyse video(s): a verdict and advice per rep, with a report.")
def analyze(
    videos: list[Path] = typer.Argument(..., readable=False, help="Video file(s) of a lift, filmed side-on."),
    output: Path = typer.Option(Path("liftform-out"), "--output", "-o", help="Folder for the results."),
    model: str | None = ModelOpt,
    model_dir: Path | None = ModelDirOpt,
    config: Path | None = ConfigOpt,
    profile: Path | None = ProfileOpt,
    no_video: bool = typer.Option(False, "--no-video", help="Skip the annotated video (faster)."),
    no_report: bool = typer.Option(False, "--no-report",
                                   help="Skip report.html (and the clips of flagged reps) and index.html."),
    blur_faces: bool | None = BlurFacesOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Analyse video(s): a verdict per rep, written to OUTPUT/<video name>/ (result.json, CSVs, annotated.mp4,
    report.html), with OUTPUT/index.html listing them all."""
    from liftform.batch.inputs import unique_inputs
    from liftform.outputs.atomic import folder_lock
    from liftform.outputs.layout import SUMMARY_JSON
    from liftform.personal import from_profile_option

    try:
        settings = settings_from(config, model, profile)
    except LiftformError as exc:
        fail(exc)
    personal_from = from_profile_option(profile)
    videos = unique_inputs(videos)   # a file named twice (or by two spellings of its path) is analysed once
    with contextlib.ExitStack() as held:
        # In a batch's folder (it has a summary) a `score` running meanwhile would write its summary over this
        # analysis's row (a tester's clip added during an overnight batch was in index.html, not in summary.csv):
        # the folder is held as a batch holds it, and refused in one line while another run holds it.
        if (output / SUMMARY_JSON).is_file():
            try:
                held.enter_context(folder_lock(output, "`liftform analyze`"))
            except LiftformError as exc:
                fail(exc)
        _analyze_each(videos, output, settings, personal_from, model_dir=model_dir, no_video=no_video,
                      no_report=no_report, blur_faces=blur_faces, quiet=quiet)


def _analyze_each(videos: list[Path], output: Path, settings, personal_from, *, model_dir: Path | None,
                  no_video: bool, no_report: bool, blur_faces: bool | None, quiet: bool) -> None:
    """`analyze`'s videos in turn, each said as it is done; an interrupt says what is kept; exits 1 where any
    failed."""
    from liftform.batch.inputs import output_names
    from liftform.interrupts import signals_deferred
    from liftform.outputs.atomic import missing_folders, remove_empty_folders
    from liftform.pipeline import analyze_video, output_dir_for

    failures = done = 0
    made = missing_folders(output)   # removed again where no video is written into them (a typo's empty folder)
    # One folder per video, named as `score` names them: phone clips from two folders are all IMG_0001.mp4, and a
    # video analysed here before keeps its folder while another one of the same name gets its own.
    for video, name in zip(videos, output_names(videos, output), strict=True):
        try:
            folder = output_dir_for(video, output, name)
            blur = blur_as_drawn(blur_faces, [folder], f"{folder} was")
            with PipelineBar(quiet) as bar:
                analysis = analyze_video(video, output, settings, model_dir=model_dir, write_video=not no_video,
                                         report=not no_report, blur_faces=blur, progress=bar,
                                         output_name=name, personal_from=personal_from)
            done += 1
            print_summary(analysis, folder)
            _listed_in_batch(output, analysis, video, name)
            if not no_report:
                out.print(f"  report: {shown(folder / 'report.html')}", soft_wrap=True)
        except LiftformError as exc:
            failures += 1
            if isinstance(exc, DrawingFailed):    # a full disk while drawing: its verdict is known, and told
                _print_kept(exc.folder)
            err.print(f"[bold red]error:[/] {shown(exc)}", soft_wrap=True)
        except KeyboardInterrupt as exc:
            # Say what is kept only where something is: stopped in the first video (its model download, say),
            # there is nothing ("results already written are kept" had been said of nothing).
            kept = exc.folder if isinstance(exc, AnalysisKept) else None
            if kept is not None:          # its verdict and reps, as a finished one's (only the drawing was stopped)
                _print_kept(kept)
            err.print(shown(_interrupted_line(done, kept, no_video, no_report)), soft_wrap=True)
            done += kept is not None
            if done and not no_report:     # the overview lists them (a second Ctrl-C here leaves it as it was)
                with signals_deferred(deliver=False):
                    _write_index(output)
            if not done:
                remove_empty_folders(made)
            raise typer.Exit(INTERRUPTED_EXIT) from None
    if not no_report and failures < len(videos) and not _write_index(output):
        failures += 1
    if not done:
        remove_empty_folders(made)
    if failures:
        raise typer.Exit(1)


def _interrupted_line(done: int, kept: Path | None, no_video: bool, no_report: bool) -> str:
    """What an interrupted `analyze` says it kept: the videos finished, and the analysis of the one whose annotated
    video or report was being drawn (``kept``: its folder, `pipeline.save_result`)."""
    from liftform.outputs.layout import ANNOTATED_NAME

    finished = f"the results of the {done} video(s) finished are kept" if done else ""
    if kept is None:
        return f"interrupted: {finished}" if done else "interrupted before any video was finished: nothing was written"
    video_kept = (kept / ANNOTATED_NAME).is_file()
    unfinished = ([] if no_video or video_kept else ["the annotated video"]) + ([] if no_report else ["the report"])
    redo = ([] if no_report else [f"`liftform report {kept}` draws its report without the pose stage"]) + \
        ([] if no_video or video_kept else ["the annotated video is drawn by analysing the video again"])
    files = "result.json, the CSVs, poses.npz and the annotated video, as --no-report writes them" if video_kept \
        else "result.json, the CSVs and poses.npz, as --no-video --no-report writes them"
    doing = f"drawing {' and '.join(unfinished)}" if unfinished else "writing its files"
    return "; ".join([f"interrupted while {doing}: the analysis is kept in {kept} ({files})",
                      *([", and ".join(redo)] if redo else []), *([finished] if done else [])])


def _listed_in_batch(output: Path, analysis, video: Path, name: str) -> None:
    """Where ``output`` is a `score` batch's folder, ``analysis`` in its summary in place of the video's earlier
    row (`batch.analyzed_into`), said in one line; a summary that cannot be rewritten is said, the analysis kept."""
    from liftform.batch.analyzed_into import list_in_summary
    from liftform.outputs.layout import SUMMARY_CSV

    try:
        if list_in_summary(output, analysis, str(video.absolute()), name):
            out.print(f"  listed in {shown(output / SUMMARY_CSV)} (a `liftform score` batch's summary)",
                      soft_wrap=True)
    except LiftformError as exc:
        err.print(f"[yellow]note:[/] {shown(exc)}: {shown(output / SUMMARY_CSV)} does not list this analysis",
                  soft_wrap=True)


def _print_kept(folder: Path) -> None:
    """The summary of the analysis an interrupted `analyze` kept in ``folder``, where it can be read back."""
    from liftform.interrupts import signals_deferred
    from liftform.outputs.read import read_analysis

    try:
        with signals_deferred(deliver=False):
            print_summary(read_analysis(folder), folder)
    except (LiftformError, OSError):
        pass                            # the line that follows says where it is kept


def _write_index(output: Path) -> bool:
    """Write OUTPUT/index.html; False (the error said) when it cannot be, e.g. a page of the user's own is there:
    an error line then ends in a non-zero exit, as `score`'s does."""
    from liftform.report import write_index

    try:
        out.print(f"overview: {shown(write_index(output))}", soft_wrap=True)
        return True
    except LiftformError as exc:
        err.print(f"error: {shown(exc)}", soft_wrap=True, style="bold red")
        return False


@app.command(short_help="Render report.html again from a result folder.")
def report(
    folders: list[Path] = typer.Argument(..., readable=False,
                                         help="Result folder(s) OUT/<video>/ written by `liftform analyze`."),
    blur_faces: bool | None = BlurFacesOpt,
    index: bool = typer.Option(False, "--index", help="FOLDERS are output folders (OUT): write OUT/index.html, "
                                                      "all their videos in one sortable table."),
    video: Path | None = typer.Option(None, "--video", readable=False,
                                      help="The source video, where it is no longer at the path "
                                      "the result records (moved, renamed, another machine): it must be the file "
                                      "analysed (same SHA-256). One result folder only."),
) -> None:
    """Render report.html again from a result folder (result.json, frames.csv, poses.npz and the source video)."""
    from liftform.outputs.atomic import IN_PLACE_OPTION, check_writable
    from liftform.outputs.layout import INDEX_NAME, RESULT_NAME
    from liftform.report import render_again, write_index

    if video is not None and (index or len(folders) != 1):
        fail("--video goes with one result folder (not with several, nor with --index)", 2)
    failures = 0
    overviews: dict[Path, None] = {}      # the output folders whose index.html lists a report drawn here
    for folder in folders:
        try:
            if folder.is_dir() and (index or (folder / RESULT_NAME).is_file()):   # before drawing (stills decoded)
                check_writable(folder, folder, IN_PLACE_OPTION)
            if index:
                out.print(f"overview: {shown(write_index(folder))}", soft_wrap=True)
                continue
            written = render_again(folder, blur_faces=blur_as_drawn(blur_faces, [folder], f"{folder} was"),
                                   video_path=video)
            clips = (f" ({len(written.clips)} clip(s) in {shown(written.path.parent / 'clips')})" if written.clips
                     else "")
            out.print(f"report: {shown(written.path)}{clips}", soft_wrap=True)
            for note in written.notes:
                out.print(f"  [yellow]note:[/] {shown(note)}", soft_wrap=True)
            if (written.path.parent.parent / INDEX_NAME).is_file():
                overviews[written.path.parent.parent] = None
        except LiftformError as exc:
            failures += 1
            err.print(f"[bold red]error:[/] {shown(exc)}", soft_wrap=True)
        except KeyboardInterrupt:       # the report in place keeps its clips (`gallery.clips_kept_until_drawn`)
            err.print(f"interrupted: {shown(folder)} is as it was (its report and clips); those drawn before it are "
                      "kept", soft_wrap=True)
            raise typer.Exit(INTERRUPTED_EXIT) from None
    # The overview links each video's report where there is one, else its result.json: a report drawn after an
    # interrupted analyze (which names this command) had stayed unlinked until `report OUT --index`.
    failures += sum(not _write_index(output) for output in overviews)
    if failures:
        raise typer.Exit(1)


@app.command(short_help="Flexibility screen: how far you hinge before the back rounds.")
def screen(
    video: Path = typer.Argument(..., readable=False, help="Video of one slow bend towards the floor, filmed side-on."),
    save_profile: Path | None = typer.Option(None, "--save-profile", help="Write a personal profile (TOML) here."),
    neutral: bool = typer.Option(False, "--neutral", help="Someone who knows your back checked it stayed neutral "
                                 "(flat) in this bend: read your own zero from it (saved with --save-profile)."),
    rep: int | None = typer.Option(None, "--rep", min=1, help="With --neutral, in a video of several reps: the one "
                                   "that was checked flat (numbered from 1, as `liftform analyze` prints them)."),
    model: str | None = ModelOpt,
    model_dir: Path | None = ModelDirOpt,
    config: Path | None = ConfigOpt,
    profile: Path | None = typer.Option(None, "--profile", readable=False,
                                        help="Your profile with your own zero (from a rep "
                                        "checked flat: `screen --neutral`, live's key n): screen from it; "
                                        "--save-profile keeps that zero with the new hinge depth."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Flexibility screen: how far you can hinge before your spine rounds, and whether to hinge, lunge or stretch."""
    from liftform.outputs.atomic import atomic_write_text
    from liftform.outputs.layout import PROFILE_NAME
    from liftform.personal import told_apart, zero_origin
    from liftform.screening import profile_toml, screen_video
    from liftform.settings import SpineSettings

    if rep is not None and not neutral:
        fail("--rep goes with --neutral: the rep someone checked flat", 2)
    if profile is not None and neutral:
        fail("--profile gives the zero to screen from, --neutral reads a new one from this bend: use one", 2)
    if save_profile is not None and (problem := _unwritable_profile(save_profile)):
        fail(problem)                 # now, not after the analysis
    try:
        settings = settings_from(config, model, profile)
        with PipelineBar(quiet) as bar:
            result = screen_video(video, settings, neutral=neutral, rep=rep, model_dir=model_dir, progress=bar,
                                  own_zero=profile is not None and _profile_zero(profile))
        style = {"hip_hinge": "bold green", "lunge": "bold yellow",
                 "insufficient_data": f"bold {Tone.UNSURE.rich_style}"}.get(result.advice, "bold red")
        said = words_of(result.advice) if result.advice == "insufficient_data" else result.advice.replace("_", " ")
        out.print(f"[bold]{shown(video.name)}[/]: [{style}]{said.upper()}[/] - "
                  f"{shown(result.reason)}", soft_wrap=True)
        if result.advice != "insufficient_data":
            out.print(_screen_depth_line(result, settings.verdict), soft_wrap=True)
        if profile is not None and not neutral and not math.isnan(result.own_neutral_bend_deg):
            zero, usual = told_apart(result.own_neutral_bend_deg, SpineSettings().neutral_bend_deg)
            out.print(f"  judged from your own zero, {zero}° (most people's: {usual}°; from {shown(profile)})",
                      soft_wrap=True)
        elif profile is not None:        # it had been passed over in silence, as if the screen were judged from it
            out.print(f"  [yellow]note:[/] {shown(profile)} holds no zero of your own (one is read only from a bend "
                      "someone checked flat: `screen --neutral`): this screen is judged from "
                      f"{settings.spine.neutral_bend_deg:.0f}°, as without it", soft_wrap=True)
        if neutral:
            span = result.neutral_rep_span_s
            print_own_zero(result.own_neutral_bend_deg, settings,
                           "your lifts are judged from it with --profile" if save_profile is not None else
                           "save it with --save-profile and pass that to analyze, score or live with --profile",
                           f"rep {rep} ({span[0]:.1f}-{span[1]:.1f} s)" if span else "the checked bend")
        for note in result.notes:
            out.print(f"  [yellow]note:[/] {shown(note)}", soft_wrap=True)
        if save_profile is not None:
            zero_from = (zero_origin(profile) if profile is not None and not math.isnan(result.own_neutral_bend_deg)
                         else "")            # read before the profile may be written over (me.toml to me.toml)
            try:
                written = profile_toml(result, zero_from)
            except InputError:   # the reason was just printed: the error repeated it whole, a second long line
                fail(f"no profile written to {shown(save_profile)}: this screen tells no hinge depth (why: above)")
            atomic_write_text(save_profile, written)
            # the videos beside it only: a patient's profile above weekly folders had been ignored without a word
            beside = (f", or score the videos of its folder with `liftform score {shown(save_profile.parent)} "
                      "--folder-profiles` (the videos beside it, not those in folders below it: copy it into each)"
                      if save_profile.name == PROFILE_NAME else "")
            out.print(f"  profile written to {shown(save_profile)}: use it with `liftform analyze --profile "
                      f"{shown(save_profile)}`" + beside, soft_wrap=True)
    except LiftformError as exc:
        fail(exc)


def _screen_depth_line(result: ScreenResult, verdict: VerdictSettings) -> str:
    """The screen's numbers: how deep the person hinged, and what stopped it (the back, or the head hanging while
    the back's outline stayed within its limit: a head-led stop had been said "before the back rounded")."""
    until = (f"before the head hung past its limit (neck flexed up to {result.max_neck_flexion_deg:.0f}°, limit "
             f"{verdict.head_hanging_neck_deg:.0f}°)" if result.head_led else
             "before the back rounded" if result.rounded else "with the back flat")
    return (f"  hinge depth {result.hinge_depth_deg:.0f}° of trunk lean (hips flexed "
            f"{result.hip_flexion_at_onset_deg:.0f}°) {until}; deepest lean {result.max_trunk_inclination_deg:.0f}°; "
            f"spine flexion at most {result.max_spine_flexion_deg:.0f}° (limit {verdict.rounded_back_spine_deg:.0f}°)")


def _profile_zero(path: Path) -> bool:
    """Whether the profile at ``path`` sets the person's own zero (only one read from a bend checked flat can be)."""
    from liftform.personal import profile_values

    return "neutral_bend_deg" in profile_values(path).get("spine", {})


def _unwritable_profile(path: Path) -> str:
    """Why a profile cannot be saved at ``path`` (``--save-profile``), or "" (a read-only file system had been said
    to be "permission denied")."""
    from liftform.outputs.atomic import check_writable

    if path.is_dir():
        return f"--save-profile {path} is a folder; name the profile's file (e.g. {path / 'me.toml'})"
    if path.exists() and not _holds_a_profile(path):     # it had overwritten the video screened, given as the path
        return (f"--save-profile {path} is a file that holds no liftform profile, and saving would replace it; "
                f"name a new file (e.g. {path.with_name('me.toml')})")
    try:
        check_writable(path.parent, path, "--save-profile path")
    except LiftformError as exc:
        return str(exc)
    return ""


def _holds_a_profile(path: Path) -> bool:
    """Whether the file at ``path`` is a personal profile (TOML with a ``[profile]`` table): one saved again."""
    from liftform.toml_files import read_toml

    try:
        return isinstance(read_toml(path, "profile").get("profile"), dict)
    except LiftformError:
        return False
