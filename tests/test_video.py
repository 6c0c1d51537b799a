"""The video source, on small clips written by PyAV in each test (no footage needed)."""

from __future__ import annotations

import re
import time
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import av
import numpy as np
import pytest
from video_files import with_cover_art_first

from liftform.errors import InputError
from liftform.video import detect_content_box, downscale_for_pose, open_video, resize_for_pose
from liftform.video_header import rotation_deg_of

W, H = 64, 48


def write_clip(path: Path, frames_rgb: list[np.ndarray], *, fps: int = 30, pts_ms: list[int] | None = None,
               rotation_ccw_deg: int | None = None, container_options: dict | None = None,
               pixel_aspect: Fraction | None = None, transfer: int | None = None) -> Path:
    """Encode RGB frames with libx264 (B-frames on, as real cameras use). `pts_ms` gives each frame's time in
    milliseconds (variable frame rate); `rotation_ccw_deg` writes a display matrix (PyAV's convention);
    `pixel_aspect` the pixels' width / height (the sample aspect ratio: the frames are shown stretched by it);
    `transfer` the levels' transfer curve (FFmpeg's number: 16 an HDR10 video's PQ, 18 HLG; the levels as given)."""
    height, width = frames_rgb[0].shape[:2]
    with av.open(str(path), "w", options=container_options or {}) as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "bf": "2"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if pts_ms is not None:
            stream.codec_context.time_base = stream.time_base = Fraction(1, 1000)
        if rotation_ccw_deg is not None:
            stream.set_display_rotation(rotation_ccw_deg)
        if pixel_aspect is not None:
            stream.codec_context.sample_aspect_ratio = pixel_aspect
        if transfer is not None:
            stream.codec_context.color_trc = transfer
        for i, rgb in enumerate(frames_rgb):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            if pts_ms is not None:
                frame.pts, frame.time_base = pts_ms[i], Fraction(1, 1000)
            else:
                frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def gray_frames(n: int, width: int = W, height: int = H) -> list[np.ndarray]:
    """Frame i is uniformly gray at level 10 + 20*i (so order can be read back from the pixels)."""
    return [np.full((height, width, 3), 10 + 20 * i, np.uint8) for i in range(n)]


def noise_frames(n: int, width: int = W, height: int = H, seed: int = 0) -> list[np.ndarray]:
    """Random frames: they compress badly, so the bytes spread evenly over the clip."""
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (height, width, 3), dtype=np.uint8) for _ in range(n)]


def mean_level(rgb: np.ndarray) -> int:
    return round(float(rgb.mean()))


# --- timestamps ----------------------------------------------------------------------------------------------------

def test_constant_rate_clip(tmp_path):
    path = write_clip(tmp_path / "cfr.mp4", gray_frames(10), fps=10)
    with open_video(path) as video:
        assert (video.width, video.height, video.rotation_deg, video.codec) == (W, H, 0, "h264")
        assert video.fps == pytest.approx(10.0) and video.n_frames == 10
        assert video.duration_s == pytest.approx(1.0, abs=0.01)
        frames = list(video)
    assert [f.index for f in frames] == list(range(10))
    assert np.allclose([f.timestamp_s for f in frames], np.arange(10) / 10, atol=1e-6)
    assert [mean_level(f.rgb) for f in frames] == pytest.approx([10 + 20 * i for i in range(10)], abs=3)
    assert all(f.rgb.shape == (H, W, 3) and f.rgb.dtype == np.uint8 for f in frames)
    assert video.frames_decoded == 10 and video.warnings == []


@pytest.mark.parametrize("suffix", ["mp4", "mkv"])
def test_variable_frame_rate_keeps_container_timestamps(tmp_path, suffix):
    pts_ms = [0, 40, 70, 150, 160, 300, 333, 400, 520, 530, 700]
    path = write_clip(tmp_path / f"vfr.{suffix}", gray_frames(len(pts_ms)), pts_ms=pts_ms)
    with open_video(path) as video:
        frames = list(video)
    assert [round(f.timestamp_s * 1000, 6) for f in frames] == pts_ms
    assert [mean_level(f.rgb) for f in frames] == pytest.approx([10 + 20 * i for i in range(len(pts_ms))], abs=3)


@pytest.mark.parametrize(("header_fps", "step_ms", "fps"), [
    (1000, 40, 25.0),    # a browser's recording: the header states its millisecond clock; the frames are 25 fps
    (30, 40, 30.0),      # within a factor of 1.5: the header's rate stands (a variable rate around it)
    (10, 40, 25.0),      # a header far under the frames' rate
])
def test_frame_rate_is_the_frames_own_where_the_header_states_another(tmp_path, header_fps, step_ms, fps):
    pts_ms = [step_ms * i + (i % 3) for i in range(30)]       # steps of 41, 41, 38 ms: median 41 (24.4 fps)
    path = write_clip(tmp_path / "clock.mkv", noise_frames(30), fps=header_fps, pts_ms=pts_ms)
    with open_video(path) as video:
        assert video.fps == pytest.approx(fps, rel=0.03)
        assert 25 <= video.n_frames <= 37      # an estimate from the duration (no count in the header): not 1163
        assert [round(f.timestamp_s * 1000, 6) for f in video] == pts_ms   # timestamps are the file's either way


def test_timestamps_start_at_zero_when_first_pts_is_not(tmp_path):
    pts_ms = [500, 533, 566, 600]
    path = write_clip(tmp_path / "offset.mkv", gray_frames(4), pts_ms=pts_ms)
    with open_video(path) as video:
        assert [round(f.timestamp_s * 1000, 6) for f in video] == [0, 33, 66, 100]


