"""Several people in view: every person who lifts is judged on their own, and the clip is never called safe while a
lifter in view went unjudged. Synthetic tracks for the rules; the real model on two rendered lifters side by side."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from synthetic_tracks import lift_track, make_track
from video_files import write_h264

from liftform.analysis import ModelInfo, SourceInfo
from liftform.outputs.result_json import analysis_to_dict
from liftform.people import PeopleFound
from liftform.pipeline import analyze_people, analyze_track, analyze_video
from liftform.settings import Settings
from liftform.video import open_video

SETTINGS = Settings()
MODEL = ModelInfo("full", "0" * 64)


def _source(track) -> SourceInfo:
    return SourceInfo("two.mp4", "0" * 64, 30.0, len(track), 640, 640, float(track.timestamps_s[-1]))


def _standing_like(track):
    """A person standing still beside the lifter for the whole clip (no reps)."""
    zeros = np.zeros(len(track))
    return make_track(zeros, zeros, zeros, track.timestamps_s)


def _judge(*tracks, in_view: int | None = None):
    found = PeopleFound(tuple(tracks), in_view or len(tracks))
    return analyze_people(found, _source(tracks[0]), MODEL, SETTINGS, [])


def test_each_lifter_is_judged_and_the_clip_takes_the_worst():
    hinge, _ = lift_track("hip_hinge")
    stoop, _ = lift_track("rounded_back")
    analysis, track = _judge(hinge, stoop)
    assert track.image_xy is hinge.image_xy and analysis.lifter_verdict == "safe"
    assert [o.lifter_verdict for o in analysis.others] == ["rounded_back"]
    assert [v.verdict for v in analysis.others[0].verdicts] == ["rounded_back"] * 3
    assert analysis.verdict == "rounded_back" and analysis.people_in_view == 2
    assert any("2 people lifted in view" in w for w in analysis.quality.warnings)
    doc = json.loads(json.dumps(analysis_to_dict(analysis)))
    assert doc["schema_version"] == 4 and doc["verdict"] == "rounded_back" and doc["lifter_verdict"] == "safe"
    assert len(doc["reps"]) == 3 and all(r["verdict"] == "hip_hinge" for r in doc["reps"])   # the main lifter's
    other = doc["other_lifters"][0]
    assert other["verdict"] == "rounded_back" and len(other["reps"]) == 3 and other["flagged_frames"]
    assert len(other["box_px"]) == 4


def test_the_clip_summary_and_the_index_row_cover_every_lifter(tmp_path):
    """The clip's verdict covers every lifter, so its sentence and its row in OUT/index.html do too: the main
    lifter's alone ("3 reps: safe in reps 1, 2, 3") stood beside "rounded back" from the other lifter."""
    from liftform.outputs import write_outputs
    from liftform.report import write_index, write_report

    hinge, _ = lift_track("hip_hinge")
    stoop, _ = lift_track("rounded_back")
    analysis, track = _judge(hinge, stoop)
    summary = analysis_to_dict(analysis)["summary"]
    assert summary == ("2 lifters. Lifter 1: 3 reps: safe in reps 1, 2, 3 (hip hinge). "
                       "Lifter 2: 3 reps: back rounded in reps 1, 2, 3.")
    write_outputs(analysis, track, tmp_path / "two", write_video=False)
    html = write_index(tmp_path).read_text(encoding="utf-8")
    cells = [cell.strip() for cell in html.split("<tr")[-1].split("<td")]
    assert any(cell.endswith(">6</td>") for cell in cells) and any(cell.endswith(">3</td>") for cell in cells)
    assert "Lifter 2: 3 reps: back rounded in reps 1, 2, 3." in html
    report = write_report(tmp_path / "two").path.read_text(encoding="utf-8")
    verdict_section = report.split('id="verdict"')[1].split("</section>")[0]
    assert "Lifter 2: 3 reps: back rounded in reps 1, 2, 3." in verdict_section
    one, _ = _judge(hinge)
    assert analysis_to_dict(one)["summary"] == "3 reps: safe in reps 1, 2, 3 (hip hinge)."


def test_lifters_who_follow_one_another_are_not_said_to_be_in_view_together(tmp_path, capsys):
    """One leaves, another comes in (or the same person comes back elsewhere): two lifters, one seen at a time. The
    report said "2 people lifted in view (2 seen at once)" and the terminal "(1 people in view)"."""
    from liftform.cli.show import print_summary
    from liftform.outputs import write_outputs
    from liftform.report import write_report

    hinge, _ = lift_track("hip_hinge")
    stoop, _ = lift_track("rounded_back")
    analysis, track = _judge(hinge, stoop, in_view=1)
    print_summary(analysis, None)
    header = capsys.readouterr().out.splitlines()[0]
    assert "6 reps by 2 lifters (1 seen at once), 3 with a rounded back" in header
    write_outputs(analysis, track, tmp_path / "two", write_video=False)
    report = write_report(tmp_path / "two").path.read_text(encoding="utf-8")
    assert "2 people lifted in view (1 seen at once)" in " ".join(report.split())


