"""The report's gallery: the reps a clinician should look at, with their start and worst frames and a clip.

Every rep to look at (`core.look_at`) has an entry; those `reps_shown` picks are pictured (two stills, a clip
played in the page), the others of a long set are listed under them with their times and frame numbers and a link
to their clip. A 10-minute set of 198 rounded reps had pictured them all: a page of 21 MB (50 MB an hour) that took
20 s to open in a browser.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from liftform.core.look_at import SHOWN_REPS_MAX, look_at_kind, reps_shown
from liftform.core.types import RepVerdict
from liftform.core.vocabulary import BackState, Verdict, counted, tone_of, words_of
from liftform.errors import InputError
from liftform.outputs.layout import CLIPS_DIR, ResultFolder
from liftform.outputs.read import FACING_SIGNS
from liftform.report.data import ResultData, frame_value, worst_frame
from liftform.report.frames import (
    ClipRequest,
    LifterStill,
    Media,
    MediaGrabber,
    Still,
    clip_bounds,
    grab_media,
    person_box,
)
from liftform.report.html import data_uri, url_path
from liftform.report.rep_table import rep_spans

EMBED_CLIP_MAX_BYTES = 2_500_000     # a clip this small is embedded in the page as a data: URI ...
EMBED_TOTAL_MAX_BYTES = 10_000_000   # ... while the embedded clips stay under this in total


def gallery_reps(data: ResultData) -> tuple[list[dict[str, Any]], list[str], set[int]]:
    """The reps of the gallery, in order: every rep to look at (flagged, not judged, reached down rounded: a
    clinician's eye is what those need); with none, the judged rep that bent the spine most (for reference), or,
    where no rep's back was judged (a lunge, a half-kneel: too upright), the first rep decided (a clinician had no
    picture of such a lifter at all to check the skeleton against).
    Returns the reps, the kind of each ("rounded", "unjudged", "reach" or "reference") and the indices of those
    pictured (`reps_shown`: all of them in a set of a few)."""
    verdicts = data.analysis.verdicts          # data.reps are these, in order
    kinds = [look_at_kind(rv) for rv in verdicts]
    to_look_at = [(rep, kind) for rep, kind in zip(data.reps, kinds, strict=True) if kind is not None]
    if to_look_at:
        return ([rep for rep, _ in to_look_at], [kind for _, kind in to_look_at],
                {rv.rep.index for rv in reps_shown(verdicts)})
    judged = [r for r in data.reps if isinstance(r.get("peak_spine_flexion_deg"), (int, float))]
    decided = [r for r in data.reps if r.get("verdict") not in (None, Verdict.INSUFFICIENT_DATA.value)]
    if not judged and not decided:
        return [], [], set()
    reference = max(judged, key=lambda r: r["peak_spine_flexion_deg"]) if judged else decided[0]
    return [reference], ["reference"], {int(reference.get("index", 0))}


def gallery_words(gallery: list[dict[str, Any]], others_rounded: int, others_kept: bool = False,
                  ) -> tuple[str, list[str]]:
    """The gallery's heading and the lines under it, from what its entries are (``others_rounded``: rounded reps
    of other lifters in view not pictured; ``others_kept``: the result keeps frames of other lifters, of up to
    `SHOWN_REPS_MAX` reps each, `liftform.stills`; a result written before it kept none)."""
    kinds = [g["kind"] for g in gallery]
    named = {"rounded": "Flagged reps", "unjudged": "reps not judged", "reach": "reps that reached down rounded"}
    parts = [named[k] for k in named if k in kinds]
    heading = (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]) if parts else "Frames"
    lines = []
    if kinds and kinds[0] == "reference":
        lines.append("No rep of this lifter was flagged. For reference: " + (
            "the rep whose back bent most." if gallery[0].get("spine_judged", True) else
            f"rep {gallery[0]['number']}, whose back was not judged (too upright for rounding to show): "
            "check the skeleton sits on the person."))
    if (n := kinds.count("unjudged")):     # named: "this rep", above a rounded rep's frames, read as that one
        which = rep_spans([g["number"] for g in gallery if g["kind"] == "unjudged"])
        lines.append(f"liftform could not judge {'rep' if n == 1 else 'reps'} {which} (the table above says why): "
                     f"look at {'its' if n == 1 else 'their'} frames yourself.")
    if "reach" in kinds:
        lines.append("A rep that reached down rounded is shown at its most rounded moment there; it was not judged "
                     "(the load was still on the floor).")
    if (unpictured := sum(not g["pictured"] for g in gallery)):
        lines.append(f"Pictured: {len(gallery) - unpictured} of these {len(gallery)} reps, the first of each kind of "
                     f"finding, then those whose back bent most. The other {unpictured} are listed after them without "
                     "pictures: the times and frames of their start and worst moment (also in the table above), "
                     "and the clip of each flagged one.")
    if others_rounded:
        why = (f"up to {SHOWN_REPS_MAX} reps of each lifter are pictured" if others_kept else
               "this result keeps the main lifter's frames only (written by an earlier liftform): analyse the video "
               "again to picture them")
        lines.append(f"{counted(others_rounded, 'rounded rep')} of the other lifters in view (table above) "
                     f"{'has' if others_rounded == 1 else 'have'} no frames here: {why}.")
    return heading[0].upper() + heading[1:], lines


# The clips of the report in place while `liftform report` draws new ones, put back if it does not finish: an
# interrupted redraw had left the old report.html over an empty clips/ (33 clips deleted before the decode began).
CLIPS_BEFORE = ".clips-before-report"


@contextmanager
def clips_kept_until_drawn(clips_dir: Path) -> Iterator[None]:
    """Move ``clips_dir`` aside for the block, which draws a new report and its clips there; put it back if the block
    raises (Ctrl-C, a failure: the report in place and its clips stay together, never a mix), else delete it. A copy
    left aside by a run killed outright is the report in place's, put back first."""
    from liftform.interrupts import signals_deferred

    aside = clips_dir.with_name(CLIPS_BEFORE)
    if aside.is_dir():
        shutil.rmtree(clips_dir, ignore_errors=True)
        os.replace(aside, clips_dir)
    if clips_dir.is_dir():
        os.replace(clips_dir, aside)
    try:
        yield
    except BaseException:
        with signals_deferred(deliver=False):       # already on the way out: a second Ctrl-C cannot lose them
            shutil.rmtree(clips_dir, ignore_errors=True)
            if aside.is_dir():
                os.replace(aside, clips_dir)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def _clear_old_clips(clips_dir: Path) -> None:
    for old in clips_dir.glob("rep-*.mp4"):
        old.unlink(missing_ok=True)


