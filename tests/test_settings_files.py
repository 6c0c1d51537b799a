"""Settings files and profiles as a coach or researcher meets them: a file edited by hand, saved by another editor,
or not a settings file at all is refused in one line naming the file, the key and what is allowed (exit 1), never
a traceback, a value silently ignored or a file silently taken for the defaults."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from liftform.cli import app
from liftform.errors import ConfigError
from liftform.settings import load_settings

runner = CliRunner()


def refused_in_one_line(args: list[str]) -> str:
    """The one error line of ``liftform args`` (exit 1, no traceback)."""
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


# -- the pose model's name ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("model", ["huge", "fulll", "Heavy model", "best"])
def test_a_model_that_names_no_model_is_refused_as_the_file_is_read(tmp_path, model):
    """`model = "huge"` passed `liftform config` and `rescore` (which keeps the pose settings and said nothing of
    it); `analyze` refused it only when it loaded the model, without naming the file it came from."""
    config = tmp_path / "c.toml"
    config.write_text(f'[pose]\nmodel = "{model}"\n')
    with pytest.raises(ConfigError, match=rf"^{config}: config \[pose\] model must be lite, full, heavy or the path "
                                          rf"to a \.task file, got '{model}'$"):
        load_settings(config)
    for command in (["config", str(config)], ["rescore", str(tmp_path), "--config", str(config)]):
        assert "[pose] model must be lite, full, heavy" in refused_in_one_line(command), command


def test_a_model_given_as_a_name_in_any_case_or_as_a_path_is_taken(tmp_path):
    """A shipped name is written one way (the settings' fingerprint of "Full " was not full's, so `score` judged
    its videos again); a path is checked where the model is loaded, where it is looked for."""
    config = tmp_path / "c.toml"
    custom = tmp_path / "my_model"          # a bundle of any name, there
    custom.write_bytes(b"")
    for given, taken in ((" Full ", "full"), ("LITE", "lite"), ("models/pose.task", "models/pose.task"),
                         ("elsewhere/pose", "elsewhere/pose"), (str(custom), str(custom))):
        config.write_text(f'[pose]\nmodel = "{given}"\n')
        assert load_settings(config).pose.model == taken, given


# -- the file itself ---------------------------------------------------------------------------------------------------

def test_a_file_an_editor_began_with_a_byte_order_mark_is_read(tmp_path):
    """Notepad's "UTF-8 with BOM": "not valid TOML: Invalid statement (at line 1, column 1)", a line that is
    fine to the eye."""
    config, profile = tmp_path / "c.toml", tmp_path / "me.toml"
    config.write_bytes("\ufeff[verdict]\nrounded_back_spine_deg = 25\n".encode())
    profile.write_bytes("\ufeff[advice]\nscreen_hinge_depth_deg = 55.0\n".encode())
    settings = load_settings(config, profile_path=profile)
    assert settings.verdict.rounded_back_spine_deg == 25 and settings.advice.screen_hinge_depth_deg == 55


@pytest.mark.parametrize(("content", "says"), [
    ("[verdict]\nrounded_back_spine_deg = 25  # d\xe9but\n".encode("latin-1"), "is not UTF-8 text (byte 0xe9 on line "
                                                                           "2): save it as UTF-8"),
    (b"\x7fEL\xd0\x02\x01\x01", "is not UTF-8 text (byte 0xd0 on line 1): save it as UTF-8"),
    # a video given as one had been told to be saved as UTF-8
    (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00\xd0",
     "is no text at all (a video or a picture?): pass the {what} file, a TOML text"),
    (b"x" * (1 << 20) + b"\n", "is over 1 MB: no settings file (`liftform config` prints one)"),
])
def test_a_file_that_is_no_settings_file_is_one_line(tmp_path, content, says):
    """A Latin-1 file said "'utf-8' codec can't decode byte 0xe9 in position 40" (a byte count, no line); an
    empty file, as a `liftform config > c.toml` that failed leaves, ran every video on the defaults without a word;
    a video passed as --config was read whole."""
    config = tmp_path / "c.toml"
    config.write_bytes(content)
    for what, command in (("config", ["config", str(config)]), ("profile", ["config", "--profile", str(config)])):
        assert refused_in_one_line(command) == f"error: {what} file {config} {says.format(what=what)}"


@pytest.mark.parametrize("content", [b"", b" \n\n"])
def test_an_empty_settings_file_says_how_to_get_the_defaults_and_an_empty_profile_how_to_save_it(tmp_path, content):
    """An empty file, as a `liftform config > c.toml` that failed leaves, had run every video on the defaults without
    a word. Refused, the line had said "leave it out for the defaults": for `score` and `rescore` into a folder judged
    before, leaving it out resumes under the folder's last settings (`batch.judged_with`), so it says how to write the
    defaults; an empty profile, how to save one again."""
    config = tmp_path / "c.toml"
    config.write_bytes(content)
    empty = "is empty (a save or a redirect that failed?); "
    assert refused_in_one_line(["config", str(config)]) == (f"error: config file {config} {empty}for the defaults "
                                                            "write them to it with `liftform config > FILE`")
    assert refused_in_one_line(["config", "--profile", str(config)]) == (
        f"error: profile file {config} {empty}save it again (`liftform screen VIDEO --neutral --save-profile FILE`)")


def test_a_pipe_or_device_is_not_taken_for_a_missing_file(tmp_path):
    """`--config /dev/null` and `--config <(liftform config)` said "config file not found" of a file that is there
    (and a pipe is read empty by a command's second read of the file: `rescore` reads it twice)."""
    import os

    fifo = tmp_path / "settings.toml"
    os.mkfifo(fifo)
    for path in (fifo, "/dev/null"):
        assert refused_in_one_line(["config", str(path)]) == (
            f"error: config file {path} is not a regular file (a pipe or a device); save the settings to a file and "
            "pass that")


# -- environment variables ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("variable", "args"), [("LIFTFORM_MODEL_DIR", ["models"]),
                                                ("LIFTFORM_CACHE_DIR", ["models"]),
                                                (None, ["models", "--model-dir", "~nobody-here/models"])])
