"""Angle-over-time plot for the report: SVG written directly from the per-frame arrays (NumPy, no plotting library).

One figure, four panels sharing the time axis: spine flexion with its limit, the flagged spans and the part of each
rep that is judged (flagged frames outside it, such as a rounded reach-down, drawn faint), trunk inclination over
the REBA trunk bands, hip and knee flexion, and the confidence of the spine measure. Reps are shaded and labelled in
every panel, coloured by verdict and marked with its sign (`Tone.mark`: not by colour alone). It is embedded in
report.html as an image (a data: URI): self-contained, text in the browser's sans-serif font. Drawing it takes
milliseconds (matplotlib took ~0.6 s of CPU plus its import). A long set's pictured reps each get the top panel over
the rep alone (`rep_figure_svg`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import numpy as np

from liftform.core.filters import frame_interval_s
from liftform.core.flags import head_flagged
from liftform.core.vocabulary import Tone, tone_of
from liftform.report.data import ResultData
from liftform.report.lines import envelope, path_data, points, runs

RED, GREY, INK = Tone.BAD.hex, Tone.UNSURE.hex, "#212121"
BAND_COLOURS = ("#dcedc8", "#fff3c4", "#ffd9d9")     # REBA trunk bands: 0-20, 20-60, >60
HIP_COLOUR, KNEE_COLOUR, CONFIDENCE_COLOUR, GRID_COLOUR = "#1565c0", "#ef6c00", "#90a4ae", "#e0e0e0"
HEAD_COLOUR = "#8e24aa"

WIDTH_PX, HEIGHT_PX = 1020, 820
PLOT_X0_PX, PLOT_X1_PX = 84, 760            # the panels' horizontal extent; labels left, legends right of it
TOP_PX, BOTTOM_PX, GAP_PX = 42, 68, 16      # room for the rep labels above (two rows), time ticks and label below
# Text sizes (px of the WIDTH_PX drawing): a report prints the plot about 740 px wide, and at 11 px its numbers
# and legend came out at 6 pt on paper (the tables' 8 pt), and zoomed to 200 % in a 640-px window barely larger.
SMALL_PX, TEXT_PX = 14.0, 15.0              # ticks, legends, rep numbers; axis and rep labels
HEIGHT_RATIOS = (3.0, 2.2, 2.2, 1.0)
FONT = "font-family='DejaVu Sans, Helvetica, Arial, sans-serif'"
DASHES = {"-": None, "--": "6 3", ":": "1.5 2.5"}
JUDGED_STRIP_PX, JUDGED_STRIP_OPACITY = 6, 0.55   # the strip marking the part of each rep that is judged
FLAGGED_OPACITY = 0.22                      # the red of frames flagged rounded in the judged part
TOLD_OPACITY = 0.12                         # ... and outside it (told, not judged): fainter


def _col(frames: dict[str, np.ndarray], name: str) -> np.ndarray:
    return np.asarray(frames.get(name, np.full(len(frames["time_s"]), np.nan)), dtype=float)


def nice_ticks(low: float, high: float, target: int = 5) -> np.ndarray:
    """Round tick values inside [low, high], about ``target`` of them: 1, 2, 2.5 or 5 x 10^k apart, the step
    nearest (by ratio) to (high - low) / (target - 1)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return np.array([low]) if math.isfinite(low) else np.array([])
    raw = (high - low) / max(target - 1, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = min((m * power for m in (1, 2, 2.5, 5, 10)), key=lambda s: abs(math.log(s / raw)))
    first = math.ceil(low / step - 1e-9) * step
    return np.round(np.arange(first, high + step * 1e-6, step), 10)


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) >= 1e-9 else "0"


def _finite_range(*arrays: np.ndarray, default: tuple[float, float]) -> tuple[float, float]:
    values = np.concatenate([np.ravel(a) for a in arrays]) if arrays else np.array([])
    values = values[np.isfinite(values)]
    return (float(values.min()), float(values.max())) if len(values) else default