def _gallery_plan(data: ResultData) -> tuple[list[dict[str, Any]], dict[int, Still], list[ClipRequest]]:
    """Gallery entries (without their pictures yet), and the stills (of the pictured reps) and clips (of every
    flagged rep) they need from the source."""
    reps, kinds, pictured = gallery_reps(data)
    entries, stills, clips = [], {}, []
    for rep, kind in zip(reps, kinds, strict=True):
        index = int(rep.get("index", 0))
        number = index + 1
        start, worst = rep.get("start_frame"), worst_frame(data, rep)
        rounded = rep.get("verdict") == Verdict.ROUNDED_BACK.value
        entry = {"number": number, "verdict": words_of(rep.get("verdict")), "flagged": rounded, "kind": kind,
                 "spine_judged": isinstance(rep.get("peak_spine_flexion_deg"), (int, float)),
                 "pictured": index in pictured,
                 "cls": tone_of(rep.get("verdict")).css_class, "start_frame": start, "worst_frame": worst,
                 "start_s": frame_value(data, start, "time_s"), "worst_s": frame_value(data, worst, "time_s"),
                 "worst_spine": frame_value(data, worst, "spine_flexion_deg"),
                 "worst_head": frame_value(data, worst, "neck_flexion_deg") if rep.get("head_led") else None,
                 "worst_measured": not (frame_value(data, worst, "spine_flexion_confidence")
                                        < data.thresholds.min_confidence),     # NaN (old results): said as before
                 "worst_judged": frame_value(data, worst, "judged") != 0,   # NaN (unknown, old results): not said
                 "worst_trunk": frame_value(data, worst, "trunk_inclination_deg"), "complete": rep.get("complete"),
                 "start_back": _back_words(data, start), "worst_back": _back_words(data, worst),
                 "start_img": None, "worst_img": None, "clip_src": None, "clip_file": None}
        # the picture is the back's peak where the spine was judged in the rep and measured there; a rep never
        # judged is pictured at its bottom (a half-kneel's "-28°" there had been its "back most bent")
        entry["worst_peak"] = entry["spine_judged"] and entry["worst_measured"]
        bounds = clip_bounds(data, rep)
        if entry["pictured"]:
            still = Still(person_box(data, *bounds) if bounds else None)
            for frame in (start, worst):
                if frame is not None:
                    stills[int(frame)] = still
        bounds = bounds if rounded else None        # a clip of each flagged rep; stills of the others
        if bounds is not None and data.video_path is not None:
            clip = ClipRequest(bounds[0], bounds[1], ResultFolder(data.result_dir).clip(number),
                               f"Rep {number}  ")
            clips.append(clip)
            entry["clip_file"] = url_path(CLIPS_DIR, clip.path.name)
        entries.append(entry)
    return entries, stills, clips


