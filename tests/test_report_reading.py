"""The report as a clinician reads it: the frame each rep's gallery shows is the moment its caption names, and the
number that decided a rep is the one the page shows. Rendered-track lifts (no pose model) with a plain video of
their length, so the gallery has frames; quick."""

from __future__ import annotations

import csv
import json
import re
from html import unescape as html_unescape
from pathlib import Path

import numpy as np
from synthetic_tracks import IMAGE_WH, lift_profile, lift_track, make_track
from video_files import write_h264

from liftform.analysis import ModelInfo, SourceInfo
from liftform.outputs import write_outputs
from liftform.pipeline import analyze_track
from liftform.report import write_report
from liftform.settings import Settings


def result_with_video(folder: Path, track) -> Path:
    """``folder`` written from ``track`` as `liftform analyze` writes it, its source a grey video of the track's
    frames (no SHA-256 recorded, so the page takes its frames from it)."""
    video = folder.parent / f"{folder.name}.mp4"
    folder.parent.mkdir(parents=True, exist_ok=True)
    width, height = IMAGE_WH
    write_h264(video, [np.full((height, width, 3), 128, np.uint8)] * len(track))
    source = SourceInfo(str(video), "", 30.0, len(track), width, height, float(track.timestamps_s[-1]))
    write_outputs(analyze_track(track, source, ModelInfo("full", "cd" * 32), Settings()), track, folder,
                  write_video=False)
    return folder


def page_text(html: str) -> str:
    """What a reader sees of ``html`` (its body's words, tags and the stylesheet left out)."""
    body = html.split("<body>")[-1]
    return " ".join(html_unescape(re.sub(r"<[^>]+>", " ", body)).split())


def rewrite_frames(folder: Path, change) -> None:
    """frames.csv with ``change(rows)`` applied to its rows (dicts of strings)."""
    path = folder / "frames.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    change(rows)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_a_rep_whose_spine_was_never_measured_is_shown_at_the_bottom_of_its_bend(tmp_path):
    """Filmed from the front, the spine measure is below the confidence needed to judge all through a rep; the
    gallery's second frame was the peak of those unreliable values, which on a rendered frontal lift was the rep's
    first frame: the lifter standing, twice, captioned "Most spine flexion: spine flexion −4°". It is the bottom of
    the bend now, and says the spine was not measured there."""
    folder = result_with_video(tmp_path / "out" / "front", lift_track("rounded_back", n_reps=1, yaw_deg=85.0)[0])
    doc = json.loads((folder / "result.json").read_text())
    (rep,) = doc["reps"]
    assert rep["verdict"] == "insufficient_data"

    def noise_peaking_at_the_start(rows):         # the unreliable values of a real frontal view: highest standing
        for row in rows:
            if rep["start_frame"] <= int(row["frame"]) <= rep["end_frame"]:
                row["spine_flexion_deg"] = f"{10.0 - 0.1 * (int(row['frame']) - rep['start_frame']):.2f}"
                row["spine_flexion_confidence"] = "0.050"
    rewrite_frames(folder, noise_peaking_at_the_start)
    html = write_report(folder).path.read_text(encoding="utf-8")
    text = page_text(html)
    assert f"(frame {rep['bottom_frame']})" in text, text[text.index("Reps not judged"):][:400]
    assert "Bottom of the bend : spine flexion not measured reliably here" in text
    assert "Most spine flexion" not in text and "Rep 1, frame of the bottom of the bend" in html_unescape(html)


def test_a_rep_too_upright_to_judge_is_pictured_at_its_bottom_not_as_its_back_most_bent(tmp_path):
    """A half-kneel whose trunk stays upright: its spine is never judged, so its picture is the bottom of the bend.
    It had been captioned "Back most bent: spine flexion -28°" where the same rep read +34° upright (drawn "not
    judged"), and its alt text said "Back: neutral"."""
    t, env = lift_profile(1, 30.0, 1.0)
    folder = result_with_video(tmp_path / "out" / "kneel", make_track(20.0 * env, 90.0 * env, 40.0 * env, t))
    (rep,) = json.loads((folder / "result.json").read_text())["reps"]
    assert rep["peak_spine_flexion_deg"] is None and rep["verdict"] != "rounded_back"
    text = page_text(write_report(folder).path.read_text(encoding="utf-8"))
    assert "Bottom of the bend : spine flexion not judged in this rep (too upright)" in text, text
    assert "Back most bent" not in text


