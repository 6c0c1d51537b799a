"""Batch commands: score many videos, rescore a scored folder (`liftform.batch`)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import typer

from liftform.cli.common import (
    BatchBar,
    BlurFacesOpt,
    ConfigOpt,
    ModelDirOpt,
    ModelOpt,
    ProfileOpt,
    app,
    blur_as_drawn,
    err,
    fail,
    out,
    settings_from,
    shown,
)
from liftform.cli.show import print_batch
from liftform.errors import ConfigError, LiftformError
from liftform.interrupts import INTERRUPTED_EXIT
from liftform.outputs.layout import PROFILE_NAME


@app.command(short_help="Score many videos into one folder, in parallel; resumable.")
def score(
    inputs: list[str] = typer.Argument(..., help="Video files, folders (searched recursively), globs."),
    output: Path = typer.Option(Path("liftform-out"), "--output", "-o", help="Folder for the results."),
    workers: int | None = typer.Option(None, "--workers", "-j", min=1,
                                       help="Parallel videos (default: one per CPU, as many as free memory holds at "
                                            "1 GB each, the fastest: more are no faster; Ray: cluster CPUs)."),
    engine: str = typer.Option("local", "--engine", help="local (processes on this machine) or ray."),
    address: str | None = typer.Option(None, "--address",
                                       help="Ray cluster, with --engine ray (ray://HEAD:10001 from any machine; "
                                            "auto or HEAD:6379 on a node of it; default: env RAY_ADDRESS, else a "
                                            "local instance)."),
    force: bool = typer.Option(False, "--force", help="Score again videos already scored."),
    timeout: float | None = typer.Option(None, "--timeout", min=0.001,
                                         help="Seconds one video may take before it is failed and its worker "
                                              "replaced (local engine; default: no limit)."),
    model: str | None = ModelOpt,
    model_dir: Path | None = ModelDirOpt,
    config: Path | None = ConfigOpt,
    profile: Path | None = ProfileOpt,
    folder_profiles: bool | None = typer.Option(None, "--folder-profiles/--no-folder-profiles",
                                                help="Judge each video from the profile.toml in its own folder, "
                                                     "where there is one: its lifter's own zero (`liftform screen "
                                                     "--neutral --save-profile FOLDER/profile.toml`, or a live "
                                                     "session's). The other videos from --profile, else most "
                                                     "people's zero. Default: as OUTPUT was last judged."),
    no_video: bool = typer.Option(False, "--no-video", help="Skip the annotated videos (faster)."),
    no_report: bool = typer.Option(False, "--no-report", help="Skip report.html and index.html (faster)."),
    blur_faces: bool | None = BlurFacesOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Score many videos: OUTPUT/<video>/ for each, OUTPUT/summary.csv (one row per video) and
    summary_reps.csv (one per rep). Resumable: videos
    already scored with the same file and settings are skipped, those scored with the same pose settings judged
    again from their saved landmarks (seconds); given none of --config, --model, --profile: under the settings
    OUTPUT was last judged with. Exit 1 if any video failed."""
    from liftform.batch import score as score_batch
    from liftform.personal import from_profile_option

    try:
        settings, personal_from = settings_from(config, model, profile), from_profile_option(profile)
        last, folder_profiles = _as_last_judged(output, (config, model, profile), folder_profiles)
        if last is not None:
            settings, personal_from = last.settings, last.personal_from
    except LiftformError as exc:
        fail(exc)
    blur_faces = blur_as_drawn(blur_faces, _result_folders(output), f"results in {output} were")
    _note_workers(workers, engine)
    bar = BatchBar(quiet, "scoring")
    try:
        with bar:
            result = score_batch(inputs, output, settings, workers=workers, engine=engine, address=address,
                                 force=force, write_video=not no_video, report=not no_report,
                                 blur_faces=blur_faces, model_dir=model_dir, progress=bar, timeout_s=timeout,
                                 folder_profiles=folder_profiles, personal_from=personal_from)
    except LiftformError as exc:
        fail(exc)
    except KeyboardInterrupt:
        # --force again redoes the done ones too, and without it the videos not reached keep their earlier results
        again = (" (with --force it redoes the ones done too)" if force else "")
        err.print(f"interrupted: {bar.done} video(s) done, their results and {shown(output / 'summary.csv')} are kept; "
                  f"run the same command again to finish the rest{again}" if bar.done else
                  "interrupted before any video was finished; run the same command again to score them",
                  soft_wrap=True)
        raise typer.Exit(INTERRUPTED_EXIT) from None
    with _said_when_stopped("scoring", output):
        _print_scored(result, output, folder_profiles)
    raise typer.Exit(result.exit_code)


