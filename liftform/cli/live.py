"""The live command: coaching at the webcam (`liftform.live`)."""

from __future__ import annotations

from pathlib import Path

import typer

from liftform.cli.common import (
    ConfigOpt,
    ModelDirOpt,
    ProfileOpt,
    app,
    err,
    fail,
    out,
    settings_from,
    shown,
)
from liftform.cli.show import confidence_markup, faults_markup, print_own_zero, print_summary, verdict_markup
from liftform.errors import LiftformError
from liftform.interrupts import INTERRUPTED_EXIT, stop_signal

# OpenCV opens a camera by a C int, and a negative one crashed it (a segmentation fault with no camera at -1).
MAX_CAMERA = 99
# A rep told during a live session and one of the saved session are the same rep where their ends lie this close (s).
SAME_REP_S = 0.25


@app.command(short_help="Live coaching at the webcam: the back green or red, reps counted and judged.")
def live(
    camera: int | None = typer.Option(None, "--camera", min=0, max=MAX_CAMERA,
                                      help=f"Webcam number, 0 to {MAX_CAMERA} (default 0)."),
    source: Path | None = typer.Option(None, "--source", readable=False,
                                       help="Play a video file as if it were the camera: at its "
                                       "own frame rate, dropping frames when processing falls behind."),
    model: str | None = typer.Option(None, "--model", "-m", help="Pose model: lite, full, heavy, or a .task (default: "
                                     "the config file's, else full; lite is a little faster)."),
    model_dir: Path | None = ModelDirOpt,
    config: Path | None = ConfigOpt,
    profile: Path | None = ProfileOpt,
    no_window: bool = typer.Option(False, "--no-window", help="No window (headless); stop with Ctrl-C."),
    record: Path | None = typer.Option(None, "--record", help="Also write the annotated session to this video file "
                                       "(.mp4, .mov, .mkv or .m4v; not a file already there)."),
    blur_faces: bool = typer.Option(False, "--blur-faces", help="Blur every face in the window and the recording, "
                                    "to share or screen-record it: all but your body, and your head."),
    output: Path = typer.Option(Path("liftform-out"), "--output", "-o",
                                help="Folder the session is saved in, as OUTPUT/live-<time>/."),
    beep: bool = typer.Option(False, "--beep", help="Sound a cue when the back rounds during a rep."),
    track: bool = typer.Option(False, "--track", help="Follow the lifter with MediaPipe's tracking between frames "
                               "instead of its person detector on every frame: about 1.5x the frame rate on a slow "
                               "or busy machine, but backs are read less well (the limits were set on the "
                               "detector's landmarks)."),
) -> None:
    """Live coaching at the webcam, side-on: the back green while neutral and red when it rounds, the rep count and
    a verdict per rep. Window keys: q/Esc quit, c recalibrate (stand upright, side-on), r reset the count, n the last
    rep was checked flat by someone who knows your back: your own zero is read from it and judges the next reps."""
    from liftform.live import LiveConfig, live_defaults, run_live
    from liftform.personal import from_profile_option, personal_zero_note

    if camera is not None and source is not None:
        fail("use --camera or --source, not both", 2)
    try:
        settings = settings_from(config, model, profile, base=live_defaults(),
                                 pose={"track_between_frames": True} if track else None)
    except LiftformError as exc:
        fail(exc)

    on_event = _event_printer(settings, beep)
    started = []

    def on_frame(live_frame, rgb) -> None:
        if not started:
            started.append(True)
            keys = ("Ctrl-C to stop" if no_window else "keys in the window: q quit, c recalibrate, r reset count, "
                    "n the last rep was checked flat: judge from its zero")
            tracking = ", tracking between frames" if settings.pose.track_between_frames else ""
            own_zero = personal_zero_note(settings.spine.neutral_bend_deg, settings.verdict)
            out.print(f"live: {shown(source or f'camera {camera or 0}')}, model {shown(settings.pose.model)}"
                      f"{tracking} ({keys})" + (f"; {own_zero}" if own_zero else ""), soft_wrap=True)

    try:
        result = run_live(LiveConfig(camera=camera or 0, source=source, model=settings.pose.model, model_dir=model_dir,
                                     settings=settings, window=not no_window, record_path=record, output_dir=output,
                                     personal_from=from_profile_option(profile), blur_faces=blur_faces),
                          on_event=on_event, on_frame=on_frame)
    except LiftformError as exc:
        fail(exc)
    except KeyboardInterrupt:       # during start-up; once running, Ctrl-C ends the session and saves it
        err.print(f"interrupted by {stop_signal()}, before the session started")
        raise typer.Exit(INTERRUPTED_EXIT) from None
    if result.stopped_by == "interrupt":
        out.print(f"stopped by {stop_signal()}"
                  + (": the session so far is judged and saved" if result.analysis is not None else ""),
                  soft_wrap=True)
    if result.analysis is not None:
        if rejudged := _rejudged_reps(result.live_verdicts, result.analysis.verdicts):
            # numbered as the saved session's summary below numbers them (live's count restarts at key r)
            out.print(f"the saved session is judged on all its frames, and {rejudged}", soft_wrap=True)
        print_summary(result.analysis, result.out_dir)
        _print_profile(result.out_dir)
    elif source is not None and result.stopped_by == "end_of_source":     # a photo: as `analyze` says, exit 1
        _print_stats(result.stats, tracking=settings.pose.track_between_frames)
        fail(f"{source} gave fewer than two frames (a photo, not a video?): nothing to judge, nothing saved")
    else:
        out.print("fewer than two frames were processed: nothing to judge, nothing saved")
    _print_stats(result.stats, tracking=settings.pose.track_between_frames)
    if result.recording is not None:
        out.print(f"  recording: {shown(result.recording)}", soft_wrap=True)
    if result.error:
        fail(result.error)


