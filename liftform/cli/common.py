"""What every command shares: the typer app, the two consoles (results on stdout, errors and progress on stderr),
the common options, one-line failure, settings layering, and the progress bars."""

from __future__ import annotations

import errno
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
from rich.text import Text

try:                                    # typer 0.29 carries its own click, whose errors all derive from this
    from typer import TyperException as _ClickError
except ImportError:                     # pragma: no cover - typer before 0.29 raises click's own
    from click import ClickException as _ClickError


def _flags_shown_without_a_type() -> None:
    """typer 0.29's help shows ``<bool>`` after every flag (``--no-video <bool>``, ``--help <bool>``), as if it took
    a value: a flag's help shows no type, as before that version. (Elsewhere typer's rendering is left alone.)"""
    option = getattr(typer.core, "TyperOption", None)
    shown = getattr(option, "display_type_rich", None)
    if shown is None or getattr(shown, "flags_without_type", False):
        return

    def display_type_rich(self, ctx):
        return None if getattr(self, "is_flag", False) else shown(self, ctx)

    display_type_rich.flags_without_type = True
    option.display_type_rich = display_type_rich


_flags_shown_without_a_type()


class _CommandsFailingInOneLine(typer.core.TyperGroup):
    """The app's commands, whose usage errors typer finds (an unknown option or command, a missing argument, a value
    of the wrong type or out of range) exit through `fail` as every other error does: one line, exit 2. typer drew
    them as the usage line, a hint, then the message in a box: five lines or more, the message wrapped in a frame."""

    def make_context(self, *args, **kwargs):    # `liftform --bad-option`
        with _failed_in_one_line():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx):                      # a misspelt command, a command's options and arguments, the command
        with _failed_in_one_line(ctx):
            return super().invoke(ctx)

    def resolve_command(self, ctx, args):
        name, command, rest = super().resolve_command(ctx, args)
        ctx.meta["liftform_command"] = name     # for the help a usage error without its own context points to
        if command is not None and (misread := _misread_argument(command, rest)):
            fail(misread, 2)
        return name, command, rest


def _misread_argument(command, args: list[str]) -> str:
    """What among a command's ``args`` click would read otherwise than the user meant, said with how to write it,
    or "": an empty value (`-o "$OUT"` with OUT unset: a path of "" was taken as the current folder, so `-o ""`
    wrote the results there and `analyze ""` said ". is a directory, not a video"), or a file named with a leading
    dash where it would be read as options (`analyze -clip.mp4` had failed as "config file not found: lip.mp4", read
    as -c lip.mp4; not an option's value, ``-o -out``, nor after ``--``)."""
    takes_value = {opt for p in command.params if p.param_type_name == "option" and not p.is_flag for opt in p.opts}
    options_end = False
    for before, arg in zip(["", *args], args, strict=False):   # each with the word before it
        if arg.startswith("--") and arg.endswith("="):
            return f"an empty value for {arg[:-1]} (an unset shell variable in the command?)"
        if arg == "":
            what = f"an empty value for {before}" if before in takes_value else "an empty argument"
            return f"{what} (an unset shell variable in the command?)"
        options_end = options_end or arg == "--"
        if (not options_end and arg.startswith("-") and not arg.startswith("--") and before not in takes_value
                and os.path.lexists(arg)):
            return (f"{arg} would be read as options, not as a file: write {os.path.join('.', arg)}, or put -- before "
                    "it, after every option (what follows -- is all files)")
    return ""


@contextmanager
def _failed_in_one_line(group_ctx=None):
    """click's usage errors, and a path the file system refuses to look at (a name too long for it: every command
    had printed a traceback), as one line through `fail`; a Ctrl-C (or SIGTERM) before a command's own handling of
    it (its imports, its settings), which typer ended with 130 and nothing said, says "interrupted"."""
    try:
        yield
    except KeyboardInterrupt:
        from liftform.interrupts import INTERRUPTED_EXIT, stop_signal

        err.print(f"interrupted by {stop_signal()}")
        raise typer.Exit(INTERRUPTED_EXIT) from None
    except _ClickError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":     # `liftform` alone: the help, as typer shows it
            raise
        fail(_usage_error_line(exc, group_ctx), exc.exit_code)
    except OSError as exc:
        if exc.filename is None or isinstance(exc, BrokenPipeError):   # not a path's: typer's own handling, or a bug
            raise
        advice = "; use a shorter name" if exc.errno == errno.ENAMETOOLONG else ""
        fail(f"cannot use {exc.filename}: {(exc.strerror or str(exc)).lower()}{advice}")


