"""Drawing on a frame: skeleton, the back coloured and shaped by its state, a lifter's number, an angle panel, a
headline in large type.

Shared by the annotated video and the live webcam view, so it is cheap (a few OpenCV calls, no full-frame copies)
and draws **in place** on a C-contiguous ``(H, W, 3) uint8`` image, RGB by default (``rgb=False`` for BGR).
Line widths and fonts scale with the image, so the overlay reads the same at 640x480 and at 1920x1080.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from liftform.core.vocabulary import BackState, tone_of, words_of
from liftform.track import HEAD_LANDMARKS, SKELETON_EDGES, trunk_midpoints

# Colours, RGB (verdicts and back states take theirs from `core.vocabulary`).
SKELETON_RGB = (90, 190, 250)   # light blue: neutral, means nothing good or bad
TEXT_RGB = (240, 240, 240)
PROMPT_RGB = (255, 215, 0)
TAG_TEXT_RGB = (255, 255, 255)   # on the tag of a rounded back, a box of its colour
LABEL_RGB, LABEL_TEXT_RGB = SKELETON_RGB, (20, 20, 20)   # a lifter's number above their head: the skeleton's tag
ANGLE_LABELS = {"trunk": "Trunk lean", "hip": "Hip flexion", "knee": "Knee flexion", "spine": "Spine flexion",
                "head": "Head hanging"}

_FONT = cv2.FONT_HERSHEY_SIMPLEX
_EDGE_INDEX = np.array(SKELETON_EDGES)                      # (E, 2) landmark indices of the bones
_MAX_COORD = 1e5                # clip far-off points before the int conversion OpenCV needs


@functools.lru_cache(maxsize=512)
def _text_size(text: str, scale: float, thickness: int) -> tuple[tuple[int, int], int]:
    """``cv2.getTextSize`` in the overlay's font: ((width, height), baseline) pixels. Cached: it costs ~20 us a
    call (a prompt's line), and the panel's lines and the prompts repeat from frame to frame."""
    return cv2.getTextSize(text, _FONT, scale, thickness)


@functools.lru_cache(maxsize=256)
def _text_paint(text: str, scale: float, thickness: int, colour: tuple[int, int, int],
                ) -> tuple[np.ndarray, np.ndarray, int, int]:
    """What ``cv2.putText(LINE_AA)`` of ``text`` in ``colour`` does to the pixels of its bounding box, as a blend
    ``(pixel * keep + paint) // 255``: keep = 255 - coverage and paint = coverage * colour + 127 (rounding), each
    (h, w, 3) uint16; and the (x, y) of the text's origin in the box.

    The coverage is drawn once, white on black, per text and colour: the panel's lines repeat from frame to frame
    (angles are whole degrees). (h, w, 3) rather than broadcast (h, w, 1) or a (3,) colour: NumPy's inner loops
    over 1 or 3 elements made the blend 4-10x slower. About 28 kB a 640x480 panel line, 64 kB at 1280x720.
    """
    (width, height), baseline = _text_size(text, scale, thickness)
    pad = 2 * thickness + 2                           # beyond the anti-aliased rim of the glyphs
    mask = np.zeros((height + baseline + 2 * pad, width + 2 * pad), np.uint8)
    cv2.putText(mask, text, (pad, pad + height), _FONT, scale, 255, thickness, cv2.LINE_AA)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(rows):                                 # nothing drawn (blank text)
        rows = cols = np.zeros(1, int)
    cover = np.repeat(mask[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1, None], 3, axis=2).astype(np.uint16)
    return 255 - cover, cover * np.array(colour, np.uint16) + 127, pad - int(cols[0]), pad + height - int(rows[0])


def put_text(image: np.ndarray, text: str, org: tuple[int, int], scale: float, colour: tuple[int, int, int],
             thickness: int) -> None:
    """``cv2.putText(image, text, org, FONT_HERSHEY_SIMPLEX, scale, colour, thickness, LINE_AA)``, within one level
    of it per channel: the cached glyph coverage (`_text_paint`) blended in with NumPy. The live view draws its
    panel every frame: 7 us a 640x480 panel line against putText's 23 us."""
    keep, paint, origin_x, origin_y = _text_paint(text, scale, thickness, colour)
    x0, y0 = org[0] - origin_x, org[1] - origin_y
    h, w = keep.shape[:2]
    cx0, cy0 = max(0, -x0), max(0, -y0)                                   # the part of the box inside the image
    cx1, cy1 = min(w, image.shape[1] - x0), min(h, image.shape[0] - y0)
    if cx1 <= cx0 or cy1 <= cy0:
        return
    patch = image[y0 + cy0:y0 + cy1, x0 + cx0:x0 + cx1]
    blended = patch * keep[cy0:cy1, cx0:cx1]
    blended += paint[cy0:cy1, cx0:cx1]
    blended //= 255
    patch[...] = blended


@dataclass(frozen=True)
class _Style:
    """Sizes in pixels for one image size."""

    scale: float
    bone: int
    back: int
    joint: int
    font: float
    text: int
    line_h: int
    pad: int


@functools.lru_cache(maxsize=16)
def _style(height: int, width: int) -> _Style:
    s = max(min(height, width) / 480.0, 0.25)    # 1.0 at 640x480, 2.25 at 1920x1080
    return _Style(scale=s, bone=max(1, round(2 * s)), back=max(3, round(7 * s)), joint=max(2, round(3 * s)),
                  font=0.5 * s, text=max(1, round(1.2 * s)), line_h=max(8, round(20 * s)), pad=max(3, round(8 * s)))


def _colour(rgb_colour: tuple[int, int, int], rgb: bool) -> tuple[int, int, int]:
    return rgb_colour if rgb else rgb_colour[::-1]


def int_points(xy: np.ndarray) -> np.ndarray:
    """(N, 2) float pixels (finite) -> (N, 2) int32, clipped so OpenCV's int conversion cannot overflow."""
    return np.rint(np.minimum(np.maximum(xy, -_MAX_COORD), _MAX_COORD)).astype(np.int32)   # np.clip: +2 us a call


def _line_type(antialias: bool) -> int:
    return cv2.LINE_AA if antialias else cv2.LINE_8


def _check_image(image: np.ndarray) -> None:
    if not (isinstance(image, np.ndarray) and image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
            and image.flags.c_contiguous and image.flags.writeable):
        raise ValueError("draw on a writable, C-contiguous (H, W, 3) uint8 image")


def draw_skeleton(image: np.ndarray, landmarks_xy: np.ndarray, visibility: np.ndarray | None = None, *,
                  min_visibility: float = 0.5, rgb: bool = True, antialias: bool = True) -> None:
    """Draw :data:`SKELETON_EDGES` and their joints. landmarks_xy (33, 2) pixels or NaN; visibility (33,) 0..1;
    ``antialias`` False: the bones' edges not smoothed (`draw_overlay`)."""
    st = _style(*image.shape[:2])
    ok = np.isfinite(landmarks_xy).all(axis=1)
    if visibility is not None:
        ok &= np.asarray(visibility) >= min_visibility
    edges = _EDGE_INDEX[ok[_EDGE_INDEX].all(axis=1)]                      # (E', 2) bones with both ends known
    if not len(edges):
        return
    pts = int_points(np.where(ok[:, None], landmarks_xy, 0.0))            # (33, 2); only known ones are drawn
    colour = _colour(SKELETON_RGB, rgb)
    # Polylines as one (E', 2, 2) array, not a list of arrays: the same pixels, and the live view's frame drawn
    # ~5 us faster warm, ~25 us right after its thread waited for the model (fewer steps, each cold then).
    cv2.polylines(image, pts[edges], False, colour, st.bone, _line_type(antialias))
    # Joint dots: small enough that anti-aliasing (3x the cost) shows little. All in one call: a zero-length line
    # of thickness 2r - 1 is the same disc as cv2.circle(radius r, filled), pixel for pixel, at a fifth of the
    # cost of one call per joint (the live view draws every frame).
    drawn = np.zeros(len(pts), bool)
    drawn[edges] = True
    joints = pts[drawn]                      # in landmark order, as np.unique(edges) gave them at 3x the cost
    cv2.polylines(image, np.repeat(joints[:, None, :], 2, axis=1), False, colour, 2 * st.joint - 1, cv2.LINE_8)


def draw_back(image: np.ndarray, landmarks_xy: np.ndarray | None, back_edge_xy: np.ndarray | None, state: str, *,
              rgb: bool = True, antialias: bool = True) -> None:
    """Draw the back thick, coloured by ``state``: the edge polyline (back_edge_xy (K, 2) px, finite points) when
    at least two points are known, else the shoulder-mid -> hip-mid segment from landmarks_xy (33, 2) px;
    ``antialias`` False: its edges not smoothed (`draw_overlay`).

    Each state is told by more than its colour (about 1 man in 12 tells red from green poorly): a rounded back is
    tagged with its word beside it, on the side away from the trunk's axis; a back not judged is dashed."""
    st = _style(*image.shape[:2])
    back = BackState.of(state)
    colour = _colour(back.tone.rgb, rgb)
    edge = np.empty((0, 2)) if back_edge_xy is None else np.asarray(back_edge_xy, dtype=float)
    line = edge[np.isfinite(edge).all(axis=1)]
    trunk = None
    if landmarks_xy is not None and (len(line) < 2 or back.tag):
        shoulder, hip = trunk_midpoints(landmarks_xy)
        trunk = (shoulder, hip) if np.isfinite(shoulder).all() and np.isfinite(hip).all() else None
    if len(line) < 2:
        if trunk is None:
            return
        line = np.linspace(trunk[0], trunk[1], _SEGMENT_POINTS)     # points along it: room for dashes
    points = int_points(line)
    if back is BackState.UNKNOWN:
        cv2.polylines(image, _dashes(points, st.back), False, colour, st.back, _line_type(antialias))
        return
    cv2.polylines(image, [points], False, colour, st.back, _line_type(antialias))
    if back.tag:
        _draw_tag(image, back.tag, points, trunk, colour, st)


_SEGMENT_POINTS = 21     # the shoulder-hip segment drawn for a back without its edge, as many points as an edge


def _dashes(points: np.ndarray, thickness: int) -> list[np.ndarray]:
    """The polyline ``points`` (K, 2) as evenly spread dashes, one at each end: slices of ``step`` segments, at
    least twice ``thickness`` long, so that a gap about as long shows at least ``thickness`` between the round caps
    of a line that thick (fewer on a small figure: dash, gap, dash). An edge's points lie about evenly along the
    back (`track.BACK_PROFILE_STATIONS`); slices, not resampling by length: ~2 us against ~20."""
    (x0, y0), (x1, y1) = points[0].tolist(), points[-1].tolist()
    last = len(points) - 1
    spacing = math.hypot(x1 - x0, y1 - y0) / last                          # the chord's: at most the arc's
    step = max(1, min(math.ceil(2 * thickness / max(spacing, 1e-9)), last // 3))
    count = max(2, (last - step) // (2 * step) + 1)
    return [points[start:start + step + 1] for start in (round(i * (last - step) / (count - 1)) for i in range(count))]


def _draw_tag(image: np.ndarray, tag: str, points: np.ndarray, trunk: tuple[np.ndarray, np.ndarray] | None,
              colour: tuple[int, int, int], st: _Style) -> None:
    """``tag`` in white on a box of ``colour`` beside the middle of the polyline ``points`` (K, 2) px, across its
    chord on the side away from the trunk's axis (shoulder-mid, hip-mid: the back's outside), where that is known
    and apart from the line, else on its upper side. Plain floats: the live view may draw it every frame."""
    (width, height), _ = _text_size(tag, st.font, st.text + 1)
    half_w, half_h = width / 2 + st.pad / 2, height / 2 + st.pad / 2
    # Three rows by plain indexing: an index list cost the live view ~50 us right after waiting for the model
    (fx, fy), (mx, my), (lx, ly) = points[0].tolist(), points[len(points) // 2].tolist(), points[-1].tolist()
    chord = max(math.hypot(lx - fx, ly - fy), 1e-9)
    nx, ny = (fy - ly) / chord, (lx - fx) / chord                         # a unit normal of the chord
    side = 0.0
    if trunk is not None:
        (sx, sy), (hx, hy) = trunk[0].tolist(), trunk[1].tolist()
        side = (mx - (sx + hx) / 2) * nx + (my - (sy + hy) / 2) * ny      # > 0: the normal points outside
    if side < 0 or (abs(side) < 1 and ny > 0):
        nx, ny = -nx, -ny
    reach = st.back + abs(nx) * half_w + abs(ny) * half_h                 # the box's centre from the line's
    height_px, width_px = image.shape[:2]
    x0 = int(min(max(mx + nx * reach - half_w, 0), max(width_px - 2 * half_w, 0)))
    y0 = int(min(max(my + ny * reach - half_h, 0), max(height_px - 2 * half_h, 0)))
    x1, y1 = x0 + round(2 * half_w), y0 + round(2 * half_h)
    cv2.rectangle(image, (x0, y0), (x1, y1), colour, -1)
    put_text(image, tag, (x0 + st.pad // 2, y1 - st.pad // 2), st.font, TAG_TEXT_RGB, st.text + 1)


def draw_label(image: np.ndarray, label: str, landmarks_xy: np.ndarray | None, *, rgb: bool = True) -> None:
    """``label`` (a lifter's number) in a box of the skeleton's colour above the head of ``landmarks_xy`` (33, 2) px:
    above its highest head landmark by the head landmarks' span (the crown is about that far above the eyes), or
    above the highest landmark where no head landmark is known; kept inside the image, none drawn without a pose."""
    if landmarks_xy is None:
        return
    head = landmarks_xy[HEAD_LANDMARKS]
    head = head[np.isfinite(head).all(axis=1)]
    known = head if len(head) else landmarks_xy[np.isfinite(landmarks_xy).all(axis=1)]
    if not len(known):
        return
    st = _style(*image.shape[:2])
    (width, height), _ = _text_size(label, st.font, st.text + 1)
    x, top = known[np.argmin(known[:, 1])].tolist()
    top -= float(np.ptp(head, axis=0).max()) if len(head) > 1 else 0.0
    box_w, box_h = width + st.pad, height + st.pad
    x0 = int(min(max(x - box_w / 2, 0), max(image.shape[1] - box_w, 0)))
    y0 = int(min(max(top - st.pad - box_h, 0), max(image.shape[0] - box_h, 0)))
    cv2.rectangle(image, (x0, y0), (x0 + box_w, y0 + box_h), _colour(LABEL_RGB, rgb), -1)
    put_text(image, label, (x0 + st.pad // 2, y0 + box_h - st.pad // 2), st.font, _colour(LABEL_TEXT_RGB, rgb),
             st.text + 1)


def _fmt_angle(value: float | None) -> str:
    return "--" if value is None or not math.isfinite(value) else f"{round(value):d} deg"   # round: no "-0"


# The panel's words and colours per back state and verdict, looked up once (the live view draws every frame).
@functools.lru_cache(maxsize=64)
def _state_line(state: str) -> tuple[str, tuple[int, int, int]]:
    back = BackState.of(state)
    return back.words, back.tone.text_rgb


@functools.lru_cache(maxsize=64)
def _verdict_line(verdict: str) -> tuple[str, tuple[int, int, int]]:
    return f"Last rep: {words_of(verdict)}", tone_of(verdict).text_rgb


def draw_panel(image: np.ndarray, lines: Sequence[tuple[str, tuple[int, int, int]]], *, rgb: bool = True) -> None:
    """Darkened box at the top-left with one text line per (text, RGB colour)."""
    if not lines:
        return
    st = _style(*image.shape[:2])
    width = max(_text_size(text, st.font, st.text)[0][0] for text, _ in lines)
    x1 = min(image.shape[1], 2 * st.pad + width + st.pad)
    y1 = min(image.shape[0], st.pad + len(lines) * st.line_h + 2 * st.pad)
    roi = image[st.pad // 2:y1, st.pad // 2:x1]
    np.right_shift(roi, 2, out=roi)                   # darken to a quarter: cheap, the video still seen, and
    # text in every tone reads at 4.5:1 over a white picture (at half, red had read at 1.5:1)
    y = st.pad + st.line_h
    for text, colour in lines:
        put_text(image, text, (2 * st.pad, y), st.font, _colour(colour, rgb), st.text)
        y += st.line_h


# The headline: the one thing to read from where the lifter bends, 2-3 m from a laptop (live's back state, a rep's
# verdict and cue, a prompt). Its capitals are a twelfth of the frame's height (the font's are 20 px at scale 1), so
# ~16 mm on a maximised 15.6" 1080p screen: 18 arcminutes from 3 m, the least type read at a glance (ANSI/HFES 100
# asks 16, prefers 20-22). The panel's 10 px of 480 had been ~4 mm maximised. Lines after the first (a rep's cue) are
# smaller; a line too long for the frame's width is split in two, then shrunk to fit.
HEADLINE_SCALE_PER_PX = 1 / 240          # font scale per pixel of frame height: 2 at 480, 4.5 at 1080
SUBLINE_SIZE = 0.75                      # the lines after the first, of its size


def _fit_scale(text: str, scale: float, room: int) -> float:
    """``scale``, or less so that ``text`` fits in ``room`` pixels of width."""
    width = _text_size(text, 1.0, max(1, round(1.6 * scale)))[0][0]
    return min(scale, room / max(width, 1))


def _split(text: str) -> tuple[str, str] | None:
    """``text`` in two at a space, the longer half as short as it can be, a break after a colon or comma taken
    where it makes that half at most 6 characters longer ("Camera too high:" / "put it at hip height, level");
    None if it has no space."""
    spaces = [i for i, c in enumerate(text) if c == " "]
    if not spaces:
        return None
    cut = min(spaces, key=lambda i: max(i, len(text) - i - 1) - (6 if text[i - 1] in ":," else 0))
    return text[:cut], text[cut + 1:]


@functools.lru_cache(maxsize=64)
def _headline_layout(texts: tuple[str, ...], height: int, width: int,
                     ) -> tuple[tuple[int, str, float, int, int], ...]:
    """Each drawn line of the headline ``texts`` on a (height, width) frame: (index in ``texts``, text, font scale,
    thickness, x of its origin), top to bottom. A single line shrunk below 4/5 of its size is split in two."""
    st = _style(height, width)
    room, full = width - 4 * st.pad, height * HEADLINE_SCALE_PER_PX
    drawn = []
    for i, text in enumerate(texts):
        size = full if i == 0 else full * SUBLINE_SIZE
        parts = (text,)
        if len(texts) == 1 and _fit_scale(text, size, room) < 0.8 * size and (halves := _split(text)):
            parts = halves
        scale = min(_fit_scale(part, size, room) for part in parts)
        thickness = max(1, round(1.6 * scale))
        drawn += [(i, part, scale, thickness, (width - _text_size(part, scale, thickness)[0][0]) // 2)
                  for part in parts]
    return tuple(drawn)


def draw_headline(image: np.ndarray, lines: Sequence[tuple[str, tuple[int, int, int]]], *, rgb: bool = True) -> None:
    """A band across the bottom of the image with each (text, RGB colour) line centred, in large type (above)."""
    if not lines:
        return
    height, width = image.shape[:2]
    st = _style(height, width)
    layout = _headline_layout(tuple(text for text, _ in lines), height, width)
    caps = [round(20 * scale) for _, _, scale, _, _ in layout]        # the font's capitals: 20 px at scale 1
    gap = max(caps) // 2
    band = sum(caps) + gap * (len(caps) - 1) + 2 * st.pad + gap // 2  # room below the last line for descenders
    roi = image[max(0, height - band):height]
    np.right_shift(roi, 2, out=roi)                    # darkened as the panel: each tone reads at 4.5:1 over white
    y = height - band + st.pad
    for (index, text, scale, thickness, x), cap in zip(layout, caps, strict=True):
        y += cap
        put_text(image, text, (x, y), scale, _colour(lines[index][1], rgb), thickness)
        y += gap


PanelLine = str | tuple[str, tuple[int, int, int]]      # a line of text in the panel's colour, or (text, RGB colour)


def panel_lines(state: str | None, angles_deg: Mapping[str, float] | None, rep_count: int | None,
                last_rep_verdict: str | None, lines: Sequence[PanelLine], title: str | None = None,
                ) -> list[tuple[str, tuple[int, int, int]]]:
    """The panel's (text, RGB colour) lines: title (whose they are, with several lifters), back state (None: not in
    the panel), angles, rep count, last verdict, extra lines."""
    out = [] if title is None else [(title, TEXT_RGB)]
    out += [] if state is None else [_state_line(state)]
    for key, value in (angles_deg or {}).items():
        out.append((f"{ANGLE_LABELS.get(key, key)}: {_fmt_angle(value)}", TEXT_RGB))
    if rep_count is not None:
        out.append((f"Reps: {rep_count}", TEXT_RGB))
    if last_rep_verdict:
        out.append(_verdict_line(last_rep_verdict))
    out.extend((line, TEXT_RGB) if isinstance(line, str) else line for line in lines)
    return out


def draw_overlay(image: np.ndarray, landmarks_xy: np.ndarray | None = None, visibility: np.ndarray | None = None,
                 back_edge_xy: np.ndarray | None = None, state: str = "unknown", *,
                 angles_deg: Mapping[str, float] | None = None, lines: Sequence[PanelLine] = (),
                 rep_count: int | None = None, last_rep_verdict: str | None = None, title: str | None = None,
                 headline: Sequence[tuple[str, tuple[int, int, int]]] = (), rgb: bool = True,
                 min_visibility: float = 0.5, antialias: bool = True) -> np.ndarray:
    """Draw the whole overlay on ``image`` in place and return it.

    Args:
        image: (H, W, 3) uint8, C-contiguous and writable; RGB, or BGR with ``rgb=False``.
        landmarks_xy: (33, 2) landmark pixels, NaN where missing; None draws no skeleton.
        visibility: (33,) in [0, 1]; landmarks below ``min_visibility`` are not drawn. None: all visible.
        back_edge_xy: (K, 2) pixels of the back's edge (``dorsal_edge_xy``), NaN where unknown.
        state: "neutral" (back drawn green), "rounded" (red, tagged with its word) or "unknown" (grey, dashed).
        angles_deg: panel angles, e.g. ``{"trunk": 42.0, "hip": 80.0, "knee": 15.0, "spine": 8.0}`` (NaN -> "--").
        lines: extra panel lines (ASCII: OpenCV's fonts have no degree sign), each text or (text, RGB colour).
        rep_count: reps finished so far (None: line omitted).
        title: the panel's first line (whose panel it is: "Lifter 1" with several lifters drawn); None: none.
        last_rep_verdict: verdict of the last finished rep ("rounded_back", "hip_hinge", ...), shown in words.
        headline: (text, RGB colour) lines in large type across the bottom (`draw_headline`), e.g. live's
            [("Turn side-on to the camera", PROMPT_RGB)]; the back's state is then theirs to say, not the panel's.
        antialias: False draws the skeleton's and the back's lines without smoothing their edges (text is smoothed
            either way): at 640x480, 21 against 63 us for the bones and 13 against 59 for the back, for the live
            view's per-frame budget; stair-steps a pixel high, which a video or a report's picture should not show.
    """
    _check_image(image)
    if landmarks_xy is not None:
        landmarks_xy = np.asarray(landmarks_xy, dtype=float)
        draw_skeleton(image, landmarks_xy, visibility, min_visibility=min_visibility, rgb=rgb, antialias=antialias)
    draw_back(image, landmarks_xy, back_edge_xy, state, rgb=rgb, antialias=antialias)
    draw_panel(image, panel_lines(None if headline else state, angles_deg, rep_count, last_rep_verdict, lines, title),
               rgb=rgb)
    draw_headline(image, headline, rgb=rgb)
    return image