def _others_plan(data: ResultData) -> tuple[list[dict[str, Any]], tuple[LifterStill, ...]]:
    """The other lifters' pictured reps (their `RepStill`s: result.json ``other_lifters[].stills``), an entry each
    (without its picture yet) in lifter and rep order, and the frames to draw for them."""
    entries, shown = [], []
    for number, (other, doc) in enumerate(zip(data.analysis.others, data.other_lifters, strict=False), start=2):
        verdicts = {rv.rep.index: rv for rv in other.verdicts}
        flagged = set(other.flagged_frames)
        facing = FACING_SIGNS.get(str(doc.get("facing")), 0)
        for still in other.stills:
            rv = verdicts.get(still.rep_index)
            if rv is None:
                continue
            state = BackState.ROUNDED.value if still.frame in flagged else BackState.UNKNOWN.value
            shown.append(LifterStill(number, still, facing, state))
            entries.append({"lifter": number, "number": still.rep_index + 1, "anchor": other_anchor(number, rv),
                            "verdict": words_of(rv.verdict), "cls": tone_of(rv.verdict).css_class,
                            "kind": look_at_kind(rv), "complete": rv.rep.complete, "frame": still.frame,
                            "time_s": frame_value(data, still.frame, "time_s"), "spine": rv.peak_spine_flexion_deg,
                            "trunk": rv.peak_trunk_inclination_deg,
                            "head": rv.peak_neck_flexion_deg if rv.head_led else None,
                            "back": BackState.of(state).words, "key": shown[-1].key, "img": None})
    return entries, tuple(shown)


def other_anchor(number: int, rv: RepVerdict) -> str:
    """The page's id of lifter ``number``'s pictured rep ``rv`` (the main lifter's are "rep-N")."""
    return f"lifter-{number}-rep-{rv.rep.index + 1}"


def media_grabber(data: ResultData, *, blur_faces: bool, stack: ExitStack, cut_clips: bool = False,
                  ) -> MediaGrabber | None:
    """A `MediaGrabber` for the report of ``data`` (e.g. built in memory before result.json is written), to be fed
    the frames of another decode of the source (the annotated video's; ``cut_clips``: the clips are then cut
    from that video, see `MediaGrabber`); pass its ``images`` to `write_report` as ``media``. None when the
    report needs no frames."""
    if data.video_path is None:
        return None
    _, stills, clips = _gallery_plan(data)
    _clear_old_clips(data.result_dir / CLIPS_DIR)
    return MediaGrabber(data, stills, clips, blur_faces=blur_faces, stack=stack, cut_clips=cut_clips,
                        others=_others_plan(data)[1])


def _back_words(data: ResultData, frame: int | None) -> str:
    """The back in source frame ``frame`` as its picture draws it ("Back: ROUNDED", ...), for its alt text: a
    screen reader is told what the colour and the tag show."""
    return BackState.of(data.back_state_at(frame)).words


def gallery(data: ResultData, blur_faces: bool, embed_max: int, media: Media | None = None,
            ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[Path]]:
    """Gallery entries (a pictured rep's start + worst frame as data URIs, its clip's source; every flagged rep's
    clip file), the other lifters' (`_others_plan`: their worst frame as a data URI) and the clip files written.
    ``media``: the stills already taken (with the clips) by a `media_grabber`; else the source is decoded here."""
    entries, stills, clips = _gallery_plan(data)
    others, other_stills = _others_plan(data)
    if data.video_path is None:
        return entries, others, []
    if media is not None:
        images = media
    else:
        _clear_old_clips(data.result_dir / CLIPS_DIR)
        try:
            images = grab_media(data, stills, clips, blur_faces=blur_faces, others=other_stills)
        except InputError as exc:          # a damaged source: the page without frames rather than no page
            data.notes.append(f"frames could not be taken from the source video ({exc})")
            images = {}
    for entry in others:
        if entry["key"] in images:
            entry["img"] = data_uri("image/jpeg", images[entry["key"]])
    embedded = 0
    for entry in entries:
        for key, frame in (("start_img", entry["start_frame"]), ("worst_img", entry["worst_frame"])):
            if entry["pictured"] and frame is not None and int(frame) in images:
                entry[key] = data_uri("image/jpeg", images[int(frame)])
    written = [c.path for c in clips if c.path.is_file()]
    for entry, clip in zip([e for e in entries if e["clip_file"]], clips, strict=True):
        if not clip.path.is_file():
            entry["clip_file"] = None
            continue
        size = clip.path.stat().st_size
        if not entry["pictured"]:
            continue                       # listed with a link to its file
        if size <= embed_max and embedded + size <= EMBED_TOTAL_MAX_BYTES:
            entry["clip_src"] = data_uri("video/mp4", clip.path.read_bytes())
            embedded += size
        else:
            entry["clip_src"] = entry["clip_file"]
    return entries, others, written