@contextmanager
def _said_when_stopped(done: str, output: Path):
    """A Ctrl-C while the finished batch's table prints: the work is all written, and saying only "interrupted" (as
    the command line's last resort does) had left a user thinking part of it was lost."""
    try:
        yield
    except KeyboardInterrupt:
        err.print(f"interrupted while printing the table: the {done} had finished, and "
                  f"{shown(output / 'summary.csv')} says how each video went", soft_wrap=True)
        raise typer.Exit(INTERRUPTED_EXIT) from None


def _result_folders(output: Path) -> list[Path]:
    """The folders in ``output`` (each video's result), [] where it is none yet or cannot be listed."""
    try:
        return [folder for folder in output.iterdir() if folder.is_dir()]
    except OSError:
        return []


def _as_last_judged(output: Path, options: tuple, folder_profiles: bool | None,
                    sections: tuple[str, ...] | None = None):
    """What a `score` or `rescore` takes from the judgement ``output`` was last given (`batch.judged_with`): its
    settings where none of the settings ``options`` was given (else None), and --folder-profiles where neither it
    nor --no-folder-profiles was; said in one line where that is not the defaults (of ``sections``, those the command
    applies; None: all)."""
    from liftform.batch.judged_with import last_settings

    given = any(option is not None for option in options)
    if given and folder_profiles is not None:
        return None, folder_profiles
    try:
        last = last_settings(output)
    except ConfigError:
        if not given:
            raise
        last = None           # only the flag was to be taken from it: not known, off
    taken = []
    if not given and last is not None and (unlike := last.unlike_defaults(sections)):
        taken.append(f"the settings of the last run into {shown(output)} (by `liftform {last.command}`: "
                     f"{', '.join(unlike)}), not the defaults; --config FILE judges under others (`liftform config "
                     "> FILE` writes the defaults)")
    if folder_profiles is None and last is not None and last.folder_profiles:
        taken.append("each video from the profile.toml of its folder, as last judged (--no-folder-profiles: not)")
    if taken:
        err.print(f"[yellow]note:[/] judged under {'; and '.join(taken)}", soft_wrap=True)
    return (None if given or last is None else last), bool(folder_profiles if folder_profiles is not None
                                                          else last is not None and last.folder_profiles)


def _note_workers(workers: int | None, engine: str) -> None:
    """A -j more than this machine scores well at once is run as asked (a CPU quota or slow storage may make it the
    user's right number), with one line saying why it is no faster: -j 8 on 2 CPUs had run slower without a word."""
    from liftform.batch.local import more_than_runs_well

    if workers is not None and engine == "local" and (why := more_than_runs_well(workers)):
        err.print(f"[yellow]note:[/] -j {workers}: {shown(why)}; leave -j out for one worker per CPU, as many as "
                  "the free memory holds", soft_wrap=True)


