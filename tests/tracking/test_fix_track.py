"""A trip's fixes, kept compactly, read back exactly as they went in."""

from __future__ import annotations

from transit.tracking.passages import Fix
from transit.tracking.runs import FixTrack


def test_fixes_read_back_as_given_speed_or_none() -> None:
    track = FixTrack()
    given = [Fix(100.0, 0.0, None), Fix(110.0, 50.5, 5.25), Fix(120.0, 99.0, 0.0)]
    for fix in given:
        track.append(fix)
    assert len(track) == 3
    assert list(track) == given
    assert track[-1] == given[-1] and track[0].v is None


def test_a_late_fix_finds_its_slot_between_two_known_ones() -> None:
    track = FixTrack()
    for t in (100.0, 110.0, 130.0):
        track.append(Fix(t, t, 1.0))
    assert track.spans(120.0) and not track.spans(100.0) and not track.spans(131.0)
    position = track.slot_of(120.0)
    assert position == 2
    track.insert(position, Fix(120.0, 120.0, None))
    assert [f.t for f in track] == [100.0, 110.0, 120.0, 130.0]
    assert track[2].v is None
    assert track.slot_of(110.0) is None  # a repeat of a known fix has no slot


def test_an_empty_or_single_fix_track_spans_nothing() -> None:
    track = FixTrack()
    assert not track and not track.spans(5.0)
    track.append(Fix(5.0, 0.0, None))
    assert track and not track.spans(5.0)
