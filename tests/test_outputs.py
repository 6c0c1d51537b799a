"""Output sinks: result.json contract, CSVs, atomic writes, overlay drawing, H.264 writer, annotated video.

Everything is built by hand: a tiny synthetic Analysis / PoseTrack and a 320x240, 10-frame source video with
variable frame timing, so the tests run in about a second and need no pose model.
"""

from __future__ import annotations

import csv
import dataclasses
import errno
import json
import os
import zipfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from liftform import track as lm
from liftform.analysis import SCHEMA_VERSION, Analysis, ModelInfo, Quality, SourceInfo
from liftform.core.types import Kinematics, Rep, RepVerdict
from liftform.core.vocabulary import Tone
from liftform.errors import InputError, OutputError
from liftform.outputs import (
    atomic_path,
    atomic_write_text,
    read_result_json,
    write_outputs,
    write_result_json,
)
from liftform.outputs.annotated import write_annotated_video
from liftform.outputs.atomic import ensure_writable_dir
from liftform.outputs.overlay import PROMPT_RGB, draw_back, draw_overlay, draw_skeleton
from liftform.outputs.privacy import blur_face, face_box
from liftform.outputs.result_json import REP_FIELDS, analysis_to_dict
from liftform.outputs.tables import FRAMES_COLUMNS, write_frames_csv, write_reps_csv
from liftform.outputs.video_writer import H264Writer
from liftform.settings import Settings
from liftform.track import BACK_PROFILE_STATIONS, PoseTrack

W, H = 320, 240
# Source frame times: variable frame rate on purpose (the annotated video must keep them).
SOURCE_TIMES_S = np.array([0.0, 0.1, 0.2, 0.35, 0.45, 0.55, 0.7, 0.8, 0.9, 1.0])
N_ANALYSED = 9            # the last source frame has no analysis row (and no pose)
FLAGGED = (2, 3, 4)       # analysed frames judged rounded
LOW_CONFIDENCE = (7,)     # spine measure not trusted: back drawn grey
BACK_X, BACK_Y = 230, 140  # a pixel on the drawn back (vertical edge 20 px behind the trunk axis at x=250)


# --- synthetic inputs ------------------------------------------------------------------------------------------------

def synthetic_track(n: int = N_ANALYSED, frame_offset: int = 0) -> PoseTrack:
    """A person standing upright at x=250, facing image-right, back edge 20 px behind the trunk axis."""
    xy = np.full((n, 33, 2), np.nan)
    points = {lm.LEFT_SHOULDER: (250, 100), lm.RIGHT_SHOULDER: (252, 100), lm.LEFT_HIP: (250, 180),
              lm.RIGHT_HIP: (252, 180), lm.LEFT_ELBOW: (275, 130), lm.RIGHT_ELBOW: (276, 130),
              lm.LEFT_WRIST: (290, 160), lm.RIGHT_WRIST: (291, 160), lm.LEFT_KNEE: (255, 210),
              lm.RIGHT_KNEE: (256, 210), lm.LEFT_ANKLE: (252, 235), lm.RIGHT_ANKLE: (253, 235)}
    for j, (x, y) in points.items():
        xy[:, j] = (x, y)
    for j in range(11):                                   # head landmarks around (255, 80)
        xy[:, j] = (250 + j, 76 + (j % 3) * 4)
    profile = np.full((n, len(BACK_PROFILE_STATIONS), 2), 20.0)
    return PoseTrack(image_xy=xy, world_xyz=np.zeros((n, 33, 3)), visibility=np.ones((n, 33)),
                     timestamps_s=SOURCE_TIMES_S[:n].copy(), frame_index=np.arange(n) + frame_offset,
                     frame_size_wh=(W, H), back_profile_px=profile)


def synthetic_kinematics(n: int, frame_offset: int = 0) -> Kinematics:
    ramp = np.linspace(0.0, 60.0, n)
    spine = np.where(np.isin(np.arange(n), FLAGGED), 30.0, 5.0)
    confidence = np.full(n, 0.9)
    confidence[list(LOW_CONFIDENCE)] = 0.1
    knee = ramp / 3
    knee[0] = np.nan                                      # a missing value: null in JSON, empty in CSV
    values = {
        "timestamps_s": SOURCE_TIMES_S[:n].copy(), "frame_index": np.arange(n) + frame_offset,
        "trunk_inclination_deg": ramp, "hip_flexion_deg": ramp * 1.2, "knee_flexion_deg": knee,
        "knee_flexion_left_deg": knee, "knee_flexion_right_deg": knee, "spine_flexion_deg": spine,
        "spine_flexion_confidence": confidence, "lean_from_hips_deg": ramp - spine / 2,
        "lean_from_spine_deg": spine / 2, "depth": ramp / 100, "view_yaw_deg": np.full(n, 5.0),
        "valid": np.ones(n, bool), "side": "left", "facing_sign": 1, "spine_baseline_deg": -4.0,
        "warnings": ("baseline from 3 frames",),
    }
    # Per-frame fields added to Kinematics later get a plain value, so this helper keeps up with the core.
    for f in dataclasses.fields(Kinematics):
        if f.name not in values and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            values[f.name] = np.full(n, 0.5)
    return Kinematics(**values)