def _print_scored(result, output: Path, folder_profiles: bool) -> None:
    """The end of `score`: the table, then what the run took from its folder and what it did again."""
    print_batch(result.rows, output, "scored")
    _print_earlier_rows(result, output)
    if scored := [r for r in result.rows if not r.cached]:      # what this run's engine did, in its own time
        # a rate only of the videos analysed: a run that only tried the failed ones again had said "0 frames/s"
        analysed = [r for r in scored if r.status == "ok"]
        failed = f"{len(scored) - len(analysed)} failed" if len(analysed) < len(scored) else ""
        rate = (f"{len(analysed) / max(result.wall_s, 0.1):.2f} videos/s, "
                f"{sum(r.frames or 0 for r in analysed) / max(result.wall_s, 0.1):.0f} frames/s" if analysed else "")
        out.print(f"{len(scored)} video(s) run in {result.wall_s:.1f} s ({'; '.join(w for w in (rate, failed) if w)})")
    if folder_profiles:
        out.print(f"{len(result.folder_profiles)} video(s) judged from the {PROFILE_NAME} of their folder"
                  + ("" if result.folder_profiles else ": none was found beside the videos (one in a folder above "
                                                         "them is not used)"), soft_wrap=True)
    if result.index_html is not None:
        out.print(f"overview: {shown(result.index_html)}", soft_wrap=True)
    if result.n_cached:
        out.print(f"{result.n_cached} video(s) were already scored with these settings (--force redoes them)")
    if result.judged_otherwise:
        out.print(f"[yellow]note:[/] {len(result.judged_otherwise)} video(s) scored into {shown(output)} before, "
                  "not in this run, were judged under other settings (another --config, pose model or liftform or "
                  "mediapipe version): its "
                  "summary mixes the two (summary.csv's settings_fingerprint tells them apart); `liftform rescore "
                  f"{shown(output)} --config FILE` judges them all under one (another pose model: "
                  "`score --force`)", soft_wrap=True)
    if result.from_poses:
        out.print(f"{len(result.from_poses)} video(s) scored before were judged again from their saved poses "
                  "(poses.npz, without the pose model), their earlier results replaced, as "
                  f"{_why(result.from_poses, result.redone_why)}; summary.csv's from_poses marks them", soft_wrap=True)
    if replaced := result.replaced_by_posing:    # not one that failed: its earlier result is kept (a tester's)
        from liftform.batch.jobs import FILE_CHANGED, NO_POSES, UNREADABLE_EARLIER

        # a damaged result.json says nothing of how its poses were made: they are not used, for no other reason; a
        # changed file's or a missing poses.npz needs no other (a re-filmed week was told of "other pose settings")
        whys = {result.redone_why.get(o) for o in replaced}
        poses = ("" if whys <= {FILE_CHANGED, NO_POSES} else ", and their saved poses could not be used (" + (
            "nothing says how they were made" if whys == {UNREADABLE_EARLIER} else
            "other pose settings, model or mediapipe, someone followed whose landmarks are not kept") + ")")
        out.print(f"{len(replaced)} video(s) scored before were scored again with the pose model, their "
                  f"earlier results replaced, as {_why(replaced, result.redone_why)}{poses}", soft_wrap=True)


def _why(outputs: list[str], why: dict[str, str]) -> str:
    """Why ``outputs`` were scored again, each cause with how many: "another liftform build or model (6)"."""
    from collections import Counter

    counts = Counter(why.get(output) or "their earlier result differs" for output in outputs)
    return ", ".join(f"{cause} ({n})" for cause, n in counts.items())


def _print_earlier_rows(result, output: Path) -> None:
    """How many videos the folder's summary (and its overview) lists besides this run's: those an earlier run scored
    into it stay, so its counts are not the terminal's (10 rows, 7 ok, against "9 video(s) scored: 6 ok")."""
    from liftform.batch.summary import read_summary
    from liftform.outputs.layout import INDEX_NAME, SUMMARY_CSV

    try:
        earlier = len(read_summary(output)) - len(result.rows)
    except LiftformError:
        return
    lists = " and the overview also list" if (output / INDEX_NAME).is_file() else " also lists"
    if earlier > 0:
        out.print(f"{shown(output / SUMMARY_CSV)}{lists} {earlier} video(s) an earlier run scored "
                  "into the folder, not given this time", soft_wrap=True)


def _note(words: str) -> None:
    """One of a batch's notes, after its table."""
    out.print(f"[yellow]note:[/] {words}", soft_wrap=True)


