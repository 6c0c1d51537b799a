"""Angle-over-time plots for the report: matplotlib's object API (no pyplot, no global backend), SVG out.

One figure, four panels sharing the time axis: spine flexion with its limit and the flagged spans, trunk
inclination over the REBA trunk bands, hip and knee flexion, and the confidence of the spine measure. Reps are
shaded and labelled in every panel, coloured by verdict. Text is drawn as paths, so the SVG needs no fonts.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np

from liftform.core.vocabulary import Tone, tone_of
from liftform.report.data import ResultData

RED, GREY, INK = Tone.BAD.hex, Tone.UNSURE.hex, "#212121"
BAND_COLOURS = ("#dcedc8", "#fff3c4", "#ffd9d9")     # REBA trunk bands: 0-20, 20-60, >60


def verdict_colour(verdict: str | None) -> str:
    return tone_of(verdict).hex


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True in ``mask``."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return []
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1, strict=True))


def _col(frames: dict[str, np.ndarray], name: str) -> np.ndarray:
    return frames.get(name, np.full(len(frames["time_s"]), np.nan))


def _legend(ax) -> None:
    """Legend outside the axes on the right, where it hides no data."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False, borderaxespad=0)


def _shade_reps(ax, reps: list[dict[str, Any]], label: bool) -> None:
    for rep in reps:
        start, end = rep.get("start_s"), rep.get("end_s")
        if start is None or end is None:
            continue
        colour = verdict_colour(rep.get("verdict"))
        ax.axvspan(start, end, color=colour, alpha=0.07, lw=0, zorder=0)
        for x in (start, end):
            ax.axvline(x, color=colour, lw=0.8, ls=":", zorder=1)
        if label:
            ax.text((start + end) / 2, 1.02, f"rep {int(rep.get('index', 0)) + 1}", transform=ax.get_xaxis_transform(),
                    ha="center", va="bottom", fontsize=9, color=colour, fontweight="bold")


def _spine_panel(ax, t, frames, data: ResultData) -> None:
    th = data.thresholds
    spine, conf = _col(frames, "spine_flexion_deg"), _col(frames, "spine_flexion_confidence")
    flagged = _col(frames, "flagged") > 0
    dt = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    for i, (a, b) in enumerate(_runs(flagged)):
        ax.axvspan(t[a], t[b] + dt, color=RED, alpha=0.22, lw=0, zorder=0,
                   label="flagged: back rounded" if i == 0 else None)
    sure = np.where(conf >= th.min_confidence, spine, np.nan)
    ax.plot(t, spine, color=GREY, lw=1, ls="--", label="low confidence")
    ax.plot(t, sure, color=INK, lw=1.8, label="spine flexion")
    if math.isfinite(th.rounded_back_spine_deg):
        ax.axhline(th.rounded_back_spine_deg, color=RED, lw=1.2, ls="--",
                   label=f"limit {th.rounded_back_spine_deg:g}°")
    ax.axhline(0, color=GREY, lw=0.6)
    ax.set_ylabel("spine flexion (°)\n0 = neutral back")
    _legend(ax)


def _trunk_panel(ax, t, frames, data: ResultData) -> None:
    low, high = data.thresholds.reba_trunk_bands_deg
    trunk = _col(frames, "trunk_inclination_deg")
    top = max(100.0, float(np.nanmax(trunk)) + 5 if np.isfinite(trunk).any() else 100.0)
    labels = (f"REBA 2 (0–{low:g}°)", f"REBA 3 ({low:g}–{high:g}°)", f"REBA 4 (>{high:g}°)")
    for (y0, y1), colour, text in zip(((0, low), (low, high), (high, top)), BAND_COLOURS, labels, strict=True):
        ax.axhspan(y0, y1, color=colour, lw=0, zorder=0, label=text)
    ax.plot(t, trunk, color=INK, lw=1.8, label="trunk lean")
    min_trunk = data.thresholds.min_trunk_for_rounding_deg
    if math.isfinite(min_trunk):
        ax.axhline(min_trunk, color=RED, lw=0.9, ls=":", label=f"rounding counts above {min_trunk:g}°")
    _legend(ax)
    ax.set_ylim(min(-10.0, float(np.nanmin(trunk)) - 5) if np.isfinite(trunk).any() else -10.0, top)
    ax.set_ylabel("trunk lean (°)\nfrom vertical")


def _legs_panel(ax, t, frames, data: ResultData) -> None:
    ax.plot(t, _col(frames, "hip_flexion_deg"), color="#1565c0", lw=1.6, label="hip flexion")
    ax.plot(t, _col(frames, "knee_flexion_deg"), color="#ef6c00", lw=1.6, label="knee flexion")
    squat = data.thresholds.squat_knee_flexion_deg
    if math.isfinite(squat):
        ax.axhline(squat, color="#ef6c00", lw=0.9, ls="--", label=f"squat if knee > {squat:g}°")
    ax.set_ylabel("flexion (°)\n0 = straight")
    _legend(ax)


def _confidence_panel(ax, t, frames, data: ResultData) -> None:
    ax.fill_between(t, 0, np.nan_to_num(_col(frames, "spine_flexion_confidence")), color="#90a4ae", lw=0)
    ax.axhline(data.thresholds.min_confidence, color=INK, lw=1, ls="--",
               label=f"judged only above {data.thresholds.min_confidence:g}")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("confidence\nof spine measure")
    _legend(ax)


def angle_figure_svg(data: ResultData) -> bytes | None:
    """The four-panel plot as SVG bytes, or None without frames.csv data."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    frames = data.frames
    if frames is None or len(frames.get("time_s", ())) < 2:
        return None
    t = frames["time_s"]
    style = {"svg.fonttype": "path", "svg.hashsalt": "liftform", "font.size": 9, "axes.spines.top": False,
             "axes.spines.right": False}
    with rc_context(style):
        fig = Figure(figsize=(10, 8.2), layout="constrained")
        axes = fig.subplots(4, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2.2, 2.2, 1]})
        for ax, panel in zip(axes, (_spine_panel, _trunk_panel, _legs_panel, _confidence_panel), strict=True):
            panel(ax, t, frames, data)
            _shade_reps(ax, data.reps, label=ax is axes[0])
            ax.grid(axis="y", color="#e0e0e0", lw=0.6)
        axes[-1].set_xlabel("time (s)")
        axes[-1].set_xlim(float(t[0]), float(t[-1]))
        buffer = io.BytesIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
