"""The output pass's media: keyframes and segments of the H.264 writer, and the report's clips cut from the annotated
video (one encode for both) on a hand-built analysis (no pose model)."""

from __future__ import annotations

import base64
import dataclasses
import re
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from test_outputs import BACK_X, BACK_Y, FLAGGED, H, W, _is_red, decode_all, synthetic_analysis, synthetic_track
from test_report import VIDEOS_PLAY, PageWatch, browser, data_images  # noqa: F401 - browser: a fixture used below

from liftform.hashing import sha256_file
from liftform.outputs import mark_stale, stale_views
from liftform.outputs.video_writer import H264Writer, copy_segment
from liftform.pipeline import save_result
from liftform.report import render_again, write_report
from liftform.report.data import load_result
from liftform.report.frames import person_box
from liftform.video import i420_to_rgb, shrunk_size_wh
from liftform.video_tools import LIMITED_RANGE, SMPTE170M

N_SOURCE = 30          # source frames, 10 fps
OFFSET = 10            # the analysis covers source frames 10..18; its rounded rep 11..15, its clip 8..18


@pytest.fixture(scope="module")
def long_source(tmp_path_factory) -> Path:
    """A 320x240, 30-frame H.264 clip at 10 fps, each frame marked with its number (bottom-right, clear of the
    panel)."""
    path = tmp_path_factory.mktemp("src") / "lift.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.options = {"crf": "12", "preset": "ultrafast"}
        for i in range(N_SOURCE):
            rgb = np.full((H, W, 3), 128, np.uint8)
            rgb[-16:, -16:] = 8 * i
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def _saved(long_source: Path, out: Path) -> Path:
    analysis = synthetic_analysis(frame_offset=OFFSET, source_path=str(long_source))
    analysis = dataclasses.replace(analysis, source=dataclasses.replace(analysis.source, frames=N_SOURCE))
    save_result(analysis, synthetic_track(frame_offset=OFFSET), out, video_path=long_source)
    return out


def _plot(html: str) -> str:
    """The page's angle plot (SVG text)."""
    payload = re.search(r'data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)', html).group(1)
    return base64.b64decode(payload).decode()


def _packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(video=0) if p.size]


def test_writer_keyframes_let_a_segment_be_copied_without_encoding(tmp_path):
    source = tmp_path / "src.mp4"
    times = []
    with H264Writer(source, 30.0, 64, 48) as writer:
        for i in range(60):
            times.append(writer.write(np.full((48, 64, 3), 4 * i, np.uint8), 2.0 + i / 30, keyframe=i in (20, 41)))
    assert times[0] == 0.0 and times[20] == pytest.approx(20 / 30, abs=1e-4)
    assert copy_segment(source, tmp_path / "seg.mp4", times[20], times[41])
    frames, seg_times, codec = decode_all(tmp_path / "seg.mp4")
    whole, _, _ = decode_all(source)
    assert codec == "h264" and len(frames) == 21
    assert seg_times == pytest.approx([k / 30 for k in range(21)], abs=1e-3)     # starts at 0, source spacing
    assert all(np.array_equal(a, b) for a, b in zip(frames, whole[20:41], strict=True))   # the same pictures
    assert copy_segment(source, tmp_path / "tail.mp4", times[41], None)
    assert len(decode_all(tmp_path / "tail.mp4")[0]) == 19
    # No keyframe where the segment would start: nothing is written, the caller encodes it.
    assert not copy_segment(source, tmp_path / "bad.mp4", times[25], times[41])
    assert not (tmp_path / "bad.mp4").exists()


def test_writer_colours_survive_the_yuv_conversion(tmp_path):
    colours = [(230, 40, 40), (40, 200, 60), (90, 190, 250), (240, 240, 240), (10, 10, 10)]
    rgb = np.zeros((48, 16 * len(colours), 3), np.uint8)
    for k, colour in enumerate(colours):
        rgb[:, 16 * k:16 * (k + 1)] = colour
    with H264Writer(tmp_path / "c.mp4", 10.0, rgb.shape[1], rgb.shape[0]) as writer:
        writer.write(rgb, 0.0)
    decoded = decode_all(tmp_path / "c.mp4")[0][0]
    for k, colour in enumerate(colours):
        assert np.abs(decoded[24, 16 * k + 8].astype(int) - colour).max() <= 6, (colour, decoded[24, 16 * k + 8])
    # ... and the file says how they were converted: untagged, a player takes an HD video for BT.709 (its reds read
    # 14-16 levels darker, its greens 24 brighter); FFmpeg, as above, for BT.601.
    with av.open(str(tmp_path / "c.mp4")) as container:
        codec = container.streams.video[0].codec_context
        assert (codec.colorspace, codec.color_range) == (SMPTE170M, LIMITED_RANGE)          # BT.601's matrix


