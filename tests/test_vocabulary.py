"""The verdict vocabulary: one set of words, colours and safety, used by every view; one rule for a frame's back."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from colour_vision import MACHADO_2009, ciede2000, contrast, difference_seen, linear, seen
from synthetic_tracks import lift_track

from liftform.core.flags import past_limit_unjudged
from liftform.core.kinematics import compute_kinematics
from liftform.core.reps import segment_reps
from liftform.core.verdict import judge_reps
from liftform.core.vocabulary import REP_VERDICTS, BackState, Tone, Verdict, back_state, back_states, words_of
from liftform.outputs.overlay import panel_lines
from liftform.settings import Settings, VerdictSettings


def test_result_json_strings_are_the_contract():
    """The values written to result.json (schema 1) must not change with the words shown."""
    assert {v.value for v in Verdict} == {"rounded_back", "hip_hinge", "squat", "lunge", "insufficient_data", "safe"}
    assert "safe" not in REP_VERDICTS


@pytest.mark.parametrize("kind", ["rounded_back", "hip_hinge", "squat", "lunge"])
def test_every_verdict_the_core_gives_is_in_the_vocabulary(kind):
    s = Settings()
    track, _ = lift_track(kind)
    kinematics = compute_kinematics(track, s.filter, s.spine)
    _, verdicts = judge_reps(kinematics, segment_reps(kinematics, s.reps), s.verdict, s.spine)
    assert verdicts and all(v.verdict in REP_VERDICTS for v in verdicts)
    assert all(Verdict(v.verdict).is_safe == (kind != "rounded_back") for v in verdicts)


def test_words_are_distinct_and_a_rounded_back_is_shouted():
    words = [v.words for v in Verdict]
    assert len(set(words)) == len(words)
    assert Verdict.ROUNDED_BACK.shown == "ROUNDED BACK" and Verdict.SQUAT.shown == "safe squat"
    assert words_of("not_a_verdict") == "not a verdict"            # a newer file's value is shown, not dropped


def test_tones_decide_the_colours():
    assert Verdict.ROUNDED_BACK.tone is Tone.BAD and Verdict.LUNGE.tone is Tone.GOOD
    assert Verdict.INSUFFICIENT_DATA.tone is Tone.UNSURE and not Verdict.INSUFFICIENT_DATA.is_safe
    assert BackState.ROUNDED.tone is Verdict.ROUNDED_BACK.tone
    assert len({t.rgb for t in Tone}) == len({t.hex for t in Tone}) == len({t.css_class for t in Tone}) == 3


def test_the_colour_measures_agree_with_their_references():
    """CIEDE2000 against Sharma, Wu & Dalal's (2005) test pairs; the WCAG contrast of black and white."""
    for lab_1, lab_2, expected in (((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
                                   ((50, 2.5, 0), (73, 25, -18), 27.1492),
                                   ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644)):
        assert ciede2000(lab_1, lab_2) == pytest.approx(expected, abs=1e-4)
    assert contrast(linear((0, 0, 0)), linear((255, 255, 255))) == pytest.approx(21.0)


@pytest.mark.parametrize("vision", list(MACHADO_2009))
def test_the_backs_colours_stay_apart_for_colour_blind_eyes(vision):
    """The back's three colours on the video, as a dichromat sees them, are plainly different colours (CIEDE2000
    20 or more), and rounded and neutral differ in lightness too (2:1 or more). Red (240, 30, 30) and green
    (0, 215, 60) had read 13 apart and 1.7:1 to deuteranopes."""
    for a, b in itertools.combinations(Tone, 2):
        assert difference_seen(a.rgb, b.rgb, vision) >= 20, (a, b)
    assert contrast(seen(Tone.BAD.rgb, vision), seen(Tone.GOOD.rgb, vision)) >= 2


def test_the_rounded_backs_tag_reads():
    """The word tagging a rounded back on the video, on a box of its colour: WCAG AA text contrast (4.5:1)."""
    from liftform.outputs.overlay import TAG_TEXT_RGB
    assert contrast(linear(TAG_TEXT_RGB), linear(Tone.BAD.rgb)) >= 4.5


def test_overlay_panel_shows_the_vocabulary():
    lines = panel_lines("rounded", None, 2, "hip_hinge", ())
    assert lines[0] == (BackState.ROUNDED.words, Tone.BAD.text_rgb)
    assert lines[-1] == ("Last rep: safe hip hinge", Tone.GOOD.text_rgb)


def test_overlay_panel_shows_no_minus_zero():
    """An angle just under zero is shown as 0, as one just over is: the live panel had read "Spine flexion: -0 deg"
    (a flat back standing up from a box lift, 1280x720)."""
    lines = [text for text, _ in panel_lines("neutral", {"spine": -0.3, "trunk": 0.4, "knee": -4.6}, None, None, ())]
    assert lines[1:] == ["Spine flexion: 0 deg", "Trunk lean: 0 deg", "Knee flexion: -5 deg"]


def test_back_state_rule():
    flagged = np.array([True, True, False, False, False])
    confidence = np.array([0.0, np.nan, 0.4, 0.39, np.nan])
    unjudged = np.zeros(5, bool)
    assert back_states(flagged, confidence, 0.4, unjudged).tolist() == [
        "rounded", "rounded", "neutral", "unknown", "unknown"]
    assert back_state(False, 0.9, 0.4, past_limit_unjudged=False) == BackState.NEUTRAL.value
    assert back_states(np.zeros(0, bool), np.zeros(0), 0.4, np.zeros(0, bool)).shape == (0,)


def test_a_back_past_its_limit_where_it_is_not_judged_is_not_drawn_neutral():
    """Upright (a half-kneel, standing) the back is not judged; read past its limit there it is "not judged", not a
    green "neutral": the reading shows neither. A flag still wins."""
    assert back_state(False, 1.0, 0.4, past_limit_unjudged=True) == BackState.UNKNOWN.value
    assert back_state(True, 1.0, 0.4, past_limit_unjudged=True) == BackState.ROUNDED.value
    settings = VerdictSettings()
    limit = settings.rounded_back_spine_deg
    upright, leaning = settings.min_trunk_for_rounding_deg - 20, settings.min_trunk_for_rounding_deg + 5
    spine = np.array([limit + 5, limit - 5, limit + 5, np.nan, 0.0])
    neck = np.array([np.nan, np.nan, np.nan, np.nan, settings.head_hanging_neck_deg + 1])
    trunk = np.array([upright, upright, leaning, upright, upright])
    hip = np.full(5, 10.0)
    assert past_limit_unjudged(spine, neck, trunk, hip, settings).tolist() == [True, False, False, False, True]


def test_every_fault_the_core_names_has_words():
    """The terminal and the report say a rep's findings in words; a fault added to the core without them fails."""
    import inspect
    import re

    from liftform.core import verdict, vocabulary
    from liftform.core.vocabulary import FAULT_WORDS, fault_words

    named = {getattr(vocabulary, name) for name in re.findall(r"faults\.append\(([A-Z_]+)\)",
                                                              inspect.getsource(verdict.rep_faults))}
    assert named and named == set(FAULT_WORDS)
    assert fault_words("rounded_reach_down") == "reached down with a rounded back (before lift-off)"
    assert fault_words("a_new_fault") == "a new fault"       # a newer file's value is shown, not dropped


def test_not_judged_is_one_grey_in_every_view():
    """"Not judged" (a rep's "not enough data", a back not seen well enough) is one concept: grey on the video and in
    live (strokes and text), in the report's plots and on the page, and in the terminal. The terminal had said it in
    yellow (its notes' colour) and the page in amber, beside the plots' grey; the report's page is checked in
    test_report."""
    from rich.style import Style

    def grey(rgb) -> bool:
        return max(rgb) - min(rgb) <= 2

    tone = Tone.UNSURE
    terminal = Style.parse(tone.rich_style).color.get_truecolor()
    assert grey(tone.rgb) and grey(tone.text_rgb) and grey(terminal)
    assert grey(_rgb_of(tone.hex)) and grey(_rgb_of(tone.tint))          # the plots' and page's, the page's background
    assert Verdict.INSUFFICIENT_DATA.tone is BackState.UNKNOWN.tone is tone


def test_the_pages_verdict_words_read_on_their_tints():
    """Each tone's words on the page (`Tone.hex`) reach WCAG AA text contrast (4.5:1) on its own background tint
    (the verdict's banner, a rep's pill) and on white: the plots' grey had read at 4.0:1 on a grey tint."""
    for tone in Tone:
        for background in (tone.tint, "#ffffff"):
            assert contrast(linear(_rgb_of(tone.hex)), linear(_rgb_of(background))) >= 4.5, (tone, background)


def _rgb_of(hex_colour: str) -> tuple[int, ...]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
