"""Every judged lifter's landmarks are kept in poses.npz, so what works from the saved files treats each lifter as
`analyze` did: a rescore judges the other lifters under the new settings too (it had kept their first verdicts, the
summary mixing two settings), and `liftform report --blur-faces` draws each of them again in annotated.mp4 (only the
main lifter had been drawn). A poses.npz written before keeps reading as it did."""

from __future__ import annotations

import dataclasses
import zipfile

import numpy as np
import pytest
from synthetic_tracks import IMAGE_WH, lift_track
from test_lifters_drawn import _label_pixels, _near
from test_outputs import decode_all
from video_files import write_h264

from liftform.analysis import ModelInfo, SourceInfo
from liftform.batch import rescore
from liftform.batch.rescore import rescore_folder, views_left_stale
from liftform.core.vocabulary import BackState
from liftform.errors import InputError
from liftform.hashing import sha256_file
from liftform.lifters import with_tracks
from liftform.outputs import write_outputs, write_poses_npz
from liftform.outputs.annotated import back_edges
from liftform.outputs.read import read_analysis, read_poses_npz
from liftform.people import PeopleFound
from liftform.pipeline import analyze_people, save_result
from liftform.report.page import render_again
from liftform.settings import Settings, apply_overrides
from liftform.track import OTHER_LIFTERS_KEYS, PoseTrack

WIDTH, HEIGHT = IMAGE_WH[0] + 640, IMAGE_WH[1]     # room for two more lifters on the right
LENIENT = apply_overrides(Settings(), {"verdict": {"rounded_back_spine_deg": 60.0}})   # the stoop reads safe
DEEPER = apply_overrides(Settings(), {"reps": {"min_depth": 0.3}})     # a hinge's reps are too shallow for it
ONE_LIFTER_KEYS = {"image_xy", "world_xyz", "visibility", "timestamps_s", "frame_index", "frame_size_wh",
                   "back_profile_px", "pose_filled"}


def _person(kind: str, shift_px: float, facing: int = 1, n_reps: int = 2) -> PoseTrack:
    """A lift of ``kind`` (``n_reps`` reps) ``shift_px`` right of the first, its pose interpolated every tenth frame
    (as the pose stage marks a lifter standing still, `pose_filled`)."""
    track, _ = lift_track(kind, n_reps=n_reps, facing=facing)
    return dataclasses.replace(track, image_xy=track.image_xy + (shift_px, 0.0), frame_size_wh=(WIDTH, HEIGHT),
                               pose_filled=np.arange(len(track)) % 10 == 0)


def _judged(*people: PoseTrack, video=None, settings: Settings | None = None):
    """``people`` (the main person first) judged as `analyze` judges the pose stage's people."""
    first = people[0]
    path, sha = (str(video), sha256_file(video)) if video is not None else ("lift.mp4", "0" * 64)
    source = SourceInfo(path, sha, 30.0, len(first), WIDTH, HEIGHT, float(first.timestamps_s[-1]))
    return analyze_people(PeopleFound(people, len(people)), source, ModelInfo("full", "0" * 64),
                          settings or Settings(), [])


def _notes(analysis) -> str:
    return " ".join(analysis.quality.warnings)


def test_poses_npz_keeps_each_other_lifters_whole_track(tmp_path):
    hinge, stoop, squat = _person("hip_hinge", 0.0), _person("rounded_back", 300.0), _person("squat", 600.0)
    analysis, track = _judged(hinge, stoop, squat)
    assert len(analysis.others) == 2 and track.other_lifters == (stoop, squat)
    data = track.to_npz_dict()
    n_frames = len(track)
    assert set(data) == ONE_LIFTER_KEYS | {"others_head_xy", *OTHER_LIFTERS_KEYS}
    assert data["other_lifters_image_xy"].shape == (2, n_frames, 33, 2)
    assert data["other_lifters_back_profile_px"].shape == (2, n_frames, 21, 2)
    assert data["other_lifters_pose_filled"].shape == (2, n_frames) and data["other_lifters_pose_filled"].dtype == bool
    back = read_poses_npz(write_poses_npz(track, tmp_path))
    assert back == track and back.other_lifters == (stoop, squat)       # every array, NaN where missing
    # each lifter's own optional arrays, as they have them
    mixed = dataclasses.replace(track, other_lifters=(dataclasses.replace(stoop, back_profile_px=None), squat))
    again = PoseTrack.from_npz(mixed.to_npz_dict())
    assert again.other_lifters[0].back_profile_px is None and again == mixed