def test_a_home_that_is_not_known_in_a_model_path_is_one_line(monkeypatch, variable, args):
    """`LIFTFORM_MODEL_DIR=~nobody/models` (a user of another machine) ended in pathlib's "RuntimeError: Could not
    determine home directory", a traceback, in every command that looks for the model."""
    monkeypatch.delenv("LIFTFORM_MODEL_DIR", raising=False)
    if variable is not None:
        monkeypatch.setenv(variable, "~nobody-here/models")
    given_as = variable or "--model-dir"
    assert refused_in_one_line(args) == (f"error: ~nobody-here/models (from {given_as}): no home folder is known for "
                                         "~nobody-here; write the path in full")


def test_a_model_folder_with_a_space_pasted_at_its_end_shows_the_space(monkeypatch, tmp_path):
    """`LIFTFORM_MODEL_DIR="/data/models "` said "model directory /data/models  (from ...) does not exist" of a folder
    that is there to the eye."""
    monkeypatch.setenv("LIFTFORM_MODEL_DIR", f"{tmp_path} ")
    assert refused_in_one_line(["models"]) == (f"error: model directory '{tmp_path} ' (from LIFTFORM_MODEL_DIR) does "
                                               "not exist; fix the path or unset LIFTFORM_MODEL_DIR")
    monkeypatch.delenv("LIFTFORM_MODEL_DIR")                 # typed as --model-dir: no variable to unset
    said = refused_in_one_line(["models", "--model-dir", str(tmp_path / "nope")])
    assert said.endswith("does not exist; fix the path") and "--model-dir" in said, said


