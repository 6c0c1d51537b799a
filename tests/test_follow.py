"""Following people: crops, matching, joining segments (`liftform.follow`, NumPy only, no model)."""

from __future__ import annotations

import numpy as np
import pytest

from liftform.follow import (
    CROP_SCALE,
    LeftOut,
    PersonRows,
    big_enough,
    box_iou,
    box_union,
    crop_for,
    join_segments,
    keep_or_move_crop,
    match_people,
    person_box,
    search_tiles,
)

FRAME = (0, 0, 1920, 1080)


def person(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """33 landmarks spread over the box (x0, y0)-(x1, y1), corners included."""
    t = np.linspace(0, 1, 33)
    xy = np.stack([x0 + (x1 - x0) * t, y0 + (y1 - y0) * t[::-1]], axis=1)
    xy[0], xy[1] = (x0, y0), (x1, y1)
    return xy


def rows(*boxes_by_position: tuple[int, tuple[float, float, float, float]]) -> PersonRows:
    out = PersonRows()
    for position, box in boxes_by_position:
        out.rows[position] = (person(*box), np.zeros((33, 3)), np.ones(33), np.zeros((21, 2)))
    return out


def test_crop_is_a_square_around_the_person_with_room_to_bend_clipped_to_the_frame():
    standing = person(900, 300, 1000, 700)                    # 100 x 400 px
    x0, y0, x1, y1 = crop_for(standing, FRAME)
    assert x1 - x0 == pytest.approx(CROP_SCALE * 400, abs=2)   # wide enough for the same person bent over
    assert (x0 + x1) / 2 == pytest.approx(950, abs=1) and y0 == 160 and y1 == 840
    at_edge = crop_for(person(1800, 600, 1900, 1000), FRAME)
    assert at_edge[2] == 1920 and at_edge[3] == 1080           # clipped, not shifted
    assert crop_for(np.full((33, 2), np.nan), FRAME) is None


def test_crop_stays_while_the_person_moves_inside_it_and_follows_when_they_leave_it():
    crop = crop_for(person(900, 300, 1000, 700), FRAME)
    bent = person(820, 520, 1150, 720)                          # bent over, same place
    assert keep_or_move_crop(crop, bent, FRAME) == crop
    walked = person(1300, 300, 1400, 700)                        # walked to the right
    moved = keep_or_move_crop(crop, walked, FRAME)
    assert moved != crop and moved[0] <= 1300 and moved[2] >= 1400
    far = person(940, 450, 960, 500)                             # stepped far back: tiny in the old crop
    refit = keep_or_move_crop(crop, far, FRAME)
    assert refit[2] - refit[0] < (crop[2] - crop[0]) / 2


def test_matching_is_one_to_one_by_overlap():
    known = [person_box(person(100, 100, 200, 400)), person_box(person(600, 100, 700, 400)), None]
    found = [person_box(person(610, 110, 710, 410)), person_box(person(105, 100, 205, 400)),
             person_box(person(1500, 100, 1600, 400))]
    assert match_people(known, found) == {0: 1, 1: 0}          # the stranger (index 2) matches nobody
    assert box_iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(1 / 3)


def test_segments_join_the_same_person_across_the_cut_and_keep_two_people_apart():
    left, right = (100, 100, 200, 400), (600, 100, 700, 400)
    first = [rows((0, left), (9, left)), rows((0, right), (9, right))]
    second = [rows((0, right), (5, right)), rows((1, left), (5, left)), rows((4, (1500, 100, 1600, 400)))]
    people = join_segments([(10, first), (6, second)], window=3)
    assert len(people) == 3
    assert sorted(people[0].rows) == [0, 9, 11, 15]               # left person: both halves
    assert sorted(people[1].rows) == [0, 9, 10, 15]
    assert sorted(people[2].rows) == [14]                         # someone new after the cut
    late = join_segments([(10, [rows((0, left))]), (6, [rows((0, left))])], window=3)
    assert len(late) == 2                                         # not seen near the cut: not joined
    found_late = join_segments([(10, [rows((9, left))]), (6, [rows((4, left), (5, left))])], window=3)
    assert len(found_late) == 2                                   # first seen 4 frames after the cut: someone new


def test_a_fragment_joins_the_person_it_converged_on_but_two_people_seen_at_once_stay_apart():
    place, plate = (100, 100, 200, 400), (900, 100, 1400, 1000)
    lifter, fragment = rows((0, place), (1, place), (5, place)), rows((3, place), (4, place))
    fragment.filled.add(2)
    assert lifter.take_fragment(fragment, alone=False)          # never seen at once: joined whoever else was seen
    assert sorted(lifter.rows) == [0, 1, 3, 4, 5] and lifter.filled == {2} and not fragment.rows
    on_a_plate = rows((0, place), (1, plate), (2, plate), (3, place))
    fragment = rows((1, place), (2, place))
    assert not on_a_plate.take_fragment(fragment, alone=False)   # seen at once, and others were in view
    assert sorted(fragment.rows) == [1, 2] and on_a_plate.box_at(1) == pytest.approx(plate)
    assert on_a_plate.take_fragment(fragment, alone=True)        # nobody else ever: the fragment's frames kept
    assert all(on_a_plate.box_at(k) == pytest.approx(place) for k in range(4))


def test_someone_left_unfollowed_counts_when_two_searches_in_a_row_find_them():
    """A search now and then finds a ghost (a bent lifter's arm and back taken for someone else): one search's
    extra person is not said to be in view; a third lifter beside two followed ones is found by every search."""
    ghost, third = LeftOut(), LeftOut()
    for n in (0, 0, 2, 0, 0):
        ghost.searched(n)
    for n in (1, 1, 2, 1):
        third.searched(n)
    assert ghost.people == 0 and third.people == 1


@pytest.mark.parametrize(("bounds", "n_tiles"), [((0, 0, 1920, 1080), 2), ((0, 0, 640, 480), 1),
                                                 ((100, 0, 1700, 600), 3), ((0, 0, 360, 640), 1)])
def test_the_whole_frame_is_searched_in_tiles_as_wide_as_one_and_a_half_heights(bounds, n_tiles):
    """One row of tiles, the frame's height each, at most 1.5 times as wide, overlapping by half: 16:9 in two."""
    tiles = search_tiles(bounds)
    assert len(tiles) == n_tiles
    assert all(t[1] == bounds[1] and t[3] == bounds[3] and t[2] - t[0] <= 1.5 * (t[3] - t[1]) + 1 for t in tiles)
    assert min(t[0] for t in tiles) == bounds[0] and max(t[2] for t in tiles) == bounds[2]


def test_a_fine_search_holds_a_person_a_fifth_of_the_frames_height_whole_in_a_tile_wherever_they_stand():
    """Three rows of tiles half the frame's height, overlapping by half up and down: a lifter a fifth of a 1080p
    frame's height (a camera at the back of a gym: ~45 px in the detector's view of the whole frame, never found)
    lies whole in some tile wherever they stand, and fills 40 % of its height."""
    frame = (0, 0, 1920, 1080)
    tiles = search_tiles(frame, rows=3)
    assert {t[3] - t[1] for t in tiles} == {540} and len({t[1] for t in tiles}) == 3
    assert min(t[1] for t in tiles) == 0 and max(t[3] for t in tiles) == 1080
    height, width = 216, 120
    for x0 in range(0, 1920 - width, 37):
        for y0 in range(0, 1080 - height, 29):
            assert any(t[0] <= x0 and t[1] <= y0 and x0 + width <= t[2] and y0 + height <= t[3] for t in tiles)


def test_a_track_that_goes_on_after_its_person_walked_out_of_the_picture_is_cut_there():
    from liftform.follow import split_at_handovers

    def split_in(people):
        return split_at_handovers(people, (0, 0, 640, 480))

    walked_out = rows(*((k, (10.0 - 5 * k, 60.0, 60.0 - 5 * k, 440.0)) for k in range(10)))   # out at the left
    walked_out.rows.update(rows(*((k, (500.0 - 5 * k, 60.0, 560.0 - 5 * k, 440.0)) for k in range(14, 30))).rows)
    pieces = split_in([walked_out])
    assert [sorted(p.rows) for p in pieces] == [list(range(10)), list(range(14, 30))]
    moved = rows(*((k, (200.0, 60.0, 260.0, 440.0)) for k in range(10)), *((k, (450.0, 60.0, 510.0, 440.0))
                                                                          for k in range(14, 30)))
    assert len(split_in([moved])) == 1           # lost inside the picture and found elsewhere: one person
    hidden = rows(*((k, (300.0, 60.0, 360.0, 440.0)) for k in range(10)), *((k, (330.0, 60.0, 390.0, 440.0))
                                                                           for k in range(14, 30)))
    assert len(split_in([hidden])) == 1          # lost behind the plates and found where they were
    stepping = rows(*((k, (300.0 + 40 * k, 60.0, 360.0 + 40 * k, 440.0)) for k in range(10)))
    assert len(split_in([stepping])) == 1        # no frame missing: a fast move is not a hand-over
    out_and_in = rows(*((k, (50.0 - 9 * k, 60.0, 110.0 - 9 * k, 440.0)) for k in range(11)),     # out at the left
                      *((k, (5 * k - 170.0, 60.0, 5 * k - 110.0, 440.0)) for k in range(30, 40)))  # someone comes in
    assert [sorted(p.rows) for p in split_in([out_and_in])] == [list(range(11)), list(range(30, 40))]


def test_a_person_found_overlapping_two_followed_people_is_given_to_one_of_them_only():
    """Two lifters side by side, boxes overlapping: the search finds each of them once, the left one overlapping both
    followed boxes. Each follower is re-aimed at one person (the best overlap first), never two at one."""
    left, right = person_box(person(100, 100, 300, 500)), person_box(person(220, 100, 420, 500))
    found_left, found_right = person_box(person(140, 100, 340, 500)), person_box(person(310, 100, 510, 500))
    assert min(box_iou(found_left, left), box_iou(found_left, right), box_iou(found_right, right)) > 0.3
    assert match_people([left, right], [found_left, found_right]) == {0: 0, 1: 1}


def test_people_side_by_side_or_one_above_the_other_do_not_overlap():
    """IoU is exactly 0 for boxes apart on one axis only (`crossings` tells people apart by ``== 0``)."""
    assert box_iou((0, 0, 100, 400), (150, 0, 250, 400)) == 0.0      # beside, same height
    assert box_iou((0, 0, 100, 400), (0, 450, 100, 600)) == 0.0      # below, same width


def test_a_person_cut_by_the_edge_of_the_picture_keeps_their_crop_while_they_move_a_little():
    """A crop clipped at the picture's edge cannot hold a margin beyond it: a lifter whose feet, head or side the
    frame cuts keeps their crop (moving it every frame breaks the one-person tracker's frame-to-frame tracking)."""
    bounds = (0, 0, 1920, 1080)
    for at_edge, moved in (((0, 300, 100, 700), (0, 310, 110, 705)),            # cut at the left
                           ((900, 0, 1000, 400), (905, 0, 1010, 395)),          # head cut at the top
                           ((900, 680, 1000, 1080), (905, 690, 1010, 1080)),    # feet cut at the bottom
                           ((1820, 300, 1920, 700), (1810, 310, 1920, 705))):   # cut at the right
        crop = crop_for(person(*at_edge), bounds)
        assert keep_or_move_crop(crop, person(*moved), bounds) == crop, at_edge


def test_far_background_figures_are_not_followed():
    """`[pose] min_person_fraction` (0.4): a figure under that share of the largest person's size is left out."""
    lifter, spotter, far = (600, 100, 800, 900), (300, 200, 500, 700), (1500, 400, 1540, 520)
    assert big_enough([lifter, spotter, far], 0.4) == [True, True, False]


def test_the_picture_searched_widens_to_hold_both_frames_bars():
    """A title card's text and the video's picture inside different bars: the search covers both."""
    assert box_union((200, 0, 1720, 1080), (0, 140, 1920, 940)) == (0, 0, 1920, 1080)
    assert box_union((0, 140, 1920, 940), (200, 0, 1720, 1080)) == (0, 0, 1920, 1080)


def test_after_a_hand_over_the_newcomer_takes_their_own_frames_clothes_and_skipped_frames():
    """A track cut where its lifter walked out: the clothes' colours (`appearance.rejoin_returning` joins a
    returning lifter by them) and the frames not run through the model go with the piece they belong to."""
    from liftform.follow import split_at_handovers

    walked_out = rows(*((k, (10.0 - 5 * k, 60.0, 60.0 - 5 * k, 440.0)) for k in range(10)))   # out at the left
    walked_out.rows.update(rows(*((k, (500.0 - 5 * k, 60.0, 560.0 - 5 * k, 440.0)) for k in range(14, 30))).rows)
    red, blue = np.array([[50.0, 60.0, 40.0]]), np.array([[40.0, 10.0, -50.0]])
    walked_out.colours = {k: red if k < 10 else blue for k in (0, 5, 14, 20)}
    walked_out.filled = {3, 4, 21, 22}
    first, second = split_at_handovers([walked_out], (0, 0, 640, 480))
    assert sorted(first.colours) == [0, 5] and sorted(second.colours) == [14, 20]
    assert first.filled == {3, 4} and second.filled == {21, 22}


def test_the_lifter_is_the_person_who_fills_the_video_most():
    """Frames seen x size: a lifter seen throughout comes before a passerby walking close to the camera for a
    second and before a figure far back in the room seen as long as the lifter."""
    lifter = rows(*((k, (400, 100, 600, 500)) for k in range(300)))
    close_passerby = rows(*((k, (0, 0, 700, 1000)) for k in range(100, 130)))
    far_figure = rows(*((k, (1500, 300, 1530, 400)) for k in range(300)))
    assert lifter.presence == 300 * 400 and far_figure.presence == 300 * 100   # each frame's larger extent
    assert lifter.presence > max(close_passerby.presence, far_figure.presence) > 0


def test_a_person_as_a_track_is_missing_where_not_seen_and_marked_where_filled():
    person = rows((1, (100, 100, 200, 400)), (3, (110, 100, 210, 400)))
    person.filled.add(3)
    track = person.to_track(np.arange(5) / 30, np.arange(5) * 2, (640, 480))
    assert track.has_pose.tolist() == [False, True, False, True, False]
    assert np.isnan(track.world_xyz[[0, 2, 4]]).all() and (track.visibility[[0, 2, 4]] == 0).all()
    assert track.image_xy[3] == pytest.approx(person.rows[3][0]) and track.pose_filled.tolist()[3]
    assert track.frame_index.tolist() == [0, 2, 4, 6, 8] and track.frame_size_wh == (640, 480)
