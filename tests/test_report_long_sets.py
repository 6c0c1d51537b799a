"""A long set's report (more than 12 reps: a filmed shift, a long kettlebell set): every rep keeps its row, and each
distinct advice is given once with the reps it applies to, where a 60-rep set had printed its advice under every row
(18 A4 pages, most of them the same sentence). Rendered-track sets, no pose model, no video: quick."""

from __future__ import annotations

import base64
import json
import re
from html import unescape
from pathlib import Path

import pytest
from synthetic_tracks import mixed_set_track
from test_report import A4_PRINTABLE_PX, SCROLLS_SIDEWAYS, SMALLEST_PRINTED, browser  # noqa: F401 - browser: a fixture

from liftform.analysis import ModelInfo, SourceInfo
from liftform.core.look_at import SHOWN_REPS_MAX
from liftform.outputs import write_outputs
from liftform.outputs.layout import RESULT_NAME
from liftform.pipeline import analyze_track
from liftform.report import write_report
from liftform.report.figures import REP_FIGURE_PAD_S
from liftform.report.rep_table import rep_spans
from liftform.settings import Settings, apply_overrides

# 15 reps: two rounded (of two depths, one rounded lowering the load) between a hinge, a squat and a hinge.
LONG_SET = ["hip_hinge", "rounded_back", "rounded_back:32", "squat", "hip_hinge"] * 3


def report_of(folder: Path, kinds: list[str], settings: Settings | None = None) -> tuple[str, list[dict]]:
    """report.html of a rendered set of ``kinds`` (its video gone: no frames), and result.json's reps."""
    track = mixed_set_track(kinds)
    source = SourceInfo(str(folder / "gone.mp4"), "ab" * 32, 30.0, len(track), *track.frame_size_wh,
                        float(track.timestamps_s[-1]))
    analysis = analyze_track(track, source, ModelInfo("full", "cd" * 32), settings or Settings())
    write_outputs(analysis, track, folder, write_video=False)
    html = write_report(folder).path.read_text(encoding="utf-8")
    return html, json.loads((folder / RESULT_NAME).read_text())["reps"]


def text(html: str) -> str:
    """What a reader sees of ``html``: tags removed, whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def said(words: str) -> str:
    """``words`` as `text` reads them on the page (a `command` is set as code)."""
    return " ".join(words.replace("`", " ").split())


def rep_rows(html: str) -> list[str]:
    """The main lifter's table, a rep's rows (its tbody) each, as html."""
    table = html.split('id="reps"')[1].split("</table>")[0]
    return [part.split("</tbody>")[0] for part in table.split('<tbody class="rep-rows">')[1:]]


def advice_list(html: str) -> dict[str, str]:
    """A long set's list of advice: {anchor: what its item says}."""
    return {anchor: text(item) for anchor, item in re.findall(r'<li id="(advice-1-\d+)">(.*?)</li>', html, re.S)}


def test_a_long_sets_advice_is_given_once_with_the_reps_it_applies_to(tmp_path):
    html, reps = report_of(tmp_path / "long", LONG_SET)
    assert len(reps) == len(LONG_SET) > SHOWN_REPS_MAX
    page = text(html)
    rounded = [r["index"] + 1 for r in reps if r["verdict"] == "rounded_back"]
    assert len(rounded) == 6 and len({r["advice"] for r in reps if r["verdict"] == "rounded_back"}) > 1
    # Each advice once: the rounded reps' (whose sentences differ only in their numbers), the hinges', the squats'.
    for opening, verdict in [("Bend at the hips and knees", "rounded_back"), ("Good hip hinge", "hip_hinge"),
                             ("Good squat lift", "squat")]:
        assert page.count(opening) == 1, opening
        told = [r["index"] + 1 for r in reps if r["verdict"] == verdict]
        item = next(words for words in advice_list(html).values() if opening in words)
        assert f"{len(told)} reps ({', '.join(map(str, told))})" in item, item
    assert "Advice:" not in page and 'class="advice"' not in html
    for rep in reps:           # no rounded rep's own sentence (with its numbers): its numbers are in its row
        assert (said(rep["advice"]) in page) == (rep["verdict"] != "rounded_back"), rep["advice"]
    first = list(advice_list(html).values())[0]
    assert "Bend at the hips and knees" in first       # the advice of the reps to look at comes first


def test_each_row_of_a_long_set_keeps_its_numbers_and_reason_and_leads_to_its_advice(tmp_path):
    html, reps = report_of(tmp_path / "long", LONG_SET)
    rows, advice = rep_rows(html), advice_list(html)
    assert len(rows) == len(reps)
    for row, rep in zip(rows, reps, strict=True):
        words = text(row)
        assert words.startswith(f"{rep['index'] + 1} "), words
        assert rep["reason"] in words and f"{rep['peak_spine_flexion_deg']:.0f}°" in words, words
        assert f"{rep['peak_trunk_inclination_deg']:.0f}°" in words and f"{rep['confidence']:.0%}" in words
        (anchor,) = re.findall(r'href="#(advice-1-\d+)"', row)
        opening = rep["advice"].split(":")[0].split(" - ")[0]
        assert opening in advice[anchor] and f"{rep['index'] + 1}" in advice[anchor].split(":")[0], (
            rep["advice"], advice[anchor])


