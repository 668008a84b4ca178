"""tmux's passthrough wrapping."""

from fluxtui.term.passthrough import wrap_for_tmux


def test_every_escape_inside_is_doubled_and_the_whole_is_one_dcs():
    apc = "\x1b_Ga=T,i=7;AAAA\x1b\\"
    wrapped = wrap_for_tmux(apc)
    assert wrapped == "\x1bPtmux;\x1b\x1b_Ga=T,i=7;AAAA\x1b\x1b\\\x1b\\"
    inner = wrapped[len("\x1bPtmux;") : -2]
    assert inner.replace("\x1b\x1b", "").count("\x1b") == 0  # no lone ESC ends it early
    assert inner.replace("\x1b\x1b", "\x1b") == apc