def test_a_poses_npz_of_one_lifter_and_one_written_before_read_as_before(tmp_path):
    hinge, stoop = _person("hip_hinge", 0.0), _person("rounded_back", 300.0)
    _, alone = _judged(hinge)
    assert set(alone.to_npz_dict()) == ONE_LIFTER_KEYS                 # nothing new in a one-lifter file
    _, track = _judged(hinge, stoop)
    older = {k: v for k, v in track.to_npz_dict().items() if not k.startswith("other_lifters")}
    read = PoseTrack.from_npz(older)
    assert read.other_lifters == () and read == dataclasses.replace(track, other_lifters=())


@pytest.mark.parametrize("damage", ["frames", "lifters", "no world"])
def test_a_wrong_shape_of_the_other_lifters_arrays_is_one_line(damage, tmp_path):
    _, track = _judged(_person("hip_hinge", 0.0), _person("rounded_back", 300.0))
    data = track.to_npz_dict()
    if damage == "frames":
        data["other_lifters_image_xy"] = data["other_lifters_image_xy"][:, :-1]
    elif damage == "lifters":
        data["other_lifters_visibility"] = np.concatenate([data["other_lifters_visibility"]] * 2)
    else:
        del data["other_lifters_world_xyz"]
    with pytest.raises(InputError, match="other_lifters"):
        PoseTrack.from_npz(data)
    np.savez(tmp_path / "poses.npz", **data)
    with pytest.raises(InputError, match="damaged"):
        read_poses_npz(tmp_path / "poses.npz")


def _folder(tmp_path, *people: PoseTrack, name: str = "two"):
    analysis, track = _judged(*people)
    write_outputs(analysis, track, tmp_path / "out" / name, write_video=False)
    return tmp_path / "out" / name, analysis


def test_a_rescore_judges_every_lifter_under_the_new_settings(tmp_path):
    hinge, stoop = _person("hip_hinge", 0.0), _person("rounded_back", 300.0)
    folder, first = _folder(tmp_path, hinge, stoop)
    assert [o.lifter_verdict for o in first.others] == ["rounded_back"] and first.verdict == "rounded_back"
    (folder / "annotated.mp4").write_bytes(b"drawn from the first verdicts")
    result = rescore(tmp_path / "out", LENIENT)
    new = read_analysis(folder)
    fresh, _ = _judged(hinge, stoop, settings=LENIENT)           # what analyze gives under the new settings
    assert [o.lifter_verdict for o in new.others] == [o.lifter_verdict for o in fresh.others] == ["safe"]
    assert [rv.verdict for o in new.others for rv in o.verdicts] == [rv.verdict for rv in fresh.others[0].verdicts]
    assert "rounded_back" not in [rv.verdict for o in new.others for rv in o.verdicts]
    assert new.verdict == "safe" and result.changed == ["two"] and result.stale_views == ["two"]
    assert "2 people lifted in view" in _notes(new) and "kept as first scored" not in _notes(new)
    assert new.others[0].box_px == first.others[0].box_px
    back = rescore(tmp_path / "out", Settings())                   # the first settings again: the first verdicts
    assert read_analysis(folder).others[0].lifter_verdict == "rounded_back" and back.changed == ["two"]


