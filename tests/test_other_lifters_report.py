"""A second lifter's reps to look at are pictured in the report as the main lifter's are, so a clinician can check
them: the frame of each one's worst moment, cropped to that lifter, their skeleton, back and number drawn, kept with
the result (their landmarks are not saved otherwise) so that a report drawn again and a rescore keep them, and with
``--blur-faces`` all but their shape and every face blurred. (The report had listed a second lifter's rounded reps in
its table with no picture: "2 rounded reps of the other lifters in view have no frames here".)"""

from __future__ import annotations

import dataclasses
import json
import re

import cv2
import numpy as np
import pytest
from synthetic_tracks import IMAGE_WH, lift_track
from test_report import data_images
from video_files import write_h264

from liftform.analysis import ModelInfo, SourceInfo
from liftform.batch.rescore import judged_again
from liftform.outputs.overlay import SKELETON_RGB
from liftform.outputs.privacy import face_box
from liftform.outputs.read import analysis_from_files, read_poses_npz
from liftform.outputs.result_json import analysis_to_dict
from liftform.people import PeopleFound
from liftform.pipeline import analyze_people, save_result
from liftform.report import write_report
from liftform.settings import Settings

SHIFT_PX = 300.0                 # the second lifter stands this far right of the main one
WIDTH = IMAGE_WH[0] + 320


