"""`--blur-faces` with someone else close to the lifter: rendered pictures of two people (no pose model: the
lifter's landmarks are the renderer's truth), and the faces of the other people followed, in every export
(annotated video, the report's stills and clips, a report rendered again from the saved result)."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
from test_output_media import N_SOURCE, OFFSET, textured_source  # noqa: F401 - textured_source: a fixture
from test_outputs import decode_all, synthetic_analysis, synthetic_track
from test_report import data_images

from liftform.analysis import ModelInfo, SourceInfo
from liftform.outputs.annotated import write_annotated_video
from liftform.outputs.privacy import face_box
from liftform.outputs.read import read_poses_npz
from liftform.outputs.video_writer import H264Writer
from liftform.pipeline import analyze_track, save_result
from liftform.report import write_report
from liftform.report.data import load_result
from liftform.report.frames import person_box
from liftform.settings import Settings
from liftform.synth import LiftSpec, SynthScene
from liftform.track import PoseTrack

FRAMES = range(24, 36)          # the lifter starts down; the bystander's head is within the lifter's landmark box
BYSTANDER_AT = (180, 60)        # where the bystander's picture is placed, scaled by BYSTANDER_SCALE
BYSTANDER_SCALE = 0.55


def _detail(gray: np.ndarray) -> np.ndarray:
    g = gray.astype(np.float32)
    return g - cv2.GaussianBlur(g, (0, 0), 1.5)


def _kept_detail(shown: np.ndarray, plain: np.ndarray, where: np.ndarray) -> float:
    """How much of ``plain``'s fine detail ``shown`` keeps where ``where`` is True: ~1 kept, ~0 blurred away."""
    s, p = (_detail(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY))[where] for img in (shown, plain))
    return 1.0 - float(np.abs(s - p).mean() / max(np.abs(p).mean(), 1e-6))


def _two_people(tmp_path):
    """A rendered lifter with a smaller person standing behind them (their head within the lifter's landmark box
    + 15 %), as a video; the lifter's truth track; per frame, the pixels of the bystander's face seen."""
    lifter = SynthScene(LiftSpec(motion="rounded_back", reps=1))
    bystander = SynthScene(LiftSpec(motion="squat", reps=1, seed=5, faces="left", yaw_deg=60))
    frames, faces = [], []
    for i in FRAMES:
        shown, back = lifter.render(i), bystander.render(i)
        small = cv2.resize(back.rgb, None, fx=BYSTANDER_SCALE, fy=BYSTANDER_SCALE, interpolation=cv2.INTER_AREA)
        body = cv2.resize((back.label > 0).astype(np.uint8), small.shape[1::-1], interpolation=cv2.INTER_NEAREST) > 0
        x, y = BYSTANDER_AT
        canvas = np.array(shown.rgb)
        seen = np.zeros(canvas.shape[:2], bool)
        seen[y:y + small.shape[0], x:x + small.shape[1]] = body
        seen &= shown.label == 0                                  # the lifter stands in front
        canvas[seen] = small[seen[y:y + small.shape[0], x:x + small.shape[1]]]
        frames.append(canvas)
        head = bystander.truth.image_xy[i] * BYSTANDER_SCALE + BYSTANDER_AT
        x0, y0, x1, y1 = face_box(head, canvas.shape)
        face = np.zeros_like(seen)
        face[y0:y1, x0:x1] = True
        faces.append(face & seen)
    video = tmp_path / "two.mp4"
    with H264Writer(video, 30.0, frames[0].shape[1], frames[0].shape[0], crf=12) as writer:
        for k, rgb in enumerate(frames):
            writer.write(rgb, k / 30.0)
    n = len(frames)
    track = PoseTrack(lifter.truth.image_xy[list(FRAMES)], lifter.truth.world_xyz[list(FRAMES)], np.ones((n, 33)),
                      np.arange(n) / 30.0, np.arange(n), (frames[0].shape[1], frames[0].shape[0]))
    return video, frames, track, faces


