"""Helpers around decoded frames that need no decoder: a decoded frame as the upright RGB picture shown
(`upright_rgb`), the picture inside black padding bars, reading ahead in a thread, YUV 4:2:0 pictures shrunk to
RGB, pictures resized for the pose model, and which frames are analysed (`analysis_step`). Re-exported by
`liftform.video`."""

from __future__ import annotations

import contextlib
import math
import queue
import threading
from collections.abc import Iterable, Iterator

import cv2
import numpy as np

CONTENT_MIN_FRACTION = 0.02  # a row/column of a content box has more than this share of non-black pixels
_ROTATE_CODES = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def detect_content_box(frames_rgb: list[np.ndarray], threshold: int = 16) -> tuple[int, int, int, int]:
    """Find the region inside black padding bars (letterbox or pillarbox) of same-sized RGB frames.

    Returns `(x0, y0, x1, y1)` in pixels, end exclusive; the full frame `(0, 0, W, H)` when there are no bars (or
    when every frame is black). A pixel counts as content when any channel exceeds `threshold` in any of the frames;
    a row or column counts as content when more than 2% of its pixels do (so compression noise and stray pixels in
    a bar do not count). Use several frames spread over the clip: one dark frame can look like bars.
    """
    if not frames_rgb:
        raise ValueError("detect_content_box needs at least one frame")
    peak = np.zeros(frames_rgb[0].shape[:2], dtype=np.uint8)
    for rgb in frames_rgb:      # channel by channel: NumPy's max over the last axis of 3 is ~15x slower
        for channel in range(rgb.shape[2]):
            np.maximum(peak, rgb[..., channel], out=peak)
    bright = peak > threshold
    height, width = bright.shape
    rows = np.flatnonzero(bright.mean(axis=1) > CONTENT_MIN_FRACTION)
    cols = np.flatnonzero(bright.mean(axis=0) > CONTENT_MIN_FRACTION)
    if rows.size == 0 or cols.size == 0:
        return 0, 0, width, height
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


@contextlib.contextmanager
def opencv_threads(threads: int) -> Iterator[None]:
    """OpenCV's own thread pool held to ``threads`` inside the block (a setting of the whole process: restored
    after). The pose stage keeps every core busy with the model, and there OpenCV's pool only adds hand-offs (it
    woke a thread to convert four pixels' colours): one thread saved ~2 % of a one-video run's wall time. Each
    result is the same either way (OpenCV splits an image by rows)."""
    before = cv2.getNumThreads()
    cv2.setNumThreads(threads)
    try:
        yield
    finally:
        cv2.setNumThreads(before)


_END = object()