def _rejudged_reps(live_verdicts, saved_verdicts) -> str:
    """What the saved session, judged on all its frames, tells otherwise than live did (a rep judged on the frames the
    live window held, then on the whole session): the reps given another verdict first, then those told with other
    numbers or findings ("gives rep 3 (below) another verdict than live did; tells rep 1 (below) with its verdict
    in other words or numbers"), numbered as the saved session's summary below numbers them (`rep_list`), each rep
    once, "(below)" only where the summary lists them all (else reps.csv has them: a long session's summary lists
    the reps to look at); the reps live told that it finds no rep at, by when they ended (live had promised "reps
    1, 2 (below)" of a summary listing one); and its reps live never told. "" where it tells them all alike. A live
    rep is the saved one whose span holds its bottom, or that ends within ``SAME_REP_S`` of it: judged on its
    window's frames, a rep live told ending at 4.0 s, the whole session ended at 4.3 s with the same verdict and
    numbers, and it was said lost. A shift's session had said "tells reps 1-20, 22, 22-38, 38-43 (below)
    otherwise": a saved rep once per live rep in it, the three verdicts that changed lost among 1-2 degree
    differences, most of them not below."""
    from liftform.cli.show import listed_reps
    from liftform.outputs.result_json import rep_list

    flipped, renumbered, gone, matched = {}, {}, [], set()
    for told in live_verdicts:
        same = [saved for saved in saved_verdicts if saved.rep.start_s <= told.rep.bottom_s <= saved.rep.end_s
                or abs(saved.rep.end_s - told.rep.end_s) <= SAME_REP_S]
        matched.update(id(saved) for saved in same)
        if not same:
            gone.append(f"{told.rep.end_s:.1f} s")
        elif not any((saved.verdict, saved.reason, saved.faults) == (told.verdict, told.reason, told.faults)
                     for saved in same):
            kept = any(saved.verdict == told.verdict for saved in same)
            (renumbered if kept else flipped).setdefault(same[0].rep.index, same[0])
    renumbered = {index: rv for index, rv in renumbered.items() if index not in flipped}
    below = {rv.rep.index for rv in listed_reps(tuple(saved_verdicts))}

    def named(reps: dict) -> str:
        ordered = [reps[index] for index in sorted(reps)]
        return f"{rep_list(ordered)} ({'below' if set(reps) <= below else 'in reps.csv'})"

    said = [f"gives {named(flipped)} another verdict than live did"] if flipped else []
    if renumbered:
        said.append(f"tells {named(renumbered)} with its verdict in other words or numbers than live did")
    if gone:
        said.append(f"finds no rep where live told one ending at {', '.join(gone)}")
    if untold := {saved.rep.index: saved for saved in saved_verdicts if id(saved) not in matched}:
        said.append(f"tells {named(untold)}, which live did not")
    return "; ".join(said)