def test_a_bystander_within_the_lifters_box_is_blurred_in_the_annotated_video(tmp_path):
    """Someone nobody follows, standing behind the lifter within their landmark box + 15 % (which was kept sharp
    whole): their face is blurred; only the lifter's shape stays sharp. 165 head views of such a rendered clip were
    exported sharp."""
    video, frames, track, faces = _two_people(tmp_path)
    source = SourceInfo(str(video), "0" * 64, 30.0, len(frames), frames[0].shape[1], frames[0].shape[0], 0.4)
    analysis = analyze_track(track, source, ModelInfo("full", "0" * 64), Settings(), [])
    plain, shown = (decode_all(write_annotated_video(video, analysis, track, tmp_path / f"{blur}.mp4",
                                                     blur_faces=blur))[0] for blur in (False, True))
    judged = [k for k, face in enumerate(faces) if face.sum() > 100]
    assert len(judged) >= 8                                       # the bystander's face is in view
    for k in judged:
        assert _kept_detail(shown[k], plain[k], faces[k]) < 0.1, k
    x, y = track.image_xy[0, 23].astype(int)                      # the lifter's body (by the hips): kept
    hips = np.zeros(faces[0].shape, bool)
    hips[y - 8:y + 8, x - 8:x + 8] = True
    assert _kept_detail(shown[0], plain[0], hips) > 0.9