def test_a_rep_rounded_by_its_hanging_head_shows_the_head_that_decided_it(tmp_path):
    """A flat back with the head hanging past its limit is a rounded rep (the upper back rounds with it); the page
    showed its spine flexion, 4°, in red as what was rounded, and the gallery's "Worst moment" gave the spine
    alone: a clinician read "rounded back, 4° against a limit of 21°". The head's angle is shown, marked, in the
    table and in the caption of the frame, which is where the head hung most."""
    t, env = lift_profile(1, 30.0, 1.0)
    head_deg = Settings().verdict.head_hanging_neck_deg + 15.0
    track = make_track(75.0 * env, 20.0 * env, 4.0 * env, t, head_drop_deg=head_deg * env)
    folder = result_with_video(tmp_path / "out" / "head", track)
    (rep,) = json.loads((folder / "result.json").read_text())["reps"]
    assert rep["verdict"] == "rounded_back" and rep["head_led"]
    html = write_report(folder).path.read_text(encoding="utf-8")
    row = html.split('<tr class="nums">')[1].split("</tr>")[0]
    assert f'<b class="bad">head {rep["peak_neck_flexion_deg"]:.0f}°</b>' in row
    assert 'class="n bad"' not in row                         # the spine's 4° is not what is marked rounded
    caption = page_text(html.split('id="rep-1"')[1].split("</figure>")[1])
    shown = re.search(r"head hung (\d+)° from the line of the back", caption)
    assert shown and abs(int(shown.group(1)) - rep["peak_neck_flexion_deg"]) <= 1, caption


def test_a_clip_says_whether_the_page_alone_plays_it(tmp_path):
    """Every clip's caption said "keep the clips folder beside this page", also where the clip is in the page and
    the page alone, sent or moved, plays it; a clip too large to embed, which needs its folder, read the same."""
    folder = result_with_video(tmp_path / "out" / "stoop", lift_track("rounded_back", n_reps=1)[0])
    embedded = page_text(write_report(folder).path.read_text(encoding="utf-8"))
    assert "Clip of rep 1 · in this page, also saved as clips/rep-1.mp4" in embedded
    assert "keep the clips folder" not in embedded
    linked = page_text(write_report(folder, embed_clip_max_bytes=0).path.read_text(encoding="utf-8"))
    assert "Clip of rep 1 · played from clips/rep-1.mp4 : keep the clips folder beside this page" in linked


def test_a_long_sets_reps_stay_labelled_apart_on_the_plot(tmp_path):
    """Over a set of many reps the labels "rep 12 ✗" ran into each other ("✗rep 11 ✗rep 12 ✗" at twelve reps, a
    smear at thirty). Each rep keeps its mark (✗, ✓ or ?: colour is never the only cue) and, where "rep N" does not
    fit, the numbers of every k-th rep go on a row above; no two labels of a row overlap."""
    from liftform.report.data import load_result
    from liftform.report.figures import angle_figure_svg

    t, env = lift_profile(30, 30.0, 1.0, rep_s=1.6, stand_s=0.5)
    folder = tmp_path / "long"
    track = make_track(85.0 * env, 10.0 * env, 40.0 * env, t)
    source = SourceInfo(str(tmp_path / "gone.mp4"), "", 30.0, len(track), *IMAGE_WH, float(t[-1]))
    write_outputs(analyze_track(track, source, ModelInfo("full", "cd" * 32), Settings()), track, folder,
                  write_video=False)
    data = load_result(folder)
    assert len(data.reps) == 30
    svg = angle_figure_svg(data).decode("utf-8")
    texts = [(float(x), float(y), html_unescape("".join(re.findall(r">([^<]*)</tspan>", body))))
             for x, y, body in re.findall(r"<text x='([\d.]+)' y='([\d.]+)'[^>]*>(.*?)</text>", svg)]
    labels = [(x, y, words) for x, y, words in texts if re.fullmatch(r"(rep )?\d* ?[✗✓?]|\d+", words)]
    marks = [words for _, _, words in labels if words[-1] in "✗✓?"]
    assert len(marks) == 30 and all(m.endswith("✗") for m in marks)
    numbered = {re.sub(r"\D", "", words) for _, _, words in labels} - {""}
    assert "1" in numbered and len(numbered) >= 3, numbered
    for row in {y for _, y, _ in labels}:
        spans = sorted((x - 3.25 * len(w), x + 3.25 * len(w)) for x, y, w in labels if y == row)   # 6.5 px a char
        assert all(left >= right for (_, right), (left, _) in zip(spans, spans[1:], strict=False)), (row, spans)