def _usage_error_line(exc: Exception, group_ctx=None) -> str:
    """A click usage error in one line: its message, naming the value typed where typer's check leaves it out
    ("Invalid value for '--rep': Input should be greater than or equal to 1" of `--rep 0`), and where the usage is
    (for an error without a context of its own, `live --source` with no value, the command ``group_ctx`` resolved)."""
    message = exc.format_message()
    param = getattr(exc, "param", None)
    problems = getattr(exc.__cause__, "errors", None)     # typer 0.29 checks values with pydantic
    typed = problems()[0].get("input") if callable(problems) and problems() else None
    if param is not None and typed is not None:
        said = str(getattr(exc, "message", message))
        message = f"invalid value {str(typed)!r} for {'/'.join(param.opts)}: {said[:1].lower()}{said[1:]}"
    ctx = getattr(exc, "ctx", None)
    command = group_ctx.meta.get("liftform_command") if group_ctx is not None else None
    path = ctx.command_path if ctx is not None else f"{group_ctx.command_path} {command}" if command else None
    return message.rstrip(".") + (f" (see `{path} --help`)" if path else "")


app = typer.Typer(cls=_CommandsFailingInOneLine, add_completion=False, no_args_is_help=True,
                  pretty_exceptions_enable=False,
                  help="Watch a lift and tell a safe hip hinge from a rounded back, rep by rep.")
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _print_version(asked: bool) -> None:
    if asked:
        from liftform.build import liftform_build

        out.print(f"liftform {liftform_build()}")      # as result.json's versions.liftform names it
        raise typer.Exit()


@app.callback()
def _app_options(version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                              help="Print liftform's version and exit.")) -> None:
    pass

ModelOpt = typer.Option(None, "--model", "-m", help="Pose model: lite, full, heavy, or a path to a .task file "
                                                    "(default: the config file's, else full).")
ModelDirOpt = typer.Option(None, "--model-dir", envvar="LIFTFORM_MODEL_DIR",
                           help="Folder holding pose_landmarker_{lite,full,heavy}.task (else the cache/download).")
# Input paths are not checked readable by click: an unreadable file is an input that could not be used (exit 1, in
# its own line, the other videos analysed), not bad usage (click's exit 2 had stopped every video of the command).
ConfigOpt = typer.Option(None, "--config", "-c", readable=False, help="TOML file of settings (see `liftform config`).")
BlurFacesOpt = typer.Option(None, "--blur-faces/--no-blur-faces",
                            help="Blur every face in every exported frame, clip and video, to share the results: all "
                                 "but the lifter's body, and the lifter's head. Default: as the results already in "
                                 "the folder were drawn (blurred where they were).")
ProfileOpt = typer.Option(None, "--profile", readable=False,
                          help="Personal profile from `liftform screen --save-profile`.")


def shown(text: object) -> str:
    """``text`` (a name, a path, a message naming one) as rich markup that prints it as it is: its own markup
    escaped (a video "squat [final].mp4" had been printed "squat .mp4"), on one line (`outputs.paths.one_line`: an
    escape sequence in a file name had coloured the terminal; a name's undecodable bytes failed the print where the
    terminal's encoding is strict), a setter it names in the command's words alone (a library message names a
    Python caller's too: `errors.Setter`)."""
    from liftform.errors import on_the_command_line
    from liftform.outputs.paths import one_line

    return escape(one_line(on_the_command_line(str(text))))


def fail(problem: str | Exception, code: int | None = None) -> None:
    """One line on stderr, then exit: ``code``, by default 2 for a `UsageError` (bad usage), else 1."""
    from liftform.errors import UsageError

    err.print(f"[bold red]error:[/] {shown(problem)}", soft_wrap=True)
    raise typer.Exit(code if code is not None else 2 if isinstance(problem, UsageError) else 1)


def blur_as_drawn(blur_faces: bool | None, folders: list[Path], drawn: str) -> bool:
    """``--blur-faces`` or ``--no-blur-faces`` as given; given neither, whether any of ``folders`` (the result
    folders already there) was drawn with the faces blurred (`outputs.drawn_blurred`), said in one line where one
    was (``drawn``: which, in words). Drawn again or resumed without the flag, a folder shared blurred had shown the
    faces it hid, its mark gone, without a word."""
    from liftform.outputs import drawn_blurred

    if blur_faces is not None:
        return blur_faces
    if not any(drawn_blurred(folder) for folder in folders):
        return False
    err.print(f"[yellow]note:[/] faces blurred, as {shown(drawn)} drawn (--no-blur-faces: not)", soft_wrap=True)
    return True