def test_an_other_lifter_whose_reps_a_setting_takes_away_is_no_lifter_until_one_brings_them_back(tmp_path):
    stoop, hinge, squat = _person("rounded_back", 0.0), _person("hip_hinge", 300.0), _person("squat", 600.0)
    folder, first = _folder(tmp_path, stoop, hinge, squat)
    assert len(first.others) == 2
    _, new = rescore_folder(folder, DEEPER)
    fresh, _ = _judged(stoop, hinge, squat, settings=DEEPER)
    assert [o.box_px for o in new.others] == [o.box_px for o in fresh.others] == [first.others[1].box_px]
    assert "2 people lifted in view" in _notes(new)
    saved = read_poses_npz(folder / "poses.npz").other_lifters
    assert saved == (hinge, squat)                                       # the hinge's track stays saved
    # the annotated video draws the squat with the squat's track, not the first one saved
    assert [track for _, track in with_tracks(read_analysis(folder).others, saved)] == [squat]
    _, back = rescore_folder(folder, Settings())
    assert [o.box_px for o in back.others] == [o.box_px for o in first.others]
    assert "3 people lifted in view" in _notes(back)


def test_a_folder_whose_poses_npz_has_no_other_lifters_keeps_their_first_verdicts_and_says_so(tmp_path):
    folder, first = _folder(tmp_path, _person("hip_hinge", 0.0), _person("rounded_back", 300.0))
    with np.load(folder / "poses.npz") as data:       # as liftform wrote it before it kept them
        older = {k: data[k] for k in data.files if not k.startswith("other_lifters")}
    with zipfile.ZipFile(folder / "poses.npz", "w") as archive:
        for key, array in older.items():
            with archive.open(f"{key}.npy", "w") as member:
                np.lib.format.write_array(member, array)
    _, new = rescore_folder(folder, LENIENT)
    assert [o.lifter_verdict for o in new.others] == ["rounded_back"]
    assert "1 other lifter(s) in view kept as first scored" in _notes(new) and "2 people lifted in view" in _notes(new)


def test_an_other_lifters_drawing_changed_alone_leaves_the_views_stale(tmp_path):
    folder, first = _folder(tmp_path, _person("hip_hinge", 0.0), _person("rounded_back", 300.0))
    (folder / "annotated.mp4").write_bytes(b"drawn")
    other = first.others[0]
    fewer = dataclasses.replace(other, flagged=np.zeros_like(other.flagged))      # the same verdicts, no red back
    assert views_left_stale(folder, first, first) == set()
    assert views_left_stale(folder, first, dataclasses.replace(first, others=(fewer,))) == {"annotated.mp4"}


@pytest.mark.slow      # draws and blurs two videos of 1280x640 (~15 s)
def test_the_report_drawn_again_blurred_draws_every_lifter_as_analyze_did(tmp_path):
    """`liftform report DIR --blur-faces` over a folder analysed without it draws annotated.mp4 again from the saved
    files: the second lifter with their skeleton, their back red where it rounds and their number, frame for frame
    as `analyze --blur-faces` draws it (facing the other way from the main lifter: their back on their own side)."""
    hinge, stoop = _person("hip_hinge", 0.0, n_reps=1), _person("rounded_back", 300.0, facing=-1, n_reps=1)
    video = tmp_path / "two.mp4"
    write_h264(video, (np.full((HEIGHT, WIDTH, 3), 128, np.uint8) for _ in range(len(hinge))))
    analysis, track = _judged(hinge, stoop, video=video)
    save_result(analysis, track, tmp_path / "blurred", video_path=video, blur_faces=True, report=False)
    save_result(analysis, track, tmp_path / "two", video_path=video, report=False)
    render_again(tmp_path / "two", blur_faces=True)
    redrawn = decode_all(tmp_path / "two" / "annotated.mp4")[0]
    assert np.array_equal(redrawn, decode_all(tmp_path / "blurred" / "annotated.mp4")[0])
    other = analysis.others[0]
    edges, red = back_edges(stoop, other.kinematics), BackState.ROUNDED.tone.rgb
    rounded = np.flatnonzero(other.flagged)
    assert len(rounded) > 10
    for row in rounded[::5]:
        assert _near(redrawn[int(other.kinematics.frame_index[row])], edges[row], red).mean() > 0.6, row
    assert _label_pixels(redrawn[0], stoop) > 50