@dataclass
class Panel:
    """One panel: its box in the figure (px) and the data ranges it maps there (time in s; values in units)."""

    x0: float
    y0: float
    x1: float
    y1: float
    t_range: tuple[float, float]
    v_range: tuple[float, float]

    def x(self, t: np.ndarray | float) -> np.ndarray:
        t0, t1 = self.t_range
        return self.x0 + (np.asarray(t, dtype=float) - t0) / (t1 - t0) * (self.x1 - self.x0)

    def y(self, v: np.ndarray | float) -> np.ndarray:
        v0, v1 = self.v_range
        return self.y1 - (np.asarray(v, dtype=float) - v0) / (v1 - v0) * (self.y1 - self.y0)


class _Svg:
    """The figure's elements, in drawing order, on a canvas of ``width`` x ``height`` px."""

    def __init__(self, width: int = WIDTH_PX, height: int = HEIGHT_PX) -> None:
        self.parts: list[str] = []
        self.width, self.height = width, height

    def add(self, element: str) -> None:
        self.parts.append(element)

    def rect(self, x0: float, y0: float, x1: float, y1: float, fill: str, opacity: float = 1.0,
             clip: str | None = None) -> None:
        clipping = f" clip-path='url(#{clip})'" if clip else ""
        self.add(f"<rect x='{min(x0, x1):.1f}' y='{min(y0, y1):.1f}' width='{abs(x1 - x0):.1f}' "
                 f"height='{abs(y1 - y0):.1f}' fill='{fill}' fill-opacity='{opacity:g}'{clipping}/>")

    def line(self, x0: float, y0: float, x1: float, y1: float, colour: str, width: float = 1.0,
             style: str = "-") -> None:
        dash = f" stroke-dasharray='{DASHES[style]}'" if DASHES[style] else ""
        self.add(f"<line x1='{x0:.1f}' y1='{y0:.1f}' x2='{x1:.1f}' y2='{y1:.1f}' stroke='{colour}' "
                 f"stroke-width='{width:g}'{dash}/>")

    def text(self, x: float, y: float, words: str, size: float = TEXT_PX, anchor: str = "start", colour: str = INK,
             bold: bool = False, rotate: bool = False) -> None:
        extra = " font-weight='bold'" if bold else ""
        if rotate:
            extra += f" transform='rotate(-90 {x:.1f} {y:.1f})'"
        lines = words.split("\n")
        spans = "".join(f"<tspan x='{x:.1f}' dy='{0 if k == 0 else 1.2}em'>{escape(part)}</tspan>"
                        for k, part in enumerate(lines))
        shift = -(len(lines) - 1) * 0.6 * size      # a multi-line label is centred on y
        self.add(f"<text x='{x:.1f}' y='{y + shift:.1f}' font-size='{size:g}' text-anchor='{anchor}' fill='{colour}' "
                 f"{FONT}{extra}>{spans}</text>")

    def curve(self, panel: Panel, t: np.ndarray, values: np.ndarray, colour: str, width: float, style: str,
              clip: str) -> None:
        """A line through the finite values, broken where they are NaN."""
        path = path_data(panel.x(t), panel.y(values))
        if path:
            dash = f" stroke-dasharray='{DASHES[style]}'" if DASHES[style] else ""
            self.add(f"<path d='{path}' fill='none' stroke='{colour}' stroke-width='{width:g}' "
                     f"stroke-linejoin='round'{dash} clip-path='url(#{clip})'/>")

    def area(self, panel: Panel, t: np.ndarray, values: np.ndarray, colour: str, clip: str) -> None:
        """The area between zero and ``values`` (NaN counts as zero)."""
        xs, ys = panel.x(t), panel.y(np.nan_to_num(values))
        kept = envelope(xs, ys)
        xs, ys = xs[kept], ys[kept]
        base = float(panel.y(0.0))
        xy = np.concatenate([[[xs[0], base]], np.stack([xs, ys], axis=1), [[xs[-1], base]]])
        self.add(f"<path d='M{points(xy)}Z' fill='{colour}' stroke='none' clip-path='url(#{clip})'/>")

    def document(self) -> bytes:
        head = (f"<svg xmlns='http://www.w3.org/2000/svg' width='{self.width}' height='{self.height}' "
                f"viewBox='0 0 {self.width} {self.height}'><rect width='100%' height='100%' fill='#fff'/>")
        return (head + "".join(self.parts) + "</svg>").encode("utf-8")