def test_a_lifter_who_could_not_be_judged_keeps_the_clip_from_being_safe():
    hinge, _ = lift_track("hip_hinge")
    frontal, _ = lift_track("rounded_back", yaw_deg=85.0)     # seen from the front: the back cannot be judged
    analysis, _ = _judge(hinge, frontal)
    assert analysis.lifter_verdict == "safe"
    assert analysis.others[0].lifter_verdict == "insufficient_data"
    assert analysis.verdict == "insufficient_data"


def test_a_bystander_who_does_not_lift_is_counted_but_not_judged():
    hinge, _ = lift_track("hip_hinge")
    bystander = _standing_like(hinge)
    analysis, track = _judge(bystander, hinge)                 # the bystander is listed first
    assert track.image_xy is hinge.image_xy                    # the main lifter is the one who lifts
    assert analysis.others == () and analysis.verdict == "safe" and analysis.people_in_view == 2
    # The bystander's head is kept with the lifter's track, for `--blur-faces` to blur their face (it stayed sharp
    # wherever they stood within the lifter's body box).
    assert track.others_head_xy.shape == (1, len(hinge), 11, 2)
    assert np.array_equal(track.others_head_xy[0], bystander.image_xy[:, :11], equal_nan=True)


def test_people_in_view_nobody_followed_are_said_and_a_rescore_keeps_it(tmp_path):
    """Three people in view, two followed (`[pose] num_poses`): the third one's lifts are not judged, and a clip
    called safe on the two must say so (a rendered stooping lifter beside two hinging ones was "SAFE" silently)."""
    from liftform.batch.rescore import rescore_folder
    from liftform.outputs import write_outputs

    hinge, _ = lift_track("hip_hinge")
    analysis, track = analyze_people(PeopleFound((hinge, hinge), 3, left_out=1), _source(hinge), MODEL, SETTINGS,
                                     [])
    note = "1 more person in view not followed (up to [pose] num_poses = 2 are)"
    assert analysis.verdict == "safe" and any(w.startswith(note) for w in analysis.quality.warnings)
    assert "num_poses = 3 in the settings, e.g. a --config file" in " ".join(analysis.quality.warnings)
    write_outputs(analysis, track, tmp_path / "three", write_video=False)
    _, new = rescore_folder(tmp_path / "three", SETTINGS)
    assert any(w.startswith(note) for w in new.quality.warnings) and new.people_in_view == 3
    alone, _ = _judge(hinge)
    assert not any("not followed" in w for w in alone.quality.warnings)


def test_another_lifters_notes_are_printed_under_their_reps(capsys):
    """The terminal printed the main lifter's notes only: a second lifter lost for 3 s (rendered, partly behind
    the first) was "lifter 2: ... 2 reps" with no word of it, in result.json alone."""
    from liftform.cli.show import print_summary

    stoop, _ = lift_track("rounded_back")
    angled, _ = lift_track("hip_hinge", yaw_deg=50.0)
    analysis, _ = _judge(stoop, angled)
    print_summary(analysis, None)
    printed = " ".join(capsys.readouterr().out.split())
    (note,) = analysis.others[0].quality.warnings
    assert f"note on lifter 2: {note}" in printed and printed.index("lifter 2") < printed.index(note)
    assert note not in analysis.quality.warnings


def test_another_lifters_notes_are_read_back_and_kept_by_a_rescore(tmp_path):
    """Another lifter's data-quality notes (filmed at an angle) are in their result.json entry, read back with it,
    and still there after a rescore, which keeps the other lifters as first scored."""
    from liftform.batch.rescore import rescore_folder
    from liftform.outputs import write_outputs
    from liftform.outputs.read import read_analysis

    stoop, _ = lift_track("rounded_back")
    angled, _ = lift_track("hip_hinge", yaw_deg=50.0)
    analysis, track = _judge(stoop, angled)
    note = "the camera sees the lifter at an angle (three-quarter view): film side-on for a reliable spine measure"
    assert analysis.others[0].quality.warnings == (note,)
    write_outputs(analysis, track, tmp_path / "two", write_video=False)
    assert read_analysis(tmp_path / "two").others[0].quality.warnings == (note,)
    rescore_folder(tmp_path / "two", SETTINGS)
    assert json.loads((tmp_path / "two" / "result.json").read_text())["other_lifters"][0]["quality"]["warnings"] == \
        [note]