def _sharpness(rgb: np.ndarray, box: tuple[int, int, int, int]) -> float:
    x0, y0, x1, y1 = box
    return float(cv2.Laplacian(cv2.cvtColor(rgb[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY), cv2.CV_64F).var())


def test_the_face_of_someone_else_followed_is_blurred_over_the_lifters_body_also_in_a_report_rendered_again(
        textured_source, tmp_path):  # noqa: F811
    """Another person followed (a second lifter, a bystander) whose head is over the lifter's body: their face is
    blurred in the annotated video, the report's clips and stills, and in a report rendered again from the saved
    result (poses.npz keeps their heads; one written before still loads). The lifter's back is kept sharp to its
    edge (the trunk's outline), beyond the band round the bones."""
    lifter = synthetic_track(frame_offset=OFFSET)
    other = dataclasses.replace(lifter, image_xy=lifter.image_xy + (0.0, 115.0))   # their head over the thigh
    head = face_box(other.image_xy[0], (240, 320))
    analysis = synthetic_analysis(frame_offset=OFFSET, source_path=str(textured_source))
    analysis = dataclasses.replace(analysis, source=dataclasses.replace(analysis.source, frames=N_SOURCE))
    back = (231, 125, 238, 155)             # the back's edge (the outline 20 px behind the trunk), off the bones' band
    sharp = {}
    for blur in (False, True):
        out = tmp_path / f"blur{blur}"
        save_result(analysis, lifter.with_heads_of([other]), out, video_path=textured_source, blur_faces=blur)
        x0, y0, _, _ = person_box(load_result(out), 8, 18)       # the stills' crop, source px
        still_head = (head[0] - x0, head[1] - y0, head[2] - x0, head[3] - y0)
        annotated = decode_all(out / "annotated.mp4")[0][OFFSET + 5]
        sharp[f"back {blur}"] = _sharpness(annotated, back)
        sharp[blur] = [_sharpness(annotated, head),
                       _sharpness(decode_all(out / "clips" / "rep-1.mp4")[0][5], head),
                       _sharpness(data_images((out / "report.html").read_text(encoding="utf-8"))[1], still_head)]
    saved = read_poses_npz(out / "poses.npz")
    assert np.array_equal(saved.others_head_xy[0], other.image_xy[:, :11])
    again = write_report(out, blur_faces=True, video_path=textured_source)     # from the saved result
    sharp["again"] = [_sharpness(data_images(again.path.read_text(encoding="utf-8"))[1], still_head)]
    assert all(b < 0.1 * p for b, p in zip(sharp[True], sharp[False], strict=True)), sharp
    assert sharp["again"][0] < 0.1 * sharp[False][2], sharp
    assert sharp["back True"] > 0.5 * sharp["back False"], sharp       # the lifter's back: kept
    # A poses.npz written before the heads were kept loads as before.
    with np.load(out / "poses.npz") as data:
        older = {key: data[key] for key in data.files if key != "others_head_xy"}
    np.savez(out / "poses.npz", **older)
    assert read_poses_npz(out / "poses.npz").others_head_xy is None


HANGING = range(44, 66)         # a rounded back's bottom: the lifter's head hangs by their arms, in their sharp shape
WRONG = [9, 10, 11]             # rows where the pose model put the lifter's head landmarks on someone else's head


def test_the_lifters_own_face_is_blurred_where_the_model_put_their_head_on_someone_else(tmp_path):
    """Where the model put the lifter's head landmarks on someone else for a few frames (a bystander behind the
    bending lifter), the lifter's own face, hanging by their arms inside the shape kept sharp, is blurred from the
    face boxes of the frames either side (`privacy.FACE_NEAR_S`): only that frame's box was blurred, and a
    rendered clip's lifter showed their face in 14 of such frames of the annotated video (42 views in all)."""
    lifter = SynthScene(LiftSpec(motion="rounded_back", reps=1, width_px=320, height_px=240))
    rendered = [lifter.render(i) for i in HANGING]
    height, width = rendered[0].rgb.shape[:2]
    video = tmp_path / "lift.mp4"
    with H264Writer(video, 30.0, width, height, crf=12) as writer:
        for k, frame in enumerate(rendered):
            writer.write(frame.rgb, k / 30.0)
    xy = lifter.truth.image_xy[list(HANGING)]
    misplaced = xy.copy()
    misplaced[WRONG, :11] += (-60.0, -50.0)                     # up and behind them, where a bystander's head is
    n = len(rendered)
    track = PoseTrack(misplaced, lifter.truth.world_xyz[list(HANGING)], np.ones((n, 33)), np.arange(n) / 30.0,
                      np.arange(n), (width, height))
    source = SourceInfo(str(video), "0" * 64, 30.0, n, width, height, n / 30.0)
    analysis = analyze_track(track, source, ModelInfo("full", "0" * 64), Settings(), [])
    plain, shown = (decode_all(write_annotated_video(video, analysis, track, tmp_path / f"{blur}.mp4",
                                                     blur_faces=blur))[0] for blur in (False, True))
    for k in WRONG:
        x0, y0, x1, y1 = face_box(xy[k], (height, width), margin=0.3)
        face = np.zeros((height, width), bool)
        face[y0:y1, x0:x1] = rendered[k].label[y0:y1, x0:x1] > 0   # the lifter's own face and hair
        assert _kept_detail(shown[k], plain[k], face) < 0.2, k


def test_the_arms_keep_a_narrower_band_than_the_legs():
    """The band kept sharp along each bone was a quarter of the lifter's size either side: past a back squatter's
    raised elbows and shoulders it held the face of the person filming, seen in the gym's mirror. An arm is thinner
    than a leg: its band, and the shoulders', is narrower."""
    from synthetic_tracks import lift_track

    from liftform.core.plausibility import body_size_px
    from liftform.outputs.privacy import ARM_MARGIN, LIMB_MARGIN, lifter_region
    from liftform.track import LEFT_ELBOW, LEFT_HIP, LEFT_KNEE, LEFT_SHOULDER

    xy = lift_track("hip_hinge", n_reps=1)[0].image_xy[0]                       # standing
    size = float(body_size_px(xy[None])[0])
    region = lifter_region(xy, (2000, 2000))

    def kept_beside(a: int, b: int, share: float) -> bool:
        """Whether the point ``share`` x the size off the middle of bone a-b, on the side away from the trunk, is
        kept sharp."""
        middle, along = (xy[a] + xy[b]) / 2, xy[b] - xy[a]
        normal = np.array([-along[1], along[0]]) / np.linalg.norm(along)
        trunk = (xy[LEFT_SHOULDER] + xy[LEFT_HIP]) / 2
        normal *= -1 if np.dot(normal, trunk - middle) > 0 else 1
        x, y = np.round(middle + share * size * normal).astype(int)
        return bool(region[y, x])

    assert ARM_MARGIN < LIMB_MARGIN
    between = (ARM_MARGIN + LIMB_MARGIN) / 2
    assert kept_beside(LEFT_HIP, LEFT_KNEE, between) and not kept_beside(LEFT_SHOULDER, LEFT_ELBOW, between)
    assert kept_beside(LEFT_SHOULDER, LEFT_ELBOW, 0.8 * ARM_MARGIN)