class _Legend:
    """The entries of a panel's legend, listed right of it (none where not ``shown``: a rep's own plot, under the
    whole set's with its legend)."""

    def __init__(self, svg: _Svg, panel: Panel, shown: bool = True) -> None:
        self.svg, self.x, self.y, self.shown = svg, panel.x1 + 14, panel.y0 + 8, shown

    def line(self, label: str, colour: str, width: float = 1.6, style: str = "-") -> None:
        if self.shown:
            self.svg.line(self.x, self.y, self.x + 22, self.y, colour, width, style)
            self._label(label)

    def patch(self, label: str, colour: str, opacity: float = 1.0) -> None:
        if self.shown:
            self.svg.rect(self.x, self.y - 5, self.x + 22, self.y + 5, colour, opacity)
            self._label(label)

    def _label(self, label: str, size: float = SMALL_PX) -> None:
        """``label`` beside its sample, its first line level with it ("\n" between lines: the column right of the
        panels holds about 32 characters; `_Svg.text` centres a label of several lines on its y)."""
        extra_lines = label.count("\n")
        self.svg.text(self.x + 30, self.y + 4 + extra_lines * 0.6 * size, label, size=size)
        self.y += 20 + extra_lines * 1.2 * size


def _axes(svg: _Svg, panel: Panel, index: int, ylabel: str, time_labels: bool) -> str:
    """Grid, axis lines, ticks and labels of a panel; defines its clip region and returns its id."""
    clip = f"panel{index}"
    svg.add(f"<clipPath id='{clip}'><rect x='{panel.x0:.1f}' y='{panel.y0:.1f}' "
            f"width='{panel.x1 - panel.x0:.1f}' height='{panel.y1 - panel.y0:.1f}'/></clipPath>")
    for value in nice_ticks(*panel.v_range, target=6 if panel.y1 - panel.y0 > 120 else 3):
        y = float(panel.y(value))
        svg.line(panel.x0, y, panel.x1, y, GRID_COLOUR, 0.6)
        svg.line(panel.x0 - 4, y, panel.x0, y, INK, 0.8)
        svg.text(panel.x0 - 7, y + 5, _number(value), size=SMALL_PX, anchor="end")
    for value in nice_ticks(*panel.t_range, target=8):
        x = float(panel.x(value))
        svg.line(x, panel.y1, x, panel.y1 + 4, INK, 0.8)
        if time_labels:
            svg.text(x, panel.y1 + 19, _number(value), size=SMALL_PX, anchor="middle")
    svg.line(panel.x0, panel.y0, panel.x0, panel.y1, INK, 0.8)
    svg.line(panel.x0, panel.y1, panel.x1, panel.y1, INK, 0.8)
    svg.text(22, (panel.y0 + panel.y1) / 2, ylabel, size=TEXT_PX, anchor="middle", rotate=True)
    return clip


REP_LABEL_CHAR_PX = 9.4     # the width of a character of a rep's label (TEXT_PX bold), to keep labels apart
REP_EDGES_MIN_GAP_PX = 6.0  # reps closer than this (the median between centres) are drawn without dotted edges


def rep_labels(centres_px: list[float], numbers: list[int], marks: list[str]) -> tuple[list[str], list[str]]:
    """The reps' labels over the plot, as their spacing leaves room for: ("rep 3 ✗", ""), else ("3 ✗", ""), else
    the mark alone, every k-th rep's number (k = 1, 2, 5, 10, ...) on a row above it. A long set's labels had run
    together ("✗rep 11 ✗rep 12 ✗") from about a dozen reps on. Returns (the row on the panel, the row above)."""
    gap = float(np.min(np.diff(np.sort(centres_px)))) if len(centres_px) > 1 else math.inf

    def room(words: str) -> bool:
        return gap >= REP_LABEL_CHAR_PX * (len(words) + 1)

    for form in ("rep {n} {m}", "{n} {m}"):
        words = [form.format(n=n, m=m) for n, m in zip(numbers, marks, strict=True)]
        if all(room(w) for w in words):
            return words, [""] * len(words)
    widest = max((len(str(n)) for n in numbers), default=1)
    every = next((k for k in (1, 2, 5, 10, 20, 50, 100, 200, 500) if gap * k >= REP_LABEL_CHAR_PX * (widest + 1)),
                 None)
    return list(marks), [str(n) if every and (n % every == 0 or n == 1) else "" for n in numbers]