@pytest.fixture(scope="module")
def two_lifters(tmp_path_factory):
    """A safe hinge (the main lifter) and a stoop rounded in both reps to its right, judged as liftform judges them,
    over a video of fine noise (a face there is sharp unless blurred)."""
    width, height = WIDTH, IMAGE_WH[1]
    hinge, _ = lift_track("hip_hinge", n_reps=2)
    stoop, _ = lift_track("rounded_back", n_reps=2)
    hinge = dataclasses.replace(hinge, frame_size_wh=(width, height))
    stoop = dataclasses.replace(stoop, image_xy=stoop.image_xy + (SHIFT_PX, 0.0), frame_size_wh=(width, height))
    video = tmp_path_factory.mktemp("two") / "two.mp4"
    noise = np.random.default_rng(3).integers(0, 256, (height // 2, width // 2, 1), np.uint8)
    noise = noise.repeat(2, axis=0).repeat(2, axis=1).repeat(3, axis=2)        # the same in every frame: quick
    write_h264(video, (noise for _ in range(len(hinge))))
    source = SourceInfo(str(video), "0" * 64, 30.0, len(hinge), width, height, float(hinge.timestamps_s[-1]))
    analysis, track = analyze_people(PeopleFound((hinge, stoop), 2), source, ModelInfo("full", "0" * 64),
                                     Settings(), [])
    return video, analysis, track, stoop


def _rep_div(html: str, anchor: str) -> str:
    """The page's block of a pictured rep (its id ``anchor``), up to the next one."""
    start = html.index(f'<div class="rep" id="{anchor}">')
    return html[start:html.index("</div>\n</div>", start)]


def test_each_rounded_rep_of_another_lifter_keeps_its_worst_moment_and_their_pose_there(two_lifters):
    _, analysis, _, stoop = two_lifters
    other = analysis.others[0]
    assert [rv.verdict for rv in other.verdicts] == ["rounded_back"] * 2 and analysis.lifter_verdict == "safe"
    assert [s.rep_index for s in other.stills] == [0, 1]
    kin = other.kinematics
    for still, rv in zip(other.stills, other.verdicts, strict=True):
        row = int(np.flatnonzero(kin.frame_index == still.frame)[0])
        assert rv.rep.start <= row <= rv.rep.end and other.flagged[row]
        assert kin.spine_flexion_deg[row] == pytest.approx(rv.peak_spine_flexion_deg, abs=0.01)   # its worst
        assert np.array_equal(still.image_xy, stoop.image_xy[row], equal_nan=True)
        x0, y0, x1, y1 = still.box_px
        body = stoop.image_xy[rv.rep.start:rv.rep.end + 1].reshape(-1, 2)
        assert (x0 <= body[:, 0].min() and body[:, 0].max() <= x1 and y0 <= body[:, 1].min()
                and body[:, 1].max() <= y1)
        assert two_lifters[2].image_xy[row, 23, 0] < x0                  # lifter 1's hip: outside it


def test_the_stills_and_flagged_frames_of_another_lifter_are_read_back_and_kept_by_a_rescore(two_lifters):
    _, analysis, track, _ = two_lifters
    doc = json.loads(json.dumps(analysis_to_dict(analysis)))
    assert [s["frame"] for s in doc["other_lifters"][0]["stills"]] == [s.frame for s in analysis.others[0].stills]
    frames = {"frame": analysis.kinematics.frame_index, "time_s": analysis.kinematics.timestamps_s}
    back = analysis_from_files(doc, frames).others[0]
    assert back.flagged_frames == analysis.others[0].flagged_frames      # a rescore had written none
    for read, kept in zip(back.stills, analysis.others[0].stills, strict=True):
        assert (read.rep_index, read.frame, read.box_px) == (kept.rep_index, kept.frame, kept.box_px)
        assert np.allclose(read.image_xy, kept.image_xy, atol=0.05, equal_nan=True)
        assert np.allclose(read.back_profile_px, kept.back_profile_px, atol=0.05, equal_nan=True)
    rescored = analysis_to_dict(judged_again(analysis_from_files(doc, frames), track, Settings()))
    assert rescored["other_lifters"][0]["stills"] == doc["other_lifters"][0]["stills"]
    assert rescored["other_lifters"][0]["flagged_frames"] == doc["other_lifters"][0]["flagged_frames"]
    damaged = json.loads(json.dumps(doc))
    damaged["other_lifters"][0]["stills"][0]["landmarks_px"] = damaged["other_lifters"][0]["stills"][0][
        "landmarks_px"][:5]
    with pytest.raises(Exception, match="damaged or incomplete"):
        analysis_from_files(damaged, frames)


def test_the_report_pictures_another_lifters_rounded_reps_cropped_to_them_also_drawn_again(two_lifters, tmp_path):
    video, analysis, track, _ = two_lifters
    out = tmp_path / "two"
    save_result(analysis, track, out, video_path=video)
    for html in ((out / "report.html").read_text(encoding="utf-8"),
                 write_report(out, video_path=video).path.read_text(encoding="utf-8")):     # from the folder
        text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
        assert "have no frames here" not in text
        for still in analysis.others[0].stills:
            anchor = f"lifter-2-rep-{still.rep_index + 1}"
            assert f'href="#{anchor}"' in html                              # the table's row leads to it
            block = _rep_div(html, anchor)
            assert f"Lifter 2, rep {still.rep_index + 1} — " in block and f"(frame {still.frame})" in block
            [image] = data_images(block)
            x0, y0, x1, y1 = still.box_px
            assert image.shape[1] / image.shape[0] == pytest.approx((x1 - x0) / (y1 - y0), abs=0.02)  # their box
            skeleton = np.abs(image.astype(int) - SKELETON_RGB).max(axis=2) <= 30
            assert skeleton.sum() > 200                                      # their skeleton and number drawn
    alone = tmp_path / "one"
    save_result(dataclasses.replace(analysis, others=()), track, alone, video_path=video)
    assert "lifter-2-rep-" not in (alone / "report.html").read_text(encoding="utf-8")


def _face_sharpness(image: np.ndarray, still, scale_xy: np.ndarray) -> float:
    """Variance of the Laplacian in the face box of ``still``'s lifter, in ``image`` (its box's crop)."""
    x0, y0, x1, y1 = face_box(still.image_xy)
    bx, by = still.box_px[:2]
    sx, sy = scale_xy
    face = image[int((y0 - by) * sy) + 2:int((y1 - by) * sy) - 2, int((x0 - bx) * sx) + 2:int((x1 - bx) * sx) - 2]
    return float(cv2.Laplacian(cv2.cvtColor(face, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var())


def test_another_lifters_face_is_blurred_in_their_stills_with_blur_faces(two_lifters, tmp_path):
    video, analysis, track, _ = two_lifters
    sharpness = {}
    for blur in (False, True):
        out = tmp_path / f"blur{blur}"
        save_result(analysis, track, out, video_path=video, blur_faces=blur, write_video=False)
        pages = [(out / "report.html").read_text(encoding="utf-8")]
        if blur:
            pages.append(write_report(out, blur_faces=True, video_path=video).path.read_text(encoding="utf-8"))
            assert read_poses_npz(out / "poses.npz").others_head_xy is not None
        for k, html in enumerate(pages):
            for still in analysis.others[0].stills:
                [image] = data_images(_rep_div(html, f"lifter-2-rep-{still.rep_index + 1}"))
                x0, y0, x1, y1 = still.box_px
                scale = np.divide(image.shape[1::-1], (x1 - x0, y1 - y0))
                sharpness.setdefault((blur, k), []).append(_face_sharpness(image, still, scale))
                corner = cv2.cvtColor(image[:12, :12], cv2.COLOR_RGB2GRAY)     # beside them: the room
                sharpness.setdefault(("room", blur, k), []).append(cv2.Laplacian(corner, cv2.CV_64F).var())
    plain = min(sharpness[False, 0])
    assert plain > 1000, sharpness                                      # the noise: sharp where not blurred
    assert max(sharpness[True, 0] + sharpness[True, 1]) < 0.1 * plain, sharpness
    room = min(sharpness["room", False, 0])
    assert max(sharpness["room", True, 0] + sharpness["room", True, 1]) < 0.1 * room, sharpness