def test_iterating_twice_gives_the_same_frames_and_early_stop_releases_the_file(tmp_path):
    path = write_clip(tmp_path / "twice.mp4", gray_frames(6))
    with open_video(path) as video:
        first = [(f.index, f.timestamp_s) for f in video]
        assert [(f.index, f.timestamp_s) for f in video] == first
        for frame in video:
            if frame.index == 2:
                break
    assert video._container is None


# --- rotation ------------------------------------------------------------------------------------------------------

def marked_frame() -> np.ndarray:
    """Landscape 64x32 frame, gray, with a red block in its top-left corner."""
    rgb = np.full((32, 64, 3), 128, np.uint8)
    rgb[:8, :8] = (255, 0, 0)
    return rgb


@pytest.mark.parametrize(("ccw_deg", "rotation_deg", "shape", "corner"), [
    (-90, 90, (64, 32), "top_right"),     # a portrait phone clip: coded landscape, shown turned clockwise
    (90, 270, (64, 32), "bottom_left"),
    (180, 180, (32, 64), "bottom_right"),
    (None, 0, (32, 64), "top_left"),
])
def test_display_matrix_rotation_is_applied(tmp_path, ccw_deg, rotation_deg, shape, corner):
    path = write_clip(tmp_path / "rot.mp4", [marked_frame()] * 3, rotation_ccw_deg=ccw_deg)
    with open_video(path) as video:
        assert video.rotation_deg == rotation_deg
        assert (video.height, video.width) == shape
        rgb = next(iter(video)).rgb
    assert rgb.shape == (*shape, 3) and rgb.flags["C_CONTIGUOUS"]
    h, w = shape
    corners = {"top_left": rgb[:4, :4], "top_right": rgb[:4, w - 4:], "bottom_left": rgb[h - 4:, :4],
               "bottom_right": rgb[h - 4:, w - 4:]}
    reds = {name: block[..., 0].mean() > 200 and block[..., 1].mean() < 80 for name, block in corners.items()}
    assert reds == {name: name == corner for name in corners}


