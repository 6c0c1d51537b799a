"""summary_reps.csv: every rep of a batch in one table, beside summary.csv.

A researcher who scored a folder of videos had one row per video (summary.csv) and had to find and join every
result folder's reps.csv to compare reps across lifters; the reps of a second lifter in a video were in result.json
alone. The batch's rep table is written with the summary, so it follows a rescore and an interrupted batch too.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

from synthetic_tracks import lift_track
from typer.testing import CliRunner

from liftform.analysis import ModelInfo, SourceInfo
from liftform.batch.summary import (
    REPS_JUDGED_COLUMNS,
    REPS_KEY_COLUMNS,
    failed_row,
    row_from_analysis,
    write_summary,
)
from liftform.cli import app
from liftform.outputs import write_outputs
from liftform.outputs.layout import REPS_NAME, SUMMARY_REPS_CSV
from liftform.outputs.result_json import REP_FIELDS
from liftform.pipeline import analyze_track
from liftform.settings import Settings


def _scored(out: Path, name: str, kind: str, n_reps: int, others: tuple = (), settings: Settings | None = None):
    """OUT/name: ``n_reps`` rendered-free reps of ``kind`` (a synthetic track), with ``others`` as other lifters,
    judged under ``settings`` (default: the defaults)."""
    track, _ = lift_track(kind, n_reps=n_reps)
    source = SourceInfo(f"/videos/{name}.mp4", "ab" * 32, 30.0, len(track), *track.frame_size_wh,
                        float(track.timestamps_s[-1]))
    analysis = analyze_track(track, source, ModelInfo("full", "cd" * 32), settings or Settings())
    analysis = dataclasses.replace(analysis, others=others)
    write_outputs(analysis, track, out / name, write_video=False)
    return analysis


def _table(out: Path) -> list[dict[str, str]]:
    with open(out / SUMMARY_REPS_CSV, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _reps_csv(folder: Path) -> list[dict[str, str]]:
    with open(folder / REPS_NAME, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_the_batch_rep_table_holds_every_rep_of_every_scored_video_as_its_reps_csv_does(tmp_path):
    out = tmp_path / "out"
    stoop = _scored(out, "stoop", "rounded_back", 3)
    hinge = _scored(out, "hinge", "hip_hinge", 2)
    assert stoop.verdict == "rounded_back" and hinge.verdict == "safe"
    write_summary(out, [row_from_analysis(stoop, "/videos/stoop.mp4", "stoop"),
                        failed_row("/videos/broken.mp4", "broken", "broken.mp4 is truncated"),
                        row_from_analysis(hinge, "/videos/hinge.mp4", "hinge")])
    table = _table(out)
    assert list(table[0]) == list(REPS_KEY_COLUMNS + REP_FIELDS + REPS_JUDGED_COLUMNS)
    assert [(r["output"], r["lifter"], r["index"]) for r in table] == [
        ("stoop", "1", "0"), ("stoop", "1", "1"), ("stoop", "1", "2"), ("hinge", "1", "0"), ("hinge", "1", "1")]
    for name in ("stoop", "hinge"):
        ours = [{k: v for k, v in r.items() if k in REP_FIELDS} for r in table if r["output"] == name]
        assert ours == _reps_csv(out / name)          # the same cells as the video's own table
        assert {r["path"] for r in table if r["output"] == name} == {f"/videos/{name}.mp4"}
    assert {r["verdict"] for r in table if r["output"] == "stoop"} == {"rounded_back"}


def test_a_second_lifters_reps_are_in_the_batch_table_under_their_own_number(tmp_path):
    """reps.csv holds the main lifter's reps; the batch table also the other lifters' of result.json."""
    beside, _ = lift_track("rounded_back", n_reps=2)
    other = analyze_track(beside, SourceInfo("/videos/pair.mp4", "", 30.0, len(beside), *beside.frame_size_wh,
                                             float(beside.timestamps_s[-1])), ModelInfo("full", ""), Settings())
    pair = _scored(tmp_path / "out", "pair", "hip_hinge", 3, others=(other,))
    write_summary(tmp_path / "out", [row_from_analysis(pair, "/videos/pair.mp4", "pair")])
    table = _table(tmp_path / "out")
    assert [(r["lifter"], r["verdict"]) for r in table] == [("1", v.verdict) for v in pair.verdicts] + [
        ("2", v.verdict) for v in other.verdicts]
    assert [r["verdict"] for r in table if r["lifter"] == "2"] == ["rounded_back"] * 2
    assert len(_reps_csv(tmp_path / "out" / "pair")) == 3


def test_a_rescore_rewrites_the_batch_rep_table_with_its_verdicts(tmp_path):
    """The table is the summary's: a rescore under a higher onset of rounding turns the stoop's reps safe there."""
    out = tmp_path / "out"
    stoop = _scored(out, "stoop", "rounded_back", 2)
    write_summary(out, [row_from_analysis(stoop, "/videos/stoop.mp4", "stoop")])
    assert {r["verdict"] for r in _table(out)} == {"rounded_back"}
    lenient = tmp_path / "lenient.toml"
    lenient.write_text("[verdict]\nrounded_back_spine_deg = 80.0\n")
    result = CliRunner().invoke(app, ["rescore", str(out), "-q", "--config", str(lenient)])
    assert result.exit_code == 0, result.output
    assert [r["verdict"] for r in _table(out)] == [r["verdict"] for r in _reps_csv(out / "stoop")]
    assert "rounded_back" not in {r["verdict"] for r in _table(out)}


def test_each_rep_says_which_settings_and_version_judged_it(tmp_path):
    """A folder whose videos were judged under two thresholds (a `score --config` of some, the rest left): the rep
    table mixed their verdicts with nothing telling them apart; each rep now carries its video's settings
    fingerprint and liftform version, as summary.csv's row does."""
    from liftform.build import liftform_build
    from liftform.settings import apply_overrides

    out = tmp_path / "out"
    strict = _scored(out, "strict", "rounded_back", 2)
    lenient = _scored(out, "lenient", "rounded_back", 2,
                      settings=apply_overrides(Settings(), {"verdict": {"rounded_back_spine_deg": 60.0}}))
    rows = [row_from_analysis(strict, "/videos/strict.mp4", "strict"),
            row_from_analysis(lenient, "/videos/lenient.mp4", "lenient")]
    write_summary(out, rows)
    table = _table(out)
    for row in rows:
        assert {(r["settings_fingerprint"], r["liftform_version"]) for r in table if r["output"] == row.output} == {
            (row.settings_fingerprint, liftform_build())}
    assert rows[0].settings_fingerprint != rows[1].settings_fingerprint
    assert strict.verdict == "rounded_back" and lenient.verdict == "safe"      # the same lift: the settings differ
