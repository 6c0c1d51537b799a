"""Two people lifting in one picture: the annotated video draws every judged lifter, each with their own back in its
state's colour and their number (1 the main lifter, 2, ... as result.json's other_lifters and the terminal number
them), not the main lifter alone (a rounded lifter beside a safe one had been drawn with nothing at all)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from synthetic_tracks import IMAGE_WH, lift_track
from test_outputs import decode_all
from video_files import write_h264

from liftform.analysis import ModelInfo, SourceInfo
from liftform.core.vocabulary import BackState
from liftform.outputs.annotated import back_edges, write_annotated_video
from liftform.outputs.overlay import SKELETON_RGB
from liftform.people import PeopleFound
from liftform.pipeline import analyze_people
from liftform.settings import Settings

GREY = 128
WIDTH = IMAGE_WH[0] + 320        # room for the second lifter on the right


@pytest.fixture(scope="module")
def side_by_side(tmp_path_factory):
    """A safe hinge (the main lifter) and a rounded stoop 300 px to its right (both clear of the panel at the
    top-left), judged as liftform judges them, and a plain grey video of their frames."""
    hinge, _ = lift_track("hip_hinge", n_reps=1)
    stoop, _ = lift_track("rounded_back", n_reps=1)
    stoop = dataclasses.replace(stoop, image_xy=stoop.image_xy + (300.0, 0.0))
    video = tmp_path_factory.mktemp("two") / "two.mp4"
    width, height = WIDTH, IMAGE_WH[1]
    write_h264(video, (np.full((height, width, 3), GREY, np.uint8) for _ in range(len(hinge))))
    source = SourceInfo(str(video), "0" * 64, 30.0, len(hinge), width, height, float(hinge.timestamps_s[-1]))
    analysis, track = analyze_people(PeopleFound((hinge, stoop), 2), source, ModelInfo("full", "0" * 64),
                                     Settings(), [])
    return video, analysis, track, stoop


def _near(image: np.ndarray, xy: np.ndarray, rgb: tuple[int, int, int], tolerance: int = 40) -> np.ndarray:
    """(K,) whether the pixel at each finite point of ``xy`` (K, 2) has about the colour ``rgb``."""
    points = np.rint(xy[np.isfinite(xy).all(axis=1)]).astype(int)
    return (np.abs(image[points[:, 1], points[:, 0]].astype(int) - rgb).max(axis=1) <= tolerance)


def _label_pixels(image: np.ndarray, person) -> int:
    """Pixels of a number's tag (a box in the skeleton's colour: no bone is drawn there) just above the head of
    ``person`` (a PoseTrack) in its first frame."""
    head_top = int(np.nanmin(person.image_xy[0, :11, 1]))
    x = int(np.nanmean(person.image_xy[0, :11, 0]))
    above = image[head_top - 40:head_top, x - 15:x + 15].astype(int)
    return int((np.abs(above - SKELETON_RGB).max(axis=2) <= 30).sum())


def test_each_lifter_is_drawn_with_their_own_back_state_and_number(side_by_side, tmp_path):
    video, analysis, track, stoop = side_by_side
    assert [o.lifter_verdict for o in analysis.others] == ["rounded_back"] and analysis.lifter_verdict == "safe"
    other = analysis.others[0]
    frames = decode_all(write_annotated_video(video, analysis, track, tmp_path / "annotated.mp4"))[0]
    rounded = np.flatnonzero(other.flagged)
    assert len(rounded) > 10
    edges, main_edges = back_edges(stoop, other.kinematics), back_edges(track, analysis.kinematics)
    red = BackState.ROUNDED.tone.rgb
    for row in rounded[::5]:
        image = frames[int(other.kinematics.frame_index[row])]
        assert _near(image, edges[row], red).mean() > 0.6, row        # lifter 2's back: red where it rounds
        assert not _near(image, main_edges[row], red).any(), row      # lifter 1's (safe): not
    assert _label_pixels(frames[0], track) > 50 and _label_pixels(frames[0], stoop) > 50


def test_a_single_lifters_video_has_no_numbers(side_by_side, tmp_path):
    """One lifter in view: drawn as before, without a number to tell them from nobody."""
    video, analysis, track, _ = side_by_side
    alone = dataclasses.replace(analysis, others=())
    frames = decode_all(write_annotated_video(video, alone, track, tmp_path / "alone.mp4"))[0]
    assert _label_pixels(frames[0], track) == 0


def test_the_reports_frames_say_whose_rep_they_show(side_by_side, tmp_path):
    """With several lifters, each pictured rep's heading names its lifter ("Lifter 1, rep 1"): the lifters' tables
    above number reps from 1 each, so "Rep 1" alone could be lifter 2's rounded first rep."""
    from liftform.pipeline import save_result

    video, analysis, track, _ = side_by_side
    save_result(analysis, track, tmp_path / "two", video_path=video)
    html = (tmp_path / "two" / "report.html").read_text(encoding="utf-8")
    assert "<h3>Lifter 1, rep 1 — " in html and "<h3>Rep 1 — " not in html
    save_result(dataclasses.replace(analysis, others=()), track, tmp_path / "one", video_path=video)
    assert "<h3>Rep 1 — " in (tmp_path / "one" / "report.html").read_text(encoding="utf-8")