def _side_by_side(*videos, path, frames: int = 274):
    """Rendered 640x480 samples next to each other, as one clip (two: 1280x480)."""
    with contextlib.ExitStack() as stack, av.open(str(path), "w") as out:
        sources = [stack.enter_context(av.open(str(video))) for video in videos]
        stream = out.add_stream("libx264", rate=30, options={"preset": "ultrafast", "crf": "18"})
        stream.width, stream.height, stream.pix_fmt = 640 * len(videos), 480, "yuv420p"
        for i, row in enumerate(zip(*(source.decode(video=0) for source in sources), strict=False)):
            if i >= frames:
                break
            canvas = np.concatenate([frame.to_ndarray(format="rgb24") for frame in row], axis=1)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(canvas, format="rgb24")))
        out.mux(stream.encode())
    return path


@pytest.mark.slow
@pytest.mark.model
@pytest.mark.parametrize("rounded_on", ["left", "right"])
def test_two_people_lifting_side_by_side_are_both_judged(sample_videos, tmp_path, rounded_on):
    stoop, hinge = sample_videos["rounded_back"], sample_videos["hip_hinge"]
    pair = (stoop, hinge) if rounded_on == "left" else (hinge, stoop)
    clip = _side_by_side(*pair, path=tmp_path / f"two_{rounded_on}.mp4", frames=186)   # two reps each (of three)
    analysis = analyze_video(clip, tmp_path / "out", write_video=False, report=False)
    lifters = [analysis, *analysis.others]
    assert analysis.people_in_view == 2 and len(lifters) == 2
    by_side = {("left" if a.box_px[0] + a.box_px[2] < 1280 else "right"): a for a in lifters}
    assert set(by_side) == {"left", "right"}                   # one on each side, each followed throughout
    stooper = by_side[rounded_on]
    hinger = by_side["right" if rounded_on == "left" else "left"]
    assert [v.verdict for v in stooper.verdicts] == ["rounded_back"] * 2
    assert [v.verdict for v in hinger.verdicts] == ["hip_hinge"] * 2
    assert all(a.quality.frames_with_pose >= 0.95 * a.quality.frames_total for a in lifters)
    assert analysis.verdict == "rounded_back"
    doc = json.loads((tmp_path / "out" / clip.stem / "result.json").read_text())
    assert doc["people_in_view"] == 2 and len(doc["other_lifters"]) == 1


@pytest.mark.slow
@pytest.mark.model
def test_a_third_lifter_beside_two_followed_ones_is_said_not_to_be_judged(sample_videos, tmp_path):
    """A hinging, a squatting and a stooping lifter in a row: `[pose] num_poses` (2) are followed, and a clip of two
    hinging lifters beside a stooping one was "SAFE - 6 rep(s) by 2 lifters" without a word of the third one."""
    clip = _side_by_side(*(sample_videos[k] for k in ("hip_hinge", "squat", "rounded_back")),
                         path=tmp_path / "three.mp4", frames=105)    # a rep each
    analysis = analyze_video(clip, tmp_path / "out", write_video=False, report=False)
    judged = [analysis, *analysis.others]
    assert len(judged) == 2
    assert any(w.startswith("1 more person in view not followed") for w in analysis.quality.warnings)
    doc = json.loads((tmp_path / "out" / clip.stem / "result.json").read_text())
    assert any("not followed" in w for w in doc["quality"]["warnings"])


