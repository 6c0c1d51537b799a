"""The report's angle plot: SVG drawn from the arrays, checked by reading the drawing back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from xml.etree import ElementTree

import numpy as np
import pytest

from liftform.core.vocabulary import Tone
from liftform.report.data import Thresholds
from liftform.report.figures import (
    FLAGGED_OPACITY,
    INK,
    JUDGED_STRIP_PX,
    RED,
    TOLD_OPACITY,
    angle_figure_svg,
    nice_ticks,
)

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"
LIMIT_DEG, HEAD_LIMIT_DEG, MIN_CONFIDENCE = 21.0, 40.0, 0.4


def _data(n: int = 120, spine=None, confidence=None, flagged=None, reps=None, neck=None, judged=None):
    t = np.arange(n) / 30.0
    spine = 30 * np.sin(t * 2) if spine is None else spine
    frames = {"time_s": t, "spine_flexion_deg": spine,
              "spine_flexion_confidence": np.ones(n) if confidence is None else confidence,
              "flagged": np.zeros(n) if flagged is None else flagged,
              "trunk_inclination_deg": 40 + 40 * np.sin(t), "hip_flexion_deg": 60 + 30 * np.sin(t),
              "knee_flexion_deg": 10 + 5 * np.cos(t)}
    if neck is not None:
        frames["neck_flexion_deg"] = neck
    if judged is not None:
        frames["judged"] = judged
    thresholds = Thresholds(rounded_back_spine_deg=LIMIT_DEG, head_hanging_neck_deg=HEAD_LIMIT_DEG,
                            flag_hysteresis_deg=3.0, min_rounded_s=0.2,
                            min_confidence=MIN_CONFIDENCE, squat_knee_flexion_deg=75.0, squat_max_trunk_deg=50.0,
                            min_trunk_for_rounding_deg=40.0, min_hip_for_rounding_deg=80.0,
                            neutral_bend_deg=0.0, reba_trunk_bands_deg=(20.0, 60.0))
    return SimpleNamespace(frames=frames, thresholds=thresholds, reps=reps or [])


def _root(data) -> ElementTree.Element:
    return ElementTree.fromstring(angle_figure_svg(data))      # well-formed XML (labels with '>' escaped)


def _in_panel(root, tag: str, panel: int) -> list[ElementTree.Element]:
    return [e for e in root.iter(SVG + tag) if e.get("clip-path") == f"url(#panel{panel})"]


def _subpaths(d: str) -> list[np.ndarray]:
    return [np.array([[float(v) for v in p.split(",")] for p in piece.split("L")]) for piece in d.split("M")[1:]]


def _spine_line(root, colour: str) -> list[np.ndarray]:
    paths = [p for p in _in_panel(root, "path", 0) if p.get("stroke") == colour]
    assert len(paths) == 1
    return _subpaths(paths[0].get("d"))


def test_spine_curve_and_limit_are_drawn_to_one_scale():
    data = _data()
    root = _root(data)
    (points,) = _spine_line(root, "#212121")
    t, spine = data.frames["time_s"], data.frames["spine_flexion_deg"]
    assert len(points) == len(t)
    # x is an affine map of time and y of the angle (up is more flexion), each exact to the 0.1 px written.
    fit_x = np.polyfit(t, points[:, 0], 1)
    fit_y = np.polyfit(spine, points[:, 1], 1)
    assert fit_x[0] > 0 and fit_y[0] < 0
    assert np.abs(np.polyval(fit_x, t) - points[:, 0]).max() < 0.1
    assert np.abs(np.polyval(fit_y, spine) - points[:, 1]).max() < 0.1
    limit = [e for e in root.iter(SVG + "line") if e.get("stroke") == RED and e.get("stroke-dasharray") == "6 3"]
    assert limit, "the limit line is drawn"
    assert float(limit[0].get("y1")) == pytest.approx(np.polyval(fit_y, LIMIT_DEG), abs=0.15)
    text = "".join(root.itertext())
    assert "limit 21°" in text and "squat if knee > 75°" in text and "time (s)" in text


def test_unknown_and_untrusted_frames_break_the_confident_line():
    n = 90
    spine = np.linspace(-10, 40, n)
    spine[30:35] = np.nan                      # no pose: both lines break there
    confidence = np.ones(n)
    confidence[60:70] = 0.1                    # low confidence: only the dashed grey line goes through
    root = _root(_data(n, spine=spine, confidence=confidence))
    confident = _spine_line(root, "#212121")
    assert [len(p) for p in confident] == [30, 25, 20]
    everything = [p for p in _in_panel(root, "path", 0) if p.get("stroke-dasharray")]
    assert [len(p) for p in _subpaths(everything[0].get("d"))] == [30, 55]


def test_flagged_spans_and_reps_are_shaded_and_labelled():
    n = 150
    flagged = np.zeros(n)
    flagged[20:40] = 1
    flagged[100:111] = 1
    reps = [{"index": 0, "start_s": 0.5, "end_s": 1.6, "verdict": "rounded_back"},
            {"index": 1, "start_s": 3.0, "end_s": 4.5, "verdict": "hip_hinge"}]
    data = _data(n, flagged=flagged, reps=reps)
    root = _root(data)
    red = [r for r in _in_panel(root, "rect", 0) if r.get("fill") == RED and r.get("fill-opacity") == "0.22"]
    assert len(red) == 2
    (points,) = _spine_line(root, "#212121")
    x_of = dict(zip(np.round(data.frames["time_s"], 6), points[:, 0], strict=True))
    t = data.frames["time_s"]
    assert float(red[0].get("x")) == pytest.approx(x_of[round(t[20], 6)], abs=0.1)
    width = x_of[round(t[40], 6)] - x_of[round(t[20], 6)]    # frames 20..39 and one frame's width
    assert float(red[0].get("width")) == pytest.approx(width, abs=0.2)
    text = "".join(root.itertext())
    assert "rep 1" in text and "rep 2" in text and "flagged: back rounded" in text
    # The verdict by a sign beside its colour (red and green read alike to about 1 man in 12)
    assert f"rep 1 {Tone.BAD.mark}" in text and f"rep 2 {Tone.GOOD.mark}" in text
    for panel in range(4):                   # every panel shades both reps
        shades = [r for r in _in_panel(root, "rect", panel) if r.get("fill-opacity") == "0.07"]
        assert len(shades) == 2


def test_the_judged_part_is_a_strip_and_rounding_outside_it_is_faint():
    # One rep: reaching down rounded (flagged 20..39), lift-off at 50, judged 50..99 with the back rounded 60..69.
    n = 150
    flagged, judged = np.zeros(n), np.zeros(n)
    flagged[20:40] = flagged[60:70] = 1
    judged[50:100] = 1
    data = _data(n, flagged=flagged, judged=judged,
                 reps=[{"index": 0, "start_s": 0.5, "end_s": 3.5, "verdict": "rounded_back"}])
    root = _root(data)
    (points,) = _spine_line(root, "#212121")
    x_of = dict(zip(np.round(data.frames["time_s"], 6), points[:, 0], strict=True))
    t = np.round(data.frames["time_s"], 6)
    rects = _in_panel(root, "rect", 0)
    (strip,) = [r for r in rects if r.get("fill") == INK]
    assert float(strip.get("x")) == pytest.approx(x_of[t[50]], abs=0.1)
    assert float(strip.get("width")) == pytest.approx(x_of[t[100]] - x_of[t[50]], abs=0.2)
    assert float(strip.get("height")) == JUDGED_STRIP_PX
    (counted,) = [r for r in rects if r.get("fill") == RED and r.get("fill-opacity") == f"{FLAGGED_OPACITY:g}"]
    (told,) = [r for r in rects if r.get("fill") == RED and r.get("fill-opacity") == f"{TOLD_OPACITY:g}"]
    assert float(counted.get("x")) == pytest.approx(x_of[t[60]], abs=0.1)
    assert float(told.get("x")) == pytest.approx(x_of[t[20]], abs=0.1)
    text = "".join(root.itertext())
    assert "judged part of a rep" in text and "rounded, not judged" in text
    # Without the column (results written before it): every flagged frame drawn as counted, no strip.
    root = _root(_data(n, flagged=flagged))
    assert not [r for r in _in_panel(root, "rect", 0) if r.get("fill") == INK]
    assert len([r for r in _in_panel(root, "rect", 0) if r.get("fill-opacity") == f"{FLAGGED_OPACITY:g}"]) == 2


def test_the_head_is_drawn_where_it_flagged_the_back():
    """A red band over a spine line below its limit is explained: the head's line and limit are drawn, only then."""
    n = 120
    flagged = np.zeros(n)
    flagged[40:60] = 1
    spine = np.full(n, 10.0)                       # the back's outline stays inside its limit
    neck = np.where(flagged > 0, 60.0, 5.0)          # the head hangs past its limit where flagged
    text = "".join(_root(_data(n, spine=spine, flagged=flagged, neck=neck)).itertext())
    assert "head hanging" in text and "head limit 40°" in text
    calm = "".join(_root(_data(n, spine=spine, flagged=flagged, neck=np.full(n, 5.0))).itertext())
    assert "head hanging" not in calm


