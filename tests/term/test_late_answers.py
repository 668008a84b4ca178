"""Answers that come after the probe's deadline are taken out of the app's input; keys are not."""

from __future__ import annotations

from fluxtui.term.late_answers import LateAnswers
from tests.term import scripted

#: what kitty 0.26 answers to the probe's questions, in the order it sends them
KITTY_ANSWERS = "".join(scripted.KITTY_026.values())


def test_a_whole_late_batch_is_dropped_and_the_filter_stops_after_its_da1() -> None:
    late = LateAnswers(owed=1)
    assert late.sift(KITTY_ANSWERS) == ""
    assert not late.active and late.dropped == len(scripted.KITTY_026)
    # once all are in, even what looks like an answer is input again (alt+P, then text)
    assert late.sift("\x1bP>|x\x1b\\") == "\x1bP>|x\x1b\\"


def test_keys_typed_around_and_between_answers_are_kept() -> None:
    late = LateAnswers(owed=1)
    typed = "ab\x1b[A" + scripted.KITTY_026["\x1b[>0q"] + "c\x1b[6;5~" + "\x1b[?62;c" + "d"
    assert late.sift(typed) == "ab\x1b[Ac\x1b[6;5~d"  # ctrl+PageDown is no cell size


def test_an_answer_cut_across_reads_is_held_until_its_end_comes() -> None:
    late = LateAnswers(owed=1)
    pieces = [KITTY_ANSWERS[:5], KITTY_ANSWERS[5:31], KITTY_ANSWERS[31:]]
    assert [late.sift(piece) for piece in pieces] == ["", "", ""]
    assert not late.active


def test_a_lone_escape_is_the_escape_key_once_nothing_follows() -> None:
    late = LateAnswers(owed=1)
    assert late.sift("\x1b") == ""  # may be an answer's start
    assert late.flush() == "\x1b"
    assert late.sift("\x1bOP") == "\x1bOP"  # F1: no answer starts so
    assert late.active  # the DA1 is still owed


def test_two_batches_under_tmux() -> None:
    """tmux's own DA1 first, then the outer terminal's answers; two DA1 owed."""
    late = LateAnswers(owed=2)
    tmux = "".join(scripted.TMUX_33.values())
    assert late.sift(tmux + "x") == "x" and late.active
    outer = "\x1bPtmux;\x1b\x1bP>|kitty(0.35.2)\x1b\x1b\\\x1b\\" + "\x1b[?62;c"
    assert late.sift(outer) == "" and not late.active


def test_answers_with_nothing_owed_go_through() -> None:
    assert LateAnswers(owed=0).sift(KITTY_ANSWERS) == KITTY_ANSWERS