def synthetic_analysis(n: int = N_ANALYSED, frame_offset: int = 0, source_path: str = "lift.mp4") -> Analysis:
    kin = synthetic_kinematics(n, frame_offset)
    t = kin.timestamps_s
    rounded = RepVerdict(rep=Rep(0, 1, 3, 5, t[1], t[3], t[5]), verdict="rounded_back", confidence=0.87,
                         reason="lifted with the back: the spine rounded 30° beyond your upright posture",
                         peak_spine_flexion_deg=30.0, peak_trunk_inclination_deg=33.3333, peak_hip_flexion_deg=40.0,
                         min_knee_angle_deg=170.0, stoop_squat_index=88.456, lean_from_spine_pct=45.0,
                         rounded_s=0.35, descent_s=0.35, ascent_s=0.2, faults=("jerky_lift",))
    unsure = RepVerdict(rep=Rep(1, 6, 7, 8, t[6], t[7], t[8], complete=False), verdict="insufficient_data",
                        confidence=0.1, reason="the back was not seen clearly enough",
                        peak_spine_flexion_deg=float("nan"), peak_trunk_inclination_deg=50.0,
                        peak_hip_flexion_deg=float("inf"), min_knee_angle_deg=160.0, stoop_squat_index=float("nan"),
                        lean_from_spine_pct=float("nan"), rounded_s=0.0, descent_s=0.1, ascent_s=0.1)
    flagged = np.isin(np.arange(n), FLAGGED)
    return Analysis(
        source=SourceInfo(path=source_path, sha256="ab" * 32, fps=10.0, frames=len(SOURCE_TIMES_S), width=W,
                          height=H, duration_s=1.1),
        model=ModelInfo(name="pose_landmarker_full", sha256="cd" * 32), settings=Settings(), kinematics=kin,
        verdicts=(rounded, unsure), flagged=flagged,
        quality=Quality(frames_with_pose=n, frames_total=len(SOURCE_TIMES_S), view="side", warnings=("dim light",)),
        versions={"liftform": "0.1.0", "mediapipe": "x"})


@pytest.fixture
def make_analysis():
    """Factory: ``make_analysis(n=9, frame_offset=0, source_path="lift.mp4")`` -> a hand-built Analysis."""
    return synthetic_analysis


@pytest.fixture(scope="module")
def source_video(tmp_path_factory) -> Path:
    """A 320x240, 10-frame H.264 clip on mid-grey, frame times :data:`SOURCE_TIMES_S` (VFR)."""
    path = tmp_path_factory.mktemp("src") / "lift.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        stream.options = {"crf": "12", "preset": "ultrafast"}
        for i, t in enumerate(SOURCE_TIMES_S):
            rgb = np.full((H, W, 3), 128, np.uint8)
            rgb[:10, :10] = i * 20                       # a marker so frames differ
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = round(t * 1000), Fraction(1, 1000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def decode_all(path: Path) -> tuple[list[np.ndarray], list[float], str]:
    with av.open(str(path)) as container:
        frames = [(f.to_ndarray(format="rgb24"), float(f.time)) for f in container.decode(video=0)]
        codec = container.streams.video[0].codec_context.name
    return [f for f, _ in frames], [t for _, t in frames], codec


def strict_json(text: str):
    def reject(name):
        raise ValueError(f"non-strict JSON constant {name}")
    return json.loads(text, parse_constant=reject)


# --- result.json -----------------------------------------------------------------------------------------------------

def test_result_json_contract(tmp_path, make_analysis):
    analysis = make_analysis(frame_offset=100)
    path = write_result_json(analysis, tmp_path)
    assert path == tmp_path / "result.json"
    doc = strict_json(path.read_text(encoding="utf-8"))

    assert doc["schema_version"] == SCHEMA_VERSION
    assert set(doc["source"]) >= {"path", "sha256", "fps", "frames", "width", "height", "duration_s"}
    assert doc["source"]["frames"] == 10 and isinstance(doc["source"]["fps"], float)
    assert doc["model"] == {"name": "pose_landmarker_full", "sha256": "cd" * 32}
    assert doc["verdict"] == "rounded_back"
    assert doc["flagged_frames"] == [102, 103, 104]        # source frame numbers, not analysis rows
    assert doc["quality"]["frames_with_pose"] == N_ANALYSED and doc["quality"]["view"] == "side"
    assert doc["quality"]["warnings"] == ["dim light", "baseline from 3 frames"]
    contract = {"index", "start_s", "bottom_s", "end_s", "verdict", "confidence", "peak_spine_flexion_deg",
                "peak_trunk_inclination_deg", "peak_hip_flexion_deg", "min_knee_angle_deg", "stoop_squat_index"}
    assert len(doc["reps"]) == 2
    for rep in doc["reps"]:
        assert set(rep) >= contract and list(rep) == list(REP_FIELDS)
        assert isinstance(rep["index"], int) and isinstance(rep["verdict"], str)
        for key in contract - {"index", "verdict"}:
            assert rep[key] is None or isinstance(rep[key], float), key
    first, second = doc["reps"]
    assert first["peak_trunk_inclination_deg"] == 33.33 and first["stoop_squat_index"] == 88.46
    assert (first["start_frame"], first["bottom_frame"], first["end_frame"]) == (101, 103, 105)
    assert first["faults"] == ["jerky_lift"] and "30°" in first["reason"]
    assert second["peak_spine_flexion_deg"] is None and second["peak_hip_flexion_deg"] is None  # NaN, inf
    assert second["complete"] is False
    assert doc["facing"] == "right" and doc["side"] == "left"
    assert doc["settings"]["verdict"]["min_confidence"] == 0.4
    assert "rep 1" in doc["summary"] and "rep 2" in doc["summary"]
    assert read_result_json(path) == doc == analysis_to_dict(analysis)


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"schema_version": NaN}', '{"schema_version": 999}'])
def test_read_result_json_rejects_bad_files(tmp_path, content):
    path = tmp_path / "result.json"
    path.write_text(content)
    with pytest.raises(InputError, match="result"):
        read_result_json(path)