def test_writer_owns_a_copy_of_each_frame_so_the_caller_can_reuse_its_array(tmp_path):
    rgb = np.zeros((48, 64, 3), np.uint8)
    with H264Writer(tmp_path / "reuse.mp4", 10.0, 64, 48) as writer:
        for level in (30, 120, 220):
            rgb[:] = level                    # the same array, changed at once (frames are encoded on a thread)
            writer.write(rgb, level / 100)
    assert [int(np.median(f)) for f in decode_all(tmp_path / "reuse.mp4")[0]] == pytest.approx([30, 120, 220], abs=3)


def test_writer_raises_the_encoder_threads_error_and_leaves_no_file(tmp_path, monkeypatch):
    from liftform.errors import OutputError

    muxed = []

    def full_disk(self, packets):
        muxed.append(packets)
        if len(muxed) == 4:                   # once, in the encoder thread: the flush at the end would succeed
            raise OutputError(f"cannot write video {self.path}: No space left on device")

    monkeypatch.setattr(H264Writer, "_mux", full_disk)
    with pytest.raises(OutputError, match="No space left"), H264Writer(tmp_path / "full.mp4", 10.0, 64, 48) as writer:
        for i in range(40):
            writer.write(np.full((48, 64, 3), 6 * i, np.uint8), i / 10)
    assert list(tmp_path.iterdir()) == []