def test_a_model_path_under_an_unknown_home_is_a_model_error():
    from liftform.errors import ModelError
    from liftform.models import resolve_model

    with pytest.raises(ModelError, match=r"^~nobody-here/pose\.task \(from --model, or Settings\.pose\.model in "
                                         r"Python, or \[pose\] model in a config\): no home folder is known for "
                                         "~nobody-here; write the path in full$"):
        resolve_model("~nobody-here/pose.task")


# -- a profile edited by hand ------------------------------------------------------------------------------------------

SCREENED = ('[profile]\nread_from = "/clinic/S01/checked.mp4"\nrep = 2\nneutral_checked = true\n'
            "[spine]\nneutral_bend_deg = 7.18\n[advice]\nscreen_hinge_depth_deg = 79.2\n")


@pytest.mark.parametrize(("edit", "says"), [
    # a misspelt [profile] had been told "a zero from an older `liftform screen`", the screen just recorded
    (("[profile]", "[profil]"), "has a section [profil], which no profile holds (only [profile], whose it is, and "
                                "[spine] and [advice], the person's values)"),
    (("neutral_checked = true", "neutral_checkd = true"),
     "sets [spine] neutral_bend_deg, but not [profile] neutral_checked = true ('neutral_checkd' there: misspelt?): "
     "record the screen again"),
    (("neutral_checked = true", "neutral_checked = false"),
     "sets [spine] neutral_bend_deg, a zero it says was not read from a bend checked neutral, which misreads real "
     "backs: record the screen again"),
    # above every section: had been passed over, the profile loaded as if it said nothing of itself
    ((SCREENED.split("[spine]")[0], 'profile = "Anna"\n'), "'profile' must be the [profile] section (whose the "
                                                           "profile is), not 'Anna'"),
])
def test_a_profile_edited_by_hand_is_told_what_is_wrong_with_it(tmp_path, edit, says):
    profile = tmp_path / "me.toml"
    profile.write_text(SCREENED)
    assert load_settings(profile_path=profile).spine.neutral_bend_deg == 7.18      # as `liftform screen` wrote it
    profile.write_text(SCREENED.replace(*edit))
    line = refused_in_one_line(["config", "--profile", str(profile)])
    assert line.startswith(f"error: profile {profile}") and says in line, line


# -- what `liftform config` prints, fed back ---------------------------------------------------------------------------

def test_what_config_prints_read_back_is_the_same_settings(tmp_path):
    """The printout is the settings, every one: passed back with --config it gives the same settings (and prints
    the same again), also for a model path with a tab, a newline, DEL or a line separator in it (printed raw, the
    file was no TOML) and values edited away from the defaults."""
    edited = tmp_path / "edited.toml"
    edited.write_text('[pose]\nmodel = "M\u00fcller/a\\tb\\u007f\\u2028c\\"d\\n.task"\nnum_poses = 3\n'
                      "[verdict]\nrounded_back_spine_deg = 23.5\nreba_trunk_bands_deg = [10, 70]\n"
                      "[spine]\nneutral_bend_deg = -12.25\n")
    printed = runner.invoke(app, ["config", str(edited)])
    assert printed.exit_code == 0, printed.output
    again = tmp_path / "again.toml"
    again.write_text(printed.stdout)
    assert load_settings(again) == load_settings(edited)
    assert load_settings(again).pose.model == 'M\u00fcller/a\tb\x7f\u2028c"d\n.task'
    assert runner.invoke(app, ["config", str(again)]).stdout == printed.stdout


def test_a_key_under_another_section_is_told_where_it_belongs(tmp_path):
    """`[pose]` then `rounded_back_spine_deg = 25` listed [pose]'s keys, not the section the key is in (as a key
    above every section is told)."""
    config = tmp_path / "c.toml"
    config.write_text("[pose]\nrounded_back_spine_deg = 25\n")
    assert refused_in_one_line(["config", str(config)]).startswith(
        f"error: {config}: unknown config key 'rounded_back_spine_deg' in [pose] (it belongs under [verdict]); known: "
        "analysis_fps, crop_side_px")
    config.write_text("[verdict]\nrounded_back_spine_degg = 25\n")         # a typo belongs nowhere
    assert "in [verdict]; known: confidence_margin_deg" in refused_in_one_line(["config", str(config)])


