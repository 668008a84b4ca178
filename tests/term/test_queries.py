"""The probe's questions and the parser of the answers, without a terminal."""

from __future__ import annotations

import re

from fluxtui.term import queries
from fluxtui.term.identify import from_da2, from_xtversion, version_tuple
from fluxtui.term.queries import parse, questions


def test_every_question_goes_out_in_one_write_with_da1_last() -> None:
    asked = questions().decode()
    for question in (
        "\x1b[>0q",
        "\x1b[>c",
        "\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\",
        "\x1b[16t",
        "\x1b[14t",
        "\x1b[38:2::1:2:3m\x1bP$qm\x1b\\\x1b[m",
        "\x1bP+q524742;5463\x1b\\",
        "\x1b[?1;1;0S",
    ):
        assert question in asked
    assert asked.endswith("\x1b[c")
    assert asked.count("\x1b[c") == 1


def test_under_tmux_the_outer_terminal_is_asked_through_passthrough_before_tmux_s_da1() -> None:
    asked = questions(tmux=True).decode()
    assert "\x1bPtmux;\x1b\x1b[>0q\x1b\\" in asked
    assert "\x1bPtmux;\x1b\x1b[c\x1b\\" in asked
    assert asked.endswith("\x1bPtmux;\x1b\x1b[c\x1b\\\x1b[c")
    # an APC straight to tmux would become the pane's title: only wrapped, for the outer terminal
    assert asked.count("\x1b_G") == 1 and "\x1bPtmux;\x1b\x1b_Gi=31," in asked


def test_tmux_gets_no_dcs_it_would_take_for_a_sixel_image() -> None:
    """tmux 3.4 built with Sixel reads a DCS ending in `q` as a Sixel image; its server crashed on
    the DECRQSS read-back with a Sixel terminal outside. Only the passthrough DCS goes to it."""
    asked = questions(tmux=True).decode()
    unwrapped = re.sub(r"\x1bPtmux;(?:\x1b\x1b|[^\x1b])*\x1b\\", "", asked)
    assert "\x1bP" not in unwrapped and "\x1b[>0q" in unwrapped
    assert "\x1bP$q" not in asked and "\x1bP+q" not in asked


def test_a_full_set_of_answers_is_read() -> None:
    answers = parse(
        b"\x1bP>|XTerm(379)\x1b\\\x1b[>41;379;0c\x1b_Gi=31;OK\x1b\\\x1b[6;20;10t"
        b"\x1b[4;480;800t\x1bP1$r0;38:2::1:2:3m\x1b\\\x1bP1+r524742=382F382F38\x1b\\"
        b"\x1b[?1;0;1024S\x1b[?63;1;2;4;6;9;15;22c"
    )
    assert answers.xtversions == ["XTerm(379)"]
    assert answers.da2 == (41, 379, 0)
    assert answers.kitty_graphics is True
    assert answers.cell_px == (10, 20) and answers.window_px == (800, 480)
    assert answers.truecolor_readback and answers.rgb_capability
    assert answers.sixel_registers == 1024
    assert answers.da1 == [(63, 1, 2, 4, 6, 9, 15, 22)]
    assert answers.complete and answers.keys == b"" and answers.unknown == 0


def test_refusals_are_answers_that_say_no() -> None:
    answers = parse(
        b"\x1b_Gi=31;ENOTSUPPORTED:no\x1b\\\x1bP0$r\x1b\\\x1bP0+r524742\x1b\\"
        b"\x1bP1$r0m\x1b\\\x1b[?1;3;0S\x1b[?62;c"
    )
    assert answers.kitty_graphics is False
    assert not answers.truecolor_readback and not answers.rgb_capability
    assert answers.sixel_registers is None
    assert answers.unknown == 0


def test_colour_read_back_in_either_notation_and_st_as_bel() -> None:
    assert parse(b"\x1bP1$r38;2;1;2;3m\x1b\\").truecolor_readback
    assert parse(b"\x1bP1$r0;38:2:1:2:3m\x07").truecolor_readback
    assert not parse(b"\x1bP1$r0;38:5:3m\x1b\\").truecolor_readback
    assert not parse(b"\x1bP1$r0;38:2::1:2:33m\x1b\\").truecolor_readback


def test_keys_typed_meanwhile_are_kept_apart_from_the_answers() -> None:
    answers = parse(b"ab\x1b[A\x1bP>|kitty(0.35.2)\x1b\\q\x1bx\x1b[?62;c")
    assert answers.keys == b"ab\x1b[Aq\x1bx"
    assert answers.xtversions == ["kitty(0.35.2)"] and answers.da1 == [(62,)]


def test_garbage_and_cut_off_answers_do_not_break_the_parser() -> None:
    answers = parse(b"\x1bP!!\x1b\\\x1b_Xnope\x1b\\\x1b[6;0;0t\x1b[?6\xff2;c\x1bP>|kitty(0.3")
    assert answers.unknown == 2
    assert answers.cell_px is None and not answers.complete
    assert answers.xtversions == []  # cut off: the rest never came


def test_wrapped_answers_are_unwrapped() -> None:
    answers = parse(b"\x1bPtmux;\x1b\x1bP>|kitty(0.35.2)\x1b\x1b\\\x1b\\")
    assert answers.xtversions == ["kitty(0.35.2)"]


def test_queries_module_names_its_sequences() -> None:
    assert queries.tmux_wrap("\x1b[c") == "\x1bPtmux;\x1b\x1b[c\x1b\\"


def test_names_and_versions() -> None:
    assert from_xtversion("kitty(0.26.5)") == ("kitty", "0.26.5")
    assert from_xtversion("XTerm(379)") == ("XTerm", "379")
    assert from_xtversion("tmux 3.3a") == ("tmux", "3.3a")
    assert from_xtversion("WezTerm 20240203-110809-5046fc22") == (
        "WezTerm",
        "20240203-110809-5046fc22",
    )
    assert from_xtversion("\x1b]0;x\x07") == ("␛]0;x␇", None)
    assert from_da2((41, 330, 0)) == ("xterm", "330")
    assert from_da2((84, 0, 0)) == ("tmux", None)
    assert from_da2((1, 4000, 29)) == (None, None)
    assert version_tuple("0.26.5") == (0, 26, 5)
    assert version_tuple("3.3a") == (3, 3)
    assert version_tuple(None) == ()