def test_read_result_json_missing(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_result_json(tmp_path / "nope.json")


# --- CSVs ------------------------------------------------------------------------------------------------------------

def test_frames_csv(tmp_path, make_analysis):
    analysis = make_analysis(frame_offset=100)
    with open(write_frames_csv(analysis, tmp_path), newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, data = rows[0], rows[1:]
    assert tuple(header) == FRAMES_COLUMNS
    assert header[:4] == ["frame", "time_s", "valid", "flagged"]
    assert set(Kinematics.COLUMNS) <= set(header)
    assert len(data) == N_ANALYSED and all(len(row) == len(header) for row in data)
    col = {name: i for i, name in enumerate(header)}
    assert [int(r[col["frame"]]) for r in data] == list(range(100, 100 + N_ANALYSED))
    assert [r[col["flagged"]] for r in data] == ["1" if i in FLAGGED else "0" for i in range(N_ANALYSED)]
    # The part each verdict is taken from: rep 1 (frames 1-5, no lift-off found) from its bottom (3) on; rep 2
    # (6-8), which the video ends in on its way down, all of it (its way down is judged). Frames 0-2: outside.
    assert [r[col["judged"]] for r in data] == ["0"] * 3 + ["1"] * 6
    assert data[0][col["knee_flexion_deg"]] == ""             # NaN -> empty cell
    assert float(data[3][col["time_s"]]) == pytest.approx(0.35)
    assert float(data[-1][col["trunk_inclination_deg"]]) == pytest.approx(60.0)


def test_reps_csv(tmp_path, make_analysis):
    with open(write_reps_csv(make_analysis(), tmp_path), newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 and tuple(rows[0]) == REP_FIELDS
    assert rows[0]["verdict"] == "rounded_back" and rows[0]["faults"] == "jerky_lift" and rows[0]["reason"]
    assert rows[1]["peak_spine_flexion_deg"] == "" and rows[1]["complete"] == "0"


def test_every_table_ends_its_lines_as_the_summaries_do(tmp_path, make_analysis):
    """reps.csv and frames.csv ended their lines CRLF, summary.csv and summary_reps.csv LF: `awk -F, '{print $NF}'
    reps.csv` gave "advice\r"."""
    for written in (write_reps_csv(make_analysis(), tmp_path), write_frames_csv(make_analysis(), tmp_path)):
        text = written.read_bytes()
        assert b"\r" not in text and text.count(b"\n") >= 3, written.name


# --- atomic writes ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("exc_type", [RuntimeError, KeyboardInterrupt])
def test_atomic_path_leaves_nothing_on_failure(tmp_path, exc_type):
    final = tmp_path / "frames.csv"
    with pytest.raises(exc_type), atomic_path(final) as tmp:
        assert tmp.parent == tmp_path and tmp != final
        tmp.write_text("half of a fi")
        raise exc_type("interrupted mid-write")
    assert list(tmp_path.iterdir()) == []


def test_atomic_failure_keeps_previous_file(tmp_path):
    final = atomic_write_text(tmp_path / "result.json", "old\n")
    with pytest.raises(RuntimeError), atomic_path(final) as tmp:
        tmp.write_text("new but incomple")
        raise RuntimeError("boom")
    assert final.read_text() == "old\n" and list(tmp_path.iterdir()) == [final]


def test_missing_dir_gives_output_error(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        atomic_write_text(tmp_path / "missing" / "result.json", "{}")


def test_a_folder_that_cannot_be_made_where_its_parent_is_says_so(tmp_path):
    """`--record /proc/nope/x.mp4`: mkdir says ENOENT with /proc there, and the line said "directory /proc does not
    exist"."""
    from liftform.outputs.atomic import output_error

    said = str(output_error(tmp_path / "nope", FileNotFoundError(errno.ENOENT, "No such file or directory")))
    assert f"nothing can be made in {tmp_path}" in said and "does not exist" not in said
    said = str(output_error(tmp_path / "a" / "b", FileNotFoundError(errno.ENOENT, "No such file or directory")))
    assert f"directory {tmp_path / 'a'} does not exist" in said


def test_unwritable_dir_gives_output_error(tmp_path, monkeypatch):
    target = tmp_path / "result.json"
    if os.geteuid() != 0:                                 # root ignores permissions: simulate the refusal there
        tmp_path.chmod(0o500)
    else:
        real_open = os.open

        def refuse(path, flags, *args, **kwargs):
            if os.fspath(path).startswith(os.fspath(tmp_path)) and flags & os.O_CREAT:
                raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
            return real_open(path, flags, *args, **kwargs)
        monkeypatch.setattr(os, "open", refuse)
    try:
        with pytest.raises(OutputError, match="permission denied") as info:
            atomic_write_text(target, "{}")
        assert str(target) in str(info.value) and "\n" not in str(info.value)
    finally:
        tmp_path.chmod(0o700)
    assert not target.exists()


def test_a_read_only_output_folder_is_said_of_the_folder_given(tmp_path, read_only):
    """The error named the hidden probe file (`.liftform-write-test.<pid>.<hex>`), not the folder the user gave."""
    out = tmp_path / "out"
    out.mkdir()
    read_only(out)
    with pytest.raises(OutputError) as info:
        ensure_writable_dir(out)
    assert str(info.value) == (f"cannot write {out}: the file system is read-only; choose another output directory "
                               "(-o, or the out_root argument in Python)")     # the CLI shows "(-o)" alone


# --- overlay ---------------------------------------------------------------------------------------------------------

def test_draw_overlay_handles_nan_and_large_frames():
    image = np.zeros((1080, 1920, 3), np.uint8)
    out = draw_overlay(image, np.full((33, 2), np.nan), np.zeros(33), np.full((11, 2), np.nan), "unknown",
                       angles_deg={"trunk": np.nan, "hip": 12.0}, rep_count=0, last_rep_verdict=None,
                       headline=[("Turn side-on to the camera", PROMPT_RGB)], rgb=False)
    assert out is image and image.any()                   # panel and banner drawn, nothing else crashed
    small = np.full((480, 640, 3), 128, np.uint8)
    lms = synthetic_track(1).image_xy[0]
    lms[lm.LEFT_KNEE] = (1e12, -1e12)                     # absurd coordinates must not overflow
    draw_overlay(small, lms, None, None, "rounded", rep_count=3, last_rep_verdict="hip_hinge")
    assert tuple(small[140, 251]) == Tone.BAD.rgb              # shoulder-mid -> hip-mid fallback, drawn red
    with pytest.raises(ValueError):
        draw_overlay(small[:, ::2], lms)                  # not contiguous


def test_lines_drawn_without_antialiasing_are_in_their_colours_alone_and_cover_the_same_ground():
    """Live draws the skeleton and the back without anti-aliasing (`draw_overlay(antialias=False)`): every pixel
    they touch is the line's own colour, nothing blended; with it, their edges blend into the picture. The same
    lines either way: the pixels differ only along their edges."""
    lms = synthetic_track(1).image_xy[0]
    drawn = {}
    for antialias in (True, False):
        image = np.zeros((480, 640, 3), np.uint8)
        draw_skeleton(image, lms, antialias=antialias)
        draw_back(image, lms, None, "neutral", antialias=antialias)
        drawn[antialias] = image
        whole = np.zeros_like(image)
        draw_overlay(whole, lms, None, None, "neutral", antialias=antialias)
        below_panel = np.s_[100:]               # the panel (top left) says the back's state in text
        assert np.array_equal(whole[below_panel], image[below_panel])
    colours = {Tone.GOOD.rgb, (90, 190, 250)}      # the back's, the skeleton's
    touched = drawn[False].any(axis=2)
    assert {tuple(int(c) for c in p) for p in drawn[False][touched]} == colours
    assert len({tuple(int(c) for c in p) for p in drawn[True][drawn[True].any(axis=2)]}) > 20   # blended edges
    either = touched | drawn[True].any(axis=2)
    assert (touched & drawn[True].any(axis=2)).sum() > 0.7 * either.sum()


def test_each_back_state_is_told_by_its_shape_not_only_its_colour():
    """About 1 man in 12 tells red from green poorly (WCAG 1.4.1: colour is not the only cue): drawn in one colour,
    the three back states are three pictures. A rounded back carries its word beside it, on the back's outside (the
    side away from the trunk's axis), a back not judged is dashed, a neutral one is solid."""
    import cv2

    from liftform.core.vocabulary import BackState
    from liftform.outputs.overlay import draw_back
    lms = synthetic_track(1).image_xy[0]                                   # facing image-right, trunk axis x ~251
    bow = np.sin(np.linspace(0.0, np.pi, 21)) * 12
    edge = np.stack([231 - bow, np.linspace(100, 180, 21)], axis=1)       # the back's edge, bowed backwards
    shapes = {}
    for state in BackState:
        image = np.zeros((480, 640, 3), np.uint8)
        draw_back(image, lms, edge, state.value)
        shapes[state] = image.any(axis=2)
    solid, tagged, dashed = shapes[BackState.NEUTRAL], shapes[BackState.ROUNDED], shapes[BackState.UNKNOWN]
    tag = tagged & ~solid
    assert tag.sum() > 300 and (solid & ~tagged).sum() == 0                # the line as neutral's, and its word
    assert np.flatnonzero(tag.any(axis=0)).max() < (231 - bow).min()      # beside the back, not over the body
    pieces = [cv2.connectedComponents(shape.astype(np.uint8))[0] - 1 for shape in (solid, dashed)]
    assert pieces[0] == 1 and pieces[1] >= 2 and (dashed & ~solid).sum() < 0.02 * dashed.sum()   # gaps along it
    upright = np.zeros((480, 640, 3), np.uint8)
    draw_back(upright, lms, None, "rounded")                               # no edge: the trunk's segment, tagged
    assert upright.any(axis=2).sum() > solid.sum()


def test_the_panels_words_read_over_any_picture():
    """The panel's lines (each back state's and verdict's colour, the plain text) reach WCAG AA text contrast
    (4.5:1) on the panel over a white picture, the worst case. The panel halved the picture's brightness and "Back:
    ROUNDED" had read at 1.5:1 there, 2.3:1 over the sample videos' grey wall."""
    from colour_vision import contrast, linear

    from liftform.core.vocabulary import Tone
    from liftform.outputs.overlay import TEXT_RGB, draw_panel
    image = np.full((480, 640, 3), 255, np.uint8)
    colours = [tone.text_rgb for tone in Tone] + [TEXT_RGB]
    draw_panel(image, [("Reps", colour) for colour in colours])
    background = image[6, 6]                                      # the panel's corner: no text there
    assert (background < 255).all()
    for colour in colours:
        assert contrast(linear(colour), linear(background)) >= 4.5, colour


def test_cached_text_is_putText_within_one_level():
    """The panel's and the prompt's text, blended from the cached glyph coverage (`put_text`), is what
    cv2.putText(LINE_AA) draws, within one level per channel (rarely off at all), on any background, at the sizes the
    overlay uses and cut by the image's edges."""
    import cv2

    from liftform.outputs.overlay import put_text
    rng = np.random.default_rng(5)
    differing = values = 0
    for scale, thickness in ((0.5, 1), (0.75, 2), (1.125, 3), (1.6875, 4)):
        for text in ("Spine flexion: 23 deg", "Reps: 3", "Last rep: rounded back", "Too dark: more light on you"):
            for org in ((16, 40), (-30, 12), (500, 470), (5, 2)):
                image = rng.integers(0, 256, (480, 640, 3), np.uint8)
                colour = tuple(int(c) for c in rng.integers(0, 256, 3))
                expected = image.copy()
                cv2.putText(expected, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thickness, cv2.LINE_AA)
                put_text(image, text, org, scale, colour, thickness)
                diff = np.abs(image.astype(int) - expected)
                assert diff.max() <= 1, (text, scale, org)
                differing, values = differing + int((diff > 0).sum()), values + int((expected != image).size)
    assert differing < 1e-4 * values
    blank = np.zeros((48, 64, 3), np.uint8)
    put_text(blank, "", (4, 20), 0.5, (255, 255, 255), 1)
    put_text(blank, "Reps: 3", (900, 900), 0.5, (255, 255, 255), 1)        # wholly outside: nothing, no error
    assert not blank.any()


def test_skeleton_joints_are_filled_discs_at_every_drawn_landmark():
    """Each joint of a drawn bone is a filled disc of the style's radius (the same pixels cv2.circle draws), in the
    skeleton's colour; landmarks below the visibility floor draw nothing."""
    import cv2

    from liftform.outputs.overlay import SKELETON_RGB, _style, draw_skeleton
    lms = synthetic_track(1).image_xy[0]
    visibility = np.ones(33)
    image = np.zeros((480, 640, 3), np.uint8)
    draw_skeleton(image, lms, visibility)
    radius = _style(480, 640).joint
    for index in (lm.LEFT_SHOULDER, lm.RIGHT_HIP, lm.LEFT_KNEE):
        x, y = np.rint(lms[index]).astype(int)
        disc = np.zeros((480, 640), np.uint8)
        cv2.circle(disc, (int(x), int(y)), radius, 255, -1, cv2.LINE_8)
        assert (image[disc > 0] == SKELETON_RGB).all()
    hidden = np.zeros(image.shape, np.uint8)
    draw_skeleton(hidden, lms, np.zeros(33))
    assert not hidden.any()                               # nothing visible: no bone, no joint


def test_blur_face_changes_only_the_head():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
    before = image.copy()
    landmarks = synthetic_track(1).image_xy[0]
    box = blur_face(image, landmarks)
    assert box == face_box(landmarks, image.shape)
    x0, y0, x1, y1 = box
    inside = np.zeros(image.shape[:2], bool)
    inside[y0:y1, x0:x1] = True
    assert np.array_equal(image[~inside], before[~inside])
    assert np.abs(image[inside].astype(int) - before[inside]).mean() > 30
    assert image[inside].std() < before[inside].std() / 3
    assert blur_face(image, np.full((33, 2), np.nan)) is None


def _blurred(image: np.ndarray, before: np.ndarray, where: np.ndarray) -> bool:
    return bool(image[where].std() < before[where].std() / 3)


def test_hiding_people_keeps_only_the_lifters_shape_sharp_and_blurs_every_face():
    """With faces blurred, nobody but the lifter is exported sharp: everything off the lifter's shape (a band along
    each bone, the trunk's outline) is blurred, their body kept, their face blurred, and so is the face of everyone
    else followed, also over the lifter's body. The lifter's landmark box + 15 % had been kept whole: a second
    lifter just behind them, or a bystander within it, kept a sharp face (108 and 165 head views of two rendered
    clips)."""
    from liftform.core.silhouette import trunk_outline_xy
    from liftform.outputs.privacy import hide_people, lifter_region
    from liftform.track import trunk_midpoints

    rng = np.random.default_rng(2)
    before = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
    track = synthetic_track(3)
    lifter = track.image_xy[1]
    image = before.copy()
    hide_people(image, lifter)
    body = lifter_region(lifter, image.shape).astype(bool)
    fx0, fy0, fx1, fy1 = face_box(lifter, image.shape)
    face = np.zeros_like(body)
    face[fy0:fy1, fx0:fx1] = True
    assert body.sum() < 0.1 * body.size                                      # the lifter's shape, not the frame
    assert _blurred(image, before, ~body)                                    # everyone else: blurred
    assert np.array_equal(image[body & ~face], before[body & ~face])         # the lifter's body: as it was
    assert _blurred(image, before, face)                                     # the lifter's face: blurred
    assert body[100:180, 251].all() and body[210, 255] and body[145, 283]    # trunk, shin, forearm
    # Someone's head in front of the lifter's chest, within their landmark box, off their body: blurred.
    assert not body[95:115, 290:310].any() and _blurred(image, before, np.s_[95:115, 290:310])
    # The trunk's outline (the segmentation's silhouette, here 20 px either side of the axis) is kept with the back's
    # edge, beyond the band round the bones.
    outline = trunk_outline_xy(*trunk_midpoints(lifter), track.back_profile_px[1])
    with_outline = before.copy()
    hide_people(with_outline, lifter, outline)
    assert not body[140, 232] and np.array_equal(with_outline[130:150, 232:236], before[130:150, 232:236])
    # Another person followed, their head over the lifter's thigh: blurred there too.
    other_head = lifter[:11] + (0.0, 115.0)                                  # head landmarks around (255, 195)
    others = before.copy()
    hide_people(others, lifter, None, [other_head])
    ox0, oy0, ox1, oy1 = face_box(other_head, image.shape)
    assert body[oy0:oy1, ox0:ox1].mean() > 0.5 and _blurred(others, before, np.s_[oy0:oy1, ox0:ox1])
    for missing in (None, np.full((33, 2), np.nan)):                        # no pose of the lifter in the frame
        lost = before.copy()
        hide_people(lost, missing, outline, [other_head])
        assert lost.std() < before.std() / 3


def test_a_skeleton_that_is_not_the_lifter_is_not_drawn_nor_blurred_by():
    """A frame whose skeleton the core drops (here its trunk folded down over the legs, as MediaPipe does to a lifter
    standing tall with the head out of the picture) shows no skeleton and no back, and no face blur is placed by
    the folded skeleton's head at the waist (with faces blurred, the frame is blurred whole)."""
    from liftform.outputs.annotated import drawn_track

    track = synthetic_track(5)
    image_xy = track.image_xy.copy()
    hips = image_xy[2, [lm.LEFT_HIP, lm.RIGHT_HIP], 1].mean()
    image_xy[2, :23, 1] = 2 * hips - image_xy[2, :23, 1]               # frame 2: head and shoulders below the hips
    folded = dataclasses.replace(track, image_xy=image_xy)
    drawn = drawn_track(folded)
    assert np.isnan(drawn.image_xy[2]).all()
    assert np.array_equal(drawn.image_xy[[0, 1, 3, 4]], image_xy[[0, 1, 3, 4]], equal_nan=True)
    assert drawn_track(track) is track                                  # nothing dropped: the same track


# --- video -----------------------------------------------------------------------------------------------------------

def test_h264_writer_odd_size_vfr_and_atomic(tmp_path):
    times = [0.0, 0.05, 0.15, 0.2, 0.5]
    out = tmp_path / "odd.mp4"
    with H264Writer(out, 20.0, 33, 25) as writer:
        assert writer.codec_name == "libx264"
        for i, t in enumerate(times):
            writer.write(np.full((25, 33, 3), 40 * i, np.uint8), t + 3.0)   # times count from the first frame
    frames, decoded_times, codec = decode_all(out)
    assert codec == "h264" and frames[0].shape == (26, 34, 3)
    assert decoded_times == pytest.approx(times, abs=1e-3)
    assert [p.name for p in tmp_path.iterdir()] == ["odd.mp4"]

    with pytest.raises(RuntimeError), H264Writer(tmp_path / "broken.mp4", 20.0, 32, 24) as writer:
        writer.write(np.zeros((24, 32, 3), np.uint8), 0.0)
        raise RuntimeError("crash mid-video")
    assert [p.name for p in tmp_path.iterdir()] == ["odd.mp4"]


def _is_red(rgb) -> bool:
    r, g, b = (int(v) for v in rgb)
    return r > 170 and g < 90 and b < 90


def _is_green(rgb) -> bool:
    r, g, b = (int(v) for v in rgb)
    return g > 150 and r < 90 and b < 120


def test_annotated_video(tmp_path, source_video, make_analysis):
    analysis, track = make_analysis(source_path=str(source_video)), synthetic_track()
    calls = []
    out = write_annotated_video(source_video, analysis, track, tmp_path / "annotated.mp4",
                                lambda done, total: calls.append((done, total)))
    frames, times, codec = decode_all(out)
    assert codec == "h264" and len(frames) == len(SOURCE_TIMES_S) and frames[0].shape == (H, W, 3)
    assert times == pytest.approx(SOURCE_TIMES_S, abs=2e-3)
    assert calls[-1] == (10, 10)
    for i in FLAGGED:
        assert _is_red(frames[i][BACK_Y, BACK_X]), (i, frames[i][BACK_Y, BACK_X])
    for i in (0, 1, 5, 6, 8):
        assert _is_green(frames[i][BACK_Y, BACK_X]), (i, frames[i][BACK_Y, BACK_X])
    grey = frames[LOW_CONFIDENCE[0]][BACK_Y, BACK_X].astype(int)
    assert grey.max() - grey.min() < 30 and grey.mean() > 140   # unknown: light grey, not the 128 background
    last = frames[-1][BACK_Y, BACK_X].astype(int)               # no analysis row: nothing drawn there
    assert np.abs(last - 128).max() < 12


def test_the_annotated_video_shows_each_rep_s_advice_in_the_words_live_shows(tmp_path, source_video, make_analysis,
                                                                            monkeypatch):
    """Once a rep is over, the panel names its verdict and, under it, its advice in a few words: the cue live shows
    after a rep (`rep_cue`, the same text). The video had shown the verdict alone."""
    import liftform.outputs.annotated as annotated
    from liftform.core.advice import rep_cue

    analysis, track = make_analysis(source_path=str(source_video)), synthetic_track()
    drawn = []
    real = annotated.draw_overlay

    def recorded(image, *args, **kwargs):
        drawn.append((kwargs["rep_count"], kwargs["last_rep_verdict"], tuple(kwargs["lines"])))
        return real(image, *args, **kwargs)

    monkeypatch.setattr(annotated, "draw_overlay", recorded)
    write_annotated_video(source_video, analysis, track, tmp_path / "annotated.mp4")
    cues = [rep_cue(rv, analysis.settings.advice) for rv in analysis.verdicts]
    assert len(set(cues)) == len(cues) == 2                     # the reps' cues differ: each is told its own
    for count, verdict, lines in drawn:
        if count == 0:
            assert verdict is None and not set(lines) & set(cues)
        else:
            assert verdict == analysis.verdicts[count - 1].verdict
            assert cues[count - 1] in lines and cues[2 - count] not in lines
    assert {count for count, _, _ in drawn} >= {0, 1, 2}


def test_write_outputs(tmp_path, source_video, make_analysis):
    analysis, track = make_analysis(source_path=str(source_video)), synthetic_track()
    out_dir = tmp_path / "out" / "lift"
    paths = write_outputs(analysis, track, out_dir, write_video=True)
    assert set(paths) == {"frames_csv", "reps_csv", "poses_npz", "annotated_mp4", "result_json"}
    assert sorted(p.name for p in out_dir.iterdir()) == ["annotated.mp4", "frames.csv", "poses.npz", "reps.csv",
                                                         "result.json"]
    assert list(paths)[-1] == "result_json"
    with np.load(paths["poses_npz"]) as data:
        loaded = PoseTrack.from_npz(data)
        for name, array in track.to_npz_dict().items():      # every array, NaN where missing, as written
            np.testing.assert_array_equal(data[name], array)
    np.testing.assert_array_equal(loaded.image_xy, track.image_xy)
    with zipfile.ZipFile(paths["poses_npz"]) as archive:     # compressed, as np.savez_compressed writes it
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_DEFLATED}
    assert strict_json(paths["result_json"].read_text())["verdict"] == "rounded_back"

    # A failed re-run leaves the earlier complete result as it was, and nothing of its own.
    before = {p.name: p.read_bytes() for p in out_dir.iterdir()}
    with pytest.raises(InputError):
        write_outputs(analysis, track, out_dir, video_path=tmp_path / "gone.mp4")
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == before
    assert [p.name for p in out_dir.parent.iterdir()] == ["lift"]

    no_video = write_outputs(analysis, track, tmp_path / "nv", write_video=False)
    assert "annotated_mp4" not in no_video and no_video["result_json"].exists()


def test_trunk_midpoints_take_the_known_landmark_of_a_pair():
    from liftform.track import trunk_midpoints

    xy = np.full((2, 33, 2), np.nan)
    xy[0, lm.LEFT_SHOULDER], xy[0, lm.RIGHT_SHOULDER], xy[0, lm.RIGHT_HIP] = (0, 0), (2, 4), (5, 6)
    shoulder, hip = trunk_midpoints(xy)
    np.testing.assert_array_equal(shoulder[0], [1, 2])
    np.testing.assert_array_equal(hip[0], [5, 6])                 # the left hip is missing: the right one stands in
    assert np.isnan(shoulder[1]).all() and np.isnan(hip[1]).all()
    one_frame = trunk_midpoints(xy[0])                             # (33, 2): one frame, as the live view passes it
    np.testing.assert_array_equal(one_frame[0], [1, 2])


def test_the_summary_and_the_headline_name_the_reps_that_reached_down_rounded(make_analysis, capsys):
    """Box work with a rounded reach-down before each flat lift (the set-up fault): every rep is safe, and the
    clip's summary (result.json, the report's banner, the index) said "safe in reps 1, 2 (hip hinge)" and the
    terminal "SAFE - 2 rep(s), 0 with a rounded back", the finding only in the rep's line."""
    from liftform.cli.show import print_summary

    analysis = make_analysis()
    first, second = analysis.verdicts
    reached = dataclasses.replace(first, verdict="hip_hinge", faults=("rounded_reach_down",), rounded_s=0.0)
    flat = dataclasses.replace(second, verdict="hip_hinge", peak_spine_flexion_deg=6.0)
    analysis = dataclasses.replace(analysis, verdicts=(reached, flat), flagged=np.zeros_like(analysis.flagged))
    summary = analysis_to_dict(analysis)["summary"]
    assert summary == ("2 reps: safe in reps 1, 2 (hip hinge); reached down with a rounded back (before lift-off) "
                       "in rep 1.")
    print_summary(analysis, None)
    header = capsys.readouterr().out.splitlines()[0]
    assert "2 reps, 0 with a rounded back, 1 reached down with a rounded back (before lift-off)" in header


def test_the_terminal_counts_reps_in_the_words_of_the_summary_and_the_report(make_analysis, capsys):
    """A coach checks the count first: the terminal said "1 rep(s), 1 with a rounded back" where result.json's
    summary (the report's banner, the index) said "1 rep: ..." and the report's headline "... of 1 rep"."""
    from liftform.cli.show import print_summary
    from liftform.report.page import headline

    two = make_analysis()
    for analysis in (two, dataclasses.replace(two, verdicts=two.verdicts[:1])):
        n = len(analysis.verdicts)
        count = f"{n} rep" + ("" if n == 1 else "s")
        print_summary(analysis, None)
        header = capsys.readouterr().out.splitlines()[0]
        assert f" - {count}, " in header and "rep(s)" not in header
        assert analysis_to_dict(analysis)["summary"].startswith(f"{count}: ")
        assert headline(analysis).endswith(f" {count}")


def test_the_headlines_of_a_safe_set_count_the_reps_not_judged(make_analysis, capsys):
    """"SAFE - 5 reps, 0 with a rounded back" and the report's "Safe: no rounded back in 5 reps" had been said of a
    set whose back was judged in 2 of its reps."""
    from liftform.cli.show import print_summary
    from liftform.report.page import headline

    analysis = make_analysis()
    first, second = analysis.verdicts
    unjudged = dataclasses.replace(first, verdict="insufficient_data", rounded_s=0.0)
    flat = dataclasses.replace(second, verdict="hip_hinge", rounded_s=0.0, peak_spine_flexion_deg=6.0)
    analysis = dataclasses.replace(analysis, verdicts=(unjudged, flat), flagged=np.zeros_like(analysis.flagged))
    assert analysis.verdict == "safe" and headline(analysis) == "Safe: no rounded back in 2 reps (1 not judged)"
    print_summary(analysis, None)
    assert "2 reps, 0 with a rounded back, 1 not judged" in capsys.readouterr().out.splitlines()[0]
    judged = dataclasses.replace(analysis, verdicts=(flat, flat))
    assert headline(judged) == "Safe: no rounded back in 2 reps"
    print_summary(judged, None)
    assert "not judged" not in capsys.readouterr().out.splitlines()[0]
    # A half-kneel's back, too upright for rounding to show, was said "no rounded back" with no word of it.
    lunge = dataclasses.replace(flat, verdict="lunge", peak_spine_flexion_deg=float("nan"))
    upright = dataclasses.replace(analysis, verdicts=(unjudged, lunge))
    assert headline(upright) == "Safe: no rounded back in 2 reps (1 not judged, 1 with the back too upright to judge)"
    print_summary(upright, None)
    assert ("2 reps, 0 with a rounded back, 1 not judged, 1 with the back too upright to judge"
            in capsys.readouterr().out.splitlines()[0])


def test_a_nearly_full_disk_is_said_before_any_analysis(tmp_path, monkeypatch, sample_videos):
    """A full disk was found only at the first write, after the whole pose stage (a batch spent it on every video
    in turn to write nothing): `analyze` now stops at once, in one line, and leaves nothing."""
    import shutil
    from collections import namedtuple

    from typer.testing import CliRunner

    from liftform import pipeline
    from liftform.cli import app
    from liftform.outputs.atomic import MIN_FREE_BYTES, ensure_writable_dir

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 2_000_000, 2_000_000))
    with pytest.raises(OutputError, match=r"only 2\.0 MB free on its disk") as info:
        ensure_writable_dir(tmp_path / "out")
    assert "\n" not in str(info.value) and "free some space" in str(info.value)
    started = []
    monkeypatch.setattr(pipeline, "estimate_video_people", lambda *a, **k: started.append(1))
    result = CliRunner().invoke(app, ["analyze", "--quiet", str(sample_videos["hip_hinge"]), "-o",
                                      str(tmp_path / "out2")])
    assert result.exit_code == 1 and "only 2.0 MB free" in result.output and not started, result.output
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 0, MIN_FREE_BYTES))
    assert ensure_writable_dir(tmp_path / "out3") == tmp_path / "out3"       # enough: as before