def _event_printer(settings, beep: bool):
    """What the terminal shows (and sounds) as a session's events come: each rep's verdict and advice; with
    ``beep``, a cue when the back rounds (where no sound can be played, one line says so now, and the terminal's
    bell rings instead)."""
    from liftform.live import BackRounded, RepJudged, ZeroTaken
    from liftform.live.sound import play_cue, sound_problem

    if beep and (problem := sound_problem()) is not None:     # said before the session, not at the first rounding
        err.print(f"--beep: no sound output ({shown(problem)}): the terminal's bell rings instead", soft_wrap=True)

    told: set[int] = set()        # the session's reps told so far (`Rep.index`)

    def on_event(event) -> None:
        if isinstance(event, RepJudged):
            v = event.verdict
            # A bend the pose lost at its bottom is told again, as one rep, once its second part is judged.
            again = " again:" if v.rep.index in told else ""
            told.add(v.rep.index)
            # the count on screen restarts at key r; the saved session numbers every rep (it had told "rep 2" of
            # the rep the lifter had been shown as rep 1)
            session_rep = f" (session rep {v.rep.index + 1})" if event.count != v.rep.index + 1 else ""
            # a set's 10th rep on had pushed its line a column right of the 9th's
            out.print(f"  rep {f'{event.count}{session_rep}{again}':<2} {v.rep.end_s:6.1f} s  "
                      f"{verdict_markup(v.verdict, 15)} "
                      f"{shown(v.reason)}{faults_markup(v)}{confidence_markup(v)}", soft_wrap=True)
            out.print(f"{'':9s}[bold]advice:[/] {shown(event.advice)}", soft_wrap=True)
        elif isinstance(event, ZeroTaken) and event.refused:
            out.print(f"  [yellow]{shown(event.refused)}[/] (key n)", soft_wrap=True)
        elif isinstance(event, ZeroTaken):
            print_own_zero(event.neutral_bend_deg, settings, "the next reps are judged from it, and the saved session",
                           "the checked rep")
            if event.screen_set_aside:
                out.print("  your screen's hinge depth and range were read from the zero before, so they are set "
                          "aside: screen again with the saved profile (`liftform screen BEND.mp4 --profile ...`)",
                          soft_wrap=True)
        elif isinstance(event, BackRounded) and beep and not play_cue():
            err.file.write("\a")      # no audio output: the terminal bell
            err.file.flush()

    return on_event


def _print_profile(out_dir: Path | None) -> None:
    """Where the zero taken during the session (key n) is kept for the next ones."""
    from liftform.outputs.layout import PROFILE_NAME

    if out_dir is not None and (out_dir / PROFILE_NAME).is_file():
        out.print(f"  your zero is kept in {shown(out_dir / PROFILE_NAME)}: pass it with --profile next time",
                  soft_wrap=True)


def _print_stats(stats, tracking: bool) -> None:
    """The session's frame rate and latency, and what to do where the machine fell behind the camera."""
    import numpy as np

    if stats.frames_processed < 2:      # a session stopped while the model loaded: "could not keep up" from a frame
        return
    out.print(f"  {stats.frames_processed} frames at {stats.processed_fps:.1f} fps ({stats.frames_dropped} "
              f"dropped), latency p50 {np.median(stats.latency_ms):.0f} ms / p95 "
              f"{np.percentile(stats.latency_ms, 95):.0f} ms", soft_wrap=True)
    if stats.fell_behind and not tracking:
        out.print("  this machine could not keep up with the camera: --track follows you faster (MediaPipe's "
                  "tracking between frames), but reads backs less well", soft_wrap=True)
    elif stats.fell_behind:
        out.print("  this machine could not keep up with the camera, even tracking between frames: close other "
                  "programs, or try --model lite", soft_wrap=True)