def settings_from(config: Path | None, model: str | None, profile: Path | None = None, base=None,
                  pose: dict | None = None):
    """Settings in layers: ``base`` (default: the defaults), the config file, the profile, then the command's flags:
    ``--model`` and ``pose`` (other `[pose]` keys a flag sets, e.g. live's ``--track``)."""
    from liftform.settings import COMMAND_LINE, load_settings

    flags = {**({"model": model} if model is not None else {}), **(pose or {})}   # "" is refused, not the default
    return load_settings(config, {"pose": flags} if flags else None, profile, base, overrides_from=COMMAND_LINE)


class Bar:
    """A rich progress bar on stderr, shown only on a terminal; a context manager."""

    def __init__(self, quiet: bool, *columns, remaining: ProgressColumn | None = None) -> None:
        self.asked_quiet = quiet                    # --quiet: nothing in its place either
        self.quiet = quiet or not sys.stderr.isatty()
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), *columns,
                            remaining or TimeRemainingColumn(), console=err, transient=True)

    def __enter__(self):
        if not self.quiet:
            self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if not self.quiet:
            self.bar.stop()


class PipelineBar(Bar):
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


class _VideosLeftColumn(ProgressColumn):
    """A batch's time left: its own seconds per video so far times the videos left (`BatchBar`), counted down
    between videos. rich's own estimate takes the rate of the last 30 s of updates: the videos found already scored
    when a batch is resumed (a few ms each) made it "0:00:01" for a batch of minutes, and with videos slower than
    30 s it showed "-:--:--" every other video."""

    def render(self, task) -> Text:
        left_s, at = task.fields.get("left_s"), task.fields.get("left_at")
        if left_s is None:
            return Text("-:--:--", style="progress.remaining")
        seconds = max(0, round(left_s - (time.monotonic() - at)))
        return Text(f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}", style="progress.remaining")


class BatchBar(Bar):
    """Over the videos of a batch, fed ``progress(done, total, row)``; its time left is reckoned from the videos
    this run scored since the batch was planned (row None), not those found already scored (`_VideosLeftColumn`).
    Failed videos are printed above the bar as they happen; where stderr is no terminal (a log file: cron, nohup, a
    scheduler), where the bar is not drawn, every video done gets a line too, so the log shows the batch going on."""

    def __init__(self, quiet: bool, label: str) -> None:
        super().__init__(quiet, TextColumn("{task.fields[failed]} failed"), remaining=_VideosLeftColumn())
        self.task = self.bar.add_task(label, total=None, failed=0, left_s=None, left_at=None)
        self.done = self.failed = self.cached = 0
        self.started = time.monotonic()

    def __call__(self, done: int, total: int, row) -> None:   # row None: the batch planned, nothing done yet
        now = time.monotonic()
        if row is None:
            self.started = now
        self.done, self.failed = done, self.failed + (row is not None and not row.ok)
        self.cached += bool(getattr(row, "cached", False))
        if row is not None and not row.ok:
            # the path once: a reason that names the file ("video not found: in/a.mp4 is a link to ...") is enough
            named = row.reason != row.error or Path(row.path).name in row.error
            said = row.error if named else f"{row.path}: {row.error}"
            count = "" if sys.stderr.isatty() else f"{done}/{total}"     # a log's lines counted as the others are
            err.print((f"\\[{count}] " if count else "") + f"[bold red]failed:[/] {shown(said)}", soft_wrap=True)
        elif row is not None and not self.asked_quiet and not sys.stderr.isatty():
            from liftform.core.vocabulary import words_of

            unjudged = f", {row.undecided_reps} not judged" if row.undecided_reps else ""
            err.print(f"[{done}/{total}] {shown(str(row.path))}: {words_of(row.verdict).lower()}, "
                      f"{row.flagged_reps} of {row.reps} rep(s) rounded{unjudged}"
                      + (" (already scored)" if row.cached else ""),
                      soft_wrap=True, markup=False, highlight=False)
        run = done - self.cached
        left_s = (now - self.started) / run * (total - done) if run > 0 else None
        self.bar.update(self.task, completed=done, total=total, failed=self.failed, left_s=left_s, left_at=now)