def test_a_batch_job_on_a_nearly_full_disk_fails_before_its_pose_stage(tmp_path, monkeypatch):
    """Each batch job checks the disk before its pose stage (a full disk was found at each video's first write)."""
    import shutil
    from collections import namedtuple

    from liftform import pipeline
    from liftform.batch.jobs import JobSpec, run_job
    from liftform.batch.runner import plan_jobs
    from liftform.settings import Settings

    usage = namedtuple("usage", "total used free")
    started = []
    monkeypatch.setattr(pipeline, "estimate_video_people", lambda *a, **k: started.append(1))
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 2_000_000, 2_000_000))
    (tmp_path / "lift.mp4").write_bytes(b"never decoded")
    job = plan_jobs([tmp_path / "lift.mp4"], tmp_path / "out")[0]
    row = run_job(job, JobSpec(Settings(), "pose_landmarker_full.task", "cd" * 32), tmp_path / "out" / job.output)
    assert not started and row.status == "failed" and "only 2.0 MB free" in row.error, row.error


def test_workers_checking_one_output_folder_at_once_do_not_fail_each_other(tmp_path):
    """Batch workers check the output folder before each video; with one probe file for all, a worker that removed
    it made another's removal fail, and a good video's row said the folder "does not exist"."""
    from concurrent.futures import ThreadPoolExecutor

    from liftform.outputs.atomic import ensure_writable_dir

    def check(_):
        for _ in range(200):
            ensure_writable_dir(tmp_path / "out")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(check, range(4)))                      # raises the first OutputError, if any
    assert list((tmp_path / "out").iterdir()) == []          # and leaves nothing behind


def test_reps_csv_numbers_each_rep_as_the_terminal_and_report_do_beside_its_index():
    """An ergonomist filtered reps.csv for the rounded reps and quoted `index` 4-9 where the report said "reps 5-10".
    Each rep also has `rep`, its number as said (index + 1), in result.json and the CSVs; a result written before
    it (summary_reps.csv reads old ones) gets it from its index."""
    from liftform.outputs.result_json import REP_FIELDS, rep_to_dict
    from liftform.outputs.tables import rep_cells, rep_rows

    analysis = synthetic_analysis()
    rows = [dict(zip(REP_FIELDS, cells, strict=True)) for cells in rep_rows(analysis)]
    assert [(row["index"], row["rep"]) for row in rows] == [("0", "1"), ("1", "2")]
    assert rep_to_dict(analysis, analysis.verdicts[1])["rep"] == 2
    older = {key: value for key, value in rep_to_dict(analysis, analysis.verdicts[1]).items() if key != "rep"}
    assert dict(zip(REP_FIELDS, rep_cells(older), strict=True))["rep"] == "2"