def test_a_folder_gone_while_a_moved_video_is_looked_for_is_passed_over(tmp_path, monkeypatch):
    """`liftform report` run from /tmp, where other programs' temporary folders come and go: a folder removed
    between being listed and being looked into had ended the report with "error: cannot use /tmp/tmp6qybv6ta: no
    such file or directory", where the moved video lay in another folder."""
    import os

    from liftform.hashing import sha256_file
    from liftform.report.data import find_source

    moved = tmp_path / "archive" / "2024" / "lift.mp4"
    moved.parent.mkdir(parents=True)
    moved.write_bytes(b"the lift")
    gone = tmp_path / "tmpgone"
    (gone / "inside").mkdir(parents=True)
    listed = os.scandir

    def scandir(path="."):
        if Path(path) == gone:                  # listed in tmp_path, removed before it is looked into
            raise FileNotFoundError(2, "No such file or directory", str(path))
        return listed(path)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.chdir(tmp_path)
    found = find_source(str(tmp_path / "videos" / "lift.mp4"), sha256_file(moved), tmp_path / "out" / "lift")
    assert found is not None and found.samefile(moved)


def test_a_video_still_where_it_was_analysed_is_taken_without_a_note(tmp_path, monkeypatch):
    """The report of a result whose source video is where it was analysed, the same file (its SHA-256), takes it
    as it is: no "the source video was not at ...; found the same file" note, and the recorded path shown."""
    from liftform.hashing import sha256_file
    from liftform.report.data import load_result

    video = tmp_path / "videos" / "lift.mp4"
    video.parent.mkdir()
    video.write_bytes(b"the lift, as analysed")
    track, _ = lift_track("rounded_back", n_reps=1)
    source = SourceInfo(str(video), sha256_file(video), 30.0, len(track), *track.frame_size_wh,
                        float(track.timestamps_s[-1]))
    write_outputs(analyze_track(track, source, ModelInfo("full", "cd" * 32), Settings()), track,
                  tmp_path / "out" / "lift", write_video=False)
    monkeypatch.chdir(tmp_path)
    data = load_result(tmp_path / "out" / "lift")
    assert data.video_path == video and data.notes == []


def test_the_page_says_what_each_column_means_where_it_cannot_be_hovered(tmp_path):
    """The rep table's columns were explained only in their headings' tooltips: printed (and on a phone) Tempo and
    the hip's 0 were explained nowhere, and a rep that reached down rounded showed "Spine flexion, peak 4°" in its
    row beside a frame captioned "Most spine flexion: spine flexion 38°", the table's peak (the judged part's)
    unexplained. Each column is said once under the tables, with what the tooltip says."""
    from liftform.report.rep_table import NUMBER_COLUMNS

    track, _ = lift_track_reached_down_rounded()
    folder = result_with_video(tmp_path / "out" / "reach", track)
    (rep,) = json.loads((folder / "result.json").read_text())["reps"]
    assert rep["verdict"] != "rounded_back" and "rounded_reach_down" in rep["faults"], rep
    html = write_report(folder).path.read_text(encoding="utf-8")
    key = page_text(html.split('id="columns"')[1].split("</p>")[0])
    for heading, meaning in NUMBER_COLUMNS:
        assert f"{heading.replace(chr(10), ' ').replace('– ', '–')} : {meaning}" in key, key
        assert f'title="{meaning}"' in html_unescape(html)
    assert "Tempo down / up : seconds through the middle of the rep" in key
    assert "Back most bent : spine flexion 3" in page_text(html)       # the reach-down's, in the gallery
    assert "spine flexion : spine flexion" not in page_text(html).lower()


def lift_track_reached_down_rounded():
    from synthetic_tracks import reach_then_set_track

    return reach_then_set_track(reach_spine_deg=38.0, lift_spine_deg=3.0)


def test_the_gallery_names_the_rep_it_could_not_judge():
    """Above a rounded rep 1 and an undecided rep 2, the gallery said "liftform could not judge this rep (the table
    above says why)": read above rep 1's frames, "this rep" was the rounded one. It names the rep."""
    from liftform.report.gallery import gallery_words

    rounded, unjudged = {"kind": "rounded", "number": 1, "pictured": True}, {"kind": "unjudged", "pictured": True}
    _, lines = gallery_words([rounded, unjudged | {"number": 2}], others_rounded=0)
    assert "liftform could not judge rep 2 (the table above says why): look at its frames yourself." in lines
    _, lines = gallery_words([unjudged | {"number": n} for n in (2, 3, 4, 7)], others_rounded=0)
    assert "liftform could not judge reps 2–4, 7 (the table above says why): look at their frames yourself." in lines
