"""read_analysis: a result folder read back is the Analysis that was written (to the decimals written)."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from synthetic_tracks import lift_track

from liftform import Analysis, Settings, read_analysis
from liftform.analysis import ModelInfo, SourceInfo
from liftform.errors import InputError
from liftform.outputs import write_outputs
from liftform.outputs.layout import ResultFolder
from liftform.pipeline import analyze_track

SETTINGS = Settings()


def _written(tmp_path, kind: str = "rounded_back") -> tuple[Analysis, ResultFolder]:
    track, _ = lift_track(kind, n_reps=2)
    source = SourceInfo("lift.mp4", "ab" * 32, 30.0, len(track), *track.frame_size_wh, float(track.timestamps_s[-1]))
    analysis = analyze_track(track, source, ModelInfo("full", "cd" * 32), SETTINGS, ["the file ends early"])
    folder = ResultFolder(tmp_path / "lift")
    write_outputs(analysis, track, folder.path, write_video=False)
    return analysis, folder


def _same(a: float, b: float, tol: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= tol


@pytest.mark.parametrize("kind", ["rounded_back", "hip_hinge"])
def test_read_analysis_gives_back_the_verdicts_written(tmp_path, kind):
    written, folder = _written(tmp_path, kind)
    read = read_analysis(folder.path)
    assert read.verdict == written.verdict and len(read.verdicts) == len(written.verdicts) == 2
    for got, want in zip(read.verdicts, written.verdicts, strict=True):
        assert (got.verdict, got.reason, got.faults) == (want.verdict, want.reason, want.faults)
        assert (got.rep.start, got.rep.bottom, got.rep.liftoff, got.rep.end, got.rep.index) == \
            (want.rep.start, want.rep.bottom, want.rep.liftoff, want.rep.end, want.rep.index)
        assert (got.rep.touchdown, got.rep.lowers_load) == (want.rep.touchdown, want.rep.lowers_load)
        for f in dataclasses.fields(want):
            if f.type == "float":
                assert _same(getattr(got, f.name), getattr(want, f.name), 0.006), f.name
            if f.type == "bool":
                assert getattr(got, f.name) == getattr(want, f.name), f.name
    assert written.verdicts[1].rep.lowers_load and written.verdicts[1].rep.touchdown >= 0   # the lowering's end, read
    np.testing.assert_array_equal(read.flagged, written.flagged)
    assert read.flagged_frames == written.flagged_frames
    np.testing.assert_array_equal(read.kinematics.valid, written.kinematics.valid)
    np.testing.assert_allclose(read.kinematics.spine_flexion_deg, written.kinematics.spine_flexion_deg, atol=0.006)
    assert read.settings == written.settings and read.model == written.model
    assert dataclasses.replace(read.source, duration_s=written.source.duration_s) == written.source
    assert read.source.duration_s == pytest.approx(written.source.duration_s, abs=0.001)
    assert read.source.warnings == ("the file ends early",)
    assert read.quality.warnings == tuple(json.loads(folder.result_json.read_text())["quality"]["warnings"])


def test_an_older_file_without_a_new_field_reads_with_its_default(tmp_path):
    _, folder = _written(tmp_path)
    doc = json.loads(folder.result_json.read_text())
    del doc["source"]["warnings"]
    for rep in doc["reps"]:
        del rep["spine_flexion_pct_of_max"]
    folder.result_json.write_text(json.dumps(doc))
    read = read_analysis(folder.path)
    assert read.source.warnings == () and all(math.isnan(v.spine_flexion_pct_of_max) for v in read.verdicts)


@pytest.mark.parametrize("damage", ["no frames.csv", "empty frames.csv", "frames.csv cut mid-row",
                                    # these two had read back without a word: reps at frame -1, NaN angles
                                    "frames.csv cut at a row's end", "frames.csv without a core column", "no reps key",
                                    "bad settings",
                                    "verdicts not a list",
                                    # these had raised AttributeError ("'list' object has no attribute 'items'")
                                    "settings not a table", "versions not a table"])
def test_a_damaged_folder_is_one_input_error(tmp_path, damage):
    _, folder = _written(tmp_path)
    doc = json.loads(folder.result_json.read_text())
    if damage == "no frames.csv":
        folder.frames_csv.unlink()
    elif damage == "empty frames.csv":           # a disk that filled as it was written
        folder.frames_csv.write_bytes(b"")
    elif damage == "frames.csv cut mid-row":     # had been read as a shorter clip: a resumed batch took it as scored
        folder.frames_csv.write_bytes(folder.frames_csv.read_bytes()[:5000])
    elif damage == "frames.csv cut at a row's end":     # an interrupted copy
        lines = folder.frames_csv.read_text().splitlines(keepends=True)
        folder.frames_csv.write_text("".join(lines[:len(lines) // 3]))
    elif damage == "frames.csv without a core column":
        rows = [line.split(",") for line in folder.frames_csv.read_text().splitlines()]
        gone = rows[0].index("spine_flexion_deg")
        folder.frames_csv.write_text("".join(",".join(r[:gone] + r[gone + 1:]) + "\n" for r in rows))
    elif damage == "no reps key":
        del doc["quality"]
    elif damage == "bad settings":
        doc["settings"]["verdict"]["no_such_threshold"] = 1
    elif damage.endswith("not a table"):
        doc[damage.split()[0]] = [1, 2]
    else:
        doc["reps"] = [1, 2]
    folder.result_json.write_text(json.dumps(doc))
    with pytest.raises(InputError) as info:
        read_analysis(folder.path)
    assert "\n" not in str(info.value) and str(folder.path) in str(info.value)


def test_a_damaged_landmark_cache_says_in_one_line_what_is_wrong_with_it(tmp_path):
    """What `rescore` and `score` say of a poses.npz that is not one: the damage found, and how to get it back."""
    from liftform.outputs.read import read_poses_npz

    _, folder = _written(tmp_path)
    cache = folder.poses_npz.read_bytes()
    folder.poses_npz.write_bytes(cache[:len(cache) // 2])        # cut short: no zip directory at its end
    with pytest.raises(InputError) as info:
        read_poses_npz(folder.poses_npz)
    assert str(info.value) == (f"landmark cache {folder.poses_npz} is damaged (BadZipFile: File is not a zip file); "
                               "score this video again (`liftform score --force`, or analyze_video in Python)")
    folder.poses_npz.write_text("notes")                         # no archive at all: not NumPy's "pickled data"
    with pytest.raises(InputError, match=r"is damaged \(ValueError: not an \.npz archive\); score this video again"):
        read_poses_npz(folder.poses_npz)


def test_a_result_whose_settings_an_earlier_liftform_wrote_says_so_not_the_config_files_words(tmp_path):
    """Result folders of a5de272 and d93d1ef (real, fifty-seventh session) read by today's liftform: "its settings
    cannot be read (unknown config key 'crop_max_side_px' in [pose]; known: ... 16 keys)", or of a key retired
    since, "... is no longer used - ...; remove the line": a config file's words, said of a result.json nobody
    should edit, naming the first key alone. Now: who wrote it, every key this one does not take, what to do."""
    _, folder = _written(tmp_path)
    doc = json.loads(folder.result_json.read_text())
    doc["settings"]["pose"]["crop_max_side_px"] = 640           # renamed since
    doc["settings"]["verdict"]["hyperextension_deg"] = 10.0     # retired since
    doc["versions"]["liftform"] = "0.1.0"
    folder.result_json.write_text(json.dumps(doc))
    with pytest.raises(InputError) as info:
        read_analysis(folder.path)
    said = str(info.value)
    assert said.startswith(f"{folder.result_json} was written by liftform 0.1.0 (this one is 0.1.0+"), said
    assert said.endswith("with settings this one does not take: [pose] crop_max_side_px, [verdict] "
                         "hyperextension_deg; run the analysis again"), said


@pytest.mark.parametrize("blurred", [True, False])
def test_a_folder_written_by_analyze_is_recognised_by_score(tmp_path, blurred):
    """analyze and score write a result folder through one function (pipeline.save_result), so a folder
    analyze wrote with --blur-faces is one score --blur-faces can reuse, and one without is not."""
    from liftform.batch.jobs import Job, JobSpec, already_scored
    from liftform.hashing import sha256_file
    from liftform.pipeline import save_result

    video = tmp_path / "lift.mp4"
    video.write_bytes(b"the analysed bytes")
    track, _ = lift_track("hip_hinge")
    source = SourceInfo(str(video), sha256_file(video), 30.0, len(track), *track.frame_size_wh, 3.0)
    analysis = analyze_track(track, source, ModelInfo("full", "cd" * 32), SETTINGS)
    folder = ResultFolder(tmp_path / "out" / "lift")
    save_result(analysis, track, folder.path, write_video=False, report=False, blur_faces=blurred)
    spec = JobSpec(SETTINGS, "pose_landmarker_full.task", "cd" * 32, write_video=False, report=False,
                   blur_faces=True)
    row = already_scored(Job(0, str(video), "lift"), folder.path, spec)
    assert (row is not None) == blurred
    if blurred:
        assert row.cached and row.verdict == analysis.verdict and row.reps == len(analysis.verdicts)


def test_a_result_rescored_since_its_report_was_drawn_is_not_taken_as_scored(tmp_path):
    """`score -c high.toml` (safe), `rescore` (rounded back), then `score` with the defaults: the result matched the
    settings, so the folder was taken as already scored while its report.html still said "Safe". Now the rescore
    marks the report out of date, `score` scores the video again, and a report drawn again clears the mark."""
    from liftform.batch import rescore
    from liftform.batch.jobs import Job, JobSpec, already_scored
    from liftform.hashing import sha256_file
    from liftform.pipeline import save_result
    from liftform.report import render_again
    from liftform.settings import apply_overrides

    video = tmp_path / "rb3.mp4"
    video.write_bytes(b"the analysed bytes")
    track, _ = lift_track("rounded_back", n_reps=2)
    high_limit = apply_overrides(SETTINGS, {"verdict": {"rounded_back_spine_deg": 60.0}})
    gone = str(tmp_path / "moved" / "rb3.mp4")      # the report is drawn without frames: no video decoded here
    source = SourceInfo(gone, sha256_file(video), 30.0, len(track), *track.frame_size_wh, 3.0)
    analysis = analyze_track(track, source, ModelInfo("full", "cd" * 32), high_limit)
    assert analysis.verdict == "safe"
    folder = ResultFolder(tmp_path / "out" / "rb3")
    save_result(analysis, track, folder.path, write_video=False, report=True)
    assert 'id="verdict"' in _headline(folder) and "Safe" in _headline(folder)
    job, spec = Job(0, str(video), "rb3"), JobSpec(SETTINGS, "pose_landmarker_full.task", "cd" * 32,
                                                    write_video=False, report=True)
    assert already_scored(job, folder.path, spec) is None                 # other settings

    assert rescore(tmp_path / "out", SETTINGS).stale_views == ["rb3"]
    assert read_analysis(folder.path).verdict == "rounded_back"
    assert already_scored(job, folder.path, spec) is None                 # its report still says "Safe"
    render_again(folder.path)
    assert "Safe" not in _headline(folder) and "Rounded back" in _headline(folder)
    row = already_scored(job, folder.path, spec)                          # drawn from the result now there
    assert row is not None and row.cached and row.verdict == "rounded_back"


def _headline(folder: ResultFolder) -> str:
    """The verdict a report.html leads with."""
    html = folder.report_html.read_text(encoding="utf-8")
    return html[html.index('<section class="verdict'):][:300]


def test_read_analysis_takes_a_result_json_and_says_what_to_pass_for_an_output_folder(tmp_path):
    """`read_analysis("out/lift/result.json")` said "cannot read result file out/lift/result.json/result.json ...;
    delete it and run the analysis again" of a good result; `read_analysis("out")` said "result file not found"."""
    analysis, folder = _written(tmp_path / "out")
    assert read_analysis(folder.result_json).verdict == analysis.verdict
    with pytest.raises(InputError, match=r"is an output folder of 1 result\(s\); pass one of its result folders "
                                         r"\(.*/out/<video>, e\.g\. .*/out/lift\)"):
        read_analysis(tmp_path / "out")
    with pytest.raises(InputError, match="result file not found"):
        read_analysis(tmp_path / "empty")


def test_a_result_json_that_cannot_be_read_for_its_permissions_is_not_to_be_deleted(tmp_path, monkeypatch):
    """`rescore` of a result.json set unreadable said "Permission denied ...; delete it and run the analysis again":
    the file is whole, and the permissions are what to fix."""
    from pathlib import Path

    from liftform.outputs.result_json import read_result_json

    _, folder = _written(tmp_path)
    real = Path.read_text
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: (_ for _ in ()).throw(PermissionError(13, "denied"))
                        if self == folder.result_json else real(self, *a, **k))
    with pytest.raises(InputError) as info:
        read_result_json(folder.result_json)
    assert str(info.value) == (f"cannot read result file {folder.result_json}: permission denied; check the file's "
                               "permissions")