def prefetch(items: Iterable, depth: int = 4) -> Iterator:
    """Iterate ``items`` (e.g. a `VideoSource`) in a background thread, at most ``depth`` items ahead, so decoding
    overlaps the pose model (PyAV and MediaPipe both release the GIL). Order is kept; an exception raised while
    reading is re-raised here; leaving the loop early stops the thread. Memory stays bounded by ``depth`` frames."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_END)
        except BaseException as exc:  # handed to the consumer, who re-raises it
            put(exc)

    thread = threading.Thread(target=read, name="liftform-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


@contextlib.contextmanager
def prefetched(items: Iterable, depth: int = 4) -> Iterator[Iterator]:
    """`prefetch` for a ``with`` block: its reading thread is stopped and joined when the block ends, however it
    ends. A bare `prefetch` left in a loop by an exception (Ctrl-C while a video was drawn) is closed only when
    the traceback lets it go, after the ``with open_video`` around it had closed the container the thread was
    still reading: a segfault, about once in 20 interrupts on a busy machine."""
    frames = prefetch(items, depth)
    try:
        yield frames
    finally:
        frames.close()


def shrink_interpolation(scale: float) -> int:
    """OpenCV interpolation for shrinking a picture by ``scale`` (new / old side): bilinear down to half size (a
    quarter of area interpolation's time, and no aliasing yet: 1 ms a 1080p frame against 7), area below."""
    return cv2.INTER_LINEAR if scale >= 0.5 else cv2.INTER_AREA


def shrunk_size_wh(width: int, height: int, max_side_px: int) -> tuple[int, int]:
    """A frame's size with its longer side shrunk to at most ``max_side_px`` (aspect kept, each side even, as
    YUV 4:2:0 needs); ``(width, height)`` unchanged when it already fits."""
    if max(width, height) <= max_side_px:
        return width, height
    scale = max_side_px / max(width, height)
    return max(2, 2 * round(width * scale / 2)), max(2, 2 * round(height * scale / 2))


def i420_to_rgb(yuv: np.ndarray, size_wh: tuple[int, int]) -> np.ndarray:
    """A YUV 4:2:0 picture (planar I420: (3 H / 2, W) uint8, W and H even) as (h, w, 3) RGB at ``size_wh`` = (w, h),
    even: the planes are resized first, then converted by OpenCV (BT.601, limited range, as FFmpeg's default).
    A 1080p frame to 720p: 2.3 ms, against 5 ms for FFmpeg's RGB at full size resized."""
    rows, width = yuv.shape
    height = rows * 2 // 3
    out_w, out_h = size_wh
    interpolation = shrink_interpolation(out_w / width)
    luma = yuv[:height]
    chroma = yuv[height:].reshape(2, height // 2, width // 2)       # U, V planes
    if (out_w, out_h) != (width, height):
        luma = cv2.resize(luma, (out_w, out_h), interpolation=interpolation)
        chroma = [cv2.resize(plane, (out_w // 2, out_h // 2), interpolation=interpolation) for plane in chroma]
    planar = np.concatenate([luma.reshape(-1), chroma[0].reshape(-1), chroma[1].reshape(-1)])
    return cv2.cvtColor(planar.reshape(out_h * 3 // 2, out_w), cv2.COLOR_YUV2RGB_I420)


def upright_rgb(frame, rotation_deg: int, coded_wh: tuple[int, int] | None = None,
                shown_wh: tuple[int, int] | None = None, sdr_levels: np.ndarray | None = None,
                max_side_px: int | None = None) -> np.ndarray:
    """A decoded `av.VideoFrame` as the (H, W, 3) uint8 RGB picture shown: the video's frames are ``coded_wh`` in
    size (its first's; None: this frame's) and shown at ``shown_wh`` (in square pixels, before turning; None: as
    coded); the picture is shrunk to ``max_side_px`` (`shrunk_size_wh`), its levels mapped by ``sdr_levels`` (an
    HDR video's, `hdr.sdr_levels`; None: SDR) and turned ``rotation_deg`` clockwise. A frame of another size (a
    stream that changes size part-way: a browser's recording as the phone turns) is fitted into the video's picture
    whole, its shape kept, the rest black: stretched to fill it, a rounded lift had read as a safe hinge."""
    own_wh = (frame.width, frame.height)
    coded_wh = coded_wh or own_wh
    full_wh = shown_wh or coded_wh
    size_wh = shrunk_size_wh(*full_wh, max_side_px) if max_side_px else full_wh
    if own_wh != coded_wh:
        pixel_aspect = (full_wh[0] / coded_wh[0]) / (full_wh[1] / coded_wh[1])
        rgb = _fitted(frame.to_ndarray(format="rgb24"), size_wh, pixel_aspect)
    elif max_side_px and _opencv_converts(frame):
        rgb = i420_to_rgb(frame.to_ndarray(format="yuv420p"), size_wh)   # OpenCV: a third of FFmpeg's time
    elif size_wh == coded_wh:
        rgb = frame.to_ndarray(format="rgb24")
    elif size_wh[0] <= frame.width and size_wh[1] <= frame.height:
        # Shrunk and converted by FFmpeg in one pass, with the frame's own matrix and range (an HD video's BT.709;
        # read as BT.601 its reds came out 14-16 levels darker, its greens 24 brighter). About twice OpenCV's CPU
        # above (1080p to 720p: ~4 against ~2 ms), a 1080p clip's default outputs ~4 % longer: not worth a matrix
        # of our own.
        rgb = frame.reformat(size_wh[0], size_wh[1], "rgb24", interpolation="AREA").to_ndarray()
    else:
        rgb = cv2.resize(frame.to_ndarray(format="rgb24"), size_wh, interpolation=cv2.INTER_LINEAR)
    if sdr_levels is not None:
        rgb = cv2.LUT(rgb, sdr_levels)
    if rotation_deg:
        return cv2.rotate(rgb, _ROTATE_CODES[rotation_deg])
    return np.ascontiguousarray(rgb)


# FFmpeg's numbers for a frame's colours: its YUV matrix (AVColorSpace), range (AVColorRange), and the primaries and
# transfer (AVColorPrimaries, AVColorTransferCharacteristic: BT.709's is 1 in each). OpenCV's I420 conversions, both
# ways (`i420_to_rgb`, `outputs.video_writer`), are BT.601's matrix (SMPTE 170M; BT.470BG the same) at limited range.
BT709, UNSTATED, BT470BG, SMPTE170M = 1, 2, 5, 6
LIMITED_RANGE, FULL_RANGE = 1, 2


def _opencv_converts(frame) -> bool:
    """Whether `i420_to_rgb` gives the decoded ``frame`` the colours FFmpeg's RGB would: 8-bit 4:2:0 of even size,
    BT.601 (or unstated: FFmpeg's conversion then takes BT.601 too) at limited range."""
    return (frame.format.name == "yuv420p" and not (frame.width % 2 or frame.height % 2)
            and frame.colorspace in (UNSTATED, BT470BG, SMPTE170M) and frame.color_range != FULL_RANGE)


def _fitted(rgb: np.ndarray, size_wh: tuple[int, int], pixel_aspect: float) -> np.ndarray:
    """``rgb`` (pixels ``pixel_aspect`` wide for each one tall) resized to fit ``size_wh`` whole with its shown
    shape, centred on black."""
    height, width = rgb.shape[:2]
    scale = min(size_wh[0] / (width * pixel_aspect), size_wh[1] / height)
    fit_w = min(size_wh[0], max(1, round(width * pixel_aspect * scale)))
    fit_h = min(size_wh[1], max(1, round(height * scale)))
    out = np.zeros((size_wh[1], size_wh[0], 3), np.uint8)
    x0, y0 = (size_wh[0] - fit_w) // 2, (size_wh[1] - fit_h) // 2
    interpolation = cv2.INTER_AREA if fit_w <= width and fit_h <= height else cv2.INTER_LINEAR
    out[y0:y0 + fit_h, x0:x0 + fit_w] = cv2.resize(rgb, (fit_w, fit_h), interpolation=interpolation)
    return out


def resize_for_pose(rgb: np.ndarray, side_px: int, *, enlarge: bool = True) -> tuple[np.ndarray, float]:
    """`rgb` (H, W, 3) resized so its longer side is `side_px` (`shrink_interpolation`; bilinear when enlarged),
    or shrunk only, never enlarged, with ``enlarge=False``. A followed person's crop reaches the model at one size
    whatever the lifter's size in the video: the segmentation mask is made at the input's size, and the back's edge
    read from it moves with how it is resampled.

    Returns `(rgb_resized, scale)` with `scale` = resized / original (1.0 when unchanged, > 1 when enlarged): a
    point (x, y) found in the resized image is at (x / scale, y / scale) in the original, within half a pixel.
    """
    height, width = rgb.shape[:2]
    longest = max(height, width)
    if longest == side_px or (longest < side_px and not enlarge):
        return rgb, 1.0
    scale = side_px / longest
    size_wh = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(rgb, size_wh, interpolation=shrink_interpolation(scale)), scale


def downscale_for_pose(rgb: np.ndarray, max_side_px: int) -> tuple[np.ndarray, float]:
    """`rgb` shrunk so its longer side is at most `max_side_px`, never enlarged (`resize_for_pose`)."""
    return resize_for_pose(rgb, max_side_px, enlarge=False)


# An analysed rate this close under ``analysis_fps`` still counts as reaching it: NTSC rates (29.97 = 30 / 1.001,
# 59.94) and timestamps a little off nominal get the step of the round rate.
RATE_SLACK = 0.97


def analysis_step(fps: float, analysis_fps: float) -> int:
    """Source frames per analysed frame: the largest k with fps / k >= RATE_SLACK x ``analysis_fps`` (1: every
    frame; also when ``analysis_fps`` is 0 or the rate is unknown)."""
    if analysis_fps <= 0 or not math.isfinite(fps) or fps <= 0:
        return 1
    return max(1, math.floor(fps / (RATE_SLACK * analysis_fps)))