def _reps(svg: _Svg, panel: Panel, reps: list[dict[str, Any]], clip: str, label: bool) -> None:
    shown = [r for r in reps if r.get("start_s") is not None and r.get("end_s") is not None]
    centres = [float(panel.x((r["start_s"] + r["end_s"]) / 2)) for r in shown]
    on_panel, above = rep_labels(centres, [int(r.get("index", 0)) + 1 for r in shown],
                                 [tone_of(r.get("verdict")).mark for r in shown])
    # Reps a few px apart (an hour's) get no dotted edges: theirs had hatched every panel over, curves and all.
    edges = len(centres) < 2 or float(np.median(np.diff(np.sort(centres)))) >= REP_EDGES_MIN_GAP_PX
    for rep, words, number in zip(shown, on_panel, above, strict=True):
        start, end = rep["start_s"], rep["end_s"]
        tone = tone_of(rep.get("verdict"))
        colour = tone.hex
        x0, x1 = float(panel.x(start)), float(panel.x(end))
        svg.rect(x0, panel.y0, x1, panel.y1, colour, 0.07, clip)
        for x in (x0, x1) if edges else ():
            if panel.x0 <= x <= panel.x1:
                svg.line(x, panel.y0, x, panel.y1, colour, 0.8, ":")
        if label:
            svg.text((x0 + x1) / 2, panel.y0 - 6, words, size=TEXT_PX, anchor="middle", colour=colour, bold=True)
            if number:
                svg.text((x0 + x1) / 2, panel.y0 - 23, number, size=SMALL_PX, anchor="middle", colour=INK)


def _padded(low: float, high: float, share: float = 0.05) -> tuple[float, float]:
    pad = max(high - low, 1.0) * share
    return low - pad, high + pad


def _spine(svg: _Svg, panel: Panel, clip: str, t: np.ndarray, frames, data: ResultData, legend_shown: bool = True
           ) -> None:
    th = data.thresholds
    spine, conf = _col(frames, "spine_flexion_deg"), _col(frames, "spine_flexion_confidence")
    legend = _Legend(svg, panel, legend_shown)
    dt = frame_interval_s(t)
    flagged = _col(frames, "flagged") > 0
    # The part of each rep its verdict is taken from (lift-off through the ascent, a lowering to touch-down): a strip
    # along the panel's top. Rounding outside it (reaching down, setting up) is drawn faint: it is told, not judged.
    has_judged = "judged" in frames                 # results written before the column: every flagged frame counts
    judged = _col(frames, "judged") > 0 if has_judged else np.ones(len(t), dtype=bool)
    strips = runs(judged) if has_judged else []
    for a, b in strips:
        svg.rect(float(panel.x(t[a])), panel.y0, float(panel.x(t[b] + dt)), panel.y0 + JUDGED_STRIP_PX, INK,
                 JUDGED_STRIP_OPACITY, clip)
    counted, told = runs(flagged & judged), runs(flagged & ~judged)
    for spans, opacity in ((counted, FLAGGED_OPACITY), (told, TOLD_OPACITY)):
        for a, b in spans:
            svg.rect(float(panel.x(t[a])), panel.y0, float(panel.x(t[b] + dt)), panel.y1, RED, opacity, clip)
    if strips:
        legend.patch("judged part of a rep", INK, JUDGED_STRIP_OPACITY)
    if counted:
        legend.patch("flagged: back rounded", RED, FLAGGED_OPACITY)
    if told:
        legend.patch("rounded, not judged", RED, TOLD_OPACITY)
    with np.errstate(invalid="ignore"):
        sure = np.where(conf >= th.min_confidence, spine, np.nan)
    svg.line(panel.x0, float(panel.y(0.0)), panel.x1, float(panel.y(0.0)), GREY, 0.6)
    svg.curve(panel, t, spine, GREY, 1, "--", clip)
    legend.line("low confidence", GREY, 1, "--")
    svg.curve(panel, t, sure, INK, 1.8, "-", clip)
    legend.line("spine flexion", INK, 1.8)
    if math.isfinite(th.rounded_back_spine_deg):
        y = float(panel.y(th.rounded_back_spine_deg))
        svg.line(panel.x0, y, panel.x1, y, RED, 1.2, "--")
        legend.line(f"limit {th.rounded_back_spine_deg:g}°", RED, 1.2, "--")
    if _head_reached_limit(frames, data):   # the head hanging flagged frames too: show why
        svg.curve(panel, t, np.where(conf >= th.min_confidence, _col(frames, "neck_flexion_deg"), np.nan),
                  HEAD_COLOUR, 1.4, "-", clip)
        legend.line("head hanging", HEAD_COLOUR, 1.4)
        y = float(panel.y(th.head_hanging_neck_deg))
        svg.line(panel.x0, y, panel.x1, y, HEAD_COLOUR, 1.0, "--")
        legend.line(f"head limit {th.head_hanging_neck_deg:g}°", HEAD_COLOUR, 1.0, "--")