def _two_shots(first: Path, second: Path, out: Path, seconds: float) -> Path:
    """``seconds`` of ``first``, then a cut to ``seconds`` of ``second`` filmed in half the light and from the
    lifter's other side (mirrored): another shot of another lifter, as a compilation cuts."""
    frames = []
    for k, src in enumerate((first, second)):
        with open_video(src) as video:
            for frame in video:
                if frame.timestamp_s >= seconds:
                    break
                frames.append(frame.rgb if k == 0 else np.ascontiguousarray(frame.rgb[:, ::-1] // 2))
    write_h264(out, frames)
    return out


@pytest.mark.slow
@pytest.mark.model
def test_a_lifter_after_a_cut_to_another_shot_is_judged_on_their_own(sample_videos, tmp_path):
    """Without the cut the follower carried on from the flat lifter to the rounded one as one person; their
    standing heights, sides and reps mixed (a real rounded deadlift after a cut was judged part of the flat
    lifter's last rep, and the clip called safe)."""
    clip = _two_shots(sample_videos["hip_hinge"], sample_videos["rounded_back"], tmp_path / "cut.mp4", 3.3)
    analysis = analyze_video(clip, tmp_path / "out", write_video=False, report=False)
    by_start = sorted([analysis, *analysis.others], key=lambda a: a.verdicts[0].rep.start_s)
    assert [[v.verdict for v in a.verdicts] for a in by_start] == [["hip_hinge"], ["rounded_back"]]
    assert by_start[1].verdicts[0].rep.start_s >= 3.3 and analysis.verdict == "rounded_back"
    assert any("cuts to another shot at 3.3 s" in w for w in analysis.quality.warnings)
    assert not any("not found" in w for w in analysis.quality.warnings)    # absent from the other shot, not lost
    doc = json.loads((tmp_path / "out" / clip.stem / "result.json").read_text())
    assert doc["source"]["cuts_s"] == [pytest.approx(3.3, abs=0.04)]


@pytest.mark.slow
@pytest.mark.model
def test_a_lift_that_fades_in_after_a_title_card_is_found(sample_videos, tmp_path):
    """The black bars are read off the first frames: a title card's white text on black made them the text's
    box, and the lifter who faded in around it was never searched for ("no person found")."""
    with open_video(sample_videos["rounded_back"]) as video:
        lift = [f.rgb for f in video if f.timestamp_s < 3.0]
    card = np.zeros_like(lift[0])
    cv2.putText(card, "DEADLIFT DAY", (200, 240), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (255, 255, 255), 3)
    fade = [(card * (1 - k / 15) + lift[0] * (k / 15)).astype(np.uint8) for k in range(15)]
    write_h264(tmp_path / "titled.mp4", [card] * 10 + fade + lift)    # the bars are read off the first 8 frames
    analysis = analyze_video(tmp_path / "titled.mp4", tmp_path / "out", write_video=False, report=False)
    assert [v.verdict for v in analysis.verdicts] == ["rounded_back"]


def test_a_lifter_absent_from_another_shot_is_not_said_to_be_lost():
    """A compilation's second lifter, seen from the cut on: the first shot is someone else's, not frames where this
    lifter was lost. The cut's time as result.json keeps it (to the millisecond, a rescore) counts the same."""
    lift, _ = lift_track("rounded_back")
    first = 91                                                    # 3 s of another shot before this lifter's
    hidden = np.arange(len(lift)) < first
    track = dataclasses.replace(lift, image_xy=np.where(hidden[:, None, None], np.nan, lift.image_xy),
                                world_xyz=np.where(hidden[:, None, None], np.nan, lift.world_xyz),
                                visibility=np.where(hidden[:, None], 0.0, lift.visibility))
    cut_s = float(np.ceil(lift.timestamps_s[first] * 1000) / 1000)     # 3.0 s, as written
    notes = {cuts: analyze_track(track, dataclasses.replace(_source(track), cuts_s=cuts), MODEL, SETTINGS)
             .quality.warnings for cuts in [(), (cut_s,), (cut_s + 1.0,)]}
    assert any("not found for 3.0 s" in w for w in notes[()])                  # without the cut: lost for 3 s
    assert not any("not found" in w for w in notes[(cut_s,)])
    assert any("not found for 3.0 s" in w for w in notes[(cut_s + 1.0,)])      # a cut later: still lost before it


def test_nobody_found_under_stricter_model_confidences_names_them():
    """A settings file's `[pose] min_detection_confidence = 1` found nobody, and the lifter was told to film the whole
    body larger: the setting is named first."""
    from liftform.pipeline import _how_to_be_found
    from liftform.settings import PoseSettings

    assert _how_to_be_found(PoseSettings()) == "film the whole body large in the picture, side-on, in good light"
    strict = _how_to_be_found(PoseSettings(min_detection_confidence=1.0, min_tracking_confidence=0.3))
    assert strict.startswith("the settings ask the pose model for more confidence than liftform's own ([pose] "
                             "min_detection_confidence = 1): lower them, or film the whole body"), strict


def test_the_cut_note_never_says_a_cut_after_the_start_is_at_zero_seconds():
    """A cut one frame in had read "at 0.0 s", as if at the video's start."""
    from liftform.pipeline import _cuts_note
    assert "at 0.03 s:" in _cuts_note((0.033,))
    assert "at 0.03, 3.3 and 7.0 s:" in _cuts_note((0.033, 3.3, 7.0))
    assert "at 1.0, 2.0, 3.0 s and 2 more times:" in _cuts_note((1.0, 2.0, 3.0, 4.0, 5.0))   # was "2 more times s"
    assert "3.0 s and 1 more time:" in _cuts_note((1.0, 2.0, 3.0, 4.0))