def test_a_section_written_in_double_brackets_is_told_so(tmp_path):
    """`[[verdict]]` (TOML's list of sections) was "config key 'verdict' is outside any section"."""
    config = tmp_path / "c.toml"
    config.write_text("[[verdict]]\nrounded_back_spine_deg = 25\n")
    assert refused_in_one_line(["config", str(config)]) == (
        f"error: {config}: config [[verdict]] is a list of sections; write [verdict], in single brackets")


# -- numbers past what a float holds -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "says"), [
    ("[verdict]\nrounded_back_spine_deg = 1" + "0" * 400, "config [verdict] rounded_back_spine_deg must be at least 5 "
                                                          "and at most 90, got a number beyond 1.8e+308"),
    ("[pose]\nnum_poses = -1" + "0" * 400, "config [pose] num_poses must be a whole number at least 1 and at most 10, "
                                           "got a number beyond 1.8e+308"),
    ("[verdict]\nreba_trunk_bands_deg = [20, 1" + "0" * 400 + "]", "config [verdict] reba_trunk_bands_deg must be at "
                                                                  "least 0 and at most 180, got a number beyond"),
])
def test_a_whole_number_past_any_float_is_refused_naming_the_key(tmp_path, line, says):
    """`rounded_back_spine_deg = 1000...0` (401 digits) ended in "OverflowError: int too large to convert to
    float", a traceback."""
    config = tmp_path / "c.toml"
    config.write_text(line + "\n")
    assert refused_in_one_line(["config", str(config)]).startswith(f"error: {config}: {says}")


def test_a_number_python_will_not_read_is_one_line(tmp_path):
    """Over 4300 digits tomllib raises a ValueError that is no TOMLDecodeError: a traceback, advising
    `sys.set_int_max_str_digits()`."""
    config = tmp_path / "c.toml"
    config.write_text("[verdict]\nrounded_back_spine_deg = 1" + "0" * 5000 + "\n")
    assert refused_in_one_line(["config", str(config)]) == (
        f"error: config file {config} holds a number too long to read (over 4300 digits)")


@pytest.mark.parametrize(("display", "says"), [
    ("garbage", "DISPLAY=garbage names no X display (such as :0 or host:10.0): fix it, or add --no-window"),
    (":31999", "no X server answers on DISPLAY=:31999: run from a desktop session, or add --no-window"),
])
def test_a_display_that_is_none_is_said_before_qt_aborts_the_process(monkeypatch, display, says):
    """`DISPLAY=garbage liftform live` (or a display whose server is gone) ended in Qt's "could not connect to
    display", "This application failed to start", and an abort (exit status 134), not a line of liftform's."""
    from liftform.live.window import display_problem

    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("DISPLAY", display)
    assert display_problem() == says


def test_a_display_whose_server_takes_a_connection_is_taken_and_a_dead_one_s_socket_is_not(monkeypatch, tmp_path):
    """An X server killed outright leaves its socket file: that file was taken for a display, and Qt aborted."""
    import socket

    from liftform.live import window
    from liftform.live.window import display_problem

    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setattr(window, "X11_SOCKETS", str(tmp_path))
    for number, serving in ((7, False), (8, True)):
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(tmp_path / f"X{number}"))
        server.listen()
        if not serving:
            server.close()              # the file stays: a server's that is gone
        monkeypatch.setenv("DISPLAY", f":{number}")
        assert display_problem() == (None if serving else f"no X server answers on DISPLAY=:{number}: run from a "
                                     "desktop session, or add --no-window")
        server.close()
    with socket.socket() as server:         # an X server over TCP (ssh's forwarding): port 6000 + the number
        server.bind(("127.0.0.1", 0))
        server.listen()
        monkeypatch.setenv("DISPLAY", f"127.0.0.1:{server.getsockname()[1] - 6000}.0")
        assert display_problem() is None