def test_report_clips_are_cut_from_the_annotated_video(long_source, tmp_path):
    out = _saved(long_source, tmp_path / "lift")
    annotated, annotated_times, _ = decode_all(out / "annotated.mp4")
    assert len(annotated) == N_SOURCE                                   # every frame
    clip, clip_times, codec = decode_all(out / "clips" / "rep-1.mp4")
    assert codec == "h264" and len(clip) == 11                          # the rep (11..15) padded by 0.3 s
    assert clip_times == pytest.approx([k / 10 for k in range(11)], abs=2e-3)
    assert all(np.array_equal(a, b) for a, b in zip(clip, annotated[8:19], strict=True))
    assert [int(f[-4, -4].mean()) // 8 for f in clip] == pytest.approx(list(range(8, 19)), abs=1)   # source 8..18
    packets = _packets(out / "annotated.mp4")
    assert set(_packets(out / "clips" / "rep-1.mp4")) <= set(packets)  # copied, not encoded again
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "data:video/mp4;base64," in html
    plot = _plot(html)
    assert "spine flexion" in plot and "<path" in plot   # the angle plot, drawn from the analysis's data ...
    write_report(out)                                   # ... is the one `liftform report` draws from the folder
    assert _plot((out / "report.html").read_text(encoding="utf-8")) == plot


def test_report_clip_encoded_where_the_annotated_video_has_no_keyframe(long_source, tmp_path, monkeypatch):
    import liftform.report.frames as frames

    monkeypatch.setattr(frames, "copy_segment", lambda *args: False)
    out = _saved(long_source, tmp_path / "lift")
    annotated = decode_all(out / "annotated.mp4")[0]
    clip, clip_times, _ = decode_all(out / "clips" / "rep-1.mp4")
    assert len(clip) == 11 and clip_times == pytest.approx([k / 10 for k in range(11)], abs=2e-3)
    assert all(np.abs(a.astype(int) - b).mean() < 3 for a, b in zip(clip, annotated[8:19], strict=True))


def test_segments_found_by_source_times_at_an_ntsc_frame_rate(tmp_path):
    """A segment is found by its frames' source times (as the report knows them), although the file rounds them
    to its time base: at 59.94 fps, 345 x 1001 / 60000 s is 5.75575 s, written as 518017 / 90000 s."""
    times_s = [k * 1001 / 60000 for k in range(360)]
    cuts = list(range(0, 360, 23))
    with H264Writer(tmp_path / "ntsc.mp4", float(Fraction(60000, 1001)), 32, 24) as writer:
        for k, t in enumerate(times_s):
            writer.write(np.zeros((24, 32, 3), np.uint8), t, keyframe=k in cuts)
    for first, stop in zip(cuts, [*cuts[1:], None], strict=True):
        assert copy_segment(tmp_path / "ntsc.mp4", tmp_path / "seg.mp4", times_s[first],
                            None if stop is None else times_s[stop]), first
        assert len(decode_all(tmp_path / "seg.mp4")[0]) == (stop or 360) - first


@pytest.mark.slow
def test_cut_clips_play_in_a_browser(browser, long_source, tmp_path):  # noqa: F811 - the fixture of test_report
    """Chromium plays the clip cut from the annotated video (embedded in the page: the bytes of clips/rep-1.mp4)."""
    out = _saved(long_source, tmp_path / "lift")
    watch = PageWatch(browser, out / "report.html")
    videos = watch.page.evaluate(VIDEOS_PLAY)
    assert len(videos) == 1 and all(v["played"] is True and v["readyState"] >= 2 and v["width"] == W for v in videos)
    assert watch.errors == []
    watch.page.close()


def test_shrunk_size_keeps_the_aspect_with_even_sides():
    assert shrunk_size_wh(1920, 1080, 1280) == (1280, 720)
    assert shrunk_size_wh(1080, 1920, 1280) == (720, 1280)
    assert shrunk_size_wh(3840, 2160, 1280) == (1280, 720)
    assert shrunk_size_wh(1281, 721, 1280) == (1280, 720)
    assert shrunk_size_wh(640, 481, 1280) == (640, 481)            # fits: unchanged


def test_i420_shrunk_to_rgb_matches_ffmpeg_converted_and_resized():
    ramp = np.linspace(0, 255, 1920, dtype=np.float32)
    rgb = np.stack(np.broadcast_arrays(ramp[None, :], ramp[::-1][None, :] * 0 + 90,
                                       np.linspace(40, 220, 1080, dtype=np.float32)[:, None]), axis=2)
    rgb = np.ascontiguousarray(rgb.astype(np.uint8))
    rgb[500:580, 900:980] = (230, 40, 40)                               # a red square: 53x53 at 720p
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
    small = i420_to_rgb(frame.to_ndarray(format="yuv420p"), (1280, 720))
    assert small.shape == (720, 1280, 3)
    expected = cv2.resize(frame.to_ndarray(format="rgb24"), (1280, 720), interpolation=cv2.INTER_LINEAR)
    assert np.abs(small.astype(int) - expected).mean() < 2
    assert _is_red(small[(500 + 40) * 2 // 3, (900 + 40) * 2 // 3])
    same = i420_to_rgb(frame.to_ndarray(format="yuv420p"), (1920, 1080))      # not shrunk: converted only
    assert np.abs(same.astype(int) - frame.to_ndarray(format="rgb24")).mean() < 1.5


BIG = 5     # a 1600x1200 source: the annotated video is drawn at 1280x960


@pytest.fixture(scope="module")
def big_source(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "lift.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = BIG * W, BIG * H, "yuv420p"
        stream.options = {"crf": "18", "preset": "ultrafast"}
        for i in range(N_SOURCE):
            frame = av.VideoFrame.from_ndarray(np.full((BIG * H, BIG * W, 3), 128, np.uint8), format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def test_large_source_drawn_shrunk_with_its_stills(big_source, tmp_path):
    """A source larger than 1280 px is shrunk as it is decoded; the overlay and the report's stills land where the
    landmarks are."""
    track = synthetic_track(frame_offset=OFFSET)
    track = dataclasses.replace(track, image_xy=track.image_xy * BIG, back_profile_px=track.back_profile_px * BIG,
                                frame_size_wh=(BIG * W, BIG * H))
    analysis = synthetic_analysis(frame_offset=OFFSET, source_path=str(big_source))
    analysis = dataclasses.replace(analysis, source=dataclasses.replace(analysis.source, frames=N_SOURCE,
                                                                        width=BIG * W, height=BIG * H))
    out = tmp_path / "lift"
    save_result(analysis, track, out, video_path=big_source)
    frames = decode_all(out / "annotated.mp4")[0]
    assert len(frames) == N_SOURCE and frames[0].shape == (4 * H, 4 * W, 3)          # 1280 x 960
    for i in FLAGGED:
        assert _is_red(frames[OFFSET + i][4 * BACK_Y, 4 * BACK_X]), frames[OFFSET + i][4 * BACK_Y, 4 * BACK_X]
    stills = data_images((out / "report.html").read_text(encoding="utf-8"))
    # two per rep shown: the flagged one and the one left undecided (for a human to look at)
    assert len(stills) == 4 and all(min(still.shape[:2]) > 100 for still in stills)
    worst = stills[1]                                   # the flagged rep's worst frame: its back drawn red
    assert np.mean([_is_red(px) for px in worst.reshape(-1, 3)]) > 0.002


@pytest.fixture(scope="module")
def textured_source(tmp_path_factory) -> Path:
    """The long source's frames as fine noise (a face region there is sharp unless blurred)."""
    path = tmp_path_factory.mktemp("tex") / "lift.mp4"
    rng = np.random.default_rng(1)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.options = {"crf": "10", "preset": "ultrafast"}
        for i in range(N_SOURCE):
            noise = rng.integers(0, 256, (H, W, 1), dtype=np.uint8).repeat(3, axis=2)
            frame = av.VideoFrame.from_ndarray(noise, format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def _face_sharpness(rgb: np.ndarray) -> float:
    """Variance of the Laplacian inside the synthetic person's face box (head landmarks around x 250-260,
    y 76-84 at 320x240), scaled to the image."""
    sx, sy = rgb.shape[1] / W, rgb.shape[0] / H
    face = rgb[int(74 * sy):int(86 * sy), int(248 * sx):int(262 * sx)]
    return float(cv2.Laplacian(cv2.cvtColor(face, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var())


def test_faces_blurred_in_the_cut_clips_and_stills(textured_source, tmp_path):
    sharp = {}
    for blur in (False, True):
        out = tmp_path / f"blur{blur}"
        analysis = synthetic_analysis(frame_offset=OFFSET, source_path=str(textured_source))
        analysis = dataclasses.replace(analysis, source=dataclasses.replace(analysis.source, frames=N_SOURCE))
        save_result(analysis, synthetic_track(frame_offset=OFFSET), out, video_path=textured_source,
                    blur_faces=blur)
        clip = decode_all(out / "clips" / "rep-1.mp4")[0]
        stills = data_images((out / "report.html").read_text(encoding="utf-8"))
        x0, y0, _, _ = person_box(load_result(out), 8, 18)     # the stills' crop, source px
        face = stills[1][74 - y0:86 - y0, 248 - x0:262 - x0]
        sharp[blur] = (_face_sharpness(clip[5]), float(cv2.Laplacian(cv2.cvtColor(face, cv2.COLOR_RGB2GRAY),
                                                                       cv2.CV_64F).var()))
        assert len(stills) == 4 and (out / "faces-blurred").is_file() == blur
    assert sharp[True][0] < 0.1 * sharp[False][0]            # the clip's face: blurred
    assert sharp[True][1] < 0.1 * sharp[False][1]            # the still's face: blurred


def test_a_report_blurred_again_blurs_the_annotated_video_an_analysis_without_blur_wrote(textured_source, tmp_path):
    """`liftform report DIR --blur-faces` over a folder analysed without it draws annotated.mp4 again, every face
    blurred, and marks the folder blurred. It had stayed as it was, the face sharp, named in a note only, in a
    folder its user had asked to share with faces blurred."""
    out = tmp_path / "lift"
    analysis = synthetic_analysis(frame_offset=OFFSET, source_path=str(textured_source))
    analysis = dataclasses.replace(analysis, source=dataclasses.replace(analysis.source, frames=N_SOURCE,
                                                                        sha256=sha256_file(textured_source)))
    save_result(analysis, synthetic_track(frame_offset=OFFSET), out, video_path=textured_source)
    seen = OFFSET + 3                                   # a frame with the lifter's pose
    sharp = _face_sharpness(decode_all(out / "annotated.mp4")[0][seen])
    mark_stale(out, {"annotated.mp4", "report.html"})   # as a rescore leaves them: both drawn again here, from it
    report = render_again(out, blur_faces=True)
    assert _face_sharpness(decode_all(out / "annotated.mp4")[0][seen]) < 0.1 * sharp
    assert (out / "faces-blurred").is_file() and not any("may show the face" in note for note in report.notes)
    assert stale_views(out) == set() and not any("drawn before a rescore" in note for note in report.notes)


def test_a_frame_where_the_lifter_was_lost_is_blurred_whole(textured_source, tmp_path):
    """Where the pose of the lifter was lost (someone walked past, the model missed a frame), where their head is
    is unknown: the whole frame is blurred. The blur had kept the body box of the nearest frame with a face (up to a
    second away) sharp and blurred that frame's face box, so a head that had moved within the box (a lifter bending
    down) was exported sharp."""
    lost = 4                                            # the track's row of source frame OFFSET + 4
    track = synthetic_track(frame_offset=OFFSET)
    track = dataclasses.replace(track, image_xy=np.where(np.arange(len(track))[:, None, None] == lost, np.nan,
                                                         track.image_xy))
    analysis = synthetic_analysis(frame_offset=OFFSET, source_path=str(textured_source))
    analysis = dataclasses.replace(analysis, source=dataclasses.replace(analysis.source, frames=N_SOURCE))
    save_result(analysis, track, tmp_path / "lift", video_path=textured_source, blur_faces=True, report=False)
    frames = decode_all(tmp_path / "lift" / "annotated.mp4")[0]
    below_panel = slice(H // 2, None)                  # the panel (top left) is drawn sharp on every frame

    def sharpness(rgb: np.ndarray) -> float:
        gray = cv2.cvtColor(rgb[below_panel], cv2.COLOR_RGB2GRAY)
        return float(cv2.Laplacian(gray, cv2.CV_64F).var())

    seen, gone = sharpness(frames[OFFSET + lost - 1]), sharpness(frames[OFFSET + lost])
    assert seen > 20 * gone                              # the frame before: the lifter's body sharp; lost: nothing


def test_the_annotated_video_and_clips_keep_none_of_the_sources_tags(long_source, tmp_path):
    """A phone or a clinic's software tags a video with a title, a comment, where and when it was filmed: the
    annotated video and the report's clips (files and embedded), shared with faces blurred, carry none of them (the
    writer copies no tags; README, `--blur-faces`)."""
    tags = {"title": "Jane Doe deadlift", "comment": "patient Jane Doe", "location": "+48.8566+002.3522/",
            "creation_time": "2026-11-30T10:00:00Z"}
    tagged = tmp_path / "tagged.mp4"
    with av.open(str(long_source)) as source, av.open(str(tagged), "w") as out:
        out.metadata.update(tags)
        stream = out.add_stream_from_template(source.streams.video[0])
        for packet in source.demux(video=0):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    with av.open(str(tagged)) as check:
        assert check.metadata.get("title") == tags["title"]              # the source does hold them
    analysis = synthetic_analysis(frame_offset=OFFSET, source_path=str(tagged))
    analysis = dataclasses.replace(analysis, source=dataclasses.replace(analysis.source, frames=N_SOURCE))
    out = tmp_path / "lift"
    save_result(analysis, synthetic_track(frame_offset=OFFSET), out, video_path=tagged, blur_faces=True)
    html = (out / "report.html").read_text(encoding="utf-8")
    embedded = [base64.b64decode(p) for p in re.findall(r'data:video/mp4;base64,([A-Za-z0-9+/=]+)', html)]
    files = [(out / "annotated.mp4").read_bytes(), *(p.read_bytes() for p in sorted(out.glob("clips/*.mp4")))]
    assert embedded and len(files) > 1
    for media in files + embedded:
        assert b"Jane" not in media and b"+48.8566" not in media
        path = tmp_path / "media.mp4"
        path.write_bytes(media)
        with av.open(str(path)) as container:
            kept = {**container.metadata, **container.streams.video[0].metadata}
        assert not set(kept) & set(tags), kept