def _head_reached_limit(frames, data: ResultData) -> bool:
    """Some flagged frame has the head hanging past its limit (`core.flags.head_flagged`)."""
    return bool(head_flagged(_col(frames, "flagged") > 0, _col(frames, "neck_flexion_deg"),
                             data.thresholds.head_hanging_neck_deg).any())


def _trunk(svg: _Svg, panel: Panel, clip: str, t: np.ndarray, frames, data: ResultData) -> None:
    low, high = data.thresholds.reba_trunk_bands_deg
    legend = _Legend(svg, panel)
    labels = (f"REBA 2 (0–{low:g}°)", f"REBA 3 ({low:g}–{high:g}°)", f"REBA 4 (>{high:g}°)")
    for (v0, v1), colour, text in zip(((0, low), (low, high), (high, panel.v_range[1])), BAND_COLOURS, labels,
                                      strict=True):
        svg.rect(panel.x0, float(panel.y(v0)), panel.x1, float(panel.y(v1)), colour, 1.0, clip)
        legend.patch(text, colour)
    svg.curve(panel, t, _col(frames, "trunk_inclination_deg"), INK, 1.8, "-", clip)
    legend.line("trunk lean", INK, 1.8)
    min_trunk = data.thresholds.min_trunk_for_rounding_deg
    if math.isfinite(min_trunk):
        y = float(panel.y(min_trunk))
        svg.line(panel.x0, y, panel.x1, y, RED, 0.9, ":")
        legend.line(f"rounding counts above {min_trunk:g}°\n(or with the hips past "
                    f"{data.thresholds.min_hip_for_rounding_deg:g}°)", RED, 0.9, ":")


def _legs(svg: _Svg, panel: Panel, clip: str, t: np.ndarray, frames, data: ResultData) -> None:
    legend = _Legend(svg, panel)
    svg.curve(panel, t, _col(frames, "hip_flexion_deg"), HIP_COLOUR, 1.6, "-", clip)
    legend.line("hip flexion", HIP_COLOUR)
    svg.curve(panel, t, _col(frames, "knee_flexion_deg"), KNEE_COLOUR, 1.6, "-", clip)
    legend.line("knee flexion", KNEE_COLOUR)
    squat = data.thresholds.squat_knee_flexion_deg
    if math.isfinite(squat):
        y = float(panel.y(squat))
        svg.line(panel.x0, y, panel.x1, y, KNEE_COLOUR, 0.9, "--")
        legend.line(f"squat if knee > {squat:g}°", KNEE_COLOUR, 0.9, "--")


def _confidence(svg: _Svg, panel: Panel, clip: str, t: np.ndarray, frames, data: ResultData) -> None:
    svg.area(panel, t, _col(frames, "spine_flexion_confidence"), CONFIDENCE_COLOUR, clip)
    y = float(panel.y(data.thresholds.min_confidence))
    svg.line(panel.x0, y, panel.x1, y, INK, 1, "--")
    _Legend(svg, panel).line(f"judged only above {data.thresholds.min_confidence:g}", INK, 1, "--")


