"""The picture the pose models are first run on (`landmarkers.warm_up`): what `liftform.synth` renders, a person
the model finds, and a warm-up that leaves a VIDEO-mode landmarker as a new one (the live loop's poses unchanged)."""

from __future__ import annotations

import numpy as np
import pytest

from liftform import landmarkers, pose
from liftform.models import resolve_model
from liftform.settings import PoseSettings
from liftform.synth.scene import LiftSpec, render_frames
from liftform.video import open_video, resize_for_pose


def test_the_warm_up_picture_is_the_standing_person_synth_renders():
    rgb, _ = next(render_frames(LiftSpec(width_px=256, height_px=256, reps=1, fps=5, supersample=1)))
    shipped = landmarkers.standing_person()
    assert shipped.shape == (256, 256, 3) and shipped.dtype == np.uint8
    # Regenerate with the spec above (cv2.imwrite of the RGB flipped to BGR) where the renderer changed.
    assert np.array_equal(shipped, rgb)


def test_without_its_picture_the_warm_up_runs_on_the_blank_frame_alone(monkeypatch, tmp_path):
    class Landmarker:
        def __init__(self) -> None:
            self.sizes: list[tuple[int, int]] = []

        def detect_for_video(self, image, ms) -> None:
            self.sizes.append((image.numpy_view().shape[:2], ms))

    clock = iter(range(100)).__next__
    monkeypatch.setattr(landmarkers, "STANDING_PERSON_PNG", tmp_path / "missing.png")
    landmarkers.standing_person.cache_clear()
    try:
        landmarker = Landmarker()
        landmarkers.warm_up(landmarker, lambda t: clock(), person=True)
        assert landmarker.sizes == [((256, 256), 0)]
    finally:
        landmarkers.standing_person.cache_clear()


def _frames(video, n: int = 20) -> list[np.ndarray]:
    with open_video(video) as source:
        return [resize_for_pose(f.rgb, 256)[0] for _, f in zip(range(n), source, strict=False)]


@pytest.mark.slow
@pytest.mark.model
def test_the_model_finds_the_person_and_a_warmed_landmarker_gives_a_new_ones_landmarks(sample_videos):
    settings = PoseSettings()
    path = resolve_model("lite").path
    finder = landmarkers.create_landmarker(path, settings, video=False, num_poses=1, masks=False)
    try:
        with landmarkers.native_stderr_silenced():
            found = finder.detect(landmarkers.mp_image(landmarkers.standing_person()))
        assert len(found.pose_landmarks) == 1
    finally:
        landmarkers.close_landmarker(finder)

    def landmarks(person: bool, poses: int) -> np.ndarray:
        landmarker = landmarkers.create_landmarker(path, settings, video=True, num_poses=poses, masks=True)
        clock = pose._VideoClock()
        try:
            landmarkers.warm_up(landmarker, clock, person=person)
            out = []
            # The warm-up's own person first: a landmarker still tracking them would read them otherwise.
            frames = [landmarkers.standing_person()] * 3 + _frames(sample_videos["hip_hinge"])
            for k, rgb in enumerate(frames):
                with landmarkers.native_stderr_silenced():
                    result = landmarker.detect_for_video(landmarkers.mp_image(rgb), clock(k / 30))
                out.append([(p.x, p.y) for p in result.pose_landmarks[0]])
            return np.array(out)
        finally:
            landmarkers.close_landmarker(landmarker)

    # The detector on every frame (live's default): the same landmarks. Tracking between frames (`--track`): within
    # 1e-4 of the picture (its smoothing sees one more frame's timestamp); the person not emptied by the blank frame
    # after it, 6e-3, tracked into the first frames.
    np.testing.assert_allclose(landmarks(True, 2), landmarks(False, 2), atol=1e-6)
    np.testing.assert_allclose(landmarks(True, 1), landmarks(False, 1), atol=1e-4)
