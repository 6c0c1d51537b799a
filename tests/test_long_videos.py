"""Long videos (a whole shift filmed, a long set): what the outputs cost must grow with the video's length, not with
its length times its reps. Small synthetic inputs, measured at two sizes."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path

import numpy as np
import pytest
from test_outputs import H, W, decode_all, synthetic_analysis, synthetic_track
from video_files import write_h264

from liftform.outputs.video_writer import H264Writer
from liftform.pipeline import save_result
from liftform.report.data import load_result
from liftform.report.figures import angle_figure_svg
from liftform.report.frames import ClipRequest, MediaGrabber
from liftform.report.lines import ENVELOPE_COLUMNS_PER_PX, envelope
from liftform.video import open_video

N_FRAMES = 200          # source frames, 10 fps


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """A 320x240, 200-frame H.264 clip at 10 fps, each frame one grey level (frame i: i % 250)."""
    path = tmp_path_factory.mktemp("long") / "lift.mp4"
    write_h264(path, (np.full((H, W, 3), i % 250, np.uint8) for i in range(N_FRAMES)), fps=10)
    return path


@pytest.fixture(scope="module")
def result_dir(source, tmp_path_factory) -> Path:
    """A result folder of ``source`` (data files only: what a report is drawn from)."""
    analysis = synthetic_analysis(source_path=str(source))
    analysis = dataclasses.replace(analysis, source=dataclasses.replace(analysis.source, frames=N_FRAMES))
    out = tmp_path_factory.mktemp("result") / "lift"
    save_result(analysis, synthetic_track(), out, video_path=source, write_video=False, report=False)
    return out


def test_each_clip_is_finished_at_its_last_frame_not_kept_open_to_the_end(result_dir, source, tmp_path, monkeypatch):
    """A report drawn from the source (`liftform report`, `analyze --no-video`) encodes a clip per flagged rep: each
    writer (an x264 encoder and its threads) is closed at its clip's last frame. All of them had been kept open to the
    end: a 10-minute set of 198 rounded reps drawn again took 4.2 GB and a thousand threads (an hour's, more memory
    than the machine has)."""
    open_now, most_open = [0], [0]
    enter, leave = H264Writer.__enter__, H264Writer.__exit__

    def counted_enter(self):
        open_now[0] += 1
        most_open[0] = max(most_open[0], open_now[0])
        return enter(self)

    def counted_exit(self, *exc):
        open_now[0] -= 1
        return leave(self, *exc)

    monkeypatch.setattr(H264Writer, "__enter__", counted_enter)
    monkeypatch.setattr(H264Writer, "__exit__", counted_exit)
    clips = [ClipRequest(first, first + 5, tmp_path / f"rep-{k + 1}.mp4", f"Rep {k + 1}  ")
             for k, first in enumerate(range(0, N_FRAMES - 10, 10))]           # 19 clips, one after the other
    finished_when_past = []
    with contextlib.ExitStack() as stack, open_video(source) as video:
        grabber = MediaGrabber(load_result(result_dir), {}, clips, blur_faces=False, stack=stack)
        for frame in video.frames():
            grabber.feed(frame)
            if frame.index == clips[0].last + 1:
                finished_when_past.append(clips[0].path.is_file())
    assert finished_when_past == [True]          # written whole as soon as its frames are in
    assert most_open[0] == 1
    assert all(len(decode_all(clip.path)[0]) == 6 for clip in clips)


class _WatchedClip(ClipRequest):
    """A ClipRequest that counts how often its frame bounds are read (`looked_at`)."""

    looked_at = [0]

    def __getattribute__(self, name: str):
        if name in ("first", "last"):
            _WatchedClip.looked_at[0] += 1
        return super().__getattribute__(name)


@pytest.mark.parametrize("cut_clips", [True, False])
def test_each_frame_looks_only_at_the_clips_around_it(result_dir, source, tmp_path, cut_clips):
    """A frame is matched to the clips it starts, ends or is part of without going through every clip: every clip
    looked at on every frame had made the report's pass over an hour of rounded reps (1,180 clips, 108,000 frames)
    cost 127 million looks."""
    clips = [_WatchedClip(first, first + 2, tmp_path / f"rep-{k + 1}.mp4", "")
             for k, first in enumerate(range(0, N_FRAMES - 4, 4))]             # 49 clips
    keyframes = []
    with contextlib.ExitStack() as stack, open_video(source) as video:
        grabber = MediaGrabber(load_result(result_dir), {}, clips, blur_faces=False, stack=stack,
                               cut_clips=cut_clips)
        _WatchedClip.looked_at[0] = 0
        for frame in video.frames():
            if grabber.feed(frame):
                keyframes.append(frame.index)
        looked_at = _WatchedClip.looked_at[0]
    assert looked_at < 10 * (N_FRAMES + len(clips))          # was 2 x 49 per frame: 19,600
    if cut_clips:   # a keyframe where each clip starts and where the frame after its last is
        assert keyframes == sorted({n for clip in clips for n in (clip.first, clip.last + 1)})
    else:
        assert all(len(decode_all(clip.path)[0]) == 3 for clip in clips)


def test_a_segment_late_in_a_long_video_is_copied_without_reading_what_comes_before(tmp_path, monkeypatch):
    """`copy_segment` (a report clip cut from the annotated video) starts reading at the keyframe it copies from:
    it had read the video from its start for every clip, the clips of an hour's flagged reps ~6 min of demuxing."""
    import liftform.outputs.video_writer as video_writer

    times = []
    with H264Writer(tmp_path / "long.mp4", 30.0, 32, 24) as writer:
        for k in range(3000):
            times.append(writer.write(np.full((24, 32, 3), k % 200, np.uint8), k / 30, keyframe=k % 100 == 0))
    read = [0]

    class Counting:
        """A container that counts the packets demuxed from it."""

        def __init__(self, container):
            self.container = container

        def __getattr__(self, name):
            return getattr(self.container, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self.container.__exit__(*exc)

        def demux(self, *args, **kwargs):
            for packet in self.container.demux(*args, **kwargs):
                read[0] += 1
                yield packet

    real_open = video_writer.av.open
    monkeypatch.setattr(video_writer.av, "open", lambda *args, **kwargs: Counting(real_open(*args, **kwargs)))
    assert video_writer.copy_segment(tmp_path / "long.mp4", tmp_path / "seg.mp4", times[2800], times[2900])
    assert read[0] <= 200                                    # was 2,901
    monkeypatch.undo()
    frames = decode_all(tmp_path / "seg.mp4")[0]
    assert len(frames) == 100 and [int(f.mean()) for f in frames[::33]] == pytest.approx([0, 33, 66, 99], abs=2)



def test_an_hours_plot_draws_each_line_at_the_figures_resolution():
    """The report's plot thins a line to what its pixels show (`lines.envelope`): an hour at 30 frames/s had written
    all 108,000 points of each line (the plot 14 MB of the page); a set of a few minutes is drawn point for point."""
    from test_figures import _data, _root, _spine_line

    n = 108_000
    spine = 30 * np.sin(np.arange(n) / 15.0) + np.random.default_rng(0).normal(0, 3, n)
    svg = angle_figure_svg(_data(n, spine=spine))
    (drawn,) = _spine_line(_root(_data(n, spine=spine)), "#212121")
    assert len(drawn) <= 4 * 2 * 680 and len(svg) < 1_000_000          # was 108,000 points, 7.6 MB
    assert len(_spine_line(_root(_data(3000, spine=spine[:3000])), "#212121")[0]) == 3000


def test_a_thinned_line_keeps_each_columns_first_last_lowest_and_highest_point():
    rng = np.random.default_rng(1)
    xs = np.sort(rng.uniform(0, 100, 20_000))
    ys = rng.normal(0, 1, len(xs)).cumsum()
    kept = envelope(xs, ys)
    assert np.all(np.diff(kept) > 0) and len(kept) <= 4 * 200          # in order; at most 4 a half-pixel column
    columns = np.floor(xs * ENVELOPE_COLUMNS_PER_PX)
    for column in np.unique(columns):
        everything, thinned = np.flatnonzero(columns == column), kept[columns[kept] == column]
        assert thinned[0] == everything[0] and thinned[-1] == everything[-1]
        assert ys[thinned].min() == ys[everything].min() and ys[thinned].max() == ys[everything].max()
    assert np.array_equal(envelope(xs[::100], ys[::100]), np.arange(200))   # sparse: every point


def test_a_long_sets_summary_names_its_reps_as_ranges():
    """196 safe reps are "safe in reps 1–196", not every number (the report's banner had been a paragraph of them);
    a few reps are listed as before."""
    from liftform.outputs.result_json import summary_sentence

    analysis = synthetic_analysis()
    template = analysis.verdicts[0]

    def judged(indices_verdicts):
        return dataclasses.replace(analysis, verdicts=tuple(
            dataclasses.replace(template, rep=dataclasses.replace(template.rep, index=k), verdict=verdict,
                                faults=()) for k, verdict in indices_verdicts))

    long_set = judged([(k, "hip_hinge") for k in range(196)])
    assert summary_sentence(long_set) == "196 reps: safe in reps 1–196 (hip hinge)."
    mixed = judged([(k, "rounded_back" if k in (12, 40) else "hip_hinge") for k in range(60)])
    assert summary_sentence(mixed) == ("60 reps: back rounded in reps 13, 41; safe in reps 1–12, 14–40, 42–60 "
                                       "(hip hinge).")
    few = judged([(k, "hip_hinge") for k in range(4)])
    assert summary_sentence(few) == "4 reps: safe in reps 1, 2, 3, 4 (hip hinge)."


def test_a_long_sets_scattered_reps_are_counted_in_its_summary_and_quickly(monkeypatch):
    """An hour's 1,180 reps with a rounded one in three and a rep not judged: the summary (the report's banner, the
    index, result.json) listed every number, 4,000 characters, and took up to 1.4 s to write (each rep looked for
    in the lists, comparing dataclasses field by field). Reps in a few numbers and ranges are still named."""
    from liftform.core.types import RepVerdict
    from liftform.outputs.result_json import summary_sentence

    verdicts = ["rounded_back" if k % 3 == 0 else "hip_hinge" for k in range(1180)]
    verdicts[50] = "insufficient_data"
    analysis, _ = long_set(verdicts)
    compared, equal = [0], RepVerdict.__eq__
    monkeypatch.setattr(RepVerdict, "__eq__", lambda self, other: compared.__setitem__(0, compared[0] + 1)
                        or equal(self, other))
    summary = summary_sentence(analysis)
    assert compared[0] < len(verdicts)                                                   # was 695,610
    assert summary == ("1180 reps: back rounded in 394 reps; safe in 785 reps (hip hinge); not enough data to judge "
                       "rep 51.")
    few = long_set(["hip_hinge"] * 12 + ["rounded_back"] + ["hip_hinge"] * 47 + ["rounded_back"])[0]
    assert summary_sentence(few) == ("61 reps: back rounded in reps 13, 61; safe in reps 1–12, 14–60 (hip hinge).")

def test_reps_too_close_to_tell_apart_are_shaded_without_dotted_edges():
    """An hour's 1,180 reps are a few px apart on the plot: their dotted edges (two a rep in each panel) had hatched
    every panel over, curves and all. A set of a few reps keeps them."""
    from test_figures import _data, _root

    def dotted(n_frames: int, n_reps: int) -> int:
        period_s = n_frames / 30.0 / n_reps
        reps = [{"index": k, "start_s": k * period_s + 0.2 * period_s, "end_s": k * period_s + 0.8 * period_s,
                 "verdict": "rounded_back"} for k in range(n_reps)]
        root = _root(_data(n_frames, reps=reps))
        return sum(line.get("stroke-dasharray") == "1.5 2.5" and line.get("x1") == line.get("x2")
                   for line in root.iter("{http://www.w3.org/2000/svg}line"))

    assert dotted(600, 4) == 4 * 2 * 4                    # every rep's two edges, in each of the four panels
    assert dotted(108_000, 1180) == 0                     # was 9,440


# --- a long set's reps, shown: the terminal's lines, the report's pictures --------------------------------------------

def long_set(verdicts: list[str], *, source_path: str = "lift.mp4", frames_per_rep: int = 5):
    """An analysis (and its track) of ``len(verdicts)`` reps at 10 frames/s, rep k over analysed (= source) frames
    5k+1 .. 5k+4 with the verdict ``verdicts[k]`` and a peak spine flexion of 20 + k degrees ("rounded_back",
    "hip_hinge", "insufficient_data"; "reach": a safe hinge that reached down rounded; "head": rounded by the head;
    "cut": not judged, its lift not in view)."""
    from test_outputs import N_ANALYSED

    from liftform.core.vocabulary import ROUNDED_REACH_DOWN

    base = synthetic_analysis(source_path=source_path)
    n = len(verdicts) * frames_per_rep + 2
    resized = {f.name: np.resize(value, (n, *value.shape[1:])) for f in dataclasses.fields(base.kinematics)
               if isinstance(value := getattr(base.kinematics, f.name), np.ndarray) and len(value) == N_ANALYSED}
    times = np.arange(n) / 10.0
    kinematics = dataclasses.replace(base.kinematics, **{**resized, "timestamps_s": times, "frame_index": np.arange(n)})
    template = base.verdicts[0]
    reps = []
    for k, verdict in enumerate(verdicts):
        first = k * frames_per_rep + 1
        rep = dataclasses.replace(template.rep, index=k, start=first, bottom=first + 2, end=first + 3,
                                  start_s=times[first], bottom_s=times[first + 2], end_s=times[first + 3])
        reps.append(dataclasses.replace(
            template, rep=rep, verdict={"reach": "hip_hinge", "head": "rounded_back", "cut": "insufficient_data"}.get(
                verdict, verdict),
            faults=(ROUNDED_REACH_DOWN,) if verdict == "reach" else (), head_led=verdict == "head",
            lift_unseen=verdict == "cut",
            peak_spine_flexion_deg=20.0 + k, reason=f"reason of rep {k + 1}"))
    track = synthetic_track()
    track = dataclasses.replace(track, **{name: np.resize(getattr(track, name), (n, *getattr(track, name).shape[1:]))
                                          for name in ("image_xy", "world_xyz", "visibility", "back_profile_px")},
                                timestamps_s=times, frame_index=np.arange(n))
    analysis = dataclasses.replace(base, kinematics=kinematics, verdicts=tuple(reps), flagged=np.zeros(n, bool),
                                   judged=None, source=dataclasses.replace(base.source, frames=n, duration_s=n / 10))
    return analysis, track


# 40 reps: 16 rounded (rep 6 by the head, the most rounded the last), one not judged, one that reached down rounded
LONG_SET = ["hip_hinge"] * 3 + ["rounded_back"] * 2 + ["head"] + ["hip_hinge"] * 8 + ["insufficient_data", "reach"] \
    + ["hip_hinge"] * 11 + ["rounded_back"] * 13 + ["hip_hinge"]


def test_a_long_sets_terminal_lists_the_reps_to_look_at_and_says_where_the_others_are(tmp_path, capsys):
    """A 10-minute set of 198 reps printed 396 lines, a rep and its advice each. A set of more than `SHOWN_REPS_MAX`
    reps gives its counts by verdict, the reps to look at (the first of each kind of finding, then the most
    rounded), and one line on the rest and the file listing every rep; a set of a few is listed whole, as before."""
    from liftform.cli.show import print_summary
    from liftform.core.look_at import SHOWN_REPS_MAX

    analysis, _ = long_set(LONG_SET)
    print_summary(analysis, tmp_path)
    lines = capsys.readouterr().out.splitlines()
    listed = [int(line.split()[1]) for line in lines if line.startswith("  rep ")]
    assert len(lines) <= 2 * SHOWN_REPS_MAX + 5       # and the headline, counts, the rest, a note, where: was 85
    assert len(listed) == SHOWN_REPS_MAX
    assert {4, 6, 15, 16} <= set(listed)            # the first rounded, head-led, unjudged and reached-down rep
    assert set(listed) - {4, 6, 15, 16} == set(range(33, 41))                            # then the most rounded
    text = " ".join(" ".join(lines).split())
    assert "by verdict: 16 ROUNDED BACK, 24 safe hip hinge, 1 not enough data; also 1 reached down" in text
    assert "listed: 12 of the 18 reps to look at (the first of each kind of finding, then the most rounded)" in text
    assert (f"(not listed: 29 more reps: 6 ROUNDED BACK, 23 safe hip hinge; every rep is in "
            f"{tmp_path / 'reps.csv'})") in text
    assert "  rep 4     1.6- 1.9 s  " in lines[2] and "  rep 40   19.6-19.9 s  " in lines[-5]   # in columns
    print_summary(long_set(["hip_hinge"] * 20 + ["rounded_back"] * 2)[0], None)   # a long set, two to look at
    text = " ".join(capsys.readouterr().out.split())
    assert "by verdict: 2 ROUNDED BACK, 20 safe hip hinge; listed: the 2 reps to look at rep 21 " in text
    assert "(not listed: 20 more reps: 20 safe hip hinge)" in text
    few, _ = long_set(LONG_SET[:SHOWN_REPS_MAX])
    print_summary(few, None)
    lines = capsys.readouterr().out.splitlines()
    assert [int(line.split()[1]) for line in lines if line.startswith("  rep ")] == list(range(1, SHOWN_REPS_MAX + 1))
    assert not any("not listed" in line or "by verdict" in line for line in lines)
    assert lines[1].startswith("  rep 1     0.1- 0.4 s  ") and lines[23].startswith("  rep 12    5.6- 5.9 s  ")
    print_summary(long_set(LONG_SET[:3])[0], None)
    assert capsys.readouterr().out.splitlines()[1].startswith("  rep 1    0.1- 0.4 s  ")   # as in the README


def test_a_long_set_shows_the_first_rep_of_each_reason_it_could_not_be_judged():
    """Among more reps to look at than are shown, a rep not judged because its lift was out of view and one not
    judged because the back was not seen are two findings (what to change differs): the first of each is shown,
    though 16 rounded reps rank before both."""
    from liftform.core.look_at import SHOWN_REPS_MAX, reps_shown

    analysis, _ = long_set(["rounded_back"] * 14 + ["insufficient_data"] + ["rounded_back"] * 2 + ["cut"])
    shown = [rv.rep.index + 1 for rv in reps_shown(analysis.verdicts)]
    assert len(shown) == SHOWN_REPS_MAX and {1, 15, 18} <= set(shown)


def test_a_long_sets_report_pictures_the_reps_to_look_at_and_lists_the_others(source, tmp_path):
    """The report pictured every flagged rep (two stills and a clip each): 21 MB for a 10-minute set of 198 rounded
    reps, 20 s to open. It pictures those the terminal lists (`reps_shown`) and lists every other rep to look at
    under them, with the times and frames of its start and worst moment and a link to its clip, saying so; every
    flagged rep's clip is still written."""
    import re

    from liftform.core.look_at import SHOWN_REPS_MAX

    analysis, track = long_set(LONG_SET, source_path=str(source), frames_per_rep=4)
    out = tmp_path / "lift"
    save_result(analysis, track, out, video_path=source, write_video=False)
    html = (out / "report.html").read_text(encoding="utf-8")
    pictured = [int(n) for n in re.findall(r'<div class="rep" id="rep-(\d+)"', html)]
    assert pictured == [4, 6, 15, 16, *range(33, 41)]                         # as the terminal lists them
    assert html.count('src="data:image/jpeg') == 2 * SHOWN_REPS_MAX          # was 2 x 18
    listed = [int(n) for n in re.findall(r'<tr id="rep-(\d+)"', html)]
    assert listed == [5, *range(28, 33)]                                      # the other flagged reps
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Pictured: 12 of these 18 reps, the first of each kind of finding, then those whose back bent most" in text
    assert "The other 6 are listed after them without pictures" in text and "6 more, without pictures" in text
    for number in listed:
        start = analysis.verdicts[number - 1].rep.start
        row = html.split(f'<tr id="rep-{number}">')[1].split("</tr>")[0]
        assert f"(frame {start})" in row and f'href="clips/rep-{number}.mp4"' in row
    rounded = [rv.rep.index + 1 for rv in analysis.verdicts if rv.is_rounded]
    assert sorted(int(p.stem[4:]) for p in (out / "clips").glob("rep-*.mp4")) == rounded


def test_a_long_sets_report_links_from_its_banner_to_the_pictures_below_its_table(tmp_path):
    """The rep table comes first, three rows a rep: a 10-minute set's is 20,000 px long, and the pictures of the
    flagged reps, the plots and the thresholds were found only by scrolling past it. The banner links to each."""
    analysis, track = long_set(LONG_SET, source_path=str(tmp_path / "gone.mp4"))
    save_result(analysis, track, tmp_path / "lift", write_video=False)
    html = (tmp_path / "lift" / "report.html").read_text(encoding="utf-8")
    banner = html.split('id="verdict"')[1].split("</section>")[0]
    for section in ("reps", "gallery", "plots", "thresholds", "source"):
        assert f'href="#{section}"' in banner and f'id="{section}"' in html
    assert '<a href="#gallery">flagged reps, reps not judged and reps that reached down rounded</a>' in banner


def test_live_prints_a_sets_reps_in_columns_past_the_ninth(capsys):
    """Live printed "  rep 9    26.5 s  safe hip hinge" and then "  rep 10    29.9 s  safe hip hinge": from the
    10th rep of a set each line stood a column right of the ones before."""
    from liftform.cli.live import _event_printer
    from liftform.live import RepJudged
    from liftform.settings import Settings

    analysis, _ = long_set(["hip_hinge"] * 12)
    on_event = _event_printer(Settings(), beep=False)
    for count, verdict in enumerate(analysis.verdicts, start=1):
        on_event(RepJudged(verdict.rep.end_s, verdict, count, advice="Good hip hinge."))
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  rep ")]
    assert len(lines) == 12
    assert lines[0].startswith("  rep 1     ")          # as before, and as the README shows a session's lines
    assert len({line.index(" s  ") for line in lines}) == 1, lines
    # A rep told again (a bend the pose lost at its bottom, once its second part is judged) says so.
    on_event(RepJudged(0.0, analysis.verdicts[-1], 12, advice="Good hip hinge."))
    (again,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  rep ")]
    assert again.startswith("  rep 12 again: ")