def test_no_plot_without_frames_and_missing_columns_are_left_out():
    assert angle_figure_svg(SimpleNamespace(frames=None, thresholds=None, reps=[])) is None
    data = _data(2)
    del data.frames["knee_flexion_deg"]
    data.frames["spine_flexion_deg"] = np.full(2, np.nan)
    root = _root(data)
    assert not [p for p in _in_panel(root, "path", 0) if p.get("stroke") == "#212121"]
    assert len(root.findall(f"{SVG}clipPath")) == 4


def test_every_legend_label_fits_in_the_picture():
    """The trunk panel's "rounding counts above 40° (or with the hips past 80°)" ran past the picture's right edge
    and was cut after "(or with" in the report. Each legend line must end inside it (a character is at most ~0.56
    of the font's size wide in the sans-serif fonts browsers pick)."""
    from liftform.report.figures import SMALL_PX, WIDTH_PX

    root = _root(_data(neck=np.full(120, 45.0), reps=[{"index": 0, "start_frame": 10, "end_frame": 60,
                                                         "verdict": "rounded_back"}]))
    labels = [(float(span.get("x")), span.text or "") for e in root.iter(SVG + "text")
              if e.get("font-size") == f"{SMALL_PX:g}" for span in e.iter(SVG + "tspan")]
    assert any(text.startswith("rounding counts above 40°") for _, text in labels)
    too_long = [(x, text) for x, text in labels if x + 0.56 * SMALL_PX * len(text) > WIDTH_PX]
    assert not too_long, too_long


def test_nice_ticks():
    assert nice_ticks(-21.3, 44.0, 6).tolist() == [-20, -10, 0, 10, 20, 30, 40]
    assert nice_ticks(-10, 100, 6).tolist() == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(0, 1.05, 3).tolist() == [0, 0.5, 1.0]
    assert nice_ticks(0, 9.1, 8).tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert nice_ticks(5, 5).tolist() == [5]


def test_drawing_the_plot_imports_no_plotting_library():
    code = ("import sys\nsys.path.insert(0, 'tests')\nfrom test_figures import _data\n"
            "from liftform.report.figures import angle_figure_svg\n"
            "assert angle_figure_svg(_data()).startswith(b'<svg')\nassert 'matplotlib' not in sys.modules\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