def _print_rescored(result, output: Path, folder_profiles: bool) -> None:
    """What a `rescore` did, after its table: how many were rescored and changed, and the notes."""
    from liftform.personal import PERSONAL_KEYS, PERSONAL_WORDS

    # A video another mediapipe posed is posed again by that `score` (`jobs.poses_reusable`), its views drawn then.
    posed_again = "; those another mediapipe posed are posed again: above" if result.posed_elsewhere else ""
    failed = f" ({result.n_failed} could not be: above)" if result.n_failed else ""   # "1 rescored" had counted them
    out.print(f"{len(result.rescored) - result.n_failed} rescored{failed}, {len(result.changed)} verdict(s) changed"
              + (f": {', '.join(result.changed)}" if 0 < len(result.changed) <= 20 else ""), soft_wrap=True)
    if result.reps_changed:     # the clip's verdict the same, a rep's verdict or advice not
        out.print(f"{len(result.reps_changed)} more with a rep's verdict or advice changed"
                  + (f": {', '.join(result.reps_changed)}" if len(result.reps_changed) <= 20 else ""), soft_wrap=True)
    if folder_profiles:
        out.print(f"{len(result.folder_profiles)} video(s) judged from the {PROFILE_NAME} beside their source video",
                  soft_wrap=True)
    if result.gone:
        _note(f"{len(result.gone)} video(s) the summary listed have no result any more (their folder or its "
              f"result.json removed), and are left out of it: {shown(', '.join(result.gone))}; `liftform score` with "
              "their videos scores them again")
    if result.summary_unreadable:
        _note(f"the summary before could not be read ({shown(result.summary_unreadable)}): it is made again from the "
              "result folders, so videos that had failed are no longer listed")
    if result.kept_personal:
        kept = {k for keys in result.kept_personal.values() for k in keys}
        words = " and ".join(PERSONAL_WORDS[k] for k in PERSONAL_KEYS if k in kept)
        origins = " or ".join(sorted({o for keys in result.kept_personal.values() for o in keys.values() if o}))
        _note(f"{len(result.kept_personal)} video(s) are judged, as when scored, from their lifter's own {words} "
              f"(from {shown(origins or 'their profile')}), not these settings': --profile PROFILE replaces them")
    if result.pose_ignored:
        _note(f"pose settings (model, confidences...) decide the saved landmarks and cannot be rescored; "
              f"{len(result.pose_ignored)} video(s) kept the ones they were scored with: use `liftform score --force` "
              "to apply them")
    if result.posed_elsewhere:
        _note(f"{len(result.posed_elsewhere)} video(s) were judged from landmarks another mediapipe version made "
              "(result.json's versions name it): `liftform score` poses them again with this one")
    if result.index_html is not None:
        out.print(f"overview: {shown(result.index_html)}", soft_wrap=True)
    if result.stale_views:
        out.print(f"[yellow]note:[/] annotated.mp4 / report.html of {len(result.stale_views)} video(s) still "
                  "show the results before this rescore (each report.html says so at its top): "
                  f"`liftform report {shown(output)}/<video>` redraws a "
                  "report (from the source video); `liftform score` without a --config (these settings) draws both "
                  f"again, from the saved landmarks (no pose model{posed_again})", soft_wrap=True)


@app.command(short_help="Judge every scored video again with new settings, from the saved landmarks.")
def rescore(
    output: Path = typer.Argument(..., help="Output folder of `liftform score` (or `analyze`)."),
    config: Path | None = ConfigOpt,
    profile: Path | None = ProfileOpt,
    folder_profiles: bool | None = typer.Option(None, "--folder-profiles/--no-folder-profiles",
                                                help="Judge each video from the profile.toml beside its source "
                                                     "video, where there is one (as score --folder-profiles; e.g. "
                                                     "a lifter's checked rep made after the batch was scored). "
                                                     "Default: as OUTPUT was last judged."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Recompute every verdict in OUTPUT from the saved landmarks (poses.npz) with new settings: fast, no pose
    model. Rewrites result.json, the CSVs, the summary and the overview (index.html); not the annotated videos
    nor the reports. Pose settings cannot change; each video keeps its lifter's own zero (from a profile or live's
    key n) unless --profile, or a --config that sets the zero (spine.neutral_bend_deg), gives another. Given
    neither, the settings OUTPUT was last judged with (after an upgrade: judged again by this version's rules)."""
    from liftform.batch import rescore as rescore_batch
    from liftform.personal import PERSONAL_KEYS, decided_by, from_profile_option
    from liftform.settings import JUDGING_SECTIONS

    try:
        settings = settings_from(config, None, profile)
        given_from = from_profile_option(profile)
        # the pose settings are each video's own (its landmarks'): a live session's num_poses = 1 had been said as
        # the settings "last judged with" on every plain rescore
        last, folder_profiles = _as_last_judged(output, (config, profile), folder_profiles, JUDGING_SECTIONS)
        if last is not None:
            settings, given_from = last.settings, last.personal_from
        keep = tuple(k for k in PERSONAL_KEYS if k not in decided_by(config, profile))
        with BatchBar(quiet, "rescoring") as bar:
            result = rescore_batch(output, settings, progress=bar, keep_personal=keep,
                                   folder_profiles=folder_profiles, given_from=given_from)
    except LiftformError as exc:
        fail(exc)
    except KeyboardInterrupt:
        err.print("interrupted: the videos rescored so far keep their new results; the summary covers them",
                  soft_wrap=True)
        raise typer.Exit(INTERRUPTED_EXIT) from None
    with _said_when_stopped("rescore", output):
        print_batch(result.rows, output, "in the summary")
        _print_rescored(result, output, folder_profiles)
    raise typer.Exit(result.exit_code)