def test_a_long_sets_rounded_rows_give_the_share_of_the_lifters_range_their_advice_gave(tmp_path):
    """With a profile's range of spine flexion, a rounded rep's advice said "(61% of your range)": said once for the
    set, that share is in the rep's row."""
    settings = apply_overrides(Settings(), {"spine": {"personal_max_flexion_deg": 50.0}})
    html, reps = report_of(tmp_path / "long", LONG_SET, settings)
    assert "of your range" not in text(html)
    for row, rep in zip(rep_rows(html), reps, strict=True):
        share = f"{rep['spine_flexion_pct_of_max']:.0f}% of own range"
        assert (share in text(row)) == (rep["verdict"] == "rounded_back"), (text(row), rep)


def test_a_set_of_twelve_reps_gives_each_reps_advice_under_its_row(tmp_path):
    html, reps = report_of(tmp_path / "short", LONG_SET[:SHOWN_REPS_MAX])
    rows = rep_rows(html)
    assert len(rows) == len(reps) == SHOWN_REPS_MAX and not advice_list(html) and 'class="advice-list"' not in html
    for row, rep in zip(rows, reps, strict=True):
        assert f"Advice: {said(rep['advice'])}" in text(row) and 'href="#advice' not in row, text(row)


def rep_plots(html: str) -> dict[int, str]:
    """A long set's plot of each pictured rep: {rep number: its SVG}."""
    found = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="Spine flexion over rep (\d+)', html)
    return {int(number): base64.b64decode(payload).decode() for payload, number in found}


def test_each_rep_to_look_at_of_a_long_set_has_a_plot_of_its_own(tmp_path):
    """The whole set's plot gives each rep of an hour a pixel or two: each rep to look at (those the page pictures)
    gets a plot of its own spine flexion, over the rep alone, on the set's scale."""
    html, reps = report_of(tmp_path / "long", LONG_SET)
    rounded = [r for r in reps if r["verdict"] == "rounded_back"]
    plots = rep_plots(html)
    assert sorted(plots) == [r["index"] + 1 for r in rounded]
    for rep in rounded:
        svg = plots[rep["index"] + 1]
        assert f"rep {rep['index'] + 1} ✗" in svg
        ticks = [float(v) for v in re.findall(r"text-anchor='middle'[^>]*><tspan[^>]*>(-?[\d.]+)</tspan>", svg)]
        assert ticks and rep["start_s"] - REP_FIGURE_PAD_S <= min(ticks) < rep["start_s"], (ticks, rep["start_s"])
        assert rep["end_s"] < max(ticks) <= rep["end_s"] + REP_FIGURE_PAD_S, (ticks, rep["end_s"])
        assert svg.count("<path d=") >= 1 and "limit" not in svg        # the curve; the legend is the set's
    assert "Rep 2 —" in text(html.split('id="rep-plots"')[1]) and 'href="#rep-' not in html    # no frames to go to
    short, _ = report_of(tmp_path / "short", LONG_SET[:SHOWN_REPS_MAX])
    assert not rep_plots(short) and 'id="rep-plots"' not in short


def test_rep_numbers_are_written_as_runs():
    assert rep_spans([4, 5, 6, 16, 18, 19, 30]) == "4–6, 16, 18, 19, 30"
    assert rep_spans([1]) == "1" and rep_spans([]) == ""


@pytest.mark.slow
@pytest.mark.parametrize("printed", [False, True])
def test_a_long_sets_advice_and_rep_plots_stay_inside_a_phone_and_a4(browser, tmp_path, printed):  # noqa: F811
    """The list of advice and the reps' own plots run past no edge on a phone (375 px) nor printed on A4 (every word
    at least 7.5 pt, its rep plots two to a row)."""
    report_of(tmp_path / "long", LONG_SET)
    page = browser.new_page(viewport={"width": A4_PRINTABLE_PX if printed else 375, "height": 1000})
    page.goto((tmp_path / "long" / "report.html").resolve().as_uri())
    if printed:
        page.emulate_media(media="print")
        assert page.evaluate(SMALLEST_PRINTED) >= 10
        tops = page.evaluate("() => [...document.querySelectorAll('.rep-plots img')].map("
                             "e => Math.round(e.getBoundingClientRect().top))")
        assert len(tops) == 6 and len(set(tops)) == 3, tops
    assert page.evaluate(SCROLLS_SIDEWAYS) == [0, []]
    assert page.locator(".advice-list li").count() == 3
    page.close()