def _value_ranges(frames, data: ResultData) -> list[tuple[float, float]]:
    """Each panel's value range: its data and lines, padded a little (the trunk's reaches the bands' top)."""
    th = data.thresholds
    head = (_col(frames, "neck_flexion_deg"), np.array([th.head_hanging_neck_deg])) \
        if _head_reached_limit(frames, data) else ()
    spine = _padded(*_finite_range(_col(frames, "spine_flexion_deg"), np.array([0.0, th.rounded_back_spine_deg]),
                                   *head, default=(-10.0, 30.0)))
    trunk = _col(frames, "trunk_inclination_deg")
    if np.isfinite(trunk).any():
        trunk_range = (min(-10.0, float(np.nanmin(trunk)) - 5), max(100.0, float(np.nanmax(trunk)) + 5))
    else:
        trunk_range = (-10.0, 100.0)
    legs = _padded(*_finite_range(_col(frames, "hip_flexion_deg"), _col(frames, "knee_flexion_deg"),
                                  np.array([0.0, th.squat_knee_flexion_deg]), default=(0.0, 120.0)))
    return [spine, trunk_range, legs, (0.0, 1.05)]


def angle_figure_svg(data: ResultData) -> bytes | None:
    """The four-panel plot as SVG bytes (``WIDTH_PX`` x ``HEIGHT_PX``), or None without frames.csv data."""
    frames = data.frames
    if frames is None or len(frames.get("time_s", ())) < 2:
        return None
    t = np.asarray(frames["time_s"], dtype=float)
    t_range = (float(t[0]), float(t[-1]) if t[-1] > t[0] else float(t[0]) + 1.0)
    svg = _Svg()
    usable = HEIGHT_PX - TOP_PX - BOTTOM_PX - GAP_PX * (len(HEIGHT_RATIOS) - 1)
    heights = np.array(HEIGHT_RATIOS) / sum(HEIGHT_RATIOS) * usable
    tops = TOP_PX + np.concatenate([[0.0], np.cumsum(heights + GAP_PX)[:-1]])
    labels = ("spine flexion (°)\n0 = neutral back", "trunk lean (°)\nfrom vertical", "flexion (°)\n0 = straight",
              "confidence\nof spine measure")
    draws = (_spine, _trunk, _legs, _confidence)
    for k, (top, height, v_range, label, draw) in enumerate(
            zip(tops, heights, _value_ranges(frames, data), labels, draws, strict=True)):
        panel = Panel(PLOT_X0_PX, float(top), PLOT_X1_PX, float(top + height), t_range, v_range)
        last = k == len(draws) - 1
        clip = _axes(svg, panel, k, label, time_labels=last)
        draw(svg, panel, clip, t, frames, data)
        _reps(svg, panel, data.reps, clip, label=k == 0)
        if last:
            svg.text((PLOT_X0_PX + PLOT_X1_PX) / 2, panel.y1 + 42, "time (s)", size=TEXT_PX, anchor="middle")
    return svg.document()


REP_FIGURE_PX = (520, 210)     # a rep's own plot: the spine panel of the whole set's, over the rep alone
REP_FIGURE_PAD_S = 0.5         # ... from this long before the rep to this long after it


def rep_figure_svg(data: ResultData, rep: dict[str, Any]) -> bytes | None:
    """Spine flexion over one rep (``rep``: its row, ``rep_to_dict``), as the whole set's top panel draws it and on
    its scale, without the legend: an hour's plot gives each rep a pixel or two. None without frames.csv data."""
    frames, start, end = data.frames, rep.get("start_s"), rep.get("end_s")
    if frames is None or start is None or end is None:
        return None
    t_range = (start - REP_FIGURE_PAD_S, end + REP_FIGURE_PAD_S)
    t = np.asarray(frames["time_s"], dtype=float)
    near = (t >= t_range[0] - 1.0) & (t <= t_range[1] + 1.0)      # beyond the edges too: the curve runs to them
    if near.sum() < 2:
        return None
    svg = _Svg(*REP_FIGURE_PX)
    panel = Panel(PLOT_X0_PX, TOP_PX, REP_FIGURE_PX[0] - 16, REP_FIGURE_PX[1] - 48, t_range,
                  _value_ranges(frames, data)[0])
    clip = _axes(svg, panel, 0, "spine flexion (°)", time_labels=True)
    _spine(svg, panel, clip, t[near], {name: np.asarray(v)[near] for name, v in frames.items()}, data, False)
    _reps(svg, panel, [rep], clip, label=True)
    svg.text((panel.x0 + panel.x1) / 2, panel.y1 + 38, "time (s)", size=TEXT_PX, anchor="middle")
    return svg.document()