@pytest.mark.parametrize(("pixel_aspect", "ccw_deg", "shape", "block_hw"), [   # coded 32x64, an 8x8 block
    (Fraction(2), None, (32, 128), (8, 16)),    # wide pixels (a camcorder's 1440x1080 shown at 1920x1080): widened
    (Fraction(1, 2), None, (64, 64), (16, 8)),  # narrow pixels: made taller, no detail lost
    (Fraction(2), -90, (128, 32), (16, 8)),     # wide pixels in a clip shown turned: stretched, then turned
    (Fraction(100), None, (32, 64), (8, 8)),    # a damaged header's: taken as square
])
def test_frames_come_out_in_square_pixels_as_the_video_is_shown(tmp_path, pixel_aspect, ccw_deg, shape, block_hw):
    """Angles are read off the frames: squeezed to 3/4 of its width by its pixels' shape, a rendered rounded lift
    had read 51° of rounding against 40°. Every way of decoding gives the shown shape."""
    path = write_clip(tmp_path / "sar.mp4", [marked_frame()] * 8, pixel_aspect=pixel_aspect,
                      rotation_ccw_deg=ccw_deg)
    with open_video(path) as video:
        assert (video.height, video.width) == shape
        whole = next(iter(video)).rgb
        shrunk = next(video.frames(max_side_px=max(shape) // 2)).rgb
        segment = next(video.segment(None, None)).rgb
    assert whole.shape == segment.shape == (*shape, 3)
    assert shrunk.shape == (shape[0] // 2, shape[1] // 2, 3)
    red = whole[..., 0].astype(int) - whole[..., 1] > 100      # the corner block, stretched with the frame
    assert np.abs(np.ptp(np.nonzero(red), axis=1) + 1 - block_hw).max() <= 2


def write_changing_size(path: Path, frames_rgb: list[np.ndarray]) -> Path:
    """An MJPEG video whose frames are of the sizes ``frames_rgb`` have, as a stream that changes size part-way
    (each size its own encoder, the packets in one stream; the header states the first's)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mjpeg", rate=30)
        encoders = {}
        for i, rgb in enumerate(frames_rgb):
            height, width = rgb.shape[:2]
            if not encoders:
                stream.width, stream.height, stream.pix_fmt = width, height, "yuvj420p"
                encoders[(width, height)] = stream.codec_context
            if (width, height) not in encoders:
                encoder = encoders[(width, height)] = av.CodecContext.create("mjpeg", "w")
                encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuvj420p"
                encoder.time_base = Fraction(1, 30)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuvj420p")
            frame.pts, frame.time_base = i, Fraction(1, 30)
            for packet in encoders[(width, height)].encode(frame):
                packet.stream, packet.pts, packet.dts, packet.time_base = stream, i, i, Fraction(1, 30)
                container.mux(packet)
    return path


def test_a_frame_of_another_size_is_fitted_into_the_picture_not_stretched(tmp_path):
    """A browser's recording changes size as the phone turns: its frames after the turn, stretched to the first
    frames' size, had made a rounded lift a safe hinge. They keep their shape, on black."""
    landscape, portrait = np.full((32, 64, 3), 200, np.uint8), np.full((64, 32, 3), 200, np.uint8)
    path = write_changing_size(tmp_path / "turned.mkv", [landscape] * 4 + [portrait] * 4)
    with open_video(path) as video:
        assert (video.width, video.height) == (64, 32)
        frames = [f.rgb for f in video]
        shrunk = [f.rgb for f in video.frames(max_side_px=32)]
    assert [f.shape for f in frames] == [(32, 64, 3)] * 8 and [f.shape for f in shrunk] == [(16, 32, 3)] * 8
    lit_columns = np.flatnonzero(frames[-1].mean(axis=(0, 2)) > 100)       # the portrait frame: 16x32, centred
    assert abs(lit_columns.min() - 24) <= 1 and abs(lit_columns.max() - 39) <= 1
    assert frames[-1][:, :22].max() < 30 and frames[-1][:, 42:].max() < 30 and frames[0].min() > 150


def pq_level(nits: float) -> int:
    """The 8-bit level of ``nits`` cd/m² in an HDR10 video (SMPTE ST 2084's inverse EOTF)."""
    m1, m2, c1, c2, c3 = 0.1593017578125, 78.84375, 0.8359375, 18.8515625, 18.6875
    y = (nits / 10000) ** m1
    return round(255 * ((c1 + c2 * y) / (1 + c3 * y)) ** m2)


@pytest.mark.parametrize(("transfer", "level", "shown"), [
    (16, pq_level(203), (240, 252)),      # HDR10's reference white (BT.2408: 203 cd/m²) is SDR's white, or near
    (16, pq_level(203 * 0.5 ** 2.4), (122, 134)),   # half SDR white's level (BT.1886: gamma 2.4): about 128
    (16, pq_level(1000), (253, 255)),     # a highlight five times as bright: white, not past it
    (18, 191, (240, 252)),                # HLG's reference white: 75 % of its range
    (1, 148, (147, 149)),                 # SDR (BT.709): as stored
])
def test_an_hdr_video_is_read_as_it_is_shown_in_sdr(tmp_path, transfer, level, shown):
    """Read as SDR, an HDR10 video's levels are dark and dull (a rendered lift's white wall at 131 of 255, against
    202 in SDR), and a rounded lift read 4 reps against 3, one of them a phantom."""
    path = write_clip(tmp_path / "hdr.mp4", [np.full((32, 64, 3), level, np.uint8)] * 3, transfer=transfer)
    with open_video(path) as video:
        rgb = next(iter(video)).rgb
        shrunk = next(video.frames(max_side_px=32)).rgb
    assert shown[0] <= mean_level(rgb) <= shown[1] and shown[0] <= mean_level(shrunk) <= shown[1]


def test_legacy_rotate_tag_is_read_when_frames_carry_no_display_matrix():
    frame = SimpleNamespace(rotation=0)
    assert rotation_deg_of(frame, SimpleNamespace(metadata={"rotate": "90"})) == 90
    assert rotation_deg_of(frame, SimpleNamespace(metadata={"rotate": "-90"})) == 270
    assert rotation_deg_of(frame, SimpleNamespace(metadata={})) == 0
    assert rotation_deg_of(SimpleNamespace(rotation=-90.0), SimpleNamespace(metadata={"rotate": "0"})) == 90


# --- damaged files -------------------------------------------------------------------------------------------------

def level_frames(n: int) -> list[np.ndarray]:
    """Frame i is uniformly gray at level 2*i (order readable from the pixels for up to 128 frames)."""
    return [np.full((H, W, 3), 2 * i, np.uint8) for i in range(n)]


def by_segments(video) -> list:
    """The video decoded as the pose stage does: cut at `split_points_s(2)`, each piece on its own."""
    cuts = video.split_points_s(2)
    video.warnings.clear()      # notes of an earlier decode
    frames = [f for start, stop in zip([None, *cuts], [*cuts, None], strict=True) for f in video.segment(start, stop)]
    video.end_segments(len(frames))
    return cuts, frames


@pytest.mark.parametrize("gop", [12, 500])   # keyframes every 0.4 s; only the first frame a keyframe
def test_segments_cut_the_video_into_the_same_frames(tmp_path, gop):
    path = tmp_path / "long.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30, options={"preset": "ultrafast", "bf": "2", "g": str(gop)})
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        for i, rgb in enumerate(level_frames(120)):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    with open_video(path) as video:
        whole = list(video)
        cuts, pieces = by_segments(video)
    assert len(cuts) == 1 and 1.2 < cuts[0] < 2.8           # near the middle of 4 s
    if gop == 12:
        assert round(cuts[0] * 30) % 12 == 0                  # on a keyframe: nothing decoded twice
    assert [(f.index if f.timestamp_s < cuts[0] else None) for f in pieces][:5] == [0, 1, 2, 3, 4]
    assert len(pieces) == len(whole) == 120
    assert [f.timestamp_s for f in pieces] == pytest.approx([f.timestamp_s for f in whole], abs=1e-9)
    assert [mean_level(f.rgb) for f in pieces] == pytest.approx([mean_level(f.rgb) for f in whole], abs=1)
    assert video.frames_decoded == 120 and video.warnings == []


def test_short_video_is_not_cut(tmp_path):
    path = write_clip(tmp_path / "short.mp4", level_frames(30))
    with open_video(path) as video:
        assert video.split_points_s(2) == []


def cut_in_half(path: Path) -> Path:
    data = path.read_bytes()
    cut = path.with_name("cut_" + path.name)
    cut.write_bytes(data[: len(data) // 2])
    return cut


@pytest.mark.parametrize("suffix", ["mp4", "mkv"])
def test_truncated_file_yields_what_decodes_and_warns(tmp_path, suffix):
    options = {"movflags": "faststart"} if suffix == "mp4" else {}  # index first, as phones and web exports do
    full = write_clip(tmp_path / f"clip.{suffix}", noise_frames(40), container_options=options)
    with open_video(cut_in_half(full)) as video:
        frames = list(video)
    assert 5 < len(frames) < 40
    times = np.array([f.timestamp_s for f in frames])
    assert np.all(np.diff(times) > 0)
    assert np.allclose(times, np.arange(len(frames)) / 30, atol=1e-3)  # Matroska keeps milliseconds
    assert len(video.warnings) >= 1
    assert f"video ended early at frame {len(frames)}" in video.warnings[0]
    assert "truncated" in video.warnings[0] and "\n" not in video.warnings[0]


@pytest.mark.parametrize(("name", "packet", "options"), [("clip.ts", 188, {}),
                                                    ("clip.m2ts", 192, {"mpegts_m2ts_mode": "1"})])
def test_a_transport_stream_cut_off_says_it_may_be_truncated(tmp_path, name, packet, options):
    # A transport stream (a camcorder's .mts, a recorder's .ts) states no length: its duration is read from the
    # packets it has, so a recording cut in half had been judged on its first half without a word.
    full = write_clip(tmp_path / name, noise_frames(40), container_options=options)
    with open_video(full) as video:
        assert len(list(video)) == 40 and video.warnings == []
    data = full.read_bytes()
    cut = tmp_path / f"cut_{name}"
    cut.write_bytes(data[:len(data) // 2 // packet * packet + packet // 2])    # half-way through a packet
    with open_video(cut) as video:
        frames = list(video)
    assert 5 < len(frames) < 40
    assert [note for note in video.warnings if "may be truncated" in note]


def test_a_transport_stream_cut_from_its_middle_says_its_start_was_not_decoded(tmp_path):
    full = tmp_path / "recording.ts"
    with av.open(str(full), "w") as container:
        stream = container.add_stream("libx264", rate=30, options={"preset": "ultrafast", "g": "30"})
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        for rgb in noise_frames(90):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        container.mux(stream.encode())
    data = full.read_bytes()
    tail = tmp_path / "tail.ts"
    tail.write_bytes(data[len(data) // 2 // 188 * 188:])     # whole packets, from mid-stream: no keyframe first
    with open_video(tail) as video:
        frames = list(video)
    assert 10 <= len(frames) <= 30 and frames[0].timestamp_s == 0.0
    late = [note for note in video.warnings if "could not be decoded" in note]
    assert len(late) == 1 and not [note for note in video.warnings if "ended early" in note]
    first_s = float(late[0].split("first ")[1].split(" s")[0])
    assert 0.5 <= first_s <= 1.5 and first_s + (len(frames) / 30) == pytest.approx(video.duration_s, abs=0.1)


def test_a_truncated_file_decodes_to_the_same_frames_on_one_cpu_as_on_all(tmp_path):
    """Frame threading drops the last frames before a damaged end, as many as it has threads: with one decoding
    thread per CPU, `analyze` (every CPU) and a `score` worker (pinned to one) got different frames of the same
    truncated file, and different reps."""
    import os
    import subprocess
    import sys

    if not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs two CPUs and CPU affinity")
    full = write_clip(tmp_path / "clip.mp4", noise_frames(60), container_options={"movflags": "faststart"})
    cut = cut_in_half(full)
    count = ("import os, sys; from liftform.video import open_video\n"
             "if sys.argv[1] == 'one': os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})\n"
             "with open_video(sys.argv[2]) as video: print(sum(1 for _ in video))")
    counts = [subprocess.run([sys.executable, "-c", count, cpus, str(cut)], capture_output=True, text=True,
                             check=True).stdout.strip() for cpus in ("one", "all")]
    assert counts[0] == counts[1] and 5 < int(counts[0]) < 60


def test_truncated_file_decoded_in_segments_warns_with_the_total(tmp_path):
    full = write_clip(tmp_path / "clip.mkv", noise_frames(200))
    with open_video(cut_in_half(full)) as video:
        whole = list(video)
        whole_warnings = list(video.warnings)
        cuts, pieces = by_segments(video)
    assert cuts and len(pieces) == len(whole)
    assert video.warnings == whole_warnings and f"video ended early at frame {len(whole)}" in video.warnings[0]


def test_truncated_mp4_without_its_index_is_input_error(tmp_path):
    full = write_clip(tmp_path / "clip.mp4", noise_frames(20))  # index (moov) written at the end
    with pytest.raises(InputError, match="truncated"):
        open_video(cut_in_half(full))


def test_file_cut_before_its_first_frame_is_input_error(tmp_path):
    full = write_clip(tmp_path / "clip.mp4", noise_frames(20), container_options={"movflags": "faststart"})
    data = full.read_bytes()
    cut = tmp_path / "header_only.mp4"
    cut.write_bytes(data[: data.index(b"mdat") + 200])  # the whole index, a sliver of the first frame
    with pytest.raises(InputError, match="no frame"):
        open_video(cut)


def test_audio_only_file_is_input_error(tmp_path):
    path = tmp_path / "sound.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        frame.sample_rate, frame.pts = 8000, 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode())
    with pytest.raises(InputError, match="no video stream"):
        open_video(path)


def test_a_text_file_is_refused_as_no_video(tmp_path):
    """FFmpeg shows a .txt file as a video of its characters (its "tty" demuxer): a readme given as the video had
    played 22 s in live ("NOT ENOUGH DATA", exit 0) and analyze had looked for a person in 558 frames."""
    path = tmp_path / "readme.txt"
    path.write_text("# liftform\n\n" + "Lift with your legs, and see whether you did. " * 80)
    with pytest.raises(InputError, match=f"^{re.escape(str(path))} is a text file, not a video"):
        open_video(path)


def test_cover_art_listed_before_the_video_is_not_taken_for_it(tmp_path):
    # A tagged clip's cover picture is a one-frame "video" stream FFmpeg may list first: a real lift was refused as
    # "has only 1 frame(s)".
    path = with_cover_art_first(tmp_path / "tagged.mp4", gray_frames(8))
    with open_video(path) as video:
        levels = [mean_level(frame.rgb) for frame in video]
    assert (video.width, video.height, video.warnings) == (W, H, [])
    assert levels == pytest.approx([10 + 20 * i for i in range(8)], abs=3)


def test_a_sound_with_cover_art_is_no_video(tmp_path):
    with pytest.raises(InputError, match="no video stream"):
        open_video(with_cover_art_first(tmp_path / "song.mp4"))


def test_a_video_stream_without_frames_is_no_video_not_damage(tmp_path):
    path = tmp_path / "sound_in_a_video.mkv"      # a video track declared, only sound recorded
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=30)
        video.width, video.height, video.pix_fmt = W, H, "yuv420p"
        sound = container.add_stream("aac", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        frame.sample_rate, frame.pts = 8000, 0
        container.mux([*sound.encode(frame), *sound.encode()])
    with pytest.raises(InputError, match="no video frame") as info:
        open_video(path)
    assert "damaged" not in str(info.value)


def test_a_file_with_two_videos_reads_the_first_and_says_so(tmp_path):
    path = tmp_path / "two.mkv"
    with av.open(str(path), "w") as container:
        streams = [container.add_stream("libx264", rate=30) for _ in range(2)]
        for stream, (width, height) in zip(streams, [(W, H), (32, 24)], strict=True):
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for _ in range(6):
            for stream, level in zip(streams, [40, 200], strict=True):
                rgb = np.full((stream.height, stream.width, 3), level, np.uint8)
                container.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        container.mux([*streams[0].encode(), *streams[1].encode()])
    with open_video(path) as video:
        levels = [mean_level(frame.rgb) for frame in video]
    assert (video.width, video.height) == (W, H) and levels == pytest.approx([40] * 6, abs=3)
    assert [note for note in video.warnings if "2 video streams" in note and f"{W}x{H}" in note]


@pytest.mark.parametrize("address", ["https://www.example.com/watch?v=abc", "http://example.com/lift.mp4",
                                     "rtsp://192.168.1.20/stream"])
def test_a_web_address_is_said_to_be_one(address):
    """A link copied from a site had been "video not found: https:/www.example.com/...; check the path"."""
    with pytest.raises(InputError, match="^" + re.escape(f"{address} is a web address, not a file")):
        open_video(address)


def make_hostile(kind: str, path: Path) -> Path:
    if kind == "directory":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("this is a shopping list, not a video\n")
    elif kind == "garbage_mp4":  # an MP4 signature followed by nothing that makes sense
        path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    return path  # "missing": nothing written


@pytest.mark.parametrize(("kind", "message"), [
    ("missing", "not found"),
    ("directory", "directory"),
    ("empty", "empty"),
    ("text", "not a readable video"),
    ("garbage_mp4", "not a readable video"),
])
def test_hostile_inputs_are_one_line_input_errors(tmp_path, kind, message):
    path = make_hostile(kind, tmp_path / "lift.mp4")
    with pytest.raises(InputError, match=message) as info:
        open_video(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)


# --- padding bars and size -----------------------------------------------------------------------------------------

def test_content_box_of_a_pillarboxed_clip(tmp_path):
    yy, xx = np.mgrid[0:96, 0:40]
    frames = []
    for k in range(4):  # a "vertical video" 40 px wide inside a 160x96 frame, off-centre like real re-uploads
        picture = (100 + 60 * np.sin(xx / 6.0 + k) + 50 * np.cos(yy / 9.0)).clip(30, 255).astype(np.uint8)
        rgb = np.zeros((96, 160, 3), np.uint8)
        rgb[:, 70:110] = picture[..., None]
        frames.append(rgb)
    with open_video(write_clip(tmp_path / "pillar.mp4", frames)) as video:
        decoded = [f.rgb for f in video]
    x0, y0, x1, y1 = detect_content_box(decoded)
    assert (y0, y1) == (0, 96)
    assert abs(x0 - 70) <= 2 and abs(x1 - 110) <= 2


def test_content_box_letterbox_no_bars_and_all_black():
    letterbox = np.zeros((90, 120, 3), np.uint8)
    letterbox[15:75, :, 1] = 200
    assert detect_content_box([letterbox]) == (0, 15, 120, 75)
    blue_later = np.zeros((90, 120, 3), np.uint8)
    blue_later[:, 10:110, 2] = 200                          # any channel of any frame is content
    assert detect_content_box([letterbox, blue_later]) == (0, 0, 120, 90)
    assert detect_content_box([np.full((20, 30, 3), 90, np.uint8)]) == (0, 0, 30, 20)
    assert detect_content_box([np.zeros((20, 30, 3), np.uint8)]) == (0, 0, 30, 20)
    noisy_bar = np.zeros((100, 100, 3), np.uint8)
    noisy_bar[:, 20:80] = 120
    noisy_bar[50, 5] = 255  # one stray pixel in the left bar is not content
    assert detect_content_box([noisy_bar]) == (20, 0, 80, 100)


def test_downscale_for_pose():
    big = np.zeros((1000, 2000, 3), np.uint8)
    small, scale = downscale_for_pose(big, 500)
    assert small.shape == (250, 500, 3) and scale == pytest.approx(0.25)
    same, unit = downscale_for_pose(small, 640)
    assert same is small and unit == 1.0


def test_resize_for_pose_enlarges_a_small_crop_and_maps_points_back():
    # A small lifter's crop (a bright square at known pixels) reaches the model at the one size; a point found in
    # the enlarged picture maps back onto the same spot of the crop.
    crop = np.zeros((150, 100, 3), np.uint8)
    crop[60:90, 40:60] = 255                                   # centre (50, 75) in pixel-edge coordinates
    enlarged, scale = resize_for_pose(crop, 512)
    assert enlarged.shape == (512, 341, 3) and scale == pytest.approx(512 / 150)
    ys, xs = np.nonzero(enlarged[..., 0] > 127)
    centre_xy = np.array([xs.mean() + 0.5, ys.mean() + 0.5]) / scale
    assert centre_xy == pytest.approx([50.0, 75.0], abs=0.5)
    big = np.zeros((1024, 800, 3), np.uint8)
    shrunk, down = resize_for_pose(big, 512)
    assert shrunk.shape == (512, 400, 3) and down == pytest.approx(0.5)
    exact = np.zeros((512, 300, 3), np.uint8)
    kept, unit = resize_for_pose(exact, 512)
    assert kept is exact and unit == 1.0


# --- real footage (skipped where ../shared is absent; nothing from it is stored) ------------------------------------

FOOTAGE = Path(__file__).resolve().parents[2] / "shared" / "footage"


@pytest.mark.skipif(not FOOTAGE.is_dir(), reason="../shared/footage is absent")
@pytest.mark.parametrize(("clip", "size_wh", "rotation_deg", "variable_rate"), [
    ("khammingfatt__project-5-ai-enhance-squat-form/Correct_Demo.mp4", (480, 848), 90, False),  # portrait phone
    ("rnhrn__exercises/deadlift.mp4", (1280, 720), 0, True),  # frame gaps from 11 to 33 ms
])
def test_real_clips(clip, size_wh, rotation_deg, variable_rate):
    path = FOOTAGE / clip
    if not path.is_file():
        pytest.skip(f"{clip} is absent")
    with open_video(path) as video:
        assert ((video.width, video.height), video.rotation_deg) == (size_wh, rotation_deg)
        times, shapes = [], set()
        for frame in video:
            times.append(frame.timestamp_s)
            shapes.add(frame.rgb.shape)
    assert shapes == {(size_wh[1], size_wh[0], 3)}
    assert video.frames_decoded == video.n_frames and video.warnings == []
    steps = np.diff(times)
    assert np.all(steps > 0)
    assert (steps.max() - steps.min() > 0.005) == variable_rate


def test_prefetch_keeps_order_reraises_and_stops_early():
    import threading

    from liftform.video import prefetch

    assert list(prefetch(range(100), depth=3)) == list(range(100))

    def broken():
        yield 1
        raise InputError("decoder gave up")

    got = []
    with pytest.raises(InputError, match="decoder gave up"):
        for item in prefetch(broken()):
            got.append(item)
    assert got == [1]

    endless = prefetch(iter(int, 1), depth=2)           # an endless source: only the consumer can stop it
    assert next(endless) == 0
    endless.close()
    assert not any(t.name == "liftform-prefetch" and t.is_alive() for t in threading.enumerate())


def test_prefetched_stops_its_thread_before_its_block_is_left_by_an_exception():
    """Ctrl-C in a loop over read-ahead frames: the reading thread is stopped and joined as the block ends, before
    the ``with open_video`` around it closes the container. A bare `prefetch` stayed open while the traceback held
    it, its thread still demuxing a closed container: a segfault about once in 20 interrupts on a busy machine."""
    import threading

    from liftform.video import prefetch, prefetched

    def reading() -> bool:
        return any(t.name == "liftform-prefetch" and t.is_alive() for t in threading.enumerate())

    with pytest.raises(KeyboardInterrupt) as bare:
        frames = prefetch(iter(int, 1), depth=2)       # held by a name, as the annotated video's loop held it
        for _ in frames:
            raise KeyboardInterrupt
    assert reading()                                    # still reading: the generator is open until let go
    del bare, frames
    with pytest.raises(KeyboardInterrupt):
        with prefetched(iter(int, 1), depth=2) as frames:
            for _ in frames:
                raise KeyboardInterrupt
    time.sleep(0.2)                                     # the bare one's thread, let go above, ends too
    assert not reading()


def test_opencv_threads_holds_the_pool_inside_the_block_and_restores_it():
    """The pose stage holds OpenCV to one thread (its pool woke a thread per four-pixel conversion); the process's
    setting comes back after, also when the block fails."""
    import cv2

    from liftform.video_tools import opencv_threads

    before = cv2.getNumThreads()
    with opencv_threads(1):
        assert cv2.getNumThreads() == 1
    assert cv2.getNumThreads() == before
    with pytest.raises(RuntimeError), opencv_threads(1):
        raise RuntimeError("the pose stage failed")
    assert cv2.getNumThreads() == before


def test_an_animated_gif_with_a_long_last_frame_is_not_called_truncated(tmp_path):
    """An animated GIF whose frames last different times (its last held 0.6 s; Pillow merges identical frames into
    one long one): every frame decoded, yet the end read short of its duration and the note said "video ended early
    at frame 24 (header says 24 frames): file may be truncated"."""
    image = pytest.importorskip("PIL.Image", reason="Pillow (which mediapipe's matplotlib brings) writes the GIF")
    frames = [image.fromarray(np.full((64, 64, 3), (i * 8) % 255, np.uint8)) for i in range(24)]
    frames[0].save(tmp_path / "held.gif", save_all=True, append_images=frames[1:], duration=[40] * 23 + [600],
                   loop=0)
    with open_video(tmp_path / "held.gif") as video:
        assert sum(1 for _ in video.frames()) == 24
        assert video.warnings == []


def test_a_file_damaged_in_the_middle_is_not_called_truncated(tmp_path):
    """Damaged packets mid-stream are skipped and said where, and the file (whole to its end) is not called
    truncated: it had been "video ended early at frame 267 (header says 274 frames): file may be truncated".
    Decoded in two pieces (`[pose] parallel_halves`), the damage in the first, it reads the same."""
    full = write_clip(tmp_path / "clip.mp4", noise_frames(150), container_options={"movflags": "faststart"})
    with av.open(str(full)) as container:
        packets = [(p.pos, p.size) for p in container.demux(container.streams.video[0]) if p.size]
    data = bytearray(full.read_bytes())
    for pos, _size in packets[40:44]:           # four frames' NAL lengths made impossible: they cannot decode
        data[pos:pos + 4] = b"\xff\xff\xff\xff"
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    with open_video(damaged) as video:
        frames = list(video)
        whole_warnings = list(video.warnings)
        cuts, pieces = by_segments(video)
    assert len(frames) < 150 and frames[-1].timestamp_s == pytest.approx(149 / 30, abs=1e-3)
    assert len(whole_warnings) == 1 and "truncated" not in whole_warnings[0]
    assert whole_warnings[0].startswith("4 damaged packet(s) could not be decoded and were skipped (between 1.")
    assert cuts and len(pieces) == len(frames) and video.warnings == whole_warnings


def _encode_gray_at_30(container, n: int) -> None:
    """``n`` gray frames into ``container`` as H.264 at 30 frames/s, numbered 0, 1, ..."""
    stream = container.add_stream("libx264", rate=30, options={"preset": "ultrafast"})
    stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
    for i, rgb in enumerate(gray_frames(n)):
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts = i
        container.mux(stream.encode(frame))
    container.mux(stream.encode())


@pytest.mark.parametrize(("capture_fps", "said"), [("240.000000", "slow motion"), ("30.000000", None),
                                                   ("2.000000", "time-lapse")])
def test_a_phone_clip_played_slower_or_faster_than_filmed_says_so(tmp_path, capture_fps, said):
    """Android's slow motion is a 30 frames/s video of a lift filmed at 240, its filming rate kept in the tag
    `com.android.capture.fps`: it was read as a lifter moving 8x slower without a word (each lift-off found late)."""
    path = tmp_path / "slowmo.mp4"
    with av.open(str(path), "w", options={"movflags": "use_metadata_tags"}) as container:
        container.metadata["com.android.capture.fps"] = capture_fps
        _encode_gray_at_30(container, 10)
    with open_video(path) as video:
        assert video.capture_fps == pytest.approx(float(capture_fps))
        list(video)                                  # decoding again keeps the note
    if said is None:
        assert video.warnings == []
    else:
        assert len(video.warnings) == 1 and video.warnings[0].startswith(said)
        assert ("8x slower" if said == "slow motion" else "15x faster") in video.warnings[0]


def test_a_clip_cut_without_re_encoding_is_not_called_truncated(tmp_path):
    """A cut by stream copy (an edit list: `ffmpeg -ss 3 -c copy`, an editor's lossless trim) keeps the frames
    from the keyframe before the cut, and its header counts them: every frame shown decoded, yet it was "video
    ended early at frame 184 (header says 274 frames): file may be truncated"."""
    full = write_clip(tmp_path / "clip.mp4", level_frames(60))      # one keyframe, at the start
    trimmed = tmp_path / "trimmed.mp4"
    with av.open(str(full)) as src, av.open(str(trimmed), "w") as dst:
        stream_in = src.streams.video[0]
        stream_out = dst.add_stream_from_template(stream_in)
        shift = int(1.0 / stream_in.time_base)                      # the cut at 1 s: the frames before it hidden
        for packet in src.demux(stream_in):
            if packet.dts is not None:
                packet.pts, packet.dts, packet.stream = packet.pts - shift, packet.dts - shift, stream_out
                dst.mux(packet)
    with open_video(trimmed) as video:
        assert video._header_frames == 60
        frames = list(video)
    assert len(frames) == 30 and frames[0].timestamp_s == 0.0 and mean_level(frames[0].rgb) == pytest.approx(60, abs=2)
    assert video.warnings == []


def test_a_raw_h264_stream_is_timed_at_its_codec_rate(tmp_path):
    """A raw H.264 stream has no timestamps and its demuxer's average rate is a default, 25: a 30 fps clip's frames
    were timed 1/25 s apart, and its reps 1.2x late."""
    path = tmp_path / "raw.h264"
    with av.open(str(path), "w", format="h264") as container:
        _encode_gray_at_30(container, 12)
    with open_video(path) as video:
        assert video.fps == pytest.approx(30.0)
        times = [f.timestamp_s for f in video]
    assert np.allclose(times, np.arange(12) / 30, atol=1e-6)


# --- codecs other people's uploads come in ---------------------------------------------------------------------------

# (file, encoder, pixel format, options): what phones, screen recorders, editors and web downloads write. FFmpeg decodes
# them all; what could go wrong is ours: a pixel format other than 8-bit 4:2:0 (10-bit, 4:2:2, 4:4:4, full-range JPEG
# levels) or another YUV matrix than BT.601 (an HD video's BT.709) turned into RGB with the wrong levels or channels,
# or a container's timing misread. A tagged pixel format "yuv420p:<AVColorSpace>:<AVColorRange>" is written with that
# matrix and range and says so in the file: 1:1 BT.709 at limited range, as phones film HD; 5:2 BT.601 at full range
# (VP9 decodes it as yuv420p, not as H.264's yuvj420p).
UPLOAD_CODECS = [
    ("clip.mp4", "libx264", "yuv420p:1:1", {"preset": "ultrafast"}),
    ("clip.webm", "libvpx-vp9", "yuv420p:5:2", {"crf": "20", "b:v": "0", "deadline": "realtime", "cpu-used": "8"}),
    ("clip.webm", "libvpx-vp9", "yuv420p", {"crf": "20", "b:v": "0", "deadline": "realtime", "cpu-used": "8"}),
    ("clip.mp4", "libx265", "yuv420p", {"preset": "ultrafast", "x265-params": "log-level=none"}),
    ("clip.mkv", "libsvtav1", "yuv420p", {"preset": "12", "crf": "20"}),
    ("clip.mov", "prores", "yuv422p10le", {}),
    ("clip.mp4", "libx264", "yuv420p10le", {"preset": "ultrafast"}),
    ("clip.mp4", "libx264", "yuv444p", {"preset": "ultrafast"}),
    ("clip.avi", "mjpeg", "yuvj420p", {}),
    ("clip.ts", "mpeg2video", "yuv420p", {"b": "4M"}),
    ("clip.avi", "mpeg4", "yuv420p", {"qscale": "2"}),
    ("clip.mkv", "ffv1", "yuv420p", {}),
]
BLOCK_RGB = [(200, 40, 40), (40, 180, 60), (50, 70, 210), (230, 220, 90)]   # a 2x2 grid of colours


def colour_blocks(n: int, size: int = 64) -> list[np.ndarray]:
    """Frames of four coloured blocks, each frame a little brighter than the one before."""
    frames = []
    for i in range(n):
        frame = np.empty((size, size, 3), np.uint8)
        half = size // 2
        for k, rgb in enumerate(BLOCK_RGB):
            row, col = divmod(k, 2)
            frame[row * half:(row + 1) * half, col * half:(col + 1) * half] = np.minimum(np.array(rgb) + 2 * i, 255)
        frames.append(frame)
    return frames


def block_means(rgb: np.ndarray) -> np.ndarray:
    """(4, 3) mean colour of each block's inner half (chroma subsampling and the codec blur the edges)."""
    q = rgb.shape[0] // 8
    return np.array([rgb[r * 4 * q + q:r * 4 * q + 3 * q, c * 4 * q + q:c * 4 * q + 3 * q].reshape(-1, 3).mean(axis=0)
                     for r in (0, 1) for c in (0, 1)])


@pytest.mark.parametrize(("name", "encoder", "pix_fmt", "options"), UPLOAD_CODECS,
                         ids=[f"{e}-{p}" for _, e, p, _ in UPLOAD_CODECS])
def test_a_clip_in_another_codec_reads_as_it_is_shown(tmp_path, name, encoder, pix_fmt, options):
    """Each codec and pixel format gives every frame, at its time, in the colours it shows (within compression's
    few levels): a level or channel mix-up would turn the lifter's clothes and the room into other colours, which the
    person's silhouette and the clothes' signature are read from."""
    try:
        av.codec.Codec(encoder, "w")
    except ValueError:          # UnknownCodecError: this PyAV's FFmpeg was built without the encoder
        pytest.skip(f"this PyAV has no {encoder} encoder")
    frames = colour_blocks(12)
    path = tmp_path / name
    pix_fmt, *tags = pix_fmt.split(":")
    matrix, levels = (int(tag) for tag in tags) if tags else (None, None)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(encoder, rate=30, options=options)
        stream.width, stream.height, stream.pix_fmt = 64, 64, pix_fmt
        if tags:
            stream.codec_context.colorspace, stream.codec_context.color_range = matrix, levels
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            if tags:
                frame = frame.reformat(format=pix_fmt, dst_colorspace=matrix, dst_color_range=levels)
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    with open_video(path) as video:
        read = list(video)
        assert video.warnings == []
        assert len(read) == len(frames)
        assert np.allclose([f.timestamp_s for f in read], np.arange(len(frames)) / 30, atol=0.002)
        # ... and shrunk as it is converted, as the pose stage and the report read a large video
        shrunk = [f.rgb for f in video.frames(max_side_px=32)]
    for got, small, want in zip(read, shrunk, frames, strict=True):
        assert got.rgb.shape == (64, 64, 3) and small.shape == (32, 32, 3)
        np.testing.assert_allclose(block_means(got.rgb), block_means(want), atol=8)
        np.testing.assert_allclose(block_means(small), block_means(want), atol=8)
