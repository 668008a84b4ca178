"""What the terminal can show: probed before Textual starts, Textual-free.

The probe asks the terminal who it is and what it draws (XTVERSION, DA1/DA2, colour read-back,
cell size, Kitty graphics); the choice picks the image protocol and colour depth from the answers
and says why; `fluxtui doctor` prints both.
"""
