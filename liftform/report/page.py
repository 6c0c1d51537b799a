"""``report.html`` of one result folder: gather the numbers, plots, frames and clips, render, write atomically."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liftform.analysis import Analysis
from liftform.core.camera_pitch import filmed_from_above
from liftform.core.look_at import SHOWN_REPS_MAX
from liftform.core.viewpoint import filmed_from_behind
from liftform.core.vocabulary import UNREAD_WORDS, Verdict, counted, tone_of, words_of
from liftform.errors import InputError
from liftform.lifters import measured_others
from liftform.outputs import faces_blurred, mark_blurred, mark_stale, stale_views
from liftform.outputs.annotated import write_annotated_video
from liftform.outputs.atomic import atomic_write_text
from liftform.outputs.layout import CLIPS_DIR, REPORT_NAME, ResultFolder
from liftform.outputs.result_json import analysis_to_dict, clip_summary
from liftform.personal import CONFIG_ORIGIN, is_personal_zero, own_values_words, value_origin
from liftform.report.data import ResultData, load_result
from liftform.report.frames import Media
from liftform.report.gallery import EMBED_CLIP_MAX_BYTES, clips_kept_until_drawn, gallery, gallery_words
from liftform.report.html import data_uri, render_page, url_path
from liftform.report.naming import ShownNames, shown_names
from liftform.report.rep_table import number_columns, rep_row, rep_table
from liftform.settings import SpineSettings, VerdictSettings

FRAMELESS_MARK = '<meta name="liftform-frames" content="none">'   # in the head of a report drawn without the video
BLURRED_BADGE = '<span class="badge">faces blurred</span>'       # in the title of a report drawn with --blur-faces
@dataclass(frozen=True)
class Report:
    """What :func:`write_report` wrote: the page, its clips, and notes on what is missing from it."""

    path: Path
    clips: tuple[Path, ...] = ()
    notes: tuple[str, ...] = field(default=())


def overall_words(verdict: object) -> tuple[str, str]:
    """A whole video's verdict for the page's banner and the index: (words, CSS class)."""
    return words_of(verdict).capitalize(), tone_of(verdict).css_class


def headline(analysis: Analysis) -> str:
    """The clip's verdict as the report's banner leads with it (over every lifter's reps, as the verdict)."""
    verdict, n_reps = analysis.verdict, len(analysis.every_rep)
    reps = counted(n_reps, "rep")
    if verdict == "rounded_back":
        return f"Rounded back in {sum(v.is_rounded for v in analysis.every_rep)} of {reps}"
    if verdict == "safe":       # the reps not judged said: "in 5 reps" had been said of a set judged in 2 of them
        unjudged = sum(v.is_undecided for v in analysis.every_rep)
        unread = sum(v.cleared_unread for v in analysis.every_rep)    # a half-kneel's: said green with no word
        told = [*([f"{unjudged} not judged"] if unjudged else []), *([f"{unread} {UNREAD_WORDS}"] if unread else [])]
        return f"Safe: no rounded back in {reps}" + (f" ({', '.join(told)})" if told else "")
    return "Not enough data to judge" + (f" ({reps} found)" if n_reps else ": no lift found")


def _thresholds(data: ResultData, names: ShownNames) -> dict[str, Any]:
    th = data.thresholds
    low, high = th.reba_trunk_bands_deg
    return {"spine": th.rounded_back_spine_deg, "head": th.head_hanging_neck_deg, "hysteresis": th.flag_hysteresis_deg,
            "min_rounded_s": th.min_rounded_s, "min_confidence": th.min_confidence,
            "squat_knee": th.squat_knee_flexion_deg, "squat_trunk": th.squat_max_trunk_deg,
            "min_trunk": th.min_trunk_for_rounding_deg, "min_hip": th.min_hip_for_rounding_deg,
            "confidence_margin": data.analysis.settings.verdict.confidence_margin_deg,
            "neutral_bend": th.neutral_bend_deg, "zero_words": names.told(_zero_words(data)),
            "own_values": names.told(own_values_words(data.analysis.settings, data.analysis.personal_from)),
            "reba_low": low, "reba_high": high, **_usual_limit(th)}


def _usual_limit(th: Any) -> dict[str, Any]:
    """liftform's own limit and duration of rounding, where the result was judged with others (a clinic's settings
    file, `rescore -c`): the page had called a limit of 15° "liftform's own threshold ... leaves room for measurement
    noise"."""
    usual = VerdictSettings()
    own = (th.rounded_back_spine_deg, th.min_rounded_s) == (usual.rounded_back_spine_deg, usual.min_rounded_s)
    return {"spine_own": own, "spine_usual": usual.rounded_back_spine_deg, "min_rounded_usual": usual.min_rounded_s}


def _zero_words(data: ResultData) -> str:
    """Where the zero the back was judged from came from, as the thresholds table says it: most people's, the
    lifter's own (from a profile or live's key n, as result.json ``personal_from`` records), or a settings file's
    (a --config value, which the table had called the lifter's own)."""
    usual = SpineSettings().neutral_bend_deg
    if not is_personal_zero(data.thresholds.neutral_bend_deg):
        return "liftform’s default, chosen on real neutral hip-hinge and stoop clips"
    if data.analysis.personal_from is None:     # a result written before the origin was recorded
        return f"the lifter’s own zero, from a profile, a settings file or live’s key n, not most people’s {usual:.0f}°"
    origin = value_origin(data.analysis.personal_from, ("spine", "neutral_bend_deg"))
    if origin == CONFIG_ORIGIN:
        return f"set in a settings file (--config), not most people’s {usual:.0f}°"
    return f"the lifter’s own zero, from {origin}, not most people’s {usual:.0f}°"


def _where(box: Any) -> str:
    """" (around x = 640 px)" from a lifter's box (x0, y0, x1, y1), or "" without one."""
    if isinstance(box, (list, tuple)) and len(box) == 4 and all(isinstance(v, (int, float)) for v in box):
        return f" (around x = {(box[0] + box[2]) / 2:.0f} px)"
    return ""


def _others_rounded(data: ResultData) -> int:
    """Rounded reps of the other lifters in view (result.json ``other_lifters``) not pictured (no `RepStill`)."""
    pictured = [{still.rep_index for still in other.stills} for other in data.analysis.others]
    return sum(isinstance(rep, dict) and rep.get("verdict") == Verdict.ROUNDED_BACK.value
               and rep.get("index") not in (pictured[k] if k < len(pictured) else ())
               for k, other in enumerate(data.other_lifters) for rep in other.get("reps") or [])


def _other_lifters(data: ResultData, pictured: set[str]) -> list[dict[str, Any]]:
    """The other people who lifted in view (result.json ``other_lifters``), as the template shows them; a rep
    whose frame is pictured (its id in ``pictured``, `gallery.other_anchor`) links to it."""
    others = []
    for number, (other, lifter) in enumerate(zip(data.other_lifters, data.analysis.others, strict=True), start=2):
        verdict = str(other.get("verdict"))
        words, cls = overall_words(verdict)
        quality = other.get("quality") if isinstance(other.get("quality"), dict) else {}
        entries = [rep for rep in other.get("reps") or [] if isinstance(rep, dict)]     # `lifter.verdicts`, read back
        rows = [rep_row(data, rep, rv) for rep, rv in zip(entries, lifter.verdicts, strict=True)]
        for row in rows:
            row["anchor"] = f"lifter-{number}-rep-{row['number']}"
            row["in_gallery"] = row["anchor"] in pictured
        others.append({"number": number, "where": _where(other.get("box_px")), "cls": cls, "verdict": words,
                       "verdict_key": verdict, "summary": str(other.get("summary") or ""),
                       "warnings": [str(w) for w in quality.get("warnings") or []],
                       "table": rep_table(rows, number)})
    return others


def _rep_plots(data: ResultData, gallery_entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Of a long set (more than `SHOWN_REPS_MAX` reps, whose plot gives each rep a few pixels), each pictured rep's
    own plot of its spine flexion (`rep_figure_svg`), as the template shows it; none for a set of a few."""
    from liftform.report.figures import rep_figure_svg

    if len(data.reps) <= SHOWN_REPS_MAX:
        return []
    rows = {int(rep.get("index", 0)) + 1: rep for rep in data.reps}
    plots = []
    for entry in (g for g in gallery_entries if g["pictured"]):
        svg = rep_figure_svg(data, rows[entry["number"]])
        if svg:
            plots.append({"number": entry["number"], "verdict": entry["verdict"], "cls": entry["cls"],
                          "src": data_uri("image/svg+xml", svg)})
    return plots


def report_context(data: ResultData, *, blur_faces: bool, annotated_video: str | None,
                   embed_clip_max_bytes: int = EMBED_CLIP_MAX_BYTES, media: Media | None = None,
                   ) -> tuple[dict[str, Any], list[Path]]:
    """Everything the report template shows, and the clip files written for it (``media``: see `gallery`)."""
    from liftform.report.figures import REP_FIGURE_PAD_S, angle_figure_svg

    analysis = data.analysis
    quality = analysis.quality
    verdict = analysis.verdict
    overall, overall_cls = overall_words(verdict)
    reps = [rep_row(data, rep, rv) for rep, rv in zip(data.reps, analysis.verdicts, strict=True)]
    shown, others_shown, clips = gallery(data, blur_faces, embed_clip_max_bytes, media)
    in_gallery = {g["number"] for g in shown} if data.video_path is not None else set()   # drawn with frames only
    others = _other_lifters(data, {g["anchor"] for g in others_shown} if data.video_path is not None else set())
    for row in reps:        # a long set's table is pages long: a rep's row leads to its frames
        row["in_gallery"] = row["number"] in in_gallery
    svg = angle_figure_svg(data)
    main_verdict, main_cls = overall_words(analysis.lifter_verdict)
    doc = analysis_to_dict(analysis)       # provenance as result.json has it (source, model, versions)
    names = shown_names(data, hidden=blur_faces)
    context = {
        "name": names.video_name, "video_path": names.video_path, "overall": overall, "overall_cls": overall_cls,
        "summary": clip_summary(analysis), "n_reps": len(reps),
        "headline": headline(analysis), "reps": rep_table(reps, 1), "number_columns": number_columns(),
        "other_lifters": others, "people_in_view": analysis.people_in_view,
        "main_verdict": main_verdict, "main_cls": main_cls, "main_where": _where(analysis.box_px),
        "warnings": list(quality.warnings), "notes": [names.told(note) for note in data.notes],
        "view": quality.view + (", from behind" if filmed_from_behind(
            analysis.kinematics.view_yaw_deg, analysis.kinematics.camera_behind) else "")
        + (", from above" if filmed_from_above(analysis.kinematics.far_shoulder_rise) else ""),
        "frames_with_pose": quality.frames_with_pose, "frames_total": quality.frames_total,
        "gallery": shown, "other_stills": others_shown,
        "gallery_words": gallery_words(shown, _others_rounded(data), any(o.stills for o in analysis.others)),
        "has_video": data.video_path is not None, "frameless_mark": FRAMELESS_MARK,
        "plot": data_uri("image/svg+xml", svg) if svg else None, "th": _thresholds(data, names),
        # what a screen reader is told of the plot: its limit and which reps it marks, not its panels' names alone
        "plot_alt": (f"Spine flexion over time against its limit of {data.thresholds.rounded_back_spine_deg:g}°, "
                     f"with trunk lean, hip and knee flexion and the spine measure's confidence. "
                     f"{clip_summary(analysis)}"),
        "rep_plots": _rep_plots(data, shown), "rep_figure_pad_s": REP_FIGURE_PAD_S,
        "blur_faces": blur_faces, "blurred_badge": BLURRED_BADGE, "annotated_video": annotated_video,
        "source": doc["source"], "model": doc["model"], "versions": doc["versions"],
        "schema_version": analysis.schema_version, "side": doc["side"], "facing": doc["facing"],
    }
    return context, clips


def write_report(result_dir: str | Path, *, blur_faces: bool = False, video_path: str | Path | None = None,
                 check_video: bool = False, annotated_blurred: bool | None = None,
                 embed_clip_max_bytes: int = EMBED_CLIP_MAX_BYTES, media: Media | None = None,
                 keep_framed: bool = False) -> Report:
    """Render ``result_dir/report.html`` (and ``result_dir/clips/rep-N.mp4`` per flagged rep) from the saved outputs.

    Args:
        result_dir: a folder written by ``liftform analyze`` (result.json; frames.csv and poses.npz if present).
        blur_faces: blur the face in every frame and clip of the report.
        video_path: the source video (default: result.json's ``source.path``). Without it the page has no frames.
        check_video: ``video_path`` was given by a user: it must be the file analysed (same SHA-256).
        annotated_blurred: whether annotated.mp4 in the folder has blurred faces (None: unknown). With
            ``blur_faces`` the page links annotated.mp4 only when it is known to be blurred.
        embed_clip_max_bytes: clips up to this size are embedded as data: URIs (0: always link the clip file).
        media: the stills already taken, with the clips written, by a `media_grabber` fed the frames of the
            analysis's own decode (the source is then not decoded again).
        keep_framed: a report.html in the folder drawn with the source video's frames is not replaced by one
            without them where the video is not found (InputError instead, the report untouched).

    Raises InputError when result.json is missing or invalid, or the source video cannot be decoded (or, with
    ``keep_framed``, is not found); OutputError when a file cannot be written.
    """
    data = load_result(result_dir, video_path, check_video=check_video)
    if keep_framed and data.video_path is None and _with_frames(data.result_dir / REPORT_NAME):
        raise _video_needed(data, blur_faces)
    annotated = ResultFolder(data.result_dir).annotated_mp4
    link_annotated = annotated.is_file() and (not blur_faces or bool(annotated_blurred))
    if link_annotated and annotated.name in stale_views(data.result_dir):     # the page is this result's, it is not
        data.notes.append(f"{annotated.name} was drawn before a rescore and shows the verdicts before it, not these: "
                          "`liftform score` with the rescore's settings draws it again")
    if blur_faces and annotated.is_file() and not link_annotated:
        data.notes.append("annotated.mp4 in this folder may show the face: it is not linked here; run "
                          "`liftform analyze --blur-faces` again, or remove it, before sharing the folder")
    context, clips = report_context(data, blur_faces=blur_faces,
                                    annotated_video=url_path(annotated.name) if link_annotated else None,
                                    embed_clip_max_bytes=embed_clip_max_bytes, media=media)
    html = render_page("report.html.j2", media=True, **context)
    path = atomic_write_text(data.result_dir / REPORT_NAME, html)
    mark_stale(data.result_dir, stale_views(data.result_dir) - {REPORT_NAME})   # drawn from the result now there
    return Report(path=path, clips=tuple(clips), notes=tuple(data.notes))


def _with_frames(report: Path) -> bool:
    """A report.html is there, drawn with the source video's frames (or by a liftform that did not mark those
    drawn without)."""
    try:
        with open(report, encoding="utf-8", errors="replace") as fh:
            return FRAMELESS_MARK not in fh.read(4096)
    except FileNotFoundError:
        return False


def _video_needed(data: ResultData, blur_faces: bool) -> InputError:
    """Why a report with the source video's frames is kept rather than drawn again without them; with
    ``blur_faces``, over a folder not marked blurred, that its frames may show faces (the command that was to blur
    them failed, and said only that the report was kept)."""
    recorded = data.analysis.source.path
    why = (f"the file at {recorded} is not the one analysed (its SHA-256 differs)" if recorded and
           Path(recorded).is_file() else f"none was found at {recorded or '(no path recorded)'} nor nearby")
    unblurred = ("; until then the folder is not blurred: its frames and clips may show faces"
                 if blur_faces and not faces_blurred(data.result_dir) else "")
    return InputError(f"{data.result_dir / REPORT_NAME} is kept as it was: drawing it again needs the source video "
                      f"for its frames and clips, and {why}; pass the video with --video PATH, or remove "
                      f"{REPORT_NAME} for a report without frames{unblurred}")


def _blur_annotated_video(result_dir: str | Path, video_path: str | Path | None) -> Path | None:
    """annotated.mp4 of ``result_dir``, written by an analysis without ``--blur-faces``, drawn again from the source
    video with every face blurred (as `analyze --blur-faces` draws it); returns the source video it was drawn from
    (found and checked: the report is drawn from it without hashing it again), or None where it cannot be (the video
    or the poses not found): it stays as it was, and the report says so. It had always stayed, named only in a note,
    in a folder the user had asked to share with faces blurred."""
    data = load_result(result_dir, video_path, check_video=True)
    if data.video_path is None or data.track is None or data.frames is None:
        return None
    annotated = ResultFolder(data.result_dir).annotated_mp4
    # the other lifters as analyze drew them: their own per-frame data measured again from poses.npz
    write_annotated_video(data.video_path, measured_others(data.analysis, data.track), data.track, annotated,
                          blur_faces=True)
    mark_stale(data.result_dir, stale_views(data.result_dir) - {annotated.name})     # drawn from this result
    return Path(data.video_path)


def render_again(result_dir: str | Path, *, blur_faces: bool = False, video_path: str | Path | None = None) -> Report:
    """`liftform report DIR`: the report rendered again from a result folder, with its faces-blurred mark kept true.
    The mark stays (or is set) only when every exported frame of the folder now hides the faces: the report with
    ``blur_faces``, and annotated.mp4 absent or blurred by its analysis (the mark said so). A folder analysed with
    ``--blur-faces`` and then re-rendered without it had kept its mark over unblurred frames, and a later `score
    --blur-faces` reused it. A report drawn with the source video's frames is not replaced by one without them where
    the video is not found (``keep_framed``: InputError); a folder without one (or with one without frames) gets
    one without frames, with a note. With ``blur_faces``, an annotated.mp4 not known to be blurred is drawn again
    blurred (`_blur_annotated_video`)."""
    annotated_blurred, checked = faces_blurred(result_dir), None
    if blur_faces and not annotated_blurred and ResultFolder(result_dir).annotated_mp4.is_file():
        checked = _blur_annotated_video(result_dir, video_path)
        annotated_blurred = checked is not None
    with clips_kept_until_drawn(Path(result_dir) / CLIPS_DIR):   # interrupted, the report in place keeps its clips
        report = write_report(result_dir, blur_faces=blur_faces, video_path=checked or video_path,
                              check_video=checked is None, annotated_blurred=annotated_blurred, keep_framed=True)
    annotated_hidden = annotated_blurred or not ResultFolder(report.path.parent).annotated_mp4.is_file()
    mark_blurred(report.path.parent, blur_faces and annotated_hidden)
    return report
